// Loro EphemeralStore payloads as loro-crdt 1.17.1 writes them (tests/interop/fixtures/
// loro-protocol-frames.mjs: EphemeralStore encode/encodeAll/apply with the clock fixed), hostile
// payloads, and the per-key merge of %EPH / %EPS documents through the DocumentIndex interface.
#include "TestBytes.h"
#include "crdt/ephemeral/EphemeralDocumentIndex.h"
#include "crdt/ephemeral/EphemeralEngine.h"
#include "crdt/ephemeral/EphemeralState.h"

#include <cstring>

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QSet>
#include <QTest>

using namespace canopy;
using namespace canopy::ephemeral;

namespace {

using test::leb;
using test::unhex;
const auto str = test::lebBytes;

QByteArray zigzag(qint64 value)
{
    return leb((quint64(value) << 1) ^ quint64(value >> 63));
}

// Postcard EncodedState {key, Option<LoroValue>, timestamp}, laid out by hand: Some(value)...
QByteArray entry(const QByteArray &key, const QByteArray &value, qint64 timestamp)
{
    return str(key) + '\x01' + value + zigzag(timestamp);
}

// ... or None, a deletion.
QByteArray tombstone(const QByteArray &key, qint64 timestamp)
{
    return str(key) + '\x00' + zigzag(timestamp);
}

QByteArray update(const QList<QByteArray> &entries)
{
    QByteArray out = leb(quint64(entries.size()));
    for (const QByteArray &e : entries)
        out += e;
    return out;
}

QByteArray intValue(qint64 v)
{
    return QByteArray(1, '\x03') + zigzag(v);
}

QByteArray stringValue(const QByteArray &s)
{
    return QByteArray(1, '\x04') + str(s);
}

// `levels` nested lists (or one-entry maps) around `inner`.
QByteArray nested(int levels, const QByteArray &inner, bool map = false)
{
    QByteArray out;
    out.reserve(levels * 4 + inner.size());
    for (int i = 0; i < levels; ++i)
        out += map ? QByteArrayLiteral("\x06\x01\x01k") : QByteArrayLiteral("\x05\x01");
    return out + inner;
}

// describeValue's text as JSON ("<n bytes>" for binary becomes a string), in one compact form.
QByteArray renderedJson(const QString &text)
{
    QString quoted = text;
    quoted.replace(
        QRegularExpression(QStringLiteral("<(\\d+) bytes>")), QStringLiteral("\"<\\1 bytes>\""));
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson((u'[' + quoted + u']').toUtf8(), &error);
    if (error.error != QJsonParseError::NoError)
        return "not JSON: " + text.toUtf8();
    return QJsonDocument(doc.array()).toJson(QJsonDocument::Compact);
}

QByteArray expectedJson(const QJsonValue &value)
{
    return QJsonDocument(QJsonArray {value}).toJson(QJsonDocument::Compact);
}

QSet<QByteArray> entrySet(const QList<QByteArray> &entries)
{
    return QSet<QByteArray>(entries.cbegin(), entries.cend());
}

QList<QByteArray> entryBytes(const QList<EphemeralEntry> &entries)
{
    QList<QByteArray> out;
    for (const EphemeralEntry &e : entries)
        out.append(e.bytes);
    return out;
}

QList<QByteArray> dataOf(const QList<crdt::Unit> &units)
{
    QList<QByteArray> out;
    for (const crdt::Unit &unit : units)
        out.append(unit.data);
    return out;
}

QSet<QByteArray> peersOf(const QList<crdt::Unit> &units)
{
    QSet<QByteArray> out;
    for (const crdt::Unit &unit : units)
        out.insert(unit.peer);
    return out;
}

constexpr qint64 T = 1'700'000'000'000;

} // namespace

class TestEphemeralState final : public QObject
{
    Q_OBJECT

private:
    QJsonObject m_eph;

    QJsonArray section(const char *name) const
    {
        return m_eph.value(QLatin1StringView(name)).toArray();
    }

    static std::unique_ptr<crdt::DocumentIndex> index(bool persisted)
    {
        return EphemeralEngine(persisted).createIndex();
    }

    static QList<crdt::Unit> split(const QByteArray &bytes)
    {
        auto out = EphemeralEngine(false).split(bytes);
        if (!out) {
            qWarning("split failed: %s", qPrintable(out.error().message));
            return {};
        }
        return out->units;
    }

    static crdt::Admission admitOk(
        crdt::DocumentIndex &index, const QByteArray &bytes, qint64 nowMs, qint64 maxBytes = 0)
    {
        auto admitted = index.admit(split(bytes), crdt::AdmitContext {nowMs, maxBytes});
        if (!admitted) {
            qWarning("admit refused: %s", qPrintable(admitted.error().message));
            return {};
        }
        return *admitted;
    }

    static void expectRefused(const QByteArray &bytes, const char *why)
    {
        const auto parsed = parseUpdate(bytes);
        QVERIFY2(!parsed.has_value(), why);
        QVERIFY(!parsed.error().message.isEmpty());
        const auto split = EphemeralEngine(true).split(bytes);
        QVERIFY(!split.has_value());
        QCOMPARE(split.error().reason, QStringLiteral("bad-ephemeral"));
    }

    static EphemeralEntry only(const QByteArray &bytes)
    {
        const auto parsed = parseUpdate(bytes);
        if (!parsed || parsed->size() != 1) {
            qWarning("not one entry: %s", parsed ? "count" : qPrintable(parsed.error().message));
            return {};
        }
        return parsed->first();
    }

private Q_SLOTS:
    void initTestCase()
    {
        const QString dir = qEnvironmentVariable("CANOPY_FIXTURES");
        if (dir.isEmpty())
            QFAIL("CANOPY_FIXTURES is not set: run through ctest, which generates the fixtures");
        QFile file(QDir(dir).filePath(QStringLiteral("loro-protocol/manifest.json")));
        QVERIFY2(file.open(QIODevice::ReadOnly), "loro-protocol/manifest.json is missing");
        m_eph = QJsonDocument::fromJson(file.readAll())
                    .object()
                    .value(QStringLiteral("ephemeral"))
                    .toObject();
        QVERIFY2(section("values").size() >= 20, "too few ephemeral values in the manifest");
        QCOMPARE(m_eph.value(QStringLiteral("timeoutMs")).toInteger(), EphemeralEngine::TimeoutMs);
    }

    // ---- what loro-crdt wrote -----------------------------------------------------------------

    void parsesWhatEphemeralStoreEncoded_data()
    {
        QTest::addColumn<QJsonObject>("c");
        for (const char *name : {"values", "deletions"}) {
            for (const QJsonValue &value : section(name))
                QTest::newRow(qPrintable(value.toObject().value(QStringLiteral("name")).toString()))
                    << value.toObject();
        }
    }

    void parsesWhatEphemeralStoreEncoded()
    {
        QFETCH(QJsonObject, c);
        const QByteArray bytes = unhex(c.value(QStringLiteral("hex")).toString());
        const auto parsed = parseUpdate(bytes);
        QVERIFY2(parsed.has_value(), qPrintable(parsed ? QString() : parsed.error().message));
        QCOMPARE(parsed->size(), 1);
        const EphemeralEntry &e = parsed->first();
        QCOMPARE(QString::fromUtf8(e.key), c.value(QStringLiteral("key")).toString());
        QCOMPARE(e.timestampMs, c.value(QStringLiteral("timestamp")).toInteger());
        QCOMPARE(e.present, !c.value(QStringLiteral("deleted")).toBool());
        QCOMPARE(encodeUpdate({e.bytes}).toHex(), bytes.toHex()); // the entry as it came
        const auto again = parseEntry(e.bytes);
        QVERIFY(again.has_value());
        QCOMPARE(again->key, e.key);
        QCOMPARE(again->present, e.present);
        QCOMPARE(again->value, e.value);
        QCOMPARE(again->timestampMs, e.timestampMs);
        QCOMPARE(again->bytes, e.bytes);
        if (!e.present) {
            QVERIFY(e.value.isEmpty());
            return;
        }
        // The value's bytes sit between the key's Some and the timestamp.
        QVERIFY(e.bytes.contains(e.value));
        const QString text = describeValue(e.value, 1 << 20);
        const QString special = c.value(QStringLiteral("special")).toString();
        if (!special.isEmpty())
            QCOMPARE(text, special);
        else
            QCOMPARE(renderedJson(text), expectedJson(c.value(QStringLiteral("json"))));
    }

    void encodeAllOfSeveralKeys_data()
    {
        QTest::addColumn<QJsonObject>("c");
        for (const QJsonValue &value : section("alls"))
            QTest::newRow(qPrintable(value.toObject().value(QStringLiteral("name")).toString()))
                << value.toObject();
    }

    void encodeAllOfSeveralKeys()
    {
        QFETCH(QJsonObject, c);
        const QByteArray bytes = unhex(c.value(QStringLiteral("hex")).toString());
        const auto parsed = parseUpdate(bytes);
        QVERIFY2(parsed.has_value(), qPrintable(parsed ? QString() : parsed.error().message));
        const QJsonArray expected = c.value(QStringLiteral("entries")).toArray();
        QCOMPARE(parsed->size(), expected.size());
        QHash<QString, const EphemeralEntry *> byKey;
        for (const EphemeralEntry &e : *parsed)
            byKey.insert(QString::fromUtf8(e.key), &e);
        for (const QJsonValue &value : expected) {
            const QJsonObject x = value.toObject();
            const EphemeralEntry *e = byKey.value(x.value(QStringLiteral("key")).toString());
            QVERIFY2(e, qPrintable(x.value(QStringLiteral("key")).toString()));
            QCOMPARE(e->timestampMs, x.value(QStringLiteral("timestamp")).toInteger());
            QCOMPARE(e->present, !x.value(QStringLiteral("deleted")).toBool());
            if (e->present)
                QCOMPARE(renderedJson(describeValue(e->value, 1 << 20)),
                    expectedJson(x.value(QStringLiteral("json"))));
        }
        // Re-encoding the parsed entries in their order gives loro's bytes back.
        QCOMPARE(encodeUpdate(entryBytes(*parsed)).toHex(), bytes.toHex());
    }

    // The merge replayed through the index must hold what loro-crdt's store holds afterwards:
    // the same entries as its encodeAll (byte for byte where one key leaves the order fixed).
    void mergesMatchEphemeralStore_data()
    {
        QTest::addColumn<QJsonObject>("c");
        QTest::addColumn<bool>("persisted");
        for (const QJsonValue &value : section("merges")) {
            const QString name = value.toObject().value(QStringLiteral("name")).toString();
            QTest::newRow(qPrintable(name + QStringLiteral(", eph"))) << value.toObject() << false;
            QTest::newRow(qPrintable(name + QStringLiteral(", eps"))) << value.toObject() << true;
        }
    }

    void mergesMatchEphemeralStore()
    {
        QFETCH(QJsonObject, c);
        QFETCH(bool, persisted);
        auto idx = index(persisted);
        for (const QJsonValue &value : c.value(QStringLiteral("steps")).toArray()) {
            const QJsonObject step = value.toObject();
            const auto admitted
                = idx->admit(split(unhex(step.value(QStringLiteral("hex")).toString())),
                    crdt::AdmitContext {step.value(QStringLiteral("nowMs")).toInteger(), 0});
            QVERIFY(admitted.has_value());
        }
        idx->expire(c.value(QStringLiteral("finalNowMs")).toInteger());
        const QByteArray merged = unhex(c.value(QStringLiteral("merged")).toString());
        const QList<QByteArray> held = dataOf(idx->held());
        const auto theirs = parseUpdate(merged);
        QVERIFY(theirs.has_value());
        QCOMPARE(entrySet(held), entrySet(entryBytes(*theirs)));
        QCOMPARE(idx->unitCount(), theirs->size());
        if (c.value(QStringLiteral("deterministic")).toBool())
            QCOMPARE(encodeUpdate(held).toHex(), merged.toHex());
        // And the values are what loro-crdt reports (getAllStates).
        const QJsonObject states = c.value(QStringLiteral("states")).toObject();
        for (const EphemeralEntry &e : *theirs) {
            if (e.present)
                QCOMPARE(renderedJson(describeValue(e.value, 1 << 20)),
                    expectedJson(states.value(QString::fromUtf8(e.key))));
        }
        qint64 bytes = 0;
        for (const QByteArray &data : held)
            bytes += data.size();
        QCOMPARE(idx->byteCount(), bytes);
    }

    void depthLimitAsLoro_data()
    {
        QTest::addColumn<QByteArray>("bytes");
        QTest::addColumn<bool>("loroAccepts");
        for (const QJsonValue &value : section("depths")) {
            const QJsonObject d = value.toObject();
            QTest::newRow(qPrintable(d.value(QStringLiteral("name")).toString()))
                << unhex(d.value(QStringLiteral("hex")).toString())
                << d.value(QStringLiteral("loroAccepts")).toBool();
        }
    }

    // loro-crdt's apply refuses 513 nested lists or maps, and takes 512 with anything inside.
    void depthLimitAsLoro()
    {
        QFETCH(QByteArray, bytes);
        QFETCH(bool, loroAccepts);
        const auto parsed = parseUpdate(bytes);
        QCOMPARE(parsed.has_value(), loroAccepts);
    }

    // ---- hostile payloads ---------------------------------------------------------------------

    void everyTruncationIsRefused_data()
    {
        QTest::addColumn<QByteArray>("bytes");
        for (const char *name : {"values", "deletions", "alls"}) {
            for (const QJsonValue &value : section(name))
                QTest::newRow(qPrintable(value.toObject().value(QStringLiteral("name")).toString()))
                    << unhex(value.toObject().value(QStringLiteral("hex")).toString());
        }
    }

    void everyTruncationIsRefused()
    {
        QFETCH(QByteArray, bytes);
        for (qsizetype n = 0; n < bytes.size(); ++n)
            QVERIFY2(!parseUpdate(QByteArrayView(bytes).first(n)).has_value(),
                qPrintable(QStringLiteral("prefix %1 parsed").arg(n)));
        QVERIFY(!parseUpdate(QByteArray(bytes + '\x00')).has_value());
        const auto parsed = parseUpdate(bytes);
        QVERIFY(parsed.has_value());
        for (const EphemeralEntry &e : *parsed) {
            for (qsizetype n = 0; n < e.bytes.size(); ++n)
                QVERIFY(!parseEntry(QByteArrayView(e.bytes).first(n)).has_value());
            QVERIFY(!parseEntry(QByteArray(e.bytes + '\x00')).has_value());
        }
    }

    void refusals()
    {
        for (const char tag : {'\x09', '\x0a', '\x7f', '\xff'})
            expectRefused(update({entry("k", QByteArray(1, tag), T)}), "unknown tag");
        expectRefused(update({entry("k", QByteArray("\x01\x02", 2), T)}), "bool 2");
        expectRefused(update({entry("k", QByteArray("\x01\xff", 2), T)}), "bool ff");
        QVERIFY(parseUpdate(update({entry("k", QByteArray("\x01\x01", 2), T)})).has_value());
        expectRefused(update({entry("k\xff", intValue(1), T)}), "key not UTF-8");
        expectRefused(update({entry("\xc0\xaf", intValue(1), T)}), "key overlong");
        expectRefused(update({entry("\xed\xa0\x80", intValue(1), T)}), "key surrogate");
        expectRefused(update({entry("k", stringValue("\xe2\x82"), T)}), "string cut sequence");
        expectRefused(
            update({entry("k", QByteArray("\x06\x01", 2) + str("\xff") + intValue(1), T)}),
            "map key not UTF-8");
        // Option is 00 or 01.
        expectRefused(str("k") + '\x02' + intValue(1) + zigzag(T), "option 2");
        expectRefused(
            QByteArray(1, '\x01') + str("k") + '\x02' + intValue(1) + zigzag(T), "option 2");
        // Lengths and counts past the end.
        expectRefused(
            update({entry("k", QByteArray("\x05\x05", 2) + intValue(1), T)}), "list count");
        expectRefused(
            update({entry("k", QByteArray(1, '\x05') + leb(0xffffffffffULL), T)}), "huge list");
        expectRefused(
            update({entry("k", QByteArray(1, '\x08') + leb(1000) + "ab", T)}), "binary length");
        // Postcard has no lengths around values: a value cut short reads into the timestamp, so
        // these are cut at the end of the update.
        expectRefused(QByteArrayLiteral("\x01\x01k\x01\x02") + "1234567", "short double");
        QVERIFY(!describeValue(QByteArray(QByteArrayLiteral("\x02") + "1234567")).startsWith(u'1'));
        expectRefused(leb(5) + entry("k", intValue(1), T), "count past the entries");
        expectRefused(leb(0xffffffffffffULL), "huge count");
        expectRefused(QByteArray::fromHex("ffffffffffffffffffff01"), "count over 64 bits");
        expectRefused(update({str("k") + QByteArray(1, '\x00')}), "no timestamp");
        expectRefused(update({str("k") + QByteArray(1, '\x00')
                          + QByteArray::fromHex("ffffffffffffffffff7f")}),
            "timestamp over 64 bits");
        expectRefused(update({entry("k", intValue(1), T)}) + '\x00', "trailing byte");
        expectRefused({}, "empty");
        // Keys of at most 4096 bytes.
        QVERIFY(parseUpdate(update({entry(QByteArray(4096, 'k'), intValue(1), T)})).has_value());
        expectRefused(update({entry(QByteArray(4097, 'k'), intValue(1), T)}), "key 4097");
        // An empty update and a negative timestamp are fine.
        QCOMPARE(parseUpdate(QByteArray(1, '\x00'))->size(), 0);
        QCOMPARE(only(update({entry("k", intValue(1), -5)})).timestampMs, -5);
        QCOMPARE(only(update({entry("k", intValue(1), INT64_MAX)})).timestampMs, INT64_MAX);
        QCOMPARE(only(update({entry("k", intValue(1), INT64_MIN)})).timestampMs, INT64_MIN);
    }

    void depthLimitBuiltHere()
    {
        // 512 nested lists or maps parse; 513 do not, and neither do a million (no recursion
        // past the limit).
        for (const bool map : {false, true}) {
            const QByteArray empty = map ? QByteArray("\x06\x00", 2) : QByteArray("\x05\x00", 2);
            QVERIFY(parseUpdate(update({entry("d", nested(511, empty, map), T)})).has_value());
            expectRefused(update({entry("d", nested(512, empty, map), T)}), "513 levels");
            expectRefused(
                update({entry("d", nested(1'000'000, empty, map), T)}), "a million levels");
            // Mixed lists and maps count alike.
            QByteArray mixed;
            for (int i = 0; i < 513; ++i)
                mixed
                    += (i % 2) ? QByteArrayLiteral("\x06\x01\x01k") : QByteArrayLiteral("\x05\x01");
            expectRefused(update({entry("d", mixed + empty, T)}), "513 mixed levels");
            const QString text = describeValue(nested(600, empty, map));
            QVERIFY(!text.isEmpty());
        }
    }

    // loro counts only lists and maps toward its 512 levels: a scalar inside the 512th is fine.
    void depthLimitCountsContainersOnly()
    {
        for (const bool map : {false, true}) {
            for (const QByteArray &scalar :
                {QByteArray(1, '\x00'), intValue(1), stringValue("s"), QByteArray("\x01\x01", 2)}) {
                const QByteArray bytes = update({entry("d", nested(512, scalar, map), T)});
                const auto parsed = parseUpdate(bytes);
                QVERIFY2(
                    parsed.has_value(), qPrintable(parsed ? QString() : parsed.error().message));
            }
        }
    }

    void containerValues()
    {
        const QByteArray root = QByteArray(1, '\x07') + leb(0) + str("text") + '\x00';
        const QByteArray normal = QByteArray(1, '\x07') + leb(1) + leb(7) + zigzag(3) + '\x01';
        QCOMPARE(describeValue(root), QStringLiteral("container(text)"));
        QCOMPARE(describeValue(normal), QStringLiteral("container(7@3)"));
        const auto parsed = parseUpdate(update({entry("c", root, T), entry("n", normal, T)}));
        QVERIFY(parsed.has_value());
        QCOMPARE(parsed->size(), 2);
        QCOMPARE(parsed->at(0).value, root);
        QCOMPARE(parsed->at(1).value, normal);
        expectRefused(update({entry("c", QByteArray(1, '\x07') + leb(2) + str("x") + '\x00', T)}),
            "variant 2");
        // Cut at the end of the update: key "c", Some, a container id without its type byte,
        // and one without its counter.
        expectRefused(QByteArray::fromHex("0101630107000178"), "no type");
        expectRefused(QByteArray::fromHex("01016301070107"), "no counter");
        for (const QByteArray &cut :
            {QByteArrayLiteral("\x07\x00\x01x"), QByteArrayLiteral("\x07\x01\x07"),
                QByteArrayLiteral("\x07\x01\x07\x06"), QByteArrayLiteral("\x07")})
            QVERIFY(!describeValue(cut).startsWith(QStringLiteral("container(")));
    }

    void describeValueNeverOverflows()
    {
        const QByteArray longString = stringValue(QByteArray(1000, 'a'));
        const QString text = describeValue(longString, 20);
        QVERIFY(text.size() <= 21);
        QVERIFY(text.endsWith(u'…'));
        QVERIFY(describeValue(longString).size() <= 201);
        QByteArray list = QByteArray(1, '\x05') + leb(300);
        for (int i = 0; i < 300; ++i)
            list += intValue(i * 1000);
        QVERIFY(describeValue(list, 50).size() <= 51);
        QCOMPARE(describeValue(QByteArray("\x03\x54", 2)), QStringLiteral("42"));
        QCOMPARE(describeValue(QByteArray("\x05\x02\x03\x02\x04\x01"
                                          "a",
                     7)),
            QStringLiteral("[1,\"a\"]"));
        QCOMPARE(describeValue(QByteArray("\x08\x03\x01\x02\x03", 5)), QStringLiteral("<3 bytes>"));
        // Malformed values are described by what is wrong with them.
        for (const QByteArray &bad :
            {QByteArray(), QByteArray(1, '\x09'), QByteArray("\x01\x05", 2), QByteArray(1, '\x02'),
                QByteArray("\x04\x05", 2), QByteArray("\x05\x03\x00", 3)})
            QVERIFY(!describeValue(bad).isEmpty());
    }

    void corruptionsNeverCrash()
    {
        for (const QJsonValue &value : section("alls")) {
            const QByteArray bytes
                = unhex(value.toObject().value(QStringLiteral("hex")).toString());
            for (qsizetype i = 0; i < bytes.size(); ++i) {
                for (const char mask : {'\xff', '\x80', '\x01'}) {
                    QByteArray corrupt = bytes;
                    corrupt[i] = char(corrupt[i] ^ mask);
                    const auto parsed = parseUpdate(corrupt);
                    if (!parsed)
                        continue;
                    for (const EphemeralEntry &e : *parsed) {
                        const auto again = parseEntry(e.bytes);
                        QVERIFY(again.has_value());
                        QCOMPARE(again->bytes, e.bytes);
                        if (e.present)
                            (void)describeValue(e.value);
                    }
                    const auto back = parseUpdate(encodeUpdate(entryBytes(*parsed)));
                    QVERIFY(back.has_value());
                    QCOMPARE(entryBytes(*back), entryBytes(*parsed));
                }
            }
        }
    }

    // ---- the merge ------------------------------------------------------------------------------

    void engines()
    {
        const EphemeralEngine eph(false);
        const EphemeralEngine eps(true);
        QCOMPARE(eph.kind(), QStringLiteral("eph"));
        QCOMPARE(eps.kind(), QStringLiteral("eps"));
        QVERIFY(!eph.persistent());
        QVERIFY(eps.persistent());
        QVERIFY(eph.loadsData() && eps.loadsData());
        QVERIFY(eph.decodeVersion(QByteArray("anything"))->empty());
        QCOMPARE(eph.encode({}).value(0).toHex(), QByteArray("00"));
        const QByteArray e1 = entry("cursor/1", stringValue("ann"), T);
        const QByteArray e2 = tombstone("gone", T + 1);
        const QList<crdt::Unit> units = split(update({e1, e2}));
        QCOMPARE(units.size(), 2);
        QCOMPARE(units[0].peer, QByteArray("cursor/1"));
        QCOMPARE(units[0].data, e1);
        QCOMPARE(EphemeralDocumentIndex::timestampOf(units[0]), T);
        QCOMPARE(EphemeralDocumentIndex::timestampOf(units[1]), T + 1);
        QCOMPARE(eps.encode(units).value(0), update({e1, e2}));
        const crdt::UnitDescription d = eph.describe(units[0]);
        QCOMPARE(d.peer, QStringLiteral("cursor/1"));
        QCOMPARE(d.timestampMs, T);
        QCOMPARE(d.detail, QStringLiteral("\"ann\""));
        QCOMPARE(eph.describe(units[1]).detail, QStringLiteral("(deleted)"));
        crdt::Unit broken = units[0];
        broken.data = "\x01";
        QVERIFY(!eph.describe(broken).detail.isEmpty());
        const auto bad = eps.split(QByteArray("\x01\x01k\x05", 4));
        QVERIFY(!bad.has_value());
        QCOMPARE(bad.error().reason, QStringLiteral("bad-ephemeral"));
    }

    void mergeRules_data()
    {
        QTest::addColumn<bool>("persisted");
        QTest::newRow("eph") << false;
        QTest::newRow("eps") << true;
    }

    void mergeRules()
    {
        QFETCH(bool, persisted);
        auto idx = index(persisted);
        const QByteArray v1 = entry("k", intValue(1), T);
        crdt::Admission a = admitOk(*idx, update({v1}), T);
        QCOMPARE(a.fresh.size(), 1);
        QCOMPARE(a.superseded.size(), 0);
        QCOMPARE(a.duplicates, 0);
        QCOMPARE(a.fresh.first().data, v1);
        // Newer wins, and the replaced key is superseded.
        const QByteArray v2 = entry("k", intValue(2), T + 1);
        a = admitOk(*idx, update({v2}), T + 1);
        QCOMPARE(a.fresh.size(), 1);
        QCOMPARE(a.superseded.size(), 1);
        QCOMPARE(a.superseded.first().peer, QByteArray("k"));
        QCOMPARE(dataOf(idx->held()), QList<QByteArray> {v2});
        // Equal keeps the existing value; older loses.
        a = admitOk(*idx, update({entry("k", intValue(3), T + 1)}), T + 2);
        QCOMPARE(a.fresh.size(), 0);
        QCOMPARE(a.duplicates, 1);
        a = admitOk(*idx, update({entry("k", intValue(4), T)}), T + 2);
        QCOMPARE(a.fresh.size(), 0);
        QCOMPARE(a.duplicates, 1);
        QCOMPARE(dataOf(idx->held()), QList<QByteArray> {v2});
        // The very same entry again: a duplicate.
        QCOMPARE(admitOk(*idx, update({v2}), T + 3).duplicates, 1);
        // A timestamp in the future wins, and then blocks newer real updates.
        const QByteArray future = entry("k", intValue(9), T + 5000);
        QCOMPARE(admitOk(*idx, update({future}), T + 3).fresh.size(), 1);
        QCOMPARE(admitOk(*idx, update({entry("k", intValue(5), T + 10)}), T + 10).duplicates, 1);
        QCOMPARE(idx->unitCount(), 1);
        QCOMPARE(idx->byteCount(), future.size());
        QVERIFY(idx->version().isEmpty());
        QVERIFY(idx->lacking({}).isEmpty());
    }

    void arrivalAndExpiry_data() { mergeRules_data(); }

    void arrivalAndExpiry()
    {
        QFETCH(bool, persisted);
        auto idx = index(persisted);
        const qint64 timeout = EphemeralEngine::TimeoutMs;
        // Older than the timeout on arrival: ignored; at the timeout: kept.
        crdt::Admission a = admitOk(*idx, update({entry("old", intValue(1), T)}), T + timeout + 1);
        QCOMPARE(a.fresh.size(), 0);
        QCOMPARE(a.duplicates, 1);
        QCOMPARE(idx->unitCount(), 0);
        a = admitOk(*idx, update({entry("edge", intValue(1), T)}), T + timeout);
        QCOMPARE(a.fresh.size(), 1);
        admitOk(*idx, update({entry("later", intValue(2), T + 500)}), T + 500);
        QCOMPARE(idx->unitCount(), 2);
        // expire() removes what passed the timeout and says which.
        QCOMPARE(idx->expire(T + timeout).size(), 0);
        QList<crdt::Unit> gone = idx->expire(T + timeout + 1);
        QCOMPARE(peersOf(gone), QSet<QByteArray> {"edge"});
        QCOMPARE(idx->unitCount(), 1);
        QCOMPARE(idx->byteCount(), entry("later", intValue(2), T + 500).size());
        QCOMPARE(idx->expire(T + timeout + 2).size(), 0);
        gone = idx->expire(T + 500 + timeout + 1);
        QCOMPARE(peersOf(gone), QSet<QByteArray> {"later"});
        QCOMPARE(idx->unitCount(), 0);
        QCOMPARE(idx->byteCount(), 0);
        QVERIFY(idx->held().isEmpty());
        // A key that expired is unknown again: any live entry is taken.
        QCOMPARE(admitOk(*idx, update({entry("edge", intValue(3), T + 1)}), T + 2).fresh.size(), 1);
    }

    void extremeTimestamps_data() { mergeRules_data(); }

    // Timestamps are the writer's i64: one from the far past is older than any timeout (ignored
    // on arrival, and expired if it is ever held), one from the far future wins and stays.
    void extremeTimestamps()
    {
        QFETCH(bool, persisted);
        auto idx = index(persisted);
        crdt::Admission a = admitOk(*idx, update({entry("past", intValue(1), INT64_MIN)}), T);
        QCOMPARE(a.fresh.size(), 0);
        QCOMPARE(a.duplicates, 1);
        a = admitOk(*idx, update({entry("past", intValue(1), INT64_MIN + 1)}), T);
        QCOMPARE(a.fresh.size(), 0);
        a = admitOk(*idx, update({entry("future", intValue(1), INT64_MAX)}), T);
        QCOMPARE(a.fresh.size(), 1);
        QCOMPARE(idx->expire(T + EphemeralEngine::TimeoutMs + 1).size(), 0);
        auto reloaded = index(persisted);
        for (const QByteArray &bytes :
            {entry("past", intValue(1), INT64_MIN), entry("now", intValue(1), T)})
            reloaded->addStored(split(update({bytes})).first(), bytes.size());
        QCOMPARE(peersOf(reloaded->expire(T)), QSet<QByteArray> {"past"});
    }

    void deletionIsATombstone_data() { mergeRules_data(); }

    void deletionIsATombstone()
    {
        QFETCH(bool, persisted);
        auto idx = index(persisted);
        admitOk(*idx, update({entry("k", stringValue("v"), T)}), T);
        const QByteArray deleted = tombstone("k", T + 100);
        crdt::Admission a = admitOk(*idx, update({deleted}), T + 100);
        QCOMPARE(a.fresh.size(), 1);
        QCOMPARE(a.superseded.size(), 1);
        QCOMPARE(dataOf(idx->held()), QList<QByteArray> {deleted});
        QCOMPARE(idx->unitCount(), 1);
        // An older set loses against the tombstone; a newer one replaces it.
        QCOMPARE(
            admitOk(*idx, update({entry("k", stringValue("w"), T + 50)}), T + 150).duplicates, 1);
        const QByteArray back = entry("k", stringValue("x"), T + 200);
        QCOMPARE(admitOk(*idx, update({back}), T + 200).fresh.size(), 1);
        QCOMPARE(dataOf(idx->held()), QList<QByteArray> {back});
        // A tombstone expires like any entry.
        auto other = index(persisted);
        admitOk(*other, update({deleted}), T + 100);
        QCOMPARE(other->unitCount(), 1);
        QCOMPARE(peersOf(other->expire(T + 100 + EphemeralEngine::TimeoutMs + 1)),
            QSet<QByteArray> {"k"});
        QCOMPARE(other->unitCount(), 0);
    }

    void oneUpdateWithTheSameKeyTwice_data() { mergeRules_data(); }

    void oneUpdateWithTheSameKeyTwice()
    {
        QFETCH(bool, persisted);
        auto idx = index(persisted);
        admitOk(*idx, update({entry("k", intValue(0), T)}), T);
        const QByteArray newest = entry("k", intValue(2), T + 20);
        const crdt::Admission a = admitOk(*idx,
            update({entry("k", intValue(1), T + 10), newest, entry("k", intValue(3), T + 15),
                entry("j", intValue(4), T + 1)}),
            T + 20);
        QCOMPARE(a.fresh.size(), 2);
        QCOMPARE(peersOf(a.fresh), (QSet<QByteArray> {"k", "j"}));
        QCOMPARE(a.superseded.size(), 1); // the stored k, once
        QCOMPARE(a.duplicates, 2); // k@10 replaced within the update, k@15 older than k@20
        QCOMPARE(entrySet(dataOf(idx->held())), entrySet({newest, entry("j", intValue(4), T + 1)}));
    }

    void capRefusalChangesNothing_data() { mergeRules_data(); }

    void capRefusalChangesNothing()
    {
        QFETCH(bool, persisted);
        auto idx = index(persisted);
        const QByteArray first = entry("a", stringValue("12345"), T);
        admitOk(*idx, update({first}), T);
        const qint64 cap = first.size() + 10;
        const QByteArray big = entry("b", stringValue("0123456789abcdef"), T + 1);
        const auto refused
            = idx->admit(split(update({big, entry("a", stringValue("67890"), T + 2)})),
                crdt::AdmitContext {T + 2, cap});
        QVERIFY(!refused.has_value());
        QCOMPARE(refused.error().reason, QStringLiteral("max-entity-bytes"));
        QCOMPARE(dataOf(idx->held()), QList<QByteArray> {first});
        QCOMPARE(idx->byteCount(), first.size());
        QCOMPARE(idx->unitCount(), 1);
        // Replacing a value with one of the same size does not grow the state: allowed at the cap.
        const QByteArray same = entry("a", stringValue("67890"), T + 2);
        auto admitted = idx->admit(split(update({same})), crdt::AdmitContext {T + 2, first.size()});
        QVERIFY(admitted.has_value());
        QCOMPARE(admitted->fresh.size(), 1);
        QCOMPARE(dataOf(idx->held()), QList<QByteArray> {same});
        // A smaller one is allowed too; a larger one passing the cap is not.
        admitted = idx->admit(
            split(update({entry("a", intValue(1), T + 3)})), crdt::AdmitContext {T + 3, 1});
        QVERIFY(admitted.has_value());
        QVERIFY(!idx->admit(split(update({entry("a", stringValue("much longer now"), T + 4)})),
                        crdt::AdmitContext {T + 4, idx->byteCount() + 1})
                     .has_value());
    }

    void supersededForThePersistedKind()
    {
        // %EPS stores each key's entry: the replaced row is named so the store deletes it.
        auto idx = index(true);
        admitOk(
            *idx, update({entry("theme", stringValue("light"), T), entry("x", intValue(1), T)}), T);
        const crdt::Admission a = admitOk(*idx,
            update({entry("theme", stringValue("dark"), T + 5), entry("new", intValue(1), T + 5)}),
            T + 5);
        QCOMPARE(a.fresh.size(), 2);
        QCOMPARE(a.superseded.size(), 1);
        QCOMPARE(a.superseded.first().peer, QByteArray("theme"));
        QCOMPARE(a.superseded.first().start, a.fresh.first().start);
        QCOMPARE(a.superseded.first().end, a.fresh.first().end);
    }

    void reloadForThePersistedKind()
    {
        auto idx = index(true);
        admitOk(*idx, update({entry("theme", stringValue("dark"), T), tombstone("gone", T + 1)}),
            T + 1);
        auto reloaded = index(true);
        for (const crdt::Unit &unit : idx->held())
            reloaded->addStored(unit, unit.data.size());
        QCOMPARE(reloaded->unitCount(), 2);
        QCOMPARE(reloaded->byteCount(), idx->byteCount());
        QCOMPARE(entrySet(dataOf(reloaded->held())), entrySet(dataOf(idx->held())));
        QCOMPARE(admitOk(*reloaded, update({entry("theme", stringValue("old"), T - 1)}), T + 2)
                     .duplicates,
            1);
        const crdt::Admission a
            = admitOk(*reloaded, update({entry("theme", stringValue("new"), T + 2)}), T + 2);
        QCOMPARE(a.superseded.size(), 1);
        QCOMPARE(peersOf(reloaded->expire(T + 1 + EphemeralEngine::TimeoutMs + 1)),
            (QSet<QByteArray> {"gone"}));
    }

    void answerIsTheLiveState()
    {
        // answer() reads the wall clock: entries written now are live, old ones are left out.
        auto idx = index(false);
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        const QByteArray live = entry("live", intValue(1), now);
        const QByteArray tomb = tombstone("tomb", now);
        admitOk(*idx, update({live, tomb, entry("old", intValue(1), now - 60'000)}), now - 55'000);
        QCOMPARE(idx->unitCount(), 3); // "old" was live when it arrived
        const QList<QByteArray> answer = idx->answer({}, {});
        QCOMPARE(answer.size(), 1);
        const auto parsed = parseUpdate(answer.first());
        QVERIFY(parsed.has_value());
        QCOMPARE(entrySet(entryBytes(*parsed)), entrySet({live, tomb}));
        // An empty room answers an empty update (00).
        QCOMPARE(index(true)->answer({}, {}).value(0).toHex(), QByteArray("00"));
    }
};

QTEST_GUILESS_MAIN(TestEphemeralState)
#include "tst_ephemeralstate.moc"
