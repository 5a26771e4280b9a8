#include "crdt/yjs/YjsDocumentIndex.h"

#include "crdt/yjs/StateVector.h"
#include "crdt/yjs/UpdateMerge.h"
#include "crdt/yjs/YjsEngine.h"
#include "crdt/yjs/YjsUpdate.h"

#include <QHash>
#include <QSet>

namespace canopy::yjs {

namespace {

Expected<DeleteSet, YjsError> deletesOf(const crdt::Unit &unit)
{
    return DeleteSet::decode(
        QByteArrayView(unit.meta).sliced(qMin(qsizetype(1), unit.meta.size())));
}

} // namespace

void YjsDocumentIndex::addRange(Ranges &ranges, quint32 start, quint32 end)
{
    if (start >= end)
        return;
    auto it = ranges.upper_bound(start);
    if (it != ranges.begin()) {
        auto before = std::prev(it);
        if (before->second >= start) {
            start = before->first;
            end = std::max(end, before->second);
            it = ranges.erase(before);
        }
    }
    while (it != ranges.end() && it->first <= end) {
        end = std::max(end, it->second);
        it = ranges.erase(it);
    }
    ranges.emplace(start, end);
}

bool YjsDocumentIndex::covers(const Ranges &ranges, quint32 start, quint32 end)
{
    auto it = ranges.upper_bound(start);
    if (it == ranges.begin())
        return false;
    --it;
    return it->first <= start && it->second >= end;
}

quint32 YjsDocumentIndex::heldUntil(const Ranges &ranges, quint32 clock)
{
    auto it = ranges.upper_bound(clock);
    if (it == ranges.begin())
        return clock;
    --it;
    return it->second > clock ? it->second : clock;
}

void YjsDocumentIndex::remember(const crdt::Unit &unit, qint64 bytes)
{
    m_units[UnitId {unit.peer, unit.start, unit.end}] = bytes;
    m_bytes += bytes;
}

void YjsDocumentIndex::addStored(const crdt::Unit &unit, qint64 bytes)
{
    remember(unit, bytes);
    if (unit.peer.isEmpty()) {
        if (auto deletes = deletesOf(unit))
            m_deletes.merge(*deletes);
        m_nextSequence = std::max(m_nextSequence, unit.end);
        return;
    }
    addRange(m_held[YjsEngine::clientOf(unit.peer)], unit.start, unit.end);
}

Expected<crdt::Admission, crdt::Refusal> YjsDocumentIndex::admit(
    QList<crdt::Unit> units, const crdt::AdmitContext &context)
{
    crdt::Admission out;
    // What the update adds, applied to copies: a refusal must leave the index as it was.
    QHash<quint64, Ranges> touched;
    QList<DeleteSet> deletes; // merged into the document's set only once the update is taken
    qint64 freshBytes = 0;
    for (crdt::Unit &unit : units) {
        if (unit.peer.isEmpty()) {
            auto incoming = deletesOf(unit);
            if (!incoming)
                return unexpected(YjsEngine::refusal(incoming.error()));
            if (m_deletes.covers(*incoming)) {
                ++out.duplicates;
                continue;
            }
            deletes.append(std::move(*incoming));
            freshBytes += unit.data.size();
            out.fresh.append(std::move(unit));
            continue;
        }
        const quint64 client = YjsEngine::clientOf(unit.peer);
        auto ranges = touched.find(client);
        if (ranges == touched.end()) {
            const auto held = m_held.find(client);
            ranges = touched.insert(client, held == m_held.end() ? Ranges {} : held->second);
        }
        if (covers(*ranges, unit.start, unit.end)) {
            ++out.duplicates;
            continue;
        }
        // Keep only what follows the held clocks it starts in (what diffUpdate would send).
        const quint32 from = heldUntil(*ranges, unit.start);
        if (from > unit.start) {
            unit.data = diffUpdate(unit.data, StateVector {{client, from}});
            unit.start = from;
        }
        if (context.mayExtend && !context.mayExtend(unit.peer)) {
            return unexpected(crdt::Refusal {QStringLiteral("peer-bound"),
                QStringLiteral("Yjs client %1 was first written by another identity: its new "
                               "clocks %2..%3 are not taken from this one")
                    .arg(QString::number(client), QString::number(unit.start),
                        QString::number(unit.end))});
        }
        addRange(*ranges, unit.start, unit.end);
        freshBytes += unit.data.size();
        out.fresh.append(std::move(unit));
    }
    if (context.readOnly && !out.fresh.isEmpty()) {
        return unexpected(crdt::Refusal {QStringLiteral("permission-denied"),
            QStringLiteral("the sender may only read this document: the %1 new parts of its "
                           "update were not stored")
                .arg(out.fresh.size())});
    }
    if (context.maxBytes > 0 && freshBytes > 0 && m_bytes + freshBytes > context.maxBytes) {
        return unexpected(crdt::Refusal {QStringLiteral("max-entity-bytes"),
            QStringLiteral("the document would exceed %1 bytes").arg(context.maxBytes)});
    }
    for (auto it = touched.begin(); it != touched.end(); ++it) {
        if (!it->empty())
            m_held[it.key()] = std::move(*it);
    }
    for (const DeleteSet &set : std::as_const(deletes))
        m_deletes.merge(set);
    for (crdt::Unit &unit : out.fresh) {
        if (unit.peer.isEmpty()) {
            unit.start = m_nextSequence++;
            unit.end = m_nextSequence;
        }
        remember(unit, unit.data.size());
    }
    return out;
}

QByteArray YjsDocumentIndex::version() const
{
    StateVector vector;
    for (const auto &[client, ranges] : m_held) {
        if (!ranges.empty() && ranges.begin()->first == 0)
            vector.emplace(client, ranges.begin()->second);
    }
    return encodeStateVector(vector);
}

crdt::UnitQuery YjsDocumentIndex::lacking(const crdt::PeerVersion &client) const
{
    crdt::UnitQuery query;
    // A fresh joiner lacks everything: one read instead of one per client.
    if (client.empty() && !m_held.empty()) {
        query.all = true;
        return query;
    }
    for (const auto &[id, ranges] : m_held) {
        if (ranges.empty())
            continue;
        const QByteArray key = YjsEngine::clientKey(id);
        const auto has = client.find(key);
        const quint32 clock = has == client.end() ? 0 : has->second;
        if (clock < ranges.rbegin()->second)
            query.from.append({key, clock});
    }
    return query;
}

QList<QByteArray> YjsDocumentIndex::answer(
    QList<crdt::Unit> read, const crdt::PeerVersion &client) const
{
    QList<QByteArray> updates;
    updates.reserve(read.size() + 1);
    for (crdt::Unit &unit : read) {
        if (!unit.peer.isEmpty())
            updates.append(std::move(unit.data));
    }
    // The whole delete set, always, as yjs's diffUpdate copies it.
    if (!m_deletes.isEmpty())
        updates.append(deleteSetUpdate(m_deletes));
    if (updates.isEmpty())
        return {QByteArray::fromHex("0000")};
    return {diffUpdate(mergeUpdates(updates), YjsEngine::toStateVector(client))};
}

QList<QByteArray> YjsDocumentIndex::exportAll(QList<crdt::Unit> units) const
{
    QList<QByteArray> updates;
    updates.reserve(units.size());
    for (crdt::Unit &unit : units)
        updates.append(std::move(unit.data));
    if (updates.isEmpty())
        return {QByteArray::fromHex("0000")};
    return {mergeUpdates(updates)};
}

QList<crdt::Unit> YjsDocumentIndex::compaction() const
{
    // Tier t holds units of [64 * 4^t, 64 * 4^(t+1)) bytes; the smallest tier that is due wins.
    std::map<int, QList<const UnitId *>> tiers;
    for (const auto &[id, bytes] : m_units) {
        int tier = 0;
        for (qint64 size = bytes / 64; size >= 4 && tier < 30; size /= 4)
            ++tier;
        tiers[tier].append(&id);
    }
    for (const auto &[tier, ids] : tiers) {
        if (ids.size() < UnitsPerTier)
            continue;
        // Merging makes one unit per client (and one delete set): worth it only when several
        // units share a client, else the merge would give back as many units as it took.
        QSet<QByteArray> peers;
        for (const UnitId *id : ids)
            peers.insert(std::get<0>(*id));
        if (peers.size() * 4 > ids.size())
            continue;
        QList<crdt::Unit> out;
        out.reserve(ids.size());
        for (const UnitId *id : ids)
            out.append(crdt::Unit {std::get<0>(*id), std::get<1>(*id), std::get<2>(*id), {}, {}});
        return out;
    }
    return {};
}

void YjsDocumentIndex::compacted(const QList<crdt::Unit> &removed, const QList<crdt::Unit> &added)
{
    for (const crdt::Unit &unit : removed) {
        const auto it = m_units.find(UnitId {unit.peer, unit.start, unit.end});
        if (it == m_units.end())
            continue;
        m_bytes -= it->second;
        m_units.erase(it);
    }
    // The merged units hold exactly what the removed ones held: ranges and deletes stay.
    for (const crdt::Unit &unit : added)
        remember(unit, unit.data.size());
}

} // namespace canopy::yjs
