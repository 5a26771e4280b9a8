#include "crdt/elo/EloEngine.h"

#include "crdt/elo/EloDocumentIndex.h"
#include "crdt/elo/EloRecord.h"
#include "crdt/loro/ByteWriter.h"
#include "crdt/loro/LoroBlob.h"

#include <xxhash.h>

#include <QtEndian>

namespace canopy::elo {
namespace {

QByteArray hashOf(QByteArrayView bytes)
{
    QByteArray out(8, Qt::Uninitialized);
    qToBigEndian(quint64(XXH64(bytes.data(), size_t(bytes.size()), 0)), out.data());
    return out;
}

QByteArray snapshotKey(const QList<EloRecord::VersionEntry> &version)
{
    QByteArray key(1, EloEngine::SnapshotPrefix);
    loro::appendLeb(key, quint64(version.size()));
    for (const EloRecord::VersionEntry &entry : version) {
        loro::appendLeb(key, quint64(entry.peerId.size()));
        key += entry.peerId;
        loro::appendLeb(key, entry.counter);
    }
    return key;
}

} // namespace

std::unique_ptr<crdt::DocumentIndex> EloEngine::createIndex() const
{
    return std::make_unique<EloDocumentIndex>();
}

Expected<crdt::SplitUpdate, crdt::Refusal> EloEngine::split(QByteArrayView update) const
{
    auto records = parseContainer(update);
    if (!records)
        return unexpected(crdt::Refusal {records.error().reason, records.error().message});
    crdt::SplitUpdate out;
    out.units.reserve(records->size());
    for (const EloRecord &record : std::as_const(*records)) {
        crdt::Unit unit;
        if (record.kind == EloRecord::Kind::DeltaSpan) {
            unit.peer = DeltaPrefix + record.peerId;
            unit.start = record.start;
            unit.end = record.end;
        } else {
            unit.peer = snapshotKey(record.version);
            unit.start = 0;
            unit.end = 1;
        }
        unit.meta = hashOf(record.bytes);
        unit.data = record.bytes;
        out.units.append(std::move(unit));
    }
    return out;
}

Expected<crdt::PeerVersion, crdt::Refusal> EloEngine::decodeVersion(QByteArrayView version) const
{
    crdt::PeerVersion out;
    if (version.isEmpty())
        return out;
    auto vv = loro::decodeVersionVector(version);
    if (!vv)
        return unexpected(crdt::Refusal {loro::describe(vv.error().code), vv.error().message});
    // EloAdaptor names a Loro peer by its id in decimal ASCII.
    for (const auto &[peer, counter] : *vv)
        out.emplace(DeltaPrefix + QByteArray::number(peer), counter);
    return out;
}

QList<QByteArray> EloEngine::encode(const QList<crdt::Unit> &units) const
{
    QList<QByteArray> records;
    records.reserve(units.size());
    for (const crdt::Unit &unit : units)
        records.append(unit.data);
    return {encodeContainer(records)};
}

crdt::UnitDescription EloEngine::describe(const crdt::Unit &unit) const
{
    crdt::UnitDescription out;
    auto record = parseRecord(unit.data);
    if (!record) {
        out.peer = QString::fromUtf8(unit.peer.mid(1));
        out.detail = record.error().message;
        return out;
    }
    if (record->kind == EloRecord::Kind::DeltaSpan) {
        out.peer = QString::fromUtf8(record->peerId);
        out.start = record->start;
        out.end = record->end;
        out.detail = QStringLiteral("DeltaSpan, key %1, iv %2, %3 ciphertext bytes")
                         .arg(record->keyId, QString::fromLatin1(record->iv.toHex()),
                             QString::number(record->ciphertextSize));
    } else {
        out.peer = QStringLiteral("snapshot");
        out.detail = QStringLiteral("Snapshot at %1, key %2, iv %3, %4 ciphertext bytes")
                         .arg(describeVersion(record->version), record->keyId,
                             QString::fromLatin1(record->iv.toHex()),
                             QString::number(record->ciphertextSize));
    }
    return out;
}

} // namespace canopy::elo
