#pragma once

#include "crdt/loro/ChangeCoverage.h"
#include "crdt/loro/LoroTypes.h"

#include <map>
#include <utility>

namespace canopy::loro {

// The change blocks of one document, indexed by author peer and counter range. Blocks may
// overlap (a snapshot's oplog block can span several update blocks); coverage is tracked as
// merged intervals so "do we already have this?" costs O(log n) whatever the document's size.
class BlockIndex final
{
public:
    // True when every counter of [start, end) of this peer is held by some stored block.
    bool covers(quint64 peer, quint32 start, quint32 end) const
    {
        return m_coverage.covers(peer, start, end);
    }
    bool covers(const ChangeBlock &block) const
    {
        return covers(block.peer, block.counterStart, block.counterEnd);
    }

    // Adds a block; false when an identical range is already stored.
    bool insert(const ChangeBlock &block);

    // The fewest stored blocks that together hold everything beyond `version`, ascending by
    // (peer, counter). Empty when the holder of `version` lacks nothing.
    QList<const ChangeBlock *> missingFrom(const VersionVector &version) const;

    // Highest counter end per peer.
    VersionVector version() const { return m_coverage.version(); }
    qsizetype blockCount() const { return m_blockCount; }
    qint64 byteCount() const { return m_byteCount; }
    qsizetype peerCount() const { return qsizetype(m_peers.size()); }

private:
    using Blocks = std::map<std::pair<quint32, quint32>, ChangeBlock>; // (start, end) -> block

    std::map<quint64, Blocks> m_peers;
    ChangeCoverage m_coverage;
    qsizetype m_blockCount = 0;
    qint64 m_byteCount = 0;
};

} // namespace canopy::loro
