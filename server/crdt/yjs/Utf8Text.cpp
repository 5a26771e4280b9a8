#include "crdt/yjs/Utf8Text.h"

namespace canopy::yjs {

namespace {

// The length of the UTF-8 sequence starting at `at` and its UTF-16 width, or 0 when invalid
// (WHATWG's decoder: the second byte's range depends on the first).
int sequenceLength(QByteArrayView s, qsizetype at, int *units)
{
    const quint8 b0 = quint8(s[at]);
    const qsizetype left = s.size() - at;
    auto cont = [&](qsizetype i, quint8 low, quint8 high) {
        const quint8 b = quint8(s[at + i]);
        return b >= low && b <= high;
    };
    if (b0 < 0x80) {
        *units = 1;
        return 1;
    }
    if (b0 >= 0xc2 && b0 <= 0xdf) {
        *units = 1;
        return left >= 2 && cont(1, 0x80, 0xbf) ? 2 : 0;
    }
    if (b0 >= 0xe0 && b0 <= 0xef) {
        const quint8 low = b0 == 0xe0 ? 0xa0 : 0x80;
        const quint8 high = b0 == 0xed ? 0x9f : 0xbf; // ED A0..BF would be a surrogate
        *units = 1;
        return left >= 3 && cont(1, low, high) && cont(2, 0x80, 0xbf) ? 3 : 0;
    }
    if (b0 >= 0xf0 && b0 <= 0xf4) {
        const quint8 low = b0 == 0xf0 ? 0x90 : 0x80;
        const quint8 high = b0 == 0xf4 ? 0x8f : 0xbf;
        *units = 2;
        return left >= 4 && cont(1, low, high) && cont(2, 0x80, 0xbf) && cont(3, 0x80, 0xbf) ? 4
                                                                                             : 0;
    }
    return 0;
}

} // namespace

std::optional<quint64> utf16Length(QByteArrayView utf8)
{
    quint64 units = 0;
    qsizetype at = 0;
    const qsizetype size = utf8.size();
    while (at < size) {
        // ASCII runs are the common case: no table, no branches per byte beyond the test.
        if (quint8(utf8[at]) < 0x80) {
            ++units;
            ++at;
            continue;
        }
        int width = 0;
        const int length = sequenceLength(utf8, at, &width);
        if (length == 0)
            return std::nullopt;
        units += quint64(width);
        at += length;
    }
    return units;
}

QByteArray utf16Tail(QByteArrayView utf8, quint64 offset)
{
    quint64 units = 0;
    qsizetype at = 0;
    while (at < utf8.size() && units < offset) {
        int width = 1;
        int length = sequenceLength(utf8, at, &width);
        if (length == 0)
            length = 1; // not reached for valid input; keeps the walk finite otherwise
        if (width == 2 && units + 1 == offset) {
            // The cut falls inside a surrogate pair: the right half starts with a lone low
            // surrogate, which TextEncoder writes as U+FFFD.
            QByteArray out("\xef\xbf\xbd");
            out.append(utf8.sliced(at + length));
            return out;
        }
        units += quint64(width);
        at += length;
    }
    return utf8.sliced(at).toByteArray();
}

} // namespace canopy::yjs
