// The window's item models against a real in-process host: a QWebSocket client speaks Sync1 to
// it, and every model runs under QAbstractItemModelTester while rows arrive, change and leave.
#include "GuiTestHost.h"
#include "TestClient.h"
#include "admin/AdminService.h"
#include "crdt/loro/LoroBlob.h"
#include "documents/BlocksModel.h"
#include "documents/DocumentsModel.h"
#include "logs/LogFilterModel.h"
#include "logs/LogModel.h"
#include "protocol/sync1/SyncCodec.h"
#include "sessions/BansModel.h"
#include "sessions/SessionsModel.h"
#include "tokens/TokensModel.h"
#include "traffic/FrameDecoder.h"
#include "traffic/MsgpackTree.h"
#include "traffic/TrafficFilterModel.h"
#include "traffic/TrafficModel.h"

#include <QAbstractItemModelTester>
#include <QElapsedTimer>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTest>

using namespace canopy;
using namespace canopy::ui;

namespace {

const QString TestDid = QStringLiteral("did:plc:test");

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
};

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
    QCOMPARE(cell(model, 0, SessionsModel::Subscriptions), QStringLiteral("none"));

    // Subscriptions and traffic have no signal; the once-a-second refresh picks them up.
    const QString entity = GuiTestHost::entityId(1);
    client.subscribe(entity);
    QTRY_COMPARE_WITH_TIMEOUT(cell(model, 0, SessionsModel::Subscriptions), entity, 3000);
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

    const FrameSummary summary = FrameDecoder::summarize(frame, false);
    QCOMPARE(summary.type, QStringLiteral("sendUpdate"));
    QCOMPARE(summary.entityId, entity);

    const FrameDetail detail = FrameDecoder::decode(frame, false);
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
    const FrameDetail detail = FrameDecoder::decode(QByteArray::fromHex("a3616263"), false);
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

QTEST_MAIN(TestModels)
#include "tst_models.moc"
