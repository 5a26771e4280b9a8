#pragma once

#include "crdt/yjs/DeleteSet.h"
#include "crdt/yjs/YjsError.h"
#include "util/Expected.h"

#include <QByteArray>
#include <QList>

namespace canopy::yjs {

// The largest clock the host stores (units count in 32 bits); a struct ending past it is refused
// as "clock-overflow". Client ids are limited to 2^53 - 1 by lib0 itself.
inline constexpr quint64 MaxClock = 0xffffffffu;

// Contiguous structs of one client taken out of an update, as a standalone V1 update holding only
// them and an empty delete set: `01 numStructs client start <structs> 00`.
struct StructRun
{
    quint64 client = 0;
    quint64 start = 0; // first clock
    quint64 end = 0; // exclusive
    QByteArray update;
};

// One V1 update taken apart: its structs as runs (split at Skips and gaps; a Skip holds nothing)
// and its delete set.
struct SplitYjsUpdate
{
    QList<StructRun> runs;
    DeleteSet deleteSet;
};

// Validates the whole update (every struct, content and the delete set; no trailing bytes) and
// splits it. A malformed update is refused with the reason and the offset it failed at.
Expected<SplitYjsUpdate, YjsError> splitUpdate(QByteArrayView update);

// A V1 update holding no structs and `deleteSet`: `00 <delete set>`.
QByteArray deleteSetUpdate(const DeleteSet &deleteSet);

} // namespace canopy::yjs
