#include "loro/BlockIndex.h"

namespace canopy::loro {

bool BlockIndex::covers(quint64 peer, quint32 start, quint32 end) const
{
    if (start >= end)
        return true;
    const auto p = m_peers.find(peer);
    if (p == m_peers.end())
        return false;
    const auto &coverage = p->second.coverage;
    auto it = coverage.upper_bound(start); // first interval starting after `start`
    if (it == coverage.begin())
        return false;
    --it;
    return it->first <= start && it->second >= end;
}

void BlockIndex::addCoverage(Peer &peer, quint32 start, quint32 end)
{
    auto &coverage = peer.coverage;
    auto it = coverage.upper_bound(start);
    if (it != coverage.begin()) {
        auto prev = std::prev(it);
        if (prev->second >= start) { // touches or overlaps the previous interval
            start = prev->first;
            end = std::max(end, prev->second);
            it = coverage.erase(prev);
        }
    }
    while (it != coverage.end() && it->first <= end) {
        end = std::max(end, it->second);
        it = coverage.erase(it);
    }
    coverage.emplace(start, end);
}

bool BlockIndex::insert(const ChangeBlock &block)
{
    Peer &peer = m_peers[block.peer];
    const auto [it, added] = peer.blocks.try_emplace({block.counterStart, block.counterEnd}, block);
    if (!added)
        return false;
    addCoverage(peer, block.counterStart, block.counterEnd);
    ++m_blockCount;
    m_byteCount += block.bytes.size();
    return true;
}

void BlockIndex::remove(quint64 peerId, quint32 counterStart, quint32 counterEnd)
{
    const auto p = m_peers.find(peerId);
    if (p == m_peers.end())
        return;
    Peer &peer = p->second;
    const auto it = peer.blocks.find({counterStart, counterEnd});
    if (it == peer.blocks.end())
        return;
    --m_blockCount;
    m_byteCount -= it->second.bytes.size();
    peer.blocks.erase(it);
    if (peer.blocks.empty()) {
        m_peers.erase(p);
        return;
    }
    // Rare (a failed commit): rebuild this peer's coverage from its blocks.
    peer.coverage.clear();
    for (const auto &[range, block] : peer.blocks)
        addCoverage(peer, range.first, range.second);
}

QList<const ChangeBlock *> BlockIndex::missingFrom(const VersionVector &version) const
{
    QList<const ChangeBlock *> out;
    for (const auto &[peerId, peer] : m_peers) {
        const auto known = version.find(peerId);
        quint32 pos = known == version.end() ? 0 : known->second;
        if (peer.coverage.empty() || std::prev(peer.coverage.end())->second <= pos)
            continue;
        // Greedy interval cover of [pos, end): at each point take the block reaching furthest.
        auto it = peer.blocks.begin();
        while (true) {
            const ChangeBlock *best = nullptr;
            while (it != peer.blocks.end() && it->first.first <= pos) {
                if (it->first.second > pos && (!best || it->first.second > best->counterEnd))
                    best = &it->second;
                ++it;
            }
            if (best) {
                out.append(best);
                pos = best->counterEnd;
                continue;
            }
            if (it == peer.blocks.end())
                break;
            pos = it->first.first; // a gap: what follows is still news to the client
        }
    }
    return out;
}

VersionVector BlockIndex::version() const
{
    VersionVector vv;
    for (const auto &[peerId, peer] : m_peers) {
        if (!peer.coverage.empty())
            vv[peerId] = std::prev(peer.coverage.end())->second;
    }
    return vv;
}

} // namespace canopy::loro
