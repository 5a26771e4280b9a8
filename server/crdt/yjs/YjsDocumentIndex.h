#pragma once

#include "crdt/DocumentEngine.h"
#include "crdt/yjs/DeleteSet.h"

#include <map>
#include <tuple>

namespace canopy::yjs {

// One Yjs document in memory without its content: which clocks of each client the host holds
// (as coalesced ranges), the merged delete set, and the stored units by identity. Enough to tell
// what is new in an update, what a joiner lacks and the document's state vector, at a cost that
// does not grow with the document.
class YjsDocumentIndex final : public crdt::DocumentIndex
{
public:
    // Size-tiered compaction: units fall in tiers by size (each tier 4 times the one below);
    // once a tier holds this many units, and merging them at least quarters their number, they
    // are merged into one larger unit per client. A byte is rewritten about once per tier it
    // climbs, and a large unit is rewritten only when as many units of its size exist: a write
    // costs the same in a 1 KB or a 10 MB document, and a tier never holds many units.
    static constexpr qsizetype UnitsPerTier = 16;

    void addStored(const crdt::Unit &unit, qint64 bytes) override;
    Expected<crdt::Admission, crdt::Refusal> admit(
        QList<crdt::Unit> units, const crdt::AdmitContext &context) override;
    // The state vector as yjs writes it: per client, the end of the run held from clock 0.
    QByteArray version() const override;
    crdt::UnitQuery lacking(const crdt::PeerVersion &client) const override;
    // One V1 update: diffUpdate of the merged runs read and the whole delete set.
    QList<QByteArray> answer(
        QList<crdt::Unit> read, const crdt::PeerVersion &client) const override;
    QList<QByteArray> exportAll(QList<crdt::Unit> units) const override;
    QList<crdt::Unit> compaction() const override;
    void compacted(const QList<crdt::Unit> &removed, const QList<crdt::Unit> &added) override;
    qint64 byteCount() const override { return m_bytes; }
    qsizetype unitCount() const override { return qsizetype(m_units.size()); }

    qsizetype clientCount() const { return qsizetype(m_held.size()); }

private:
    using Ranges = std::map<quint32, quint32>; // start -> exclusive end, coalesced
    using UnitId = std::tuple<QByteArray, quint32, quint32>;

    static void addRange(Ranges &ranges, quint32 start, quint32 end);
    static bool covers(const Ranges &ranges, quint32 start, quint32 end);
    // The end of the held range that holds `clock`, or `clock` when none does.
    static quint32 heldUntil(const Ranges &ranges, quint32 clock);
    void remember(const crdt::Unit &unit, qint64 bytes);

    std::map<quint64, Ranges> m_held;
    DeleteSet m_deletes;
    std::map<UnitId, qint64> m_units; // each stored unit's size
    qint64 m_bytes = 0;
    quint32 m_nextSequence = 0; // the next delete-set unit's number
};

} // namespace canopy::yjs
