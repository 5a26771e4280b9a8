#pragma once

#include <QByteArray>
#include <QString>

namespace canopy::auth {

enum class Curve
{
    Secp256k1,
    P256
};

// An atproto signing key: a curve and its 33-byte compressed point (already validated on the
// curve).
struct PublicKey
{
    Curve curve = Curve::Secp256k1;
    QByteArray compressed; // 33 bytes, 0x02/0x03 prefix

    QString jwtAlg() const
    {
        return curve == Curve::Secp256k1 ? QStringLiteral("ES256K") : QStringLiteral("ES256");
    }
    bool operator==(const PublicKey &other) const = default;
};

} // namespace canopy::auth
