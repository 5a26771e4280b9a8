#pragma once

#include "crdt/Unit.h"
#include "util/Expected.h"

#include <functional>
#include <memory>
#include <optional>

namespace canopy::crdt {

// Why an update, a version or a unit was refused: a stable kebab-case reason for logs and
// metrics, and a message that names the offending part.
struct Refusal
{
    QString reason;
    QString message;
    bool malformed = false; // the bytes themselves are bad (set by the hub for split failures)
};

// One update taken apart. `holderVersion` is set when the update says what its sender holds
// (a Loro snapshot carries its version vector): a joiner bringing its state needs no version.
struct SplitUpdate
{
    QList<Unit> units;
    std::optional<PeerVersion> holderVersion;
};

// What joining the index brought: units to store and forward, stored units they replace.
struct Admission
{
    QList<Unit> fresh;
    QList<Unit> superseded; // identified by (peer, start, end); removed in the same transaction
    qsizetype duplicates = 0;
};

// What an update may add: the operator's cap on a document's stored bytes (0: none).
struct AdmitContext
{
    qint64 nowMs = 0;
    qint64 maxBytes = 0;
    // Whether the sender may add counters this document does not hold yet to the author
    // `peer` (each author key is bound to the identity that first wrote it); null: anyone.
    std::function<bool(const QByteArray &peer)> mayExtend;
    // The sender may only read the document: what it brings that the document already holds
    // passes as duplicates, anything new refuses the update as a whole ("permission-denied").
    bool readOnly = false;
};

// What a joiner lacks, as reads from the store. Units the index keeps in memory need none.
struct UnitQuery
{
    bool all = false; // every stored unit of the document
    QList<std::pair<QByteArray, quint32>> from; // (peer, counter): its units ending past counter
    bool isEmpty() const { return !all && from.isEmpty(); }
};

// One document of one kind in memory: which units it holds (not their bytes, unless the kind
// keeps its whole state in memory), what a version lacks, and the host's own version.
class DocumentIndex
{
public:
    virtual ~DocumentIndex() = default;

    // Loading: every stored unit (`bytes` long), with its data only when the engine says
    // loadsData().
    virtual void addStored(const Unit &unit, qint64 bytes) = 0;
    // Keeps the units the document lacks (and updates what it holds); refuses the update as a
    // whole, changing nothing, when the units cannot join this document or would pass the cap.
    virtual Expected<Admission, Refusal> admit(QList<Unit> units, const AdmitContext &context) = 0;
    // The host's version as the wire carries it (a Loro VersionVector: "00" when empty).
    virtual QByteArray version() const = 0;
    // The same within `maxBytes` for a joiner holding `client`: a version too large for one
    // message keeps the joiner's own peers and as many of those it lacks as fit (the answer
    // that follows brings them all at once, so the joiner's "synced" still waits for it).
    virtual QByteArray versionWithin(const PeerVersion &client, qsizetype maxBytes) const
    {
        Q_UNUSED(client);
        Q_UNUSED(maxBytes);
        return version();
    }
    virtual UnitQuery lacking(const PeerVersion &client) const = 0;
    // The payloads that bring a holder of `client` up to date (to be imported in order), from
    // the units `lacking` named; none when it lacks nothing. For an empty `client` and every
    // unit, this is the whole document, as the operator exports it.
    virtual QList<QByteArray> answer(QList<Unit> read, const PeerVersion &client) const = 0;
    // The whole document for the operator, from every stored unit: what a fresh joiner receives,
    // unless the kind says otherwise.
    virtual QList<QByteArray> exportAll(QList<Unit> units) const
    {
        return answer(std::move(units), {});
    }
    // Units that expired by `nowMs` (ephemeral state); they are deleted from the store.
    virtual QList<Unit> expire(qint64 nowMs)
    {
        Q_UNUSED(nowMs);
        return {};
    }
    // The units the index keeps in memory with their data (ephemeral state); others keep none.
    virtual QList<Unit> held() const { return {}; }
    // Stored units (identities only) the kind would merge into fewer now, or none. The hub reads
    // them, has DocumentEngine::compact merge them on a worker thread, stores the result in
    // place of exactly those units in one transaction, then calls compacted().
    virtual QList<Unit> compaction() const { return {}; }
    virtual void compacted(const QList<Unit> &removed, const QList<Unit> &added)
    {
        Q_UNUSED(removed);
        Q_UNUSED(added);
    }
    virtual qint64 byteCount() const = 0;
    virtual qsizetype unitCount() const = 0;
};

// One kind of document: the codecs that take its updates apart and put answers together. An
// engine sees neither sockets nor SQL: the hub hands it bytes and units.
class DocumentEngine
{
public:
    virtual ~DocumentEngine() = default;

    virtual QString kind() const = 0; // "loro", "elo", "eph", "eps"
    // Kept in the store (false: memory only, gone when the last member leaves).
    virtual bool persistent() const { return true; }
    // The index needs each unit's data at load (its whole state lives in memory).
    virtual bool loadsData() const { return false; }
    // Presence rather than content: whoever may read the document may write this kind of it.
    virtual bool ephemeral() const { return false; }

    virtual std::unique_ptr<DocumentIndex> createIndex() const = 0;
    virtual Expected<SplitUpdate, Refusal> split(QByteArrayView update) const = 0;
    // A joiner's version as its protocol carries it; empty bytes mean "nothing yet".
    virtual Expected<PeerVersion, Refusal> decodeVersion(QByteArrayView version) const = 0;
    // New units as the payloads sent to the other members (encoded once per fan-out). No units
    // give the kind's "nothing new" payload, for protocols that must always answer.
    virtual QList<QByteArray> encode(const QList<Unit> &units) const = 0;
    virtual UnitDescription describe(const Unit &unit) const = 0;
    // Merges stored units (with their data) into units that hold the same; runs on a worker
    // thread, so it may touch nothing but its arguments.
    virtual Expected<QList<Unit>, Refusal> compact(const QList<Unit> &units) const { return units; }
};

} // namespace canopy::crdt
