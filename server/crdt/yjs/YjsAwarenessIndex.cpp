#include "crdt/yjs/YjsAwarenessIndex.h"

#include "crdt/yjs/AwarenessUpdate.h"

#include <QtEndian>

namespace canopy::yjs {

namespace {

// Clocks remembered for clients that left; past this many they are all forgotten (a stale
// state of one of them may then return once, until its own client renews or removes it).
constexpr qsizetype MaxRemembered = 100000;

bool isRemoval(const crdt::Unit &unit)
{
    // The unit's data is a one-entry awareness update; its state is the last varString.
    return unit.data.endsWith("\x04null");
}

} // namespace

qint64 YjsAwarenessIndex::receivedAt(const crdt::Unit &unit)
{
    return unit.meta.size() == 8 ? qFromBigEndian<qint64>(unit.meta.constData()) : 0;
}

void YjsAwarenessIndex::addStored(const crdt::Unit &unit, qint64 bytes)
{
    m_clocks.insert(unit.peer, unit.start);
    m_present.insert(unit.peer, unit);
    m_bytes += bytes;
}

Expected<crdt::Admission, crdt::Refusal> YjsAwarenessIndex::admit(
    QList<crdt::Unit> units, const crdt::AdmitContext &context)
{
    crdt::Admission out;
    QHash<QByteArray, quint32> clocks; // within this update
    QList<crdt::Unit> applied;
    for (crdt::Unit &unit : units) {
        const auto earlier = clocks.constFind(unit.peer);
        const auto known = m_clocks.constFind(unit.peer);
        const bool seen = earlier != clocks.constEnd() || known != m_clocks.constEnd();
        const quint32 clock = earlier != clocks.constEnd() ? *earlier
            : known != m_clocks.constEnd()                 ? *known
                                                           : 0;
        const bool present = m_present.contains(unit.peer);
        const bool newer = !seen || unit.start > clock;
        if (!newer && !(unit.start == clock && isRemoval(unit) && present)) {
            ++out.duplicates;
            continue;
        }
        if (context.mayExtend && !context.mayExtend(unit.peer)) {
            return unexpected(crdt::Refusal {QStringLiteral("peer-bound"),
                QStringLiteral("awareness client %1 belongs to another identity")
                    .arg(qFromBigEndian<quint64>(unit.peer.constData()))});
        }
        clocks.insert(unit.peer, unit.start);
        applied.append(std::move(unit));
    }
    if (context.readOnly && !applied.isEmpty()) {
        return unexpected(crdt::Refusal {QStringLiteral("permission-denied"),
            QStringLiteral("the sender may not show presence here")});
    }
    if (m_clocks.size() > MaxRemembered) {
        for (auto it = m_clocks.begin(); it != m_clocks.end();)
            it = m_present.contains(it.key()) ? std::next(it) : m_clocks.erase(it);
    }
    QByteArray stamp(8, Qt::Uninitialized);
    qToBigEndian(context.nowMs, stamp.data());
    for (crdt::Unit &unit : applied) {
        m_clocks.insert(unit.peer, unit.start);
        const auto held = m_present.find(unit.peer);
        if (held != m_present.end()) {
            m_bytes -= held->data.size();
            m_present.erase(held);
        }
        unit.meta = stamp;
        if (!isRemoval(unit)) {
            m_bytes += unit.data.size();
            m_present.insert(unit.peer, unit);
        }
        out.fresh.append(std::move(unit));
    }
    return out;
}

QList<QByteArray> YjsAwarenessIndex::answer(QList<crdt::Unit>, const crdt::PeerVersion &) const
{
    if (m_present.isEmpty())
        return {};
    QList<AwarenessEntry> entries;
    entries.reserve(m_present.size());
    for (const crdt::Unit &unit : m_present) {
        auto decoded = decodeAwareness(unit.data);
        if (decoded)
            entries.append(*decoded);
    }
    return {encodeAwareness(entries)};
}

QList<crdt::Unit> YjsAwarenessIndex::expire(qint64 nowMs)
{
    QList<crdt::Unit> out;
    for (auto it = m_present.begin(); it != m_present.end();) {
        if (receivedAt(*it) < nowMs - m_timeoutMs) {
            m_bytes -= it->data.size();
            out.append(*it);
            it = m_present.erase(it);
        } else {
            ++it;
        }
    }
    return out;
}

} // namespace canopy::yjs
