#pragma once

#include "admin/AdminService.h"

#include <QPointer>
#include <QWidget>

class QPushButton;
class QSortFilterProxyModel;
class QTableView;

namespace canopy::ui {

class IssueKeyDialog;
class KeysModel;

// Access keys for applications without AT Protocol: issue one (its value shown once), revoke
// one (it leaves the list and its sessions close with 4403).
class KeysPage final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(KeysPage)

public:
    explicit KeysPage(KeysModel *keys, QWidget *parent = nullptr);

    void setAdmin(AdminService *admin);
    QTableView *keysView() const { return m_view; }
    bool revokeSelected(); // no confirmation: tests and the confirmed button
    // The dialog the Issue button opens (not yet shown), for tests to fill in.
    IssueKeyDialog *createIssueDialog();

Q_SIGNALS:
    void statusMessage(const QString &message);

private:
    QString selectedName() const;
    void updateButtons();
    void askRevoke();

    QPointer<AdminService> m_admin;
    KeysModel *m_keys;
    QSortFilterProxyModel *m_proxy;
    QTableView *m_view;
    QPushButton *m_revoke;
    QPushButton *m_issue;
};

} // namespace canopy::ui
