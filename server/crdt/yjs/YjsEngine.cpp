#include "crdt/yjs/YjsEngine.h"

#include "crdt/yjs/Lib0Reader.h"
#include "crdt/yjs/UpdateDescription.h"
#include "crdt/yjs/UpdateMerge.h"
#include "crdt/yjs/YjsDocumentIndex.h"
#include "crdt/yjs/YjsUpdate.h"

#include <QStringList>
#include <QtEndian>

namespace canopy::yjs {

namespace {

// V1 and V2 cannot be told apart by sniffing, but a V2 update has a shape V1 rarely has: a
// feature flag 0, then nine length-prefixed columns that all fit. Only asked once V1 failed.
bool looksLikeV2(QByteArrayView update)
{
    Lib0Reader r(update);
    const auto flag = r.varUint();
    if (!flag || *flag != 0)
        return false;
    for (int column = 0; column < 9; ++column) {
        if (!r.varBytes())
            return false;
    }
    return true;
}

} // namespace

std::unique_ptr<crdt::DocumentIndex> YjsEngine::createIndex() const
{
    return std::make_unique<YjsDocumentIndex>();
}

QByteArray YjsEngine::clientKey(quint64 client)
{
    QByteArray key(8, Qt::Uninitialized);
    qToBigEndian(client, key.data());
    return key;
}

quint64 YjsEngine::clientOf(QByteArrayView key)
{
    return key.size() == 8 ? qFromBigEndian<quint64>(key.data()) : 0;
}

StateVector YjsEngine::toStateVector(const crdt::PeerVersion &version)
{
    StateVector out;
    for (const auto &[key, clock] : version) {
        if (key.size() == 8)
            out.emplace(clientOf(key), clock);
    }
    return out;
}

crdt::Refusal YjsEngine::refusal(const YjsError &error)
{
    return crdt::Refusal {error.reason, error.message};
}

Expected<crdt::SplitUpdate, crdt::Refusal> YjsEngine::split(QByteArrayView update) const
{
    auto split = splitUpdate(update);
    if (!split) {
        if (looksLikeV2(update))
            return unexpected(crdt::Refusal {QStringLiteral("yjs-v2-unsupported"),
                QStringLiteral("this is a Yjs V2 update (%1): the host stores V1 updates only "
                               "(y-websocket and Hocuspocus send V1)")
                    .arg(split.error().message)});
        return unexpected(refusal(split.error()));
    }
    crdt::SplitUpdate out;
    out.units.reserve(split->runs.size() + 1);
    for (StructRun &run : split->runs) {
        out.units.append(crdt::Unit {clientKey(run.client), quint32(run.start), quint32(run.end),
            QByteArray(1, ReceivedFlag), std::move(run.update)});
    }
    if (!split->deleteSet.isEmpty()) {
        // The index numbers delete-set units when it admits them.
        out.units.append(crdt::Unit {
            {}, 0, 0, ReceivedFlag + split->deleteSet.encode(), deleteSetUpdate(split->deleteSet)});
    }
    return out;
}

Expected<crdt::PeerVersion, crdt::Refusal> YjsEngine::decodeVersion(QByteArrayView version) const
{
    if (version.isEmpty())
        return crdt::PeerVersion {};
    auto vector = decodeStateVector(version);
    if (!vector)
        return unexpected(refusal(vector.error()));
    crdt::PeerVersion out;
    for (const auto &[client, clock] : *vector) {
        // A holder past the clocks the host can store holds all of them.
        out.emplace(clientKey(client), quint32(std::min<quint64>(clock, MaxClock)));
    }
    return out;
}

QList<QByteArray> YjsEngine::encode(const QList<crdt::Unit> &units) const
{
    if (units.isEmpty())
        return {QByteArray::fromHex("0000")};
    QList<QByteArray> updates;
    updates.reserve(units.size());
    for (const crdt::Unit &unit : units)
        updates.append(unit.data);
    return {mergeUpdates(updates)};
}

crdt::UnitDescription YjsEngine::describe(const crdt::Unit &unit) const
{
    crdt::UnitDescription out;
    out.start = unit.start;
    out.end = unit.end;
    const bool compacted = unit.meta.startsWith(CompactedFlag);
    if (unit.peer.isEmpty()) {
        out.peer = QStringLiteral("delete set");
        auto deletes
            = DeleteSet::decode(QByteArrayView(unit.meta).sliced(qMin(1, unit.meta.size())));
        QStringList clients;
        if (deletes) {
            for (const auto &[client, ranges] : deletes->clients())
                clients.append(QStringLiteral("%1 (%2 ranges)")
                                   .arg(QString::number(client), QString::number(ranges.size())));
        }
        out.detail = QStringLiteral("deletes of %1%2")
                         .arg(clients.isEmpty() ? QStringLiteral("nothing") : clients.join(u", "),
                             compacted ? QStringLiteral(", compacted") : QString());
        return out;
    }
    out.peer = QString::number(clientOf(unit.peer));
    out.changes = 0;
    if (!unit.data.isEmpty()) {
        const auto view = describeUpdate(unit.data, 50);
        if (view) {
            QStringList contents;
            for (const ClientRunView &run : view->clients) {
                out.changes += quint32(run.structs.size());
                for (const StructView &s : run.structs) {
                    const QString name = s.kind == u"Item" ? s.content : s.kind;
                    if (!contents.contains(name))
                        contents.append(name);
                }
            }
            out.detail = contents.join(u", ");
        }
    }
    if (compacted)
        out.detail
            += out.detail.isEmpty() ? QStringLiteral("compacted") : QStringLiteral(", compacted");
    return out;
}

Expected<QList<crdt::Unit>, crdt::Refusal> YjsEngine::compact(const QList<crdt::Unit> &units) const
{
    QList<QByteArray> updates;
    updates.reserve(units.size());
    quint32 sequence = 0;
    for (const crdt::Unit &unit : units) {
        updates.append(unit.data);
        if (unit.peer.isEmpty())
            sequence = std::max(sequence, unit.start);
    }
    auto split = splitUpdate(mergeUpdates(updates));
    if (!split)
        return unexpected(refusal(split.error()));
    QList<crdt::Unit> out;
    out.reserve(split->runs.size() + 1);
    for (StructRun &run : split->runs) {
        out.append(crdt::Unit {clientKey(run.client), quint32(run.start), quint32(run.end),
            QByteArray(1, CompactedFlag), std::move(run.update)});
    }
    if (!split->deleteSet.isEmpty()) {
        // The removals come first in the same transaction, so a consumed number may be reused.
        out.append(crdt::Unit {{}, sequence, sequence + 1,
            CompactedFlag + split->deleteSet.encode(), deleteSetUpdate(split->deleteSet)});
    }
    return out;
}

} // namespace canopy::yjs
