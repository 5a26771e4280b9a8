#include "members/MembersPage.h"

#include "admin/AdminService.h"
#include "common/AccessChecker.h"
#include "common/TableViews.h"
#include "members/MembersModel.h"

#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPushButton>
#include <QSortFilterProxyModel>
#include <QTableView>
#include <QVBoxLayout>

namespace canopy::ui {

MembersPage::MembersPage(MembersModel *members, QWidget *parent)
    : QWidget(parent)
    , m_members(members)
    , m_proxy(new QSortFilterProxyModel(this))
    , m_mode(new QLabel(this))
    , m_did(new QLineEdit(this))
    , m_note(new QLineEdit(this))
    , m_add(new QPushButton(tr("Add member"), this))
    , m_message(new QLabel(this))
    , m_view(new QTableView(this))
    , m_remove(new QPushButton(tr("Remove…"), this))
    , m_checker(new AccessChecker(this))
{
    m_proxy->setSourceModel(members);
    m_proxy->setSortRole(MembersModel::SortRole);
    TableViews::setUp(m_view, m_proxy);
    m_view->sortByColumn(MembersModel::Added, Qt::AscendingOrder);
    TableViews::setColumnWidths(m_view, {340, 180, 300});

    m_mode->setWordWrap(true);
    m_mode->setTextFormat(Qt::RichText);
    m_did->setPlaceholderText(QStringLiteral("did:plc:…"));
    m_did->setClearButtonEnabled(true);
    m_note->setPlaceholderText(tr("Note (optional), e.g. who it is"));
    m_message->setWordWrap(true);
    m_message->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_message->hide();
    m_remove->setToolTip(tr("Take the DID off the list; in members mode its live sessions close "
                            "(4403) and its tokens no longer open anything"));
    connect(m_add, &QPushButton::clicked, this, &MembersPage::addMember);
    connect(m_did, &QLineEdit::returnPressed, this, &MembersPage::addMember);
    connect(m_note, &QLineEdit::returnPressed, this, &MembersPage::addMember);
    connect(m_remove, &QPushButton::clicked, this, &MembersPage::askRemove);

    auto *addRow = new QHBoxLayout;
    addRow->addWidget(new QLabel(tr("DID:"), this));
    addRow->addWidget(m_did, 3);
    addRow->addWidget(m_note, 2);
    addRow->addWidget(m_add);
    auto *removeRow = new QHBoxLayout;
    removeRow->addStretch(1);
    removeRow->addWidget(m_remove);

    auto *checkBox = new QGroupBox(tr("Can X write Y, and why?"), this);
    auto *checkLayout = new QVBoxLayout(checkBox);
    checkLayout->addWidget(m_checker);

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_mode);
    layout->addLayout(addRow);
    layout->addWidget(m_message);
    layout->addWidget(m_view, 1);
    layout->addLayout(removeRow);
    layout->addWidget(checkBox);

    connect(m_view->selectionModel(), &QItemSelectionModel::selectionChanged, this, [this] {
        updateButtons();
        // The selected member is the natural question.
        if (const QString did = selectedDid(); !did.isEmpty())
            m_checker->setIdentity(did);
    });
    connect(m_proxy, &QAbstractItemModel::rowsRemoved, this, &MembersPage::updateButtons);
    connect(m_proxy, &QAbstractItemModel::modelReset, this, &MembersPage::updateButtons);
    updateMode();
    updateButtons();
}

void MembersPage::setAdmin(AdminService *admin)
{
    m_admin = admin;
    m_checker->setAdmin(admin);
    m_message->hide();
    updateMode();
    updateButtons();
}

QString MembersPage::selectedDid() const
{
    const QModelIndexList rows = m_view->selectionModel()->selectedRows();
    return rows.isEmpty() ? QString() : rows.first().data(MembersModel::DidRole).toString();
}

void MembersPage::updateButtons()
{
    m_add->setEnabled(!m_admin.isNull());
    m_remove->setEnabled(m_admin && !selectedDid().isEmpty());
}

void MembersPage::updateMode()
{
    // The mode is a start-up setting (--access): read once per host.
    if (!m_admin) {
        m_mode->setText(tr("The host is not running."));
    } else if (m_admin->accessMode() == u"members") {
        m_mode->setText(tr("<b>Members mode</b> (--access members): only the DIDs below obtain "
                           "tokens and open sessions. Access keys and the dev token are outside "
                           "the list; bans win over membership."));
    } else {
        m_mode->setText(tr("<b>Open mode</b> (--access open): any identity with a token may "
                           "connect. The list below takes effect once the host runs with "
                           "--access members."));
    }
}

QString MembersPage::modeText() const
{
    return m_mode->text();
}

QString MembersPage::messageText() const
{
    return m_message->isHidden() ? QString() : m_message->text();
}

void MembersPage::showMessage(const QString &message, bool error)
{
    m_message->setText(message);
    m_message->setStyleSheet(error ? QStringLiteral("color: #b02020") : QString());
    m_message->setVisible(!message.isEmpty());
}

bool MembersPage::addMember()
{
    const QString did = m_did->text().trimmed();
    const QString note = m_note->text().trimmed();
    if (!m_admin) {
        showMessage(tr("The host is not running."), true);
        return false;
    }
    if (did.isEmpty()) {
        showMessage(tr("Enter the DID to add (did:method:identifier)."), true);
        m_did->setFocus();
        return false;
    }
    auto added = m_admin->addMember(did, note, QStringLiteral("window"));
    if (!added) {
        showMessage(tr("Could not add %1: %2").arg(did, added.error().message), true);
        m_did->setFocus();
        m_did->selectAll();
        return false;
    }
    showMessage({}, false);
    m_did->clear();
    m_note->clear();
    m_members->reload(); // at once, not at the next batch: the operator just asked
    Q_EMIT statusMessage(tr("%1 is a member").arg(added->did));
    return true;
}

void MembersPage::askRemove()
{
    const QString did = selectedDid();
    if (did.isEmpty())
        return;
    const auto answer = QMessageBox::question(this, tr("Remove member"),
        tr("Remove %1 from the members? In members mode its live sessions close at once and "
           "its tokens no longer open anything.")
            .arg(did),
        QMessageBox::Yes | QMessageBox::Cancel, QMessageBox::Cancel);
    if (answer == QMessageBox::Yes)
        removeSelected();
}

bool MembersPage::removeSelected()
{
    const QString did = selectedDid();
    if (!m_admin || did.isEmpty())
        return false;
    auto removed = m_admin->removeMember(did, QStringLiteral("window"));
    if (!removed) {
        showMessage(tr("Could not remove %1: %2").arg(did, removed.error().message), true);
        return false;
    }
    showMessage({}, false);
    m_members->reload();
    Q_EMIT statusMessage(tr("%1 is no longer a member").arg(did));
    return true;
}

} // namespace canopy::ui
