#include "tokens/IssueTokenDialog.h"

#include "admin/AdminService.h"
#include "common/Format.h"
#include "config/ConfigLoader.h"

#include <QClipboard>
#include <QDialogButtonBox>
#include <QFontDatabase>
#include <QFormLayout>
#include <QGuiApplication>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>

namespace canopy::ui {

IssueTokenDialog::IssueTokenDialog(AdminService *admin, QWidget *parent)
    : QDialog(parent)
    , m_admin(admin)
    , m_did(new QLineEdit(this))
    , m_token(new QLineEdit(this))
    , m_message(new QLabel(this))
    , m_issue(new QPushButton(tr("Issue"), this))
    , m_copy(new QPushButton(tr("Copy"), this))
{
    setWindowTitle(tr("Issue a dev token"));
    m_did->setPlaceholderText(QStringLiteral("did:plc:…"));
    m_token->setReadOnly(true);
    m_token->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_token->setPlaceholderText(tr("The token appears here once"));
    m_token->setMinimumWidth(m_token->fontMetrics().horizontalAdvance(QString(54, u'M')));
    m_message->setWordWrap(true);
    m_copy->setEnabled(false);
    m_issue->setDefault(true);

    auto *tokenRow = new QHBoxLayout;
    tokenRow->addWidget(m_token, 1);
    tokenRow->addWidget(m_copy);

    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    buttons->addButton(m_issue, QDialogButtonBox::ActionRole);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(m_issue, &QPushButton::clicked, this, &IssueTokenDialog::issue);
    connect(m_copy, &QPushButton::clicked, this, [this] {
        QGuiApplication::clipboard()->setText(m_token->text());
        m_copy->setText(tr("Copied"));
    });
    connect(m_did, &QLineEdit::returnPressed, this, &IssueTokenDialog::issue);

    auto *intro = new QLabel(tr("A connection token opens one /sync/as/<DID> connection for the "
                                "DID it is issued to, within its lifetime."),
        this);
    intro->setWordWrap(true);
    auto *form = new QFormLayout(this);
    form->addRow(intro);
    form->addRow(tr("DID:"), m_did);
    form->addRow(tr("Token:"), tokenRow);
    form->addRow(m_message);
    form->addRow(buttons);
}

void IssueTokenDialog::setDid(const QString &did)
{
    m_did->setText(did);
}

QString IssueTokenDialog::token() const
{
    return m_token->text();
}

bool IssueTokenDialog::issue()
{
    const QString did = m_did->text().trimmed();
    if (!ConfigLoader::isValidDid(did)) {
        m_message->setText(tr("“%1” is not a DID (did:method:identifier).").arg(did));
        return false;
    }
    if (!m_admin) {
        m_message->setText(tr("The host is not running."));
        return false;
    }
    auto issued = m_admin->issueToken(did);
    if (!issued) {
        m_message->setText(tr("Could not issue a token: %1").arg(issued.error().message));
        return false;
    }
    m_token->setText(issued->token);
    m_token->selectAll();
    m_copy->setEnabled(true);
    m_copy->setFocus();
    // One token per dialog: the value must not be replaced before it was copied.
    m_issue->setEnabled(false);
    m_did->setReadOnly(true);
    const qint64 ttl = issued->record.issuedAt.secsTo(issued->record.expiresAt);
    m_message->setText(tr("<b>Copy it now: this is the only time it is shown.</b> It expires in "
                          "%1 and works once.")
                           .arg(Format::duration(ttl)));
    return true;
}

} // namespace canopy::ui
