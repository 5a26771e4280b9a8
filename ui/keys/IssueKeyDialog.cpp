#include "keys/IssueKeyDialog.h"

#include "admin/AdminService.h"

#include <QCheckBox>
#include <QClipboard>
#include <QComboBox>
#include <QDateTimeEdit>
#include <QDialogButtonBox>
#include <QFontDatabase>
#include <QFormLayout>
#include <QGuiApplication>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>

namespace canopy::ui {

IssueKeyDialog::IssueKeyDialog(AdminService *admin, QWidget *parent)
    : QDialog(parent)
    , m_admin(admin)
    , m_name(new QLineEdit(this))
    , m_scope(new QLineEdit(this))
    , m_permission(new QComboBox(this))
    , m_expires(new QCheckBox(tr("Expires"), this))
    , m_expiresAt(new QDateTimeEdit(this))
    , m_value(new QLineEdit(this))
    , m_message(new QLabel(this))
    , m_issue(new QPushButton(tr("Issue"), this))
    , m_copy(new QPushButton(tr("Copy"), this))
{
    setWindowTitle(tr("Issue an access key"));
    m_name->setPlaceholderText(tr("e.g. kiosk-1 (letters, digits, . _ -)"));
    m_scope->setPlaceholderText(tr("a document id, or a prefix ending in * (e.g. team/*)"));
    m_permission->addItem(tr("read"), QStringLiteral("read"));
    m_permission->addItem(tr("write"), QStringLiteral("write"));
    // Times are entered and stored in UTC, as the admin API's expiresAt is.
    m_expiresAt->setTimeSpec(Qt::UTC);
    m_expiresAt->setDisplayFormat(QStringLiteral("yyyy-MM-dd HH:mm 'UTC'"));
    m_expiresAt->setCalendarPopup(true);
    m_expiresAt->setDateTime(QDateTime::currentDateTimeUtc().addDays(30));
    m_expiresAt->setEnabled(false);
    connect(m_expires, &QCheckBox::toggled, m_expiresAt, &QWidget::setEnabled);

    m_value->setReadOnly(true);
    m_value->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_value->setPlaceholderText(tr("The key appears here once"));
    m_value->setMinimumWidth(m_value->fontMetrics().horizontalAdvance(QString(54, u'M')));
    m_message->setWordWrap(true);
    m_message->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_copy->setEnabled(false);
    m_issue->setDefault(true);

    auto *expiryRow = new QHBoxLayout;
    expiryRow->addWidget(m_expires);
    expiryRow->addWidget(m_expiresAt, 1);
    auto *valueRow = new QHBoxLayout;
    valueRow->addWidget(m_value, 1);
    valueRow->addWidget(m_copy);

    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    buttons->addButton(m_issue, QDialogButtonBox::ActionRole);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(m_issue, &QPushButton::clicked, this, &IssueKeyDialog::issue);
    connect(m_copy, &QPushButton::clicked, this, [this] {
        QGuiApplication::clipboard()->setText(m_value->text());
        m_copy->setText(tr("Copied"));
    });

    auto *intro = new QLabel(tr("An access key lets an application without AT Protocol connect "
                                "as the identity key:<name> (/sync/as/key:<name>, "
                                "/loro/as/key:<name>), as often as it likes until the key "
                                "expires or is revoked. Within its scope it may do what its "
                                "permission says, whatever the documents' defaults; outside it, "
                                "nothing."),
        this);
    intro->setWordWrap(true);
    auto *form = new QFormLayout(this);
    form->addRow(intro);
    form->addRow(tr("Name:"), m_name);
    form->addRow(tr("Scope:"), m_scope);
    form->addRow(tr("Permission:"), m_permission);
    form->addRow(tr("Lifetime:"), expiryRow);
    form->addRow(tr("Key:"), valueRow);
    form->addRow(m_message);
    form->addRow(buttons);
}

void IssueKeyDialog::setName(const QString &name)
{
    m_name->setText(name);
}

void IssueKeyDialog::setScope(const QString &scope)
{
    m_scope->setText(scope);
}

void IssueKeyDialog::setPermission(const QString &permission)
{
    const int index = m_permission->findData(permission);
    if (index >= 0)
        m_permission->setCurrentIndex(index);
}

void IssueKeyDialog::setExpiresAt(const QDateTime &expiresAt)
{
    m_expires->setChecked(expiresAt.isValid());
    if (expiresAt.isValid())
        m_expiresAt->setDateTime(expiresAt.toUTC());
}

QString IssueKeyDialog::keyValue() const
{
    return m_value->text();
}

QString IssueKeyDialog::messageText() const
{
    return m_message->text();
}

bool IssueKeyDialog::issue()
{
    if (!m_admin) {
        m_message->setText(tr("The host is not running."));
        return false;
    }
    const QString name = m_name->text().trimmed();
    const QString scope = m_scope->text().trimmed();
    const QDateTime expiresAt = m_expires->isChecked() ? m_expiresAt->dateTime() : QDateTime();
    // The host validates every field and names the one that is wrong.
    auto result = m_admin->issueAccessKey(
        name, scope, m_permission->currentData().toString(), expiresAt, QStringLiteral("window"));
    if (!result) {
        m_message->setText(tr("Could not issue the key: %1").arg(result.error().message));
        adjustSize(); // the wrapped message needs its lines
        return false;
    }
    m_value->setText(result->value);
    m_value->selectAll();
    m_copy->setEnabled(true);
    m_copy->setFocus();
    // One key per dialog: the value must not be replaced before it was copied.
    m_issue->setEnabled(false);
    for (QWidget *field : {static_cast<QWidget *>(m_name), static_cast<QWidget *>(m_scope),
             static_cast<QWidget *>(m_permission), static_cast<QWidget *>(m_expires),
             static_cast<QWidget *>(m_expiresAt)})
        field->setEnabled(false);
    m_message->setText(tr("<b>Copy it now: this is the only time it is shown.</b> Only its "
                          "hash is kept, so it cannot be shown again; a lost key is revoked and "
                          "a new one issued."));
    adjustSize();
    Q_EMIT issued(result->key.name);
    return true;
}

} // namespace canopy::ui
