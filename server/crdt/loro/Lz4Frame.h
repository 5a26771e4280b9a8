#pragma once

#include "crdt/loro/LoroTypes.h"

namespace canopy::loro {

// Decompresses one or more concatenated LZ4 frames (the format Loro's SSTable blocks use).
// Output beyond `limit` bytes is an error (TooLarge), so a small hostile frame cannot exhaust
// memory.
LoroExpected<QByteArray> decompressLz4Frame(QByteArrayView frame, qsizetype limit);

} // namespace canopy::loro
