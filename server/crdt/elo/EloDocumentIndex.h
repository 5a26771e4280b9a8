#pragma once

#include "crdt/DocumentEngine.h"

#include <map>

#include <QHash>

namespace canopy::elo {

// One ELO document in memory: the spans each peer's records cover and the snapshot records'
// versions, each with a hash of the record so a replay is told from a re-encryption.
class EloDocumentIndex final : public crdt::DocumentIndex
{
public:
    void addStored(const crdt::Unit &unit, qint64 bytes) override;
    Expected<crdt::Admission, crdt::Refusal> admit(
        QList<crdt::Unit> units, const crdt::AdmitContext &context) override;
    QByteArray version() const override;
    QByteArray versionWithin(const crdt::PeerVersion &client, qsizetype maxBytes) const override;
    crdt::UnitQuery lacking(const crdt::PeerVersion &client) const override;
    QList<QByteArray> answer(
        QList<crdt::Unit> read, const crdt::PeerVersion &client) const override;
    // Every stored record, still encrypted (an empty document's snapshot too).
    QList<QByteArray> exportAll(QList<crdt::Unit> units) const override;
    qint64 byteCount() const override { return m_bytes; }
    qsizetype unitCount() const override { return m_units; }

private:
    struct Held
    {
        QByteArray hash;
        qint64 bytes = 0;
    };
    using Spans = std::map<std::pair<quint32, quint32>, Held>; // (start, end)
    struct Snapshot
    {
        std::map<QByteArray, quint32> version; // delta peer key -> counter
        Held held;
    };

    // A DeltaSpan that supersedes the stored spans it covers; false for a replay.
    bool admitSpan(const crdt::Unit &unit, crdt::Admission &out);
    bool admitSnapshot(const crdt::Unit &unit, crdt::Admission &out);
    std::map<quint64, quint32> heldVersion() const;
    void supersede(const crdt::Unit &gone, crdt::Admission &out);
    bool reachesBeyond(const Snapshot &snapshot, const crdt::PeerVersion &client) const;
    void hold(const crdt::Unit &unit, qint64 bytes);

    std::map<QByteArray, Spans> m_spans; // by delta peer key
    QHash<QByteArray, Snapshot> m_snapshots; // by snapshot key
    qint64 m_bytes = 0;
    qsizetype m_units = 0;
};

} // namespace canopy::elo
