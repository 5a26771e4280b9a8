#pragma once

#include "auth/PublicKey.h"
#include "util/Expected.h"

#include <QStringView>

namespace canopy::auth {

struct KeyError
{
    QString message; // says what is wrong, e.g. "unsupported multicodec 0xed (ed25519)"
};

template <typename T> using KeyExpected = Expected<T, KeyError>;

// base58btc (Bitcoin alphabet). Leading '1's are zero bytes.
KeyExpected<QByteArray> decodeBase58btc(QStringView text);
QString encodeBase58btc(QByteArrayView bytes);

// Multibase: only 'z' (base58btc) is accepted for keys.
KeyExpected<QByteArray> decodeMultibase(QStringView text);

// A point given compressed (33 bytes) or uncompressed (65 bytes, 0x04 prefix) on `curve`,
// checked to lie on the curve, returned compressed.
KeyExpected<PublicKey> publicKeyFromPoint(Curve curve, QByteArrayView point);
// The 65-byte uncompressed form of a key (decompression via OpenSSL).
QByteArray uncompressedPoint(const PublicKey &key);

// Multikey publicKeyMultibase: 'z' + base58btc(multicodec varint + 33-byte compressed point);
// secp256k1 = e7 01, P-256 = 80 24.
KeyExpected<PublicKey> parseMultikey(QStringView publicKeyMultibase);
QString formatMultikey(const PublicKey &key);

// did:key:<multikey>
KeyExpected<PublicKey> parseDidKey(QStringView didKey);
QString formatDidKey(const PublicKey &key);

// Legacy verification method types EcdsaSecp256k1VerificationKey2019 /
// EcdsaSecp256r1VerificationKey2019: multibase of the raw point (33 or 65 bytes, no multicodec).
KeyExpected<PublicKey> parseLegacyKey(QStringView type, QStringView publicKeyMultibase);

} // namespace canopy::auth
