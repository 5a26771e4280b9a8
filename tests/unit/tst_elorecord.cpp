// ELO record headers and containers as loro-protocol 0.3.0's encryptDeltaSpan / encryptSnapshot /
// encodeEloContainer write them (tests/interop/fixtures/loro-protocol-frames.mjs), the header
// checks Canopy adds, and the %ELO document index through the DocumentIndex interface.
#include "TestBytes.h"
#include "crdt/elo/EloEngine.h"
#include "crdt/elo/EloRecord.h"
#include "crdt/loro/LoroBlob.h"

#include <map>
#include <tuple>

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSet>
#include <QTest>

using namespace canopy;
using namespace canopy::elo;

namespace {

using test::unhex;
const auto varUint = test::leb;
const auto varBytes = test::lebBytes;

const QByteArray Iv = QByteArray::fromHex("1e0000000000000000000063");

// A record laid out by hand (the host never decrypts, so any ciphertext of 16+ bytes will do).
QByteArray delta(const QByteArray &peer, quint64 start, quint64 end, const QByteArray &keyId = "k1",
    const QByteArray &iv = Iv, qsizetype ciphertext = 24)
{
    return QByteArray(1, '\x00') + varBytes(peer) + varUint(start) + varUint(end) + varBytes(keyId)
        + varBytes(iv) + varBytes(QByteArray(ciphertext, '\xc7'));
}

QByteArray snapshot(const QList<std::pair<QByteArray, quint64>> &version,
    const QByteArray &keyId = "k1", const QByteArray &iv = Iv, qsizetype ciphertext = 24)
{
    QByteArray out(1, '\x01');
    out += varUint(quint64(version.size()));
    for (const auto &[peer, counter] : version)
        out += varBytes(peer) + varUint(counter);
    return out + varBytes(keyId) + varBytes(iv) + varBytes(QByteArray(ciphertext, '\x5a'));
}

QByteArray dpeer(const QByteArray &peer)
{
    return EloEngine::DeltaPrefix + peer;
}

// The store as the hub keeps it: units by (peer, start, end); superseded ones removed, fresh
// ones written, in one transaction. Reads mirror UnitStore::loadFrom (ordered by start).
struct FakeStore
{
    std::map<std::tuple<QByteArray, quint32, quint32>, crdt::Unit> units;

    void apply(const crdt::Admission &admission)
    {
        for (const crdt::Unit &gone : admission.superseded)
            QVERIFY(units.erase({gone.peer, gone.start, gone.end}) == 1);
        for (const crdt::Unit &unit : admission.fresh)
            units[{unit.peer, unit.start, unit.end}] = unit;
    }

    QList<crdt::Unit> read(const crdt::UnitQuery &query) const
    {
        QList<crdt::Unit> out;
        if (query.all) {
            for (const auto &[key, unit] : units)
                out.append(unit);
            return out;
        }
        for (const auto &[peer, counter] : query.from) {
            for (const auto &[key, unit] : units) {
                if (unit.peer == peer && unit.end > counter)
                    out.append(unit);
            }
        }
        return out;
    }

    qint64 bytes() const
    {
        qint64 n = 0;
        for (const auto &[key, unit] : units)
            n += unit.data.size();
        return n;
    }
};

QSet<QByteArray> recordSet(const QList<QByteArray> &records)
{
    return QSet<QByteArray>(records.cbegin(), records.cend());
}

} // namespace

class TestEloRecord final : public QObject
{
    Q_OBJECT

private:
    QJsonObject m_elo;
    QHash<QString, QByteArray> m_records;
    EloEngine m_engine;

    QByteArray rec(const QString &name) const
    {
        if (!m_records.contains(name))
            qFatal("no fixture record %s", qPrintable(name));
        return m_records.value(name);
    }

    QList<crdt::Unit> units(const QStringList &names) const
    {
        QList<QByteArray> records;
        for (const QString &name : names)
            records.append(rec(name));
        return unitsOf(records);
    }

    QList<crdt::Unit> unitsOf(const QList<QByteArray> &records) const
    {
        auto split = m_engine.split(encodeContainer(records));
        if (!split) {
            qWarning("split failed: %s", qPrintable(split.error().message));
            return {};
        }
        return split->units;
    }

    static crdt::Admission admitOk(crdt::DocumentIndex &index, QList<crdt::Unit> units,
        FakeStore *store = nullptr, qint64 maxBytes = 0)
    {
        auto admitted = index.admit(std::move(units), crdt::AdmitContext {0, maxBytes});
        if (!admitted) {
            qWarning("admit refused: %s", qPrintable(admitted.error().message));
            return {};
        }
        if (store)
            store->apply(*admitted);
        return *admitted;
    }

    // What a joiner holding `client` receives: the records of the one answer container.
    QList<QByteArray> served(
        const crdt::DocumentIndex &index, const FakeStore &store, const crdt::PeerVersion &client)
    {
        const QList<QByteArray> payloads = index.answer(store.read(index.lacking(client)), client);
        if (payloads.isEmpty())
            return {};
        if (payloads.size() != 1)
            qWarning("%lld answer payloads", qlonglong(payloads.size()));
        auto records = parseContainer(payloads.first());
        if (!records) {
            qWarning("the answer is no container: %s", qPrintable(records.error().message));
            return {QByteArrayLiteral("bad answer")};
        }
        QList<QByteArray> out;
        for (const EloRecord &record : *records)
            out.append(record.bytes);
        return out;
    }

    crdt::PeerVersion client(const QString &name) const
    {
        for (const QJsonValue &value : m_elo.value(QStringLiteral("clients")).toArray()) {
            const QJsonObject c = value.toObject();
            if (c.value(QStringLiteral("name")).toString() == name) {
                auto decoded
                    = m_engine.decodeVersion(unhex(c.value(QStringLiteral("hex")).toString()));
                if (!decoded)
                    qFatal("client version %s does not decode", qPrintable(name));
                return *decoded;
            }
        }
        qFatal("no client version %s", qPrintable(name));
    }

    static QString vvText(const loro::VersionVector &vv)
    {
        QStringList parts;
        for (const auto &[peer, counter] : vv)
            parts.append(QStringLiteral("%1:%2").arg(peer).arg(counter));
        return parts.join(u',');
    }

    static QString versionText(const crdt::DocumentIndex &index)
    {
        auto vv = loro::decodeVersionVector(index.version());
        return vv
            ? vvText(*vv)
            : QStringLiteral("undecodable %1").arg(QString::fromLatin1(index.version().toHex()));
    }

    static void expectRefused(const QByteArray &record, const QString &why)
    {
        const auto parsed = parseRecord(record);
        QVERIFY2(!parsed.has_value(), qPrintable(why + QStringLiteral(": parsed")));
        QCOMPARE(parsed.error().reason, QStringLiteral("bad-record"));
        QVERIFY(!parsed.error().message.isEmpty());
        // In a container, the whole update is refused (an empty record already by the
        // container's count check: every record takes a length and a kind byte).
        const auto container = parseContainer(encodeContainer({record}));
        QVERIFY(!container.has_value());
        if (record.isEmpty())
            return;
        QCOMPARE(container.error().reason, QStringLiteral("bad-record"));
        QVERIFY(container.error().message.startsWith(QStringLiteral("record 0: ")));
    }

private Q_SLOTS:
    void initTestCase()
    {
        const QString dir = qEnvironmentVariable("CANOPY_FIXTURES");
        if (dir.isEmpty())
            QFAIL("CANOPY_FIXTURES is not set: run through ctest, which generates the fixtures");
        QFile file(QDir(dir).filePath(QStringLiteral("loro-protocol/manifest.json")));
        QVERIFY2(file.open(QIODevice::ReadOnly), "loro-protocol/manifest.json is missing");
        m_elo = QJsonDocument::fromJson(file.readAll())
                    .object()
                    .value(QStringLiteral("elo"))
                    .toObject();
        for (const QJsonValue &value : m_elo.value(QStringLiteral("records")).toArray()) {
            const QJsonObject r = value.toObject();
            m_records.insert(r.value(QStringLiteral("name")).toString(),
                unhex(r.value(QStringLiteral("hex")).toString()));
        }
        QVERIFY2(m_records.size() >= 15, "too few ELO records in the manifest");
    }

    // ---- records the real encoder wrote ---------------------------------------------------------

    void parsesWhatLoroProtocolEncrypted_data()
    {
        QTest::addColumn<QByteArray>("bytes");
        QTest::addColumn<QJsonObject>("expect");
        for (const QJsonValue &value : m_elo.value(QStringLiteral("records")).toArray()) {
            const QJsonObject r = value.toObject();
            QTest::newRow(qPrintable(r.value(QStringLiteral("name")).toString()))
                << unhex(r.value(QStringLiteral("hex")).toString())
                << r.value(QStringLiteral("expect")).toObject();
        }
    }

    void parsesWhatLoroProtocolEncrypted()
    {
        QFETCH(QByteArray, bytes);
        QFETCH(QJsonObject, expect);
        const auto record = parseRecord(bytes);
        QVERIFY2(record.has_value(), qPrintable(record ? QString() : record.error().message));
        QCOMPARE(int(record->kind), expect.value(QStringLiteral("kind")).toInt());
        QCOMPARE(record->keyId, expect.value(QStringLiteral("keyId")).toString());
        QCOMPARE(record->iv.toHex(), expect.value(QStringLiteral("iv")).toString().toLatin1());
        const QByteArray header = unhex(expect.value(QStringLiteral("header")).toString());
        const QByteArray ciphertext = unhex(expect.value(QStringLiteral("ct")).toString());
        QCOMPARE(record->headerSize, header.size());
        QCOMPARE(bytes.left(record->headerSize).toHex(), header.toHex()); // the AES-GCM AAD
        QCOMPARE(record->ciphertextSize, ciphertext.size());
        QVERIFY(bytes.endsWith(ciphertext));
        QCOMPARE(record->bytes, bytes);
        if (record->kind == EloRecord::Kind::DeltaSpan) {
            QCOMPARE(record->peerId.toHex(),
                expect.value(QStringLiteral("peerId")).toString().toLatin1());
            QCOMPARE(double(record->start), expect.value(QStringLiteral("start")).toDouble());
            QCOMPARE(double(record->end), expect.value(QStringLiteral("end")).toDouble());
            QVERIFY(record->version.isEmpty());
        } else {
            const QJsonArray vv = expect.value(QStringLiteral("vv")).toArray();
            QCOMPARE(record->version.size(), vv.size());
            for (qsizetype i = 0; i < vv.size(); ++i) {
                const QJsonObject e = vv[i].toObject();
                QCOMPARE(record->version[i].peerId.toHex(),
                    e.value(QStringLiteral("peerId")).toString().toLatin1());
                QCOMPARE(double(record->version[i].counter),
                    e.value(QStringLiteral("counter")).toDouble());
            }
            QVERIFY(record->peerId.isEmpty());
            QCOMPARE(record->start, 0U);
            QCOMPARE(record->end, 0U);
        }
    }

    void theSpecsVectors()
    {
        // protocol-e2ee.md's normative vector, and the limits at their edges.
        const auto normative = parseRecord(rec(QStringLiteral("normative")));
        QVERIFY(normative.has_value());
        QCOMPARE(normative->peerId.toHex(), QByteArray("01020304"));
        QCOMPARE(normative->start, 1U);
        QCOMPARE(normative->end, 3U);
        QCOMPARE(normative->ciphertextSize, 20);
        const auto empty = parseRecord(rec(QStringLiteral("d-empty-plaintext")));
        QVERIFY(empty.has_value());
        QCOMPARE(empty->ciphertextSize, TagBytes); // the tag alone
        QVERIFY(empty->keyId.isEmpty());
        const auto wide = parseRecord(rec(QStringLiteral("d-peer-64")));
        QVERIFY(wide.has_value());
        QCOMPARE(wide->peerId.size(), MaxPeerIdBytes);
        QCOMPARE(wide->keyId.size(), MaxKeyIdBytes);
        const auto many = parseRecord(rec(QStringLiteral("s-1024")));
        QVERIFY(many.has_value());
        QCOMPARE(many->version.size(), qsizetype(MaxVersionEntries));
        const auto large = parseRecord(rec(QStringLiteral("d-large-counters")));
        QVERIFY(large.has_value());
        QCOMPARE(large->end, 0xffffffffU);
        const auto key = parseRecord(rec(QStringLiteral("d-keyid-utf8")));
        QVERIFY(key.has_value());
        QCOMPARE(key->keyId, QStringLiteral("schlüssel-🔑"));
        // Sorted by peer id bytes by the encoder: "12" before "7".
        const auto sorted = parseRecord(rec(QStringLiteral("s-7-5-12-3")));
        QVERIFY(sorted.has_value());
        QCOMPARE(describeVersion(sorted->version), QStringLiteral("{12:3, 7:5}"));
        QCOMPARE(describeVersion({}), QStringLiteral("{}"));
    }

    void containers_data()
    {
        QTest::addColumn<QByteArray>("bytes");
        QTest::addColumn<QStringList>("names");
        for (const QJsonValue &value : m_elo.value(QStringLiteral("containers")).toArray()) {
            const QJsonObject c = value.toObject();
            QStringList names;
            for (const QJsonValue &name : c.value(QStringLiteral("records")).toArray())
                names.append(name.toString());
            QTest::newRow(qPrintable(c.value(QStringLiteral("name")).toString()))
                << unhex(c.value(QStringLiteral("hex")).toString()) << names;
        }
    }

    void containers()
    {
        QFETCH(QByteArray, bytes);
        QFETCH(QStringList, names);
        const auto records = parseContainer(bytes);
        QVERIFY2(records.has_value(), qPrintable(records ? QString() : records.error().message));
        QCOMPARE(records->size(), names.size());
        QList<QByteArray> raw;
        for (qsizetype i = 0; i < names.size(); ++i) {
            QCOMPARE(records->at(i).bytes.toHex(), rec(names[i]).toHex());
            raw.append(records->at(i).bytes);
        }
        QCOMPARE(encodeContainer(raw).toHex(), bytes.toHex()); // as encodeEloContainer
    }

    // ---- refusals -----------------------------------------------------------------------------

    void refusedThoughLoroProtocolWritesThem_data()
    {
        QTest::addColumn<QByteArray>("bytes");
        for (const QJsonValue &value : m_elo.value(QStringLiteral("refused")).toArray()) {
            const QJsonObject r = value.toObject();
            QTest::newRow(qPrintable(r.value(QStringLiteral("name")).toString()))
                << unhex(r.value(QStringLiteral("hex")).toString());
        }
    }

    void refusedThoughLoroProtocolWritesThem()
    {
        QFETCH(QByteArray, bytes);
        expectRefused(bytes, QStringLiteral("fixture"));
    }

    void handBuiltRecordsParse()
    {
        // The hand-built layout is the encoder's: the same bytes for the same fields.
        const auto normative = parseRecord(rec(QStringLiteral("normative")));
        QVERIFY(normative.has_value());
        const QByteArray header = QByteArray(1, '\x00') + varBytes(QByteArray::fromHex("01020304"))
            + varUint(1) + varUint(3) + varBytes("k1")
            + varBytes(QByteArray::fromHex("86bcad09d5e7e3d70503a57e"));
        QCOMPARE(
            rec(QStringLiteral("normative")).left(normative->headerSize).toHex(), header.toHex());
        QVERIFY(parseRecord(delta("7", 0, 2)).has_value());
        QVERIFY(parseRecord(snapshot({{"7", 5}})).has_value());
    }

    void refusals()
    {
        expectRefused({}, QStringLiteral("empty"));
        QByteArray kind = delta("7", 0, 2);
        for (const char k : {'\x02', '\x7f', '\xff'}) {
            kind[0] = k;
            expectRefused(kind, QStringLiteral("kind"));
        }
        expectRefused(delta("7", 2, 2), QStringLiteral("end = start"));
        expectRefused(delta("7", 5, 2), QStringLiteral("end < start"));
        expectRefused(delta("7", 0, 0), QStringLiteral("empty span at 0"));
        for (const qsizetype n : {0, 11, 13, 16}) {
            expectRefused(delta("7", 0, 2, "k1", QByteArray(n, '\x01')), QStringLiteral("iv"));
            expectRefused(snapshot({}, "k1", QByteArray(n, '\x01')), QStringLiteral("snapshot iv"));
        }
        expectRefused(delta(QByteArray(65, '1'), 0, 2), QStringLiteral("peer 65"));
        QVERIFY(parseRecord(delta(QByteArray(64, '1'), 0, 2)).has_value());
        expectRefused(snapshot({{QByteArray(65, '1'), 3}}), QStringLiteral("snapshot peer 65"));
        expectRefused(delta("7", 0, 2, QByteArray(65, 'k')), QStringLiteral("key 65"));
        expectRefused(snapshot({}, QByteArray(65, 'k')), QStringLiteral("snapshot key 65"));
        QVERIFY(parseRecord(delta("7", 0, 2, QByteArray(64, 'k'))).has_value());
        // 64 bytes of UTF-8, but 22 characters: the limit counts bytes.
        QVERIFY(
            parseRecord(delta("7", 0, 2, QString(21, QChar(0x20ac)).toUtf8() + "x")).has_value());
        expectRefused(
            delta("7", 0, 2, QString(22, QChar(0x20ac)).toUtf8()), QStringLiteral("key 66 bytes"));
        for (const QByteArray &bad : {QByteArray("k\xff"), QByteArray("\xc0\xaf"),
                 QByteArray("\xed\xa0\x80"), QByteArray("ab\xe2\x82")}) {
            expectRefused(delta("7", 0, 2, bad), QStringLiteral("key utf-8"));
            expectRefused(snapshot({{"7", 1}}, bad), QStringLiteral("snapshot key utf-8"));
        }
        for (const qsizetype n : {0, 1, 15}) {
            expectRefused(delta("7", 0, 2, "k1", Iv, n), QStringLiteral("short ciphertext"));
            expectRefused(snapshot({}, "k1", Iv, n), QStringLiteral("short snapshot ciphertext"));
        }
        QVERIFY(parseRecord(delta("7", 0, 2, "k1", Iv, 16)).has_value());
        QList<std::pair<QByteArray, quint64>> version;
        for (int i = 0; i < 1025; ++i)
            version.append({QByteArray::number(i), quint64(i)});
        expectRefused(snapshot(version), QStringLiteral("1025 entries"));
        version.removeLast();
        QVERIFY(parseRecord(snapshot(version)).has_value());
        // A huge count is refused on the count alone.
        expectRefused(QByteArray(1, '\x01') + varUint(0xffffffffULL), QStringLiteral("count"));
        expectRefused(delta("7", 0, 2) + '\x00', QStringLiteral("trailing byte"));
        expectRefused(
            snapshot({{"7", 1}}) + QByteArray(20, '\x01'), QStringLiteral("trailing bytes"));
        // varUints: at most 5 bytes, at most 2^32-1.
        expectRefused(QByteArray(1, '\x00') + varBytes("7") + QByteArray::fromHex("808080808000")
                + varUint(2) + varBytes("k1") + varBytes(Iv) + varBytes(QByteArray(16, 'c')),
            QStringLiteral("6-byte start"));
        expectRefused(delta("7", 0, 0x100000000ULL), QStringLiteral("end 2^32"));
        QVERIFY(parseRecord(delta("7", 0, 0xffffffffULL)).has_value());
        expectRefused(snapshot({{"7", 0x100000000ULL}}), QStringLiteral("counter 2^32"));
    }

    void everyTruncationIsRefused_data()
    {
        QTest::addColumn<QString>("name");
        for (const char *name : {"normative", "d7-0-2", "d-keyid-utf8", "s-empty", "s-7-5-12-3"})
            QTest::newRow(name) << QString::fromLatin1(name);
    }

    void everyTruncationIsRefused()
    {
        QFETCH(QString, name);
        const QByteArray bytes = rec(name);
        for (qsizetype n = 0; n < bytes.size(); ++n) {
            const auto parsed = parseRecord(QByteArrayView(bytes).first(n));
            QVERIFY2(!parsed.has_value(), qPrintable(QStringLiteral("prefix %1 parsed").arg(n)));
            QCOMPARE(parsed.error().reason, QStringLiteral("bad-record"));
        }
        const QByteArray container = encodeContainer({bytes, rec(QStringLiteral("d12-0-3"))});
        for (qsizetype n = 0; n < container.size(); ++n)
            QVERIFY(!parseContainer(QByteArrayView(container).first(n)).has_value());
        QVERIFY(parseContainer(container).has_value());
    }

    void containerRefusals()
    {
        const QByteArray one = rec(QStringLiteral("d7-0-2"));
        const auto expectBad = [](const QByteArray &bytes, const char *reason) {
            const auto parsed = parseContainer(bytes);
            QVERIFY(!parsed.has_value());
            QCOMPARE(parsed.error().reason, QString::fromLatin1(reason));
            QVERIFY(!parsed.error().message.isEmpty());
        };
        expectBad({}, "bad-container");
        expectBad(encodeContainer({one}) + '\x00', "bad-container");
        expectBad(varUint(2) + varBytes(one), "bad-container");
        expectBad(varUint(1000) + varBytes(one), "bad-container");
        expectBad(varUint(0xffffffffULL), "bad-container");
        expectBad(QByteArray::fromHex("808080808000"), "bad-container");
        expectBad(varUint(1) + varUint(quint64(one.size()) + 1) + one, "bad-container");
        // The second record is bad: its error names it.
        const auto second = parseContainer(encodeContainer({one, delta("7", 3, 3)}));
        QVERIFY(!second.has_value());
        QCOMPARE(second.error().reason, QStringLiteral("bad-record"));
        QVERIFY(second.error().message.startsWith(QStringLiteral("record 1: ")));
        QCOMPARE(parseContainer(varUint(0))->size(), 0);
    }

    void corruptionsNeverCrash()
    {
        for (const QString &name : {QStringLiteral("d7-0-2"), QStringLiteral("s-7-5-12-3")}) {
            const QByteArray container = encodeContainer({rec(name)});
            for (qsizetype i = 0; i < container.size(); ++i) {
                QByteArray corrupt = container;
                corrupt[i] = char(corrupt[i] ^ 0x81);
                const auto parsed = parseContainer(corrupt);
                if (!parsed)
                    QVERIFY(!parsed.error().message.isEmpty());
            }
        }
    }

    // ---- the engine -----------------------------------------------------------------------------

    void splitNamesEachRecord()
    {
        const QList<crdt::Unit> split = units({QStringLiteral("d7-0-2"),
            QStringLiteral("dtext-0-4"), QStringLiteral("s-7-5-12-3"), QStringLiteral("s-empty")});
        QCOMPARE(split.size(), 4);
        QCOMPARE(split[0].peer, dpeer("7"));
        QCOMPARE(split[0].start, 0U);
        QCOMPARE(split[0].end, 2U);
        QCOMPARE(split[0].data, rec(QStringLiteral("d7-0-2")));
        QCOMPARE(split[0].meta.size(), 8); // the record's hash
        QCOMPARE(split[1].peer, dpeer("alice"));
        QCOMPARE(split[2].peer.front(), EloEngine::SnapshotPrefix);
        QCOMPARE(split[2].start, 0U);
        QCOMPARE(split[2].end, 1U);
        QCOMPARE(split[3].peer, QByteArray("\x01\x00", 2));
        // Two encryptions of the same span: one key, different hashes.
        const QList<crdt::Unit> twice
            = units({QStringLiteral("d7-0-2"), QStringLiteral("d7-0-2-reencrypted")});
        QCOMPARE(twice[0].peer, twice[1].peer);
        QVERIFY(twice[0].meta != twice[1].meta);
        const QList<crdt::Unit> snapshots
            = units({QStringLiteral("s-7-5"), QStringLiteral("s-7-5-reencrypted")});
        QCOMPARE(snapshots[0].peer, snapshots[1].peer);
        QVERIFY(snapshots[0].meta != snapshots[1].meta);

        const auto bad = m_engine.split(encodeContainer({delta("7", 1, 1)}));
        QVERIFY(!bad.has_value());
        QCOMPARE(bad.error().reason, QStringLiteral("bad-record"));
        QCOMPARE(
            m_engine.split(QByteArray("\x01", 1)).error().reason, QStringLiteral("bad-container"));
        QCOMPARE(m_engine.split(varUint(0))->units.size(), 0);
    }

    void engineBasics()
    {
        QCOMPARE(m_engine.kind(), QStringLiteral("elo"));
        QVERIFY(m_engine.persistent());
        QVERIFY(!m_engine.loadsData());
        const QList<crdt::Unit> split = units({QStringLiteral("d7-0-2"), QStringLiteral("s-7-5")});
        const QList<QByteArray> encoded = m_engine.encode(split);
        QCOMPARE(encoded.size(), 1);
        const auto back = parseContainer(encoded.first());
        QVERIFY(back.has_value());
        QCOMPARE(back->size(), 2);
        QCOMPARE(back->at(1).bytes, rec(QStringLiteral("s-7-5")));
        QCOMPARE(m_engine.encode({}).value(0).toHex(), QByteArray("00")); // an empty container

        const crdt::UnitDescription d = m_engine.describe(split[0]);
        QCOMPARE(d.peer, QStringLiteral("7"));
        QCOMPARE(d.start, 0U);
        QCOMPARE(d.end, 2U);
        QVERIFY2(
            d.detail.startsWith(QStringLiteral("DeltaSpan, key k1, iv 1e0000000000000000000002")),
            qPrintable(d.detail));
        const crdt::UnitDescription s
            = m_engine.describe(units({QStringLiteral("s-7-5-12-3")}).first());
        QCOMPARE(s.peer, QStringLiteral("snapshot"));
        QVERIFY2(s.detail.startsWith(QStringLiteral("Snapshot at {12:3, 7:5}, key k1")),
            qPrintable(s.detail));
        crdt::Unit broken = split[0];
        broken.data = "junk";
        QVERIFY(!m_engine.describe(broken).detail.isEmpty());
    }

    // Key ids and peer ids are the client's text: a %N in them is shown as sent, not replaced by
    // a later argument (hostile clients, item 11; chained arg gave "key k24" and "{a5:5}").
    void describeQuotesClientTextAsSent()
    {
        const QList<crdt::Unit> split
            = unitsOf({delta("7", 0, 2, "k%3"), snapshot({{"a%2", 5}}, "%1")});
        QCOMPARE(split.size(), 2);
        QCOMPARE(m_engine.describe(split[0]).detail,
            QStringLiteral("DeltaSpan, key k%3, iv 1e0000000000000000000063, 24 ciphertext bytes"));
        QCOMPARE(m_engine.describe(split[1]).detail,
            QStringLiteral(
                "Snapshot at {a%2:5}, key %1, iv 1e0000000000000000000063, 24 ciphertext bytes"));
    }

    void decodeVersion()
    {
        QCOMPARE(client(QStringLiteral("7:2")), (crdt::PeerVersion {{dpeer("7"), 2}}));
        QCOMPARE(client(QStringLiteral("7:5,12:1")),
            (crdt::PeerVersion {{dpeer("7"), 5}, {dpeer("12"), 1}}));
        QCOMPARE(client(QStringLiteral("empty")), crdt::PeerVersion {});
        QCOMPARE(m_engine.decodeVersion({})->size(), size_t(0));
        QVERIFY(!m_engine.decodeVersion(QByteArray::fromHex("ffff")).has_value());
        QVERIFY(!m_engine.decodeVersion(QByteArray::fromHex("0107")).has_value());
    }

    // ---- the index: DeltaSpans ------------------------------------------------------------------

    void identicalRecordIsADuplicate()
    {
        auto index = m_engine.createIndex();
        FakeStore store;
        crdt::Admission a = admitOk(*index, units({QStringLiteral("d7-0-2")}), &store);
        QCOMPARE(a.fresh.size(), 1);
        QCOMPARE(a.duplicates, 0);
        QCOMPARE(a.superseded.size(), 0);
        QCOMPARE(a.fresh.first().data, rec(QStringLiteral("d7-0-2")));
        a = admitOk(*index, units({QStringLiteral("d7-0-2")}), &store);
        QCOMPARE(a.fresh.size(), 0);
        QCOMPARE(a.duplicates, 1);
        QCOMPARE(a.superseded.size(), 0);
        // Twice in one update: one fresh, one duplicate.
        auto other = m_engine.createIndex();
        a = admitOk(*other, units({QStringLiteral("d7-0-2"), QStringLiteral("d7-0-2")}));
        QCOMPARE(a.fresh.size(), 1);
        QCOMPARE(a.duplicates, 1);
        QCOMPARE(index->unitCount(), 1);
        QCOMPARE(index->byteCount(), rec(QStringLiteral("d7-0-2")).size());
    }

    void reencryptedSpanReplaces()
    {
        auto index = m_engine.createIndex();
        FakeStore store;
        admitOk(*index, units({QStringLiteral("d7-0-2")}), &store);
        const crdt::Admission a
            = admitOk(*index, units({QStringLiteral("d7-0-2-reencrypted")}), &store);
        QCOMPARE(a.fresh.size(), 1);
        QCOMPARE(a.duplicates, 0);
        QCOMPARE(a.superseded.size(), 1);
        QCOMPARE(a.superseded.first().peer, dpeer("7"));
        QCOMPARE(a.superseded.first().start, 0U);
        QCOMPARE(a.superseded.first().end, 2U);
        QCOMPARE(index->unitCount(), 1);
        QCOMPARE(index->byteCount(), rec(QStringLiteral("d7-0-2-reencrypted")).size());
        QCOMPARE(served(*index, store, {}),
            QList<QByteArray> {rec(QStringLiteral("d7-0-2-reencrypted"))});
        // And the old encryption is now new again: it replaces the re-encryption.
        QCOMPARE(admitOk(*index, units({QStringLiteral("d7-0-2")}), &store).superseded.size(), 1);
    }

    void coveringSpanReplacesWhatItCovers()
    {
        auto index = m_engine.createIndex();
        FakeStore store;
        admitOk(*index,
            units({QStringLiteral("d7-0-2"), QStringLiteral("d7-2-5"), QStringLiteral("d12-0-3")}),
            &store);
        QCOMPARE(index->unitCount(), 3);
        const crdt::Admission a = admitOk(*index, units({QStringLiteral("d7-0-5")}), &store);
        QCOMPARE(a.fresh.size(), 1);
        QCOMPARE(a.superseded.size(), 2);
        QSet<std::pair<quint32, quint32>> gone;
        for (const crdt::Unit &unit : a.superseded) {
            QCOMPARE(unit.peer, dpeer("7"));
            gone.insert({unit.start, unit.end});
        }
        QCOMPARE(gone, (QSet<std::pair<quint32, quint32>> {{0, 2}, {2, 5}}));
        QCOMPARE(index->unitCount(), 2); // d7-0-5 and peer 12's span
        QCOMPARE(index->byteCount(), store.bytes());
        QCOMPARE(recordSet(served(*index, store, {})),
            recordSet({rec(QStringLiteral("d7-0-5")), rec(QStringLiteral("d12-0-3"))}));
    }

    void partialOverlapsStaySideBySide()
    {
        auto index = m_engine.createIndex();
        FakeStore store;
        admitOk(*index, units({QStringLiteral("d7-0-2"), QStringLiteral("d7-2-5")}), &store);
        crdt::Admission a = admitOk(*index, units({QStringLiteral("d7-1-3")}), &store);
        QCOMPARE(a.fresh.size(), 1);
        QCOMPARE(a.superseded.size(), 0);
        QCOMPARE(index->unitCount(), 3);
        // A span inside a stored one covers nothing and is kept too (as the reference server).
        auto wide = m_engine.createIndex();
        admitOk(*wide, units({QStringLiteral("d7-0-5")}));
        a = admitOk(*wide, units({QStringLiteral("d7-2-5")}));
        QCOMPARE(a.fresh.size(), 1);
        QCOMPARE(a.superseded.size(), 0);
        QCOMPARE(wide->unitCount(), 2);
    }

    void coveredWithinOneUpdate()
    {
        // A span taken earlier in the same update never reached the store: it is dropped from
        // `fresh`, not listed as superseded.
        auto index = m_engine.createIndex();
        FakeStore store;
        const crdt::Admission a = admitOk(*index,
            units({QStringLiteral("d7-0-2"), QStringLiteral("d7-2-5"), QStringLiteral("d7-0-5")}),
            &store);
        QCOMPARE(a.fresh.size(), 1);
        QCOMPARE(a.fresh.first().data, rec(QStringLiteral("d7-0-5")));
        QCOMPARE(a.superseded.size(), 0);
        QCOMPARE(index->unitCount(), 1);
        QCOMPARE(index->byteCount(), rec(QStringLiteral("d7-0-5")).size());
    }

    void otherPeersAreUntouched()
    {
        auto index = m_engine.createIndex();
        FakeStore store;
        admitOk(*index, unitsOf({delta("7", 0, 4), delta("70", 0, 2), delta("8", 1, 3)}), &store);
        const crdt::Admission a = admitOk(*index, unitsOf({delta("7", 0, 10)}), &store);
        QCOMPARE(a.superseded.size(), 1);
        QCOMPARE(a.superseded.first().peer, dpeer("7"));
        QCOMPARE(index->unitCount(), 3);
    }

    // ---- the index: snapshots -------------------------------------------------------------------

    void snapshotRules()
    {
        auto index = m_engine.createIndex();
        FakeStore store;
        crdt::Admission a = admitOk(*index, units({QStringLiteral("s-7-5")}), &store);
        QCOMPARE(a.fresh.size(), 1);
        // The same record: a duplicate; the same version encrypted anew: replaces.
        QCOMPARE(admitOk(*index, units({QStringLiteral("s-7-5")}), &store).duplicates, 1);
        a = admitOk(*index, units({QStringLiteral("s-7-5-reencrypted")}), &store);
        QCOMPARE(a.fresh.size(), 1);
        QCOMPARE(a.superseded.size(), 1);
        QCOMPARE(index->unitCount(), 1);
        // Dominated by the stored one: a duplicate.
        a = admitOk(*index, units({QStringLiteral("s-7-2")}), &store);
        QCOMPARE(a.fresh.size(), 0);
        QCOMPARE(a.duplicates, 1);
        QCOMPARE(admitOk(*index, units({QStringLiteral("s-empty")}), &store).duplicates, 1);
        // Dominating the stored one: replaces it.
        a = admitOk(*index, units({QStringLiteral("s-7-5-12-3")}), &store);
        QCOMPARE(a.fresh.size(), 1);
        QCOMPARE(a.superseded.size(), 1);
        QCOMPARE(a.superseded.first().peer, units({QStringLiteral("s-7-5")}).first().peer);
        QCOMPARE(index->unitCount(), 1);
        // Concurrent with the stored one: both are kept.
        a = admitOk(*index, units({QStringLiteral("s-12-9")}), &store);
        QCOMPARE(a.fresh.size(), 1);
        QCOMPARE(a.superseded.size(), 0);
        QCOMPARE(index->unitCount(), 2);
        QCOMPARE(index->byteCount(), store.bytes());
        QCOMPARE(versionText(*index), QStringLiteral("7:5,12:9"));
        // A snapshot dominating both replaces both.
        a = admitOk(*index, unitsOf({snapshot({{"12", 9}, {"7", 6}})}), &store);
        QCOMPARE(a.superseded.size(), 2);
        QCOMPARE(index->unitCount(), 1);
        QCOMPARE(store.units.size(), size_t(1));
        // Spans and snapshots are independent.
        a = admitOk(*index, units({QStringLiteral("d7-0-5")}), &store);
        QCOMPARE(a.fresh.size(), 1);
        QCOMPARE(a.superseded.size(), 0);
    }

    void emptySnapshotIntoAnEmptyDocument()
    {
        auto index = m_engine.createIndex();
        const crdt::Admission a = admitOk(*index, units({QStringLiteral("s-empty")}));
        QCOMPARE(a.fresh.size(), 1);
        QCOMPARE(index->version().toHex(), QByteArray("00"));
    }

    // ---- version, lacking, answer ---------------------------------------------------------------

    void versionMatchesLoro_data()
    {
        QTest::addColumn<QStringList>("names");
        QTest::addColumn<QByteArray>("expected");
        for (const QJsonValue &value : m_elo.value(QStringLiteral("versions")).toArray()) {
            const QJsonObject v = value.toObject();
            QStringList names;
            for (const QJsonValue &name : v.value(QStringLiteral("records")).toArray())
                names.append(name.toString());
            QTest::newRow(qPrintable(v.value(QStringLiteral("name")).toString()))
                << names << unhex(v.value(QStringLiteral("hex")).toString());
        }
    }

    void versionMatchesLoro()
    {
        QFETCH(QStringList, names);
        QFETCH(QByteArray, expected);
        auto index = m_engine.createIndex();
        if (!names.isEmpty())
            admitOk(*index, units(names));
        const QByteArray version = index->version();
        auto mine = loro::decodeVersionVector(version);
        auto theirs = loro::decodeVersionVector(expected);
        QVERIFY(mine.has_value() && theirs.has_value());
        QCOMPARE(vvText(*mine), vvText(*theirs));
        if (theirs->size() <= 1)
            QCOMPARE(version.toHex(), expected.toHex());
    }

    void versionCountsDecimalPeersOnly()
    {
        auto index = m_engine.createIndex();
        admitOk(*index,
            unitsOf({delta("alice", 0, 9), delta("7a", 0, 9), delta("-7", 0, 9), delta("", 0, 9),
                delta("3", 0, 4), delta("3", 6, 8), delta("3", 1, 2)}));
        QCOMPARE(versionText(*index), QStringLiteral("3:8"));
        // Snapshot versions count too.
        admitOk(*index, unitsOf({snapshot({{"3", 2}, {"4", 11}})}));
        QCOMPARE(versionText(*index), QStringLiteral("3:8,4:11"));
    }

    void versionIgnoresPeersThatAreNotPlainDigits_data()
    {
        QTest::addColumn<QByteArray>("peer");
        for (const QByteArray &peer : {QByteArray(" 7"), QByteArray("7 "), QByteArray("+7"),
                 QByteArray("-7"), QByteArray("0x7"), QByteArray("7\n"), QByteArray("\t7"),
                 QByteArray("7.0"), QByteArray("1e3"), QByteArray("18446744073709551616")})
            QTest::newRow(peer.toPercentEncoding().constData()) << peer;
    }

    // EloDoc counts a peer key only when it matches /^\d+$/; anything else would claim
    // counters of a real Loro peer that the host does not hold.
    void versionIgnoresPeersThatAreNotPlainDigits()
    {
        QFETCH(QByteArray, peer);
        auto index = m_engine.createIndex();
        admitOk(*index, unitsOf({delta(peer, 0, 9)}));
        QCOMPARE(index->unitCount(), 1);
        QCOMPARE(versionText(*index), QString());
        QCOMPARE(index->version().toHex(), QByteArray("00"));
    }

    void lackingAndAnswer()
    {
        auto index = m_engine.createIndex();
        FakeStore store;
        admitOk(*index,
            units({QStringLiteral("d7-0-2"), QStringLiteral("d7-2-5"), QStringLiteral("d12-0-3"),
                QStringLiteral("s-7-5-12-3")}),
            &store);
        const auto records = [this](const QStringList &names) {
            QList<QByteArray> out;
            for (const QString &name : names)
                out.append(rec(name));
            return recordSet(out);
        };
        // Empty: everything, as one container.
        QCOMPARE(recordSet(served(*index, store, {})),
            records({QStringLiteral("d7-0-2"), QStringLiteral("d7-2-5"), QStringLiteral("d12-0-3"),
                QStringLiteral("s-7-5-12-3")}));
        // {7:2} (a real Loro VV): peer 7 from 2 on, peer 12, and the snapshot reaching 7:5.
        QCOMPARE(recordSet(served(*index, store, client(QStringLiteral("7:2")))),
            records({QStringLiteral("d7-2-5"), QStringLiteral("d12-0-3"),
                QStringLiteral("s-7-5-12-3")}));
        // {7:5, 12:1}: peer 12's span ends at 3 > 1, and so does the snapshot's 12:3.
        QCOMPARE(recordSet(served(*index, store, client(QStringLiteral("7:5,12:1")))),
            records({QStringLiteral("d12-0-3"), QStringLiteral("s-7-5-12-3")}));
        // Up to date: nothing at all, and no reads.
        const crdt::PeerVersion current {{dpeer("7"), 5}, {dpeer("12"), 3}};
        QVERIFY(index->lacking(current).isEmpty());
        QVERIFY(index->answer({}, current).isEmpty());
        QCOMPARE(
            served(*index, store, {{dpeer("7"), 50}, {dpeer("12"), 30}}), QList<QByteArray> {});
        // lacking names each peer once, from the client's counter.
        const crdt::UnitQuery query = index->lacking(client(QStringLiteral("7:2")));
        QVERIFY(!query.all);
        QCOMPARE(query.from.size(), 3);
        QVERIFY(query.from.contains(std::pair<QByteArray, quint32>(dpeer("7"), 2)));
        QVERIFY(query.from.contains(std::pair<QByteArray, quint32>(dpeer("12"), 0)));
    }

    void nonDecimalPeersAreAlwaysServed()
    {
        auto index = m_engine.createIndex();
        FakeStore store;
        admitOk(*index, units({QStringLiteral("dtext-0-4"), QStringLiteral("d7-0-2")}), &store);
        QCOMPARE(served(*index, store, {{dpeer("7"), 2}}),
            QList<QByteArray> {rec(QStringLiteral("dtext-0-4"))});
    }

    void answerFiltersWhatItIsGiven()
    {
        // The store may hand over more than lacking named (a whole-document read).
        auto index = m_engine.createIndex();
        FakeStore store;
        admitOk(*index, units({QStringLiteral("d7-0-2"), QStringLiteral("d7-2-5")}), &store);
        crdt::UnitQuery all;
        all.all = true;
        const QList<QByteArray> payloads = index->answer(store.read(all), {{dpeer("7"), 2}});
        QCOMPARE(payloads.size(), 1);
        const auto records = parseContainer(payloads.first());
        QVERIFY(records.has_value());
        QCOMPARE(records->size(), 1);
        QCOMPARE(records->first().bytes, rec(QStringLiteral("d7-2-5")));
    }

    void manyPeersReadEverything()
    {
        auto index = m_engine.createIndex();
        FakeStore store;
        QList<QByteArray> records;
        for (int peer = 1; peer <= 17; ++peer)
            records.append(delta(QByteArray::number(peer), 0, 3));
        admitOk(*index, unitsOf(records), &store);
        const crdt::UnitQuery query = index->lacking({});
        QVERIFY(query.all);
        QCOMPARE(recordSet(served(*index, store, {})), recordSet(records));
        crdt::PeerVersion most;
        for (int peer = 1; peer <= 16; ++peer)
            most[dpeer(QByteArray::number(peer))] = 3;
        QCOMPARE(served(*index, store, most), QList<QByteArray> {records.last()});
    }

    // ---- the cap, and reloading -----------------------------------------------------------------

    void capRefusalChangesNothing()
    {
        auto index = m_engine.createIndex();
        FakeStore store;
        admitOk(*index, units({QStringLiteral("d7-0-2")}), &store);
        const QByteArray version = index->version();
        const qint64 bytes = index->byteCount();
        const qint64 more = rec(QStringLiteral("d7-2-5")).size();
        const auto refused
            = index->admit(units({QStringLiteral("d7-2-5"), QStringLiteral("d7-0-2-reencrypted")}),
                crdt::AdmitContext {0, bytes + more});
        QVERIFY(!refused.has_value());
        QCOMPARE(refused.error().reason, QStringLiteral("max-entity-bytes"));
        QCOMPARE(index->byteCount(), bytes);
        QCOMPARE(index->unitCount(), 1);
        QCOMPARE(index->version(), version);
        // Reaching the cap exactly is allowed.
        crdt::Admission a
            = admitOk(*index, units({QStringLiteral("d7-2-5")}), &store, bytes + more);
        QCOMPARE(a.fresh.size(), 1);
        QCOMPARE(index->byteCount(), bytes + more);
    }

    void reloadKeepsTheRules()
    {
        auto index = m_engine.createIndex();
        FakeStore store;
        admitOk(*index,
            units({QStringLiteral("d7-0-2"), QStringLiteral("d7-2-5"), QStringLiteral("d12-0-3"),
                QStringLiteral("dtext-0-4"), QStringLiteral("s-7-5-12-3"),
                QStringLiteral("s-12-9")}),
            &store);
        admitOk(*index, units({QStringLiteral("d7-0-2-reencrypted")}), &store);

        // What the hub loads: every stored unit without its data (loadsData() is false).
        auto reloaded = m_engine.createIndex();
        for (const auto &[key, unit] : store.units)
            reloaded->addStored(
                crdt::Unit {unit.peer, unit.start, unit.end, unit.meta, {}}, unit.data.size());
        QCOMPARE(reloaded->unitCount(), index->unitCount());
        QCOMPARE(reloaded->byteCount(), index->byteCount());
        QCOMPARE(reloaded->version(), index->version());
        for (const crdt::PeerVersion &c : {crdt::PeerVersion {}, client(QStringLiteral("7:2")),
                 client(QStringLiteral("7:5,12:1")),
                 crdt::PeerVersion {{dpeer("7"), 5}, {dpeer("12"), 9}}})
            QCOMPARE(recordSet(served(*reloaded, store, c)), recordSet(served(*index, store, c)));

        // After the reload: a replay is a duplicate, a re-encryption replaces, a cover
        // supersedes, a dominated snapshot is a duplicate, a dominating one replaces.
        QCOMPARE(admitOk(*reloaded, units({QStringLiteral("d7-2-5")}), &store).duplicates, 1);
        QCOMPARE(
            admitOk(*reloaded, units({QStringLiteral("d7-0-2-reencrypted")}), &store).duplicates,
            1);
        crdt::Admission a = admitOk(*reloaded, units({QStringLiteral("d7-0-2")}), &store);
        QCOMPARE(a.fresh.size(), 1);
        QCOMPARE(a.superseded.size(), 1);
        a = admitOk(*reloaded, units({QStringLiteral("d7-0-5")}), &store);
        QCOMPARE(a.superseded.size(), 2);
        QCOMPARE(admitOk(*reloaded, units({QStringLiteral("s-7-5")}), &store).duplicates, 1);
        QCOMPARE(admitOk(*reloaded, units({QStringLiteral("s-12-9")}), &store).duplicates, 1);
        a = admitOk(*reloaded, unitsOf({snapshot({{"12", 9}, {"7", 5}})}), &store);
        QCOMPARE(a.superseded.size(), 2);
        QCOMPARE(reloaded->byteCount(), store.bytes());
        QCOMPARE(qint64(reloaded->unitCount()), qint64(store.units.size()));
    }
};

QTEST_GUILESS_MAIN(TestEloRecord)
#include "tst_elorecord.moc"
