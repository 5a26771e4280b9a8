#pragma once

#include "crdt/yjs/Canonical.h"

#include <optional>
#include <vector>

#include <QByteArrayView>

namespace canopy::yjs {

class Lib0Reader;
class Lib0Writer;

// A value of lib0's Any encoding as JavaScript holds it after lib0 readAny: numbers are
// doubles, objects keep JavaScript's property order (array-index keys first, ascending, then the
// others in insertion order; a repeated key keeps its first place and its last value).
struct AnyValue
{
    enum class Type : unsigned char
    {
        Undefined,
        Null,
        Number,
        BigInt,
        False,
        True,
        String,
        Object,
        Array,
        Bytes
    };
    Type type = Type::Undefined;
    double number = 0;
    qint64 bigint = 0;
    QByteArrayView bytes; // String (UTF-8) or Bytes, pointing into the source
    std::vector<QByteArrayView> keys; // Object: the keys, in order; `items` holds their values
    std::vector<AnyValue> items; // Array, or an Object's values

    // JavaScript's truthiness.
    bool truthy() const;
};

// Nesting deeper than this is refused (lib0 recurses; the host does not follow it that far).
inline constexpr int MaxAnyDepth = 128;

// Reads one Any and says whether lib0's writeAny(readAny(bytes)) gives the same bytes. Invalid:
// an unknown tag, bad UTF-8, truncation, nesting past MaxAnyDepth or an object key "__proto__"
// (JavaScript turns that into a prototype, not a property).
Canonical checkAny(Lib0Reader &reader);
// Reads one Any into a value (nullopt where checkAny says Invalid).
std::optional<AnyValue> readAnyValue(Lib0Reader &reader);
// lib0's writeAny.
void writeAnyValue(Lib0Writer &writer, const AnyValue &value);

// Reads a varUint and notes when lib0 would have written it shorter.
std::optional<quint64> readUintNoting(Lib0Reader &reader, bool *canonical);

} // namespace canopy::yjs
