// The block index: coverage, duplicates, and the fewest blocks beyond a version vector.
#include "crdt/loro/BlockIndex.h"

#include <map>
#include <set>

#include <QRandomGenerator>
#include <QTest>

using namespace canopy::loro;

namespace {

ChangeBlock block(quint64 peer, quint32 start, quint32 end)
{
    ChangeBlock b;
    b.peer = peer;
    b.counterStart = start;
    b.counterEnd = end;
    b.lamportStart = start;
    b.lamportEnd = end;
    b.changeCount = 1;
    b.bytes = QByteArray(int(end - start), 'x');
    return b;
}

using Ranges = QList<QList<quint64>>; // {peer, start, end}

BlockIndex indexOf(const Ranges &ranges)
{
    BlockIndex index;
    for (const auto &r : ranges)
        index.insert(block(r[0], quint32(r[1]), quint32(r[2])));
    return index;
}

Ranges rangesOf(const QList<const ChangeBlock *> &blocks)
{
    Ranges out;
    for (const ChangeBlock *b : blocks)
        out.append({b->peer, b->counterStart, b->counterEnd});
    return out;
}

} // namespace

class TestBlockIndex final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    // The hub keeps only this in memory; it must name exactly the peers a subscriber lacks.
    void coveragePeersAhead()
    {
        ChangeCoverage coverage;
        coverage.add(1, 0, 5);
        coverage.add(1, 5, 9); // merges with 0..5
        coverage.add(2, 3, 4); // a peer whose first counters are elsewhere
        coverage.add(3, 7, 7); // empty: ignored
        QCOMPARE(coverage.peerCount(), 2);
        QVERIFY(coverage.covers(1, 0, 9));
        QVERIFY(!coverage.covers(2, 0, 4));
        QCOMPARE(coverage.version(), (VersionVector {{1, 9}, {2, 4}}));
        QCOMPARE(coverage.peersAhead({}), (QList<quint64> {1, 2}));
        QCOMPARE(coverage.peersAhead({{1, 9}}), (QList<quint64> {2}));
        QCOMPARE(coverage.peersAhead({{1, 8}, {2, 4}}), (QList<quint64> {1}));
        QCOMPARE(coverage.peersAhead({{1, 100}, {2, 4}, {9, 1}}), QList<quint64> {});
    }

    // Random intervals of a few peers against a plain set of held counters.
    void coverageMatchesAPlainModel()
    {
        QRandomGenerator random(20261128);
        for (int round = 0; round < 200; ++round) {
            ChangeCoverage coverage;
            std::map<quint64, std::set<quint32>> held;
            for (int step = 0; step < 60; ++step) {
                const quint64 peer = random.bounded(4) * 0x9e3779b97f4a7c15ULL;
                const quint32 start = random.bounded(80);
                const quint32 end = start + random.bounded(12);
                coverage.add(peer, start, end);
                for (quint32 c = start; c < end; ++c)
                    held[peer].insert(c);

                qsizetype peers = 0;
                VersionVector version;
                for (const auto &[p, counters] : held) {
                    if (counters.empty())
                        continue;
                    ++peers;
                    version[p] = *counters.rbegin() + 1;
                }
                QCOMPARE(coverage.peerCount(), peers);
                QCOMPARE(coverage.version(), version);
                for (int probe = 0; probe < 20; ++probe) {
                    const quint64 p = random.bounded(4) * 0x9e3779b97f4a7c15ULL;
                    const quint32 s = random.bounded(95);
                    const quint32 e = s + random.bounded(15);
                    bool all = true;
                    for (quint32 c = s; c < e && all; ++c)
                        all = held[p].count(c) == 1;
                    QCOMPARE(coverage.covers(p, s, e), all);
                }
            }
        }
    }

    void covers_data()
    {
        QTest::addColumn<Ranges>("stored");
        QTest::addColumn<QList<quint64>>("query");
        QTest::addColumn<bool>("covered");
        QTest::newRow("empty index") << Ranges {} << QList<quint64> {1, 0, 1} << false;
        QTest::newRow("exact") << Ranges {{1, 0, 5}} << QList<quint64> {1, 0, 5} << true;
        QTest::newRow("inside") << Ranges {{1, 0, 5}} << QList<quint64> {1, 2, 4} << true;
        QTest::newRow("beyond end") << Ranges {{1, 0, 5}} << QList<quint64> {1, 3, 6} << false;
        QTest::newRow("other peer") << Ranges {{1, 0, 5}} << QList<quint64> {2, 0, 5} << false;
        QTest::newRow("adjacent blocks merge")
            << Ranges {{1, 0, 5}, {1, 5, 9}} << QList<quint64> {1, 3, 8} << true;
        QTest::newRow("gap") << Ranges {{1, 0, 5}, {1, 6, 9}} << QList<quint64> {1, 3, 8} << false;
        QTest::newRow("overlapping snapshot block")
            << Ranges {{1, 0, 3}, {1, 0, 10}, {1, 2, 4}} << QList<quint64> {1, 4, 10} << true;
        QTest::newRow("inserted out of order")
            << Ranges {{1, 10, 20}, {1, 0, 10}} << QList<quint64> {1, 0, 20} << true;
        QTest::newRow("u64 peer") << Ranges {{~quint64(0), 0, 2}}
                                  << QList<quint64> {~quint64(0), 1, 2} << true;
    }

    void covers()
    {
        QFETCH(Ranges, stored);
        QFETCH(QList<quint64>, query);
        QFETCH(bool, covered);
        const BlockIndex index = indexOf(stored);
        QCOMPARE(index.covers(query[0], quint32(query[1]), quint32(query[2])), covered);
    }

    void missingFrom_data()
    {
        QTest::addColumn<Ranges>("stored");
        QTest::addColumn<VersionVector>("version");
        QTest::addColumn<Ranges>("expected");
        const Ranges chain {{1, 0, 2}, {1, 2, 3}, {1, 3, 7}, {2, 0, 4}};
        QTest::newRow("empty client gets everything") << chain << VersionVector {} << chain;
        QTest::newRow("up to date") << chain << VersionVector {{1, 7}, {2, 4}} << Ranges {};
        QTest::newRow("ahead of host") << chain << VersionVector {{1, 9}, {2, 5}} << Ranges {};
        QTest::newRow("lacks one change")
            << chain << VersionVector {{1, 3}, {2, 4}} << Ranges {{1, 3, 7}};
        QTest::newRow("mid-block needs that block")
            << chain << VersionVector {{1, 5}, {2, 4}} << Ranges {{1, 3, 7}};
        QTest::newRow("unknown peer entirely")
            << chain << VersionVector {{1, 7}} << Ranges {{2, 0, 4}};
        // A snapshot's big block and the small update blocks it spans: the fewest that cover.
        QTest::newRow("prefers the block reaching furthest")
            << Ranges {{1, 0, 2}, {1, 2, 4}, {1, 0, 10}, {1, 10, 11}} << VersionVector {{1, 1}}
            << Ranges {{1, 0, 10}, {1, 10, 11}};
        QTest::newRow("small blocks when the client is near the end")
            << Ranges {{1, 0, 2}, {1, 2, 4}, {1, 0, 10}, {1, 10, 11}} << VersionVector {{1, 10}}
            << Ranges {{1, 10, 11}};
        QTest::newRow("gap is jumped") << Ranges {{1, 0, 2}, {1, 5, 8}} << VersionVector {{1, 1}}
                                       << Ranges {{1, 0, 2}, {1, 5, 8}};
        QTest::newRow("gap client inside it")
            << Ranges {{1, 0, 2}, {1, 5, 8}} << VersionVector {{1, 3}} << Ranges {{1, 5, 8}};
    }

    void missingFrom()
    {
        QFETCH(Ranges, stored);
        QFETCH(VersionVector, version);
        QFETCH(Ranges, expected);
        const BlockIndex index = indexOf(stored);
        QCOMPARE(rangesOf(index.missingFrom(version)), expected);
    }

    void duplicates()
    {
        BlockIndex index;
        QVERIFY(index.insert(block(1, 0, 4)));
        QVERIFY(!index.insert(block(1, 0, 4)));
        QCOMPARE(index.blockCount(), 1);
        QVERIFY(index.insert(block(1, 4, 6)));
        QCOMPARE(index.byteCount(), 6);
        QVERIFY(index.covers(1, 0, 6));
        QCOMPARE(index.blockCount(), 2);
        QCOMPARE(index.peerCount(), 1);
    }

    void version()
    {
        const BlockIndex index = indexOf({{1, 0, 3}, {1, 3, 5}, {9, 2, 4}});
        QCOMPARE(index.version(), (VersionVector {{1, 5}, {9, 4}}));
    }
};

QTEST_GUILESS_MAIN(TestBlockIndex)
#include "tst_blockindex.moc"
