#pragma once

#include "crdt/yjs/YjsError.h"
#include "crdt/yjs/YjsStruct.h"
#include "util/Expected.h"

namespace canopy::yjs {

class Lib0Reader;

// Reads the content of an Item (content refs 1-9) the way yjs's readItemContent does, refusing
// what would make yjs throw: bad UTF-8, JSON.parse failures, unknown type refs, a subdocument
// without options. With `canonicalize`, content that yjs would write differently (JSON spacing,
// numbers lib0 encodes another way, reordered or repeated object keys, long varints) is carried
// as the bytes yjs writes; otherwise the content is the bytes as read.
Expected<ItemContent, YjsError> readItemContent(Lib0Reader &reader, quint8 ref, bool canonicalize);

} // namespace canopy::yjs
