#include "crdt/ephemeral/EphemeralDocumentIndex.h"

#include "crdt/ephemeral/EphemeralState.h"

#include <QDateTime>
#include <QtEndian>

namespace canopy::ephemeral {

qint64 EphemeralDocumentIndex::timestampOf(const crdt::Unit &unit)
{
    return unit.meta.size() == 8 ? qFromBigEndian<qint64>(unit.meta.constData()) : 0;
}

bool EphemeralDocumentIndex::expired(const crdt::Unit &unit, qint64 nowMs) const
{
    // Compared as a timestamp, not as an age: a crafted INT64_MIN must not overflow.
    return timestampOf(unit) < nowMs - m_timeoutMs;
}

void EphemeralDocumentIndex::addStored(const crdt::Unit &unit, qint64 bytes)
{
    m_entries.insert(unit.peer, unit);
    m_bytes += bytes;
}

Expected<crdt::Admission, crdt::Refusal> EphemeralDocumentIndex::admit(
    QList<crdt::Unit> units, const crdt::AdmitContext &context)
{
    crdt::Admission out;
    // The winners of this update, each compared to what the room holds or to an earlier entry
    // of the update: too old on arrival, or not strictly newer, is ignored as EphemeralStore
    // does (an equal timestamp keeps the existing value).
    QHash<QByteArray, crdt::Unit> winners;
    QList<QByteArray> order;
    for (crdt::Unit &unit : units) {
        if (expired(unit, context.nowMs)) {
            ++out.duplicates;
            continue;
        }
        const auto earlier = winners.constFind(unit.peer);
        const auto held = m_entries.constFind(unit.peer);
        const crdt::Unit *current = earlier != winners.constEnd() ? &*earlier
            : held != m_entries.constEnd()                        ? &*held
                                                                  : nullptr;
        if (current && timestampOf(unit) <= timestampOf(*current)) {
            ++out.duplicates;
            continue;
        }
        if (earlier == winners.constEnd())
            order.append(unit.peer);
        else
            ++out.duplicates; // replaced within the update
        winners.insert(unit.peer, std::move(unit));
    }
    if (context.readOnly && !order.isEmpty()) {
        return unexpected(crdt::Refusal {QStringLiteral("permission-denied"),
            QStringLiteral("the sender may only read this state: its %1 new entries were not "
                           "stored")
                .arg(order.size())});
    }
    qint64 grows = 0;
    for (const QByteArray &key : std::as_const(order)) {
        const auto held = m_entries.constFind(key);
        grows += winners[key].data.size() - (held == m_entries.constEnd() ? 0 : held->data.size());
    }
    if (context.maxBytes > 0 && grows > 0 && m_bytes + grows > context.maxBytes) {
        return unexpected(crdt::Refusal {QStringLiteral("max-entity-bytes"),
            QStringLiteral("the state would exceed %1 bytes").arg(context.maxBytes)});
    }
    for (const QByteArray &key : std::as_const(order)) {
        crdt::Unit unit = winners.take(key);
        const auto held = m_entries.find(key);
        if (held != m_entries.end()) {
            out.superseded.append(crdt::Unit {key, held->start, held->end, {}, {}});
            m_bytes -= held->data.size();
        }
        m_bytes += unit.data.size();
        m_entries.insert(key, unit);
        out.fresh.append(std::move(unit));
    }
    return out;
}

QList<QByteArray> EphemeralDocumentIndex::answer(QList<crdt::Unit>, const crdt::PeerVersion &) const
{
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    QList<QByteArray> entries;
    entries.reserve(m_entries.size());
    for (const crdt::Unit &unit : m_entries) {
        if (!expired(unit, now))
            entries.append(unit.data);
    }
    return {encodeUpdate(entries)};
}

QList<crdt::Unit> EphemeralDocumentIndex::expire(qint64 nowMs)
{
    QList<crdt::Unit> out;
    for (auto it = m_entries.begin(); it != m_entries.end();) {
        if (expired(*it, nowMs)) {
            m_bytes -= it->data.size();
            out.append(crdt::Unit {it->peer, it->start, it->end, {}, {}});
            it = m_entries.erase(it);
        } else {
            ++it;
        }
    }
    return out;
}

QList<crdt::Unit> EphemeralDocumentIndex::held() const
{
    return m_entries.values();
}

} // namespace canopy::ephemeral
