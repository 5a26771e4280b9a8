#pragma once

#include <optional>

#include <QByteArray>
#include <QByteArrayView>

namespace canopy::yjs {

// A bounds-checked cursor over untrusted lib0-encoded bytes (Yjs updates, state vectors,
// y-protocols and Hocuspocus frames). Every read either succeeds completely or returns nullopt;
// callers stop at the first failure.
class Lib0Reader
{
public:
    // The largest integer lib0 writes (JavaScript's Number.MAX_SAFE_INTEGER).
    static constexpr quint64 MaxSafeInteger = (quint64(1) << 53) - 1;

    explicit Lib0Reader(QByteArrayView data)
        : m_data(data)
    {
    }

    qsizetype pos() const { return m_pos; }
    qsizetype remaining() const { return m_data.size() - m_pos; }
    bool atEnd() const { return m_pos >= m_data.size(); }
    QByteArrayView rest() const { return m_data.sliced(m_pos); }
    // What was read since `from` (a pos() taken earlier).
    QByteArrayView sliceFrom(qsizetype from) const { return m_data.sliced(from, m_pos - from); }

    std::optional<quint8> u8()
    {
        if (remaining() < 1)
            return std::nullopt;
        return quint8(m_data[m_pos++]);
    }

    // varUint: 7 bits per byte, low group first. Refuses values past 2^53 - 1 (lib0 cannot
    // write them) and encodings longer than 8 bytes.
    std::optional<quint64> varUint()
    {
        quint64 value = 0;
        for (int shift = 0; shift < 56; shift += 7) {
            const auto byte = u8();
            if (!byte)
                return std::nullopt;
            value |= quint64(*byte & 0x7f) << shift;
            if (!(*byte & 0x80))
                return value <= MaxSafeInteger ? std::optional<quint64>(value) : std::nullopt;
        }
        return std::nullopt;
    }

    // varInt: sign-magnitude; the first byte holds the sign (0x40) and 6 bits.
    std::optional<qint64> varInt()
    {
        const auto first = u8();
        if (!first)
            return std::nullopt;
        quint64 magnitude = *first & 0x3f;
        const bool negative = *first & 0x40;
        if (*first & 0x80) {
            for (int shift = 6; shift < 56; shift += 7) {
                const auto byte = u8();
                if (!byte)
                    return std::nullopt;
                magnitude |= quint64(*byte & 0x7f) << shift;
                if (!(*byte & 0x80)) {
                    if (magnitude > MaxSafeInteger)
                        return std::nullopt;
                    return negative ? -qint64(magnitude) : qint64(magnitude);
                }
            }
            return std::nullopt;
        }
        return negative ? -qint64(magnitude) : qint64(magnitude);
    }

    std::optional<QByteArrayView> bytes(qsizetype count)
    {
        if (count < 0 || remaining() < count)
            return std::nullopt;
        const QByteArrayView out = m_data.sliced(m_pos, count);
        m_pos += count;
        return out;
    }

    // varUint8Array: varUint length + bytes.
    std::optional<QByteArrayView> varBytes()
    {
        const auto length = varUint();
        if (!length || *length > quint64(remaining()))
            return std::nullopt;
        return bytes(qsizetype(*length));
    }

    // varString: the UTF-8 bytes as written (not validated here).
    std::optional<QByteArrayView> varString() { return varBytes(); }

private:
    QByteArrayView m_data;
    qsizetype m_pos = 0;
};

} // namespace canopy::yjs
