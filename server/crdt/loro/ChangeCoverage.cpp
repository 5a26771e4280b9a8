#include "crdt/loro/ChangeCoverage.h"

#include <algorithm>

#include <QList>

namespace canopy::loro {

namespace {
// The first run that starts after (peer, start).
template <typename Runs> auto firstAfter(Runs &runs, quint64 peer, quint32 start)
{
    return std::upper_bound(runs.begin(), runs.end(), std::pair {peer, start},
        [](const std::pair<quint64, quint32> &key, const auto &run) {
            return key.first < run.peer || (key.first == run.peer && key.second < run.start);
        });
}
} // namespace

bool ChangeCoverage::covers(quint64 peer, quint32 start, quint32 end) const
{
    if (start >= end)
        return true;
    auto it = firstAfter(m_runs, peer, start);
    if (it == m_runs.begin())
        return false;
    --it;
    return it->peer == peer && it->start <= start && it->end >= end;
}

void ChangeCoverage::add(quint64 peer, quint32 start, quint32 end)
{
    if (start >= end)
        return;
    auto it = firstAfter(m_runs, peer, start);
    auto first = it; // the runs [first, last) merge with [start, end)
    if (it != m_runs.begin()) {
        auto prev = std::prev(it);
        if (prev->peer == peer && prev->end >= start) { // touches or overlaps
            first = prev;
            start = prev->start;
            end = std::max(end, prev->end);
        }
    }
    auto last = it;
    while (last != m_runs.end() && last->peer == peer && last->start <= end) {
        end = std::max(end, last->end);
        ++last;
    }
    if (first == last) {
        const bool known = (first != m_runs.begin() && std::prev(first)->peer == peer)
            || (first != m_runs.end() && first->peer == peer);
        if (!known)
            ++m_peerCount;
        m_runs.insert(first, Run {peer, start, end});
        return;
    }
    *first = Run {peer, start, end};
    m_runs.erase(std::next(first), last);
}

quint32 ChangeCoverage::contiguousEnd(quint64 peer, quint32 from) const
{
    auto it = firstAfter(m_runs, peer, from);
    if (it == m_runs.begin())
        return from;
    --it;
    return it->peer == peer && it->end >= from ? std::max(it->end, from) : from;
}

QList<quint64> ChangeCoverage::peers() const
{
    QList<quint64> out;
    out.reserve(m_peerCount);
    for (const Run &run : m_runs) {
        if (out.isEmpty() || out.constLast() != run.peer)
            out.append(run.peer);
    }
    return out;
}

VersionVector ChangeCoverage::version() const
{
    VersionVector vv;
    for (auto it = m_runs.begin(); it != m_runs.end(); ++it) {
        const auto next = std::next(it);
        if (next == m_runs.end() || next->peer != it->peer)
            vv.emplace_hint(vv.end(), it->peer, it->end); // the peer's last run ends highest
    }
    return vv;
}

QList<quint64> ChangeCoverage::peersAhead(const VersionVector &version) const
{
    QList<quint64> out;
    for (auto it = m_runs.begin(); it != m_runs.end(); ++it) {
        const auto next = std::next(it);
        if (next != m_runs.end() && next->peer == it->peer)
            continue;
        const auto known = version.find(it->peer);
        const quint32 pos = known == version.end() ? 0 : known->second;
        if (it->end > pos)
            out.append(it->peer);
    }
    return out;
}

} // namespace canopy::loro
