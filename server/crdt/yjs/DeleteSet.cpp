#include "crdt/yjs/DeleteSet.h"

#include "crdt/yjs/Lib0Reader.h"
#include "crdt/yjs/Lib0Writer.h"
#include "crdt/yjs/YjsUpdate.h"

#include <algorithm>

namespace canopy::yjs {

namespace {

// sortAndMergeDeleteSet: by clock, then ranges that overlap or touch become one. Ranges of
// length 0 are kept where they touch nothing, as yjs keeps them.
void normalize(QList<DeleteRange> &ranges)
{
    if (ranges.size() < 2)
        return;
    std::stable_sort(ranges.begin(), ranges.end(),
        [](const DeleteRange &a, const DeleteRange &b) { return a.clock < b.clock; });
    qsizetype j = 1;
    for (qsizetype i = 1; i < ranges.size(); ++i) {
        DeleteRange &left = ranges[j - 1];
        const DeleteRange right = ranges[i];
        if (left.clock + left.length >= right.clock) {
            left.length = std::max(left.length, right.clock + right.length - left.clock);
        } else {
            ranges[j++] = right;
        }
    }
    ranges.resize(j);
}

// One range into sorted, coalesced `ranges`, with the result normalize() would give: a few new
// deletes into a document's large set cost a search and a move, not a sort.
void insertRange(QList<DeleteRange> &ranges, const DeleteRange &range)
{
    auto at = std::upper_bound(ranges.begin(), ranges.end(), range.clock,
        [](quint64 clock, const DeleteRange &r) { return clock < r.clock; });
    qsizetype i = at - ranges.begin();
    if (i > 0 && ranges[i - 1].clock + ranges[i - 1].length >= range.clock) {
        DeleteRange &left = ranges[i - 1];
        left.length = std::max(left.length, range.clock + range.length - left.clock);
        --i;
    } else {
        ranges.insert(i, range);
    }
    DeleteRange &grown = ranges[i];
    qsizetype end = i + 1;
    while (end < ranges.size() && grown.clock + grown.length >= ranges[end].clock) {
        grown.length = std::max(grown.length, ranges[end].clock + ranges[end].length - grown.clock);
        ++end;
    }
    ranges.remove(i + 1, end - i - 1);
}

} // namespace

Expected<DeleteSet, YjsError> DeleteSet::read(Lib0Reader &r)
{
    auto bad = [&](const QString &what) {
        const QString reason
            = r.atEnd() ? QStringLiteral("truncated") : QStringLiteral("bad-varint");
        return unexpected(YjsError {reason,
            QStringLiteral("the delete set's %1 is cut or not a varUint (byte %2)")
                .arg(what, QString::number(r.pos()))});
    };
    const auto clients = r.varUint();
    if (!clients)
        return bad(QStringLiteral("client count"));
    DeleteSet set;
    std::map<quint64, bool> touched;
    for (quint64 i = 0; i < *clients; ++i) {
        const auto client = r.varUint();
        if (!client)
            return bad(QStringLiteral("client"));
        const auto count = r.varUint();
        if (!count)
            return bad(QStringLiteral("range count"));
        // Each range takes at least two bytes; a larger count must not make us reserve.
        if (*count > quint64(r.remaining()) / 2)
            return unexpected(YjsError {QStringLiteral("truncated"),
                QStringLiteral("the delete set claims %1 ranges for client %2 in %3 bytes")
                    .arg(QString::number(*count), QString::number(*client),
                        QString::number(r.remaining()))});
        if (*count == 0)
            continue; // readDeleteSet skips a client without ranges
        QList<DeleteRange> &ranges = set.m_clients[*client];
        ranges.reserve(ranges.size() + qsizetype(*count));
        for (quint64 k = 0; k < *count; ++k) {
            const auto clock = r.varUint();
            if (!clock)
                return bad(QStringLiteral("clock"));
            const auto length = r.varUint();
            if (!length)
                return bad(QStringLiteral("length"));
            if (*clock > MaxClock || *length > MaxClock - *clock)
                return unexpected(YjsError {QStringLiteral("clock-overflow"),
                    QStringLiteral("a deleted range of client %1 runs past clock %2")
                        .arg(QString::number(*client), QString::number(MaxClock))});
            ranges.append(DeleteRange {*clock, *length});
        }
        touched[*client] = true;
    }
    for (const auto &entry : touched)
        normalize(set.m_clients[entry.first]);
    return set;
}

Expected<DeleteSet, YjsError> DeleteSet::decode(QByteArrayView section)
{
    Lib0Reader r(section);
    auto set = read(r);
    if (!set)
        return set;
    if (!r.atEnd())
        return unexpected(YjsError {QStringLiteral("trailing-bytes"),
            QStringLiteral("%1 bytes follow the delete set").arg(r.remaining())});
    return set;
}

void DeleteSet::write(Lib0Writer &w) const
{
    w.varUint(m_clients.size());
    for (auto it = m_clients.rbegin(); it != m_clients.rend(); ++it) {
        w.varUint(it->first);
        w.varUint(quint64(it->second.size()));
        for (const DeleteRange &range : it->second) {
            w.varUint(range.clock);
            w.varUint(range.length);
        }
    }
}

QByteArray DeleteSet::encode() const
{
    Lib0Writer w;
    write(w);
    return w.take();
}

void DeleteSet::add(quint64 client, quint64 clock, quint64 length)
{
    QList<DeleteRange> &ranges = m_clients[client];
    ranges.append(DeleteRange {clock, length});
    // Appending in clock order (the common case) keeps the list sorted: merge with the last.
    if (ranges.size() >= 2) {
        DeleteRange &before = ranges[ranges.size() - 2];
        if (before.clock <= clock) {
            if (before.clock + before.length >= clock) {
                before.length = std::max(before.length, clock + length - before.clock);
                ranges.removeLast();
            }
            return;
        }
        normalize(ranges);
    }
}

void DeleteSet::merge(const DeleteSet &other)
{
    for (const auto &[client, ranges] : other.m_clients) {
        QList<DeleteRange> &mine = m_clients[client];
        if (mine.isEmpty()) {
            mine = ranges;
            continue;
        }
        if (ranges.size() <= 16) {
            for (const DeleteRange &range : ranges)
                insertRange(mine, range);
            continue;
        }
        mine.append(ranges);
        normalize(mine);
    }
}

bool DeleteSet::covers(const DeleteSet &other) const
{
    for (const auto &[client, ranges] : other.m_clients) {
        const auto found = m_clients.find(client);
        for (const DeleteRange &range : ranges) {
            if (found == m_clients.end())
                return false;
            const QList<DeleteRange> &mine = found->second;
            // The last of my ranges starting at or before range.clock must reach its end.
            auto it = std::upper_bound(mine.begin(), mine.end(), range.clock,
                [](quint64 clock, const DeleteRange &r) { return clock < r.clock; });
            if (it == mine.begin())
                return false;
            --it;
            if (it->clock + it->length < range.clock + range.length)
                return false;
        }
    }
    return true;
}

qsizetype DeleteSet::rangeCount() const
{
    qsizetype count = 0;
    for (const auto &entry : m_clients)
        count += entry.second.size();
    return count;
}

} // namespace canopy::yjs
