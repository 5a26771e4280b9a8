#include "auth/Base64Url.h"

#include <array>

namespace canopy::auth {

namespace {

constexpr std::array<qint8, 256> makeDecodeTable()
{
    std::array<qint8, 256> table {};
    for (auto &entry : table)
        entry = -1;
    const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    for (int i = 0; i < 64; ++i)
        table[static_cast<unsigned char>(alphabet[i])] = static_cast<qint8>(i);
    return table;
}

constexpr std::array<qint8, 256> DecodeTable = makeDecodeTable();

} // namespace

std::optional<QByteArray> decodeBase64UrlStrict(QByteArrayView text)
{
    const qsizetype length = text.size();
    // A single leftover character carries only 6 bits: never a whole byte.
    if (length % 4 == 1)
        return std::nullopt;
    QByteArray out;
    out.reserve(length / 4 * 3 + 2);
    quint32 accumulator = 0;
    int bits = 0;
    for (qsizetype i = 0; i < length; ++i) {
        const qint8 value = DecodeTable[static_cast<unsigned char>(text[i])];
        if (value < 0)
            return std::nullopt;
        accumulator = (accumulator << 6) | quint32(value);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out.append(char((accumulator >> bits) & 0xff));
        }
    }
    // Leftover bits must be zero: otherwise several strings would decode to the same bytes.
    if (bits > 0 && (accumulator & ((1u << bits) - 1)) != 0)
        return std::nullopt;
    return out;
}

QByteArray encodeBase64Url(QByteArrayView bytes)
{
    return bytes.toByteArray().toBase64(
        QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals);
}

} // namespace canopy::auth
