// The native Yjs V1 codec (server/crdt/yjs) against what the real yjs computed on the same bytes
// (tests/interop/fixtures/yjs-fixtures.mjs, run by generate.mjs): splitUpdate, mergeUpdates,
// diffUpdate, the state vectors and describeUpdate on randomized editing traces, contents yjs
// re-encodes, and malformed updates derived from real ones, which must be refused (never a crash).
#include "crdt/yjs/DeleteSet.h"
#include "crdt/yjs/JsJson.h"
#include "crdt/yjs/StateVector.h"
#include "crdt/yjs/UpdateDescription.h"
#include "crdt/yjs/UpdateMerge.h"
#include "crdt/yjs/Utf8Text.h"
#include "crdt/yjs/YjsUpdate.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

using namespace canopy::yjs;

namespace {

QByteArray unhex(const char *hex)
{
    return QByteArray::fromHex(QByteArray(hex));
}

QByteArray bytesOf(const QJsonValue &value)
{
    return QByteArray::fromHex(value.toString().toLatin1());
}

QList<QByteArray> bytesList(const QJsonValue &value)
{
    QList<QByteArray> out;
    for (const QJsonValue &item : value.toArray())
        out.append(bytesOf(item));
    return out;
}

StateVector vectorOf(const QByteArray &bytes)
{
    auto vector = decodeStateVector(bytes);
    return vector ? *vector : StateVector();
}

// What the engine stores for an update: its runs and (when it deletes anything) its delete set.
QList<QByteArray> unitsOf(const QList<QByteArray> &updates)
{
    QList<QByteArray> units;
    for (const QByteArray &update : updates) {
        const auto split = splitUpdate(update);
        if (!split)
            return {};
        for (const StructRun &run : split->runs)
            units.append(run.update);
        if (!split->deleteSet.isEmpty())
            units.append(deleteSetUpdate(split->deleteSet));
    }
    return units;
}

} // namespace

class TestYjsUpdate : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void referenceExamples();
    void utf16();
    void jsNumbers();
    void splitsEveryUpdate_data();
    void splitsEveryUpdate();
    void mergesLikeYjs_data();
    void mergesLikeYjs();
    void mergesItemsAgainstGcs();
    void diffsLikeYjs_data();
    void diffsLikeYjs();
    void storedRunsMergeBack_data();
    void storedRunsMergeBack();
    void reencodedContents_data();
    void reencodedContents();
    void refusesMalformed_data();
    void refusesMalformed();
    void deleteSets();
    void stateVectors();
    void describesUpdates();

private:
    QJsonObject m_manifest;
    QJsonArray traces() const { return m_manifest.value(QStringLiteral("traces")).toArray(); }
};

void TestYjsUpdate::initTestCase()
{
    const QByteArray dir = qgetenv("CANOPY_FIXTURES");
    if (dir.isEmpty())
        QFAIL(
            "CANOPY_FIXTURES is not set: run `node tests/interop/fixtures/generate.mjs <dir>` and "
            "point CANOPY_FIXTURES at <dir> (ctest does both)");
    QFile file(QDir(QString::fromLocal8Bit(dir)).filePath(QStringLiteral("yjs/manifest.json")));
    QVERIFY2(file.open(QIODevice::ReadOnly),
        qPrintable(file.fileName() + QStringLiteral(" is missing")));
    QJsonParseError error;
    m_manifest = QJsonDocument::fromJson(file.readAll(), &error).object();
    QVERIFY2(error.error == QJsonParseError::NoError, qPrintable(error.errorString()));
    QCOMPARE(m_manifest.value(QStringLiteral("yjs")).toString(), QStringLiteral("13.6.33"));
    QVERIFY(traces().size() >= 3);
    qsizetype edits = 0;
    for (const QJsonValue &trace : traces())
        edits += trace[QStringLiteral("updates")].toArray().size();
    QVERIFY2(edits >= 3000, "the traces must hold thousands of edits");
}

// protocol.md C8's decoded examples (bytes from yjs probes).
void TestYjsUpdate::referenceExamples()
{
    const QByteArray u1 = unhex("01010100040101740161"
                                "00");
    const QByteArray u2 = unhex("0101010184010002626300");
    const QByteArray u3 = unhex("01010103280101"
                                "6d016b01770176"
                                "00");
    const QByteArray u4 = unhex("000101010101");
    QCOMPARE(mergeUpdates({u1, u2}).toHex(), QByteArray("0102010004010174016184010002626300"));
    QCOMPARE(mergeUpdates({u1, u3}).toHex(),
        QByteArray("010301000401017401610a0228010"
                   "16d016b0177017600"));
    QCOMPARE(mergeUpdates({u1, u4}).toHex(),
        QByteArray("0101010004010174016101010101"
                   "01"));
    QCOMPARE(mergeUpdates({u2}), u2);
    QCOMPARE(mergeUpdates({}).toHex(), QByteArray("0000"));

    const QByteArray hello = unhex("0101070004010174056"
                                   "8656c6c6f00");
    QCOMPARE(diffUpdate(hello, StateVector {{7, 2}}).toHex(),
        QByteArray("010107028407010"
                   "36c6c6f00"));
    QCOMPARE(stateVectorFromUpdate(u2).toHex(), QByteArray("00"));
    QCOMPARE(stateVectorFromUpdate(unhex("0000")).toHex(), QByteArray("00"));
    QCOMPARE(stateVectorFromUpdate(u1).toHex(), QByteArray("010101"));

    const auto split = splitUpdate(mergeUpdates({u1, u3}));
    QVERIFY(split);
    QCOMPARE(split->runs.size(), 2); // the Skip between them ends the first run
    QCOMPARE(split->runs[0].update, u1);
    QCOMPARE(split->runs[1].update, u3);
    QCOMPARE(split->runs[1].start, 3u);
    QCOMPARE(split->runs[1].end, 4u);

    const auto deletes = splitUpdate(u4);
    QVERIFY(deletes);
    QVERIFY(deletes->runs.isEmpty());
    QCOMPARE(deleteSetUpdate(deletes->deleteSet), u4);
    QCOMPARE(deleteSetUpdate(DeleteSet()).toHex(), QByteArray("0000"));
}

void TestYjsUpdate::utf16()
{
    QCOMPARE(utf16Length("abc"), 3u);
    QCOMPARE(utf16Length("\xc3\xa9"), 1u); // é
    QCOMPARE(utf16Length("\xf0\x9f\x98\x80"), 2u); // 😀
    QCOMPARE(utf16Length("\xef\xbb\xbf"), 1u); // a BOM is kept (ignoreBOM)
    QVERIFY(!utf16Length("\xc3"));
    QVERIFY(!utf16Length("\xc0\x80")); // overlong
    QVERIFY(!utf16Length("\xed\xa0\x80")); // a surrogate
    QVERIFY(!utf16Length("\xf4\x90\x80\x80")); // past U+10FFFF
    QCOMPARE(utf16Tail("a\xf0\x9f\x98\x80"
                       "b",
                 1),
        QByteArray("\xf0\x9f\x98\x80"
                   "b"));
    QCOMPARE(utf16Tail("a\xf0\x9f\x98\x80"
                       "b",
                 2),
        QByteArray("\xef\xbf\xbd"
                   "b"));
    QCOMPARE(utf16Tail("a\xf0\x9f\x98\x80"
                       "b",
                 3),
        QByteArray("b"));
}

void TestYjsUpdate::jsNumbers()
{
    // Number.prototype.toString's thresholds (21 digits, 1e-7).
    QCOMPARE(jsNumberText(1e21), QByteArray("1e+21"));
    QCOMPARE(jsNumberText(1e20), QByteArray("100000000000000000000"));
    QCOMPARE(jsNumberText(0.000001), QByteArray("0.000001"));
    QCOMPARE(jsNumberText(1e-7), QByteArray("1e-7"));
    QCOMPARE(jsNumberText(-1.5), QByteArray("-1.5"));
    QCOMPARE(jsNumberText(0.1 + 0.2), QByteArray("0.30000000000000004"));
    QCOMPARE(jsNumberText(5e-324), QByteArray("5e-324"));
    QCOMPARE(jsNumberText(123.456e5), QByteArray("12345600"));
}

void TestYjsUpdate::splitsEveryUpdate_data()
{
    QTest::addColumn<QJsonObject>("trace");
    for (const QJsonValue &trace : traces())
        QTest::newRow(qPrintable(trace[QStringLiteral("name")].toString())) << trace.toObject();
}

// Every update yjs emitted is accepted; each run is a standalone update of contiguous structs of
// one client; the state vector of each update is yjs's.
void TestYjsUpdate::splitsEveryUpdate()
{
    QFETCH(QJsonObject, trace);
    const QList<QByteArray> updates = bytesList(trace[QStringLiteral("updates")]);
    const QList<QByteArray> vectors = bytesList(trace[QStringLiteral("svFromUpdates")]);
    QCOMPARE(updates.size(), vectors.size());
    for (qsizetype i = 0; i < updates.size(); ++i) {
        const auto split = splitUpdate(updates[i]);
        QVERIFY2(split, qPrintable(split ? QString() : split.error().message));
        for (const StructRun &run : split->runs) {
            QVERIFY(run.end > run.start);
            const auto again = splitUpdate(run.update);
            QVERIFY(again);
            QCOMPARE(again->runs.size(), 1);
            QCOMPARE(again->runs[0].client, run.client);
            QCOMPARE(again->runs[0].start, run.start);
            QCOMPARE(again->runs[0].end, run.end);
            QCOMPARE(again->runs[0].update, run.update);
            QVERIFY(again->deleteSet.isEmpty());
        }
        QCOMPARE(stateVectorFromUpdate(updates[i]).toHex(), vectors[i].toHex());
    }
    for (const QJsonValue &state : trace[QStringLiteral("fullStates")].toArray())
        QVERIFY(splitUpdate(bytesOf(state)));
}

void TestYjsUpdate::mergesLikeYjs_data()
{
    splitsEveryUpdate_data();
}

void TestYjsUpdate::mergesLikeYjs()
{
    QFETCH(QJsonObject, trace);
    const QList<QByteArray> updates = bytesList(trace[QStringLiteral("updates")]);
    const QByteArray merged = bytesOf(trace[QStringLiteral("merged")]);
    QCOMPARE(mergeUpdates(updates).toHex(), merged.toHex());

    QList<QByteArray> reversed(updates.rbegin(), updates.rend());
    QCOMPARE(
        mergeUpdates(reversed).toHex(), bytesOf(trace[QStringLiteral("mergedReversed")]).toHex());

    QList<QByteArray> shuffled;
    for (const QJsonValue &index : trace[QStringLiteral("shuffledOrder")].toArray())
        shuffled.append(updates[index.toInt()]);
    QCOMPARE(
        mergeUpdates(shuffled).toHex(), bytesOf(trace[QStringLiteral("mergedShuffled")]).toHex());

    const qsizetype chunk = trace[QStringLiteral("chunkSize")].toInt();
    QList<QByteArray> chunks;
    for (qsizetype i = 0; i < updates.size(); i += chunk)
        chunks.append(mergeUpdates(updates.mid(i, chunk)));
    QCOMPARE(mergeUpdates(chunks).toHex(), bytesOf(trace[QStringLiteral("mergedChunks")]).toHex());

    // Full states hold GCs and deleted content where the first updates hold Items at the same IDs.
    const QList<QByteArray> states = bytesList(trace[QStringLiteral("fullStates")]);
    const QList<QByteArray> head = updates.mid(0, 40);
    QCOMPARE(mergeUpdates(QList<QByteArray> {states[0]} + head).toHex(),
        bytesOf(trace[QStringLiteral("stateWithHead")]).toHex());
    QCOMPARE(mergeUpdates(head + QList<QByteArray> {states[1 % states.size()]}).toHex(),
        bytesOf(trace[QStringLiteral("headWithState")]).toHex());
    QCOMPARE(mergeUpdates(states).toHex(), bytesOf(trace[QStringLiteral("statesMerged")]).toHex());
    for (const QJsonValue &tie : trace[QStringLiteral("ties")].toArray()) {
        QList<QByteArray> inputs;
        for (const QJsonValue &index : tie[QStringLiteral("order")].toArray()) {
            const int i = index.toInt();
            inputs.append(i >= 0 ? updates[i] : states[(-i - 1) % states.size()]);
        }
        QCOMPARE(mergeUpdates(inputs).toHex(), bytesOf(tie[QStringLiteral("merged")]).toHex());
    }

    QList<QByteArray> odd;
    for (qsizetype i = 1; i < updates.size(); i += 2)
        odd.append(updates[i]);
    const QByteArray mergedOdd = mergeUpdates(odd);
    QCOMPARE(mergedOdd.toHex(), bytesOf(trace[QStringLiteral("mergedOdd")]).toHex());
    QVERIFY(splitUpdate(mergedOdd));

    QCOMPARE(stateVectorFromUpdate(merged).toHex(),
        bytesOf(trace[QStringLiteral("svFromMerged")]).toHex());
    QCOMPARE(stateVectorFromUpdate(mergedOdd).toHex(),
        bytesOf(trace[QStringLiteral("svFromMergedOdd")]).toHex());
    QCOMPARE(stateVectorFromUpdate(states[0]).toHex(),
        bytesOf(trace[QStringLiteral("svFromFullState")]).toHex());
    const QByteArray docVector = bytesOf(trace[QStringLiteral("docVector")]);
    QCOMPARE(encodeStateVector(vectorOf(docVector)).toHex(), docVector.toHex());
}

// yjs's reader comparator calls an Item and a GC at the same ID each smaller than the other, so
// which one a merge keeps is decided by the steps of V8's sort (emulated below 64 inputs).
void TestYjsUpdate::mergesItemsAgainstGcs()
{
    const QJsonObject ties = m_manifest.value(QStringLiteral("ties")).toObject();
    const QList<QByteArray> inputs = bytesList(ties[QStringLiteral("inputs")]);
    const QJsonArray cases = ties[QStringLiteral("cases")].toArray();
    QVERIFY(cases.size() >= 40);
    int differing = 0; // cases whose result depends on the order: the emulation is really tested
    for (const QJsonValue &entry : cases) {
        QList<QByteArray> order;
        for (const QJsonValue &index : entry[QStringLiteral("order")].toArray())
            order.append(inputs[index.toInt()]);
        const QByteArray expected = bytesOf(entry[QStringLiteral("merged")]);
        QCOMPARE(mergeUpdates(order).toHex(), expected.toHex());
        QList<QByteArray> reversed(order.rbegin(), order.rend());
        if (mergeUpdates(reversed) != expected)
            ++differing;
    }
    QVERIFY(differing > 0);

    // Past 63 inputs V8 runs its whole TimSort and the host a heap: they agree here.
    for (const QJsonValue &entry : ties[QStringLiteral("largeCases")].toArray()) {
        QList<QByteArray> order;
        for (const QJsonValue &index : entry[QStringLiteral("order")].toArray())
            order.append(inputs[index.toInt()]);
        QVERIFY(order.size() >= 64);
        QCOMPARE(mergeUpdates(order).toHex(), bytesOf(entry[QStringLiteral("merged")]).toHex());
    }
}

void TestYjsUpdate::diffsLikeYjs_data()
{
    splitsEveryUpdate_data();
}

// Y.diffUpdate for the empty vector, vectors from the documents' history and vectors whose
// clocks fall inside structs, of the merge, of a document's full state and of a merge with gaps.
void TestYjsUpdate::diffsLikeYjs()
{
    QFETCH(QJsonObject, trace);
    const QByteArray merged = bytesOf(trace[QStringLiteral("merged")]);
    const QByteArray state = bytesOf(trace[QStringLiteral("fullStates")].toArray().first());
    QList<QByteArray> odd;
    const QList<QByteArray> updates = bytesList(trace[QStringLiteral("updates")]);
    for (qsizetype i = 1; i < updates.size(); i += 2)
        odd.append(updates[i]);
    const QByteArray mergedOdd = mergeUpdates(odd);
    const QJsonArray diffs = trace[QStringLiteral("diffs")].toArray();
    const QJsonArray diffsOdd = trace[QStringLiteral("diffsOdd")].toArray();
    QVERIFY(diffs.size() >= 8);
    QCOMPARE(diffsOdd.size(), diffs.size());
    for (qsizetype i = 0; i < diffs.size(); ++i) {
        const QJsonObject diff = diffs[i].toObject();
        const StateVector vector = vectorOf(bytesOf(diff[QStringLiteral("sv")]));
        QCOMPARE(
            diffUpdate(merged, vector).toHex(), bytesOf(diff[QStringLiteral("merged")]).toHex());
        QCOMPARE(
            diffUpdate(state, vector).toHex(), bytesOf(diff[QStringLiteral("fullState")]).toHex());
        QCOMPARE(diffUpdate(mergedOdd, vector).toHex(), bytesOf(diffsOdd[i]).toHex());
    }
}

void TestYjsUpdate::storedRunsMergeBack_data()
{
    splitsEveryUpdate_data();
}

// The engine stores runs and delete sets and merges them: that must be Y.mergeUpdates of the
// updates they came from, whether the runs are merged at once (a heap of thousands of readers)
// or compacted in batches; and splitting a merge and merging its runs gives the merge back.
void TestYjsUpdate::storedRunsMergeBack()
{
    QFETCH(QJsonObject, trace);
    const QList<QByteArray> updates = bytesList(trace[QStringLiteral("updates")]);
    const QByteArray merged = bytesOf(trace[QStringLiteral("merged")]);
    const QList<QByteArray> units = unitsOf(updates);
    QVERIFY(units.size() >= updates.size());
    QCOMPARE(mergeUpdates(units).toHex(), merged.toHex());

    QList<QByteArray> batches;
    for (qsizetype i = 0; i < units.size(); i += 50)
        batches.append(mergeUpdates(units.mid(i, 50)));
    QCOMPARE(mergeUpdates(batches).toHex(), merged.toHex());

    const QList<QByteArray> again = unitsOf({merged});
    QCOMPARE(mergeUpdates(again).toHex(), merged.toHex());
}

void TestYjsUpdate::reencodedContents_data()
{
    QTest::addColumn<QJsonObject>("entry");
    for (const QJsonValue &entry : m_manifest.value(QStringLiteral("contents")).toArray())
        QTest::newRow(qPrintable(entry[QStringLiteral("name")].toString())) << entry.toObject();
}

// Contents yjs reads into JavaScript values and writes back differently: the host writes what yjs
// writes (and accepts the update as it came).
void TestYjsUpdate::reencodedContents()
{
    QFETCH(QJsonObject, entry);
    QVERIFY2(!entry.contains(QStringLiteral("yjsThrows")),
        qPrintable(entry[QStringLiteral("yjsThrows")].toString()));
    const QByteArray update = bytesOf(entry[QStringLiteral("update")]);
    const auto split = splitUpdate(update);
    QVERIFY2(split, qPrintable(split ? QString() : split.error().message));
    QVERIFY(describeUpdate(update));
    QCOMPARE(mergeUpdates({update, unhex("0000")}).toHex(),
        bytesOf(entry[QStringLiteral("merged")]).toHex());
    QCOMPARE(diffUpdate(update, {}).toHex(), bytesOf(entry[QStringLiteral("diff")]).toHex());
    QCOMPARE(stateVectorFromUpdate(update).toHex(), bytesOf(entry[QStringLiteral("sv")]).toHex());
}

void TestYjsUpdate::refusesMalformed_data()
{
    QTest::addColumn<QByteArray>("update");
    QTest::addColumn<QString>("reason");
    const QJsonArray malformed = m_manifest.value(QStringLiteral("malformed")).toArray();
    QVERIFY(malformed.size() >= 100);
    for (const QJsonValue &entry : malformed)
        QTest::newRow(qPrintable(entry[QStringLiteral("name")].toString())) << bytesOf(
            entry[QStringLiteral("update")]) << entry[QStringLiteral("reason")].toString();
}

// Refused with the reason, by splitUpdate and describeUpdate alike; the document-free algorithms,
// meant for valid input, still neither crash nor read out of bounds on these.
void TestYjsUpdate::refusesMalformed()
{
    QFETCH(QByteArray, update);
    QFETCH(QString, reason);
    const auto split = splitUpdate(update);
    QVERIFY2(!split, "accepted a malformed update");
    if (reason != u"*") // "*": any refusal (an absurd count shifts what is read next)
        QCOMPARE(split.error().reason, reason);
    QVERIFY(!split.error().message.isEmpty());
    const auto view = describeUpdate(update);
    QVERIFY(!view);
    QCOMPARE(view.error().reason, split.error().reason);
    (void)mergeUpdates({update, unhex("0000")});
    (void)diffUpdate(update, StateVector {{5, 1}});
    (void)stateVectorFromUpdate(update);
}

void TestYjsUpdate::deleteSets()
{
    DeleteSet set;
    set.add(3, 10, 2);
    set.add(3, 12, 1); // touches: joined
    set.add(3, 0, 1);
    set.add(9, 5, 5);
    QCOMPARE(set.rangeCount(), 3);
    QCOMPARE(set.encode().toHex(), QByteArray("0209010505030200010a03"));
    const auto decoded = DeleteSet::decode(set.encode());
    QVERIFY(decoded);
    QCOMPARE(decoded->encode(), set.encode());
    QVERIFY(set.covers(*decoded));
    DeleteSet other;
    other.add(3, 11, 3);
    QVERIFY(!set.covers(other));
    set.merge(other);
    QVERIFY(set.covers(other));
    QCOMPARE(set.clients().at(3).last().length, 4u);
    // A client listed twice is one client; one without ranges is left out.
    const auto twice = DeleteSet::decode(unhex("03"
                                               "0501"
                                               "0201"
                                               "0700"
                                               "0501"
                                               "0001"));
    QVERIFY(twice);
    QCOMPARE(twice->encode().toHex(), QByteArray("01050200010201"));
    QCOMPARE(DeleteSet::decode(unhex("0105")).error().reason, QStringLiteral("truncated"));
    QCOMPARE(DeleteSet::decode(unhex("0000")).error().reason, QStringLiteral("trailing-bytes"));
}

void TestYjsUpdate::stateVectors()
{
    const StateVector vector {{1, 13}, {0xcafebabe, 2}, {5, 0}};
    QCOMPARE(encodeStateVector(vector).toHex(),
        QByteArray("03bef5fad70c0205000"
                   "10d"));
    const auto back = decodeStateVector(encodeStateVector(vector));
    QVERIFY(back);
    QVERIFY(*back == vector);
    QCOMPARE(encodeStateVector({}).toHex(), QByteArray("00"));
    QCOMPARE(decodeStateVector(unhex("0101")).error().reason, QStringLiteral("truncated"));
    QCOMPARE(decodeStateVector(unhex("ffffffffffffffffff01")).error().reason,
        QStringLiteral("bad-varint"));
    QCOMPARE(decodeStateVector(unhex("000")).error().reason, QStringLiteral("trailing-bytes"));
    // The count is checked against the bytes before anything is read or reserved.
    QCOMPARE(
        decodeStateVector(unhex("ffffffffffff0f01")).error().reason, QStringLiteral("truncated"));
}

// describeUpdate sees the structs splitUpdate sees: per client section, the clock ranges, the
// content kinds, and the delete set.
void TestYjsUpdate::describesUpdates()
{
    const auto text = describeUpdate(unhex("0102010004010174016184010002626301010101"
                                           "01"));
    QVERIFY(text);
    QCOMPARE(text->clients.size(), 1);
    QCOMPARE(text->clients[0].client, 1u);
    QCOMPARE(text->clients[0].end, 3u);
    QCOMPARE(text->clients[0].structs.size(), 2);
    QCOMPARE(text->clients[0].structs[0].kind, QStringLiteral("Item"));
    QCOMPARE(text->clients[0].structs[0].content, QStringLiteral("String"));
    QVERIFY(text->clients[0].structs[0].detail.contains(QStringLiteral("\"a\"")));
    QVERIFY(text->clients[0].structs[0].detail.contains(QStringLiteral("in \"t\"")));
    QVERIFY(text->clients[0].structs[1].detail.contains(QStringLiteral("after 1:0")));
    QCOMPARE(text->deleteSet.rangeCount(), 1);

    const auto map = describeUpdate(unhex("01010103280101"
                                          "6d016b0177017600"));
    QVERIFY(map);
    QCOMPARE(map->clients[0].structs[0].content, QStringLiteral("Any"));
    QVERIFY(map->clients[0].structs[0].detail.contains(QStringLiteral("key \"k\"")));

    for (const QJsonValue &trace : traces()) {
        const QByteArray merged = bytesOf(trace[QStringLiteral("merged")]);
        const auto split = splitUpdate(merged);
        const auto view = describeUpdate(merged, 1 << 30);
        QVERIFY(split && view);
        QCOMPARE(view->deleteSet.encode(), split->deleteSet.encode());
        qsizetype structs = 0;
        QStringList kinds;
        for (const ClientRunView &run : view->clients) {
            QVERIFY(run.end > run.start);
            for (const StructView &s : run.structs) {
                ++structs;
                QVERIFY(!s.kind.isEmpty());
                QVERIFY(s.kind != u"Item" || !s.content.isEmpty());
                if (!kinds.contains(s.content))
                    kinds.append(s.content);
            }
        }
        QVERIFY(structs >= split->runs.size());
        // The limit bounds what is kept, not what is checked.
        const auto few = describeUpdate(merged, 3);
        QVERIFY(few);
        qsizetype kept = 0;
        for (const ClientRunView &run : few->clients)
            kept += run.structs.size();
        QCOMPARE(kept, 3);
        if (trace[QStringLiteral("name")].toString() == u"mixed") {
            // A full state also holds deleted content and the GCs of deleted types.
            const auto state = describeUpdate(
                bytesOf(trace[QStringLiteral("fullStates")].toArray().first()), 1 << 30);
            QVERIFY(state);
            for (const ClientRunView &run : state->clients) {
                for (const StructView &s : run.structs) {
                    const QString kind = s.kind == u"Item" ? s.content : s.kind;
                    if (!kinds.contains(kind))
                        kinds.append(kind);
                }
            }
            for (const char *kind :
                {"String", "Any", "Type", "Format", "Embed", "Binary", "Deleted", "Doc", "GC"})
                QVERIFY2(kinds.contains(QString::fromLatin1(kind)), kind);
        }
    }
}

QTEST_GUILESS_MAIN(TestYjsUpdate)
#include "tst_yjsupdate.moc"
