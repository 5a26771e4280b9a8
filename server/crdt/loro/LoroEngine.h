#pragma once

#include "crdt/DocumentEngine.h"
#include "crdt/loro/LoroBlob.h"

namespace canopy::loro {

// Loro documents as change blocks (protocol.md B4): each block is one unit, keyed by its author
// peer (8 bytes, big-endian) and counter range. A shallow snapshot whose history the host does
// not hold below its root is kept whole as the document's root unit (empty peer key), so that a
// joiner below the root can still rebuild the document.
//
// `limits.maxOutputBytes` is the host's message limit: a snapshot decompresses to no more (and to
// at most `limits.maxRatio` times its size), no unit is kept that one message could not carry,
// and answers and forwards are split into blobs that each fit one message.
class LoroEngine final : public crdt::DocumentEngine
{
public:
    static constexpr QStringView Kind = u"loro";
    // Room left in a message for what wraps a blob (a Sync1 handleUpdate's map and entity id,
    // a loro-protocol envelope).
    static constexpr qsizetype MessageOverhead = 1024;
    // The most peers a joiner's version is read for (a 40 000-peer document is real).
    static constexpr quint64 MaxJoinPeers = 65536;

    explicit LoroEngine(const LoroLimits &limits = {});

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
    // A block's unit carries its dependencies on other peers in its meta.
    static crdt::Unit unitOf(const ChangeBlock &block);
    static QByteArray encodeDependencies(const QList<ChangeDependency> &dependencies);
    static QList<ChangeDependency> decodeDependencies(QByteArrayView meta);
    static ChangeBlock blockOf(const crdt::Unit &unit); // peer and range; bytes = the data
    static crdt::Refusal refusal(const LoroError &error);

    // The most one payload (one blob) may hold: the message limit less the overhead.
    qsizetype payloadBytes() const;

private:
    LoroLimits m_limits;
};

} // namespace canopy::loro
