#pragma once

#include "crdt/loro/LoroTypes.h"

#include <vector>

namespace canopy::loro {

// Which counters of each author peer a document holds, as merged intervals: "do we already
// have this?" costs O(log n) and the memory grows with the peers, not with the blocks.
// The intervals sit in one sorted array, 16 bytes each: a document edited by thousands of
// short-lived peers (every fresh client document is a new peer) stays small.
class ChangeCoverage final
{
public:
    // True when every counter of [start, end) of this peer is held.
    bool covers(quint64 peer, quint32 start, quint32 end) const;
    void add(quint64 peer, quint32 start, quint32 end);

    // Highest counter end per peer.
    VersionVector version() const;
    // Where the counters held from `from` on stop: the end of the run reaching `from`, or
    // `from` itself when it is not held.
    quint32 contiguousEnd(quint64 peer, quint32 from) const;
    // Every peer with some counter held, ascending.
    QList<quint64> peers() const;
    // The peers holding some counter at or past `version`'s entry for them.
    QList<quint64> peersAhead(const VersionVector &version) const;
    qsizetype peerCount() const { return m_peerCount; }

private:
    struct Run
    {
        quint64 peer;
        quint32 start;
        quint32 end; // exclusive
    };
    // Sorted by (peer, start); the runs of one peer neither overlap nor touch.
    std::vector<Run> m_runs;
    qsizetype m_peerCount = 0;
};

} // namespace canopy::loro
