#include "auth/KeyCodec.h"

#include "auth/EcCurves.h"
#include "auth/OpenSslPtr.h"

#include <array>
#include <optional>

namespace canopy::auth {

namespace {

constexpr char Base58Alphabet[] = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

// Decoding is quadratic in the length; keys need under 100 characters, so a generous cap keeps
// hostile documents from burning CPU.
constexpr qsizetype MaxBase58Chars = 1024;

constexpr std::array<qint8, 128> makeBase58Table()
{
    std::array<qint8, 128> table {};
    for (auto &entry : table)
        entry = -1;
    for (int i = 0; i < 58; ++i)
        table[static_cast<unsigned char>(Base58Alphabet[i])] = static_cast<qint8>(i);
    return table;
}

constexpr std::array<qint8, 128> Base58Table = makeBase58Table();

constexpr unsigned char Secp256k1Codec[] = {0xe7, 0x01};
constexpr unsigned char P256Codec[] = {0x80, 0x24};

KeyError keyError(QString message)
{
    return KeyError {std::move(message)};
}

QString hexByte(unsigned value)
{
    return QStringLiteral("0x%1").arg(value, 2, 16, QLatin1Char('0'));
}

QString multicodecName(quint64 code)
{
    switch (code) {
    case 0xe7:
        return QStringLiteral("secp256k1");
    case 0xed:
        return QStringLiteral("ed25519");
    case 0xec:
        return QStringLiteral("x25519");
    case 0x1200:
        return QStringLiteral("P-256");
    case 0x1201:
        return QStringLiteral("P-384");
    case 0x1202:
        return QStringLiteral("P-521");
    case 0x1205:
        return QStringLiteral("RSA");
    default:
        return {};
    }
}

// An unsigned LEB128 varint of at most 9 bytes (multiformats limit); nullopt when truncated.
std::optional<quint64> readVarint(QByteArrayView bytes, qsizetype &used)
{
    quint64 value = 0;
    for (qsizetype i = 0; i < bytes.size() && i < 9; ++i) {
        const auto byte = static_cast<unsigned char>(bytes[i]);
        value |= quint64(byte & 0x7f) << (7 * i);
        if ((byte & 0x80) == 0) {
            used = i + 1;
            return value;
        }
    }
    return std::nullopt;
}

QString curveName(Curve curve)
{
    return QString::fromLatin1(ecCurveInfo(curve).displayName);
}

// Parses `point` on `curve` and writes it back in the requested form. Checks the encoding and
// that the point lies on the curve (EC_POINT_oct2point does both).
std::optional<QByteArray> convertPoint(
    Curve curve, QByteArrayView point, point_conversion_form_t form)
{
    const EC_GROUP *group = ecGroup(curve);
    if (!group)
        return std::nullopt;
    EcPointPtr ecPoint(EC_POINT_new(group));
    if (!ecPoint
        || EC_POINT_oct2point(group, ecPoint.get(),
               reinterpret_cast<const unsigned char *>(point.data()), size_t(point.size()), nullptr)
            != 1
        || EC_POINT_is_at_infinity(group, ecPoint.get())) {
        ERR_clear_error();
        return std::nullopt;
    }
    const qsizetype size = form == POINT_CONVERSION_COMPRESSED ? 33 : 65;
    QByteArray out(size, Qt::Uninitialized);
    if (EC_POINT_point2oct(group, ecPoint.get(), form,
            reinterpret_cast<unsigned char *>(out.data()), size_t(out.size()), nullptr)
        != size_t(size)) {
        ERR_clear_error();
        return std::nullopt;
    }
    return out;
}

} // namespace

KeyExpected<QByteArray> decodeBase58btc(QStringView text)
{
    if (text.size() > MaxBase58Chars)
        return unexpected(
            keyError(QStringLiteral("base58btc text too long (%1 characters)").arg(text.size())));
    qsizetype zeros = 0;
    while (zeros < text.size() && text[zeros] == u'1')
        ++zeros;
    // log(58) / log(256) < 0.733: enough room for the big-endian number.
    QByteArray number(text.size() * 733 / 1000 + 1, '\0');
    qsizetype used = 0; // significant bytes at the end of `number`
    for (qsizetype i = zeros; i < text.size(); ++i) {
        const char16_t c = text[i].unicode();
        const qint8 digit = c < 128 ? Base58Table[c] : qint8(-1);
        if (digit < 0) {
            return unexpected(keyError(QStringLiteral("invalid base58btc character '%1' at %2")
                                           .arg(QString(text[i]), QString::number(i))));
        }
        quint32 carry = quint32(digit);
        qsizetype j = 0;
        for (qsizetype k = number.size() - 1; k >= 0 && (carry != 0 || j < used); --k, ++j) {
            carry += 58u * static_cast<unsigned char>(number[k]);
            number[k] = char(carry & 0xff);
            carry >>= 8;
        }
        used = j;
    }
    QByteArray out(zeros, '\0');
    out.append(QByteArrayView(number).last(used));
    return out;
}

QString encodeBase58btc(QByteArrayView bytes)
{
    qsizetype zeros = 0;
    while (zeros < bytes.size() && bytes[zeros] == '\0')
        ++zeros;
    // log(256) / log(58) < 1.366.
    QByteArray digits(bytes.size() * 138 / 100 + 1, '\0');
    qsizetype used = 0;
    for (qsizetype i = zeros; i < bytes.size(); ++i) {
        quint32 carry = static_cast<unsigned char>(bytes[i]);
        qsizetype j = 0;
        for (qsizetype k = digits.size() - 1; k >= 0 && (carry != 0 || j < used); --k, ++j) {
            carry += 256u * static_cast<unsigned char>(digits[k]);
            digits[k] = char(carry % 58);
            carry /= 58;
        }
        used = j;
    }
    QString out(zeros, QLatin1Char('1'));
    out.reserve(zeros + used);
    for (qsizetype k = digits.size() - used; k < digits.size(); ++k)
        out.append(QLatin1Char(Base58Alphabet[static_cast<unsigned char>(digits[k])]));
    return out;
}

KeyExpected<QByteArray> decodeMultibase(QStringView text)
{
    if (text.isEmpty())
        return unexpected(keyError(QStringLiteral("empty multibase value")));
    if (text.front() != u'z') {
        return unexpected(
            keyError(QStringLiteral("unsupported multibase prefix '%1' (only 'z', base58btc)")
                         .arg(text.front())));
    }
    return decodeBase58btc(text.mid(1));
}

KeyExpected<PublicKey> publicKeyFromPoint(Curve curve, QByteArrayView point)
{
    const bool compressed = point.size() == 33;
    const bool uncompressed = point.size() == 65;
    if (!compressed && !uncompressed) {
        return unexpected(keyError(
            QStringLiteral("expected a 33-byte compressed or 65-byte uncompressed %1 point, got %2 "
                           "bytes")
                .arg(curveName(curve), QString::number(point.size()))));
    }
    const auto prefix = static_cast<unsigned char>(point[0]);
    if ((compressed && prefix != 0x02 && prefix != 0x03) || (uncompressed && prefix != 0x04)) {
        return unexpected(keyError(QStringLiteral("bad %1-byte point prefix %2")
                                       .arg(QString::number(point.size()), hexByte(prefix))));
    }
    const std::optional<QByteArray> out = convertPoint(curve, point, POINT_CONVERSION_COMPRESSED);
    if (!out)
        return unexpected(keyError(QStringLiteral("not a point on %1").arg(curveName(curve))));
    return PublicKey {curve, *out};
}

QByteArray uncompressedPoint(const PublicKey &key)
{
    if (key.compressed.size() != 33)
        return {};
    return convertPoint(key.curve, key.compressed, POINT_CONVERSION_UNCOMPRESSED)
        .value_or(QByteArray());
}

KeyExpected<PublicKey> parseMultikey(QStringView publicKeyMultibase)
{
    KeyExpected<QByteArray> decoded = decodeMultibase(publicKeyMultibase);
    if (!decoded)
        return unexpected(decoded.error());
    const QByteArrayView bytes(*decoded);
    qsizetype used = 0;
    const std::optional<quint64> code = readVarint(bytes, used);
    if (!code)
        return unexpected(keyError(QStringLiteral("truncated multicodec prefix")));
    Curve curve;
    if (*code == 0xe7) {
        curve = Curve::Secp256k1;
    } else if (*code == 0x1200) {
        curve = Curve::P256;
    } else {
        const QString name = multicodecName(*code);
        QString message = QStringLiteral("unsupported multicodec 0x%1").arg(*code, 0, 16);
        if (!name.isEmpty())
            message += QStringLiteral(" (") + name + QLatin1Char(')');
        return unexpected(keyError(message));
    }
    // Only the minimal (canonical) varint encodings are accepted.
    const QByteArrayView expected = curve == Curve::Secp256k1
        ? QByteArrayView(Secp256k1Codec, sizeof Secp256k1Codec)
        : QByteArrayView(P256Codec, sizeof P256Codec);
    if (bytes.first(used) != expected)
        return unexpected(keyError(QStringLiteral("non-canonical multicodec varint")));
    const QByteArrayView point = bytes.sliced(used);
    if (point.size() != 33) {
        return unexpected(keyError(
            QStringLiteral("expected a 33-byte compressed %1 point after the multicodec, got %2 "
                           "bytes%3")
                .arg(curveName(curve), QString::number(point.size()),
                    point.size() == 65 ? QStringLiteral(" (uncompressed)") : QString())));
    }
    return publicKeyFromPoint(curve, point);
}

QString formatMultikey(const PublicKey &key)
{
    QByteArray bytes = key.curve == Curve::Secp256k1
        ? QByteArray(reinterpret_cast<const char *>(Secp256k1Codec), sizeof Secp256k1Codec)
        : QByteArray(reinterpret_cast<const char *>(P256Codec), sizeof P256Codec);
    bytes.append(key.compressed);
    return QLatin1Char('z') + encodeBase58btc(bytes);
}

KeyExpected<PublicKey> parseDidKey(QStringView didKey)
{
    const QLatin1String prefix("did:key:");
    if (!didKey.startsWith(prefix))
        return unexpected(keyError(QStringLiteral("not a did:key")));
    return parseMultikey(didKey.sliced(prefix.size()));
}

QString formatDidKey(const PublicKey &key)
{
    return QStringLiteral("did:key:") + formatMultikey(key);
}

KeyExpected<PublicKey> parseLegacyKey(QStringView type, QStringView publicKeyMultibase)
{
    Curve curve;
    if (type == u"EcdsaSecp256k1VerificationKey2019") {
        curve = Curve::Secp256k1;
    } else if (type == u"EcdsaSecp256r1VerificationKey2019") {
        curve = Curve::P256;
    } else {
        return unexpected(
            keyError(QStringLiteral("unsupported verification method type ") + type.toString()));
    }
    KeyExpected<QByteArray> decoded = decodeMultibase(publicKeyMultibase);
    if (!decoded)
        return unexpected(decoded.error());
    const QByteArray &bytes = *decoded;
    if (bytes.size() == 35
        && (bytes.startsWith(QByteArrayView(Secp256k1Codec, sizeof Secp256k1Codec))
            || bytes.startsWith(QByteArrayView(P256Codec, sizeof P256Codec)))) {
        return unexpected(keyError(QStringLiteral("legacy key value carries a multicodec prefix; "
                                                  "expected the raw 33- or 65-byte point")));
    }
    return publicKeyFromPoint(curve, bytes);
}

} // namespace canopy::auth
