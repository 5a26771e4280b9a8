#include "crdt/yjs/YjsAwarenessEngine.h"

#include "crdt/yjs/AwarenessUpdate.h"
#include "crdt/yjs/YjsAwarenessIndex.h"
#include "crdt/yjs/YjsEngine.h"
#include "crdt/yjs/YjsUpdate.h"

namespace canopy::yjs {

std::unique_ptr<crdt::DocumentIndex> YjsAwarenessEngine::createIndex() const
{
    return std::make_unique<YjsAwarenessIndex>(TimeoutMs);
}

Expected<crdt::SplitUpdate, crdt::Refusal> YjsAwarenessEngine::split(QByteArrayView update) const
{
    auto entries = decodeAwareness(update);
    if (!entries)
        return unexpected(YjsEngine::refusal(entries.error()));
    crdt::SplitUpdate out;
    out.units.reserve(entries->size());
    for (const AwarenessEntry &entry : std::as_const(*entries)) {
        if (entry.clock >= MaxClock)
            return unexpected(crdt::Refusal {QStringLiteral("clock-overflow"),
                QStringLiteral("awareness client %1's clock %2 is past what the host counts")
                    .arg(QString::number(entry.client), QString::number(entry.clock))});
        const QByteArray key = YjsEngine::clientKey(entry.client);
        out.units.append(crdt::Unit {
            key, quint32(entry.clock), quint32(entry.clock + 1), {}, encodeAwareness({entry})});
    }
    return out;
}

Expected<crdt::PeerVersion, crdt::Refusal> YjsAwarenessEngine::decodeVersion(QByteArrayView) const
{
    return crdt::PeerVersion {};
}

QList<QByteArray> YjsAwarenessEngine::encode(const QList<crdt::Unit> &units) const
{
    QList<AwarenessEntry> entries;
    entries.reserve(units.size());
    for (const crdt::Unit &unit : units) {
        auto decoded = decodeAwareness(unit.data);
        if (decoded)
            entries.append(*decoded);
    }
    return {encodeAwareness(entries)};
}

crdt::UnitDescription YjsAwarenessEngine::describe(const crdt::Unit &unit) const
{
    crdt::UnitDescription out;
    out.peer = QString::number(YjsEngine::clientOf(unit.peer));
    out.start = unit.start;
    out.end = unit.end;
    out.timestampMs = YjsAwarenessIndex::receivedAt(unit);
    auto decoded = decodeAwareness(unit.data);
    if (decoded && !decoded->isEmpty()) {
        QString state = QString::fromUtf8(decoded->first().state);
        if (state.size() > 200)
            state = state.left(200) + QStringLiteral("…");
        out.detail = QStringLiteral("clock %1 = %2").arg(QString::number(unit.start), state);
    }
    return out;
}

} // namespace canopy::yjs
