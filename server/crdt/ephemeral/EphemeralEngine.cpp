#include "crdt/ephemeral/EphemeralEngine.h"

#include "crdt/ephemeral/EphemeralDocumentIndex.h"
#include "crdt/ephemeral/EphemeralState.h"

#include <QtEndian>

namespace canopy::ephemeral {

std::unique_ptr<crdt::DocumentIndex> EphemeralEngine::createIndex() const
{
    return std::make_unique<EphemeralDocumentIndex>(TimeoutMs);
}

Expected<crdt::SplitUpdate, crdt::Refusal> EphemeralEngine::split(QByteArrayView update) const
{
    auto entries = parseUpdate(update);
    if (!entries)
        return unexpected(crdt::Refusal {QStringLiteral("bad-ephemeral"), entries.error().message});
    crdt::SplitUpdate out;
    out.units.reserve(entries->size());
    for (const EphemeralEntry &entry : std::as_const(*entries)) {
        crdt::Unit unit;
        unit.peer = entry.key;
        unit.meta = QByteArray(8, Qt::Uninitialized);
        qToBigEndian(entry.timestampMs, unit.meta.data());
        unit.data = entry.bytes;
        out.units.append(std::move(unit));
    }
    return out;
}

Expected<crdt::PeerVersion, crdt::Refusal> EphemeralEngine::decodeVersion(QByteArrayView) const
{
    return crdt::PeerVersion {}; // ephemeral clients send none, and every joiner gets it all
}

QList<QByteArray> EphemeralEngine::encode(const QList<crdt::Unit> &units) const
{
    QList<QByteArray> entries;
    entries.reserve(units.size());
    for (const crdt::Unit &unit : units)
        entries.append(unit.data);
    return {encodeUpdate(entries)};
}

crdt::UnitDescription EphemeralEngine::describe(const crdt::Unit &unit) const
{
    crdt::UnitDescription out;
    out.peer = QString::fromUtf8(unit.peer);
    out.timestampMs = EphemeralDocumentIndex::timestampOf(unit);
    const auto entry = parseEntry(unit.data);
    if (!entry)
        out.detail = entry.error().message;
    else
        out.detail = entry->present ? describeValue(entry->value) : QStringLiteral("(deleted)");
    return out;
}

} // namespace canopy::ephemeral
