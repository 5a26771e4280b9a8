#pragma once

#include "crdt/DocumentEngine.h"
#include "crdt/loro/ChangeCoverage.h"

#include <optional>

namespace canopy::loro {

// One Loro document in memory: the counters it holds per peer (not the blocks) and, when it was
// founded by a shallow snapshot, where that snapshot's root lies.
class LoroDocumentIndex final : public crdt::DocumentIndex
{
public:
    // Answers are split into blobs of at most `maxPayloadBytes` (-1: one blob), each one message.
    explicit LoroDocumentIndex(qsizetype maxPayloadBytes = -1)
        : m_maxPayloadBytes(maxPayloadBytes)
    {
    }

    void addStored(const crdt::Unit &unit, qint64 bytes) override;
    Expected<crdt::Admission, crdt::Refusal> admit(
        QList<crdt::Unit> units, const crdt::AdmitContext &context) override;
    QByteArray version() const override;
    QByteArray versionWithin(const crdt::PeerVersion &client, qsizetype maxBytes) const override;
    crdt::UnitQuery lacking(const crdt::PeerVersion &client) const override;
    QList<QByteArray> answer(
        QList<crdt::Unit> read, const crdt::PeerVersion &client) const override;
    // The operator's export is one blob of every block, however large.
    QList<QByteArray> exportAll(QList<crdt::Unit> units) const override;
    qint64 byteCount() const override { return m_bytes; }
    qsizetype unitCount() const override { return m_blocks + (m_root ? 1 : 0); }

    // The meta of a root unit: the snapshot's shallow start and its version, each encoded.
    static QByteArray rootMeta(const VersionVector &start, const VersionVector &end);

private:
    struct Root
    {
        VersionVector start; // history below this lives only in the root's state
        VersionVector end;
    };
    static std::optional<Root> parseRoot(QByteArrayView meta);
    VersionVector heldVersion() const;
    // Where the kept history of `peer` starts: the root's start for it, else 0.
    quint32 base(quint64 peer) const;
    // True when the blocks alone bring a holder of `version` up to date.
    bool reachesRoot(const VersionVector &version) const;
    // Every counter of `start` (below each entry) is held, from the root or from blocks.
    bool holdsHistoryBelow(const VersionVector &start) const;
    QList<QByteArray> answerWithin(
        QList<crdt::Unit> read, const crdt::PeerVersion &client, qsizetype maxPayloadBytes) const;

    ChangeCoverage m_coverage;
    std::optional<Root> m_root;
    qsizetype m_blocks = 0;
    qint64 m_bytes = 0;
    qsizetype m_maxPayloadBytes = -1;
};

} // namespace canopy::loro
