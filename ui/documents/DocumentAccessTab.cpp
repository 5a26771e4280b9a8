#include "documents/DocumentAccessTab.h"

#include "admin/AdminService.h"
#include "common/AccessChecker.h"
#include "common/TableViews.h"
#include "documents/GrantsModel.h"

#include <QComboBox>
#include <QGridLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QTableView>
#include <QVBoxLayout>

namespace canopy::ui {
namespace {

bool sameGrants(const QList<GrantInfo> &a, const QList<GrantInfo> &b)
{
    return std::equal(
        a.cbegin(), a.cend(), b.cbegin(), b.cend(), [](const GrantInfo &x, const GrantInfo &y) {
            return x.identity == y.identity && x.permission == y.permission;
        });
}

} // namespace

DocumentAccessTab::DocumentAccessTab(QWidget *parent)
    : QWidget(parent)
    , m_title(new QLabel(this))
    , m_owner(new QLineEdit(this))
    , m_default(new QComboBox(this))
    , m_grants(new GrantsModel(this))
    , m_grantsView(new QTableView(this))
    , m_grantIdentity(new QLineEdit(this))
    , m_grantPermission(new QComboBox(this))
    , m_addGrant(new QPushButton(tr("Grant"), this))
    , m_removeGrant(new QPushButton(tr("Remove grant"), this))
    , m_apply(new QPushButton(tr("Apply"), this))
    , m_revert(new QPushButton(tr("Revert"), this))
    , m_message(new QLabel(this))
    , m_checker(new AccessChecker(this))
{
    m_title->setWordWrap(true);
    m_title->setForegroundRole(QPalette::PlaceholderText);
    m_owner->setPlaceholderText(tr("none recorded (a document older than the record)"));
    m_owner->setToolTip(tr("The owner always may write. Recorded from the write that created "
                           "the document; change it to hand the document over."));
    // Data are the contract's names; the texts are what the operator reads.
    m_default->addItem(tr("none: only the owner and grants"), QStringLiteral("none"));
    m_default->addItem(tr("read: everyone may read"), QStringLiteral("read"));
    m_default->addItem(tr("write: everyone may read and write"), QStringLiteral("write"));
    m_default->setToolTip(tr("What every identity that is neither the owner nor granted more "
                             "may do; a grant only adds to it"));
    m_grantIdentity->setPlaceholderText(tr("did:plc:… or key:<name>"));
    m_grantIdentity->setClearButtonEnabled(true);
    m_grantPermission->addItem(tr("read"), QStringLiteral("read"));
    m_grantPermission->addItem(tr("write"), QStringLiteral("write"));
    m_apply->setToolTip(tr("Replace the document's owner, default and grants; live sessions "
                           "follow at once"));
    m_revert->setToolTip(tr("Drop the edits and show what the host holds"));
    m_message->setWordWrap(true);
    m_message->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_message->hide();

    TableViews::setUp(m_grantsView, m_grants, false);
    TableViews::setColumnWidths(m_grantsView, {380});
    m_checker->setDocumentFixed(true);

    connect(m_owner, &QLineEdit::textEdited, this, &DocumentAccessTab::updateButtons);
    connect(m_default, &QComboBox::currentIndexChanged, this, &DocumentAccessTab::updateButtons);
    connect(m_grants, &GrantsModel::edited, this, &DocumentAccessTab::updateButtons);
    connect(m_grantsView->selectionModel(), &QItemSelectionModel::selectionChanged, this, [this] {
        updateButtons();
        const QModelIndexList rows = m_grantsView->selectionModel()->selectedRows();
        if (!rows.isEmpty())
            m_checker->setIdentity(rows.first().data(GrantsModel::IdentityRole).toString());
    });
    connect(m_addGrant, &QPushButton::clicked, this, &DocumentAccessTab::addGrant);
    connect(m_grantIdentity, &QLineEdit::returnPressed, this, &DocumentAccessTab::addGrant);
    connect(m_removeGrant, &QPushButton::clicked, this, &DocumentAccessTab::removeSelectedGrant);
    connect(m_apply, &QPushButton::clicked, this, &DocumentAccessTab::apply);
    connect(m_revert, &QPushButton::clicked, this, &DocumentAccessTab::reload);

    auto *top = new QGridLayout;
    top->addWidget(new QLabel(tr("Owner:"), this), 0, 0);
    top->addWidget(m_owner, 0, 1);
    top->addWidget(new QLabel(tr("Default access:"), this), 0, 2);
    top->addWidget(m_default, 0, 3);
    top->setColumnStretch(1, 1);

    auto *grantRow = new QHBoxLayout;
    grantRow->addWidget(m_grantIdentity, 1);
    grantRow->addWidget(m_grantPermission);
    grantRow->addWidget(m_addGrant);
    grantRow->addWidget(m_removeGrant);
    grantRow->addSpacing(24);
    grantRow->addWidget(m_revert);
    grantRow->addWidget(m_apply);

    auto *checkBox = new QGroupBox(tr("Can X write this document, and why?"), this);
    auto *checkLayout = new QVBoxLayout(checkBox);
    checkLayout->addWidget(m_checker);

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_title);
    layout->addLayout(top);
    layout->addWidget(m_grantsView, 1);
    layout->addLayout(grantRow);
    layout->addWidget(m_message);
    layout->addWidget(checkBox);
    setDocument({});
}

void DocumentAccessTab::setAdmin(AdminService *admin)
{
    if (m_admin)
        disconnect(m_admin, nullptr, this, nullptr);
    m_admin = admin;
    m_checker->setAdmin(admin);
    if (admin) {
        connect(admin, &AdminService::documentAccessChanged, this, [this](const QString &document) {
            if (m_applying || m_document.isEmpty()
                || (!document.isEmpty() && document != m_document))
                return;
            // Someone else (the admin API, another page) changed it: follow unless the operator
            // is editing here, who then learns the form is no longer what the host holds.
            if (!isDirty())
                fetch();
            else
                showMessage(tr("The host's record changed meanwhile: Apply replaces it with this "
                               "form, Revert shows it."),
                    true);
        });
    }
    reload();
}

void DocumentAccessTab::setDocument(const QString &document)
{
    if (document == m_document && !document.isEmpty())
        return;
    m_document = document;
    m_checker->setDocument(document);
    m_message->hide();
    reload();
}

void DocumentAccessTab::reload()
{
    m_message->hide();
    fetch();
}

void DocumentAccessTab::fetch()
{
    if (m_document.isEmpty() || !m_admin) {
        m_title->setText(m_admin ? tr("Select a document to see who may read and write it.")
                                 : tr("The host is not running."));
        load(DocumentAccessInfo {{}, QStringLiteral("write"), {}});
        setEnabled(m_admin && !m_document.isEmpty());
        return;
    }
    setEnabled(true);
    m_title->setText(tr("Who may read and write %1, on every protocol and for every kind of "
                        "that id. The owner always may write; everyone else gets the stronger "
                        "of the default and their grant.")
                         .arg(m_document));
    auto access = m_admin->documentAccess(m_document);
    if (!access && access.error().code == AdminError::Code::NotFound) {
        // Not created yet (or stored before rights were recorded): it would get the host's
        // default; Apply sets its rights ahead.
        load(DocumentAccessInfo {{}, m_admin->newDocumentAccess(), {}});
        showMessage(tr("No rights are recorded for this document yet: it has the default a new "
                       "document gets (%1). Apply records them.")
                        .arg(m_admin->newDocumentAccess()),
            false);
        return;
    }
    if (!access) {
        load(DocumentAccessInfo {{}, m_admin->newDocumentAccess(), {}});
        showMessage(access.error().message, true);
        return;
    }
    load(*access);
}

void DocumentAccessTab::load(const DocumentAccessInfo &access)
{
    m_loaded = access;
    m_owner->setText(access.owner);
    setDefaultAccess(access.defaultAccess);
    m_grants->setGrants(access.grants);
    m_loaded = edited(); // as the form holds it, so an untouched form is never dirty
    updateButtons();
}

void DocumentAccessTab::setDefaultAccess(const QString &permission)
{
    const int index = m_default->findData(permission);
    if (index >= 0)
        m_default->setCurrentIndex(index);
}

DocumentAccessInfo DocumentAccessTab::edited() const
{
    return DocumentAccessInfo {
        m_owner->text().trimmed(), m_default->currentData().toString(), m_grants->grants()};
}

bool DocumentAccessTab::isDirty() const
{
    const DocumentAccessInfo now = edited();
    return now.owner != m_loaded.owner || now.defaultAccess != m_loaded.defaultAccess
        || !sameGrants(now.grants, m_loaded.grants);
}

void DocumentAccessTab::updateButtons()
{
    const bool ready = m_admin && !m_document.isEmpty();
    const bool dirty = ready && isDirty();
    m_apply->setEnabled(dirty);
    m_revert->setEnabled(dirty);
    m_addGrant->setEnabled(ready);
    m_removeGrant->setEnabled(ready && m_grantsView->selectionModel()->hasSelection());
}

QString DocumentAccessTab::messageText() const
{
    return m_message->isHidden() ? QString() : m_message->text();
}

void DocumentAccessTab::showMessage(const QString &message, bool error)
{
    m_message->setText(message);
    m_message->setStyleSheet(error ? QStringLiteral("color: #b02020") : QString());
    m_message->setVisible(!message.isEmpty());
}

bool DocumentAccessTab::addGrant()
{
    const QString identity = m_grantIdentity->text().trimmed();
    if (identity.isEmpty()) {
        showMessage(tr("Enter the identity to grant: a DID (did:method:identifier) or "
                       "key:<name>."),
            true);
        m_grantIdentity->setFocus();
        return false;
    }
    // The host checks the identity on Apply and names what is wrong; this only catches what
    // can never be one.
    if (!identity.startsWith(u"did:") && !identity.startsWith(u"key:")) {
        showMessage(tr("“%1” is neither a DID (did:method:identifier) nor an access key "
                       "(key:<name>).")
                        .arg(identity),
            true);
        m_grantIdentity->setFocus();
        m_grantIdentity->selectAll();
        return false;
    }
    const bool known = m_grants->rowOf(identity) >= 0;
    const QString permission = m_grantPermission->currentData().toString();
    const int row = m_grants->grant(identity, permission);
    m_grantsView->selectRow(row);
    m_grantIdentity->clear();
    showMessage(known ? tr("%1 now has %2; Apply to send it.").arg(identity, permission)
                      : tr("%1 granted %2; Apply to send it.").arg(identity, permission),
        false);
    return true;
}

bool DocumentAccessTab::removeSelectedGrant()
{
    const QModelIndexList rows = m_grantsView->selectionModel()->selectedRows();
    if (rows.isEmpty())
        return false;
    const QString identity = rows.first().data(GrantsModel::IdentityRole).toString();
    m_grants->removeGrant(rows.first().row());
    showMessage(tr("Grant of %1 removed; Apply to send it.").arg(identity), false);
    return true;
}

bool DocumentAccessTab::apply()
{
    if (!m_admin || m_document.isEmpty())
        return false;
    m_applying = true; // our own change comes back as documentAccessChanged
    auto applied = m_admin->setDocumentAccess(m_document, edited(), QStringLiteral("window"));
    m_applying = false;
    if (!applied) {
        showMessage(tr("Not applied: %1").arg(applied.error().message), true);
        return false;
    }
    load(*applied);
    showMessage(tr("Applied: live sessions follow the new rights."), false);
    Q_EMIT statusMessage(tr("Access to %1 changed").arg(m_document));
    // The answer below follows the host's signal; asking now shows it without a wait.
    if (m_checker->answer())
        m_checker->check();
    return true;
}

} // namespace canopy::ui
