#include "crdt/loro/LoroEngine.h"

#include "crdt/loro/ByteReader.h"
#include "crdt/loro/ByteWriter.h"
#include "crdt/loro/LoroBlob.h"
#include "crdt/loro/LoroDocumentIndex.h"

#include <QtEndian>

namespace canopy::loro {

QByteArray LoroEngine::peerKey(quint64 peer)
{
    QByteArray key(8, Qt::Uninitialized);
    qToBigEndian(peer, key.data());
    return key;
}

quint64 LoroEngine::peerOf(QByteArrayView key)
{
    return key.size() == 8 ? qFromBigEndian<quint64>(key.data()) : 0;
}

crdt::PeerVersion LoroEngine::toPeerVersion(const VersionVector &vv)
{
    crdt::PeerVersion out;
    for (const auto &[peer, end] : vv)
        out.emplace(peerKey(peer), end);
    return out;
}

VersionVector LoroEngine::toVersionVector(const crdt::PeerVersion &version)
{
    VersionVector out;
    for (const auto &[key, end] : version) {
        if (key.size() == 8)
            out.emplace(peerOf(key), end);
    }
    return out;
}

crdt::Unit LoroEngine::unitOf(const ChangeBlock &block)
{
    crdt::Unit unit;
    unit.peer = peerKey(block.peer);
    unit.start = block.counterStart;
    unit.end = block.counterEnd;
    unit.data = block.bytes;
    unit.meta = encodeDependencies(block.dependencies);
    return unit;
}

QByteArray LoroEngine::encodeDependencies(const QList<ChangeDependency> &dependencies)
{
    QByteArray out;
    if (dependencies.isEmpty())
        return out;
    appendLeb(out, quint64(dependencies.size()));
    for (const ChangeDependency &dependency : dependencies) {
        appendLeb(out, dependency.peer);
        appendLeb(out, dependency.counter);
    }
    return out;
}

QList<ChangeDependency> LoroEngine::decodeDependencies(QByteArrayView meta)
{
    QList<ChangeDependency> out;
    ByteReader r(meta);
    const auto count = r.leb();
    for (quint64 i = 0; count && i < *count; ++i) {
        const auto peer = r.leb();
        const auto counter = peer ? r.leb32() : std::nullopt;
        if (!counter)
            break;
        out.append(ChangeDependency {*peer, *counter});
    }
    return out;
}

ChangeBlock LoroEngine::blockOf(const crdt::Unit &unit)
{
    ChangeBlock block;
    block.peer = peerOf(unit.peer);
    block.counterStart = unit.start;
    block.counterEnd = unit.end;
    block.bytes = unit.data;
    return block;
}

crdt::Refusal LoroEngine::refusal(const LoroError &error)
{
    return crdt::Refusal {loro::describe(error.code), error.message};
}

LoroEngine::LoroEngine(const LoroLimits &limits)
    : m_limits(limits)
{
}

qsizetype LoroEngine::payloadBytes() const
{
    return qMax(m_limits.maxOutputBytes - MessageOverhead, qsizetype(64 * 1024));
}

std::unique_ptr<crdt::DocumentIndex> LoroEngine::createIndex() const
{
    return std::make_unique<LoroDocumentIndex>(payloadBytes());
}

Expected<crdt::SplitUpdate, crdt::Refusal> LoroEngine::split(QByteArrayView update) const
{
    auto blob = LoroBlob::parse(update, m_limits);
    if (!blob)
        return unexpected(refusal(blob.error()));
    // Answers are split between blocks, never inside one: a unit that no message could carry
    // would leave the document unanswerable, so it is refused before it is kept.
    const qsizetype most = payloadBytes();
    const auto tooLarge = [&](const QString &what, qsizetype size) {
        return unexpected(refusal(LoroError {LoroErrorCode::TooLarge,
            QStringLiteral("%1 of %2 bytes could not travel in one message of at most %3 bytes")
                .arg(what, QString::number(size), QString::number(most))}));
    };
    if (blob->shallow && update.size() > most)
        return tooLarge(QStringLiteral("a shallow snapshot (kept whole)"), update.size());
    for (const ChangeBlock &block : std::as_const(blob->blocks)) {
        if (block.bytes.size() + 32 > most)
            return tooLarge(
                QStringLiteral("a change block of peer %1").arg(block.peer), block.bytes.size());
    }
    crdt::SplitUpdate out;
    out.units.reserve(blob->blocks.size() + 1);
    if (blob->shallow) {
        // Its history below the root is gone: the blocks alone cannot rebuild it, the whole
        // snapshot can. The index decides whether the host needs it.
        crdt::Unit root;
        root.start = 0;
        root.end = 1;
        root.meta = LoroDocumentIndex::rootMeta(blob->shallowStart, blob->version);
        root.data = update.toByteArray();
        out.units.append(std::move(root));
    }
    for (const ChangeBlock &block : std::as_const(blob->blocks))
        out.units.append(unitOf(block));
    if (blob->mode == BlobMode::Snapshot)
        out.holderVersion = toPeerVersion(blob->version);
    return out;
}

Expected<crdt::PeerVersion, crdt::Refusal> LoroEngine::decodeVersion(QByteArrayView version) const
{
    if (version.isEmpty())
        return crdt::PeerVersion {};
    // Decoded, each peer costs some 200 bytes on the way through a join, for as few as four on
    // the wire. A joiner claiming more peers than MaxJoinPeers is answered as one holding
    // nothing: the whole document, which it imports as it would any answer.
    ByteReader count(version);
    if (const auto peers = count.leb(); peers && *peers > MaxJoinPeers)
        return crdt::PeerVersion {};
    auto vv = decodeVersionVector(version);
    if (!vv)
        return unexpected(refusal(vv.error()));
    return toPeerVersion(*vv);
}

QList<QByteArray> LoroEngine::encode(const QList<crdt::Unit> &units) const
{
    QList<QByteArray> out;
    QList<QByteArrayView> blocks;
    blocks.reserve(units.size());
    for (const crdt::Unit &unit : units) {
        if (unit.peer.isEmpty())
            out.append(unit.data); // a root snapshot travels whole, before the blocks after it
        else
            blocks.append(unit.data);
    }
    if (!blocks.isEmpty() || out.isEmpty())
        out += encodeUpdateBlobs(blocks, payloadBytes());
    return out;
}

crdt::UnitDescription LoroEngine::describe(const crdt::Unit &unit) const
{
    crdt::UnitDescription out;
    if (unit.peer.isEmpty()) {
        out.peer = QStringLiteral("shallow root");
        const auto blob = LoroBlob::parse(unit.data, m_limits);
        QStringList start;
        if (blob) {
            for (const auto &[peer, counter] : blob->shallowStart)
                start.append(
                    QStringLiteral("%1:%2").arg(QString::number(peer), QString::number(counter)));
        }
        out.detail = QStringLiteral("shallow snapshot; history below {%1} lives in its root state")
                         .arg(start.join(QStringLiteral(", ")));
        return out;
    }
    out.peer = QString::number(peerOf(unit.peer));
    out.start = unit.start;
    out.end = unit.end;
    if (const auto block = parseChangeBlock(unit.data)) {
        out.lamportStart = block->lamportStart;
        out.lamportEnd = block->lamportEnd;
        out.changes = block->changeCount;
    }
    return out;
}

} // namespace canopy::loro
