// libFuzzer target: ELO containers and record headers (server/crdt/elo/EloRecord.h) and the %ELO
// document index behind them (EloEngine, EloDocumentIndex). The input is one DocUpdate entry:
// parseContainer and parseRecord on it; then, when it splits, its units are admitted into fresh
// indexes (all at once, and one by one) against a model of the store, which must stay consistent
// with the index (superseded units exist, fresh ones do not collide, counts and bytes agree); a
// reloaded index must report the same version; every answer must parse as a container.
#include "crdt/elo/EloEngine.h"
#include "crdt/elo/EloRecord.h"
#include "crdt/loro/LoroBlob.h"

#include <cstddef>
#include <cstdint>
#include <map>
#include <tuple>

namespace crdt = canopy::crdt;
namespace elo = canopy::elo;

namespace {

using Key = std::tuple<QByteArray, quint32, quint32>;
using Store = std::map<Key, crdt::Unit>;

void apply(Store &store, const crdt::Admission &admission)
{
    for (const crdt::Unit &gone : admission.superseded) {
        if (store.erase({gone.peer, gone.start, gone.end}) != 1)
            __builtin_trap(); // superseded a unit the store does not hold
    }
    for (const crdt::Unit &unit : admission.fresh) {
        if (!store.emplace(Key {unit.peer, unit.start, unit.end}, unit).second)
            __builtin_trap(); // the store's unique (peer, start, end) would refuse the write
    }
}

void checkCounts(const crdt::DocumentIndex &index, const Store &store)
{
    qint64 bytes = 0;
    for (const auto &[key, unit] : store)
        bytes += unit.data.size();
    if (index.unitCount() != qsizetype(store.size()) || index.byteCount() != bytes)
        __builtin_trap();
}

QList<crdt::Unit> read(const Store &store, const crdt::UnitQuery &query)
{
    QList<crdt::Unit> out;
    for (const auto &[key, unit] : store) {
        bool wanted = query.all;
        for (const auto &[peer, counter] : query.from)
            wanted = wanted || (unit.peer == peer && unit.end > counter);
        if (wanted)
            out.append(unit);
    }
    return out;
}

void checkAnswers(
    const elo::EloEngine &engine, const crdt::DocumentIndex &index, const Store &store)
{
    const QByteArray version = index.version();
    if (!canopy::loro::decodeVersionVector(version))
        __builtin_trap(); // the JoinResponseOk version must be a Loro VersionVector
    const auto own = engine.decodeVersion(version);
    if (!own)
        __builtin_trap();
    for (const crdt::PeerVersion &client : {crdt::PeerVersion {}, *own}) {
        const QList<QByteArray> payloads = index.answer(read(store, index.lacking(client)), client);
        if (payloads.size() > 1)
            __builtin_trap();
        for (const QByteArray &payload : payloads) {
            if (!elo::parseContainer(payload))
                __builtin_trap();
        }
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArrayView input(reinterpret_cast<const char *>(data), qsizetype(size));

    const auto record = elo::parseRecord(input);
    if (record) {
        if (record->bytes != input || record->headerSize <= 0 || record->iv.size() != elo::IvBytes
            || record->ciphertextSize < elo::TagBytes)
            __builtin_trap();
        (void)elo::describeVersion(record->version);
    }

    const auto records = elo::parseContainer(input);
    if (records) {
        QList<QByteArray> raw;
        for (const elo::EloRecord &r : *records) {
            const auto again = elo::parseRecord(r.bytes);
            if (!again || again->kind != r.kind || again->peerId != r.peerId
                || again->start != r.start || again->end != r.end || again->keyId != r.keyId
                || again->iv != r.iv || again->headerSize != r.headerSize)
                __builtin_trap();
            if (r.kind == elo::EloRecord::Kind::DeltaSpan && r.end <= r.start)
                __builtin_trap();
            raw.append(r.bytes);
        }
        const auto back = elo::parseContainer(elo::encodeContainer(raw));
        if (!back || back->size() != records->size())
            __builtin_trap();
    }

    const elo::EloEngine engine;
    const auto split = engine.split(input);
    if (!split) {
        if (records)
            __builtin_trap(); // a container that parses must split
        return 0;
    }
    for (const crdt::Unit &unit : split->units)
        (void)engine.describe(unit);

    // All at once.
    auto whole = engine.createIndex();
    Store wholeStore;
    const auto admitted = whole->admit(split->units, crdt::AdmitContext {0, 0});
    if (!admitted)
        __builtin_trap(); // no cap: nothing to refuse
    apply(wholeStore, *admitted);
    checkCounts(*whole, wholeStore);
    checkAnswers(engine, *whole, wholeStore);

    // One update per unit, then the same units again (all duplicates or replacements).
    auto single = engine.createIndex();
    Store singleStore;
    for (int round = 0; round < 2; ++round) {
        for (const crdt::Unit &unit : split->units) {
            const auto one = single->admit({unit}, crdt::AdmitContext {0, 0});
            if (!one)
                __builtin_trap();
            apply(singleStore, *one);
            checkCounts(*single, singleStore);
        }
    }
    checkAnswers(engine, *single, singleStore);

    // A cap below what is held refuses anything new and changes nothing.
    if (single->byteCount() > 0) {
        const QByteArray version = single->version();
        const qint64 bytes = single->byteCount();
        const auto capped = single->admit(split->units, crdt::AdmitContext {0, 1});
        if (capped || single->byteCount() != bytes || single->version() != version)
            __builtin_trap();
    }

    // Reloaded from the store (without data, as the hub loads an ELO document).
    auto reloaded = engine.createIndex();
    for (const auto &[key, unit] : singleStore)
        reloaded->addStored(
            crdt::Unit {unit.peer, unit.start, unit.end, unit.meta, {}}, unit.data.size());
    if (reloaded->version() != single->version())
        __builtin_trap();
    checkCounts(*reloaded, singleStore);
    checkAnswers(engine, *reloaded, singleStore);
    return 0;
}
