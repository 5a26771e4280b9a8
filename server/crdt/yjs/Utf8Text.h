#pragma once

#include <optional>

#include <QByteArray>
#include <QByteArrayView>

namespace canopy::yjs {

// Yjs measures strings in UTF-16 code units (JavaScript's String.length) and lib0 decodes them with
// a fatal TextDecoder: these helpers give the same answers on UTF-8 bytes.

// The UTF-16 length of strict UTF-8 (no overlong forms, surrogates or code points past U+10FFFF),
// or nullopt when the bytes are not UTF-8.
std::optional<quint64> utf16Length(QByteArrayView utf8);
inline bool isUtf8(QByteArrayView utf8)
{
    return utf16Length(utf8).has_value();
}

// The UTF-8 of `str.slice(offset)` as TextEncoder writes it: when offset falls between the two
// halves of a surrogate pair, the lone low half becomes U+FFFD (what ContentString.splice does
// too). `utf8` must be valid; offset is clamped to the string.
QByteArray utf16Tail(QByteArrayView utf8, quint64 offset);

} // namespace canopy::yjs
