#include "sessions/BanDialog.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>

namespace canopy::ui {

BanDialog::BanDialog(const QString &did, QWidget *parent)
    : QDialog(parent)
    , m_reason(new QLineEdit(this))
    , m_duration(new QComboBox(this))
{
    setWindowTitle(tr("Ban DID"));
    auto *didLabel = new QLabel(did, this);
    didLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_reason->setPlaceholderText(tr("Shown in the event log, e.g. “flooding”"));
    // Seconds; 0 is "until lifted".
    m_duration->addItem(tr("1 hour"), 3600);
    m_duration->addItem(tr("1 day"), 86400);
    m_duration->addItem(tr("1 week"), 7 * 86400);
    m_duration->addItem(tr("30 days"), 30 * 86400);
    m_duration->addItem(tr("Until lifted"), 0);
    m_duration->setCurrentIndex(1);

    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    buttons->button(QDialogButtonBox::Ok)->setText(tr("Ban"));
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

    auto *form = new QFormLayout(this);
    form->addRow(tr("DID:"), didLabel);
    form->addRow(tr("Reason:"), m_reason);
    form->addRow(tr("Duration:"), m_duration);
    auto *note = new QLabel(
        tr("The DID's open sessions are closed at once, and it cannot connect or get tokens "
           "until the ban ends."),
        this);
    note->setWordWrap(true);
    form->addRow(note);
    form->addRow(buttons);
    resize(460, sizeHint().height());
}

QString BanDialog::reason() const
{
    // Never a null string: the store keeps the reason NOT NULL, and null binds as NULL.
    const QString reason = m_reason->text().trimmed();
    return reason.isNull() ? QStringLiteral("") : reason;
}

QDateTime BanDialog::until(const QDateTime &now) const
{
    const int seconds = m_duration->currentData().toInt();
    return seconds > 0 ? now.addSecs(seconds) : QDateTime();
}

} // namespace canopy::ui
