#pragma once

#include "loro/LoroTypes.h"

#include <map>

namespace canopy::loro {

// Which counters of each author peer a document holds, as merged intervals: "do we already
// have this?" costs O(log n) and the memory grows with the peers, not with the blocks.
class ChangeCoverage final
{
public:
    // True when every counter of [start, end) of this peer is held.
    bool covers(quint64 peer, quint32 start, quint32 end) const;
    void add(quint64 peer, quint32 start, quint32 end);

    // Highest counter end per peer.
    VersionVector version() const;
    // The peers holding some counter at or past `version`'s entry for them.
    QList<quint64> peersAhead(const VersionVector &version) const;
    qsizetype peerCount() const { return qsizetype(m_peers.size()); }

private:
    std::map<quint64, std::map<quint32, quint32>> m_peers; // peer -> (start -> end)
};

} // namespace canopy::loro
