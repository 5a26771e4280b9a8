#pragma once

#include "crdt/DocumentEngine.h"

namespace canopy::elo {

// End-to-end encrypted Loro documents (%ELO): each record of a container is one unit. A
// DeltaSpan is keyed by its peer id (0x00 + the id) and span; a Snapshot by its version
// (0x01 + the version's encoding). The host reads plaintext headers only; it never holds a key.
class EloEngine final : public crdt::DocumentEngine
{
public:
    static constexpr QStringView Kind = u"elo";

    QString kind() const override { return Kind.toString(); }
    std::unique_ptr<crdt::DocumentIndex> createIndex() const override;
    Expected<crdt::SplitUpdate, crdt::Refusal> split(QByteArrayView update) const override;
    Expected<crdt::PeerVersion, crdt::Refusal> decodeVersion(QByteArrayView version) const override;
    QList<QByteArray> encode(const QList<crdt::Unit> &units) const override;
    crdt::UnitDescription describe(const crdt::Unit &unit) const override;

    static constexpr char DeltaPrefix = '\x00';
    static constexpr char SnapshotPrefix = '\x01';
};

} // namespace canopy::elo
