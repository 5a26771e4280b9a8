#pragma once

#include "crdt/DocumentEngine.h"

#include <QHash>

namespace canopy::ephemeral {

// One ephemeral room's whole state in memory: the latest entry of every key.
class EphemeralDocumentIndex final : public crdt::DocumentIndex
{
public:
    explicit EphemeralDocumentIndex(qint64 timeoutMs)
        : m_timeoutMs(timeoutMs)
    {
    }

    void addStored(const crdt::Unit &unit, qint64 bytes) override;
    Expected<crdt::Admission, crdt::Refusal> admit(
        QList<crdt::Unit> units, const crdt::AdmitContext &context) override;
    QByteArray version() const override { return {}; } // the clients ignore it
    crdt::UnitQuery lacking(const crdt::PeerVersion &) const override { return {}; }
    // The whole live state, always (a joiner receives it right after its JoinResponseOk).
    QList<QByteArray> answer(
        QList<crdt::Unit> read, const crdt::PeerVersion &client) const override;
    QList<crdt::Unit> expire(qint64 nowMs) override;
    QList<crdt::Unit> held() const override;
    qint64 byteCount() const override { return m_bytes; }
    qsizetype unitCount() const override { return m_entries.size(); }

    static qint64 timestampOf(const crdt::Unit &unit);

private:
    bool expired(const crdt::Unit &unit, qint64 nowMs) const;

    qint64 m_timeoutMs;
    QHash<QByteArray, crdt::Unit> m_entries; // by key
    qint64 m_bytes = 0;
};

} // namespace canopy::ephemeral
