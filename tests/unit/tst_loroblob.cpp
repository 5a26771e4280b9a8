// The Loro blob codec against blobs made by the real loro-crdt (tests/interop/fixtures/
// generate.mjs), plus hostile input: every failure must be a LoroError, never a crash.
#include "crdt/loro/LoroBlob.h"

#define XXH_INLINE_ALL
#include <lz4frame.h>
#include <optional>
#include <xxhash.h>

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

using namespace canopy::loro;

namespace {

constexpr quint32 Seed = 0x4F524F4C;
constexpr qsizetype HeaderSize = 22;
constexpr qsizetype OplogStart = HeaderSize + 4; // after the oplog's u32 length

quint32 xxh32(QByteArrayView data)
{
    return XXH32(data.data(), size_t(data.size()), Seed);
}

quint32 u32le(QByteArrayView data, qsizetype at)
{
    quint32 v = 0;
    for (int i = 3; i >= 0; --i)
        v = v << 8 | quint8(data[at + i]);
    return v;
}

void putU32le(QByteArray &data, qsizetype at, quint32 v)
{
    for (int i = 0; i < 4; ++i)
        data[at + i] = char((v >> (8 * i)) & 0xff);
}

void appendU32le(QByteArray &out, quint32 v)
{
    out.append(4, '\0');
    putU32le(out, out.size() - 4, v);
}

void appendU16le(QByteArray &out, quint16 v)
{
    out.append(char(v & 0xff));
    out.append(char(v >> 8));
}

void appendLeb(QByteArray &out, quint64 v)
{
    do {
        out.append(char((v & 0x7f) | (v > 0x7f ? 0x80 : 0)));
        v >>= 7;
    } while (v);
}

// Recomputes the header checksum so a test reaches the layer behind it.
QByteArray withChecksum(QByteArray blob)
{
    if (blob.size() >= 20)
        putU32le(blob, 16, xxh32(QByteArrayView(blob).sliced(20)));
    return blob;
}

QByteArray header(quint16 mode)
{
    QByteArray out("loro");
    out.append(16, '\0');
    out.append(char(mode >> 8));
    out.append(char(mode & 0xff));
    return out;
}

QByteArray snapshotBlob(
    const QByteArray &oplog, const QByteArray &state = {}, const QByteArray &shallow = {})
{
    QByteArray out = header(3);
    for (const QByteArray *section : {&oplog, &state, &shallow}) {
        appendU32le(out, quint32(section->size()));
        out.append(*section);
    }
    return withChecksum(out);
}

QByteArray lz4Frame(QByteArrayView plain)
{
    QByteArray out(qsizetype(LZ4F_compressFrameBound(size_t(plain.size()), nullptr)), '\0');
    const size_t n = LZ4F_compressFrame(
        out.data(), size_t(out.size()), plain.data(), size_t(plain.size()), nullptr);
    Q_ASSERT(!LZ4F_isError(n));
    out.truncate(qsizetype(n));
    return out;
}

struct Entry
{
    QByteArray key;
    QByteArray value;
};

// A one-block SSTable laid out as Loro writes it; `flags` overrides the meta flags byte.
QByteArray sstable(const QList<Entry> &entries, bool lz4, std::optional<quint8> flags = {})
{
    QByteArray body;
    QList<quint16> offsets;
    for (const Entry &e : entries) {
        offsets.append(quint16(body.size()));
        if (offsets.size() > 1) {
            int common = 0;
            const QByteArray &first = entries.first().key;
            while (common < first.size() && common < e.key.size() && common < 255
                && first[common] == e.key[common])
                ++common;
            body.append(char(common));
            appendU16le(body, quint16(e.key.size() - common));
            body.append(e.key.mid(common));
        }
        body.append(e.value);
    }
    for (quint16 o : offsets)
        appendU16le(body, o);
    appendU16le(body, quint16(offsets.size()));
    const QByteArray stored = lz4 ? lz4Frame(body) : body;

    QByteArray out("LORO");
    out.append(char(0));
    out.append(stored);
    appendU32le(out, xxh32(stored));
    const quint32 metaOffset = quint32(out.size());
    QByteArray meta;
    appendU32le(meta, 5);
    appendU16le(meta, quint16(entries.first().key.size()));
    meta.append(entries.first().key);
    meta.append(char(flags.value_or(lz4 ? 1 : 0)));
    appendU16le(meta, quint16(entries.last().key.size()));
    meta.append(entries.last().key);
    appendU32le(out, 1);
    out.append(meta);
    appendU32le(out, xxh32(meta));
    appendU32le(out, metaOffset);
    return out;
}

QByteArray blockKey(quint64 peer, quint32 counter)
{
    QByteArray key;
    for (int i = 7; i >= 0; --i)
        key.append(char((peer >> (8 * i)) & 0xff));
    for (int i = 3; i >= 0; --i)
        key.append(char((counter >> (8 * i)) & 0xff));
    return key;
}

// [begin, end) of SSTable data block `index` (stored body, checksum excluded) in `blob`.
std::pair<qsizetype, qsizetype> oplogBlockRange(const QByteArray &blob, int index)
{
    const qsizetype oplogLen = u32le(blob, HeaderSize);
    const QByteArrayView oplog = QByteArrayView(blob).sliced(OplogStart, oplogLen);
    const qsizetype metaOffset = u32le(oplog, oplog.size() - 4);
    const quint32 count = u32le(oplog, metaOffset);
    qsizetype at = metaOffset + 4;
    QList<qsizetype> offsets;
    for (quint32 i = 0; i < count; ++i) {
        offsets.append(u32le(oplog, at));
        const qsizetype firstLen = quint8(oplog[at + 4]) | quint8(oplog[at + 5]) << 8;
        at += 6 + firstLen;
        const bool large = quint8(oplog[at]) & 0x80;
        at += 1;
        if (!large)
            at += 2 + (quint8(oplog[at]) | quint8(oplog[at + 1]) << 8);
    }
    const qsizetype begin = offsets[index];
    const qsizetype end = index + 1 < offsets.size() ? offsets[index + 1] : metaOffset;
    return {OplogStart + begin, OplogStart + end - 4};
}

// Rewrites the checksum of oplog block `index`, then the header's.
QByteArray fixBlockChecksum(QByteArray blob, int index)
{
    const auto [begin, end] = oplogBlockRange(blob, index);
    putU32le(blob, end, xxh32(QByteArrayView(blob).sliced(begin, end - begin)));
    return withChecksum(blob);
}

VersionVector vvFromJson(const QJsonArray &pairs)
{
    VersionVector vv;
    for (const QJsonValue &pair : pairs)
        vv[pair[0].toString().toULongLong()] = quint32(pair[1].toInteger());
    return vv;
}

QString vvToString(const VersionVector &vv)
{
    QStringList parts;
    for (const auto &[peer, counter] : vv)
        parts.append(QString::number(peer) + QLatin1Char(':') + QString::number(counter));
    return QLatin1Char('{') + parts.join(QLatin1Char(',')) + QLatin1Char('}');
}

QString blockToString(const ChangeBlock &b)
{
    return QStringLiteral("%1@[%2,%3) lamport [%4,%5) changes %6")
        .arg(b.peer)
        .arg(b.counterStart)
        .arg(b.counterEnd)
        .arg(b.lamportStart)
        .arg(b.lamportEnd)
        .arg(b.changeCount);
}

QList<QByteArrayView> views(const QList<ChangeBlock> &blocks)
{
    QList<QByteArrayView> out;
    for (const ChangeBlock &b : blocks)
        out.append(b.bytes);
    return out;
}

} // namespace

Q_DECLARE_METATYPE(LoroErrorCode)

class TestLoroBlob : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();

    void fixtureParses_data();
    void fixtureParses();
    void emptyUpdate();
    void reencodedUpdateIsIdentical_data();
    void reencodedUpdateIsIdentical();
    void reencodedSnapshotOplog_data();
    void reencodedSnapshotOplog();
    void mergedUpdates_data();
    void mergedUpdates();

    void versionVectorFromLoro_data();
    void versionVectorFromLoro();
    void versionVectorExamples_data();
    void versionVectorExamples();
    void versionVectorRejects_data();
    void versionVectorRejects();
    void versionVectorWithin();

    void headerRejects_data();
    void headerRejects();
    void flippedBodyByteFailsChecksum_data();
    void flippedBodyByteFailsChecksum();
    void everyPrefixFails_data();
    void everyPrefixFails();
    void mutationsNeverCrash_data();
    void mutationsNeverCrash();

    void corruptSstableChecksum_data();
    void corruptSstableChecksum();
    void corruptLz4_data();
    void corruptLz4();
    void lz4OutputIsCapped();
    void decompressionLimits_data();
    void decompressionLimits();
    void hugeSstableMetaKeepsNothing();
    void splitUpdateBlobs();
    void craftedSnapshots_data();
    void craftedSnapshots();
    void changeBlockRejects_data();
    void changeBlockRejects();

    void describeNames();

private:
    QByteArray fixture(const QString &file) const;
    QJsonObject blobEntry(const QString &name) const;
    void addBlobRows(bool (*keep)(const QJsonObject &));
    void dump(const QString &name, const QByteArray &blob) const;

    QDir m_dir;
    QJsonObject m_manifest;
};

void TestLoroBlob::initTestCase()
{
    const QByteArray dir = qgetenv("CANOPY_FIXTURES");
    if (dir.isEmpty())
        QFAIL(
            "CANOPY_FIXTURES is not set: run `node tests/interop/fixtures/generate.mjs <dir>` and "
            "point CANOPY_FIXTURES at <dir> (ctest does both)");
    m_dir = QDir(QString::fromLocal8Bit(dir));
    QFile file(m_dir.filePath(QStringLiteral("manifest.json")));
    QVERIFY2(file.open(QIODevice::ReadOnly),
        qPrintable(file.fileName() + QStringLiteral(" is missing")));
    QJsonParseError error;
    m_manifest = QJsonDocument::fromJson(file.readAll(), &error).object();
    QVERIFY2(error.error == QJsonParseError::NoError, qPrintable(error.errorString()));
    QVERIFY(m_manifest.value(QStringLiteral("blobs")).toArray().size() >= 10);
}

QByteArray TestLoroBlob::fixture(const QString &file) const
{
    QFile f(m_dir.filePath(file));
    if (!f.open(QIODevice::ReadOnly))
        qFatal("fixture %s is missing", qPrintable(f.fileName()));
    return f.readAll();
}

QJsonObject TestLoroBlob::blobEntry(const QString &name) const
{
    for (const QJsonValue &v : m_manifest.value(QStringLiteral("blobs")).toArray())
        if (v[QStringLiteral("name")].toString() == name)
            return v.toObject();
    qFatal("no blob %s in the manifest", qPrintable(name));
    return {};
}

void TestLoroBlob::addBlobRows(bool (*keep)(const QJsonObject &))
{
    QTest::addColumn<QString>("name");
    for (const QJsonValue &v : m_manifest.value(QStringLiteral("blobs")).toArray()) {
        const QString name = v[QStringLiteral("name")].toString();
        if (keep(v.toObject()))
            QTest::newRow(qPrintable(name)) << name;
    }
}

// With CANOPY_LORO_DUMP set, re-encoded blobs are kept for `generate.mjs --verify`.
void TestLoroBlob::dump(const QString &name, const QByteArray &blob) const
{
    const QString dir = qEnvironmentVariable("CANOPY_LORO_DUMP");
    if (dir.isEmpty())
        return;
    QDir().mkpath(dir);
    QFile f(QDir(dir).filePath(name + QStringLiteral(".bin")));
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(blob);
}

// ---- Real blobs ---------------------------------------------------------------------------------

void TestLoroBlob::fixtureParses_data()
{
    addBlobRows([](const QJsonObject &) { return true; });
}

void TestLoroBlob::fixtureParses()
{
    QFETCH(QString, name);
    const QJsonObject entry = blobEntry(name);
    const QByteArray data = fixture(entry[QStringLiteral("file")].toString());
    QCOMPARE(qint64(data.size()), entry[QStringLiteral("size")].toInteger());

    const auto parsed = LoroBlob::parse(data);
    QVERIFY2(parsed, qPrintable(parsed ? QString() : parsed.error().message));
    const LoroBlob &blob = *parsed;
    QCOMPARE(int(blob.mode), entry[QStringLiteral("mode")].toInt());
    QCOMPARE(blob.shallow, entry[QStringLiteral("shallow")].toBool());
    QCOMPARE(vvToString(blob.version),
        vvToString(vvFromJson(entry[QStringLiteral("version")].toArray())));
    // A shallow snapshot's "sv" is where its kept history starts: loro's partial start version
    // (the zero entries loro lists for peers it kept whole do not appear in "sv").
    if (blob.shallow) {
        VersionVector start;
        for (const auto &[peer, counter] : vvFromJson(entry[QStringLiteral("start")].toArray())) {
            if (counter > 0)
                start.emplace(peer, counter);
        }
        VersionVector parsedStart;
        for (const auto &[peer, counter] : blob.shallowStart) {
            if (counter > 0)
                parsedStart.emplace(peer, counter);
        }
        QCOMPARE(vvToString(parsedStart), vvToString(start));
        QVERIFY(!blob.shallowStart.empty());
    } else {
        QVERIFY(blob.shallowStart.empty());
    }

    // Exact blocks, where the manifest lists them.
    if (entry.contains(QStringLiteral("blocks"))) {
        QStringList expected;
        for (const QJsonValue &b : entry[QStringLiteral("blocks")].toArray()) {
            ChangeBlock e;
            e.peer = b[QStringLiteral("peer")].toString().toULongLong();
            e.counterStart = quint32(b[QStringLiteral("counterStart")].toInteger());
            e.counterEnd = quint32(b[QStringLiteral("counterEnd")].toInteger());
            e.lamportStart = quint32(b[QStringLiteral("lamportStart")].toInteger());
            e.lamportEnd = quint32(b[QStringLiteral("lamportEnd")].toInteger());
            e.changeCount = quint32(b[QStringLiteral("changeCount")].toInteger());
            expected.append(blockToString(e));
        }
        QStringList actual;
        for (const ChangeBlock &b : blob.blocks)
            actual.append(blockToString(b));
        QCOMPARE(actual, expected);
    }

    // Every blob, however loro split it: blocks ascend by (peer, counter), tile each peer's
    // range [start, end) from decodeImportBlobMeta, and agree with loro's own change list.
    const VersionVector start = vvFromJson(entry[QStringLiteral("start")].toArray());
    const VersionVector end = vvFromJson(entry[QStringLiteral("end")].toArray());
    const QJsonObject changes = entry[QStringLiteral("changes")].toObject();
    std::map<quint64, quint32> next; // per peer: where the next block must start
    quint64 changeSum = 0;
    for (qsizetype i = 0; i < blob.blocks.size(); ++i) {
        const ChangeBlock &b = blob.blocks[i];
        const QString where = QStringLiteral("block %1 %2").arg(i).arg(blockToString(b));
        if (i > 0) {
            const ChangeBlock &prev = blob.blocks[i - 1];
            QVERIFY2(
                prev.peer < b.peer || (prev.peer == b.peer && prev.counterEnd == b.counterStart),
                qPrintable(where + QStringLiteral(": out of order or not contiguous")));
        }
        if (!next.count(b.peer)) {
            const auto s = start.find(b.peer);
            QVERIFY2(b.counterStart == (s == start.end() ? 0 : s->second),
                qPrintable(where + QStringLiteral(": does not begin at the meta start")));
        }
        next[b.peer] = b.counterEnd;
        changeSum += b.changeCount;

        // Loro's changes of this peer: [counter, length, lamport]; lamport steps with the counter.
        const QJsonArray list = changes[QString::number(b.peer)].toArray();
        const auto lamportAt = [&list](quint32 counter) -> qint64 {
            for (const QJsonValue &c : list) {
                const auto first = quint32(c[0].toInteger());
                if (first <= counter && counter < first + quint32(c[1].toInteger()))
                    return c[2].toInteger() + (counter - first);
            }
            return -1; // no loro change holds this counter
        };
        quint32 overlapping = 0;
        for (const QJsonValue &c : list) {
            const auto first = quint32(c[0].toInteger());
            if (first < b.counterEnd && first + quint32(c[1].toInteger()) > b.counterStart)
                ++overlapping;
        }
        QVERIFY2(overlapping == b.changeCount,
            qPrintable(where + QStringLiteral(": loro has %1 changes").arg(overlapping)));
        QCOMPARE(lamportAt(b.counterStart), qint64(b.lamportStart));
        QCOMPARE(lamportAt(b.counterEnd - 1), qint64(b.lamportEnd) - 1);
    }
    QCOMPARE(changeSum, quint64(entry[QStringLiteral("changeNum")].toInteger()));
    VersionVector reached(next.begin(), next.end());
    VersionVector expectedEnd;
    for (const auto &[peer, counter] : end)
        if (counter > (start.count(peer) ? start.at(peer) : 0))
            expectedEnd[peer] = counter;
    QCOMPARE(vvToString(reached), vvToString(expectedEnd));

    for (const ChangeBlock &b : blob.blocks) {
        const auto again = parseChangeBlock(b.bytes);
        QVERIFY(again);
        QCOMPARE(blockToString(*again), blockToString(b));
    }
}

void TestLoroBlob::emptyUpdate()
{
    const QByteArray empty = fixture(QStringLiteral("update-empty.bin"));
    QCOMPARE(empty.size(), qsizetype(22));
    QCOMPARE(encodeUpdateBlob({}), empty);
    QCOMPARE(empty.toHex(), QByteArray("6c6f726f000000000000000000000000587c7be20004"));
    const auto parsed = LoroBlob::parse(empty);
    QVERIFY(parsed);
    QCOMPARE(parsed->mode, BlobMode::Update);
    QVERIFY(parsed->blocks.isEmpty());
    QVERIFY(parsed->version.empty());
    QVERIFY(!parsed->shallow);
}

void TestLoroBlob::reencodedUpdateIsIdentical_data()
{
    addBlobRows([](const QJsonObject &e) { return e[QStringLiteral("mode")].toInt() == 4; });
}

// Loro's own update blobs are exactly header + `LEB len + block`...: re-encoding the parsed
// blocks must give back the very same bytes, checksum included.
void TestLoroBlob::reencodedUpdateIsIdentical()
{
    QFETCH(QString, name);
    const QByteArray data = fixture(blobEntry(name)[QStringLiteral("file")].toString());
    const auto parsed = LoroBlob::parse(data);
    QVERIFY(parsed);
    QCOMPARE(encodeUpdateBlob(views(parsed->blocks)).toHex(), data.toHex());
}

void TestLoroBlob::reencodedSnapshotOplog_data()
{
    addBlobRows([](const QJsonObject &e) { return e[QStringLiteral("mode")].toInt() == 3; });
}

void TestLoroBlob::reencodedSnapshotOplog()
{
    QFETCH(QString, name);
    const QJsonObject entry = blobEntry(name);
    const auto snapshot = LoroBlob::parse(fixture(entry[QStringLiteral("file")].toString()));
    QVERIFY(snapshot);
    const QByteArray update = encodeUpdateBlob(views(snapshot->blocks));
    QCOMPARE(u32le(update, 16), xxh32(QByteArrayView(update).sliced(20)));
    const auto parsed = LoroBlob::parse(update);
    QVERIFY2(parsed, qPrintable(parsed ? QString() : parsed.error().message));
    QCOMPARE(parsed->mode, BlobMode::Update);
    QCOMPARE(parsed->blocks.size(), snapshot->blocks.size());
    for (qsizetype i = 0; i < parsed->blocks.size(); ++i) {
        QCOMPARE(parsed->blocks[i].bytes, snapshot->blocks[i].bytes);
        QCOMPARE(blockToString(parsed->blocks[i]), blockToString(snapshot->blocks[i]));
    }
    // A full snapshot's blocks hold its whole history, so they reach its version.
    if (!snapshot->shallow) {
        VersionVector nonZero;
        for (const auto &[peer, counter] : snapshot->version)
            if (counter)
                nonZero[peer] = counter;
        QCOMPARE(vvToString(parsed->version), vvToString(nonZero));
    }
    if (entry.contains(QStringLiteral("stateDigest")))
        dump(name, update);
}

void TestLoroBlob::mergedUpdates_data()
{
    QTest::addColumn<QString>("name");
    QTest::addColumn<QStringList>("parts");
    for (const QJsonValue &m : m_manifest.value(QStringLiteral("merges")).toArray()) {
        QStringList parts;
        for (const QJsonValue &p : m[QStringLiteral("parts")].toArray())
            parts.append(p.toString());
        QTest::newRow(qPrintable(m[QStringLiteral("name")].toString()))
            << m[QStringLiteral("name")].toString() << parts;
    }
}

// Blocks of several updates written as one blob (what the host sends) re-parse to the same
// blocks, in order, with a valid checksum; the version is the union of the parts'.
void TestLoroBlob::mergedUpdates()
{
    QFETCH(QString, name);
    QFETCH(QStringList, parts);
    QList<ChangeBlock> all;
    VersionVector version;
    for (const QString &part : parts) {
        const auto parsed
            = LoroBlob::parse(fixture(blobEntry(part)[QStringLiteral("file")].toString()));
        QVERIFY(parsed);
        all.append(parsed->blocks);
        for (const auto &[peer, counter] : parsed->version)
            version[peer] = qMax(version[peer], counter);
    }
    const QByteArray merged = encodeUpdateBlob(views(all));
    const auto parsed = LoroBlob::parse(merged);
    QVERIFY2(parsed, qPrintable(parsed ? QString() : parsed.error().message));
    QCOMPARE(parsed->blocks.size(), all.size());
    for (qsizetype i = 0; i < all.size(); ++i)
        QCOMPARE(parsed->blocks[i].bytes, all[i].bytes);
    QCOMPARE(vvToString(parsed->version), vvToString(version));
    dump(name, merged);
}

// ---- Version vectors ----------------------------------------------------------------------------

void TestLoroBlob::versionVectorFromLoro_data()
{
    QTest::addColumn<QString>("file");
    QTest::addColumn<QString>("expected");
    for (const QJsonValue &v : m_manifest.value(QStringLiteral("versionVectors")).toArray())
        QTest::newRow(qPrintable(v[QStringLiteral("name")].toString()))
            << v[QStringLiteral("file")].toString()
            << vvToString(vvFromJson(v[QStringLiteral("version")].toArray()));
}

void TestLoroBlob::versionVectorFromLoro()
{
    QFETCH(QString, file);
    QFETCH(QString, expected);
    const QByteArray bytes = fixture(file);
    const auto vv = decodeVersionVector(bytes);
    QVERIFY2(vv, qPrintable(vv ? QString() : vv.error().message));
    QCOMPARE(vvToString(*vv), expected);
    // Loro writes a HashMap in arbitrary order; ours is sorted, so compare by decoding back.
    const QByteArray encoded = encodeVersionVector(*vv);
    QCOMPARE(encoded.size(), bytes.size());
    const auto again = decodeVersionVector(encoded);
    QVERIFY(again);
    QCOMPARE(vvToString(*again), expected);
}

void TestLoroBlob::versionVectorExamples_data()
{
    QTest::addColumn<QByteArray>("hex");
    QTest::addColumn<QString>("expected");
    // protocol.md B6, and the 64-bit and large-counter edges.
    QTest::newRow("empty") << QByteArray("00") << QStringLiteral("{}");
    QTest::newRow("{42:2}") << QByteArray("012a04") << QStringLiteral("{42:2}");
    QTest::newRow("{1:2,2:2}") << QByteArray("0201040204") << QStringLiteral("{1:2,2:2}");
    QTest::newRow("u64 max peer") << QByteArray("02ffffffffffffffffff01000000")
                                  << QStringLiteral("{0:0,18446744073709551615:0}");
    QTest::newRow("i32 max counter")
        << QByteArray("0101feffffff0f") << QStringLiteral("{1:2147483647}");
}

void TestLoroBlob::versionVectorExamples()
{
    QFETCH(QByteArray, hex);
    QFETCH(QString, expected);
    const auto vv = decodeVersionVector(QByteArray::fromHex(hex));
    QVERIFY2(vv, qPrintable(vv ? QString() : vv.error().message));
    QCOMPARE(vvToString(*vv), expected);
    const auto again = decodeVersionVector(encodeVersionVector(*vv));
    QVERIFY(again);
    QCOMPARE(vvToString(*again), expected);
}

void TestLoroBlob::versionVectorRejects_data()
{
    QTest::addColumn<QByteArray>("hex");
    QTest::newRow("nothing") << QByteArray("");
    QTest::newRow("count without entries") << QByteArray("01");
    QTest::newRow("peer without counter") << QByteArray("0101");
    QTest::newRow("huge count") << QByteArray("ffffffff0f0102");
    QTest::newRow("negative counter") << QByteArray("010101");
    QTest::newRow("counter beyond u32") << QByteArray("0101ffffffff7f");
    QTest::newRow("peer beyond u64") << QByteArray("01ffffffffffffffffff0200");
    QTest::newRow("endless varint") << QByteArray("01ffffffffffffffffffffff");
    QTest::newRow("duplicate peer") << QByteArray("0201020104");
    QTest::newRow("trailing byte") << QByteArray("01010200");
}

void TestLoroBlob::versionVectorRejects()
{
    QFETCH(QByteArray, hex);
    const auto vv = decodeVersionVector(QByteArray::fromHex(hex));
    QVERIFY(!vv);
    QCOMPARE(vv.error().code, LoroErrorCode::BadVersionVector);
    QVERIFY(!vv.error().message.isEmpty());
}

// ---- Hostile input ------------------------------------------------------------------------------

void TestLoroBlob::headerRejects_data()
{
    QTest::addColumn<QByteArray>("blob");
    QTest::addColumn<LoroErrorCode>("code");
    const QByteArray a = fixture(QStringLiteral("update-a.bin"));
    const auto withMode = [&a](quint16 mode) {
        QByteArray b = a;
        b[20] = char(mode >> 8);
        b[21] = char(mode & 0xff);
        return withChecksum(b);
    };
    QTest::newRow("empty") << QByteArray() << LoroErrorCode::TooShort;
    QTest::newRow("21 bytes") << a.left(21) << LoroErrorCode::TooShort;
    QTest::newRow("bad magic") << QByteArray(a).replace(0, 4, "LORO") << LoroErrorCode::BadMagic;
    QTest::newRow("zeros") << QByteArray(64, '\0') << LoroErrorCode::BadMagic;
    QByteArray checksum = a;
    checksum[16] = char(checksum[16] ^ 0x01);
    QTest::newRow("checksum byte") << checksum << LoroErrorCode::BadChecksum;
    QTest::newRow("mode 1") << withMode(1) << LoroErrorCode::UnsupportedMode;
    QTest::newRow("mode 2") << withMode(2) << LoroErrorCode::UnsupportedMode;
    QTest::newRow("mode 255") << withMode(255) << LoroErrorCode::UnsupportedMode;
    QTest::newRow("mode 0") << withMode(0) << LoroErrorCode::UnknownMode;
    QTest::newRow("mode 5") << withMode(5) << LoroErrorCode::UnknownMode;
    QTest::newRow("mode 0x0400 (little-endian 4)")
        << withMode(0x0400) << LoroErrorCode::UnknownMode;
    QTest::newRow("mode 0xffff") << withMode(0xffff) << LoroErrorCode::UnknownMode;
    QTest::newRow("update cut mid-block")
        << withChecksum(a.left(a.size() - 1)) << LoroErrorCode::Truncated;
    QTest::newRow("update with a zero-length block")
        << withChecksum(a + QByteArray(1, '\0')) << LoroErrorCode::BadBlock;
    QTest::newRow("snapshot without sections")
        << withChecksum(header(3)) << LoroErrorCode::Truncated;
    QTest::newRow("snapshot with empty sections") << snapshotBlob({}) << LoroErrorCode::BadSnapshot;
    QTest::newRow("snapshot with trailing byte")
        << withChecksum(fixture(QStringLiteral("snapshot-empty.bin")) + "x")
        << LoroErrorCode::BadSnapshot;
    QTest::newRow("snapshot oplog length past the end")
        << withChecksum(header(3) + QByteArray::fromHex("ffffff7f")) << LoroErrorCode::Truncated;
}

void TestLoroBlob::headerRejects()
{
    QFETCH(QByteArray, blob);
    QFETCH(LoroErrorCode, code);
    const auto parsed = LoroBlob::parse(blob);
    QVERIFY(!parsed);
    QCOMPARE(describe(parsed.error().code), describe(code));
    QVERIFY(!parsed.error().message.isEmpty());
}

void TestLoroBlob::flippedBodyByteFailsChecksum_data()
{
    addBlobRows([](const QJsonObject &e) { return e[QStringLiteral("size")].toInt() > 22; });
}

void TestLoroBlob::flippedBodyByteFailsChecksum()
{
    QFETCH(QString, name);
    const QByteArray data = fixture(blobEntry(name)[QStringLiteral("file")].toString());
    for (qsizetype at : {qsizetype(20), qsizetype(22), data.size() / 2, data.size() - 1}) {
        QByteArray bad = data;
        bad[at] = char(bad[at] ^ 0x01);
        const auto parsed = LoroBlob::parse(bad);
        QVERIFY(!parsed);
        // Byte 20/21 is the mode, checked before the checksum.
        const LoroErrorCode expected
            = at == 20 ? LoroErrorCode::UnknownMode : LoroErrorCode::BadChecksum;
        QCOMPARE(describe(parsed.error().code), describe(expected));
    }
}

void TestLoroBlob::everyPrefixFails_data()
{
    QTest::addColumn<QString>("name");
    QTest::addColumn<int>("step");
    for (const char *name : {"update-b", "local-update-3", "update-team-full", "snapshot-empty",
             "snapshot-team", "snapshot-two-peer", "shallow-snapshot"})
        QTest::newRow(name) << QString::fromLatin1(name) << 1;
    QTest::newRow("snapshot-big (sampled)") << QStringLiteral("snapshot-big") << 97;
    QTest::newRow("update-big (sampled)") << QStringLiteral("update-big") << 97;
}

// Every strict prefix fails. With the checksum fixed up the prefix reaches the body parsers:
// a snapshot must still fail, and an update may only succeed when cut between two blocks.
void TestLoroBlob::everyPrefixFails()
{
    QFETCH(QString, name);
    QFETCH(int, step);
    const QByteArray data = fixture(blobEntry(name)[QStringLiteral("file")].toString());
    const bool update = data[21] == 4;
    int cleanCuts = 0;
    for (qsizetype len = 0; len < data.size(); len += step) {
        const QByteArray prefix = data.left(len);
        const auto raw = LoroBlob::parse(prefix);
        QVERIFY2(!raw, qPrintable(QStringLiteral("prefix %1 parsed").arg(len)));
        const auto fixed = LoroBlob::parse(withChecksum(prefix));
        if (!fixed) {
            QVERIFY(!fixed.error().message.isEmpty());
            continue;
        }
        QVERIFY2(update, qPrintable(QStringLiteral("snapshot prefix %1 parsed").arg(len)));
        QCOMPARE(encodeUpdateBlob(views(fixed->blocks)), withChecksum(prefix));
        ++cleanCuts;
    }
    if (step == 1 && update)
        QCOMPARE(cleanCuts, int(LoroBlob::parse(data)->blocks.size())); // header-only counts as one
}

void TestLoroBlob::mutationsNeverCrash_data()
{
    QTest::addColumn<QString>("name");
    for (const char *name :
        {"update-b", "local-update-3", "update-team-round2", "update-mid-change", "snapshot-empty",
            "snapshot-team", "snapshot-two-peer", "shallow-snapshot"})
        QTest::newRow(name) << QString::fromLatin1(name);
}

// Each byte in turn is replaced by a few values, the header checksum fixed so the body parsers
// see it. Any outcome is fine except a crash, a hang or an error without a message.
void TestLoroBlob::mutationsNeverCrash()
{
    QFETCH(QString, name);
    const QByteArray data = fixture(blobEntry(name)[QStringLiteral("file")].toString());
    int failures = 0;
    for (qsizetype at = 22; at < data.size(); ++at) {
        for (quint8 value :
            {quint8(data[at] ^ 0x01), quint8(data[at] ^ 0x80), quint8(0x00), quint8(0xff)}) {
            QByteArray mutated = data;
            mutated[at] = char(value);
            const auto parsed = LoroBlob::parse(withChecksum(mutated));
            if (!parsed) {
                ++failures;
                QVERIFY(!parsed.error().message.isEmpty());
            }
        }
    }
    QVERIFY(failures > 0);
}

void TestLoroBlob::corruptSstableChecksum_data()
{
    QTest::addColumn<QString>("name");
    QTest::addColumn<int>("block");
    QTest::newRow("two-peer, LZ4 body byte") << QStringLiteral("snapshot-two-peer") << 0;
    QTest::newRow("big, first block") << QStringLiteral("snapshot-big") << 0;
    QTest::newRow("big, last block") << QStringLiteral("snapshot-big") << -1;
    QTest::newRow("empty doc, plain block") << QStringLiteral("snapshot-empty") << 0;
}

void TestLoroBlob::corruptSstableChecksum()
{
    QFETCH(QString, name);
    QFETCH(int, block);
    const QByteArray data = fixture(blobEntry(name)[QStringLiteral("file")].toString());
    if (block < 0) {
        const qsizetype oplogLen = u32le(data, HeaderSize);
        const qsizetype metaOffset = u32le(data, OplogStart + oplogLen - 4);
        block = int(u32le(data, OplogStart + metaOffset)) - 1;
    }
    const auto [begin, end] = oplogBlockRange(data, block);

    QByteArray body = data;
    body[begin + (end - begin) / 2] = char(body[begin + (end - begin) / 2] ^ 0x20);
    auto parsed = LoroBlob::parse(withChecksum(body));
    QVERIFY(!parsed);
    QCOMPARE(describe(parsed.error().code), describe(LoroErrorCode::BadSstable));
    QVERIFY2(parsed.error().message.contains(QStringLiteral("checksum")),
        qPrintable(parsed.error().message));

    QByteArray stored = data;
    stored[end] = char(stored[end] ^ 0x01); // the block's own checksum
    parsed = LoroBlob::parse(withChecksum(stored));
    QVERIFY(!parsed);
    QCOMPARE(describe(parsed.error().code), describe(LoroErrorCode::BadSstable));

    QByteArray meta = data; // the last byte of the meta checksum
    const qsizetype oplogEnd = OplogStart + u32le(data, HeaderSize);
    meta[oplogEnd - 5] = char(meta[oplogEnd - 5] ^ 0x01);
    parsed = LoroBlob::parse(withChecksum(meta));
    QVERIFY(!parsed);
    QCOMPARE(describe(parsed.error().code), describe(LoroErrorCode::BadSstable));
}

void TestLoroBlob::corruptLz4_data()
{
    QTest::addColumn<QString>("name");
    QTest::addColumn<int>("offset"); // into the first oplog block's LZ4 frame
    QTest::addColumn<QByteArray>("bytes");
    // Frame: magic(4) FLG BD HC, then blocks of u32le size + data, then an end mark.
    QTest::newRow("magic") << QStringLiteral("snapshot-two-peer") << 0 << QByteArray("\x05");
    QTest::newRow("frame descriptor checksum")
        << QStringLiteral("snapshot-two-peer") << 6 << QByteArray(1, '\0');
    QTest::newRow("reserved FLG bits")
        << QStringLiteral("snapshot-two-peer") << 4 << QByteArray("\x62");
    QTest::newRow("block size too large")
        << QStringLiteral("snapshot-two-peer") << 7 << QByteArray("\xff\xff\xff\x7f", 4);
    QTest::newRow("big: magic") << QStringLiteral("snapshot-big") << 0 << QByteArray(1, '\0');
    QTest::newRow("big: block size")
        << QStringLiteral("snapshot-big") << 7 << QByteArray("\x00\x00\x10\x00", 4);
}

// The LZ4 frame is damaged and the block checksum rewritten to match, as a hostile peer would.
void TestLoroBlob::corruptLz4()
{
    QFETCH(QString, name);
    QFETCH(int, offset);
    QFETCH(QByteArray, bytes);
    QByteArray data = fixture(blobEntry(name)[QStringLiteral("file")].toString());
    const auto [begin, end] = oplogBlockRange(data, 0);
    QCOMPARE(data.mid(begin, 4), QByteArray("\x04\x22\x4d\x18"));
    data.replace(begin + offset, bytes.size(), bytes);
    const auto parsed = LoroBlob::parse(fixBlockChecksum(data, 0));
    QVERIFY(!parsed);
    QCOMPARE(describe(parsed.error().code), describe(LoroErrorCode::BadCompression));
    QVERIFY2(parsed.error().message.contains(QStringLiteral("oplog")),
        qPrintable(parsed.error().message));
}

// 65 MiB of zeros compress to ~256 KiB: a hostile blob must not make us allocate all of it.
void TestLoroBlob::lz4OutputIsCapped()
{
    const QByteArray zeros(65 * 1024 * 1024, '\0');
    const QByteArray frame = lz4Frame(zeros);
    QVERIFY(frame.size() < 1024 * 1024);

    // A large-value block (flag 0x80) holding the whole frame.
    QByteArray oplog("LORO");
    oplog.append(char(0));
    oplog.append(frame);
    appendU32le(oplog, xxh32(frame));
    const quint32 metaOffset = quint32(oplog.size());
    QByteArray meta;
    appendU32le(meta, 5);
    const QByteArray key = blockKey(1, 0);
    appendU16le(meta, quint16(key.size()));
    meta.append(key);
    meta.append(char(0x81));
    appendU32le(oplog, 1);
    oplog.append(meta);
    appendU32le(oplog, xxh32(meta));
    appendU32le(oplog, metaOffset);

    // Past the limits is TooLarge (issue 10: it was BadCompression before the limits existed).
    const auto parsed = LoroBlob::parse(snapshotBlob(oplog));
    QVERIFY(!parsed);
    QCOMPARE(describe(parsed.error().code), describe(LoroErrorCode::TooLarge));
    QVERIFY2(parsed.error().message.contains(QStringLiteral("limit")),
        qPrintable(parsed.error().message));
}

// A real change block (1@0) padded to `size` (Loro ignores bytes after its last field) as one
// large LZ4 block of an oplog, then "fr" and "vv": a snapshot that inflates as far as wanted.
static QByteArray inflatingSnapshot(const QByteArray &block, const QByteArray &padding)
{
    const QByteArray frame = lz4Frame(QByteArray(block + padding));
    QByteArray oplog("LORO");
    oplog.append(char(0));
    oplog.append(frame);
    appendU32le(oplog, xxh32(frame));
    QByteArray rest;
    rest.append(QByteArray::fromHex("010100")); // "fr": the bare first value
    const QByteArray vv = encodeVersionVector({{1, 1}});
    const quint16 second = quint16(rest.size());
    rest.append(char(0)); // "vv" shares nothing with "fr"
    appendU16le(rest, 2);
    rest.append("vv");
    rest.append(vv);
    appendU16le(rest, 0);
    appendU16le(rest, second);
    appendU16le(rest, 2);
    const quint32 restAt = quint32(oplog.size());
    oplog.append(rest);
    appendU32le(oplog, xxh32(rest));
    const quint32 metaOffset = quint32(oplog.size());
    QByteArray meta;
    appendU32le(meta, 5);
    appendU16le(meta, 12);
    meta.append(blockKey(1, 0));
    meta.append(char(0x81)); // large, LZ4
    appendU32le(meta, restAt);
    appendU16le(meta, 2);
    meta.append("fr");
    meta.append(char(0));
    appendU16le(meta, 2);
    meta.append("vv");
    appendU32le(oplog, 2);
    oplog.append(meta);
    appendU32le(oplog, xxh32(meta));
    appendU32le(oplog, metaOffset);
    return snapshotBlob(oplog);
}

void TestLoroBlob::decompressionLimits_data()
{
    QTest::addColumn<QByteArray>("blob");
    QTest::addColumn<qsizetype>("maxOutput");
    QTest::addColumn<qsizetype>("maxRatio");
    QTest::addColumn<bool>("parses");
    const auto a = LoroBlob::parse(fixture(QStringLiteral("update-a.bin")));
    QVERIFY(a && a->blocks.size() == 1);
    const QByteArray block = a->blocks.first().bytes;
    constexpr qsizetype MiB = 1024 * 1024;
    // Zeros: 4 MiB from some 16 KiB, a ratio of about 250.
    const QByteArray zeros = inflatingSnapshot(block, QByteArray(4 * MiB, '\0'));
    QVERIFY(zeros.size() * 64 < 4 * MiB && zeros.size() * 300 > 4 * MiB);
    // Noise LZ4 cannot shrink: a ratio of about 1, 2 MiB in all.
    QByteArray noise(2 * MiB, Qt::Uninitialized);
    for (qsizetype i = 0; i < noise.size(); ++i)
        noise[i] = char((i * 2654435761u) >> 13);
    const QByteArray dense = inflatingSnapshot(block, noise);
    QTest::newRow("ratio 250 over the default 64") << zeros << 32 * MiB << qsizetype(64) << false;
    QTest::newRow("ratio 250 within 300") << zeros << 32 * MiB << qsizetype(300) << true;
    QTest::newRow("4 MiB past a 3 MiB message limit")
        << zeros << 3 * MiB << qsizetype(1000) << false;
    QTest::newRow("2 MiB of noise past a 1 MiB message limit")
        << dense << 1 * MiB << qsizetype(64) << false;
    QTest::newRow("2 MiB of noise within 3 MiB") << dense << 3 * MiB << qsizetype(64) << true;
}

void TestLoroBlob::decompressionLimits()
{
    QFETCH(QByteArray, blob);
    QFETCH(qsizetype, maxOutput);
    QFETCH(qsizetype, maxRatio);
    QFETCH(bool, parses);
    const auto parsed = LoroBlob::parse(blob, LoroLimits {maxOutput, maxRatio});
    if (parses) {
        QVERIFY2(parsed, qPrintable(parsed ? QString() : parsed.error().message));
        QCOMPARE(parsed->blocks.size(), 1);
        QCOMPARE(vvToString(parsed->version), QStringLiteral("{1:1}"));
        return;
    }
    QVERIFY(!parsed);
    QCOMPARE(describe(parsed.error().code), describe(LoroErrorCode::TooLarge));
    QVERIFY2(parsed.error().message.contains(QString::number(maxOutput)),
        qPrintable(parsed.error().message));
}

// A meta declaring four million 7-byte entries under a good checksum: refused, and nothing is
// kept per entry (it was some 80 bytes each, 600 MiB for this one) - the meta is walked, not
// copied. Peak RSS is read from /proc: a generous 100 MiB over the 28 MB input.
void TestLoroBlob::hugeSstableMetaKeepsNothing()
{
    const auto peak = [] {
        QFile status(QStringLiteral("/proc/self/status"));
        if (!status.open(QIODevice::ReadOnly))
            return qint64(-1);
        for (const QByteArray &line : status.readAll().split('\n')) {
            if (line.startsWith("VmHWM:"))
                return line.mid(6).trimmed().split(' ').value(0).toLongLong();
        }
        return qint64(-1);
    };
    const qint64 before = peak();
    constexpr int Entries = 4'000'000;
    QByteArray entries(7 * qsizetype(Entries), '\0');
    for (int i = 0; i < Entries; ++i) {
        entries[7 * qsizetype(i)] = 5; // offset 5, empty key
        entries[7 * qsizetype(i) + 6] = char(0x80); // large, plain
    }
    QByteArray oplog("LORO");
    oplog.append(char(0));
    oplog.append(QByteArray(5 * qsizetype(Entries), 'x')); // enough "data" for the count
    const quint32 metaOffset = quint32(oplog.size());
    appendU32le(oplog, Entries);
    oplog.append(entries);
    appendU32le(oplog, xxh32(entries));
    appendU32le(oplog, metaOffset);
    const auto parsed = LoroBlob::parse(snapshotBlob(oplog));
    QVERIFY(!parsed);
    QCOMPARE(describe(parsed.error().code), describe(LoroErrorCode::BadSstable));
    const qint64 after = peak();
    if (before < 0 || after < 0)
        QSKIP("no /proc/self/status here");
    QVERIFY2(after - before < 2 * (oplog.size() / 1024) + 100 * 1024,
        qPrintable(QStringLiteral("peak RSS grew by %1 KiB").arg(after - before)));
}

// Answers split between blocks: each part a valid blob within the budget, the blocks in
// lamport order, none lost; one block past the budget travels alone.
void TestLoroBlob::splitUpdateBlobs()
{
    const auto team = LoroBlob::parse(fixture(QStringLiteral("update-team-full.bin")));
    QVERIFY(team && team->blocks.size() == 4);
    const QList<QByteArrayView> blocks = views(team->blocks);
    qsizetype largest = 0;
    for (const QByteArrayView b : blocks)
        largest = qMax(largest, b.size());

    QCOMPARE(encodeUpdateBlobs(blocks, -1), QList<QByteArray> {encodeUpdateBlob(blocks)});
    QCOMPARE(encodeUpdateBlobs(blocks, 1 << 20), QList<QByteArray> {encodeUpdateBlob(blocks)});
    for (const qsizetype budget : {largest + 32, 2 * largest + 40, qsizetype(30)}) {
        const QList<QByteArray> parts = encodeUpdateBlobs(blocks, budget);
        QVERIFY(parts.size() > 1);
        QStringList seen;
        quint32 lamport = 0;
        for (const QByteArray &part : parts) {
            const auto parsed = LoroBlob::parse(part);
            QVERIFY2(parsed, qPrintable(parsed ? QString() : parsed.error().message));
            QVERIFY(part.size() <= budget || parsed->blocks.size() == 1);
            for (const ChangeBlock &b : parsed->blocks) {
                QVERIFY(b.lamportStart >= lamport);
                lamport = b.lamportStart;
                seen.append(blockToString(b));
            }
        }
        QStringList expected;
        for (const ChangeBlock &b : team->blocks)
            expected.append(blockToString(b));
        seen.sort();
        expected.sort();
        QCOMPARE(seen, expected);
    }
}

void TestLoroBlob::craftedSnapshots_data()
{
    QTest::addColumn<QByteArray>("blob");
    QTest::addColumn<int>("code"); // -1: parses
    const auto a = LoroBlob::parse(fixture(QStringLiteral("update-a.bin")));
    QVERIFY(a && a->blocks.size() == 1);
    const QByteArray block = a->blocks.first().bytes; // peer 1, counters [0, 1)
    const QByteArray vv = encodeVersionVector({{1, 1}});
    const Entry change {blockKey(1, 0), block};
    const Entry fr {"fr", QByteArray::fromHex("010100")};
    const Entry version {"vv", vv};
    const auto row = [](const char *name, const QByteArray &blob, int code) {
        QTest::newRow(name) << blob << code;
    };

    row("plain block", snapshotBlob(sstable({change, fr, version}, false)), -1);
    row("LZ4 block (liblz4)", snapshotBlob(sstable({change, fr, version}, true)), -1);
    row("state marker E", snapshotBlob(sstable({change, version}, false), "E"), -1);
    row("state sstable", snapshotBlob(sstable({version}, false), sstable({fr}, true)), -1);
    row("shallow root sstable", snapshotBlob(sstable({version}, false), "E", sstable({fr}, false)),
        -1);

    const int badSstable = int(LoroErrorCode::BadSstable);
    const int badSnapshot = int(LoroErrorCode::BadSnapshot);
    row("no vv", snapshotBlob(sstable({change, fr}, false)), badSnapshot);
    row("key names another counter",
        snapshotBlob(sstable({{blockKey(1, 5), block}, version}, false)), badSnapshot);
    row("key names another peer", snapshotBlob(sstable({{blockKey(2, 0), block}, version}, false)),
        badSnapshot);
    row("bad vv", snapshotBlob(sstable({change, {"vv", "\x05"}}, false)),
        int(LoroErrorCode::BadVersionVector));
    row("bad change block",
        snapshotBlob(sstable({{blockKey(1, 0), block.left(6)}, version}, false)),
        int(LoroErrorCode::BadBlock));
    row("keys out of order", snapshotBlob(sstable({version, fr}, false)), badSstable);
    row("compression type 2", snapshotBlob(sstable({change, version}, false, 2)), badSstable);
    row("plain block flagged LZ4", snapshotBlob(sstable({change, version}, false, 1)),
        int(LoroErrorCode::BadCompression));
    row("schema 1", snapshotBlob(QByteArray(sstable({version}, false)).replace(4, 1, "\x01")),
        badSstable);
    row("magic loro", snapshotBlob(QByteArray(sstable({version}, false)).replace(0, 4, "loro")),
        badSstable);
    row("too short", snapshotBlob(QByteArray("LORO\0", 5)), badSstable);
    QByteArray farMeta = sstable({version}, false);
    putU32le(farMeta, farMeta.size() - 4, 0x7fffffff);
    row("meta offset past the end", snapshotBlob(farMeta), badSstable);
    row("corrupt state sstable",
        snapshotBlob(
            sstable({version}, false), QByteArray(sstable({fr}, false)).replace(6, 1, "\x09")),
        badSstable);
}

void TestLoroBlob::craftedSnapshots()
{
    QFETCH(QByteArray, blob);
    QFETCH(int, code);
    const auto parsed = LoroBlob::parse(blob);
    if (code < 0) {
        QVERIFY2(parsed, qPrintable(parsed ? QString() : parsed.error().message));
        QCOMPARE(vvToString(parsed->version), QStringLiteral("{1:1}"));
        return;
    }
    QVERIFY(!parsed);
    QCOMPARE(describe(parsed.error().code), describe(LoroErrorCode(code)));
    QVERIFY(!parsed.error().message.isEmpty());
}

void TestLoroBlob::changeBlockRejects_data()
{
    QTest::addColumn<QByteArray>("block");
    // A well-formed block (as loro's block encoder lays it out, protocol.md B4): fields 1-5; a
    // header with the peer table, the dependency columns (BoolRle "not on self", AnyRle no
    // dependencies, an empty AnyRle of dependency peers, empty DeltaOfDelta counters and
    // lamports); then change_meta, cids, keys, positions; ops (one field: four columns, the last
    // the op lengths, here one op holding `opsSpan` counters); delete_start_ids and values.
    const auto make
        = [](std::initializer_list<quint64> fields, quint64 peerCount = 1, quint64 opsSpan = 1,
              QByteArray columns = "01"
                                   "0100"
                                   "0000"
                                   "0000") {
              QByteArray b;
              for (quint64 f : fields)
                  appendLeb(b, f);
              QByteArray header;
              appendLeb(header, peerCount);
              header.append(QByteArray::fromHex("0100000000000000"));
              header.append(QByteArray::fromHex(columns));
              appendLeb(b, quint64(header.size()));
              b.append(header);
              b.append(4, '\0');
              QByteArray lengths = QByteArray::fromHex("01");
              appendLeb(lengths, opsSpan);
              QByteArray ops = QByteArray::fromHex("0104"
                                                   "020100"
                                                   "020100"
                                                   "020105");
              appendLeb(ops, quint64(lengths.size()));
              ops.append(lengths);
              appendLeb(b, quint64(ops.size()));
              b.append(ops);
              b.append(2, '\0');
              return b;
          };
    QVERIFY(parseChangeBlock(make({0, 1, 0, 1, 1})));
    QVERIFY(parseChangeBlock(make({5, 7, 3, 7, 1}, 1, 7)));
    // What a block claims must hold: the forger's 49 bytes claiming a victim's peer over a huge
    // range, a span its changes or ops do not fill, dependencies or lamports out of bounds.
    QTest::newRow("claims more counters than its ops hold") << make({0, 1000000, 0, 1, 1});
    QTest::newRow("ops hold more than the claim") << make({0, 1, 0, 1, 1}, 1, 2);
    QTest::newRow("more changes than counters") << make({0, 1, 0, 1, 2});
    QTest::newRow("first change depends on counter -1") << make({0, 1, 0, 1, 1}, 1, 1,
        "0001"
        "0100"
        "0000"
        "0000");
    QTest::newRow("dependency on a peer outside the table") << make({4, 1, 0, 1, 1}, 1, 1,
        "01"
        "0101"
        "0105"
        "010a00"
        "0000");
    QTest::newRow("dependency columns cut short") << make({0, 1, 0, 1, 1}, 1, 1, "01");
    QTest::newRow("lamport envelope shorter than the change") << make({0, 3, 0, 1, 1}, 1, 3);
    QTest::newRow("empty") << QByteArray();
    QTest::newRow("counter_len 0") << make({0, 0, 0, 1, 1});
    QTest::newRow("n_changes 0") << make({0, 1, 0, 1, 0});
    QTest::newRow("counter overflows i32") << make({0x7fffffff, 1, 0, 1, 1});
    QTest::newRow("lamport overflows u32") << make({0, 1, 0xffffffff, 1, 1});
    QTest::newRow("field beyond u32") << make({0x100000000, 1, 0, 1, 1});
    QTest::newRow("peer_num 0") << make({0, 1, 0, 1, 1}, 0);
    QTest::newRow("peer_num past the header") << make({0, 1, 0, 1, 1}, 2);
    QTest::newRow("header past the block") << QByteArray::fromHex("0001000101ff01");
    QTest::newRow("missing trailing fields") << make({0, 1, 0, 1, 1}).chopped(1);
    QTest::newRow("trailing field past the block") << make({0, 1, 0, 1, 1}).chopped(1) + "\x05";
    // Found by fuzz_loro_blob: a delta-of-delta column whose deltas pass 64 bits (signed overflow).
    QTest::newRow("delta column past 64 bits") << QByteArray::fromBase64(
        "/QAMBgwKZwEByIEBAQEBAQEBAQEBAQEBAQEgAQHcBwFAAAAAsv3/////////////////////////////"
        "////////////AAAAAAAAAAAAAAAAAADT////AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAD///7/////////////////////AQEBAABO/01N");
}

void TestLoroBlob::changeBlockRejects()
{
    QFETCH(QByteArray, block);
    const auto parsed = parseChangeBlock(block);
    QVERIFY(!parsed);
    QCOMPARE(describe(parsed.error().code), describe(LoroErrorCode::BadBlock));
    QVERIFY(!parsed.error().message.isEmpty());
}

void TestLoroBlob::describeNames()
{
    const QStringList expected = {
        QStringLiteral("too-short"),
        QStringLiteral("bad-magic"),
        QStringLiteral("bad-checksum"),
        QStringLiteral("unsupported-mode"),
        QStringLiteral("unknown-mode"),
        QStringLiteral("truncated"),
        QStringLiteral("bad-block"),
        QStringLiteral("bad-snapshot"),
        QStringLiteral("bad-sstable"),
        QStringLiteral("bad-compression"),
        QStringLiteral("bad-version-vector"),
    };
    QStringList actual;
    for (int code = 0; code <= int(LoroErrorCode::BadVersionVector); ++code)
        actual.append(describe(LoroErrorCode(code)));
    QCOMPARE(actual, expected);
}

// A version too large for one message keeps the joiner's peers and some it lacks, within budget.
void TestLoroBlob::versionVectorWithin()
{
    VersionVector whole;
    for (quint64 peer = 1; peer <= 40000; ++peer)
        whole.emplace(peer * 0x9e3779b97f4a7c15ULL, quint32(peer % 1000 + 1));
    const VersionVector joiner {{whole.begin()->first, 1}, {std::prev(whole.end())->first, 5}};
    QCOMPARE(encodeVersionVectorWithin(whole, joiner, -1), encodeVersionVector(whole));
    QCOMPARE(encodeVersionVectorWithin(joiner, {}, 1000), encodeVersionVector(joiner)); // it fits

    const QByteArray trimmed = encodeVersionVectorWithin(whole, joiner, 1000);
    QVERIFY(trimmed.size() <= 1000);
    const auto decoded = decodeVersionVector(trimmed);
    QVERIFY(decoded.has_value());
    QVERIFY(decoded->size() > 2);
    for (const auto &[peer, counter] : *decoded)
        QCOMPARE(counter, whole.at(peer)); // every entry is the host's own
    for (const auto &[peer, counter] : joiner)
        QVERIFY(decoded->count(peer)); // the joiner's peers come first
}

QTEST_GUILESS_MAIN(TestLoroBlob)
#include "tst_loroblob.moc"
