#pragma once

#include "crdt/DocumentEngine.h"
#include "crdt/loro/LoroTypes.h"

namespace canopy::loro {

// Loro documents as change blocks (protocol.md B4): each block is one unit, keyed by its author
// peer (8 bytes, big-endian) and counter range. A shallow snapshot whose history the host does
// not hold below its root is kept whole as the document's root unit (empty peer key), so that a
// joiner below the root can still rebuild the document.
class LoroEngine final : public crdt::DocumentEngine
{
public:
    static constexpr QStringView Kind = u"loro";

    QString kind() const override { return Kind.toString(); }
    std::unique_ptr<crdt::DocumentIndex> createIndex() const override;
    Expected<crdt::SplitUpdate, crdt::Refusal> split(QByteArrayView update) const override;
    Expected<crdt::PeerVersion, crdt::Refusal> decodeVersion(QByteArrayView version) const override;
    QList<QByteArray> encode(const QList<crdt::Unit> &units) const override;
    crdt::UnitDescription describe(const crdt::Unit &unit) const override;

    // Unit keys of Loro peers: the u64 big-endian, so keys sort as the peers do.
    static QByteArray peerKey(quint64 peer);
    static quint64 peerOf(QByteArrayView key);
    static crdt::PeerVersion toPeerVersion(const VersionVector &vv);
    static VersionVector toVersionVector(const crdt::PeerVersion &version);
    static crdt::Unit unitOf(const ChangeBlock &block);
    static ChangeBlock blockOf(const crdt::Unit &unit); // peer and range; bytes = the data
    static crdt::Refusal refusal(const LoroError &error);
};

} // namespace canopy::loro
