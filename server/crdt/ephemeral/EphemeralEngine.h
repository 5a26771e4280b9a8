#pragma once

#include "crdt/DocumentEngine.h"

namespace canopy::ephemeral {

// Loro EphemeralStore rooms: %EPH (presence, memory only) and %EPS (the same state, kept in the
// store). Each key is one unit holding its latest entry; a strictly newer timestamp wins, and
// entries (deletions too) expire 10 s after their timestamp, as in the reference server.
class EphemeralEngine final : public crdt::DocumentEngine
{
public:
    static constexpr QStringView MemoryKind = u"eph";
    static constexpr QStringView PersistedKind = u"eps";
    static constexpr qint64 TimeoutMs = 10000;

    explicit EphemeralEngine(bool persisted)
        : m_persisted(persisted)
    {
    }

    QString kind() const override { return (m_persisted ? PersistedKind : MemoryKind).toString(); }
    bool persistent() const override { return m_persisted; }
    bool loadsData() const override { return true; }
    bool ephemeral() const override { return true; }
    std::unique_ptr<crdt::DocumentIndex> createIndex() const override;
    Expected<crdt::SplitUpdate, crdt::Refusal> split(QByteArrayView update) const override;
    Expected<crdt::PeerVersion, crdt::Refusal> decodeVersion(QByteArrayView version) const override;
    QList<QByteArray> encode(const QList<crdt::Unit> &units) const override;
    crdt::UnitDescription describe(const crdt::Unit &unit) const override;

private:
    bool m_persisted;
};

} // namespace canopy::ephemeral
