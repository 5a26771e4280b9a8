#include "crdt/elo/EloDocumentIndex.h"

#include "crdt/elo/EloEngine.h"
#include "crdt/elo/EloRecord.h"
#include "crdt/loro/ByteReader.h"
#include "crdt/loro/LoroBlob.h"

#include <algorithm>

namespace canopy::elo {
namespace {

constexpr qsizetype kPerPeerQueries = 16;
constexpr qsizetype MaxSnapshots = 64;

quint32 entry(const crdt::PeerVersion &version, const QByteArray &peer)
{
    const auto it = version.find(peer);
    return it == version.end() ? 0 : it->second;
}

bool isSnapshot(const crdt::Unit &unit)
{
    return !unit.peer.isEmpty() && unit.peer.front() == EloEngine::SnapshotPrefix;
}

// A snapshot key's version: delta peer key -> counter (the key is 0x01 + the version).
std::map<QByteArray, quint32> versionOf(QByteArrayView key)
{
    std::map<QByteArray, quint32> out;
    loro::ByteReader r(key.sliced(1));
    const auto count = r.leb();
    for (quint64 i = 0; count && i < *count; ++i) {
        const auto peer = r.lebBytes();
        const auto counter = peer ? r.leb32() : std::nullopt;
        if (!counter)
            break;
        out[EloEngine::DeltaPrefix + peer->toByteArray()] = *counter;
    }
    return out;
}

// True when every entry of `a` is at most `b`'s.
bool dominatedBy(const std::map<QByteArray, quint32> &a, const std::map<QByteArray, quint32> &b)
{
    for (const auto &[peer, counter] : a) {
        const auto it = b.find(peer);
        if (counter > (it == b.end() ? 0 : it->second))
            return false;
    }
    return true;
}

} // namespace

void EloDocumentIndex::hold(const crdt::Unit &unit, qint64 bytes)
{
    const Held held {unit.meta, bytes};
    if (isSnapshot(unit))
        m_snapshots.insert(unit.peer, Snapshot {versionOf(unit.peer), held});
    else
        m_spans[unit.peer][{unit.start, unit.end}] = held;
    m_bytes += bytes;
    ++m_units;
}

void EloDocumentIndex::addStored(const crdt::Unit &unit, qint64 bytes)
{
    hold(unit, bytes);
}

void EloDocumentIndex::supersede(const crdt::Unit &gone, crdt::Admission &out)
{
    // A unit taken earlier in this very update never reached the store: it just goes.
    for (qsizetype i = 0; i < out.fresh.size(); ++i) {
        const crdt::Unit &kept = out.fresh[i];
        if (kept.peer == gone.peer && kept.start == gone.start && kept.end == gone.end) {
            out.fresh.removeAt(i);
            return;
        }
    }
    out.superseded.append(gone);
}

bool EloDocumentIndex::admitSpan(const crdt::Unit &unit, crdt::Admission &out)
{
    Spans &spans = m_spans[unit.peer];
    const auto same = spans.find({unit.start, unit.end});
    if (same != spans.end() && same->second.hash == unit.meta)
        return false; // a replay of the very record
    // A span replaces every stored span of its peer that it covers, whatever their key: a
    // re-encryption (new key or iv) of the same changes takes the old record's place.
    for (auto it = spans.lower_bound({unit.start, 0});
         it != spans.end() && it->first.first < unit.end;) {
        if (it->first.second <= unit.end) {
            supersede(crdt::Unit {unit.peer, it->first.first, it->first.second, {}, {}}, out);
            m_bytes -= it->second.bytes;
            --m_units;
            it = spans.erase(it);
        } else {
            ++it;
        }
    }
    return true;
}

bool EloDocumentIndex::admitSnapshot(const crdt::Unit &unit, crdt::Admission &out)
{
    const auto version = versionOf(unit.peer);
    for (auto it = m_snapshots.cbegin(); it != m_snapshots.cend(); ++it) {
        if (it.key() == unit.peer) {
            if (it->held.hash == unit.meta)
                return false;
            continue; // the same version encrypted anew: replaced below
        }
        if (dominatedBy(version, it->version))
            return false; // a stored snapshot already holds all of it
    }
    // Snapshots this one holds all of are dropped.
    for (auto it = m_snapshots.begin(); it != m_snapshots.end();) {
        if (it.key() == unit.peer || dominatedBy(it->version, version)) {
            supersede(crdt::Unit {it.key(), 0, 1, {}, {}}, out);
            m_bytes -= it->held.bytes;
            --m_units;
            it = m_snapshots.erase(it);
        } else {
            ++it;
        }
    }
    return true;
}

Expected<crdt::Admission, crdt::Refusal> EloDocumentIndex::admit(
    QList<crdt::Unit> units, const crdt::AdmitContext &context)
{
    // A read-only sender may bring only what the document holds: replays of stored spans, and
    // snapshots a stored one already holds all of.
    const auto isHeld = [this](const crdt::Unit &unit) {
        if (!isSnapshot(unit)) {
            const auto spans = m_spans.find(unit.peer);
            if (spans == m_spans.end())
                return false;
            const auto same = spans->second.find({unit.start, unit.end});
            return same != spans->second.end() && same->second.hash == unit.meta;
        }
        const auto version = versionOf(unit.peer);
        for (auto it = m_snapshots.cbegin(); it != m_snapshots.cend(); ++it) {
            if (it.key() == unit.peer ? it->held.hash == unit.meta
                                      : dominatedBy(version, it->version))
                return true;
        }
        return false;
    };
    if (context.readOnly) {
        const qsizetype fresh = std::count_if(
            units.cbegin(), units.cend(), [&](const crdt::Unit &unit) { return !isHeld(unit); });
        if (fresh > 0) {
            return unexpected(crdt::Refusal {QStringLiteral("permission-denied"),
                QStringLiteral("the sender may only read this document: its %1 new records were "
                               "not stored")
                    .arg(fresh)});
        }
    }
    qint64 incoming = 0;
    for (const crdt::Unit &unit : std::as_const(units))
        incoming += unit.data.size();
    // Conservative: replaced records are not subtracted before the check.
    if (context.maxBytes > 0 && incoming > 0 && m_bytes + incoming > context.maxBytes) {
        return unexpected(crdt::Refusal {QStringLiteral("max-entity-bytes"),
            QStringLiteral("the document would exceed %1 bytes").arg(context.maxBytes)});
    }
    // Snapshot records are compared with every stored one: their number stays small (a client
    // uploads one when it holds everything; concurrent ones are rare).
    const qsizetype snapshots = std::count_if(units.cbegin(), units.cend(), isSnapshot);
    if (snapshots > 0 && m_snapshots.size() + snapshots > MaxSnapshots) {
        return unexpected(crdt::Refusal {QStringLiteral("too-many-snapshots"),
            QStringLiteral("a document keeps at most %1 snapshot records (it holds %2, the update "
                           "brings %3)")
                .arg(QString::number(MaxSnapshots), QString::number(m_snapshots.size()),
                    QString::number(snapshots))});
    }
    // A span that is not a replay of a stored record adds to (or replaces) its peer's records:
    // only the identity the peer is bound to may do that (the host cannot check ciphertext).
    for (const crdt::Unit &unit : std::as_const(units)) {
        if (isSnapshot(unit) || !context.mayExtend || context.mayExtend(unit.peer))
            continue;
        const auto spans = m_spans.find(unit.peer);
        const auto same = spans == m_spans.end() ? Spans::const_iterator()
                                                 : spans->second.find({unit.start, unit.end});
        if (spans != m_spans.end() && same != spans->second.end() && same->second.hash == unit.meta)
            continue;
        return unexpected(crdt::Refusal {QStringLiteral("peer-bound"),
            QStringLiteral("peer %1 belongs to another identity: only it may add the peer's "
                           "records")
                .arg(QString::fromUtf8(unit.peer.mid(1)))});
    }
    crdt::Admission out;
    for (crdt::Unit &unit : units) {
        const bool fresh = isSnapshot(unit) ? admitSnapshot(unit, out) : admitSpan(unit, out);
        if (!fresh) {
            ++out.duplicates;
            continue;
        }
        hold(unit, unit.data.size());
        out.fresh.append(std::move(unit));
    }
    return out;
}

QByteArray EloDocumentIndex::version() const
{
    return loro::encodeVersionVector(heldVersion());
}

QByteArray EloDocumentIndex::versionWithin(
    const crdt::PeerVersion &client, qsizetype maxBytes) const
{
    // The client's version in Loro's terms: its decimal peer keys back to peer ids.
    loro::VersionVector known;
    for (const auto &[key, counter] : client) {
        bool numeric = false;
        const quint64 peer = key.mid(1).toULongLong(&numeric);
        if (numeric)
            known.emplace(peer, counter);
    }
    return loro::encodeVersionVectorWithin(heldVersion(), known, maxBytes);
}

std::map<quint64, quint32> EloDocumentIndex::heldVersion() const
{
    // A Loro version vector of what the host holds, for peers named in decimal (EloAdaptor's).
    loro::VersionVector vv;
    const auto raise = [&vv](QByteArrayView key, quint32 end) {
        // Only ids made of decimal digits name Loro peers (as the reference server reads them):
        // " 7" or "+7" must not claim peer 7's counters.
        const QByteArrayView id = key.sliced(1);
        if (id.isEmpty() || id.size() > 20
            || !std::all_of(id.begin(), id.end(), [](char c) { return c >= '0' && c <= '9'; }))
            return;
        bool numeric = false;
        const quint64 peer = id.toByteArray().toULongLong(&numeric);
        if (!numeric)
            return;
        quint32 &mine = vv[peer];
        mine = std::max(mine, end);
    };
    for (const auto &[peer, spans] : m_spans) {
        for (const auto &[range, held] : spans)
            raise(peer, range.second);
    }
    for (const Snapshot &snapshot : m_snapshots) {
        for (const auto &[peer, counter] : snapshot.version)
            raise(peer, counter);
    }
    return vv;
}

bool EloDocumentIndex::reachesBeyond(
    const Snapshot &snapshot, const crdt::PeerVersion &client) const
{
    for (const auto &[peer, counter] : snapshot.version) {
        if (counter > entry(client, peer))
            return true;
    }
    return false;
}

crdt::UnitQuery EloDocumentIndex::lacking(const crdt::PeerVersion &client) const
{
    crdt::UnitQuery query;
    for (const auto &[peer, spans] : m_spans) {
        const quint32 known = entry(client, peer);
        for (const auto &[range, held] : spans) {
            if (range.second > known) {
                query.from.append({peer, known});
                break;
            }
        }
    }
    for (auto it = m_snapshots.cbegin(); it != m_snapshots.cend(); ++it) {
        if (reachesBeyond(*it, client))
            query.from.append({it.key(), 0});
    }
    if (query.from.size() > kPerPeerQueries) {
        query.from.clear();
        query.all = true;
    }
    return query;
}

QList<QByteArray> EloDocumentIndex::answer(
    QList<crdt::Unit> read, const crdt::PeerVersion &client) const
{
    QList<QByteArray> records;
    for (const crdt::Unit &unit : std::as_const(read)) {
        if (isSnapshot(unit)) {
            const auto it = m_snapshots.constFind(unit.peer);
            if (it != m_snapshots.constEnd() && reachesBeyond(*it, client))
                records.append(unit.data);
        } else if (unit.end > entry(client, unit.peer)) {
            records.append(unit.data);
        }
    }
    if (records.isEmpty())
        return {};
    return {encodeContainer(records)};
}

QList<QByteArray> EloDocumentIndex::exportAll(QList<crdt::Unit> units) const
{
    QList<QByteArray> records;
    records.reserve(units.size());
    for (const crdt::Unit &unit : std::as_const(units))
        records.append(unit.data);
    return {encodeContainer(records)};
}

} // namespace canopy::elo
