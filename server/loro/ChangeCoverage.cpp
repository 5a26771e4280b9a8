#include "loro/ChangeCoverage.h"

#include <QList>

namespace canopy::loro {

bool ChangeCoverage::covers(quint64 peer, quint32 start, quint32 end) const
{
    if (start >= end)
        return true;
    const auto p = m_peers.find(peer);
    if (p == m_peers.end())
        return false;
    const auto &intervals = p->second;
    auto it = intervals.upper_bound(start); // first interval starting after `start`
    if (it == intervals.begin())
        return false;
    --it;
    return it->first <= start && it->second >= end;
}

void ChangeCoverage::add(quint64 peer, quint32 start, quint32 end)
{
    if (start >= end)
        return;
    auto &intervals = m_peers[peer];
    auto it = intervals.upper_bound(start);
    if (it != intervals.begin()) {
        auto prev = std::prev(it);
        if (prev->second >= start) { // touches or overlaps the previous interval
            start = prev->first;
            end = std::max(end, prev->second);
            it = intervals.erase(prev);
        }
    }
    while (it != intervals.end() && it->first <= end) {
        end = std::max(end, it->second);
        it = intervals.erase(it);
    }
    intervals.emplace(start, end);
}

VersionVector ChangeCoverage::version() const
{
    VersionVector vv;
    for (const auto &[peer, intervals] : m_peers) {
        if (!intervals.empty())
            vv[peer] = std::prev(intervals.end())->second;
    }
    return vv;
}

QList<quint64> ChangeCoverage::peersAhead(const VersionVector &version) const
{
    QList<quint64> out;
    for (const auto &[peer, intervals] : m_peers) {
        if (intervals.empty())
            continue;
        const auto known = version.find(peer);
        const quint32 pos = known == version.end() ? 0 : known->second;
        if (std::prev(intervals.end())->second > pos)
            out.append(peer);
    }
    return out;
}

} // namespace canopy::loro
