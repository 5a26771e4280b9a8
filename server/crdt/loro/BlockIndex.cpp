#include "crdt/loro/BlockIndex.h"

namespace canopy::loro {

bool BlockIndex::insert(const ChangeBlock &block)
{
    Blocks &blocks = m_peers[block.peer];
    const auto [it, added] = blocks.try_emplace({block.counterStart, block.counterEnd}, block);
    if (!added)
        return false;
    m_coverage.add(block.peer, block.counterStart, block.counterEnd);
    ++m_blockCount;
    m_byteCount += block.bytes.size();
    return true;
}

QList<const ChangeBlock *> BlockIndex::missingFrom(const VersionVector &version) const
{
    QList<const ChangeBlock *> out;
    for (const quint64 peerId : m_coverage.peersAhead(version)) {
        const Blocks &blocks = m_peers.at(peerId);
        const auto known = version.find(peerId);
        quint32 pos = known == version.end() ? 0 : known->second;
        // Greedy interval cover of [pos, end): at each point take the block reaching furthest.
        auto it = blocks.begin();
        while (true) {
            const ChangeBlock *best = nullptr;
            while (it != blocks.end() && it->first.first <= pos) {
                if (it->first.second > pos && (!best || it->first.second > best->counterEnd))
                    best = &it->second;
                ++it;
            }
            if (best) {
                out.append(best);
                pos = best->counterEnd;
                continue;
            }
            if (it == blocks.end())
                break;
            pos = it->first.first; // a gap: what follows is still news to the client
        }
    }
    return out;
}

} // namespace canopy::loro
