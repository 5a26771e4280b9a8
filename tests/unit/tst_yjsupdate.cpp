// The native Yjs V1 codec (server/crdt/yjs): splitUpdate, mergeUpdates, diffUpdate and the state
// vectors against what the real yjs computed (tests/interop/fixtures/yjs-fixtures.mjs), plus
// hostile input: every malformed update is a YjsError, never a crash.
#include "crdt/yjs/DeleteSet.h"
#include "crdt/yjs/StateVector.h"
#include "crdt/yjs/UpdateDescription.h"
#include "crdt/yjs/UpdateMerge.h"
#include "crdt/yjs/YjsUpdate.h"

#include <QTest>

using namespace canopy::yjs;

namespace {

QByteArray unhex(const char *hex)
{
    return QByteArray::fromHex(QByteArray(hex));
}

} // namespace

class TestYjsUpdate : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    // The decoded examples of protocol.md C8 (bytes from yjs probes).
    void referenceExamples();
};

void TestYjsUpdate::referenceExamples()
{
    const QByteArray u1 = unhex("010101000401017401610"
                                "0");
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
    QCOMPARE(split->runs.size(), 2);
    QCOMPARE(split->runs[0].update, u1);
    QCOMPARE(split->runs[1].update, u3);
    QCOMPARE(split->runs[1].start, 3u);
    QCOMPARE(split->runs[1].end, 4u);

    const auto deletes = splitUpdate(u4);
    QVERIFY(deletes);
    QVERIFY(deletes->runs.isEmpty());
    QCOMPARE(deleteSetUpdate(deletes->deleteSet), u4);

    // A surrogate pair cut in half: U+FFFD on the right side.
    const QByteArray emoji = unhex("01010200040101740"
                                   "4f09f988000");
    QCOMPARE(stateVectorFromUpdate(emoji).toHex(), QByteArray("010202"));
    QCOMPARE(diffUpdate(emoji, StateVector {{2, 1}}).toHex(),
        QByteArray("01010201840200"
                   "03efbfbd00"));

    QCOMPARE(splitUpdate(unhex("0101010004010174")).error().reason, QStringLiteral("truncated"));
    QCOMPARE(splitUpdate(unhex("01010100"
                               "0b"
                               "00"))
                 .error()
                 .reason,
        QStringLiteral("unknown-content"));
    QCOMPARE(splitUpdate(QByteArray(u1 + "x")).error().reason, QStringLiteral("trailing-bytes"));
}

QTEST_GUILESS_MAIN(TestYjsUpdate)
#include "tst_yjsupdate.moc"
