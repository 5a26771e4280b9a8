#pragma once

#include <cstdint>
#include <optional>

#include <QByteArrayView>

namespace canopy::loro {

// A bounds-checked cursor over untrusted bytes. Every read either succeeds completely or
// returns nullopt; callers stop at the first failure, so the position after one is unspecified.
class ByteReader
{
public:
    // base is added to pos() so error messages can name offsets in the enclosing blob.
    explicit ByteReader(QByteArrayView data, qsizetype base = 0)
        : m_data(data)
        , m_base(base)
    {
    }

    qsizetype pos() const { return m_base + m_pos; }
    qsizetype remaining() const { return m_data.size() - m_pos; }
    bool atEnd() const { return m_pos >= m_data.size(); }
    QByteArrayView rest() const { return m_data.sliced(m_pos); }
    // What was read since `from` (a pos() taken earlier).
    QByteArrayView sliceFrom(qsizetype from) const
    {
        return m_data.sliced(from - m_base, m_pos - (from - m_base));
    }

    std::optional<quint8> u8()
    {
        if (remaining() < 1)
            return std::nullopt;
        return quint8(m_data[m_pos++]);
    }

    std::optional<quint16> u16le()
    {
        const auto b = bytes(2);
        if (!b)
            return std::nullopt;
        return quint16(byteAt(*b, 0) | byteAt(*b, 1) << 8);
    }

    std::optional<quint32> u32le()
    {
        const auto b = bytes(4);
        if (!b)
            return std::nullopt;
        return quint32(byteAt(*b, 0)) | quint32(byteAt(*b, 1)) << 8 | quint32(byteAt(*b, 2)) << 16
            | quint32(byteAt(*b, 3)) << 24;
    }

    std::optional<quint64> u64le()
    {
        const auto lo = u32le();
        const auto hi = lo ? u32le() : std::nullopt;
        if (!hi)
            return std::nullopt;
        return quint64(*lo) | quint64(*hi) << 32;
    }

    // Unsigned LEB128 of at most 10 bytes; rejects values that do not fit in 64 bits.
    std::optional<quint64> leb()
    {
        quint64 value = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            const auto byte = u8();
            if (!byte || (shift == 63 && *byte > 1))
                return std::nullopt;
            value |= quint64(*byte & 0x7f) << shift;
            if (!(*byte & 0x80))
                return value;
        }
        return std::nullopt;
    }

    // Postcard u32: a LEB128 whose value fits in 32 bits.
    std::optional<quint32> leb32()
    {
        const auto v = leb();
        if (!v || *v > UINT32_MAX)
            return std::nullopt;
        return quint32(*v);
    }

    // loro-protocol's varUint: a LEB128 of at most 5 bytes whose value fits in 32 bits (the
    // JS reader's range); longer encodings are refused.
    std::optional<quint32> varUint32()
    {
        quint64 value = 0;
        for (int i = 0; i < 5; ++i) {
            const auto byte = u8();
            if (!byte)
                return std::nullopt;
            value |= quint64(*byte & 0x7f) << (7 * i);
            if (!(*byte & 0x80))
                return value <= UINT32_MAX ? std::optional<quint32>(quint32(value)) : std::nullopt;
        }
        return std::nullopt;
    }

    // A loro-protocol varBytes: varUint32 length, then that many bytes.
    std::optional<QByteArrayView> varBytes32()
    {
        const auto n = varUint32();
        return n ? bytes(qsizetype(*n)) : std::nullopt;
    }

    std::optional<QByteArrayView> bytes(qsizetype n)
    {
        if (n < 0 || n > remaining())
            return std::nullopt;
        const QByteArrayView out = m_data.sliced(m_pos, n);
        m_pos += n;
        return out;
    }

    // A postcard byte string: LEB length, then that many bytes (the length is checked first).
    std::optional<QByteArrayView> lebBytes()
    {
        const auto n = leb();
        if (!n || *n > quint64(remaining()))
            return std::nullopt;
        return bytes(qsizetype(*n));
    }

private:
    static quint32 byteAt(QByteArrayView b, qsizetype i) { return quint8(b[i]); }

    QByteArrayView m_data;
    qsizetype m_base = 0;
    qsizetype m_pos = 0;
};

} // namespace canopy::loro
