#include "tokens/TokensPage.h"

#include "admin/AdminService.h"
#include "common/TableViews.h"
#include "tokens/IssueTokenDialog.h"
#include "tokens/TokensModel.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QMessageBox>
#include <QPushButton>
#include <QSortFilterProxyModel>
#include <QTableView>
#include <QVBoxLayout>

namespace canopy::ui {

TokensPage::TokensPage(TokensModel *tokens, QWidget *parent)
    : QWidget(parent)
    , m_tokens(tokens)
    , m_proxy(new QSortFilterProxyModel(this))
    , m_view(new QTableView(this))
    , m_revoke(new QPushButton(tr("Revoke"), this))
    , m_issue(new QPushButton(tr("Issue a dev token…"), this))
{
    m_proxy->setSourceModel(tokens);
    m_proxy->setSortRole(TokensModel::SortRole);
    TableViews::setUp(m_view, m_proxy);
    m_view->sortByColumn(TokensModel::Id, Qt::DescendingOrder);
    TableViews::setColumnWidths(m_view, {60, 300, 140, 140, 90});

    auto *note = new QLabel(tr("Tokens are single-use and short-lived; only their hashes are "
                               "stored. The newest 1000 are listed."),
        this);
    note->setWordWrap(true);
    note->setForegroundRole(QPalette::PlaceholderText);

    m_revoke->setToolTip(tr("An unused token can no longer open a connection"));
    connect(m_revoke, &QPushButton::clicked, this, &TokensPage::revokeSelected);
    connect(m_issue, &QPushButton::clicked, this, &TokensPage::showIssueDialog);

    auto *buttons = new QHBoxLayout;
    buttons->addWidget(note, 1);
    buttons->addWidget(m_revoke);
    buttons->addWidget(m_issue);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(buttons);
    layout->addWidget(m_view);

    connect(m_view->selectionModel(), &QItemSelectionModel::selectionChanged, this,
        &TokensPage::updateButtons);
    connect(m_proxy, &QAbstractItemModel::dataChanged, this, &TokensPage::updateButtons);
    connect(m_proxy, &QAbstractItemModel::rowsRemoved, this, &TokensPage::updateButtons);
    connect(m_proxy, &QAbstractItemModel::modelReset, this, &TokensPage::updateButtons);
    updateButtons();
}

void TokensPage::setAdmin(AdminService *admin)
{
    m_admin = admin;
    updateButtons();
}

void TokensPage::updateButtons()
{
    const QModelIndexList rows = m_view->selectionModel()->selectedRows();
    const bool revocable = m_admin && !rows.isEmpty()
        && rows.first().data(TokensModel::StateRole).toInt() == int(TokenRecord::State::Unused);
    m_revoke->setEnabled(revocable);
    m_issue->setEnabled(!m_admin.isNull());
}

bool TokensPage::revokeSelected()
{
    const QModelIndexList rows = m_view->selectionModel()->selectedRows();
    if (!m_admin || rows.isEmpty())
        return false;
    const qint64 id = rows.first().data(TokensModel::TokenIdRole).toLongLong();
    auto revoked = m_admin->revokeToken(id);
    if (!revoked) {
        QMessageBox::warning(this, tr("Revoke token"), revoked.error().message);
        return false;
    }
    Q_EMIT statusMessage(tr("Token #%1 revoked").arg(id));
    return true;
}

void TokensPage::showIssueDialog()
{
    auto *dialog = new IssueTokenDialog(m_admin, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->open();
}

} // namespace canopy::ui
