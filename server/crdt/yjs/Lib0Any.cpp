#include "crdt/yjs/Lib0Any.h"

#include "crdt/yjs/Lib0Reader.h"
#include "crdt/yjs/Lib0Writer.h"
#include "crdt/yjs/Utf8Text.h"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstring>

#include <QHash>

namespace canopy::yjs {

namespace {

constexpr double MaxInt31 = 2147483647.0;
constexpr quint64 DoubleQuietBit = quint64(1) << 51;

int varUintSize(quint64 value)
{
    int size = 1;
    while (value > 0x7f) {
        value >>= 7;
        ++size;
    }
    return size;
}

int varIntSize(quint64 magnitude)
{
    if (magnitude <= 0x3f)
        return 1;
    return 1 + varUintSize(magnitude >> 6);
}

// lib0's readVarInt, keeping the sign of zero.
bool readVarInt(Lib0Reader &r, bool *negative, quint64 *magnitude, bool *canonical)
{
    const qsizetype start = r.pos();
    const auto first = r.u8();
    if (!first)
        return false;
    *negative = *first & 0x40;
    quint64 value = *first & 0x3f;
    if (*first & 0x80) {
        bool ended = false;
        for (int shift = 6; shift < 56; shift += 7) {
            const auto byte = r.u8();
            if (!byte)
                return false;
            value |= quint64(*byte & 0x7f) << shift;
            if (!(*byte & 0x80)) {
                ended = true;
                break;
            }
        }
        if (!ended || value > Lib0Reader::MaxSafeInteger)
            return false;
    }
    *magnitude = value;
    if (r.pos() - start != varIntSize(value))
        *canonical = false;
    return true;
}

void writeVarInt(Lib0Writer &w, bool negative, quint64 magnitude)
{
    w.u8(quint8((magnitude > 0x3f ? 0x80 : 0) | (negative ? 0x40 : 0) | (magnitude & 0x3f)));
    magnitude >>= 6;
    while (magnitude > 0) {
        w.u8(quint8((magnitude > 0x7f ? 0x80 : 0) | (magnitude & 0x7f)));
        magnitude >>= 7;
    }
}

std::optional<quint64> readBigEndian(Lib0Reader &r, int size)
{
    const auto bytes = r.bytes(size);
    if (!bytes)
        return std::nullopt;
    quint64 value = 0;
    for (char c : *bytes)
        value = (value << 8) | quint8(c);
    return value;
}

void writeBigEndian(Lib0Writer &w, quint64 value, int size)
{
    for (int i = size - 1; i >= 0; --i)
        w.u8(quint8(value >> (8 * i)));
}

// DataView.getFloat32 as V8 does it on x86-64: a NaN is widened with its quiet bit set.
double widenFloat32(quint32 bits)
{
    if ((bits & 0x7f800000u) == 0x7f800000u && (bits & 0x007fffffu) != 0) {
        const quint64 sign = quint64(bits >> 31) << 63;
        const quint64 wide
            = sign | (quint64(0x7ff) << 52) | DoubleQuietBit | (quint64(bits & 0x007fffffu) << 29);
        double out;
        std::memcpy(&out, &wide, sizeof out);
        return out;
    }
    float f;
    std::memcpy(&f, &bits, sizeof f);
    return double(f);
}

// A float64 NaN keeps its bits: V8 quiets a signalling one in some tiers and not in others, so no
// choice matches it always; keeping them is what its optimized code does.
double fromFloat64Bits(quint64 bits)
{
    double out;
    std::memcpy(&out, &bits, sizeof out);
    return out;
}

bool isSmallInteger(double d)
{
    return std::isfinite(d) && std::trunc(d) == d && std::fabs(d) <= MaxInt31;
}

bool isFloat32(double d)
{
    if (std::isnan(d))
        return false;
    if (std::isinf(d))
        return true;
    if (std::fabs(d) > double(FLT_MAX))
        return false;
    return double(float(d)) == d;
}

void writeNumber(Lib0Writer &w, double d)
{
    if (isSmallInteger(d)) {
        w.u8(125);
        writeVarInt(w, std::signbit(d), quint64(std::fabs(d)));
    } else if (isFloat32(d)) {
        w.u8(124);
        const float f = float(d);
        quint32 bits;
        std::memcpy(&bits, &f, sizeof bits);
        writeBigEndian(w, bits, 4);
    } else {
        w.u8(123);
        quint64 bits;
        std::memcpy(&bits, &d, sizeof bits);
        writeBigEndian(w, bits, 8);
    }
}

// A canonical array index ("0", "17"; not "01" nor 2^32 - 1), which JavaScript orders first.
std::optional<quint64> arrayIndex(QByteArrayView key)
{
    if (key.isEmpty() || key.size() > 10 || (key.size() > 1 && key[0] == '0'))
        return std::nullopt;
    quint64 value = 0;
    for (char c : key) {
        if (c < '0' || c > '9')
            return std::nullopt;
        value = value * 10 + quint64(c - '0');
    }
    if (value > 4294967294u)
        return std::nullopt;
    return value;
}

std::optional<QByteArrayView> readString(Lib0Reader &r, bool *canonical)
{
    const auto length = readUintNoting(r, canonical);
    if (!length || *length > quint64(r.remaining()))
        return std::nullopt;
    const auto bytes = r.bytes(qsizetype(*length));
    if (!bytes || !isUtf8(*bytes))
        return std::nullopt;
    return bytes;
}

Canonical check(Lib0Reader &r, int depth)
{
    if (depth > MaxAnyDepth)
        return Canonical::Invalid;
    const auto tag = r.u8();
    if (!tag)
        return Canonical::Invalid;
    bool canonical = true;
    auto verdict = [&] { return canonical ? Canonical::Yes : Canonical::Rewrite; };
    switch (*tag) {
    case 127: // undefined
    case 126: // null
    case 121: // false
    case 120: // true
        return Canonical::Yes;
    case 125: {
        bool negative = false;
        quint64 magnitude = 0;
        if (!readVarInt(r, &negative, &magnitude, &canonical))
            return Canonical::Invalid;
        if (double(magnitude) > MaxInt31)
            canonical = false; // written back as a float
        return verdict();
    }
    case 124: {
        const auto bits = readBigEndian(r, 4);
        if (!bits)
            return Canonical::Invalid;
        const double d = widenFloat32(quint32(*bits));
        return isSmallInteger(d) || std::isnan(d) ? Canonical::Rewrite : Canonical::Yes;
    }
    case 123: {
        const auto bits = readBigEndian(r, 8);
        if (!bits)
            return Canonical::Invalid;
        double raw;
        std::memcpy(&raw, &*bits, sizeof raw);
        if (std::isnan(raw))
            return Canonical::Yes;
        return isSmallInteger(raw) || isFloat32(raw) ? Canonical::Rewrite : Canonical::Yes;
    }
    case 122:
        return r.bytes(8) ? Canonical::Yes : Canonical::Invalid;
    case 119:
        return readString(r, &canonical) ? verdict() : Canonical::Invalid;
    case 116: {
        const auto length = readUintNoting(r, &canonical);
        if (!length || *length > quint64(r.remaining()) || !r.bytes(qsizetype(*length)))
            return Canonical::Invalid;
        return verdict();
    }
    case 117: {
        const auto count = readUintNoting(r, &canonical);
        if (!count || *count > quint64(r.remaining()))
            return Canonical::Invalid;
        Canonical all = verdict();
        for (quint64 i = 0; i < *count; ++i) {
            all = worst(all, check(r, depth + 1));
            if (all == Canonical::Invalid)
                return all;
        }
        return all;
    }
    case 118: {
        const auto count = readUintNoting(r, &canonical);
        // Each entry takes at least two bytes (an empty key and a one-byte value).
        if (!count || *count > quint64(r.remaining()) / 2)
            return Canonical::Invalid;
        Canonical all = Canonical::Yes;
        std::vector<QByteArrayView> names;
        std::optional<quint64> lastIndex;
        bool seenName = false;
        for (quint64 i = 0; i < *count; ++i) {
            const auto key = readString(r, &canonical);
            if (!key || *key == "__proto__")
                return Canonical::Invalid;
            if (const auto index = arrayIndex(*key)) {
                // Index keys come first, ascending and once each, or JavaScript reorders them.
                if (seenName || (lastIndex && *index <= *lastIndex))
                    canonical = false;
                lastIndex = index;
            } else {
                seenName = true;
                names.push_back(*key);
            }
            all = worst(all, check(r, depth + 1));
            if (all == Canonical::Invalid)
                return all;
        }
        if (names.size() > 1) {
            std::sort(names.begin(), names.end());
            if (std::adjacent_find(names.begin(), names.end()) != names.end())
                canonical = false; // a repeated key is written once
        }
        return worst(all, verdict());
    }
    default:
        return Canonical::Invalid;
    }
}

std::optional<AnyValue> read(Lib0Reader &r, int depth)
{
    if (depth > MaxAnyDepth)
        return std::nullopt;
    const auto tag = r.u8();
    if (!tag)
        return std::nullopt;
    bool ignored = true;
    AnyValue value;
    using T = AnyValue::Type;
    switch (*tag) {
    case 127:
        value.type = T::Undefined;
        return value;
    case 126:
        value.type = T::Null;
        return value;
    case 121:
        value.type = T::False;
        return value;
    case 120:
        value.type = T::True;
        return value;
    case 125: {
        bool negative = false;
        quint64 magnitude = 0;
        if (!readVarInt(r, &negative, &magnitude, &ignored))
            return std::nullopt;
        value.type = T::Number;
        value.number = negative ? -double(magnitude) : double(magnitude);
        return value;
    }
    case 124: {
        const auto bits = readBigEndian(r, 4);
        if (!bits)
            return std::nullopt;
        value.type = T::Number;
        value.number = widenFloat32(quint32(*bits));
        return value;
    }
    case 123: {
        const auto bits = readBigEndian(r, 8);
        if (!bits)
            return std::nullopt;
        value.type = T::Number;
        value.number = fromFloat64Bits(*bits);
        return value;
    }
    case 122: {
        const auto bits = readBigEndian(r, 8);
        if (!bits)
            return std::nullopt;
        value.type = T::BigInt;
        value.bigint = qint64(*bits);
        return value;
    }
    case 119: {
        const auto s = readString(r, &ignored);
        if (!s)
            return std::nullopt;
        value.type = T::String;
        value.bytes = *s;
        return value;
    }
    case 116: {
        const auto bytes = r.varBytes();
        if (!bytes)
            return std::nullopt;
        value.type = T::Bytes;
        value.bytes = *bytes;
        return value;
    }
    case 117: {
        const auto count = r.varUint();
        if (!count || *count > quint64(r.remaining()))
            return std::nullopt;
        value.type = T::Array;
        for (quint64 i = 0; i < *count; ++i) {
            auto item = read(r, depth + 1);
            if (!item)
                return std::nullopt;
            value.items.push_back(std::move(*item));
        }
        return value;
    }
    case 118: {
        const auto count = r.varUint();
        if (!count || *count > quint64(r.remaining()) / 2)
            return std::nullopt;
        value.type = T::Object;
        // obj[key] = value in insertion order; then JavaScript's own-key order.
        std::vector<std::pair<QByteArrayView, std::size_t>> order; // key, index into items
        QHash<QByteArrayView, std::size_t> position;
        for (quint64 i = 0; i < *count; ++i) {
            const auto key = readString(r, &ignored);
            if (!key || *key == "__proto__")
                return std::nullopt;
            auto item = read(r, depth + 1);
            if (!item)
                return std::nullopt;
            const auto found = position.constFind(*key);
            if (found != position.constEnd()) {
                value.items[*found] = std::move(*item);
            } else {
                position.insert(*key, value.items.size());
                order.emplace_back(*key, value.items.size());
                value.items.push_back(std::move(*item));
            }
        }
        std::stable_sort(order.begin(), order.end(), [](const auto &a, const auto &b) {
            const auto ia = arrayIndex(a.first);
            const auto ib = arrayIndex(b.first);
            if (ia && ib)
                return *ia < *ib;
            return ia.has_value() && !ib.has_value();
        });
        std::vector<AnyValue> items;
        items.reserve(order.size());
        for (const auto &[key, index] : order) {
            value.keys.push_back(key);
            items.push_back(std::move(value.items[index]));
        }
        value.items = std::move(items);
        return value;
    }
    default:
        return std::nullopt;
    }
}

} // namespace

bool AnyValue::truthy() const
{
    switch (type) {
    case Type::Undefined:
    case Type::Null:
    case Type::False:
        return false;
    case Type::Number:
        return !(number == 0 || std::isnan(number));
    case Type::BigInt:
        return bigint != 0;
    case Type::String:
        return !bytes.isEmpty();
    default:
        return true;
    }
}

std::optional<quint64> readUintNoting(Lib0Reader &reader, bool *canonical)
{
    const qsizetype start = reader.pos();
    const auto value = reader.varUint();
    if (value && reader.pos() - start != varUintSize(*value))
        *canonical = false;
    return value;
}

Canonical checkAny(Lib0Reader &reader)
{
    return check(reader, 0);
}

std::optional<AnyValue> readAnyValue(Lib0Reader &reader)
{
    return read(reader, 0);
}

void writeAnyValue(Lib0Writer &w, const AnyValue &value)
{
    using T = AnyValue::Type;
    switch (value.type) {
    case T::Undefined:
        w.u8(127);
        break;
    case T::Null:
        w.u8(126);
        break;
    case T::False:
        w.u8(121);
        break;
    case T::True:
        w.u8(120);
        break;
    case T::Number:
        writeNumber(w, value.number);
        break;
    case T::BigInt:
        w.u8(122);
        writeBigEndian(w, quint64(value.bigint), 8);
        break;
    case T::String:
        w.u8(119);
        w.varString(value.bytes);
        break;
    case T::Bytes:
        w.u8(116);
        w.varBytes(value.bytes);
        break;
    case T::Array:
        w.u8(117);
        w.varUint(value.items.size());
        for (const AnyValue &item : value.items)
            writeAnyValue(w, item);
        break;
    case T::Object:
        w.u8(118);
        w.varUint(value.keys.size());
        for (std::size_t i = 0; i < value.keys.size(); ++i) {
            w.varString(value.keys[i]);
            writeAnyValue(w, value.items[i]);
        }
        break;
    }
}

} // namespace canopy::yjs
