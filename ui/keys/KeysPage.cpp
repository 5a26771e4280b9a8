#include "keys/KeysPage.h"

#include "admin/AdminService.h"
#include "common/TableViews.h"
#include "keys/IssueKeyDialog.h"
#include "keys/KeysModel.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QMessageBox>
#include <QPushButton>
#include <QSortFilterProxyModel>
#include <QTableView>
#include <QVBoxLayout>

namespace canopy::ui {

KeysPage::KeysPage(KeysModel *keys, QWidget *parent)
    : QWidget(parent)
    , m_keys(keys)
    , m_proxy(new QSortFilterProxyModel(this))
    , m_view(new QTableView(this))
    , m_revoke(new QPushButton(tr("Revoke…"), this))
    , m_issue(new QPushButton(tr("Issue a key…"), this))
{
    m_proxy->setSourceModel(keys);
    m_proxy->setSortRole(KeysModel::SortRole);
    TableViews::setUp(m_view, m_proxy);
    m_view->sortByColumn(KeysModel::Created, Qt::DescendingOrder);
    TableViews::setColumnWidths(m_view, {180, 260, 90, 140, 170});

    auto *note = new QLabel(tr("Keys let applications without AT Protocol connect as key:<name>. "
                               "Only their hashes are stored; they are not subject to the member "
                               "list."),
        this);
    note->setWordWrap(true);
    note->setForegroundRole(QPalette::PlaceholderText);

    m_revoke->setToolTip(tr("The key stops working at once and its live sessions close (4403)"));
    connect(m_revoke, &QPushButton::clicked, this, &KeysPage::askRevoke);
    connect(m_issue, &QPushButton::clicked, this, [this] {
        IssueKeyDialog *dialog = createIssueDialog();
        dialog->setAttribute(Qt::WA_DeleteOnClose);
        dialog->open();
    });

    auto *buttons = new QHBoxLayout;
    buttons->addWidget(note, 1);
    buttons->addWidget(m_revoke);
    buttons->addWidget(m_issue);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(buttons);
    layout->addWidget(m_view);

    connect(m_view->selectionModel(), &QItemSelectionModel::selectionChanged, this,
        &KeysPage::updateButtons);
    connect(m_proxy, &QAbstractItemModel::rowsRemoved, this, &KeysPage::updateButtons);
    connect(m_proxy, &QAbstractItemModel::modelReset, this, &KeysPage::updateButtons);
    updateButtons();
}

void KeysPage::setAdmin(AdminService *admin)
{
    m_admin = admin;
    updateButtons();
}

QString KeysPage::selectedName() const
{
    const QModelIndexList rows = m_view->selectionModel()->selectedRows();
    return rows.isEmpty() ? QString() : rows.first().data(KeysModel::NameRole).toString();
}

void KeysPage::updateButtons()
{
    m_revoke->setEnabled(m_admin && !selectedName().isEmpty());
    m_issue->setEnabled(!m_admin.isNull());
}

IssueKeyDialog *KeysPage::createIssueDialog()
{
    auto *dialog = new IssueKeyDialog(m_admin, this);
    connect(dialog, &IssueKeyDialog::issued, this, [this](const QString &name) {
        m_keys->reload();
        Q_EMIT statusMessage(tr("Access key %1 issued").arg(name));
    });
    return dialog;
}

void KeysPage::askRevoke()
{
    const QString name = selectedName();
    if (name.isEmpty())
        return;
    const auto answer = QMessageBox::question(this, tr("Revoke access key"),
        tr("Revoke the key “%1”? It stops working at once, its live sessions close, and it "
           "leaves the list; this cannot be undone.")
            .arg(name),
        QMessageBox::Yes | QMessageBox::Cancel, QMessageBox::Cancel);
    if (answer == QMessageBox::Yes)
        revokeSelected();
}

bool KeysPage::revokeSelected()
{
    const QString name = selectedName();
    if (!m_admin || name.isEmpty())
        return false;
    auto revoked = m_admin->revokeAccessKey(name, QStringLiteral("window"));
    if (!revoked) {
        QMessageBox::warning(this, tr("Revoke access key"), revoked.error().message);
        return false;
    }
    m_keys->reload();
    Q_EMIT statusMessage(tr("Access key %1 revoked").arg(name));
    return true;
}

} // namespace canopy::ui
