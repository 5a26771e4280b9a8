#pragma once

#include "crdt/DocumentEngine.h"

#include <QHash>

namespace canopy::yjs {

// One room's awareness states. An entry applies when its clock is newer than the client's, or
// equal with a null state while the client is present (y-protocols' rule); a null state removes
// the client but its clock is remembered, so a stale state cannot bring it back.
class YjsAwarenessIndex final : public crdt::DocumentIndex
{
public:
    explicit YjsAwarenessIndex(qint64 timeoutMs)
        : m_timeoutMs(timeoutMs)
    {
    }

    void addStored(const crdt::Unit &unit, qint64 bytes) override;
    Expected<crdt::Admission, crdt::Refusal> admit(
        QList<crdt::Unit> units, const crdt::AdmitContext &context) override;
    QByteArray version() const override { return {}; }
    crdt::UnitQuery lacking(const crdt::PeerVersion &) const override { return {}; }
    // Every present state in one awareness update; none when no client is present.
    QList<QByteArray> answer(
        QList<crdt::Unit> read, const crdt::PeerVersion &client) const override;
    QList<crdt::Unit> expire(qint64 nowMs) override;
    QList<crdt::Unit> held() const override { return m_present.values(); }
    qint64 byteCount() const override { return m_bytes; }
    qsizetype unitCount() const override { return m_present.size(); }

    // When the host last saw the entry (unit meta, 8 bytes big-endian ms).
    static qint64 receivedAt(const crdt::Unit &unit);

private:
    qint64 m_timeoutMs;
    QHash<QByteArray, crdt::Unit> m_present; // by client key
    QHash<QByteArray, quint32> m_clocks; // every client seen, present or removed
    qint64 m_bytes = 0;
};

} // namespace canopy::yjs
