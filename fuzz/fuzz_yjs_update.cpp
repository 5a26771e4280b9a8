// libFuzzer target: Yjs V1 updates taken apart without a Y.Doc (server/crdt/yjs/): splitUpdate
// (every struct, content and the delete set), then what the engine does with an accepted update —
// its runs and delete set merged back (mergeUpdates), answered against state vectors (diffUpdate,
// stateVectorFromUpdate) — and describeUpdate for the traffic view. On the same bytes the inner
// decoders reachable on their own: decodeStateVector and DeleteSet::decode. mergeUpdates and
// diffUpdate are meant for valid input, but must stay safe on anything.
#include "crdt/yjs/DeleteSet.h"
#include "crdt/yjs/StateVector.h"
#include "crdt/yjs/UpdateDescription.h"
#include "crdt/yjs/UpdateMerge.h"
#include "crdt/yjs/YjsUpdate.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <map>
#include <utility>
#include <vector>

using namespace canopy::yjs;

namespace {

// The clocks an update's runs cover, per client, joined where they touch.
std::map<quint64, std::vector<std::pair<quint64, quint64>>> coverage(const QList<StructRun> &runs)
{
    std::map<quint64, std::vector<std::pair<quint64, quint64>>> out;
    for (const StructRun &run : runs)
        out[run.client].emplace_back(run.start, run.end);
    for (auto &[client, ranges] : out) {
        std::sort(ranges.begin(), ranges.end());
        std::vector<std::pair<quint64, quint64>> joined;
        for (const auto &range : ranges) {
            if (!joined.empty() && range.first <= joined.back().second)
                joined.back().second = std::max(joined.back().second, range.second);
            else
                joined.push_back(range);
        }
        ranges = std::move(joined);
    }
    return out;
}

SplitYjsUpdate mustSplit(QByteArrayView update)
{
    auto split = splitUpdate(update);
    if (!split)
        __builtin_trap(); // the codec wrote an update it refuses
    return std::move(*split);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArrayView input(reinterpret_cast<const char *>(data), qsizetype(size));

    const auto split = splitUpdate(input);
    const auto view = describeUpdate(input, 64);
    if (bool(split) != bool(view) || (!split && split.error().reason != view.error().reason))
        __builtin_trap(); // describeUpdate refuses exactly what splitUpdate refuses
    if (split) {
        QList<QByteArray> units;
        for (const StructRun &run : split->runs) {
            if (run.end <= run.start || run.end > MaxClock)
                __builtin_trap();
            // Each run is a standalone update holding exactly that run.
            const SplitYjsUpdate again = mustSplit(run.update);
            if (again.runs.size() != 1 || again.runs[0].client != run.client
                || again.runs[0].start != run.start || again.runs[0].end != run.end
                || again.runs[0].update != run.update || !again.deleteSet.isEmpty())
                __builtin_trap();
            units.append(run.update);
        }
        if (!split->deleteSet.isEmpty()) {
            const QByteArray deletes = deleteSetUpdate(split->deleteSet);
            const SplitYjsUpdate again = mustSplit(deletes);
            if (!again.runs.isEmpty() || again.deleteSet.encode() != split->deleteSet.encode())
                __builtin_trap();
            units.append(deletes);
        }

        // What the engine stores, merged back: a valid update with the same clocks and deletes.
        const QByteArray merged = mergeUpdates(units);
        const SplitYjsUpdate remerged = mustSplit(merged);
        if (coverage(remerged.runs) != coverage(split->runs)
            || remerged.deleteSet.encode() != split->deleteSet.encode())
            __builtin_trap();
        const QByteArray whole = mergeUpdates({QByteArray(input.toByteArray()), merged});
        (void)mustSplit(whole);

        // Answers against the merge's own state vector and the empty one.
        const auto vector = decodeStateVector(stateVectorFromUpdate(merged));
        if (!vector)
            __builtin_trap();
        for (const StateVector &known : {*vector, StateVector()}) {
            const SplitYjsUpdate diff = mustSplit(diffUpdate(merged, known));
            for (const StructRun &run : diff.runs) {
                const auto at = known.find(run.client);
                if (at != known.end() && run.start < at->second)
                    __builtin_trap(); // nothing below what the holder has is sent again
            }
            if (diff.deleteSet.encode() != split->deleteSet.encode())
                __builtin_trap(); // the delete set is always sent whole
        }
        (void)mustSplit(diffUpdate(input, *vector));
    } else {
        if (split.error().reason.isEmpty() || split.error().message.isEmpty())
            __builtin_trap();
        // Not valid: the document-free algorithms still must not crash.
        (void)mergeUpdates({QByteArray(input.toByteArray()), QByteArray("\0\0", 2)});
        (void)diffUpdate(input, StateVector {{1, 1}});
    }
    (void)stateVectorFromUpdate(input);

    const auto vector = decodeStateVector(input);
    if (vector) {
        const auto again = decodeStateVector(encodeStateVector(*vector));
        if (!again || *again != *vector)
            __builtin_trap();
    }
    const auto deletes = DeleteSet::decode(input);
    if (deletes) {
        const auto again = DeleteSet::decode(deletes->encode());
        if (!again || again->encode() != deletes->encode() || !again->covers(*deletes))
            __builtin_trap();
    }
    return 0;
}
