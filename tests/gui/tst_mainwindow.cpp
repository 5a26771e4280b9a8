// The window over a real in-process host with real Sync1 and loro-protocol clients: every tab is
// visited and photographed (build/screenshots/; docs/screenshots/overview.png, traffic-loro.png,
// traffic-loro-payload.png and rooms-presence.png when CANOPY_UPDATE_SCREENSHOTS=1), settings
// restart the host and the models follow it, and closing the window keeps hosting or quits as
// configured.
#include "GuiTestHost.h"
#include "HostSupervisor.h"
#include "LoroTestClient.h"
#include "MainWindow.h"
#include "TestClient.h"
#include "WindowMain.h"
#include "admin/AdminService.h"
#include "crdt/loro/LoroBlob.h"
#include "documents/BlocksModel.h"
#include "documents/DocumentsModel.h"
#include "documents/DocumentsPage.h"
#include "logs/LogModel.h"
#include "logs/LogsPage.h"
#include "overview/OverviewPage.h"
#include "protocol/loro/LoroProtocolCodec.h"
#include "protocol/sync1/SyncCodec.h"
#include "rooms/PresenceModel.h"
#include "rooms/RoomsModel.h"
#include "rooms/RoomsPage.h"
#include "sessions/BansModel.h"
#include "sessions/SessionsModel.h"
#include "sessions/SessionsPage.h"
#include "settings/SettingsDialog.h"
#include "tokens/IssueTokenDialog.h"
#include "tokens/TokensModel.h"
#include "tokens/TokensPage.h"
#include "traffic/FrameDetailView.h"
#include "traffic/TrafficModel.h"
#include "traffic/TrafficPage.h"

#include <QApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QLocale>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QSpinBox>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTableView>
#include <QTest>
#include <QTimer>
#include <QTranslator>
#include <QTreeWidget>
#include <QTreeWidgetItemIterator>

using namespace canopy;
using namespace canopy::ui;

namespace {

const QString TestDid = QStringLiteral("did:plc:test");
const QString AliceDid = QStringLiteral("did:plc:alice4vq3xkmrbfc2wy7z");

QString token()
{
    return QString::fromLatin1(GuiTestHost::DevToken);
}

void save(QWidget *widget, const QString &name)
{
    QDir().mkpath(QStringLiteral(CANOPY_SCREENSHOT_DIR));
    const QString path = QStringLiteral(CANOPY_SCREENSHOT_DIR "/") + name + QStringLiteral(".png");
    QVERIFY2(widget->grab().save(path), qPrintable(path));
    // The ones the docs show, refreshed on request.
    static const QHash<QString, QString> documented {
        {QStringLiteral("01-overview"), QStringLiteral("overview")},
        {QStringLiteral("16-traffic-loro-message"), QStringLiteral("traffic-loro")},
        {QStringLiteral("17-traffic-loro-payload"), QStringLiteral("traffic-loro-payload")},
        {QStringLiteral("15-rooms-presence"), QStringLiteral("rooms-presence")},
    };
    if (documented.contains(name) && qEnvironmentVariable("CANOPY_UPDATE_SCREENSHOTS") == u"1") {
        const QString docs = QStringLiteral(CANOPY_SOURCE_DIR "/docs/screenshots");
        QDir().mkpath(docs);
        QVERIFY(widget->grab().save(docs + u'/' + documented.value(name) + QStringLiteral(".png")));
    }
}

// Selects the first row of `view` whose cells show every (column, text) pair.
bool selectRowWhere(QTableView *view, const QList<QPair<int, QString>> &cells)
{
    for (int row = 0; row < view->model()->rowCount(); ++row) {
        const bool match = std::all_of(cells.cbegin(), cells.cend(), [&](const auto &cell) {
            return view->model()->index(row, cell.first).data().toString() == cell.second;
        });
        if (match) {
            view->setCurrentIndex(view->model()->index(row, 0));
            view->selectRow(row);
            return true;
        }
    }
    return false;
}

QStringList itemTexts(QTreeWidget *tree)
{
    QStringList out;
    for (QTreeWidgetItemIterator it(tree); *it; ++it)
        out.append((*it)->text(0) + u'=' + (*it)->text(2));
    return out;
}

// Selects the first row of `view` whose `column` shows `text` (any row when empty).
bool selectRow(QTableView *view, int column, const QString &text = {})
{
    for (int row = 0; row < view->model()->rowCount(); ++row) {
        const QModelIndex index = view->model()->index(row, column);
        if (text.isEmpty() || index.data().toString() == text) {
            view->setCurrentIndex(index);
            view->selectRow(row);
            return true;
        }
    }
    return false;
}

} // namespace

class TestMainWindow final : public QObject
{
    Q_OBJECT

public:
    static void initMain() { QStandardPaths::setTestModeEnabled(true); }

private Q_SLOTS:
    void initTestCase();
    void visitsEveryTabWithClients();
    void loroProtocolInTheWindow();
    void settingsDialogEditsAndSaves();
    void settingsRestartTheHostAndModelsFollow();
    void closingKeepsHostingOrQuits();
    void trafficFloodKeepsTheWindowResponsive();
    void germanTranslation();
    void runWithWindowServesUntilQuit();

private:
    QTranslator *m_english = nullptr;
};

void TestMainWindow::initTestCase()
{
    QSettings settings;
    settings.clear();
    // Asked once in real use; decided here so closing never blocks on a question.
    settings.setValue(QLatin1String(SettingsDialog::CloseActionKey), QStringLiteral("background"));
    QLocale::setDefault(QLocale(QLocale::English, QLocale::UnitedStates));
    // English has plural forms too ("1 byte", "2 bytes"): as runWithWindow loads them.
    m_english = loadTranslation(QLocale(QLocale::English, QLocale::UnitedStates), this);
    QVERIFY2(m_english, "canopy_en.qm is embedded");
    QCoreApplication::installTranslator(m_english);
}

void TestMainWindow::visitsEveryTabWithClients()
{
    GuiTestHost test;
    QVERIFY2(test.ok(), qPrintable(test.error()));
    AdminService *admin = test.host().admin();
    MainWindow window;
    window.setHost(&test.host());
    window.resize(1280, 800);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    QVERIFY(admin->trafficCapture()); // someone is watching

    // Two peers on a shared document and one of their own, with real Loro blobs.
    TestClient alice(test.port(), AliceDid, token());
    TestClient bob(test.port(), TestDid, token());
    QVERIFY(alice.waitConnected());
    QVERIFY(bob.waitConnected());
    const QString shared = GuiTestHost::entityId(10);
    const QString notes = GuiTestHost::entityId(11);
    alice.subscribe(shared);
    bob.subscribe(shared);
    bob.subscribe(notes);
    alice.sendUpdate(shared, GuiTestHost::update(QStringLiteral("update-team-full")));
    bob.sendUpdate(notes, GuiTestHost::update(QStringLiteral("update-two-peer")));
    alice.sendText(QStringLiteral("ping"));

    // Seconds of varying traffic so the charts have a shape: each second both peers move to a
    // fresh document and edit it, so new blocks fan out (frames out) as well as in. Refreshing
    // docs/screenshots/overview.png runs it for a full minute.
    const QStringList rounds {QStringLiteral("update-team-round0"),
        QStringLiteral("update-team-round1"), QStringLiteral("update-team-round2"),
        QStringLiteral("update-team-round3"), QStringLiteral("local-update-1"),
        QStringLiteral("local-update-2"), QStringLiteral("local-update-3")};
    const int seconds = qEnvironmentVariable("CANOPY_UPDATE_SCREENSHOTS") == u"1" ? 60 : 8;
    QString previous;
    for (int second = 0; second < seconds; ++second) {
        const QString entity = GuiTestHost::entityId(100 + second);
        for (TestClient *client : {&alice, &bob}) {
            if (!previous.isEmpty())
                client->unsubscribe(previous);
            client->subscribe(entity);
        }
        previous = entity;
        const int edits = 2 + (second * 7) % 11;
        for (int i = 0; i < edits; ++i)
            (i % 2 ? alice : bob)
                .sendUpdate(entity, GuiTestHost::update(rounds.at(i % rounds.size())));
        bob.sendUpdate(shared, GuiTestHost::update(rounds.at(second % rounds.size())));
        QTest::qWait(1000);
    }

    auto issued = admin->issueToken(AliceDid);
    QVERIFY(issued.has_value());
    auto revoked = admin->issueToken(QStringLiteral("did:plc:carol"));
    QVERIFY(revoked.has_value());
    QVERIFY(admin->revokeToken(revoked->record.id).has_value());
    QVERIFY(admin
                ->ban(QStringLiteral("did:plc:spammer7k2"), QStringLiteral("flooding"),
                    QDateTime::currentDateTimeUtc().addDays(1))
                .has_value());

    QTRY_COMPARE(window.sessionsModel()->rowCount(), 2);
    QTRY_COMPARE_WITH_TIMEOUT(window.documentsModel()->rowCount(), 2 + seconds, 5000);
    QTRY_COMPARE(window.tokensModel()->rowCount(), 2);
    QTRY_COMPARE(window.bansModel()->rowCount(), 1);
    QTRY_VERIFY(window.trafficModel()->rowCount() > 20);
    QVERIFY(window.logModel()->rowCount() > 5);
    QVERIFY(window.overviewPage()->listeningText().contains(QString::number(test.port())));

    QTabWidget *tabs = window.tabs();
    QCOMPARE(tabs->count(), 10);

    window.showTab(MainWindow::OverviewTab);
    QTest::qWait(200);
    save(&window, QStringLiteral("01-overview"));

    window.showTab(MainWindow::SessionsTab);
    QVERIFY(selectRow(window.sessionsPage()->sessionsView(), SessionsModel::Did, AliceDid));
    QTest::qWait(100);
    save(&window, QStringLiteral("02-sessions"));

    window.showTab(MainWindow::DocumentsTab);
    QVERIFY(selectRow(window.documentsPage()->documentsView(), DocumentsModel::Entity, shared));
    QTRY_VERIFY(window.documentsPage()->blocksModel()->rowCount() >= 4);
    save(&window, QStringLiteral("03-documents"));

    // Export through the page: the file holds one mode-4 blob with the whole history.
    const QString exportPath
        = QDir(QStringLiteral(CANOPY_SCREENSHOT_DIR)).filePath(QStringLiteral("export.loro"));
    QSignalSpy exported(window.documentsPage(), &DocumentsPage::exportFinished);
    QVERIFY(window.documentsPage()->exportSelected(exportPath));
    QTRY_COMPARE(exported.count(), 1);
    QVERIFY(exported.first().at(0).toBool());
    QCOMPARE(exported.first().at(1).toStringList(), QStringList {exportPath});
    QFile file(exportPath);
    QVERIFY(file.open(QIODevice::ReadOnly));
    QVERIFY(file.readAll().startsWith("loro"));

    window.showTab(MainWindow::TokensTab);
    QVERIFY(selectRow(window.tokensPage()->tokensView(), TokensModel::Did, AliceDid));
    QTest::qWait(100);
    save(&window, QStringLiteral("04-tokens"));

    window.showTab(MainWindow::TrafficTab);
    TrafficPage *traffic = window.trafficPage();
    QTableView *trafficView = traffic->trafficView();
    // The first sendUpdate carries the four-author team blob.
    QVERIFY(selectRow(trafficView, TrafficModel::Type, QStringLiteral("sendUpdate")));
    QTRY_VERIFY(traffic->detailView()->messageTree()->topLevelItemCount() == 1);
    traffic->detailView()->tabs()->setCurrentIndex(0);
    QTest::qWait(100);
    save(&window, QStringLiteral("05-traffic-message"));
    traffic->detailView()->tabs()->setCurrentIndex(2);
    QVERIFY2(traffic->detailView()->payloadSummary().contains(QStringLiteral("update (4)")),
        qPrintable(traffic->detailView()->payloadSummary()));
    QVERIFY(traffic->detailView()->payloadSummary().contains(QStringLiteral("valid")));
    QVERIFY(traffic->detailView()->payloadTree()->topLevelItemCount() >= 1);
    save(&window, QStringLiteral("06-traffic-loro"));
    traffic->detailView()->tabs()->setCurrentIndex(1);
    save(&window, QStringLiteral("07-traffic-hex"));
    QVERIFY(traffic->countsText().contains(QStringLiteral("frames kept")));

    // Pausing holds the table still while frames keep arriving; resuming shows them.
    traffic->pauseButton()->click();
    const int held = window.trafficModel()->rowCount();
    bob.sendUpdate(notes, GuiTestHost::update(QStringLiteral("update-a")));
    QTRY_VERIFY(window.trafficModel()->pendingCount() > 0);
    QCOMPARE(window.trafficModel()->rowCount(), held);
    traffic->pauseButton()->click();
    QTRY_VERIFY(window.trafficModel()->rowCount() > held);
    traffic->setTypeFilter(QStringLiteral("handleUpdate"));
    for (int row = 0; row < trafficView->model()->rowCount(); ++row)
        QCOMPARE(trafficView->model()->index(row, TrafficModel::Type).data().toString(),
            QStringLiteral("handleUpdate"));
    traffic->setTypeFilter(QString());

    window.showTab(MainWindow::LogsTab);
    window.logsPage()->setMinimumLevel(0);
    QTest::qWait(100);
    save(&window, QStringLiteral("08-logs"));
    const QString logPath
        = QDir(QStringLiteral(CANOPY_SCREENSHOT_DIR)).filePath(QStringLiteral("log.jsonl"));
    QVERIFY(window.logsPage()->exportTo(logPath));
    QFile log(logPath);
    QVERIFY(log.open(QIODevice::ReadOnly));
    QVERIFY(log.readAll().contains("\"category\":\"canopy.sync\""));

    // The dialogs, as an operator sees them.
    SettingsDialog settings(test.host().config(), &window);
    settings.show();
    QVERIFY(QTest::qWaitForWindowExposed(&settings));
    save(&settings, QStringLiteral("09-settings"));
    settings.close();
    IssueTokenDialog issue(admin, &window);
    issue.setDid(QStringLiteral("did:plc:ewvi7nxzyoun6zhxrhs64oiz"));
    issue.show();
    QVERIFY(QTest::qWaitForWindowExposed(&issue));
    QVERIFY(issue.issue());
    QCOMPARE(issue.token().size(), 52);
    save(&issue, QStringLiteral("10-issue-token"));
    issue.close();

    // Revoke from the sessions tab closes the socket with 4403.
    window.showTab(MainWindow::SessionsTab);
    QVERIFY(selectRow(window.sessionsPage()->sessionsView(), SessionsModel::Did, AliceDid));
    QVERIFY(window.sessionsPage()->revokeSelected());
    QTRY_COMPARE(alice.closeCode, AdminService::RevokedCloseCode);
    QTRY_COMPARE(window.sessionsModel()->rowCount(), 1);
}

void TestMainWindow::loroProtocolInTheWindow()
{
    const QByteArray team = GuiTestHost::fixture(QStringLiteral("update-team-full"));
    if (team.isEmpty())
        QSKIP("no fixtures: run through ctest so fixtures.generate makes them");
    GuiTestHost test;
    QVERIFY2(test.ok(), qPrintable(test.error()));
    MainWindow window;
    window.setHost(&test.host());
    window.resize(1280, 800);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));

    const QString anaDid = QStringLiteral("did:plc:ana2kq7xvbw3mt5fyzr6");
    const QString benDid = QStringLiteral("did:plc:ben5hd3nqc7wkxp2sv4t");
    LoroTestClient ana(test.port(), anaDid, token());
    LoroTestClient ben(test.port(), benDid, token());
    TestClient sync1(test.port(), TestDid, token());
    QVERIFY(ana.waitConnected() && ben.waitConnected() && sync1.waitConnected());

    // Before its first join a loro-protocol session has proven no DID.
    SessionsModel *sessions = window.sessionsModel();
    QTRY_COMPARE(sessions->rowCount(), 3);
    auto sessionRow = [sessions](const QString &did) {
        for (int row = 0; row < sessions->rowCount(); ++row) {
            if (sessions->index(row, SessionsModel::Did).data().toString() == did)
                return row;
        }
        return -1;
    };
    auto sessionCell = [&](const QString &did, int column) {
        return sessions->index(sessionRow(did), column).data().toString();
    };
    QCOMPARE(sessionCell(anaDid, SessionsModel::Protocol), QStringLiteral("loro-protocol"));
    QCOMPARE(sessionCell(TestDid, SessionsModel::Protocol), QStringLiteral("Sync1"));
    QVERIFY(
        sessionCell(anaDid, SessionsModel::Rooms).contains(QStringLiteral("not authenticated")));

    // Every kind: a Loro document, ELO records, presence and a persisted store.
    const QByteArray empty = loro::encodeVersionVector({});
    QVERIFY(ana.join("%LOR", "notes", empty));
    const QByteArray batch = ana.sendUpdate("%LOR", "notes", team);
    QVERIFY(ana.waitAck(batch));
    QVERIFY(ana.join("%ELO", "vault", empty));
    QVERIFY(ana.waitAck(ana.sendUpdate("%ELO", "vault",
        LoroTestClient::eloContainer({LoroTestClient::eloDeltaSpan("1", 0, 7, "k1"),
            LoroTestClient::eloDeltaSpan("2", 0, 3, "k1")}))));
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    QVERIFY(ana.join("%EPH", "cursors"));
    QVERIFY(ben.join("%EPH", "cursors"));
    ana.sendUpdate("%EPH", "cursors",
        LoroTestClient::ephemeralUpdate(
            {LoroTestClient::ephemeralEntry("cursor/ana", QStringLiteral("notes:120"), now - 3000),
                LoroTestClient::ephemeralEntry("name/ana", QStringLiteral("Ana"), now - 3000)}));
    ben.sendUpdate("%EPH", "cursors",
        LoroTestClient::ephemeralUpdate(
            {LoroTestClient::ephemeralEntry("cursor/ben", QStringLiteral("notes:7"), now - 1000),
                LoroTestClient::ephemeralEntry("selection/ben", QString(), now - 500)}));
    QVERIFY(ben.join("%EPS", "settings"));
    QVERIFY(ben.waitAck(ben.sendUpdate("%EPS", "settings",
        LoroTestClient::ephemeralUpdate(
            {LoroTestClient::ephemeralEntry("theme", QStringLiteral("dark"), now)}))));
    QVERIFY(ben.join("%LOR", "notes", empty));
    ana.sendText(QStringLiteral("ping"));
    sync1.subscribe(GuiTestHost::entityId(40));

    QTRY_COMPARE(
        sessionCell(anaDid, SessionsModel::Rooms), QStringLiteral("3 rooms: 1 elo, 1 eph, 1 loro"));
    QVERIFY(sessions->index(sessionRow(anaDid), SessionsModel::Rooms)
                .data(Qt::ToolTipRole)
                .toString()
                .contains(QStringLiteral("vault — elo, write")));
    window.showTab(MainWindow::SessionsTab);
    QVERIFY(selectRow(window.sessionsPage()->sessionsView(), SessionsModel::Did, anaDid));
    QTest::qWait(100);
    save(&window, QStringLiteral("14-sessions-loro"));

    // The presence of one room: each entry with its age, ticking, and the deletion.
    window.showTab(MainWindow::RoomsTab);
    RoomsPage *rooms = window.roomsPage();
    QTRY_VERIFY(window.roomsModel()->rowOf(QStringLiteral("eph"), QStringLiteral("cursors")) >= 0);
    QVERIFY(selectRow(rooms->roomsView(), RoomsModel::Room, QStringLiteral("cursors")));
    PresenceModel *presence = rooms->presenceModel();
    QTRY_COMPARE(presence->rowCount(), 4);
    QVERIFY(rooms->presenceView()->isVisible());
    QVERIFY2(rooms->detailTitle().contains(QStringLiteral("4 entries")),
        qPrintable(rooms->detailTitle()));
    QVERIFY2(rooms->membersText().contains(anaDid + QStringLiteral(" (loro-protocol, write)")),
        qPrintable(rooms->membersText()));
    QStringList keys;
    for (int row = 0; row < presence->rowCount(); ++row)
        keys.append(presence->index(row, PresenceModel::Key).data().toString());
    keys.sort();
    QCOMPARE(keys,
        QStringList({QStringLiteral("cursor/ana"), QStringLiteral("cursor/ben"),
            QStringLiteral("name/ana"), QStringLiteral("selection/ben")}));
    QTest::qWait(1100); // one tick: the ages move on
    save(&window, QStringLiteral("15-rooms-presence"));

    // Documents of each kind; the persisted store's live entries are one click away.
    window.showTab(MainWindow::DocumentsTab);
    DocumentsPage *documents = window.documentsPage();
    QTRY_COMPARE_WITH_TIMEOUT(window.documentsModel()->rowCount(), 3, 5000);
    QVERIFY(selectRowWhere(documents->documentsView(),
        {{DocumentsModel::Entity, QStringLiteral("vault")},
            {DocumentsModel::Kind, QStringLiteral("ELO (encrypted)")}}));
    QTRY_COMPARE(documents->blocksModel()->rowCount(), 2);
    QVERIFY(documents->blocksModel()
                ->index(0, BlocksModel::Detail)
                .data()
                .toString()
                .startsWith(QStringLiteral("DeltaSpan")));
    QVERIFY(documents->selectDocument(QStringLiteral("settings"), QStringLiteral("eps")));
    QCOMPARE(documents->selectedKind(), QStringLiteral("eps"));
    QCOMPARE(documents->blocksModel()->index(0, BlocksModel::Peer).data().toString(),
        QStringLiteral("theme"));
    save(&window, QStringLiteral("16-documents-kinds"));
    QVERIFY(documents->liveEntriesButton()->isVisible());
    documents->liveEntriesButton()->click();
    QCOMPARE(window.tabs()->currentIndex(), int(MainWindow::RoomsTab));
    QTRY_COMPARE(presence->rowCount(), 1);
    QCOMPARE(
        presence->index(0, PresenceModel::Value).data().toString(), QStringLiteral("\"dark\""));

    // The captured DocUpdate, decoded: room, batch id and the Loro blocks of its update.
    window.showTab(MainWindow::TrafficTab);
    TrafficPage *traffic = window.trafficPage();
    QTableView *view = traffic->trafficView();
    QVERIFY(selectRowWhere(view,
        {{TrafficModel::Type, QStringLiteral("docUpdate")},
            {TrafficModel::Entity, QStringLiteral("notes")}, {TrafficModel::Did, anaDid},
            {TrafficModel::Direction, QStringLiteral("← in")}}));
    FrameDetailView *detail = traffic->detailView();
    QTRY_VERIFY(detail->messageTree()->topLevelItemCount() == 1);
    QVERIFY2(detail->statusText().contains(QStringLiteral("docUpdate for %LOR room “notes”")),
        qPrintable(detail->statusText()));
    const QStringList fields = itemTexts(detail->messageTree());
    QVERIFY2(fields.contains(QStringLiteral("room=notes")), qPrintable(fields.join(u'|')));
    QVERIFY(fields.contains(QStringLiteral("batch id=") + FrameDecoder::batchIdText(batch)));
    QVERIFY(std::any_of(fields.cbegin(), fields.cend(),
        [](const QString &f) { return f.startsWith(u"[0]=") && f.contains(u"4 change blocks"); }));
    detail->tabs()->setCurrentIndex(FrameDetailView::MessageTab);
    detail->messageTree()->expandAll();
    QTest::qWait(100);
    save(&window, QStringLiteral("16-traffic-loro-message"));
    detail->tabs()->setCurrentIndex(FrameDetailView::PayloadTab);
    QVERIFY2(detail->payloadSummary().contains(QStringLiteral("update (4)")),
        qPrintable(detail->payloadSummary()));
    QVERIFY(detail->payloadSummary().contains(FrameDecoder::batchIdText(batch)));
    QCOMPARE(detail->payloadTree()->topLevelItemCount(), 4);
    QCOMPARE(detail->payloadTree()->headerItem()->text(0), QStringLiteral("Author peer"));
    QTest::qWait(100);
    save(&window, QStringLiteral("17-traffic-loro-payload"));

    // The JoinRequest's token never shows, not even in the hex view.
    QVERIFY(selectRowWhere(
        view, {{TrafficModel::Type, QStringLiteral("joinRequest")}, {TrafficModel::Did, anaDid}}));
    QTRY_VERIFY(!detail->hexText().isEmpty());
    QVERIFY(detail->hexText().contains(QStringLiteral("**")));
    QVERIFY(!detail->hexText().contains(QStringLiteral("gui-test")));

    // ELO records and ephemeral entries, by their kind.
    QVERIFY(selectRowWhere(view,
        {{TrafficModel::Type, QStringLiteral("docUpdate")},
            {TrafficModel::Entity, QStringLiteral("vault")}, {TrafficModel::Did, anaDid}}));
    QTRY_COMPARE(detail->payloadTree()->topLevelItemCount(), 2);
    QCOMPARE(detail->payloadTree()->topLevelItem(0)->text(0), QStringLiteral("DeltaSpan"));
    QCOMPARE(detail->payloadTree()->topLevelItem(0)->text(3), QStringLiteral("k1"));
    QVERIFY(selectRowWhere(view,
        {{TrafficModel::Type, QStringLiteral("docUpdate")},
            {TrafficModel::Entity, QStringLiteral("cursors")}, {TrafficModel::Did, benDid},
            {TrafficModel::Direction, QStringLiteral("← in")}}));
    QTRY_COMPARE(detail->payloadTree()->topLevelItemCount(), 2);
    QCOMPARE(detail->payloadTree()->topLevelItem(1)->text(0), QStringLiteral("selection/ben"));
    QCOMPARE(detail->payloadTree()->topLevelItem(1)->text(3), QStringLiteral("deleted"));
    QVERIFY(selectRowWhere(view, {{TrafficModel::Type, QStringLiteral("ping")}}));
    QTRY_VERIFY(detail->statusText().contains(QStringLiteral("keepalive (ping)")));

    // The type filter offers loro-protocol's messages.
    traffic->setTypeFilter(QStringLiteral("ack"));
    QVERIFY(view->model()->rowCount() >= 4);
    for (int row = 0; row < view->model()->rowCount(); ++row)
        QCOMPARE(
            view->model()->index(row, TrafficModel::Type).data().toString(), QStringLiteral("ack"));
    traffic->setTypeFilter(QString());

    // Everyone leaves the presence room: its row goes.
    ana.leave("%EPH", "cursors");
    ben.leave("%EPH", "cursors");
    QTRY_VERIFY(window.roomsModel()->rowOf(QStringLiteral("eph"), QStringLiteral("cursors")) < 0);
}

void TestMainWindow::settingsDialogEditsAndSaves()
{
    Config current;
    current.dataDir = QDir::tempPath();
    current.publicUrl = QUrl(QStringLiteral("http://localhost:8095/"));
    current.did = QStringLiteral("did:web:localhost%3A8095");
    current.didDerived = true;
    current.maxQueueBytes = 64 * 1024 * 1024 + 7; // not a whole KiB: must survive untouched
    SettingsDialog dialog(current);
    QVERIFY(dialog.validate().isEmpty());
    QVERIFY(!dialog.needsRestart()); // nothing edited, nothing rounded
    QCOMPARE(dialog.config().maxQueueBytes, current.maxQueueBytes);

    auto *port = dialog.findChildren<QSpinBox *>().first();
    QCOMPARE(port->value(), 8095);
    port->setValue(9000);
    QVERIFY(dialog.needsRestart());
    const Config edited = dialog.config();
    QCOMPARE(edited.port, quint16(9000));
    // The derived public URL and DID follow the port, as ConfigLoader derives them.
    QCOMPARE(edited.publicUrl.toString(), QStringLiteral("http://localhost:9000/"));
    QCOMPARE(edited.did, QStringLiteral("did:web:localhost%3A9000"));

    QSettings settings(
        QDir::temp().filePath(QStringLiteral("canopy-settings-test.ini")), QSettings::IniFormat);
    settings.clear();
    SettingsDialog::save(edited, settings);
    QCOMPARE(settings.value(QStringLiteral("server/port")).toInt(), 9000);
    QVERIFY(!settings.contains(QStringLiteral("server/did"))); // derived: not pinned
    QVERIFY(!settings.contains(QStringLiteral("server/listen"))); // the default
    QCOMPARE(settings.value(QStringLiteral("server/max-queue-bytes")).toLongLong(),
        current.maxQueueBytes);

    QSignalSpy restart(&dialog, &SettingsDialog::restartRequested);
    dialog.accept();
    QCOMPARE(restart.count(), 1);
    QCOMPARE(restart.first().at(0).value<Config>().port, quint16(9000));
    QFile::remove(settings.fileName());
}

void TestMainWindow::settingsRestartTheHostAndModelsFollow()
{
    QTemporaryDir dir;
    Config config = GuiTestHost::makeConfig(dir.path());
    HostSupervisor supervisor(std::make_unique<Host>(config));
    MainWindow window;
    connect(&supervisor, &HostSupervisor::hostChanged, &window, &MainWindow::setHost);
    connect(&window, &MainWindow::restartRequested, &supervisor, &HostSupervisor::restart);
    window.show();
    QVERIFY(supervisor.start());
    Host *first = supervisor.host();
    QCOMPARE(window.host(), first);

    TestClient client(first->port(), TestDid, token());
    QVERIFY(client.waitConnected());
    QTRY_COMPARE(window.sessionsModel()->rowCount(), 1);

    // What the dialog emits on OK after the dev token changed.
    config.devToken = QStringLiteral("another-dev-token");
    Q_EMIT window.restartRequested(config);
    QTRY_COMPARE_WITH_TIMEOUT(client.closeCode, int(QWebSocketProtocol::CloseCodeGoingAway), 5000);
    QTRY_VERIFY_WITH_TIMEOUT(supervisor.host() != nullptr && !supervisor.isBusy(), 10000);
    QVERIFY(window.host() == supervisor.host());
    QCOMPARE(window.host()->config().devToken, QStringLiteral("another-dev-token"));
    QCOMPARE(window.sessionsModel()->rowCount(), 0);

    TestClient again(supervisor.host()->port(), QStringLiteral("did:plc:again"), config.devToken);
    QVERIFY(again.waitConnected());
    QTRY_COMPARE(window.sessionsModel()->rowCount(), 1);
    QVERIFY(window.overviewPage()->listeningText().contains(
        QString::number(supervisor.host()->port())));
    QVERIFY(window.host()->admin()->trafficCapture());

    // A configuration that cannot start leaves the window without a host, not broken.
    Config bad = config;
    bad.listen = QStringLiteral("203.0.113.1"); // not an address of this machine
    QSignalSpy failed(&supervisor, &HostSupervisor::startFailed);
    supervisor.restart(bad);
    QTRY_COMPARE_WITH_TIMEOUT(failed.count(), 1, 10000);
    window.setHostError(failed.first().at(0).toString());
    QVERIFY(window.host() == nullptr);
    QCOMPARE(window.sessionsModel()->rowCount(), 0);
    QVERIFY(window.overviewPage()->listeningText().contains(QStringLiteral("not listening")));

    QSignalSpy stopped(&supervisor, &HostSupervisor::stopped);
    supervisor.stop();
    QTRY_COMPARE(stopped.count(), 1);
}

void TestMainWindow::closingKeepsHostingOrQuits()
{
    GuiTestHost test;
    QVERIFY(test.ok());
    MainWindow window;
    window.setHost(&test.host());
    window.setTrayAvailable(true);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    QVERIFY(test.host().admin()->trafficCapture());
    QSignalSpy quit(&window, &MainWindow::quitRequested);

    window.close(); // remembered answer: keep hosting
    QVERIFY(!window.isVisible());
    QCOMPARE(quit.count(), 0);
    QVERIFY(!test.host().admin()->trafficCapture()); // nobody watches
    TestClient client(test.port(), TestDid, token());
    QVERIFY(client.waitConnected()); // still serving

    window.show();
    QSettings().setValue(QLatin1String(SettingsDialog::CloseActionKey), QStringLiteral("quit"));
    window.close();
    QCOMPARE(quit.count(), 1);
    QVERIFY(window.isVisible()); // the host stops first; then the app quits

    window.setTrayAvailable(false);
    QSettings().setValue(
        QLatin1String(SettingsDialog::CloseActionKey), QStringLiteral("background"));
    window.close(); // no tray: a hidden window could never return
    QCOMPARE(quit.count(), 2);
    window.setQuitting(true);
    window.close();
    QVERIFY(!window.isVisible());
    QSettings().setValue(
        QLatin1String(SettingsDialog::CloseActionKey), QStringLiteral("background"));
}

void TestMainWindow::trafficFloodKeepsTheWindowResponsive()
{
    // 10 000 frames a second for two seconds into the visible traffic tab, with a filter on:
    // the event loop must keep turning (a 5 ms timer never waits long) and the ring stays full.
    MainWindow window;
    window.resize(1280, 800);
    window.show();
    window.showTab(MainWindow::TrafficTab);
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    window.trafficPage()->setDidFilter(QStringLiteral("alice"));
    TrafficModel *model = window.trafficModel();
    const QByteArray frame = SyncCodec::encodeHandleUpdate(
        GuiTestHost::entityId(20), GuiTestHost::update(QStringLiteral("update-a")));

    QElapsedTimer clock;
    clock.start();
    qint64 lastTick = 0;
    qint64 worstGap = 0;
    QTimer ticker;
    connect(&ticker, &QTimer::timeout, this, [&] {
        const qint64 now = clock.elapsed();
        worstGap = qMax(worstGap, now - lastTick);
        lastTick = now;
    });
    ticker.start(5);
    quint64 seq = 0;
    QTimer feeder;
    connect(&feeder, &QTimer::timeout, this, [&] {
        for (int i = 0; i < 100; ++i) {
            TrafficFrame f;
            f.seq = ++seq;
            f.time = QDateTime::currentDateTimeUtc();
            f.direction = TrafficFrame::Direction::Out;
            f.did = (seq % 2) ? AliceDid : TestDid;
            f.sessionId = QString::number(seq % 7);
            f.bytes = frame;
            model->addFrame(f);
        }
    });
    feeder.start(10);
    QTest::qWait(2500);
    feeder.stop();
    ticker.stop();
    QTest::qWait(200);
    qInfo("fed %llu frames in %lld ms; worst event-loop gap %lld ms; %d rows kept, %llu dropped",
        seq, clock.elapsed(), worstGap, model->rowCount(), model->dropped());
    QVERIFY(seq >= 15000);
    QCOMPARE(model->rowCount(), int(TrafficModel::DefaultCapacity));
    QCOMPARE(model->dropped(), seq - quint64(TrafficModel::DefaultCapacity));
    QCOMPARE(window.trafficPage()->trafficView()->model()->rowCount(), model->rowCount() / 2);
    QVERIFY2(worstGap < 300, "the window stalled");
    save(&window, QStringLiteral("13-traffic-flood"));
}

void TestMainWindow::germanTranslation()
{
    QTranslator *translator = loadTranslation(QLocale(QLocale::German, QLocale::Germany), this);
    QVERIFY2(translator, "canopy_de.qm is embedded");
    QCoreApplication::removeTranslator(m_english);
    QCoreApplication::installTranslator(translator);
    QLocale::setDefault(QLocale(QLocale::German, QLocale::Germany));
    GuiTestHost test;
    QVERIFY(test.ok());
    {
        MainWindow window;
        window.setHost(&test.host());
        window.resize(1280, 800);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        QCOMPARE(window.tabs()->tabText(MainWindow::OverviewTab), QStringLiteral("Übersicht"));
        QCOMPARE(window.tabs()->tabText(MainWindow::SessionsTab), QStringLiteral("Sitzungen"));
        QCOMPARE(window.tabs()->tabText(MainWindow::RoomsTab), QStringLiteral("Räume"));
        QCOMPARE(window.tabs()->tabText(MainWindow::MembersTab), QStringLiteral("Mitglieder"));
        QCOMPARE(window.tabs()->tabText(MainWindow::KeysTab), QStringLiteral("Schlüssel"));
        QCOMPARE(window.documentsPage()->detailTabs()->tabText(DocumentsPage::AccessTab),
            QStringLiteral("Zugriff"));
        QCOMPARE(window.sessionsModel()->headerData(SessionsModel::Protocol, Qt::Horizontal),
            QVariant(QStringLiteral("Sync-Protokoll"))); // "Protokoll" is the log tab
        TestClient client(test.port(), TestDid, token());
        QVERIFY(client.waitConnected());
        QTRY_COMPARE(window.sessionsModel()->rowCount(), 1);
        QTest::qWait(1200);
        save(&window, QStringLiteral("11-overview-de"));
        window.showTab(MainWindow::SessionsTab);
        save(&window, QStringLiteral("12-sessions-de"));
    }
    QCoreApplication::removeTranslator(translator);
    QCoreApplication::installTranslator(m_english);
    QLocale::setDefault(QLocale(QLocale::English, QLocale::UnitedStates));
}

void TestMainWindow::runWithWindowServesUntilQuit()
{
    // The entry point main() calls: it starts the host it is given, shows the window, and
    // returns 0 once Quit has stopped the host.
    QTemporaryDir dir;
    auto host = std::make_unique<Host>(GuiTestHost::makeConfig(dir.path()));
    bool sawHost = false;
    bool sawClient = false;
    QTimer::singleShot(300, this, [&] {
        MainWindow *window = nullptr;
        for (QWidget *widget : QApplication::topLevelWidgets()) {
            if (auto *candidate = qobject_cast<MainWindow *>(widget);
                candidate && candidate->isVisible())
                window = candidate;
        }
        QVERIFY(window);
        sawHost = window->host() != nullptr;
        if (sawHost) {
            TestClient client(window->host()->port(), TestDid, token());
            sawClient = client.waitConnected()
                && QTest::qWaitFor([window] { return window->sessionsModel()->rowCount() == 1; });
        }
        Q_EMIT window->quitRequested();
    });
    QTimer::singleShot(20000, this, [] { QCoreApplication::exit(1); }); // never hang the suite
    const int code = runWithWindow(*qApp, std::move(host));
    QCOMPARE(code, 0);
    QVERIFY(sawHost);
    QVERIFY(sawClient);
}

QTEST_MAIN(TestMainWindow)
#include "tst_mainwindow.moc"
