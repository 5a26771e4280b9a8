// libFuzzer target: Loro EphemeralStore updates (server/crdt/ephemeral/EphemeralState.h) and the
// %EPH/%EPS merge behind them. parseUpdate on the input; each entry's bytes must parse alone to the
// same entry, the entries re-encoded must parse back to the same entries, and describeValue must
// describe any value (and any bytes at all) without crashing. Entries that split are admitted into
// an ephemeral index, whose counts must match what it holds, before and after expiry.
#include "crdt/ephemeral/EphemeralEngine.h"
#include "crdt/ephemeral/EphemeralState.h"

#include <cstddef>
#include <cstdint>

namespace crdt = canopy::crdt;
namespace ephemeral = canopy::ephemeral;

namespace {

// The host's clock when the update arrives (the seeds' timestamps are around it); entry
// timestamps are the writer's and may be anything an i64 holds.
constexpr qint64 Now = 1'700'000'000'000;

bool same(const ephemeral::EphemeralEntry &a, const ephemeral::EphemeralEntry &b)
{
    return a.key == b.key && a.present == b.present && a.value == b.value
        && a.timestampMs == b.timestampMs && a.bytes == b.bytes;
}

void checkCounts(const crdt::DocumentIndex &index)
{
    const QList<crdt::Unit> held = index.held();
    qint64 bytes = 0;
    for (const crdt::Unit &unit : held)
        bytes += unit.data.size();
    if (index.unitCount() != held.size() || index.byteCount() != bytes)
        __builtin_trap();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArrayView input(reinterpret_cast<const char *>(data), qsizetype(size));

    (void)ephemeral::describeValue(input);
    (void)ephemeral::describeValue(input, 3);
    const auto single = ephemeral::parseEntry(input);
    if (single && single->bytes != input)
        __builtin_trap();

    const auto entries = ephemeral::parseUpdate(input);
    if (!entries)
        return 0;
    QList<QByteArray> raw;
    for (const ephemeral::EphemeralEntry &entry : *entries) {
        const auto again = ephemeral::parseEntry(entry.bytes);
        if (!again || !same(*again, entry))
            __builtin_trap(); // an entry does not parse alone as it parsed in its update
        if (entry.present == entry.value.isEmpty())
            __builtin_trap(); // a present value has bytes, a deletion none
        if (entry.present) {
            (void)ephemeral::describeValue(entry.value);
            const QString tiny = ephemeral::describeValue(entry.value, 8);
            if (tiny.size() > 9)
                __builtin_trap();
        }
        raw.append(entry.bytes);
    }
    const auto back = ephemeral::parseUpdate(ephemeral::encodeUpdate(raw));
    if (!back || back->size() != entries->size())
        __builtin_trap();
    for (qsizetype i = 0; i < back->size(); ++i) {
        if (!same(back->at(i), entries->at(i)))
            __builtin_trap();
    }

    for (const bool persisted : {false, true}) {
        const ephemeral::EphemeralEngine engine(persisted);
        const auto split = engine.split(input);
        if (!split || split->units.size() != entries->size())
            __builtin_trap();
        auto index = engine.createIndex();
        const auto admitted = index->admit(split->units, crdt::AdmitContext {Now, 0});
        if (!admitted)
            __builtin_trap();
        if (!admitted->superseded.isEmpty()) // a fresh index replaces nothing
            __builtin_trap();
        checkCounts(*index);
        for (const crdt::Unit &unit : index->held())
            (void)engine.describe(unit);
        // The same update again, later: nothing is newer than itself.
        const auto replay = index->admit(split->units, crdt::AdmitContext {Now, 0});
        if (!replay || !replay->fresh.isEmpty())
            __builtin_trap();
        for (const QByteArray &payload : index->answer({}, {})) {
            if (!ephemeral::parseUpdate(payload))
                __builtin_trap();
        }
        (void)index->expire(Now + engine.TimeoutMs + 1);
        checkCounts(*index);
    }
    return 0;
}
