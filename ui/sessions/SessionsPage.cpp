#include "sessions/SessionsPage.h"

#include "admin/AdminService.h"
#include "common/TableViews.h"
#include "sessions/BanDialog.h"
#include "sessions/BansModel.h"
#include "sessions/SessionsModel.h"

#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPushButton>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QTableView>
#include <QVBoxLayout>

namespace canopy::ui {

SessionsPage::SessionsPage(SessionsModel *sessions, BansModel *bans, QWidget *parent)
    : QWidget(parent)
    , m_sessions(sessions)
    , m_bans(bans)
    , m_proxy(new QSortFilterProxyModel(this))
    , m_bansProxy(new QSortFilterProxyModel(this))
    , m_filter(new QLineEdit(this))
    , m_view(new QTableView(this))
    , m_bansView(new QTableView(this))
    , m_revoke(new QPushButton(tr("Revoke"), this))
    , m_ban(new QPushButton(tr("Ban DID…"), this))
    , m_unban(new QPushButton(tr("Lift ban"), this))
{
    m_proxy->setSourceModel(sessions);
    m_proxy->setSortRole(SessionsModel::SortRole);
    m_proxy->setFilterKeyColumn(-1);
    m_proxy->setFilterCaseSensitivity(Qt::CaseInsensitive);
    m_bansProxy->setSourceModel(bans);
    m_bansProxy->setSortRole(BansModel::SortRole);

    m_filter->setPlaceholderText(tr("Filter by DID, handle, protocol, address or room…"));
    m_filter->setClearButtonEnabled(true);
    connect(
        m_filter, &QLineEdit::textChanged, m_proxy, &QSortFilterProxyModel::setFilterFixedString);

    TableViews::setUp(m_view, m_proxy);
    m_view->sortByColumn(SessionsModel::ConnectedSince, Qt::AscendingOrder);
    TableViews::setColumnWidths(m_view, {250, 120, 100, 110, 130, 260});
    TableViews::setUp(m_bansView, m_bansProxy);
    TableViews::setColumnWidths(m_bansView, {300, 260, 140});

    m_revoke->setToolTip(tr("Close this connection now (close code 4403). The client may "
                            "reconnect if it still holds a valid token."));
    m_ban->setToolTip(tr("Close every connection of this DID and refuse it for a while."));
    connect(m_revoke, &QPushButton::clicked, this, [this] {
        const QString did = selectedDid();
        if (QMessageBox::question(
                this, tr("Revoke session"), tr("Close the connection of %1 now?").arg(did))
            == QMessageBox::Yes)
            revokeSelected();
    });
    connect(m_ban, &QPushButton::clicked, this, &SessionsPage::askBan);
    connect(m_unban, &QPushButton::clicked, this, &SessionsPage::unbanSelected);

    auto *buttons = new QHBoxLayout;
    buttons->addWidget(m_filter, 1);
    buttons->addWidget(m_revoke);
    buttons->addWidget(m_ban);

    auto *top = new QWidget(this);
    auto *topLayout = new QVBoxLayout(top);
    topLayout->setContentsMargins(0, 0, 0, 0);
    topLayout->addLayout(buttons);
    topLayout->addWidget(m_view);

    auto *bansBox = new QGroupBox(tr("Banned DIDs"), this);
    auto *bansLayout = new QVBoxLayout(bansBox);
    auto *bansButtons = new QHBoxLayout;
    bansButtons->addStretch(1);
    bansButtons->addWidget(m_unban);
    bansLayout->addWidget(m_bansView);
    bansLayout->addLayout(bansButtons);

    auto *splitter = new QSplitter(Qt::Vertical, this);
    splitter->addWidget(top);
    splitter->addWidget(bansBox);
    splitter->setStretchFactor(0, 3);
    splitter->setStretchFactor(1, 1);
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(splitter);

    connect(m_view->selectionModel(), &QItemSelectionModel::selectionChanged, this,
        &SessionsPage::updateButtons);
    connect(m_bansView->selectionModel(), &QItemSelectionModel::selectionChanged, this,
        &SessionsPage::updateButtons);
    // Rows leave when sessions close; the buttons must follow.
    connect(m_proxy, &QAbstractItemModel::rowsRemoved, this, &SessionsPage::updateButtons);
    connect(m_proxy, &QAbstractItemModel::modelReset, this, &SessionsPage::updateButtons);
    connect(m_bansProxy, &QAbstractItemModel::rowsRemoved, this, &SessionsPage::updateButtons);
    updateButtons();
}

void SessionsPage::setAdmin(AdminService *admin)
{
    m_admin = admin;
    updateButtons();
}

QString SessionsPage::selectedSessionId() const
{
    const QModelIndexList rows = m_view->selectionModel()->selectedRows();
    return rows.isEmpty() ? QString() : rows.first().data(SessionsModel::SessionIdRole).toString();
}

QString SessionsPage::selectedDid() const
{
    const QModelIndexList rows = m_view->selectionModel()->selectedRows();
    return rows.isEmpty() ? QString() : rows.first().data(SessionsModel::DidRole).toString();
}

void SessionsPage::updateButtons()
{
    const bool session = m_admin && !selectedSessionId().isEmpty();
    m_revoke->setEnabled(session);
    m_ban->setEnabled(session);
    m_unban->setEnabled(m_admin && m_bansView->selectionModel()->hasSelection());
}

bool SessionsPage::revokeSelected()
{
    const QString id = selectedSessionId();
    if (!m_admin || id.isEmpty())
        return false;
    auto revoked = m_admin->revokeSession(id);
    if (!revoked) {
        QMessageBox::warning(this, tr("Revoke session"), revoked.error().message);
        return false;
    }
    Q_EMIT statusMessage(tr("Session %1 revoked").arg(id));
    return true;
}

void SessionsPage::askBan()
{
    const QString did = selectedDid();
    if (did.isEmpty())
        return;
    BanDialog dialog(did, this);
    if (dialog.exec() == QDialog::Accepted)
        banSelected(dialog.reason(), dialog.until());
}

bool SessionsPage::banSelected(const QString &reason, const QDateTime &until)
{
    const QString did = selectedDid();
    if (!m_admin || did.isEmpty())
        return false;
    auto banned = m_admin->ban(did, reason, until);
    if (!banned) {
        QMessageBox::warning(this, tr("Ban DID"), banned.error().message);
        return false;
    }
    Q_EMIT statusMessage(tr("%1 banned").arg(did));
    return true;
}

bool SessionsPage::unbanSelected()
{
    const QModelIndexList rows = m_bansView->selectionModel()->selectedRows();
    if (!m_admin || rows.isEmpty())
        return false;
    const QString did = rows.first().data(BansModel::DidRole).toString();
    auto lifted = m_admin->unban(did);
    if (!lifted) {
        QMessageBox::warning(this, tr("Lift ban"), lifted.error().message);
        return false;
    }
    Q_EMIT statusMessage(tr("Ban on %1 lifted").arg(did));
    return true;
}

} // namespace canopy::ui
