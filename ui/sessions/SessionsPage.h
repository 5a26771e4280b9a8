#pragma once

#include "admin/AdminService.h"

#include <QPointer>
#include <QWidget>

class QLineEdit;
class QPushButton;
class QSortFilterProxyModel;
class QTableView;

namespace canopy::ui {

class BansModel;
class SessionsModel;

// Live sessions with a filter box; revoke one or ban its DID. Below, the banned DIDs.
class SessionsPage final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(SessionsPage)

public:
    SessionsPage(SessionsModel *sessions, BansModel *bans, QWidget *parent = nullptr);

    void setAdmin(AdminService *admin);
    QTableView *sessionsView() const { return m_view; }
    QLineEdit *filterBox() const { return m_filter; }

    // The actions, public so tests can drive them without modal dialogs.
    bool revokeSelected();
    bool banSelected(const QString &reason, const QDateTime &until);
    bool unbanSelected();

Q_SIGNALS:
    void statusMessage(const QString &message);

private:
    QString selectedSessionId() const;
    QString selectedDid() const;
    void updateButtons();
    void askBan();

    QPointer<AdminService> m_admin;
    SessionsModel *m_sessions;
    BansModel *m_bans;
    QSortFilterProxyModel *m_proxy;
    QSortFilterProxyModel *m_bansProxy;
    QLineEdit *m_filter;
    QTableView *m_view;
    QTableView *m_bansView;
    QPushButton *m_revoke;
    QPushButton *m_ban;
    QPushButton *m_unban;
};

} // namespace canopy::ui
