#pragma once

#include "crdt/DocumentEngine.h"
#include "crdt/yjs/StateVector.h"

namespace canopy::yjs {

struct YjsError;

// Yjs documents without a Y.Doc: each stored unit is a contiguous run of one client's structs as
// a standalone V1 update (peer = the client id, 8 bytes big-endian; counters = its clocks), or a
// delete set (empty peer; counters = a sequence number; meta holds the set, so the index knows
// every deletion without reading the store). Joiners get diffUpdate of the merged runs; stored
// runs are merged again in the background (compact) so that joins stay cheap.
class YjsEngine final : public crdt::DocumentEngine
{
public:
    static constexpr QStringView Kind = u"yjs";

    QString kind() const override { return Kind.toString(); }
    std::unique_ptr<crdt::DocumentIndex> createIndex() const override;
    Expected<crdt::SplitUpdate, crdt::Refusal> split(QByteArrayView update) const override;
    // A Yjs state vector (empty bytes: nothing yet).
    Expected<crdt::PeerVersion, crdt::Refusal> decodeVersion(QByteArrayView version) const override;
    // The units of one update (or a batch) as one V1 update; none give the empty update `00 00`.
    QList<QByteArray> encode(const QList<crdt::Unit> &units) const override;
    crdt::UnitDescription describe(const crdt::Unit &unit) const override;
    Expected<QList<crdt::Unit>, crdt::Refusal> compact(
        const QList<crdt::Unit> &units) const override;

    static QByteArray clientKey(quint64 client);
    static quint64 clientOf(QByteArrayView key);
    static StateVector toStateVector(const crdt::PeerVersion &version);
    static crdt::Refusal refusal(const YjsError &error);

    // Unit meta: a flag byte ('c' for a unit written by compaction, 'n' for one as received),
    // then, for a delete-set unit, the encoded delete set.
    static constexpr char CompactedFlag = 'c';
    static constexpr char ReceivedFlag = 'n';
};

} // namespace canopy::yjs
