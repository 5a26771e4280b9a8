// Hocuspocus frames (server/protocol/hocuspocus/HocuspocusCodec): the frames the real
// @hocuspocus/provider 4.8.0, 3.4.4 and @hocuspocus/server 4.7.0 wrote in the protocol probes
// (probe output in the protocol notes), both directions; refusals by name, with what was read of
// the key; the host's own frames; session-aware keys.
#include "TestBytes.h"
#include "protocol/hocuspocus/HocuspocusCodec.h"

#include <QTest>

using namespace canopy;

using Message = HocuspocusMessage;
using Type = HocuspocusMessage::Type;
using AuthType = HocuspocusMessage::AuthType;
using Direction = HocuspocusMessage::Direction;

Q_DECLARE_METATYPE(HocuspocusMessage::Direction)

namespace {

using test::unhex;

// "doc-a" as a varString.
const QByteArray kDocA = unhex(u"05646f632d61");

} // namespace

class TestHocuspocusCodec final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void decodesRealFrames_data();
    void decodesRealFrames();
    void readsAuthFields();
    void refusesBadFrames_data();
    void refusesBadFrames();
    void encodesTheHostsFrames();
    void keepsTrailingBytes();
    void sessionAwareKeys();
};

void TestHocuspocusCodec::decodesRealFrames_data()
{
    QTest::addColumn<QByteArray>("frame");
    QTest::addColumn<Direction>("direction");
    QTest::addColumn<QString>("name");
    QTest::addColumn<QByteArray>("field"); // data, token or text, by type

    const auto row = [](const char *label, const QByteArray &body, Direction direction,
                         const char *name, const QByteArray &field) {
        QTest::newRow(label) << (kDocA + body) << direction << QString::fromLatin1(name) << field;
    };
    const Direction in = Direction::FromProvider;
    const Direction out = Direction::FromServer;
    row("Auth, token good, v4.8.0", unhex(u"0200 04676f6f64 05342e382e30"), in, "auth", "good");
    row("Auth, null token", unhex(u"0200 00 05342e382e30"), in, "auth", "");
    row("Auth from 3.4.4 (no version)", unhex(u"0200 04676f6f64"), in, "auth", "good");
    row("token request", unhex(u"0200"), out, "auth", "");
    row("Authenticated read-write", unhex(u"0202 0a726561642d7772697465"), out, "auth",
        "read-write");
    row("Authenticated readonly", unhex(u"0202 08726561646f6e6c79"), out, "auth", "readonly");
    row("PermissionDenied", unhex(u"0201 117065726d697373696f6e2d64656e696564"), out, "auth",
        "permission-denied");
    row("SyncStep1, empty sv", unhex(u"0000 0100"), in, "syncStep1", unhex(u"00"));
    row("SyncStep1, sv {1:1}", unhex(u"0000 03010101"), out, "syncStep1", unhex(u"010101"));
    row("SyncStep2, empty update", unhex(u"0001 020000"), in, "syncStep2", unhex(u"0000"));
    row("SyncStep2 = C8 U1", unhex(u"0001 0b0101010004010174016100"), out, "syncStep2",
        unhex(u"0101010004010174016100"));
    row("Update", unhex(u"0002 0b0101010004010174016100"), in, "update",
        unhex(u"0101010004010174016100"));
    row("SyncStatus applied", unhex(u"0801"), out, "syncStatus", {});
    row("SyncStatus not applied", unhex(u"0800"), out, "syncStatus", {});
    row("Awareness, 26 bytes",
        unhex(u"01 1a 01 01 01 16 7b2275736572223a7b226e616d65223a22416c227d7d"), in, "awareness",
        unhex(u"010101167b2275736572223a7b226e616d65223a22416c227d7d"));
    row("Awareness removal", unhex(u"01 08 01 03 02 046e756c6c"), in, "awareness",
        unhex(u"010302046e756c6c"));
    row("Stateless hi", unhex(u"05 026869"), in, "stateless", "hi");
    row("Stateless reply:hi", unhex(u"05 087265706c793a6869"), out, "stateless", "reply:hi");
    row("CLOSE from the provider", unhex(u"07"), in, "close", {});
    row("CLOSE provider_initiated", unhex(u"0712") + QByteArray("provider_initiated"), out, "close",
        "provider_initiated");
    row("QueryAwareness", unhex(u"03"), out, "queryAwareness", {});
}

void TestHocuspocusCodec::decodesRealFrames()
{
    QFETCH(QByteArray, frame);
    QFETCH(Direction, direction);
    QFETCH(QString, name);
    QFETCH(QByteArray, field);
    const auto decoded = HocuspocusCodec::decode(frame, direction);
    QVERIFY2(decoded, qPrintable(decoded ? QString() : decoded.error().message));
    QCOMPARE(decoded->key, QByteArray("doc-a"));
    QCOMPARE(decoded->name(), name);
    QCOMPARE(HocuspocusCodec::peekKey(frame), std::optional<QByteArray>("doc-a"));
    switch (decoded->type) {
    case Type::Sync:
    case Type::Awareness:
        QCOMPARE(decoded->data, field);
        break;
    case Type::Auth:
        QCOMPARE(decoded->authType == AuthType::Token && direction == Direction::FromProvider
                ? decoded->token
                : decoded->text,
            field);
        break;
    case Type::Stateless:
    case Type::Close:
        QCOMPARE(decoded->text, field);
        break;
    default:
        break;
    }
    QVERIFY(decoded->trailing.isEmpty());
    QCOMPARE(HocuspocusCodec::encode(*decoded, direction), frame); // written minimally
}

void TestHocuspocusCodec::readsAuthFields()
{
    const auto v4 = HocuspocusCodec::decode(
        QByteArray(kDocA + unhex(u"0200 04676f6f64 05342e382e30")), Direction::FromProvider);
    QVERIFY(v4);
    QVERIFY(v4->hasProviderVersion);
    QCOMPARE(v4->providerVersion, QByteArray("4.8.0"));
    const auto v3 = HocuspocusCodec::decode(
        QByteArray(kDocA + unhex(u"0200 04676f6f64")), Direction::FromProvider);
    QVERIFY(v3);
    QVERIFY(!v3->hasProviderVersion);
    const auto status
        = HocuspocusCodec::decode(QByteArray(kDocA + unhex(u"0801")), Direction::FromServer);
    QVERIFY(status);
    QCOMPARE(status->status, quint64(1));
    const auto ping = HocuspocusCodec::decode(unhex(u"09"), Direction::FromServer);
    QVERIFY(ping && ping->type == Type::Ping && ping->keyless() && ping->key.isEmpty());
    const auto pong = HocuspocusCodec::decode(unhex(u"0a"), Direction::FromProvider);
    QVERIFY(pong && pong->type == Type::Pong);
    QVERIFY(!HocuspocusCodec::peekKey(unhex(u"09")));
    QCOMPARE(HocuspocusCodec::encode(*pong, Direction::FromProvider), unhex(u"0a"));
}

void TestHocuspocusCodec::refusesBadFrames_data()
{
    QTest::addColumn<QByteArray>("frame");
    QTest::addColumn<QString>("reason");
    QTest::addColumn<bool>("keyDecoded");
    QTest::addColumn<int>("type"); // -1: not read
    QTest::addColumn<int>("step"); // -1: not read

    // What server 4.7 closes with 4401: the key does not read.
    QTest::newRow("empty") << QByteArray() << "bad-key" << false << -1 << -1;
    QTest::newRow("ff") << unhex(u"ff") << "bad-key" << false << -1 << -1;
    QTest::newRow("key past the frame") << unhex(u"056162") << "bad-key" << false << -1 << -1;
    QTest::newRow("key length over 8 bytes")
        << unhex(u"808080808080808001") << "bad-key" << false << -1 << -1;
    QTest::newRow("key not UTF-8") << unhex(u"02c3280200") << "bad-key" << false << -1 << -1;
    // The key reads: the document session can be told what went wrong.
    QTest::newRow("no type") << kDocA << "truncated" << true << -1 << -1;
    QTest::newRow("truncated Auth (probe 02 72 31 02)")
        << unhex(u"02723102") << "truncated" << true << 2 << -1;
    QTest::newRow("Auth token past the frame")
        << unhex(u"0272310200056162") << "truncated" << true << 2 << -1;
    QTest::newRow("Auth sub-type 3")
        << kDocA + unhex(u"0203") << "unknown-auth-type" << true << 2 << -1;
    QTest::newRow("sync step 3") << kDocA + unhex(u"000300") << "unknown-sync-step" << true << 0
                                 << 3;
    QTest::newRow("update data past the frame")
        << kDocA + unhex(u"00020b0101") << "truncated" << true << 0 << 2;
    QTest::newRow("sync without a step") << kDocA + unhex(u"00") << "truncated" << true << 0 << -1;
    QTest::newRow("awareness past the frame")
        << kDocA + unhex(u"011a0101") << "truncated" << true << 1 << -1;
    QTest::newRow("stateless past the frame")
        << kDocA + unhex(u"0505") << "truncated" << true << 5 << -1;
    QTest::newRow("SyncReply") << kDocA + unhex(u"04000100") << "server-internal-type" << true << 4
                               << -1;
    QTest::newRow("BroadcastStateless")
        << kDocA + unhex(u"06026869") << "server-internal-type" << true << 6 << -1;
    QTest::newRow("keyed Ping") << kDocA + unhex(u"09") << "keyed-ping" << true << 9 << -1;
    QTest::newRow("type 11") << kDocA + unhex(u"0b") << "unknown-type" << true << 11 << -1;
    QTest::newRow("SyncStatus without status")
        << kDocA + unhex(u"08") << "truncated" << true << 8 << -1;
}

void TestHocuspocusCodec::refusesBadFrames()
{
    QFETCH(QByteArray, frame);
    QFETCH(QString, reason);
    QFETCH(bool, keyDecoded);
    QFETCH(int, type);
    QFETCH(int, step);
    const auto decoded = HocuspocusCodec::decode(frame, Direction::FromProvider);
    QVERIFY(!decoded);
    QCOMPARE(decoded.error().reason, reason);
    QVERIFY(!decoded.error().message.isEmpty());
    QCOMPARE(decoded.error().keyDecoded, keyDecoded);
    QCOMPARE(HocuspocusCodec::peekKey(frame).has_value(), keyDecoded);
    QCOMPARE(decoded.error().type ? int(*decoded.error().type) : -1, type);
    QCOMPARE(decoded.error().syncStep ? int(*decoded.error().syncStep) : -1, step);
}

void TestHocuspocusCodec::encodesTheHostsFrames()
{
    // The server's frames of the probes, byte for byte.
    QCOMPARE(HocuspocusCodec::authenticated("doc-a", "read-write"),
        kDocA + unhex(u"0202 0a726561642d7772697465"));
    QCOMPARE(HocuspocusCodec::authenticated("doc-a", "readonly"),
        kDocA + unhex(u"0202 08726561646f6e6c79"));
    QCOMPARE(HocuspocusCodec::permissionDenied("doc-a", "permission-denied"),
        kDocA + unhex(u"0201 117065726d697373696f6e2d64656e696564"));
    QCOMPARE(HocuspocusCodec::tokenRequest("doc-a"), kDocA + unhex(u"0200"));
    QCOMPARE(HocuspocusCodec::sync("doc-a", 0, unhex(u"00")), kDocA + unhex(u"0000 0100"));
    QCOMPARE(HocuspocusCodec::sync("doc-a", 1, unhex(u"0000")), kDocA + unhex(u"0001 020000"));
    QCOMPARE(HocuspocusCodec::sync("doc-a", 2, unhex(u"0101010004010174016100")),
        kDocA + unhex(u"0002 0b0101010004010174016100"));
    QCOMPARE(HocuspocusCodec::syncStatus("doc-a", true), kDocA + unhex(u"0801"));
    QCOMPARE(HocuspocusCodec::syncStatus("doc-a", false), kDocA + unhex(u"0800"));
    QCOMPARE(
        HocuspocusCodec::stateless("doc-a", "reply:hi"), kDocA + unhex(u"05 087265706c793a6869"));
    QCOMPARE(HocuspocusCodec::close("doc-a", "provider_initiated"),
        kDocA + unhex(u"07 12") + QByteArray("provider_initiated"));
    QCOMPARE(HocuspocusCodec::close("doc-a", "Reset Connection"),
        kDocA + unhex(u"07 10") + QByteArray("Reset Connection"));
    QCOMPARE(HocuspocusCodec::awareness("doc-a", unhex(u"010302046e756c6c")),
        kDocA + unhex(u"01 08 010302046e756c6c"));
    QCOMPARE(HocuspocusCodec::ping(), unhex(u"09"));
    QCOMPARE(HocuspocusCodec::pong(), unhex(u"0a"));
    // The empty name is a varString too.
    QCOMPARE(HocuspocusCodec::syncStatus("", true), unhex(u"00 0801"));
}

void TestHocuspocusCodec::keepsTrailingBytes()
{
    // lib0 readers ignore what follows; a newer provider may add fields. Kept, not lost.
    const QByteArray frame = kDocA + unhex(u"0800 ff");
    const auto decoded = HocuspocusCodec::decode(frame, Direction::FromServer);
    QVERIFY(decoded);
    QCOMPARE(decoded->trailing, unhex(u"ff"));
    QCOMPARE(HocuspocusCodec::encode(*decoded, Direction::FromServer), frame);
    // A provider's CLOSE carries nothing; the server's needs its reason (a provider without one
    // throws and stops reading, H7.4).
    QVERIFY(HocuspocusCodec::decode(QByteArray(kDocA + unhex(u"07")), Direction::FromProvider));
    const auto bare
        = HocuspocusCodec::decode(QByteArray(kDocA + unhex(u"07")), Direction::FromServer);
    QVERIFY(!bare);
    QCOMPARE(bare.error().reason, QStringLiteral("truncated"));
}

void TestHocuspocusCodec::sessionAwareKeys()
{
    // The probe's "doc-s\0sessA": split at the first \0; every reply carries the whole key.
    const QByteArray key("doc-s\0sessA", 11);
    const QByteArray frame = unhex(u"0b646f632d730073657373410200 04676f6f64 05342e382e30");
    const auto decoded = HocuspocusCodec::decode(frame, Direction::FromProvider);
    QVERIFY(decoded);
    QCOMPARE(decoded->key, key);
    QCOMPARE(HocuspocusMessage::documentName(decoded->key), QByteArray("doc-s"));
    QCOMPARE(HocuspocusMessage::documentName(QByteArray("a\0b\0c", 5)), QByteArray("a"));
    QCOMPARE(HocuspocusMessage::documentName("plain"), QByteArray("plain"));
    QCOMPARE(HocuspocusCodec::syncStatus(key, true), unhex(u"0b646f632d7300736573734108 01"));
    // A frame forwarded under the plain name, re-keyed for the session.
    const QByteArray forwarded = HocuspocusCodec::sync("doc-s", 2, unhex(u"0000"));
    QCOMPARE(HocuspocusCodec::rekey(forwarded, key), HocuspocusCodec::sync(key, 2, unhex(u"0000")));
}

QTEST_GUILESS_MAIN(TestHocuspocusCodec)
#include "tst_hocuspocuscodec.moc"
