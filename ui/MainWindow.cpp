#include "MainWindow.h"

#include "TrayIcon.h"
#include "admin/AdminService.h"
#include "backups/BackupsModel.h"
#include "backups/BackupsPage.h"
#include "common/AppIcon.h"
#include "documents/DocumentsModel.h"
#include "documents/DocumentsPage.h"
#include "host/Host.h"
#include "keys/KeysModel.h"
#include "keys/KeysPage.h"
#include "logs/LogModel.h"
#include "logs/LogsPage.h"
#include "members/MembersModel.h"
#include "members/MembersPage.h"
#include "overview/OverviewPage.h"
#include "rooms/RoomsModel.h"
#include "rooms/RoomsPage.h"
#include "sessions/BansModel.h"
#include "sessions/SessionsModel.h"
#include "sessions/SessionsPage.h"
#include "settings/SettingsDialog.h"
#include "tokens/TokensModel.h"
#include "tokens/TokensPage.h"
#include "traffic/TrafficModel.h"
#include "traffic/TrafficPage.h"

#include <QApplication>
#include <QCloseEvent>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QPushButton>
#include <QSettings>
#include <QStatusBar>
#include <QTabWidget>
#include <QTimer>

namespace canopy::ui {

MainWindow::MainWindow(QWidget *parent)
    : QMainWindow(parent)
    , m_sessions(new SessionsModel(this))
    , m_bans(new BansModel(this))
    , m_rooms(new RoomsModel(this))
    , m_documents(new DocumentsModel(this))
    , m_members(new MembersModel(this))
    , m_keys(new KeysModel(this))
    , m_tokens(new TokensModel(this))
    , m_traffic(new TrafficModel(this))
    , m_log(new LogModel(this))
    , m_backups(new BackupsModel(this))
    , m_tabs(new QTabWidget(this))
    , m_overviewPage(new OverviewPage({m_sessions, m_documents, m_tokens, m_bans}, this))
    , m_sessionsPage(new SessionsPage(m_sessions, m_bans, this))
    , m_roomsPage(new RoomsPage(m_rooms, this))
    , m_documentsPage(new DocumentsPage(m_documents, this))
    , m_membersPage(new MembersPage(m_members, this))
    , m_keysPage(new KeysPage(m_keys, this))
    , m_tokensPage(new TokensPage(m_tokens, this))
    , m_trafficPage(new TrafficPage(m_traffic, this))
    , m_logsPage(new LogsPage(m_log, this))
    , m_backupsPage(new BackupsPage(m_backups, this))
    , m_serving(new QLabel(this))
    , m_trayAvailable(TrayIcon::isAvailable())
{
    setWindowTitle(tr("Canopy"));
    setWindowIcon(AppIcon::application());
    m_tabs->setDocumentMode(true);
    m_tabs->addTab(m_overviewPage, tr("Overview"));
    m_tabs->addTab(m_sessionsPage, tr("Sessions"));
    m_tabs->addTab(m_roomsPage, tr("Rooms"));
    m_tabs->addTab(m_documentsPage, tr("Documents"));
    m_tabs->addTab(m_membersPage, tr("Members"));
    m_tabs->addTab(m_keysPage, tr("Keys"));
    m_tabs->addTab(m_tokensPage, tr("Tokens"));
    m_tabs->addTab(m_trafficPage, tr("Traffic"));
    m_tabs->addTab(m_logsPage, tr("Logs"));
    m_tabs->addTab(m_backupsPage, tr("Backups"));
    setCentralWidget(m_tabs);
    createMenus();
    statusBar()->addPermanentWidget(m_serving);

    // Every page reports the same way: a transient line in the status bar.
    connect(m_sessionsPage, &SessionsPage::statusMessage, this,
        [this](const QString &message) { statusBar()->showMessage(message, 5000); });
    connect(m_documentsPage, &DocumentsPage::statusMessage, this,
        [this](const QString &message) { statusBar()->showMessage(message, 5000); });
    connect(m_membersPage, &MembersPage::statusMessage, this,
        [this](const QString &message) { statusBar()->showMessage(message, 5000); });
    connect(m_keysPage, &KeysPage::statusMessage, this,
        [this](const QString &message) { statusBar()->showMessage(message, 5000); });
    connect(m_tokensPage, &TokensPage::statusMessage, this,
        [this](const QString &message) { statusBar()->showMessage(message, 5000); });
    connect(m_logsPage, &LogsPage::statusMessage, this,
        [this](const QString &message) { statusBar()->showMessage(message, 5000); });
    connect(m_backupsPage, &BackupsPage::statusMessage, this,
        [this](const QString &message) { statusBar()->showMessage(message, 5000); });
    // Documents and live rooms point at each other: a persisted store's live entries, a
    // room's stored history.
    connect(m_documentsPage, &DocumentsPage::showRoomRequested, this,
        [this](const QString &kind, const QString &name) {
            m_roomsPage->selectRoom(kind, name);
            showTab(RoomsTab);
        });
    connect(m_roomsPage, &RoomsPage::showDocumentRequested, this,
        [this](const QString &kind, const QString &name) {
            m_documents->reload();
            if (m_documentsPage->selectDocument(name, kind))
                showTab(DocumentsTab);
            else
                statusBar()->showMessage(tr("%1 holds nothing stored yet").arg(name), 5000);
        });
    connect(m_bans, &BansModel::errorOccurred, this, &MainWindow::showError);
    connect(m_documents, &DocumentsModel::errorOccurred, this, &MainWindow::showError);
    connect(m_tokens, &TokensModel::errorOccurred, this, &MainWindow::showError);
    connect(m_sessions, &QAbstractItemModel::rowsInserted, this, &MainWindow::updateStatus);
    connect(m_sessions, &QAbstractItemModel::rowsRemoved, this, &MainWindow::updateStatus);
    connect(m_sessions, &QAbstractItemModel::modelReset, this, &MainWindow::updateStatus);

    QSettings settings;
    if (!restoreGeometry(settings.value(QStringLiteral("window/geometry")).toByteArray()))
        resize(1200, 780);
    updateStatus();
}

MainWindow::~MainWindow()
{
    // Capture costs the host a copy per frame; nobody watches any more.
    if (m_host && m_host->admin())
        m_host->admin()->setTrafficCapture(false);
}

void MainWindow::createMenus()
{
    QMenu *file = menuBar()->addMenu(tr("&File"));
    QAction *settings = file->addAction(tr("&Settings…"), this, &MainWindow::showSettings);
    settings->setShortcut(QKeySequence::Preferences);
    settings->setMenuRole(QAction::PreferencesRole);
    file->addAction(tr("&Export log…"), m_logsPage, &LogsPage::askExport);
    file->addSeparator();
    QAction *close = file->addAction(tr("&Close window"), this, &QWidget::close);
    close->setShortcut(QKeySequence::Close);
    QAction *quit = file->addAction(tr("&Quit"), this, &MainWindow::quitRequested);
    quit->setShortcut(QKeySequence::Quit);
    quit->setMenuRole(QAction::QuitRole);

    QMenu *view = menuBar()->addMenu(tr("&View"));
    for (int i = 0; i < m_tabs->count(); ++i) {
        QAction *action = view->addAction(m_tabs->tabText(i), this, [this, i] { showTab(Tab(i)); });
        if (i < 9) // Ctrl+1 .. Ctrl+9
            action->setShortcut(QKeySequence(Qt::CTRL | Qt::Key(Qt::Key_1 + i)));
    }

    QMenu *help = menuBar()->addMenu(tr("&Help"));
    help->addAction(tr("&About Canopy"), this, [this] {
        QMessageBox::about(this, tr("About Canopy"),
            tr("<h3>Canopy %1</h3><p>A host for Leaf Sync1 and loro-protocol: it keeps every "
               "document's change blocks, end-to-end encrypted records and ephemeral stores, "
               "and syncs them between peers over WebSockets.</p>")
                .arg(QCoreApplication::applicationVersion()));
    });
}

void MainWindow::setHost(Host *host)
{
    if (m_host && m_host != host && m_host->admin())
        m_host->admin()->setTrafficCapture(false);
    m_host = host;
    AdminService *admin = host ? host->admin() : nullptr;
    if (host) {
        m_config = host->config();
        statusBar()->clearMessage(); // "restarting…" or an old start failure no longer applies
    }
    m_sessions->setAdmin(admin);
    m_bans->setAdmin(admin);
    m_rooms->setAdmin(admin);
    m_documents->setAdmin(admin);
    m_members->setAdmin(admin);
    m_keys->setAdmin(admin);
    m_tokens->setAdmin(admin);
    m_traffic->setAdmin(admin);
    m_log->setAdmin(admin);
    m_backups->setAdmin(admin);
    m_overviewPage->setHost(host);
    m_sessionsPage->setAdmin(admin);
    m_roomsPage->setAdmin(admin);
    m_documentsPage->setAdmin(admin);
    m_membersPage->setAdmin(admin);
    m_keysPage->setAdmin(admin);
    m_tokensPage->setAdmin(admin);
    m_backupsPage->setAdmin(admin);
    updateCapture();
    updateStatus();
}

void MainWindow::setHostError(const QString &error)
{
    m_overviewPage->setHostError(error);
    if (!error.isEmpty()) {
        showTab(OverviewTab);
        statusBar()->showMessage(tr("The host could not start: %1").arg(error));
    }
    updateStatus();
}

void MainWindow::showTab(Tab tab)
{
    m_tabs->setCurrentIndex(int(tab));
}

void MainWindow::showSettings()
{
    auto *dialog = new SettingsDialog(m_host ? m_host->config() : m_config, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &SettingsDialog::restartRequested, this, [this](const Config &config) {
        m_config = config;
        statusBar()->showMessage(tr("Restarting the listener…"));
        Q_EMIT restartRequested(config);
    });
    dialog->open();
}

bool MainWindow::askKeychainFallback(const QString &reason)
{
    const auto answer = QMessageBox::question(this, tr("No keychain"),
        tr("Canopy could not reach the system keychain (%1) to keep the admin API token.\n\n"
           "Keep it in a file in the data directory instead, readable only by you? Without it "
           "the admin API stays unavailable until the next start.")
            .arg(reason),
        QMessageBox::Yes | QMessageBox::No, QMessageBox::Yes);
    return answer == QMessageBox::Yes;
}

void MainWindow::showError(const QString &message)
{
    statusBar()->showMessage(message, 10000);
}

void MainWindow::updateStatus()
{
    if (!m_host || m_host->port() == 0) {
        m_serving->setText(tr("Not serving"));
        return;
    }
    m_serving->setText(tr("Serving on %1 · %n connection(s)", nullptr, m_sessions->rowCount())
                           .arg(m_host->listeningUrl()));
}

void MainWindow::updateCapture()
{
    // Capture only while someone can see the traffic: it costs the host a copy per frame.
    if (m_host && m_host->admin())
        m_host->admin()->setTrafficCapture(isVisible());
}

void MainWindow::showEvent(QShowEvent *event)
{
    QMainWindow::showEvent(event);
    updateCapture();
}

void MainWindow::hideEvent(QHideEvent *event)
{
    QMainWindow::hideEvent(event);
    updateCapture();
}

void MainWindow::closeEvent(QCloseEvent *event)
{
    QSettings settings;
    settings.setValue(QStringLiteral("window/geometry"), saveGeometry());
    if (m_quitting) {
        event->accept();
        return;
    }
    if (!m_trayAvailable) {
        // Nothing could bring a hidden window back: closing it is quitting.
        event->ignore();
        Q_EMIT quitRequested();
        return;
    }
    const QString key = QLatin1String(SettingsDialog::CloseActionKey);
    QString action = settings.value(key).toString();
    if (action.isEmpty()) {
        // Asked once; the answer is remembered (and can be changed in Settings).
        QMessageBox box(QMessageBox::Question, tr("Close Canopy"),
            tr("Keep hosting in the background when the window is closed? Clients stay "
               "connected, and the tray icon brings the window back.\n\nCanopy remembers "
               "your answer; you can change it in Settings."),
            QMessageBox::NoButton, this);
        QPushButton *keep = box.addButton(tr("Keep hosting"), QMessageBox::AcceptRole);
        QPushButton *quit = box.addButton(tr("Quit Canopy"), QMessageBox::DestructiveRole);
        box.addButton(QMessageBox::Cancel);
        box.setDefaultButton(keep);
        box.exec();
        if (box.clickedButton() == keep)
            action = QStringLiteral("background");
        else if (box.clickedButton() == quit)
            action = QStringLiteral("quit");
        else {
            event->ignore();
            return;
        }
        settings.setValue(key, action);
    }
    if (action == u"quit") {
        event->ignore();
        Q_EMIT quitRequested();
        return;
    }
    event->accept(); // hidden; the host keeps serving
}

} // namespace canopy::ui
