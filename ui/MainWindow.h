#pragma once

#include "config/Config.h"
#include "host/Host.h"

#include <QMainWindow>
#include <QPointer>

class QLabel;
class QTabWidget;

namespace canopy::ui {

class BackupsModel;
class BackupsPage;
class BansModel;
class DocumentsModel;
class DocumentsPage;
class KeysModel;
class KeysPage;
class LogModel;
class LogsPage;
class MembersModel;
class MembersPage;
class OverviewPage;
class RoomsModel;
class RoomsPage;
class SessionsModel;
class SessionsPage;
class TokensModel;
class TokensPage;
class TrafficModel;
class TrafficPage;

// The operator's window. It owns the item models and binds them to whichever host runs;
// setHost() rebinds everything (after a settings restart the host is a new object), and
// setHost(nullptr) leaves the window usable while none runs.
class MainWindow final : public QMainWindow
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(MainWindow)

public:
    enum Tab
    {
        OverviewTab,
        SessionsTab,
        RoomsTab,
        DocumentsTab,
        MembersTab,
        KeysTab,
        TokensTab,
        TrafficTab,
        LogsTab,
        BackupsTab
    };

    explicit MainWindow(QWidget *parent = nullptr);
    ~MainWindow() override;

    void setHost(Host *host);
    Host *host() const { return m_host; }
    // The configuration the settings dialog starts from while no host runs.
    void setConfig(const Config &config) { m_config = config; }
    void setHostError(const QString &error);
    // Closing then quits without asking (Quit was chosen, or the app shuts down).
    void setQuitting(bool quitting) { m_quitting = quitting; }
    // Without a tray a hidden window could never come back, so closing quits.
    void setTrayAvailable(bool available) { m_trayAvailable = available; }

    void showSettings();
    void showTab(Tab tab);
    // Asks whether to keep the admin token in a file; true to do so.
    bool askKeychainFallback(const QString &reason);

    QTabWidget *tabs() const { return m_tabs; }
    SessionsModel *sessionsModel() const { return m_sessions; }
    BansModel *bansModel() const { return m_bans; }
    RoomsModel *roomsModel() const { return m_rooms; }
    DocumentsModel *documentsModel() const { return m_documents; }
    MembersModel *membersModel() const { return m_members; }
    KeysModel *keysModel() const { return m_keys; }
    TokensModel *tokensModel() const { return m_tokens; }
    TrafficModel *trafficModel() const { return m_traffic; }
    LogModel *logModel() const { return m_log; }
    BackupsModel *backupsModel() const { return m_backups; }
    OverviewPage *overviewPage() const { return m_overviewPage; }
    SessionsPage *sessionsPage() const { return m_sessionsPage; }
    RoomsPage *roomsPage() const { return m_roomsPage; }
    DocumentsPage *documentsPage() const { return m_documentsPage; }
    MembersPage *membersPage() const { return m_membersPage; }
    KeysPage *keysPage() const { return m_keysPage; }
    TokensPage *tokensPage() const { return m_tokensPage; }
    TrafficPage *trafficPage() const { return m_trafficPage; }
    LogsPage *logsPage() const { return m_logsPage; }
    BackupsPage *backupsPage() const { return m_backupsPage; }

Q_SIGNALS:
    void restartRequested(const canopy::Config &config);
    void quitRequested();

protected:
    void closeEvent(QCloseEvent *event) override;
    void showEvent(QShowEvent *event) override;
    void hideEvent(QHideEvent *event) override;

private:
    void createMenus();
    void updateStatus();
    void updateCapture();
    void showError(const QString &message);

    QPointer<Host> m_host;
    Config m_config;
    SessionsModel *m_sessions;
    BansModel *m_bans;
    RoomsModel *m_rooms;
    DocumentsModel *m_documents;
    MembersModel *m_members;
    KeysModel *m_keys;
    TokensModel *m_tokens;
    TrafficModel *m_traffic;
    LogModel *m_log;
    BackupsModel *m_backups;
    QTabWidget *m_tabs;
    OverviewPage *m_overviewPage;
    SessionsPage *m_sessionsPage;
    RoomsPage *m_roomsPage;
    DocumentsPage *m_documentsPage;
    MembersPage *m_membersPage;
    KeysPage *m_keysPage;
    TokensPage *m_tokensPage;
    TrafficPage *m_trafficPage;
    LogsPage *m_logsPage;
    BackupsPage *m_backupsPage;
    QLabel *m_serving;
    bool m_quitting = false;
    bool m_trayAvailable;
};

} // namespace canopy::ui
