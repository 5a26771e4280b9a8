// y-websocket frames (server/protocol/ywebsocket/YWebSocketCodec): the frames of the reference
// trace and the examples of the y-protocols framing as the real y-websocket 3.1.0 and
// @y/websocket-server wrote them (probe output in the protocol notes), where the codec is strict
// (one message a frame, named refusals), the host's own frames, and the route's room rule.
#include "TestBytes.h"
#include "crdt/yjs/AwarenessUpdate.h"
#include "protocol/ywebsocket/YWebSocketCodec.h"
#include "protocol/ywebsocket/YWebSocketRoute.h"

#include <QTest>

using namespace canopy;

using Message = YWebSocketMessage;
using Type = YWebSocketMessage::Type;
using yprotocols::SyncStep;

namespace {

using test::unhex;

} // namespace

class TestYWebSocket final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void decodesRealFrames_data();
    void decodesRealFrames();
    void refusesBadFrames_data();
    void refusesBadFrames();
    void encodesTheHostsFrames();
    void roundTripsAuthOfOtherTypes();
    void roomFromPath_data();
    void roomFromPath();
};

void TestYWebSocket::decodesRealFrames_data()
{
    QTest::addColumn<QByteArray>("frame");
    QTest::addColumn<QString>("label");
    QTest::addColumn<QByteArray>("payload"); // sync data, the awareness update, or the reason

    // The reference server's trace (yws_probe.mjs) and the framing examples.
    QTest::newRow("SyncStep1, empty doc")
        << unhex(u"00000100") << QStringLiteral("syncStep1") << unhex(u"00");
    QTest::newRow("SyncStep1, sv {1:13}")
        << unhex(u"000003 01010d") << QStringLiteral("syncStep1") << unhex(u"01010d");
    QTest::newRow("SyncStep2, empty update")
        << unhex(u"00010200 00") << QStringLiteral("syncStep2") << unhex(u"0000");
    QTest::newRow("Update, insert a")
        << unhex(u"00020b0101010004010174016100") << QStringLiteral("update")
        << unhex(u"0101010004010174016100");
    QTest::newRow("SyncStep2 carrying a delete set")
        << unhex(u"000106000101010101") << QStringLiteral("syncStep2") << unhex(u"000101010101");
    QTest::newRow("awareness {\"n\":1}")
        << unhex(u"010b010101077b226e223a317d") << QStringLiteral("awareness")
        << unhex(u"010101077b226e223a317d");
    QTest::newRow("awareness removal, clock kept") << unhex(u"010801010104"
                                                            "6e756c6c")
                                                   << QStringLiteral("awareness")
                                                   << unhex(u"01010104"
                                                            "6e756c6c");
    QTest::newRow("auth permission denied \"no\"")
        << unhex(u"0200026e6f") << QStringLiteral("auth") << QByteArray("no");
    QTest::newRow("queryAwareness")
        << unhex(u"03") << QStringLiteral("queryAwareness") << QByteArray();
}

void TestYWebSocket::decodesRealFrames()
{
    QFETCH(QByteArray, frame);
    QFETCH(QString, label);
    QFETCH(QByteArray, payload);
    const auto decoded = YWebSocketCodec::decode(frame);
    QVERIFY2(decoded, qPrintable(decoded ? QString() : decoded.error().message));
    QCOMPARE(decoded->label(), label);
    QCOMPARE(YWebSocketCodec::peekLabel(frame), label);
    switch (decoded->type) {
    case Type::Sync:
        QCOMPARE(decoded->sync.data, payload);
        break;
    case Type::Awareness:
        QCOMPARE(decoded->awareness, payload);
        QVERIFY(yjs::decodeAwareness(decoded->awareness)); // a real awareness update inside
        break;
    case Type::Auth:
        QCOMPARE(decoded->authType, Message::PermissionDenied);
        QCOMPARE(decoded->reason, payload);
        break;
    case Type::QueryAwareness:
        break;
    }
    QCOMPARE(YWebSocketCodec::encode(*decoded), frame); // these are written minimally
}

void TestYWebSocket::refusesBadFrames_data()
{
    QTest::addColumn<QByteArray>("frame");
    QTest::addColumn<QString>("reason");

    QTest::newRow("empty") << QByteArray() << QStringLiteral("empty-frame");
    QTest::newRow("type runs out") << unhex(u"80") << QStringLiteral("truncated");
    QTest::newRow("type over 8 bytes")
        << unhex(u"808080808080808001") << QStringLiteral("bad-varint");
    QTest::newRow("unknown type 4") << unhex(u"04") << QStringLiteral("unknown-message-type");
    QTest::newRow("unknown type 127 with payload")
        << unhex(u"7f0001") << QStringLiteral("unknown-message-type");
    QTest::newRow("sync without a step") << unhex(u"00") << QStringLiteral("truncated");
    QTest::newRow("sync step 3") << unhex(u"000300") << QStringLiteral("unknown-sync-step");
    QTest::newRow("sync data past the frame")
        << unhex(u"00020b0101") << QStringLiteral("truncated");
    QTest::newRow("sync then a second message") << unhex(u"00000100"
                                                         "03")
                                                << QStringLiteral("trailing-bytes");
    QTest::newRow("awareness past the frame") << unhex(u"010b0101") << QStringLiteral("truncated");
    QTest::newRow("awareness with trailing bytes")
        << unhex(u"010100ff") << QStringLiteral("trailing-bytes");
    QTest::newRow("auth without a type") << unhex(u"02") << QStringLiteral("truncated");
    QTest::newRow("auth reason past the frame") << unhex(u"020005") << QStringLiteral("truncated");
    QTest::newRow("queryAwareness with a payload")
        << unhex(u"0300") << QStringLiteral("trailing-bytes");
}

void TestYWebSocket::refusesBadFrames()
{
    QFETCH(QByteArray, frame);
    QFETCH(QString, reason);
    const auto decoded = YWebSocketCodec::decode(frame);
    QVERIFY(!decoded);
    QCOMPARE(decoded.error().reason, reason);
    QVERIFY(!decoded.error().message.isEmpty());
}

void TestYWebSocket::encodesTheHostsFrames()
{
    // What the reference server writes for the same messages.
    QCOMPARE(YWebSocketCodec::encodeSync(SyncStep::Step1, unhex(u"010101")),
        unhex(u"0000030101"
              "01"));
    QCOMPARE(YWebSocketCodec::encodeSync(SyncStep::Step2, unhex(u"0000")),
        unhex(u"00010200"
              "00"));
    QCOMPARE(YWebSocketCodec::encodeSync(SyncStep::Update, unhex(u"0101010004010174016100")),
        unhex(u"00020b0101010004010174016100"));
    QCOMPARE(YWebSocketCodec::encodeAwareness(unhex(u"01010104"
                                                    "6e756c6c")),
        unhex(u"010801010104"
              "6e756c6c"));
    QCOMPARE(YWebSocketCodec::encodeAwareness(yjs::encodeAwareness({})), unhex(u"010100"));
    QCOMPARE(YWebSocketCodec::encodePermissionDenied(QStringLiteral("no")), unhex(u"0200026e6f"));
    QCOMPARE(YWebSocketCodec::encodeQueryAwareness(), unhex(u"03"));
    // A payload past 127 bytes takes a two-byte length.
    const QByteArray big(300, 'x');
    const QByteArray frame = YWebSocketCodec::encodeSync(SyncStep::Update, big);
    QCOMPARE(frame.left(4), unhex(u"0002ac02"));
    const auto decoded = YWebSocketCodec::decode(frame);
    QVERIFY(decoded);
    QCOMPARE(decoded->sync.data, big);
    QCOMPARE(YWebSocketCodec::peekLabel(unhex(u"05")), QString());
    QCOMPARE(YWebSocketCodec::peekLabel(unhex(u"0009")), QString());
}

void TestYWebSocket::roundTripsAuthOfOtherTypes()
{
    // No other auth type exists; its bytes are kept as sent (the host ignores client auth).
    const QByteArray frame = unhex(u"0207abcdef");
    const auto decoded = YWebSocketCodec::decode(frame);
    QVERIFY(decoded);
    QCOMPARE(decoded->authType, quint64(7));
    QCOMPARE(decoded->authPayload, unhex(u"abcdef"));
    QCOMPARE(YWebSocketCodec::encode(*decoded), frame);
}

void TestYWebSocket::roomFromPath_data()
{
    QTest::addColumn<QString>("rest"); // what follows /yjs/as/<did>/, as sent
    QTest::addColumn<QString>("room"); // empty: refused

    QTest::newRow("plain") << QStringLiteral("notes") << QStringLiteral("notes");
    QTest::newRow("slashes are part of it")
        << QStringLiteral("team/notes/2024") << QStringLiteral("team/notes/2024");
    QTest::newRow("a space, as the URL writes it")
        << QStringLiteral("my%20notes") << QStringLiteral("my notes");
    QTest::newRow("UTF-8, percent-encoded")
        << QStringLiteral("caf%C3%A9") << QStringLiteral("café");
    QTest::newRow("an escaped slash") << QStringLiteral("a%2Fb") << QStringLiteral("a/b");
    QTest::newRow("decoded once only") << QStringLiteral("a%2520b") << QStringLiteral("a%20b");
    QTest::newRow("256 bytes") << QString(256, u'r') << QString(256, u'r');
    QTest::newRow("256 bytes, escaped")
        << QString(QStringLiteral("%72")).repeated(256) << QString(256, u'r');
    QTest::newRow("empty") << QString() << QString();
    QTest::newRow("257 bytes") << QString(257, u'r') << QString();
    QTest::newRow("257 bytes of UTF-8")
        << QString(QStringLiteral("%C3%A9")).repeated(128) + QLatin1Char('r') << QString();
    QTest::newRow("not UTF-8") << QStringLiteral("%FF%FE") << QString();
    QTest::newRow("a NUL") << QStringLiteral("a%00b") << QString();
}

void TestYWebSocket::roomFromPath()
{
    QFETCH(QString, rest);
    QFETCH(QString, room);
    const auto parsed = YWebSocketRoute::roomFromPath(rest);
    if (room.isEmpty()) {
        QVERIFY2(!parsed, qPrintable(parsed ? *parsed : QString()));
        QVERIFY(!parsed.error().isEmpty());
        return;
    }
    QVERIFY2(parsed, qPrintable(parsed ? QString() : parsed.error()));
    QCOMPARE(*parsed, room);
}

QTEST_GUILESS_MAIN(TestYWebSocket)
#include "tst_ywebsocket.moc"
