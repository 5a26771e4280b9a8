#pragma once

#include "crdt/DocumentEngine.h"

namespace canopy::yjs {

// y-protocols awareness (presence) per room, in memory only: one unit per awareness client
// (peer = the client id, 8 bytes big-endian; start = its clock) holding its latest entry. Shared
// by every protocol that speaks Yjs: y-websocket and Hocuspocus type 1, loro-protocol %YAW.
class YjsAwarenessEngine final : public crdt::DocumentEngine
{
public:
    static constexpr QStringView Kind = u"yaw";
    // A state not renewed for this long is dropped (y-protocols' outdatedTimeout).
    static constexpr qint64 TimeoutMs = 30000;

    QString kind() const override { return Kind.toString(); }
    bool persistent() const override { return false; }
    bool loadsData() const override { return true; }
    bool ephemeral() const override { return true; }

    std::unique_ptr<crdt::DocumentIndex> createIndex() const override;
    Expected<crdt::SplitUpdate, crdt::Refusal> split(QByteArrayView update) const override;
    // Awareness has no version: whatever a joiner sends reads as "nothing yet".
    Expected<crdt::PeerVersion, crdt::Refusal> decodeVersion(QByteArrayView version) const override;
    // The entries as one awareness update; none give an empty update (`00`).
    QList<QByteArray> encode(const QList<crdt::Unit> &units) const override;
    crdt::UnitDescription describe(const crdt::Unit &unit) const override;
};

} // namespace canopy::yjs
