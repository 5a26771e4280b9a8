// The window's item models against a real in-process host: QWebSocket clients speak Sync1 and
// loro-protocol to it, and every model runs under QAbstractItemModelTester while rows arrive,
// change and leave.
#include "GuiTestHost.h"
#include "LoroTestClient.h"
#include "TestClient.h"
#include "WindowMain.h"
#include "admin/AdminService.h"
#include "crdt/loro/LoroBlob.h"
#include "documents/BlocksModel.h"
#include "documents/DocumentsModel.h"
#include "documents/DocumentsPage.h"
#include "logs/LogFilterModel.h"
#include "logs/LogModel.h"
#include "protocol/loro/LoroProtocolCodec.h"
#include "protocol/sync1/SyncCodec.h"
#include "rooms/PresenceModel.h"
#include "rooms/RoomsModel.h"
#include "sessions/BansModel.h"
#include "sessions/SessionsModel.h"
#include "tokens/TokensModel.h"
#include "traffic/FrameDecoder.h"
#include "traffic/FrameDetailView.h"
#include "traffic/MsgpackTree.h"
#include "traffic/TrafficFilterModel.h"
#include "traffic/TrafficModel.h"

#include <QAbstractItemModelTester>
#include <QElapsedTimer>
#include <QFile>
#include <QLocale>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <QTranslator>
#include <QTreeWidget>
#include <QTreeWidgetItemIterator>

using namespace canopy;
using namespace canopy::ui;

namespace {

const QString TestDid = QStringLiteral("did:plc:test");
const QByteArray Lor = QByteArrayLiteral("%LOR");
const QByteArray Elo = QByteArrayLiteral("%ELO");
const QByteArray Eph = QByteArrayLiteral("%EPH");
const QByteArray Eps = QByteArrayLiteral("%EPS");

QString devToken()
{
    return QString::fromLatin1(GuiTestHost::DevToken);
}

int rowWhere(const QAbstractItemModel &model, int column, const QString &text)
{
    for (int row = 0; row < model.rowCount(); ++row) {
        if (model.index(row, column).data().toString() == text)
            return row;
    }
    return -1;
}

QByteArray encode(const LoroProtocolMessage &message)
{
    return LoroProtocolCodec::encode(message);
}

LoroProtocolMessage envelope(
    const QByteArray &magic, const QByteArray &room, LoroProtocolMessage::Type type)
{
    LoroProtocolMessage message;
    message.magic = magic;
    message.roomId = room;
    message.type = type;
    return message;
}

QAbstractItemModelTester *tester(QAbstractItemModel *model, QObject *parent)
{
    return new QAbstractItemModelTester(
        model, QAbstractItemModelTester::FailureReportingMode::QtTest, parent);
}

QString cell(const QAbstractItemModel &model, int row, int column)
{
    return model.index(row, column).data().toString();
}

} // namespace

class TestModels final : public QObject
{
    Q_OBJECT

public:
    static void initMain() { QStandardPaths::setTestModeEnabled(true); }

private Q_SLOTS:
    void initTestCase();
    void sessionsFollowSockets();
    void documentsAndBlockHistory();
    void tokensCountDown();
    void bansFollowTheList();
    void trafficCapturesRealFrames();
    void trafficRingBufferDropsOldest();
    void trafficCoalescesFloods();
    void trafficPauseHoldsTheTable();
    void logModelAndFilters();
    void frameDecoderLoroDetails();
    void frameDecoderHostileInput();
    void rebindingToAnotherHost();
    void loroSessionShowsProtocolAndRooms();
    void documentsOfEveryKind();
    void shallowDocumentExportsTwoFiles();
    void presenceEntriesTick();
    void trafficCapturesLoroProtocol();
    void frameDecoderLoroProtocol();
    void frameDecoderLoroPayloadKinds();
    void frameDetailViewLoroFields();
};

void TestModels::initTestCase()
{
    // English plural forms ("2 rooms"), as the window loads them.
    QLocale::setDefault(QLocale(QLocale::English, QLocale::UnitedStates));
    QTranslator *english = loadTranslation(QLocale(QLocale::English, QLocale::UnitedStates), this);
    QVERIFY2(english, "canopy_en.qm is embedded");
    QCoreApplication::installTranslator(english);
}

void TestModels::sessionsFollowSockets()
{
    GuiTestHost test;
    QVERIFY2(test.ok(), qPrintable(test.error()));
    SessionsModel model;
    tester(&model, this);
    model.setAdmin(test.host().admin());
    QCOMPARE(model.rowCount(), 0);

    TestClient client(test.port(), TestDid, QString::fromLatin1(GuiTestHost::DevToken));
    QVERIFY(client.waitConnected());
    QTRY_COMPARE(model.rowCount(), 1);
    QCOMPARE(cell(model, 0, SessionsModel::Did), TestDid);
    QCOMPARE(cell(model, 0, SessionsModel::Remote), QStringLiteral("127.0.0.1"));
    QCOMPARE(cell(model, 0, SessionsModel::Rooms), QStringLiteral("none"));

    // Joins arrive as sessionChanged; the model re-reads the session within a flush.
    const QString entity = GuiTestHost::entityId(1);
    client.subscribe(entity);
    // Each subscription shows its permission.
    QTRY_COMPARE_WITH_TIMEOUT(
        cell(model, 0, SessionsModel::Rooms), entity + QStringLiteral(" (write)"), 3000);
    QCOMPARE(model.index(0, SessionsModel::Rooms).data(Qt::ToolTipRole).toString(),
        entity + QStringLiteral(" — write"));
    QVERIFY(model.index(0, SessionsModel::Traffic).data(SessionsModel::SortRole).toULongLong() > 0);

    TestClient second(
        test.port(), QStringLiteral("did:plc:other"), QString::fromLatin1(GuiTestHost::DevToken));
    QVERIFY(second.waitConnected());
    QTRY_COMPARE(model.rowCount(), 2);

    const QString id = model.index(0, 0).data(SessionsModel::SessionIdRole).toString();
    QVERIFY(test.host().admin()->revokeSession(id).has_value());
    QTRY_COMPARE(model.rowCount(), 1);
    QTRY_COMPARE(client.closeCode, AdminService::RevokedCloseCode);
    QCOMPARE(cell(model, 0, SessionsModel::Did), QStringLiteral("did:plc:other"));
}

void TestModels::documentsAndBlockHistory()
{
    GuiTestHost test;
    QVERIFY2(test.ok(), qPrintable(test.error()));
    DocumentsModel model;
    tester(&model, this);
    model.setAdmin(test.host().admin());

    TestClient client(test.port(), TestDid, QString::fromLatin1(GuiTestHost::DevToken));
    QVERIFY(client.waitConnected());
    const QString entity = GuiTestHost::entityId(2);
    client.subscribe(entity);
    const QByteArray blob = GuiTestHost::update(QStringLiteral("update-team-full"));
    auto parsed = loro::LoroBlob::parse(blob);
    QVERIFY(parsed.has_value());
    client.sendUpdate(entity, blob);
    if (parsed->blocks.isEmpty())
        QSKIP("no fixtures: run through ctest so fixtures.generate makes them");

    QTRY_COMPARE_WITH_TIMEOUT(model.rowCount(), 1, 5000);
    QCOMPARE(cell(model, 0, DocumentsModel::Entity), entity);
    QTRY_COMPARE(model.index(0, DocumentsModel::Blocks).data(DocumentsModel::SortRole).toLongLong(),
        qint64(parsed->blocks.size()));
    QCOMPARE(
        model.index(0, DocumentsModel::Subscribers).data(DocumentsModel::SortRole).toLongLong(), 1);
    QCOMPARE(cell(model, 0, DocumentsModel::LastWriter), TestDid);

    BlocksModel blocks;
    tester(&blocks, this);
    auto detail = test.host().admin()->document(entity);
    QVERIFY(detail.has_value());
    blocks.setBlocks(detail->blocks);
    QCOMPARE(blocks.rowCount(), int(parsed->blocks.size()));
    QCOMPARE(cell(blocks, 0, BlocksModel::From), TestDid);
    QVERIFY(cell(blocks, 0, BlocksModel::Peer).startsWith(QStringLiteral("0x")));

    // Delete is refused while subscribed, then works and the row leaves.
    QVERIFY(!test.host().admin()->deleteDocument(entity).has_value());
    client.close();
    QTRY_COMPARE(test.host().admin()->sessions().size(), 0);
    QVERIFY(test.host().admin()->deleteDocument(entity).has_value());
    QTRY_COMPARE_WITH_TIMEOUT(model.rowCount(), 0, 3000);
}

void TestModels::tokensCountDown()
{
    GuiTestHost test;
    QVERIFY2(test.ok(), qPrintable(test.error()));
    TokensModel model;
    tester(&model, this);
    QDateTime now = QDateTime::currentDateTimeUtc();
    model.setClock([&now] { return now; });
    model.setAdmin(test.host().admin());
    QCOMPARE(model.rowCount(), 0);

    auto issued = test.host().admin()->issueToken(TestDid);
    QVERIFY(issued.has_value());
    QCOMPARE(issued->token.size(), 52);
    QTRY_COMPARE(model.rowCount(), 1);
    QCOMPARE(cell(model, 0, TokensModel::Did), TestDid);
    QCOMPARE(
        cell(model, 0, TokensModel::State), TokensModel::stateText(TokenRecord::State::Unused));
    QVERIFY(cell(model, 0, TokensModel::Expires).startsWith(QStringLiteral("in ")));

    // The countdown moves with the clock and ends in "expired", signalled by dataChanged.
    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
    now = issued->record.expiresAt.addSecs(5);
    model.setClock([&now] { return now; });
    QVERIFY(changed.count() >= 1);
    QCOMPARE(
        cell(model, 0, TokensModel::State), TokensModel::stateText(TokenRecord::State::Expired));

    now = QDateTime::currentDateTimeUtc();
    model.setClock([&now] { return now; });
    QVERIFY(test.host().admin()->revokeToken(issued->record.id).has_value());
    QTRY_COMPARE(
        cell(model, 0, TokensModel::State), TokensModel::stateText(TokenRecord::State::Revoked));
}

void TestModels::bansFollowTheList()
{
    GuiTestHost test;
    QVERIFY2(test.ok(), qPrintable(test.error()));
    BansModel model;
    tester(&model, this);
    model.setAdmin(test.host().admin());
    TestClient client(test.port(), TestDid, QString::fromLatin1(GuiTestHost::DevToken));
    QVERIFY(client.waitConnected());

    AdminService *admin = test.host().admin();
    QVERIFY(admin
                ->ban(TestDid, QStringLiteral("flooding"),
                    QDateTime::currentDateTimeUtc().addSecs(3600))
                .has_value());
    QTRY_COMPARE(model.rowCount(), 1);
    QCOMPARE(cell(model, 0, BansModel::Reason), QStringLiteral("flooding"));
    QTRY_COMPARE(client.closeCode, AdminService::RevokedCloseCode); // banned sockets close at once
    QVERIFY(admin->ban(QStringLiteral("did:plc:forever"), QStringLiteral("abuse"), QDateTime())
                .has_value());
    QTRY_COMPARE(model.rowCount(), 2);
    QVERIFY(admin->unban(TestDid).has_value());
    QTRY_COMPARE(model.rowCount(), 1);
    QCOMPARE(cell(model, 0, BansModel::Did), QStringLiteral("did:plc:forever"));
    QCOMPARE(cell(model, 0, BansModel::Until), QStringLiteral("until lifted"));
}

void TestModels::trafficCapturesRealFrames()
{
    GuiTestHost test;
    QVERIFY2(test.ok(), qPrintable(test.error()));
    TrafficModel model;
    tester(&model, this);
    TrafficFilterModel filter;
    filter.setSourceModel(&model);
    tester(&filter, this);
    model.setAdmin(test.host().admin());
    test.host().admin()->setTrafficCapture(true);

    TestClient client(test.port(), TestDid, QString::fromLatin1(GuiTestHost::DevToken));
    QVERIFY(client.waitConnected());
    const QString entity = GuiTestHost::entityId(3);
    client.subscribe(entity);
    client.sendUpdate(entity, GuiTestHost::update(QStringLiteral("update-a")));
    client.sendRaw(QByteArray::fromHex("c1")); // not msgpack: listed, flagged
    client.sendText(QStringLiteral("hello"));

    // In: subscribe, sendUpdate, garbage, text; out: the subscribe's handleUpdate answer.
    QTRY_VERIFY_WITH_TIMEOUT(model.rowCount() >= 5, 5000);
    QStringList types;
    for (int row = 0; row < model.rowCount(); ++row)
        types.append(model.index(row, 0).data(TrafficModel::TypeRole).toString());
    QVERIFY2(types.contains(QStringLiteral("subscribe")), qPrintable(types.join(u',')));
    QVERIFY(types.contains(QStringLiteral("sendUpdate")));
    QVERIFY(types.contains(QStringLiteral("handleUpdate")));
    QVERIFY(types.contains(QStringLiteral("text")));
    QVERIFY(types.contains(QString())); // the garbage frame
    QCOMPARE(cell(model, 0, TrafficModel::Did), TestDid);

    filter.setType(QStringLiteral("sendUpdate"));
    QCOMPARE(filter.rowCount(), 1);
    QCOMPARE(filter.index(0, TrafficModel::Entity).data().toString(), entity);
    filter.setType(QString());
    filter.setEntity(entity.right(10).toUpper()); // case-insensitive substring
    QVERIFY(filter.rowCount() >= 3);
    filter.setDid(QStringLiteral("nobody"));
    QCOMPARE(filter.rowCount(), 0);

    // Capture off: nothing more arrives.
    test.host().admin()->setTrafficCapture(false);
    model.flush();
    const int before = model.rowCount();
    client.subscribe(GuiTestHost::entityId(4));
    QTest::qWait(300);
    QCOMPARE(model.rowCount(), before);
}

void TestModels::trafficRingBufferDropsOldest()
{
    TrafficModel model;
    tester(&model, this);
    model.setCapacity(5);
    QSignalSpy counts(&model, &TrafficModel::countsChanged);
    for (int i = 1; i <= 12; ++i) {
        TrafficFrame frame;
        frame.seq = quint64(i);
        frame.time = QDateTime::currentDateTimeUtc();
        frame.bytes = QByteArray(10, 'x');
        model.addFrame(frame);
        if (i == 3)
            model.flush();
    }
    model.flush();
    QCOMPARE(model.rowCount(), 5);
    QCOMPARE(model.dropped(), quint64(7));
    QCOMPARE(model.index(0, 0).data(TrafficModel::SeqRole).toULongLong(), quint64(8));
    QCOMPARE(model.index(4, 0).data(TrafficModel::SeqRole).toULongLong(), quint64(12));
    QVERIFY(counts.count() >= 2);

    // The byte budget evicts too.
    model.setByteBudget(25);
    TrafficFrame big;
    big.seq = 13;
    big.bytes = QByteArray(20, 'y');
    model.addFrame(big);
    model.flush();
    QVERIFY(model.rowCount() <= 2);
    QCOMPARE(model.index(model.rowCount() - 1, 0).data(TrafficModel::SeqRole).toULongLong(),
        quint64(13));

    model.clear();
    QCOMPARE(model.rowCount(), 0);
    QCOMPARE(model.dropped(), quint64(0));
}

void TestModels::trafficCoalescesFloods()
{
    // 10 000 frames arriving at once become one insert, not ten thousand.
    TrafficModel model;
    TrafficFilterModel filter;
    filter.setSourceModel(&model);
    filter.setType(QStringLiteral("sendUpdate"));
    QSignalSpy inserts(&model, &QAbstractItemModel::rowsInserted);
    const QByteArray frame = SyncCodec::encodeHandleUpdate(
        GuiTestHost::entityId(5), GuiTestHost::update(QStringLiteral("update-a")));
    QElapsedTimer timer;
    timer.start();
    for (int i = 0; i < 10000; ++i) {
        TrafficFrame f;
        f.seq = quint64(i + 1);
        f.time = QDateTime::currentDateTimeUtc();
        f.direction = TrafficFrame::Direction::Out;
        f.bytes = frame;
        model.addFrame(f);
    }
    const qint64 queueMs = timer.elapsed();
    QCOMPARE(inserts.count(), 0); // nothing before the flush timer fires
    QTRY_COMPARE(model.rowCount(), 10000);
    QCOMPARE(inserts.count(), 1);
    QCOMPARE(filter.rowCount(), 0); // all handleUpdate
    qInfo("queued 10000 frames in %lld ms", queueMs);
    QVERIFY2(queueMs < 1000, "summarising a frame must stay cheap");

    // loro-protocol frames are summarised from their envelope alone.
    LoroProtocolMessage update = envelope(Lor, "notes", LoroProtocolMessage::Type::DocUpdate);
    update.updates = {GuiTestHost::update(QStringLiteral("update-team-full"))};
    update.batchId = QByteArray(8, '\7');
    const QByteArray loroFrame = encode(update);
    timer.restart();
    for (int i = 0; i < 10000; ++i) {
        TrafficFrame f;
        f.seq = quint64(10001 + i);
        f.protocol = QStringLiteral("loro");
        f.bytes = loroFrame;
        model.addFrame(f);
    }
    const qint64 loroMs = timer.elapsed();
    qInfo("queued 10000 loro-protocol frames in %lld ms", loroMs);
    QVERIFY2(loroMs < 1000, "summarising a loro-protocol frame must stay cheap");
    model.flush();
    QCOMPARE(model.index(model.rowCount() - 1, TrafficModel::Entity).data().toString(),
        QStringLiteral("notes"));
}

void TestModels::trafficPauseHoldsTheTable()
{
    TrafficModel model;
    tester(&model, this);
    model.setCapacity(10);
    model.setPaused(true);
    for (int i = 0; i < 15; ++i) {
        TrafficFrame f;
        f.seq = quint64(i + 1);
        model.addFrame(f);
    }
    QTest::qWait(250);
    QCOMPARE(model.rowCount(), 0);
    QCOMPARE(model.pendingCount(), 10);
    QCOMPARE(model.dropped(), quint64(5));
    model.setPaused(false);
    QTRY_COMPARE(model.rowCount(), 10);
    QCOMPARE(model.index(0, 0).data(TrafficModel::SeqRole).toULongLong(), quint64(6));
}

void TestModels::logModelAndFilters()
{
    GuiTestHost test;
    QVERIFY2(test.ok(), qPrintable(test.error()));
    LogModel model;
    tester(&model, this);
    LogFilterModel filter;
    filter.setSourceModel(&model);
    tester(&filter, this);
    QSignalSpy categories(&model, &LogModel::categoriesChanged);
    model.setAdmin(test.host().admin());
    // The host's start-up history ("listening", the dev-token warning) is there at once.
    QVERIFY(model.rowCount() >= 2);
    const int history = model.rowCount();
    QVERIFY(categories.count() >= 1);

    TestClient client(test.port(), TestDid, QString::fromLatin1(GuiTestHost::DevToken));
    QVERIFY(client.waitConnected());
    client.sendRaw(QByteArray::fromHex("c1")); // a bad frame is logged with the DID
    QTRY_VERIFY(model.rowCount() > history);

    filter.setDid(QStringLiteral("plc:test"));
    QTRY_VERIFY(filter.rowCount() >= 1);
    for (int row = 0; row < filter.rowCount(); ++row)
        QCOMPARE(filter.index(row, LogModel::Did).data().toString(), TestDid);
    filter.setDid(QString());
    filter.setMinimumLevel(2);
    for (int row = 0; row < filter.rowCount(); ++row)
        QVERIFY(filter.index(row, 0).data(LogModel::LevelRankRole).toInt() >= 2);
    QVERIFY(filter.rowCount() >= 1); // the UNSAFE dev token warning
    filter.setMinimumLevel(0);
    filter.setSearchText(QStringLiteral("UNSAFE"));
    QVERIFY(filter.rowCount() >= 1);
    filter.setSearchText(QString());
    filter.setCategory(QStringLiteral("no.such.category"));
    QCOMPARE(filter.rowCount(), 0);
}

void TestModels::frameDecoderLoroDetails()
{
    const QByteArray blob = GuiTestHost::fixture(QStringLiteral("update-team-full"));
    if (blob.isEmpty())
        QSKIP("no fixtures: run through ctest so fixtures.generate makes them");
    const QString entity = GuiTestHost::entityId(6);
    SyncMessage message;
    message.type = SyncMessage::Type::SendUpdate;
    message.entityId = entity;
    message.payloadKind = SyncMessage::PayloadKind::Update;
    message.payload = blob;
    const QByteArray frame = SyncCodec::encode(message);

    const FrameSummary summary = FrameDecoder::summarize(frame, false, WireProtocol::Sync1);
    QCOMPARE(summary.type, QStringLiteral("sendUpdate"));
    QCOMPARE(summary.entityId, entity);

    const FrameDetail detail = FrameDecoder::decode(frame, false, WireProtocol::Sync1);
    QVERIFY(detail.msgpackOk);
    QVERIFY(detail.syncError.isEmpty());
    QCOMPARE(detail.tree.kind, MsgpackNode::Kind::Map);
    QCOMPARE(detail.tree.children.size(), 3);
    QVERIFY(detail.hasPayload);
    QCOMPARE(detail.payload.field, QStringLiteral("update"));
    QCOMPARE(detail.payload.mode, 4);
    QCOMPARE(detail.payload.checksum, LoroPayload::Checksum::Valid);
    QVERIFY(detail.payload.parsed);
    // The team fixture: four authors, one block each (the manifest's "small" blocks).
    QCOMPARE(detail.payload.blocks.size(), 4);
    for (const LoroBlockRange &block : detail.payload.blocks) {
        QVERIFY(block.counterEnd > block.counterStart);
        QVERIFY(block.lamportEnd > block.lamportStart);
        QVERIFY(block.changeCount >= 1);
    }

    // One flipped byte after the header: the checksum catches it; the mode still shows.
    QByteArray broken = blob;
    broken[30] = char(broken[30] ^ 0x55);
    const LoroPayload bad = FrameDecoder::describeLoro(broken);
    QCOMPARE(bad.checksum, LoroPayload::Checksum::Mismatch);
    QCOMPARE(bad.mode, 4);
    QVERIFY(!bad.parsed);
    QVERIFY(bad.error.startsWith(QStringLiteral("bad-checksum")));

    const LoroPayload snapshot
        = FrameDecoder::describeLoro(GuiTestHost::fixture(QStringLiteral("snapshot-team")));
    QCOMPARE(snapshot.mode, 3);
    QVERIFY(snapshot.parsed);
    QVERIFY(!snapshot.blocks.isEmpty());

    QVERIFY(FrameDecoder::hexDump(QByteArray("loro"), 100)
                .startsWith(QStringLiteral("00000000  6c 6f 72 6f")));
}

void TestModels::frameDecoderHostileInput()
{
    // A container that claims four billion entries in five bytes: refused, not allocated.
    QVERIFY(!MsgpackTree::parse(QByteArray::fromHex("dfffffffff")).has_value());
    QVERIFY(!MsgpackTree::parse(QByteArray::fromHex("c1")).has_value());
    QVERIFY(MsgpackTree::parse(QByteArray::fromHex("9101")).has_value());
    QByteArray deep(200, char(0x91));
    deep.append(char(0x01));
    QVERIFY(!MsgpackTree::parse(deep).has_value());
    QVERIFY(MsgpackTree::topLevelStrings(QByteArray::fromHex("dfffffffff")).isEmpty());
    const FrameDetail detail
        = FrameDecoder::decode(QByteArray::fromHex("a3616263"), false, WireProtocol::Sync1);
    QVERIFY(detail.msgpackOk);
    QCOMPARE(detail.tree.text, QStringLiteral("abc"));
    QVERIFY(detail.syncError.startsWith(QStringLiteral("not-a-map")));
    QVERIFY(!detail.hasPayload);
}

void TestModels::rebindingToAnotherHost()
{
    GuiTestHost first;
    GuiTestHost second;
    QVERIFY(first.ok() && second.ok());
    SessionsModel sessions;
    tester(&sessions, this);
    LogModel log;
    tester(&log, this);
    sessions.setAdmin(first.host().admin());
    log.setAdmin(first.host().admin());
    TestClient a(first.port(), TestDid, QString::fromLatin1(GuiTestHost::DevToken));
    QVERIFY(a.waitConnected());
    QTRY_COMPARE(sessions.rowCount(), 1);
    const int firstLog = log.rowCount();

    sessions.setAdmin(nullptr);
    QCOMPARE(sessions.rowCount(), 0);
    sessions.setAdmin(second.host().admin());
    log.setAdmin(second.host().admin());
    QCOMPARE(sessions.rowCount(), 0);
    QVERIFY(log.rowCount() > firstLog); // the old host's lines stay, the new host's follow
    TestClient b(second.port(), QStringLiteral("did:plc:second"),
        QString::fromLatin1(GuiTestHost::DevToken));
    QVERIFY(b.waitConnected());
    QTRY_COMPARE(sessions.rowCount(), 1);
    QCOMPARE(cell(sessions, 0, SessionsModel::Did), QStringLiteral("did:plc:second"));
    // The first host's sockets no longer reach the model.
    TestClient c(first.port(), QStringLiteral("did:plc:ignored"),
        QString::fromLatin1(GuiTestHost::DevToken));
    QVERIFY(c.waitConnected());
    QTest::qWait(250);
    QCOMPARE(sessions.rowCount(), 1);
}

void TestModels::loroSessionShowsProtocolAndRooms()
{
    GuiTestHost test;
    QVERIFY2(test.ok(), qPrintable(test.error()));
    SessionsModel model;
    tester(&model, this);
    model.setAdmin(test.host().admin());
    RoomsModel rooms;
    tester(&rooms, this);
    rooms.setAdmin(test.host().admin());

    TestClient sync1(test.port(), TestDid, devToken());
    LoroTestClient loro(test.port(), QStringLiteral("did:plc:loro"), devToken());
    QVERIFY(sync1.waitConnected());
    QVERIFY(loro.waitConnected());
    QTRY_COMPARE(model.rowCount(), 2);
    const int sync1Row = rowWhere(model, SessionsModel::Did, TestDid);
    const int loroRow = rowWhere(model, SessionsModel::Did, QStringLiteral("did:plc:loro"));
    QVERIFY(sync1Row >= 0 && loroRow >= 0);
    QCOMPARE(cell(model, sync1Row, SessionsModel::Protocol), QStringLiteral("Sync1"));
    QCOMPARE(cell(model, loroRow, SessionsModel::Protocol), QStringLiteral("loro-protocol"));
    // Until its first join a loro-protocol session has proven nothing.
    QVERIFY2(cell(model, loroRow, SessionsModel::Rooms).contains(u"not authenticated"),
        qPrintable(cell(model, loroRow, SessionsModel::Rooms)));
    QVERIFY(model.index(loroRow, SessionsModel::Did).data(Qt::ForegroundRole).isValid());

    // A join is a sessionChanged: shown within a flush, not at the once-a-second refresh.
    QVERIFY(loro.join(Lor, "notes"));
    QTRY_COMPARE_WITH_TIMEOUT(
        cell(model, loroRow, SessionsModel::Rooms), QStringLiteral("notes (loro, write)"), 900);
    QVERIFY(!model.index(loroRow, SessionsModel::Did).data(Qt::ForegroundRole).isValid());
    QVERIFY(loro.join(Eph, "presence"));
    QTRY_COMPARE(
        cell(model, loroRow, SessionsModel::Rooms), QStringLiteral("2 rooms: 1 eph, 1 loro"));
    const QString tip = model.index(loroRow, SessionsModel::Rooms).data(Qt::ToolTipRole).toString();
    QVERIFY2(tip.contains(QStringLiteral("presence — eph, write")), qPrintable(tip));
    QVERIFY(tip.contains(QStringLiteral("notes — loro, write")));

    // The rooms page's model gathers both protocols' rooms with their members.
    const QString entity = GuiTestHost::entityId(30);
    sync1.subscribe(entity);
    QTRY_COMPARE(rooms.rowCount(), 3);
    const int presence = rooms.rowOf(QStringLiteral("eph"), QStringLiteral("presence"));
    QVERIFY(presence >= 0);
    QCOMPARE(cell(rooms, presence, RoomsModel::Members), QStringLiteral("1"));
    QVERIFY(rooms.index(presence, RoomsModel::Members)
                .data(Qt::ToolTipRole)
                .toString()
                .contains(QStringLiteral("did:plc:loro (loro-protocol, write)")));
    QVERIFY(rooms.rowOf(QStringLiteral("loro"), entity) >= 0);

    loro.leave(Eph, "presence");
    QTRY_COMPARE(cell(model, loroRow, SessionsModel::Rooms), QStringLiteral("notes (loro, write)"));
    QTRY_COMPARE(rooms.rowCount(), 2);
}

void TestModels::documentsOfEveryKind()
{
    GuiTestHost test;
    QVERIFY2(test.ok(), qPrintable(test.error()));
    AdminService *admin = test.host().admin();
    DocumentsModel model;
    tester(&model, this);
    model.setAdmin(admin);

    LoroTestClient client(test.port(), TestDid, devToken());
    QVERIFY(client.waitConnected());
    QVERIFY(client.join(Elo, "secret", loro::encodeVersionVector({})));
    const QByteArray container
        = LoroTestClient::eloContainer({LoroTestClient::eloDeltaSpan("7", 0, 2, "k1"),
            LoroTestClient::eloDeltaSpan("9", 0, 1, "k1")});
    QVERIFY(client.waitAck(client.sendUpdate(Elo, "secret", container)));
    QVERIFY(client.join(Eps, "settings"));
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    QVERIFY(client.waitAck(client.sendUpdate(Eps, "settings",
        LoroTestClient::ephemeralUpdate(
            {LoroTestClient::ephemeralEntry("theme", QStringLiteral("dark"), now)}))));
    QVERIFY(client.join(Lor, "settings")); // the same name in another kind: two documents
    QVERIFY(client.waitAck(
        client.sendUpdate(Lor, "settings", GuiTestHost::update(QStringLiteral("update-a")))));

    QTRY_COMPARE_WITH_TIMEOUT(model.rowCount(), 3, 5000);
    const int elo = model.rowOf(QStringLiteral("secret"), QStringLiteral("elo"));
    const int eps = model.rowOf(QStringLiteral("settings"), QStringLiteral("eps"));
    const int lor = model.rowOf(QStringLiteral("settings"), QStringLiteral("loro"));
    QVERIFY(elo >= 0 && eps >= 0 && lor >= 0);
    QCOMPARE(cell(model, elo, DocumentsModel::Kind), QStringLiteral("ELO (encrypted)"));
    QCOMPARE(cell(model, eps, DocumentsModel::Kind), QStringLiteral("ephemeral (persisted)"));
    QCOMPARE(cell(model, lor, DocumentsModel::Kind), QStringLiteral("Loro"));
    QCOMPARE(model.index(eps, 0).data(DocumentsModel::KindRole).toString(), QStringLiteral("eps"));

    // Each kind's units: ELO records by peer (hex, like Loro's) and span, the header as detail;
    // ephemeral entries by key (as written), the value as detail.
    BlocksModel blocks;
    tester(&blocks, this);
    auto secret = admin->document(QStringLiteral("secret"), QStringLiteral("elo"));
    QVERIFY(secret.has_value());
    blocks.setBlocks(secret->blocks, QStringLiteral("elo"));
    QCOMPARE(blocks.rowCount(), 2);
    const int seven = rowWhere(blocks, BlocksModel::Peer, QStringLiteral("0x7"));
    QVERIFY(seven >= 0);
    QCOMPARE(cell(blocks, seven, BlocksModel::Counters), QStringLiteral("0–1"));
    QVERIFY2(
        cell(blocks, seven, BlocksModel::Detail).startsWith(QStringLiteral("DeltaSpan, key k1")),
        qPrintable(cell(blocks, seven, BlocksModel::Detail)));
    QCOMPARE(blocks.headerData(BlocksModel::Detail, Qt::Horizontal).toString(),
        QStringLiteral("Record header"));
    QVERIFY(!BlocksModel::columnApplies(BlocksModel::Lamports, QStringLiteral("elo")));

    auto settings = admin->document(QStringLiteral("settings"), QStringLiteral("eps"));
    QVERIFY(settings.has_value());
    blocks.setBlocks(settings->blocks, QStringLiteral("eps"));
    QCOMPARE(blocks.rowCount(), 1);
    QCOMPARE(cell(blocks, 0, BlocksModel::Peer), QStringLiteral("theme"));
    QCOMPARE(cell(blocks, 0, BlocksModel::Detail), QStringLiteral("\"dark\""));
    QCOMPARE(
        blocks.headerData(BlocksModel::Peer, Qt::Horizontal).toString(), QStringLiteral("Key"));
    QVERIFY(!BlocksModel::columnApplies(BlocksModel::Counters, QStringLiteral("eps")));
}

void TestModels::shallowDocumentExportsTwoFiles()
{
    const QByteArray shallow = GuiTestHost::fixture(QStringLiteral("shallow-snapshot"));
    if (shallow.isEmpty())
        QSKIP("no fixtures: run through ctest so fixtures.generate makes them");
    GuiTestHost test;
    QVERIFY2(test.ok(), qPrintable(test.error()));
    DocumentsModel model;
    model.setAdmin(test.host().admin());
    DocumentsPage page(&model);
    page.setAdmin(test.host().admin());

    // A document founded by a shallow snapshot, then changes its root does not hold (the team
    // fixture's peers 2 and 0xfedc…): two imports, the root first.
    TestClient client(test.port(), TestDid, devToken());
    QVERIFY(client.waitConnected());
    const QString entity = GuiTestHost::entityId(31);
    client.subscribeWithSnapshot(entity, shallow);
    QTRY_COMPARE_WITH_TIMEOUT(model.rowCount(), 1, 5000);
    const auto founded = [&] {
        return model.index(0, DocumentsModel::Blocks).data(DocumentsModel::SortRole).toLongLong();
    };
    QTRY_VERIFY(founded() > 0);
    const qint64 rootUnits = founded();
    client.sendUpdate(entity, GuiTestHost::update(QStringLiteral("update-team-full")));
    model.reload();
    QTRY_VERIFY_WITH_TIMEOUT(founded() > rootUnits, 5000);
    auto exported = test.host().admin()->exportDocument(entity, QStringLiteral("loro"));
    QVERIFY(exported.has_value());
    QCOMPARE(exported->payloads.size(), 2);

    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("notes.loro"));
    const QStringList paths = DocumentsPage::exportPaths(path, exported->kind, exported->payloads);
    QCOMPARE(paths,
        QStringList({dir.filePath(QStringLiteral("notes.1-snapshot.loro")),
            dir.filePath(QStringLiteral("notes.2-update.loro"))}));
    QCOMPARE(DocumentsPage::exportPaths(path, QStringLiteral("loro"), {QByteArray("x")}),
        QStringList {path});

    QVERIFY(page.selectDocument(entity, QStringLiteral("loro")));
    QSignalSpy finished(&page, &DocumentsPage::exportFinished);
    QVERIFY(page.exportSelected(path));
    QTRY_COMPARE(finished.count(), 1);
    QVERIFY(finished.first().at(0).toBool());
    QCOMPARE(finished.first().at(1).toStringList(), paths);
    QVERIFY(!QFile::exists(path));
    for (qsizetype i = 0; i < paths.size(); ++i) {
        QFile file(paths.at(i));
        QVERIFY(file.open(QIODevice::ReadOnly));
        QCOMPARE(file.readAll(), exported->payloads.at(i));
    }
}

void TestModels::presenceEntriesTick()
{
    GuiTestHost test;
    QVERIFY2(test.ok(), qPrintable(test.error()));
    PresenceModel model;
    tester(&model, this);
    qint64 now = QDateTime::currentMSecsSinceEpoch();
    model.setClock([&now] { return now; });
    model.setAdmin(test.host().admin());
    model.setRoom(QStringLiteral("eph"), QStringLiteral("presence"));
    QCOMPARE(model.rowCount(), 0);

    LoroTestClient alice(test.port(), QStringLiteral("did:plc:alice"), devToken());
    LoroTestClient bob(test.port(), QStringLiteral("did:plc:bob"), devToken());
    QVERIFY(alice.waitConnected() && bob.waitConnected());
    QVERIFY(alice.join(Eph, "presence"));
    QVERIFY(bob.join(Eph, "presence"));
    QSignalSpy inserts(&model, &QAbstractItemModel::rowsInserted);
    alice.sendUpdate(Eph, "presence",
        LoroTestClient::ephemeralUpdate({LoroTestClient::ephemeralEntry(
            "cursor/alice", QStringLiteral("line 3"), now - 2000)}));
    bob.sendUpdate(Eph, "presence",
        LoroTestClient::ephemeralUpdate(
            {LoroTestClient::ephemeralEntry("cursor/bob", QStringLiteral("line 9"), now - 4000),
                LoroTestClient::ephemeralEntry("cursor/gone", QString(), now - 1000)}));
    QTRY_COMPARE(model.rowCount(), 3);
    QVERIFY(inserts.count() <= 2); // batched, not one insert per entry

    const int a = rowWhere(model, PresenceModel::Key, QStringLiteral("cursor/alice"));
    const int b = rowWhere(model, PresenceModel::Key, QStringLiteral("cursor/bob"));
    const int gone = rowWhere(model, PresenceModel::Key, QStringLiteral("cursor/gone"));
    QVERIFY(a >= 0 && b >= 0 && gone >= 0);
    QCOMPARE(cell(model, a, PresenceModel::Value), QStringLiteral("\"line 3\""));
    QCOMPARE(cell(model, a, PresenceModel::Age), QStringLiteral("2 s"));
    QCOMPARE(cell(model, b, PresenceModel::Age), QStringLiteral("4 s"));
    QCOMPARE(cell(model, a, PresenceModel::Deleted), QString());
    QCOMPARE(cell(model, gone, PresenceModel::Deleted), QStringLiteral("deleted"));
    QCOMPARE(cell(model, gone, PresenceModel::Value), QString());

    // The ages tick once a second without any presence signal.
    QSignalSpy changes(&model, &QAbstractItemModel::dataChanged);
    now += 3000;
    QTRY_VERIFY_WITH_TIMEOUT(changes.count() >= 1, 2500);
    QCOMPARE(cell(model, a, PresenceModel::Age), QStringLiteral("5 s"));

    // A new value for a key changes its row in place.
    alice.sendUpdate(Eph, "presence",
        LoroTestClient::ephemeralUpdate(
            {LoroTestClient::ephemeralEntry("cursor/alice", QStringLiteral("line 4"), now)}));
    QTRY_COMPARE(cell(model, a, PresenceModel::Value), QStringLiteral("\"line 4\""));
    QCOMPARE(cell(model, a, PresenceModel::Age), QStringLiteral("0 s"));
    QCOMPARE(model.rowCount(), 3);

    model.setRoom(QString(), QString());
    QCOMPARE(model.rowCount(), 0);
}

void TestModels::trafficCapturesLoroProtocol()
{
    GuiTestHost test;
    QVERIFY2(test.ok(), qPrintable(test.error()));
    TrafficModel model;
    tester(&model, this);
    model.setAdmin(test.host().admin());
    test.host().admin()->setTrafficCapture(true);

    LoroTestClient client(test.port(), TestDid, devToken());
    QVERIFY(client.waitConnected());
    QVERIFY(client.join(Lor, "notes", loro::encodeVersionVector({})));
    const QByteArray batch
        = client.sendUpdate(Lor, "notes", GuiTestHost::update(QStringLiteral("update-a")));
    QVERIFY(client.waitAck(batch));
    client.sendText(QStringLiteral("ping"));
    QTRY_VERIFY(client.texts.contains(QStringLiteral("pong")));

    QStringList types;
    QTRY_VERIFY_WITH_TIMEOUT(
        [&] {
            types.clear();
            for (int row = 0; row < model.rowCount(); ++row)
                types.append(model.index(row, 0).data(TrafficModel::TypeRole).toString());
            return types.contains(QStringLiteral("pong"));
        }(),
        5000);
    // Both directions: the host's own frames (its JoinResponseOk, Ack and pong) too.
    for (const char *type : {"joinRequest", "joinResponseOk", "docUpdate", "ack", "ping", "pong"})
        QVERIFY2(types.contains(QLatin1String(type)), qPrintable(types.join(u',')));
    const int update = int(types.indexOf(QStringLiteral("docUpdate")));
    QCOMPARE(model.rowAt(update).protocol, WireProtocol::Loro);
    QCOMPARE(cell(model, update, TrafficModel::Kind), QStringLiteral("%LOR"));
    QCOMPARE(cell(model, update, TrafficModel::Entity), QStringLiteral("notes"));
    QCOMPARE(cell(model, int(types.indexOf(QStringLiteral("ping"))), TrafficModel::Kind),
        QStringLiteral("loro-protocol"));
}

void TestModels::frameDecoderLoroProtocol()
{
    using Type = LoroProtocolMessage::Type;
    const QByteArray blob = GuiTestHost::fixture(QStringLiteral("update-team-full"));
    if (blob.isEmpty())
        QSKIP("no fixtures: run through ctest so fixtures.generate makes them");

    // DocUpdate with two Loro blobs.
    LoroProtocolMessage update = envelope(Lor, "doc", Type::DocUpdate);
    update.updates = {blob, GuiTestHost::update(QStringLiteral("update-a"))};
    update.batchId = QByteArray::fromHex("cb00000000000004");
    const QByteArray frame = encode(update);
    const FrameSummary summary = FrameDecoder::summarize(frame, false, WireProtocol::Loro);
    QCOMPARE(summary.type, QStringLiteral("docUpdate"));
    QCOMPARE(summary.entityId, QStringLiteral("doc"));
    QCOMPARE(summary.magic, QStringLiteral("%LOR"));
    const FrameDetail detail = FrameDecoder::decode(frame, false, WireProtocol::Loro);
    QVERIFY(detail.loro.decoded);
    QCOMPARE(detail.loro.kind, QStringLiteral("loro"));
    QCOMPARE(FrameDecoder::batchIdText(detail.loro.message.batchId),
        QStringLiteral("0xcb00000000000004"));
    QCOMPARE(detail.loro.loroUpdates.size(), 2);
    QCOMPARE(detail.loro.loroUpdates.at(0).blocks.size(), 4);
    QCOMPARE(detail.loro.loroUpdates.at(0).checksum, LoroPayload::Checksum::Valid);
    QCOMPARE(detail.loro.loroUpdates.at(1).blocks.size(), 1);

    // A join: the version is a Loro VersionVector; the auth (a token) is masked in the hex.
    LoroProtocolMessage join = envelope(Lor, "doc", Type::JoinRequest);
    join.auth = "secret-token";
    join.version = QByteArray::fromHex("03010202").mid(1); // VV {2:1}
    const FrameDetail joined = FrameDecoder::decode(encode(join), false, WireProtocol::Loro);
    QVERIFY(joined.loro.hasVersion && joined.loro.version.parsed);
    QCOMPARE(joined.loro.version.version.at(2), quint32(1));
    const QString hex
        = FrameDecoder::hexDump(encode(join), 1000, joined.loro.authOffset, joined.loro.authSize);
    QVERIFY2(!hex.contains(QStringLiteral("secret")), qPrintable(hex));
    QVERIFY(hex.contains(QStringLiteral("** ** **")));
    QVERIFY(!FrameDecoder::hexDump(encode(join), 1000).contains(u'*'));

    // Ack, errors and fragments, by their names.
    LoroProtocolMessage ack = envelope(Lor, "doc", Type::Ack);
    ack.batchId = update.batchId;
    ack.status = LoroProtocolMessage::AckStatus::PermissionDenied;
    const FrameDetail acked = FrameDecoder::decode(encode(ack), false, WireProtocol::Loro);
    QCOMPARE(LoroProtocolMessage::statusName(acked.loro.message.status),
        QStringLiteral("permission_denied"));
    LoroProtocolMessage error = envelope(Lor, "doc", Type::JoinError);
    error.code = LoroProtocolMessage::JoinAuthFailed;
    error.message = QStringLiteral("Authentication failed");
    const FrameDetail refused = FrameDecoder::decode(encode(error), false, WireProtocol::Loro);
    QCOMPARE(FrameDecoder::joinErrorName(refused.loro.message.code), QStringLiteral("auth_failed"));
    QCOMPARE(refused.loro.message.message, QStringLiteral("Authentication failed"));
    QCOMPARE(
        FrameDecoder::roomErrorName(LoroProtocolMessage::RoomEvicted), QStringLiteral("evicted"));

    // A fragment finds its header among the rows held.
    const QList<QByteArray> fragments = LoroProtocolCodec::encodeUpdate(
        Lor, "big", QByteArray(300000, 'x'), QByteArray::fromHex("cb00000000000011"));
    QCOMPARE(fragments.size(), 3);
    TrafficModel model;
    quint64 seq = 0;
    for (const QByteArray &bytes : fragments) {
        TrafficFrame f;
        f.seq = ++seq;
        f.protocol = QStringLiteral("loro");
        f.sessionId = QStringLiteral("1");
        f.bytes = bytes;
        model.addFrame(f);
    }
    model.flush();
    QCOMPARE(cell(model, 0, TrafficModel::Type), QStringLiteral("fragmentHeader"));
    QCOMPARE(cell(model, 2, TrafficModel::Type), QStringLiteral("fragment"));
    const auto header = model.fragmentHeaderFor(2);
    QVERIFY(header.has_value());
    QCOMPARE(header->fragmentCount, quint32(2));
    QCOMPARE(header->totalSize, quint32(300000));
    QVERIFY(!model.fragmentHeaderFor(0).has_value());

    // Keepalive text, and frames the codec refuses.
    QCOMPARE(
        FrameDecoder::summarize("ping", true, WireProtocol::Loro).type, QStringLiteral("ping"));
    QCOMPARE(
        FrameDecoder::summarize("hello", true, WireProtocol::Loro).type, QStringLiteral("text"));
    const FrameDetail junk = FrameDecoder::decode(
        QByteArray::fromHex("254c4f5203646f6309"), false, WireProtocol::Loro);
    QVERIFY(!junk.loro.decoded);
    QVERIFY2(
        junk.loro.error.startsWith(QStringLiteral("unknown-type")), qPrintable(junk.loro.error));
    QVERIFY(FrameDecoder::summarize(
        QByteArray::fromHex("254c4f5203646f6309"), false, WireProtocol::Loro)
                .type.isEmpty());
    const FrameDetail truncated
        = FrameDecoder::decode(QByteArray::fromHex("254c4f52"), false, WireProtocol::Loro);
    QVERIFY(!truncated.loro.decoded);
    QVERIFY(truncated.loro.error.startsWith(QStringLiteral("truncated")));
    QVERIFY(FrameDecoder::summarize(QByteArray::fromHex("254c"), false, WireProtocol::Loro)
                .type.isEmpty());
}

void TestModels::frameDecoderLoroPayloadKinds()
{
    using Type = LoroProtocolMessage::Type;
    // %ELO: each record's plaintext header.
    LoroProtocolMessage elo = envelope(Elo, "secret", Type::DocUpdate);
    elo.updates = {LoroTestClient::eloContainer({LoroTestClient::eloDeltaSpan("7", 0, 2, "k1"),
        LoroTestClient::eloSnapshot({{"7", 2}, {"9", 1}}, "k2")})};
    elo.batchId = QByteArray(8, '\1');
    const FrameDetail records = FrameDecoder::decode(encode(elo), false, WireProtocol::Loro);
    QCOMPARE(records.loro.eloUpdates.size(), 1);
    const EloPayload &container = records.loro.eloUpdates.first();
    QVERIFY2(container.parsed, qPrintable(container.error));
    QCOMPARE(container.records.size(), 2);
    QVERIFY(!container.records.at(0).snapshot);
    QCOMPARE(container.records.at(0).peer, QStringLiteral("7"));
    QCOMPARE(container.records.at(0).end, quint32(2));
    QCOMPARE(container.records.at(0).keyId, QStringLiteral("k1"));
    QCOMPARE(container.records.at(0).iv.size(), 12);
    QCOMPARE(container.records.at(0).ciphertextSize, 32);
    QVERIFY(container.records.at(1).snapshot);
    QVERIFY(!container.records.at(1).version.isEmpty());
    QCOMPARE(container.records.at(1).keyId, QStringLiteral("k2"));
    elo.updates = {QByteArray::fromHex("0105ff")};
    QVERIFY(!FrameDecoder::decode(encode(elo), false, WireProtocol::Loro)
                 .loro.eloUpdates.first()
                 .parsed);

    // %EPS / %EPH: entries with value, timestamp and deletions.
    LoroProtocolMessage eph = envelope(Eph, "presence", Type::DocUpdate);
    eph.updates = {LoroTestClient::ephemeralUpdate(
        {LoroTestClient::ephemeralEntry("cursor/1", QStringLiteral("here"), 1767225600000),
            LoroTestClient::ephemeralEntry("cursor/2", QString(), 1767225601000)})};
    eph.batchId = QByteArray(8, '\2');
    const FrameDetail entries = FrameDecoder::decode(encode(eph), false, WireProtocol::Loro);
    QCOMPARE(entries.loro.kind, QStringLiteral("eph"));
    const EphemeralPayload &state = entries.loro.ephemeralUpdates.first();
    QVERIFY2(state.parsed, qPrintable(state.error));
    QCOMPARE(state.entries.size(), 2);
    QCOMPARE(state.entries.at(0).key, QStringLiteral("cursor/1"));
    QCOMPARE(state.entries.at(0).value, QStringLiteral("\"here\""));
    QCOMPARE(state.entries.at(0).timestampMs, 1767225600000);
    QVERIFY(!state.entries.at(0).deleted);
    QVERIFY(state.entries.at(1).deleted);
    // The spec's own trace (loro-protocol.md §2.13): delete("cursor/2").
    const EphemeralPayload traced = FrameDecoder::describeEphemeral(
        QByteArray::fromHex("0108637572736f722f320084b7e487c668"));
    QVERIFY(traced.parsed);
    QVERIFY(traced.entries.first().deleted);

    // A kind the host refuses decodes, but its payload stays unread. (%YJS was one until issue
    // 13; it is served now and tst_yjsviews reads its payloads.)
    LoroProtocolMessage flock = envelope("%FLO", "f", Type::JoinRequest);
    flock.version = QByteArray::fromHex("56455645");
    const FrameDetail refused = FrameDecoder::decode(encode(flock), false, WireProtocol::Loro);
    QVERIFY(refused.loro.decoded);
    QVERIFY(refused.loro.kind.isEmpty());
    QVERIFY(!refused.loro.hasVersion);
    QVERIFY(!refused.loro.hasStateVector);
    QCOMPARE(FrameDecoder::magicDescription("%FLO"), QStringLiteral("Flock document (not served)"));
    QCOMPARE(FrameDecoder::magicDescription("%YJS"), QStringLiteral("Yjs document"));
}

void TestModels::frameDetailViewLoroFields()
{
    using Type = LoroProtocolMessage::Type;
    FrameDetailView view;
    auto fields = [&view] {
        QStringList out;
        for (QTreeWidgetItemIterator it(view.messageTree()); *it; ++it)
            out.append((*it)->text(0) + u'=' + (*it)->text(2));
        return out;
    };
    auto show = [&view](const LoroProtocolMessage &m, const LoroProtocolMessage *header = nullptr) {
        const QByteArray bytes = encode(m);
        view.showFrame(bytes, false, WireProtocol::Loro, bytes.size(), false, header);
    };

    // A fragment names its place in the batch when its header is known.
    const QList<QByteArray> frames = LoroProtocolCodec::encodeUpdate(
        Lor, "big", QByteArray(300000, 'x'), QByteArray::fromHex("cb00000000000011"));
    const auto header = LoroProtocolCodec::decode(frames.at(0));
    const auto second = LoroProtocolCodec::decode(frames.at(2));
    QVERIFY(header && second);
    show(*second, &*header);
    QVERIFY2(fields().contains(QStringLiteral("index=1 — fragment 2 of 2, 293.0 KiB in all")),
        qPrintable(fields().join(u'|')));
    QVERIFY(fields().contains(QStringLiteral("batch id=0xcb00000000000011")));
    show(*second);
    QVERIFY(fields().contains(QStringLiteral("index=1 — its header is no longer in the list")));
    show(*header);
    QVERIFY(fields().contains(QStringLiteral("fragment count=2")));

    // Errors by code name and message; acks by status; a grant's permission and version.
    LoroProtocolMessage room = envelope(Lor, "doc", Type::RoomError);
    room.code = LoroProtocolMessage::RoomEvicted;
    room.message = QStringLiteral("evicted by admin");
    show(room);
    QVERIFY(fields().contains(QStringLiteral("code=evicted (0x02)")));
    QVERIFY(fields().contains(QStringLiteral("message=evicted by admin")));
    LoroProtocolMessage join = envelope(Lor, "doc", Type::JoinError);
    join.code = LoroProtocolMessage::JoinAppError;
    join.message = QStringLiteral("Application specific error");
    join.appCode = QStringLiteral("quota_exceeded");
    show(join);
    QVERIFY(fields().contains(QStringLiteral("code=app_error (0x7f)")));
    QVERIFY(fields().contains(QStringLiteral("appCode=quota_exceeded")));
    LoroProtocolMessage ok = envelope(Lor, "doc", Type::JoinResponseOk);
    ok.permission = QStringLiteral("read");
    ok.version = QByteArray::fromHex("0202020106"); // VV {2:1, 1:3}
    show(ok);
    QVERIFY(fields().contains(QStringLiteral("permission=read")));
    QVERIFY(fields().contains(QStringLiteral("version=5 bytes: version vector of 2 peers")));
    QCOMPARE(view.payloadTree()->topLevelItemCount(), 2);
    LoroProtocolMessage ack = envelope(Lor, "doc", Type::Ack);
    ack.batchId = QByteArray::fromHex("cb00000000000018");
    ack.status = LoroProtocolMessage::AckStatus::InvalidUpdate;
    show(ack);
    QVERIFY(fields().contains(QStringLiteral("status=invalid_update (0x04)")));

    // A frame the codec refuses: its error, and the bytes in the hex view.
    const QByteArray junk = QByteArray::fromHex("25585858");
    view.showFrame(junk, false, WireProtocol::Loro, junk.size(), false);
    QVERIFY2(
        view.statusText().contains(QStringLiteral("not a valid loro-protocol message (truncated")),
        qPrintable(view.statusText()));
    QVERIFY(view.hexText().startsWith(QStringLiteral("00000000  25 58 58 58")));
}

QTEST_MAIN(TestModels)
#include "tst_models.moc"
