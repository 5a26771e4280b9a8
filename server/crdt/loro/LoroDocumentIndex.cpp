#include "crdt/loro/LoroDocumentIndex.h"

#include "crdt/loro/BlockIndex.h"
#include "crdt/loro/ByteReader.h"
#include "crdt/loro/ByteWriter.h"
#include "crdt/loro/LoroBlob.h"
#include "crdt/loro/LoroEngine.h"

#include <algorithm>
#include <set>

namespace canopy::loro {
namespace {

// Past this many peers one read of the whole document beats a query per peer.
constexpr qsizetype kPerPeerQueries = 16;

quint32 entry(const VersionVector &vv, quint64 peer)
{
    const auto it = vv.find(peer);
    return it == vv.end() ? 0 : it->second;
}

QString text(const VersionVector &vv)
{
    QStringList parts;
    for (const auto &[peer, counter] : vv)
        parts.append(QStringLiteral("%1:%2").arg(QString::number(peer), QString::number(counter)));
    return u'{' + parts.join(QStringLiteral(", ")) + u'}';
}

void raise(VersionVector &vv, const VersionVector &to)
{
    for (const auto &[peer, counter] : to) {
        quint32 &mine = vv[peer];
        mine = std::max(mine, counter);
    }
}

} // namespace

QByteArray LoroDocumentIndex::rootMeta(const VersionVector &start, const VersionVector &end)
{
    QByteArray out;
    const QByteArray encodedStart = encodeVersionVector(start);
    appendLeb(out, quint64(encodedStart.size()));
    out += encodedStart;
    out += encodeVersionVector(end);
    return out;
}

std::optional<LoroDocumentIndex::Root> LoroDocumentIndex::parseRoot(QByteArrayView meta)
{
    ByteReader r(meta);
    const auto start = r.lebBytes();
    if (!start)
        return std::nullopt;
    auto startVv = decodeVersionVector(*start);
    auto endVv = decodeVersionVector(r.rest());
    if (!startVv || !endVv)
        return std::nullopt;
    return Root {std::move(*startVv), std::move(*endVv)};
}

quint32 LoroDocumentIndex::base(quint64 peer) const
{
    return m_root ? entry(m_root->start, peer) : 0;
}

bool LoroDocumentIndex::reachesRoot(const VersionVector &version) const
{
    if (!m_root)
        return true;
    for (const auto &[peer, counter] : m_root->start) {
        if (entry(version, peer) < counter)
            return false;
    }
    return true;
}

bool LoroDocumentIndex::holdsHistoryBelow(const VersionVector &start) const
{
    for (const auto &[peer, counter] : start) {
        const quint32 from = base(peer);
        if (counter > from && !m_coverage.covers(peer, from, counter))
            return false;
    }
    return true;
}

void LoroDocumentIndex::addStored(const crdt::Unit &unit, qint64 bytes)
{
    m_bytes += bytes;
    if (unit.peer.isEmpty()) {
        m_root = parseRoot(unit.meta);
        return;
    }
    m_coverage.add(LoroEngine::peerOf(unit.peer), unit.start, unit.end);
    ++m_blocks;
}

Expected<crdt::Admission, crdt::Refusal> LoroDocumentIndex::admit(
    QList<crdt::Unit> units, const crdt::AdmitContext &context)
{
    crdt::Admission out;
    std::optional<crdt::Unit> rootUnit;
    std::optional<Root> root;
    qint64 freshBytes = 0;
    QList<crdt::Unit> blocks;
    blocks.reserve(units.size());
    for (crdt::Unit &unit : units) {
        if (!unit.peer.isEmpty()) {
            if (m_coverage.covers(LoroEngine::peerOf(unit.peer), unit.start, unit.end)) {
                ++out.duplicates;
                continue;
            }
            freshBytes += unit.data.size();
            blocks.append(std::move(unit));
            continue;
        }
        root = parseRoot(unit.meta);
        if (!root)
            return unexpected(crdt::Refusal {QStringLiteral("bad-snapshot"),
                QStringLiteral("the shallow snapshot's root cannot be read")});
        if (holdsHistoryBelow(root->start)) {
            root.reset(); // the blocks after the root are all this host needs
            ++out.duplicates;
            continue;
        }
        if (m_root) {
            return unexpected(crdt::Refusal {QStringLiteral("shallow-root-unknown"),
                QStringLiteral("a shallow snapshot rooted at %1 needs history below that root, "
                               "which this document (itself rooted at %2) does not hold")
                    .arg(text(root->start), text(m_root->start))});
        }
        freshBytes += unit.data.size();
        rootUnit = std::move(unit);
    }
    if (context.readOnly && (rootUnit || !blocks.isEmpty())) {
        return unexpected(crdt::Refusal {QStringLiteral("permission-denied"),
            QStringLiteral("the sender may only read this document: its %1 new changes were "
                           "not stored")
                .arg(blocks.size() + (rootUnit ? 1 : 0))});
    }
    if (context.maxBytes > 0 && freshBytes > 0 && m_bytes + freshBytes > context.maxBytes) {
        return unexpected(crdt::Refusal {QStringLiteral("max-entity-bytes"),
            QStringLiteral("the document would exceed %1 bytes").arg(context.maxBytes)});
    }
    // A peer's counters are contiguous in Loro: a block starting past every counter the host
    // holds of its peer depends on changes the host lacks. Stored, it would make every fresh
    // joiner's import pending (a shallow document's "update from nothing" is such a block).
    std::sort(blocks.begin(), blocks.end(), [](const crdt::Unit &a, const crdt::Unit &b) {
        return a.peer != b.peer ? a.peer < b.peer : a.start < b.start;
    });
    const std::optional<Root> &rootNow = rootUnit ? root : m_root;
    QByteArray reachPeer;
    quint32 reach = 0; // the furthest counter this update's earlier blocks of reachPeer reach
    for (const crdt::Unit &unit : std::as_const(blocks)) {
        const quint64 peer = LoroEngine::peerOf(unit.peer);
        if (unit.peer != reachPeer) {
            reachPeer = unit.peer;
            reach = 0;
        }
        const quint32 from = rootNow ? entry(rootNow->start, peer) : 0;
        const bool connects = unit.start <= from || unit.start <= reach
            || m_coverage.covers(peer, unit.start - 1, unit.start);
        if (!connects) {
            return unexpected(crdt::Refusal {QStringLiteral("missing-history"),
                QStringLiteral("the changes of peer %1 from counter %2 depend on counters %3..%2 "
                               "that this document does not hold (an update from a shallow "
                               "document? send a snapshot instead)")
                    .arg(QString::number(peer), QString::number(unit.start),
                        QString::number(m_coverage.contiguousEnd(peer, from)))});
        }
        reach = std::max(reach, unit.end);
    }

    // Counters new to the document come only from the identity their peer is bound to (Loro
    // peer ids are not authenticated: otherwise anyone could take a victim's next counters and
    // censor it), and a block's dependencies on other peers must be held or arrive with it.
    ChangeCoverage incoming;
    for (const crdt::Unit &unit : std::as_const(blocks))
        incoming.add(LoroEngine::peerOf(unit.peer), unit.start, unit.end);
    const auto held = [&](quint64 peer) {
        quint32 at = rootNow ? entry(rootNow->start, peer) : 0;
        for (;;) {
            const quint32 next = incoming.contiguousEnd(peer, m_coverage.contiguousEnd(peer, at));
            if (next == at)
                return at;
            at = next;
        }
    };
    for (const crdt::Unit &unit : std::as_const(blocks)) {
        const quint64 peer = LoroEngine::peerOf(unit.peer);
        if (context.mayExtend && !context.mayExtend(unit.peer)) {
            return unexpected(crdt::Refusal {QStringLiteral("peer-bound"),
                QStringLiteral("peer %1 belongs to another identity: only it may add the peer's "
                               "new changes (counters %2..%3)")
                    .arg(QString::number(peer), QString::number(unit.start),
                        QString::number(unit.end))});
        }
        for (const ChangeDependency &dependency : LoroEngine::decodeDependencies(unit.meta)) {
            if (dependency.counter >= held(dependency.peer)) {
                return unexpected(crdt::Refusal {QStringLiteral("missing-dependency"),
                    QStringLiteral("the changes of peer %1 from counter %2 depend on peer %3's "
                                   "counter %4, which this document does not hold")
                        .arg(QString::number(peer), QString::number(unit.start),
                            QString::number(dependency.peer),
                            QString::number(dependency.counter))});
            }
        }
    }

    if (rootUnit) {
        m_root = std::move(root);
        m_bytes += rootUnit->data.size();
        out.fresh.append(std::move(*rootUnit));
    }
    for (crdt::Unit &unit : blocks) {
        const quint64 peer = LoroEngine::peerOf(unit.peer);
        if (m_coverage.covers(peer, unit.start, unit.end)) {
            ++out.duplicates; // a block repeated within the update
            continue;
        }
        m_coverage.add(peer, unit.start, unit.end);
        ++m_blocks;
        m_bytes += unit.data.size();
        out.fresh.append(std::move(unit));
    }
    return out;
}

QByteArray LoroDocumentIndex::version() const
{
    return encodeVersionVector(heldVersion());
}

QByteArray LoroDocumentIndex::versionWithin(
    const crdt::PeerVersion &client, qsizetype maxBytes) const
{
    return encodeVersionVectorWithin(heldVersion(), LoroEngine::toVersionVector(client), maxBytes);
}

VersionVector LoroDocumentIndex::heldVersion() const
{
    // Only what the host holds without a gap: a peer's counters after a missing one would be
    // pending in Loro, and a client comparing versions must not take them as held.
    std::set<quint64> peers;
    for (const quint64 peer : m_coverage.peers())
        peers.insert(peer);
    if (m_root) {
        for (const auto &[peer, counter] : m_root->end)
            peers.insert(peer);
    }
    VersionVector vv;
    for (const quint64 peer : peers) {
        const quint32 from = base(peer);
        const quint32 end = m_coverage.contiguousEnd(peer, from);
        if (end > 0)
            vv.emplace(peer, end);
    }
    return vv;
}

crdt::UnitQuery LoroDocumentIndex::lacking(const crdt::PeerVersion &client) const
{
    VersionVector version = LoroEngine::toVersionVector(client);
    crdt::UnitQuery query;
    if (!reachesRoot(version)) {
        query.from.append({QByteArray(), 0}); // the root unit
        raise(version, m_root->end);
    }
    const QList<quint64> ahead = m_coverage.peersAhead(version);
    if (ahead.size() > kPerPeerQueries) {
        query.all = true;
        query.from.clear();
        return query;
    }
    for (const quint64 peer : ahead)
        query.from.append({LoroEngine::peerKey(peer), entry(version, peer)});
    return query;
}

QList<QByteArray> LoroDocumentIndex::answer(
    QList<crdt::Unit> read, const crdt::PeerVersion &client) const
{
    return answerWithin(std::move(read), client, m_maxPayloadBytes);
}

QList<QByteArray> LoroDocumentIndex::exportAll(QList<crdt::Unit> units) const
{
    return answerWithin(std::move(units), {}, -1);
}

QList<QByteArray> LoroDocumentIndex::answerWithin(
    QList<crdt::Unit> read, const crdt::PeerVersion &client, qsizetype maxPayloadBytes) const
{
    VersionVector version = LoroEngine::toVersionVector(client);
    QList<QByteArray> out;
    if (!reachesRoot(version)) {
        for (const crdt::Unit &unit : std::as_const(read)) {
            if (unit.peer.isEmpty()) {
                out.append(unit.data);
                break;
            }
        }
        raise(version, m_root->end);
    }
    BlockIndex index;
    for (const crdt::Unit &unit : std::as_const(read)) {
        if (!unit.peer.isEmpty() && unit.end > entry(version, LoroEngine::peerOf(unit.peer)))
            index.insert(LoroEngine::blockOf(unit));
    }
    const QList<const ChangeBlock *> missing = index.missingFrom(version);
    if (!missing.isEmpty()) {
        QList<QByteArrayView> views;
        views.reserve(missing.size());
        for (const ChangeBlock *block : missing)
            views.append(block->bytes);
        out += encodeUpdateBlobs(std::move(views), maxPayloadBytes);
    }
    return out;
}

} // namespace canopy::loro
