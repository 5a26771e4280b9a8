#pragma once

#include "admin/AdminService.h"

#include <QPointer>
#include <QWidget>

class QPushButton;
class QSortFilterProxyModel;
class QTableView;

namespace canopy::ui {

class TokensModel;

// The token issuance history with live countdowns; revoke one, or issue a dev token.
class TokensPage final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(TokensPage)

public:
    explicit TokensPage(TokensModel *tokens, QWidget *parent = nullptr);

    void setAdmin(AdminService *admin);
    QTableView *tokensView() const { return m_view; }
    bool revokeSelected();

Q_SIGNALS:
    void statusMessage(const QString &message);

private:
    void updateButtons();
    void showIssueDialog();

    QPointer<AdminService> m_admin;
    TokensModel *m_tokens;
    QSortFilterProxyModel *m_proxy;
    QTableView *m_view;
    QPushButton *m_revoke;
    QPushButton *m_issue;
};

} // namespace canopy::ui
