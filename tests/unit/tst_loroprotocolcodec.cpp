// loro-protocol v1 frames as the real loro-protocol 0.3.0 encoder writes them
// (tests/interop/fixtures/loro-protocol-frames.mjs), the places where Canopy is deliberately
// stricter than its decoder, and the host's own fragmentation (encodeUpdate).
#include "TestBytes.h"
#include "protocol/loro/LoroProtocolCodec.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

using namespace canopy;

using Message = LoroProtocolMessage;
using Type = LoroProtocolMessage::Type;
using Code = LoroProtocolError::Code;

Q_DECLARE_METATYPE(LoroProtocolError::Code)

namespace {

using test::unhex;
const auto varUint = test::leb;

QString hexOf(const QByteArray &bytes)
{
    return QString::fromLatin1(bytes.toHex());
}

// A decoded message in the fixture's JSON form (what describeMessage writes on the JS side).
QJsonObject describe(const Message &m)
{
    QJsonObject o {{QStringLiteral("magic"), QString::fromLatin1(m.magic)},
        {QStringLiteral("roomId"), hexOf(m.roomId)}, {QStringLiteral("type"), int(m.type)}};
    switch (m.type) {
    case Type::JoinRequest:
        o.insert(QStringLiteral("auth"), hexOf(m.auth));
        o.insert(QStringLiteral("version"), hexOf(m.version));
        break;
    case Type::JoinResponseOk:
        o.insert(QStringLiteral("permission"), m.permission);
        o.insert(QStringLiteral("version"), hexOf(m.version));
        o.insert(QStringLiteral("extra"), hexOf(m.extra));
        break;
    case Type::JoinError:
        o.insert(QStringLiteral("code"), int(m.code));
        o.insert(QStringLiteral("message"), m.message);
        o.insert(QStringLiteral("receiverVersion"),
            m.code == Message::JoinVersionUnknown ? QJsonValue(hexOf(m.receiverVersion))
                                                  : QJsonValue(QJsonValue::Null));
        o.insert(QStringLiteral("appCode"),
            m.appCode.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(m.appCode));
        break;
    case Type::DocUpdate: {
        QJsonArray updates;
        for (const QByteArray &update : m.updates)
            updates.append(hexOf(update));
        o.insert(QStringLiteral("updates"), updates);
        o.insert(QStringLiteral("batchId"), hexOf(m.batchId));
        break;
    }
    case Type::FragmentHeader:
        o.insert(QStringLiteral("batchId"), hexOf(m.batchId));
        o.insert(QStringLiteral("fragmentCount"), double(m.fragmentCount));
        o.insert(QStringLiteral("totalSize"), double(m.totalSize));
        break;
    case Type::Fragment:
        o.insert(QStringLiteral("batchId"), hexOf(m.batchId));
        o.insert(QStringLiteral("index"), double(m.index));
        o.insert(QStringLiteral("fragment"), hexOf(m.fragment));
        break;
    case Type::RoomError:
        o.insert(QStringLiteral("code"), int(m.code));
        o.insert(QStringLiteral("message"), m.message);
        break;
    case Type::Leave:
        break;
    case Type::Ack:
        o.insert(QStringLiteral("batchId"), hexOf(m.batchId));
        o.insert(QStringLiteral("status"), int(m.status));
        break;
    }
    return o;
}

QByteArray json(const QJsonObject &o)
{
    return QJsonDocument(o).toJson(QJsonDocument::Compact);
}

// The fields that a type does not carry must stay empty.
bool unusedFieldsEmpty(const Message &m)
{
    const bool join = m.type == Type::JoinRequest;
    const bool ok = m.type == Type::JoinResponseOk;
    const bool error = m.type == Type::JoinError;
    const bool update = m.type == Type::DocUpdate;
    const bool header = m.type == Type::FragmentHeader;
    const bool fragment = m.type == Type::Fragment;
    const bool room = m.type == Type::RoomError;
    const bool ack = m.type == Type::Ack;
    return (join || m.auth.isEmpty()) && (join || ok || m.version.isEmpty())
        && (ok || m.permission.isEmpty()) && (ok || m.extra.isEmpty())
        && (error || room || (m.code == 0 && m.message.isEmpty()))
        && (error || (m.receiverVersion.isEmpty() && m.appCode.isEmpty()))
        && (update || m.updates.isEmpty())
        && (update || header || fragment || ack || m.batchId.isEmpty())
        && (header || (m.fragmentCount == 0 && m.totalSize == 0))
        && (fragment || (m.index == 0 && m.fragment.isEmpty()))
        && (ack || m.status == Message::AckStatus::Ok);
}

QByteArray envelope(const QByteArray &magic, const QByteArray &room, quint8 type)
{
    return magic + varUint(quint64(room.size())) + room + char(type);
}

const QByteArray Lor = QByteArrayLiteral("%LOR");
const QByteArray Doc = QByteArrayLiteral("doc");
const QByteArray Batch = QByteArray::fromHex("cb00000000000011");

} // namespace

class TestLoroProtocolCodec final : public QObject
{
    Q_OBJECT

private:
    QJsonObject m_manifest;

    QJsonArray frames() const { return m_manifest.value(QStringLiteral("frames")).toArray(); }

    QJsonObject frameCase(const QString &name) const
    {
        for (const QJsonValue &value : frames()) {
            if (value.toObject().value(QStringLiteral("name")).toString() == name)
                return value.toObject();
        }
        return {};
    }

    QByteArray frame(const QString &name) const
    {
        const QJsonObject c = frameCase(name);
        if (c.isEmpty())
            qFatal("no fixture frame %s", qPrintable(name));
        return unhex(c.value(QStringLiteral("hex")).toString());
    }

    static QJsonObject expected(const QJsonObject &c)
    {
        QJsonObject expect = c.value(QStringLiteral("expect")).toObject();
        // Canopy holds no "absent" receiverVersion: a version_unknown without one reads as an
        // empty one (what loro-protocol reads from the 00 that Canopy's encoder writes).
        if (expect.value(QStringLiteral("type")).toInt() == int(Type::JoinError)
            && expect.value(QStringLiteral("code")).toInt() == Message::JoinVersionUnknown
            && expect.value(QStringLiteral("receiverVersion")).isNull())
            expect.insert(QStringLiteral("receiverVersion"), QString());
        return expect;
    }

    static Message decodeOk(const QByteArray &bytes)
    {
        auto decoded = LoroProtocolCodec::decode(bytes);
        if (!decoded) {
            qWarning("decode failed: %s", qPrintable(decoded.error().message));
            return Message {QByteArrayLiteral("FAIL")};
        }
        return *decoded;
    }

    static void expectError(const QByteArray &bytes, Code code)
    {
        const auto decoded = LoroProtocolCodec::decode(bytes);
        QVERIFY2(!decoded.has_value(),
            qPrintable(QStringLiteral("%1 decoded").arg(QString::fromLatin1(bytes.toHex()))));
        QCOMPARE(
            LoroProtocolError::codeName(decoded.error().code), LoroProtocolError::codeName(code));
        QVERIFY(!decoded.error().message.isEmpty());
    }

private Q_SLOTS:
    void initTestCase()
    {
        const QString dir = qEnvironmentVariable("CANOPY_FIXTURES");
        if (dir.isEmpty())
            QFAIL("CANOPY_FIXTURES is not set: run through ctest, which generates the fixtures");
        QFile file(QDir(dir).filePath(QStringLiteral("loro-protocol/manifest.json")));
        QVERIFY2(file.open(QIODevice::ReadOnly), "loro-protocol/manifest.json is missing");
        m_manifest = QJsonDocument::fromJson(file.readAll()).object();
        QVERIFY2(frames().size() >= 50, "loro-protocol/manifest.json holds too few frames");
    }

    // ---- frames the real encoder wrote --------------------------------------------------------

    void decodesWhatLoroProtocolEncoded_data()
    {
        QTest::addColumn<QByteArray>("bytes");
        QTest::addColumn<QJsonObject>("expect");
        for (const QJsonValue &value : frames()) {
            const QJsonObject c = value.toObject();
            QTest::newRow(qPrintable(c.value(QStringLiteral("name")).toString()))
                << unhex(c.value(QStringLiteral("hex")).toString()) << expected(c);
        }
    }

    void decodesWhatLoroProtocolEncoded()
    {
        QFETCH(QByteArray, bytes);
        QFETCH(QJsonObject, expect);
        const auto decoded = LoroProtocolCodec::decode(bytes);
        QVERIFY2(decoded.has_value(), qPrintable(decoded ? QString() : decoded.error().message));
        QCOMPARE(json(describe(*decoded)), json(expect));
        QVERIFY(unusedFieldsEmpty(*decoded));
        QCOMPARE(decoded->magic.size(), 4);
        if (decoded->type == Type::DocUpdate || decoded->type == Type::FragmentHeader
            || decoded->type == Type::Fragment || decoded->type == Type::Ack)
            QCOMPARE(decoded->batchId.size(), Message::BatchIdBytes);
    }

    void encodeReproducesTheBytes_data()
    {
        QTest::addColumn<QByteArray>("bytes");
        QTest::addColumn<QByteArray>("reencoded");
        for (const QJsonValue &value : frames()) {
            const QJsonObject c = value.toObject();
            const QByteArray bytes = unhex(c.value(QStringLiteral("hex")).toString());
            // Only join-error-version-unknown-absent: the re-encoding carries an empty
            // receiverVersion (00), made by loro-protocol's encoder from the same fields.
            const QString reencoded = c.value(QStringLiteral("reencoded")).toString();
            QTest::newRow(qPrintable(c.value(QStringLiteral("name")).toString()))
                << bytes << (reencoded.isEmpty() ? bytes : unhex(reencoded));
        }
    }

    void encodeReproducesTheBytes()
    {
        QFETCH(QByteArray, bytes);
        QFETCH(QByteArray, reencoded);
        const Message m = decodeOk(bytes);
        QVERIFY(m.magic != "FAIL");
        const QByteArray encoded = LoroProtocolCodec::encode(m);
        QCOMPARE(encoded.toHex(), reencoded.toHex());
        QCOMPARE(json(describe(decodeOk(encoded))), json(describe(m)));
    }

    void fixturesCoverEveryTypeMagicAndStatus()
    {
        QSet<int> types;
        QSet<QByteArray> magics;
        QSet<int> statuses;
        QSet<int> joinCodes;
        for (const QJsonValue &value : frames()) {
            const Message m
                = decodeOk(unhex(value.toObject().value(QStringLiteral("hex")).toString()));
            types.insert(int(m.type));
            magics.insert(m.magic);
            if (m.type == Type::Ack)
                statuses.insert(int(m.status));
            if (m.type == Type::JoinError)
                joinCodes.insert(m.code);
        }
        QCOMPARE(types.size(), 9);
        for (const char *magic : {"%LOR", "%EPH", "%EPS", "%YJS", "%YAW", "%ELO", "%FLO"})
            QVERIFY2(magics.contains(magic), magic);
        QCOMPARE(statuses, (QSet<int> {0, 1, 3, 4, 5, 6, 7, 0x7f}));
        QCOMPARE(joinCodes, (QSet<int> {0, 1, 2, 0x7f}));
    }

    void probeFramesOfTheSpec()
    {
        // loro-protocol.md §2.1, §2.5, §2.7, §2.11, §2.13: the same bytes from the same fields.
        QCOMPARE(frame(QStringLiteral("join-request")).toHex(),
            QByteArray("254c4f5203646f630006746f6b2d63310100"));
        QCOMPARE(frame(QStringLiteral("fragment-header")).toHex(),
            QByteArray("254c4f520362696704cb0000000000001102bea812"));
        QCOMPARE(frame(QStringLiteral("join-error-auth")).toHex(),
            QByteArray("254c4f5203646f63020215") + QByteArray("Authentication failed").toHex());
        QCOMPARE(
            frame(QStringLiteral("leave-eps")).toHex(), QByteArray("254550530873657474696e677307"));
        const Message m = decodeOk(frame(QStringLiteral("join-error-app")));
        QCOMPARE(m.appCode, QStringLiteral("quota_exceeded"));
        QCOMPARE(m.message, QStringLiteral("Application specific error"));
    }

    void utf8AndLimitSizedRoomIds()
    {
        const Message wide = decodeOk(frame(QStringLiteral("join-request-room-128-utf8")));
        QCOMPARE(wide.roomId.size(), Message::MaxRoomIdBytes);
        QCOMPARE(QString::fromUtf8(wide.roomId), QString(42, QChar(0x20ac)) + u"ab");
        const Message ascii = decodeOk(frame(QStringLiteral("join-request-room-128")));
        QCOMPARE(ascii.roomId, QByteArray(128, 'r'));
        const Message mixed = decodeOk(frame(QStringLiteral("join-request-room-utf8")));
        QCOMPARE(QString::fromUtf8(mixed.roomId), QStringLiteral("café ☕ 日本語 🌳"));
        QCOMPARE(decodeOk(frame(QStringLiteral("join-request-room-empty"))).roomId, QByteArray());
    }

    void twoByteLengthAndSeveralUpdates()
    {
        const QByteArray bytes = frame(QStringLiteral("doc-update-leb2"));
        const Message m = decodeOk(bytes);
        QCOMPARE(m.updates.size(), 1);
        QVERIFY(m.updates.first().size() >= 128);
        // envelope (9 bytes), count 01, then a two-byte length.
        QVERIFY(quint8(bytes[10]) & 0x80);
        QVERIFY(!(quint8(bytes[11]) & 0x80));
        const Message several = decodeOk(frame(QStringLiteral("doc-update-several")));
        QCOMPARE(several.updates.size(), 4);
        QVERIFY(several.updates.last().isEmpty());
        QCOMPARE(several.batchId, QByteArray(8, '\xff'));
        QCOMPARE(decodeOk(frame(QStringLiteral("doc-update-none"))).updates.size(), 0);
        const Message max = decodeOk(frame(QStringLiteral("fragment-header-max")));
        QCOMPARE(max.fragmentCount, 0xffffffffU);
    }

    // ---- refusals -------------------------------------------------------------------------------

    void everyTruncationFails_data()
    {
        QTest::addColumn<QString>("name");
        for (const char *name : {"join-request", "join-request-vv", "join-request-room-utf8",
                 "join-ok-read", "join-ok-extra", "join-error-unknown",
                 "join-error-version-unknown", "join-error-app", "doc-update-none",
                 "doc-update-several", "doc-update-leb2", "fragment-header", "fragment-header-max",
                 "fragment", "room-error-evicted", "leave-lor", "ack-0", "ack-127"})
            QTest::newRow(name) << QString::fromLatin1(name);
    }

    // Every prefix fails as Truncated, except where the type ends in an optional field: a
    // JoinError whose receiverVersion or appCode is cut off entirely is a JoinError without it.
    void everyTruncationFails()
    {
        QFETCH(QString, name);
        const QByteArray bytes = frame(name);
        const Message full = decodeOk(bytes);
        qsizetype optionalTail = -1;
        if (full.type == Type::JoinError && full.code == Message::JoinVersionUnknown)
            optionalTail = varUint(quint64(full.receiverVersion.size())).size()
                + full.receiverVersion.size();
        if (full.type == Type::JoinError && !full.appCode.isEmpty())
            optionalTail = varUint(quint64(full.appCode.toUtf8().size())).size()
                + full.appCode.toUtf8().size();
        for (qsizetype n = 0; n < bytes.size(); ++n) {
            const QByteArrayView prefix = QByteArrayView(bytes).first(n);
            if (n == bytes.size() - optionalTail) {
                const auto shorter = LoroProtocolCodec::decode(prefix);
                QVERIFY2(shorter.has_value(), qPrintable(QStringLiteral("prefix %1").arg(n)));
                QCOMPARE(shorter->message, full.message);
                QVERIFY(shorter->receiverVersion.isEmpty() && shorter->appCode.isEmpty());
                continue;
            }
            const auto decoded = LoroProtocolCodec::decode(prefix);
            QVERIFY2(!decoded.has_value(), qPrintable(QStringLiteral("prefix %1 decoded").arg(n)));
            QCOMPARE(LoroProtocolError::codeName(decoded.error().code),
                LoroProtocolError::codeName(Code::Truncated));
        }
    }

    void corruptionsNeverCrash()
    {
        for (const QJsonValue &value : frames()) {
            const QByteArray bytes
                = unhex(value.toObject().value(QStringLiteral("hex")).toString());
            for (qsizetype i = 0; i < std::min<qsizetype>(bytes.size(), 64); ++i) {
                for (const char mask : {'\xff', '\x80', '\x01'}) {
                    QByteArray corrupt = bytes;
                    corrupt[i] = char(corrupt[i] ^ mask);
                    const auto decoded = LoroProtocolCodec::decode(corrupt);
                    if (!decoded) {
                        QVERIFY(!decoded.error().message.isEmpty());
                        continue;
                    }
                    // Whatever decodes survives encode -> decode.
                    QCOMPARE(json(describe(decodeOk(LoroProtocolCodec::encode(*decoded)))),
                        json(describe(*decoded)));
                }
            }
        }
    }

    void badVarUints_data()
    {
        QTest::addColumn<QByteArray>("bytes");
        QTest::addColumn<Code>("code");
        const QByteArray six = QByteArray::fromHex("808080808000");
        const QByteArray five = QByteArray::fromHex("8080808080"); // a 5th byte that continues
        const QByteArray twoTo32 = QByteArray::fromHex("8080808010");
        const QByteArray top = QByteArray::fromHex("ffffffff7f"); // 2^35-1, JS reads garbage
        QTest::newRow("room length, 6 bytes") << Lor + six + "doc" << Code::BadVarUint;
        QTest::newRow("room length, 5 bytes continuing") << Lor + five
                + QByteArrayLiteral("\x00"
                                    "doc") << Code::BadVarUint;
        QTest::newRow("room length, 2^32") << Lor + twoTo32 << Code::BadVarUint;
        const QByteArray header = envelope(Lor, Doc, 0x04) + Batch;
        QTest::newRow("fragment count, 6 bytes") << header + six + "\x01" << Code::BadVarUint;
        QTest::newRow("fragment count, 2^32") << header + twoTo32 + "\x01" << Code::BadVarUint;
        QTest::newRow("total size, 2^35-1") << header + "\x01" + top << Code::BadVarUint;
        QTest::newRow("update count, 6 bytes")
            << envelope(Lor, Doc, 0x03) + six + Batch << Code::BadVarUint;
        QTest::newRow("update length, 2^32")
            << envelope(Lor, Doc, 0x03) + "\x01" + twoTo32 + Batch << Code::BadVarUint;
        QTest::newRow("fragment index, 6 bytes") << envelope(Lor, Doc, 0x05) + Batch + six
                + QByteArrayLiteral("\x00") << Code::BadVarUint;
        QTest::newRow("auth length, 2^32")
            << envelope(Lor, Doc, 0x00) + twoTo32 + QByteArrayLiteral("\x00") << Code::BadVarUint;
        QTest::newRow("message length, 6 bytes")
            << envelope(Lor, Doc, 0x06) + "\x02" + six << Code::BadVarUint;
    }

    void badVarUints()
    {
        QFETCH(QByteArray, bytes);
        QFETCH(Code, code);
        expectError(bytes, code);
    }

    void varUintLimitsAccepted()
    {
        // 2^32-1 in five bytes, and a non-minimal zero (loro-protocol reads both).
        const QByteArray header = envelope(Lor, Doc, 0x04) + Batch;
        const Message max = decodeOk(header + QByteArray::fromHex("ffffffff0f") + "\x05");
        QCOMPARE(max.fragmentCount, 0xffffffffU);
        QCOMPARE(max.totalSize, 5U);
        const Message padded = decodeOk(Lor + QByteArray::fromHex("8080808000") + "\x07");
        QCOMPARE(padded.type, Type::Leave);
        QCOMPARE(padded.roomId, QByteArray());
        QCOMPARE(LoroProtocolCodec::encode(padded).toHex(), QByteArray("254c4f520007"));
    }

    void roomIdLimit()
    {
        expectError(envelope(Lor, QByteArray(129, 'r'), 0x07), Code::RoomIdTooLong);
        expectError(envelope(Lor, QByteArray(129, 'r'), 0x00) + QByteArrayLiteral("\x00\x00"),
            Code::RoomIdTooLong);
        // Refused on the length alone, before the bytes are there.
        expectError(Lor + varUint(0xffffffffULL), Code::RoomIdTooLong);
        expectError(Lor + varUint(129), Code::RoomIdTooLong);
        QCOMPARE(decodeOk(envelope(Lor, QByteArray(128, 'r'), 0x07)).roomId.size(), 128);
    }

    void badUtf8_data()
    {
        QTest::addColumn<QByteArray>("text");
        QTest::newRow("lone continuation") << QByteArray("a\x80z");
        QTest::newRow("0xff") << QByteArray("\xff");
        QTest::newRow("overlong slash") << QByteArray("\xc0\xaf");
        QTest::newRow("overlong nul") << QByteArray("\xe0\x80\x80");
        QTest::newRow("surrogate") << QByteArray("\xed\xa0\x80");
        QTest::newRow("cut sequence") << QByteArray("ab\xe2\x82");
        QTest::newRow("above U+10FFFF") << QByteArray("\xf4\x90\x80\x80");
    }

    void badUtf8()
    {
        QFETCH(QByteArray, text);
        expectError(envelope(Lor, text, 0x07), Code::BadUtf8);
        const QByteArray string = varUint(quint64(text.size())) + text;
        expectError(envelope(Lor, Doc, 0x06) + "\x02" + string, Code::BadUtf8);
        expectError(envelope(Lor, Doc, 0x02) + QByteArrayLiteral("\x00") + string, Code::BadUtf8);
        expectError(envelope(Lor, Doc, 0x02) + QByteArrayLiteral("\x7f\x00") + string,
            Code::BadUtf8); // appCode
        expectError(
            envelope(Lor, Doc, 0x01) + string + QByteArrayLiteral("\x00\x00"), Code::BadUtf8);
    }

    void permissionIsReadOrWrite()
    {
        for (const QByteArray &permission :
            {QByteArray("admin"), QByteArray("Write"), QByteArray(), QByteArray("read ")}) {
            expectError(envelope(Lor, Doc, 0x01) + varUint(quint64(permission.size())) + permission
                    + QByteArrayLiteral("\x00\x00"),
                Code::BadPermission);
        }
        // JoinResponseOk needs its extra field (as the TS decoder).
        expectError(envelope(Lor, Doc, 0x01)
                + QByteArrayLiteral("\x04"
                                    "read\x00"),
            Code::Truncated);
    }

    void unknownTypes()
    {
        for (int type : {0x09, 0x10, 0x7f, 0x80, 0xff})
            expectError(envelope(Lor, Doc, quint8(type)) + QByteArray(16, '\0'), Code::UnknownType);
    }

    void trailingBytesRefusedForClosedTypes_data()
    {
        QTest::addColumn<QString>("name");
        for (const char *name : {"doc-update-none", "doc-update-one", "doc-update-several",
                 "fragment-header", "fragment", "fragment-empty", "ack-0", "ack-4"})
            QTest::newRow(name) << QString::fromLatin1(name);
    }

    void trailingBytesRefusedForClosedTypes()
    {
        QFETCH(QString, name);
        const QByteArray bytes = frame(name);
        expectError(bytes + '\x00', Code::TrailingBytes);
        expectError(bytes + QByteArray(9, '\x01'), Code::TrailingBytes);
    }

    void trailingBytesIgnoredForOpenTypes_data()
    {
        QTest::addColumn<QString>("name");
        for (const char *name : {"join-request", "join-request-empty", "join-ok-read",
                 "join-ok-write", "join-error-unknown", "join-error-auth", "join-error-app",
                 "join-error-version-unknown", "room-error-evicted", "leave-lor", "leave-elo"})
            QTest::newRow(name) << QString::fromLatin1(name);
    }

    void trailingBytesIgnoredForOpenTypes()
    {
        QFETCH(QString, name);
        const QByteArray bytes = frame(name);
        const Message plain = decodeOk(bytes);
        for (const QByteArray &tail : {QByteArray(1, '\x00'), QByteArray("\x05junk!\x00\xff", 8)}) {
            const auto decoded = LoroProtocolCodec::decode(QByteArray(bytes + tail));
            QVERIFY2(
                decoded.has_value(), qPrintable(decoded ? QString() : decoded.error().message));
            QCOMPARE(json(describe(*decoded)), json(describe(plain)));
            QCOMPARE(LoroProtocolCodec::encode(*decoded).toHex(), bytes.toHex());
        }
    }

    void joinErrorOptionalFields()
    {
        // Bytes after the message of a code without optional field are ignored (as in JS).
        const QByteArray auth = envelope(Lor, Doc, 0x02)
            + "\x02\x03"
              "bad"
              "\x02"
              "xy";
        const Message m = decodeOk(auth);
        QCOMPARE(m.code, quint8(2));
        QVERIFY(m.receiverVersion.isEmpty() && m.appCode.isEmpty());
        // A version_unknown's receiverVersion that runs past the frame is truncated.
        expectError(
            envelope(Lor, Doc, 0x02) + QByteArrayLiteral("\x01\x00\x05\x01"), Code::Truncated);
        // Unknown codes keep their byte (loro-protocol would call them 00).
        QCOMPARE(
            decodeOk(envelope(Lor, Doc, 0x02) + QByteArrayLiteral("\x42\x00")).code, quint8(0x42));
        // An explicitly empty appCode reads as none; re-encoded without it, it still decodes the
        // same.
        const Message app = decodeOk(envelope(Lor, Doc, 0x02) + QByteArrayLiteral("\x7f\x01x\x00"));
        QVERIFY(app.appCode.isEmpty());
        QCOMPARE(json(describe(decodeOk(LoroProtocolCodec::encode(app)))), json(describe(app)));
    }

    void structuralRefusals()
    {
        expectError({}, Code::Truncated);
        expectError("%LO", Code::Truncated);
        expectError("%LOR", Code::Truncated);
        expectError(Lor
                + "\x03"
                  "doc",
            Code::Truncated); // no type byte
        // A count that cannot fit the bytes left.
        expectError(envelope(Lor, Doc, 0x03) + varUint(1000) + Batch, Code::Truncated);
        expectError(envelope(Lor, Doc, 0x03) + varUint(0xffffffffULL) + Batch, Code::Truncated);
        // A batch id of 7 bytes.
        expectError(
            envelope(Lor, Doc, 0x03) + QByteArrayLiteral("\x00") + Batch.left(7), Code::Truncated);
        expectError(envelope(Lor, Doc, 0x08) + Batch, Code::Truncated); // Ack without status
        expectError(envelope(Lor, Doc, 0x05) + Batch
                + QByteArrayLiteral("\x00\x05"
                                    "abc"),
            Code::Truncated);
    }

    void anyMagicDecodes()
    {
        for (const QByteArray &magic :
            {QByteArray("XXXX"), QByteArray("%lor"), QByteArray("\x00\x00\x00\x00", 4),
                QByteArray("\xff\xfe\xfd\xfc"), QByteArray("LRSP")}) {
            const QByteArray bytes = envelope(magic, Doc, 0x08) + Batch + '\x04';
            const Message m = decodeOk(bytes);
            QCOMPARE(m.magic, magic);
            QCOMPARE(m.type, Type::Ack);
            QCOMPARE(m.status, Message::AckStatus::InvalidUpdate);
            QCOMPARE(LoroProtocolCodec::encode(m).toHex(), bytes.toHex());
        }
        // An undefined Ack status keeps its byte.
        const Message odd = decodeOk(envelope(Lor, Doc, 0x08) + Batch + '\x02');
        QCOMPARE(quint8(odd.status), quint8(2));
        QCOMPARE(Message::statusName(odd.status), QStringLiteral("unknown"));
    }

    void names()
    {
        QCOMPARE(Message::typeName(Type::JoinRequest), QStringLiteral("joinRequest"));
        QCOMPARE(Message::typeName(Type::Ack), QStringLiteral("ack"));
        QCOMPARE(Message::statusName(Message::AckStatus::PermissionDenied),
            QStringLiteral("permission_denied"));
        QCOMPARE(Message::statusName(Message::AckStatus::FragmentTimeout),
            QStringLiteral("fragment_timeout"));
        QCOMPARE(LoroProtocolError::codeName(Code::BadVarUint), QStringLiteral("bad-varuint"));
        QCOMPARE(
            LoroProtocolError::codeName(Code::TrailingBytes), QStringLiteral("trailing-bytes"));
    }

    // ---- peekEnvelope ---------------------------------------------------------------------------

    void peekAgreesWithDecode()
    {
        for (const QJsonValue &value : frames()) {
            const QByteArray bytes
                = unhex(value.toObject().value(QStringLiteral("hex")).toString());
            const Message m = decodeOk(bytes);
            QByteArray magic;
            quint8 type = 0xee;
            QVERIFY(LoroProtocolCodec::peekEnvelope(bytes, &magic, &type));
            QCOMPARE(magic, m.magic);
            QCOMPARE(type, quint8(m.type));
            // The envelope alone is enough.
            const qsizetype envelopeSize
                = 4 + varUint(quint64(m.roomId.size())).size() + m.roomId.size() + 1;
            QVERIFY(LoroProtocolCodec::peekEnvelope(
                QByteArrayView(bytes).first(envelopeSize), &magic, &type));
            QCOMPARE(type, quint8(m.type));
            for (qsizetype n = 0; n < envelopeSize; ++n) {
                QByteArray untouched = "untouched";
                QVERIFY(!LoroProtocolCodec::peekEnvelope(
                    QByteArrayView(bytes).first(n), &untouched, &type));
                QCOMPARE(untouched, QByteArray("untouched"));
            }
        }
        QByteArray magic;
        quint8 type = 0;
        QVERIFY(!LoroProtocolCodec::peekEnvelope(
            envelope(Lor, QByteArray(129, 'r'), 0x07), &magic, &type));
        QVERIFY(!LoroProtocolCodec::peekEnvelope(
            QByteArray(Lor + QByteArray::fromHex("808080808000") + "\x07"), &magic, &type));
        // The type byte is reported as it is, even one decode refuses.
        QVERIFY(LoroProtocolCodec::peekEnvelope(envelope("%ELO", Doc, 0x09), &magic, &type));
        QCOMPARE(magic, QByteArray("%ELO"));
        QCOMPARE(type, quint8(0x09));
    }

    // ---- encodeUpdate ---------------------------------------------------------------------------

    void encodeUpdateFits()
    {
        const QByteArray payload(100 * 1024, 'p');
        const QList<QByteArray> frames = LoroProtocolCodec::encodeUpdate(Lor, Doc, payload, Batch);
        QCOMPARE(frames.size(), 1);
        const Message m = decodeOk(frames.first());
        QCOMPARE(m.type, Type::DocUpdate);
        QCOMPARE(m.magic, Lor);
        QCOMPARE(m.roomId, Doc);
        QCOMPARE(m.updates, QList<QByteArray> {payload});
        QCOMPARE(m.batchId, Batch);

        // The largest update that still goes whole, and an empty one.
        const qsizetype envelopeSize = 4 + 1 + Doc.size() + 1;
        const qsizetype largest = Message::MaxMessageBytes - envelopeSize - 1 - 5 - 8;
        const QList<QByteArray> whole
            = LoroProtocolCodec::encodeUpdate(Lor, Doc, QByteArray(largest, 'w'), Batch);
        QCOMPARE(whole.size(), 1);
        QVERIFY(whole.first().size() <= Message::MaxMessageBytes);
        QCOMPARE(decodeOk(whole.first()).updates.first().size(), largest);
        const QList<QByteArray> empty = LoroProtocolCodec::encodeUpdate(Lor, Doc, {}, Batch);
        QCOMPARE(empty.size(), 1);
        QCOMPARE(empty.first().toHex(),
            QByteArray(envelope(Lor, Doc, 0x03) + QByteArrayLiteral("\x01\x00") + Batch).toHex());
    }

    void encodeUpdateFragments()
    {
        const QByteArray room = QByteArrayLiteral("big");
        QByteArray payload(600 * 1024, Qt::Uninitialized);
        for (qsizetype i = 0; i < payload.size(); ++i)
            payload[i] = char((i * 131 + i / 977) & 0xff);
        const QList<QByteArray> frames = LoroProtocolCodec::encodeUpdate(Lor, room, payload, Batch);
        QCOMPARE(frames.size(), 4);
        const Message header = decodeOk(frames.first());
        QCOMPARE(header.type, Type::FragmentHeader);
        QCOMPARE(header.fragmentCount, 3U);
        QCOMPARE(header.totalSize, quint32(payload.size()));
        QByteArray joined;
        for (qsizetype i = 0; i < frames.size(); ++i) {
            QVERIFY2(frames[i].size() <= Message::MaxMessageBytes,
                qPrintable(QStringLiteral("frame %1 is %2 bytes").arg(i).arg(frames[i].size())));
            const Message m = decodeOk(frames[i]);
            QCOMPARE(m.magic, Lor);
            QCOMPARE(m.roomId, room);
            QCOMPARE(m.batchId, Batch);
            if (i == 0)
                continue;
            QCOMPARE(m.type, Type::Fragment);
            QCOMPARE(m.index, quint32(i - 1));
            QCOMPARE(m.fragment.size(), i < 3 ? Message::FragmentBytes : 600 * 1024 - 2 * 245760);
            joined += m.fragment;
        }
        QCOMPARE(Message::FragmentBytes, 245760);
        QVERIFY(joined == payload);
        // The client's split of loro-protocol.md §2.5: a 245781-byte first fragment.
        QCOMPARE(frames[1].size(), 245781);
        QCOMPARE(frames[1].left(21).toHex(),
            QByteArray("254c4f52036269670"
                       "5cb000000000000110080800f"));
    }

    void encodeUpdateMatchesTheClientsSplit()
    {
        // loro-protocol.md §2.5: a 300094-byte blob for room "big" with batch cb…11.
        const QByteArray payload(300094, 'z');
        const QList<QByteArray> frames
            = LoroProtocolCodec::encodeUpdate(Lor, QByteArrayLiteral("big"), payload, Batch);
        QCOMPARE(frames.size(), 3);
        QCOMPARE(frames[0].toHex(), QByteArray("254c4f520362696704cb0000000000001102bea812"));
        QCOMPARE(frames[2].size(), 54355);
        QCOMPARE(frames[2].left(21).toHex(),
            QByteArray("254c4f52036269670"
                       "5cb0000000000001101bea803"));
    }

    void encodeUpdateSizes_data()
    {
        QTest::addColumn<qsizetype>("size");
        QTest::addColumn<QByteArray>("room");
        for (qsizetype size : {qsizetype(245760), qsizetype(262100), qsizetype(262121),
                 qsizetype(262122), qsizetype(262123), qsizetype(262124), qsizetype(262144),
                 qsizetype(2 * 245760), qsizetype(2 * 245760 + 1), qsizetype(3 * 1024 * 1024)}) {
            QTest::addRow("%lld, doc", qlonglong(size)) << size << Doc;
            QTest::addRow("%lld, 128-byte room", qlonglong(size)) << size << QByteArray(128, 'r');
        }
    }

    void encodeUpdateSizes()
    {
        QFETCH(qsizetype, size);
        QFETCH(QByteArray, room);
        QByteArray payload(size, Qt::Uninitialized);
        for (qsizetype i = 0; i < size; ++i)
            payload[i] = char(i % 251);
        const QList<QByteArray> frames
            = LoroProtocolCodec::encodeUpdate("%ELO", room, payload, Batch);
        QVERIFY(!frames.isEmpty());
        QByteArray joined;
        for (const QByteArray &f : frames) {
            QVERIFY(f.size() <= Message::MaxMessageBytes);
            const Message m = decodeOk(f);
            QCOMPARE(m.batchId, Batch);
            QCOMPARE(m.roomId, room);
            if (m.type == Type::DocUpdate) {
                QCOMPARE(frames.size(), 1);
                joined = m.updates.value(0);
            } else if (m.type == Type::FragmentHeader) {
                QCOMPARE(qsizetype(m.fragmentCount), frames.size() - 1);
                QCOMPARE(qsizetype(m.totalSize), size);
            } else {
                QCOMPARE(m.type, Type::Fragment);
                QVERIFY(m.fragment.size() <= Message::FragmentBytes);
                joined += m.fragment;
            }
        }
        QVERIFY(joined == payload);
        if (size <= 245760)
            QCOMPARE(frames.size(), 1);
        if (size > Message::MaxMessageBytes)
            QCOMPARE(frames.size(), 1 + (size + 245759) / 245760);
    }

    void randomBatchIds()
    {
        const QByteArray a = LoroProtocolCodec::randomBatchId();
        const QByteArray b = LoroProtocolCodec::randomBatchId();
        QCOMPARE(a.size(), 8);
        QCOMPARE(b.size(), 8);
        QVERIFY(a != b);
    }
};

QTEST_GUILESS_MAIN(TestLoroProtocolCodec)
#include "tst_loroprotocolcodec.moc"
