#pragma once

#include "auth/PublicKey.h"
#include "util/Expected.h"

#include <optional>

#include <QByteArray>
#include <QString>
#include <QStringList>

namespace canopy::auth {

// The reference verifier's error names (@atproto/xrpc-server), all HTTP 401.
enum class JwtErrorName
{
    MissingJwt,
    BadJwt,
    BadJwtType,
    JwtExpired,
    BadJwtAudience,
    BadJwtLexiconMethod,
    BadJwtIss,
    BadJwtSignature,
};

struct JwtError
{
    JwtErrorName name = JwtErrorName::BadJwt;
    QString message;
    QString nameString() const; // "BadJwt", ...
};

struct JwtPolicy
{
    QStringList audiences; // accepted aud values, exact match
    QString lxm; // required lexicon method, exact match
    int expLeewaySeconds = 30; // now may pass exp by this much
    int maxFutureIatSeconds = 300; // 0 disables: iat further ahead -> BadJwt
    int maxLifetimeSeconds
        = 3600; // 0 disables: exp - iat (or exp - now without iat) longer -> BadJwt
};

// A service JWT that passed every check that needs no key.
struct Jwt
{
    QByteArray signingInput; // "header.payload" exactly as received
    QByteArray signature; // base64url-decoded third segment (any length)
    QString alg;
    QString typ;
    QString iss; // as sent, fragment included
    QString issDid; // iss without "#fragment", in its canonical spelling (util/Did.h)
    QString keyId; // "atproto_label" for "#atproto_labeler", else "atproto"
    QString aud;
    double exp = 0;
    std::optional<double> iat;
    QString lxm;
    QString jti;
};

enum class SignatureCheck
{
    Valid,
    Invalid, // well-formed, does not verify with this key: worth one refresh of the key
    CurveMismatch, // alg names the other curve than the key: worth one refresh of the key
    Unusable, // can never verify: alg not ES256K/ES256, not 64 bytes (DER), r/s out of range,
              // high-S
};

class JwtVerifier final
{
public:
    static constexpr qsizetype MaxTokenBytes = 8 * 1024;

    // Checks 1-8 of the reference order (atproto-auth.md 2.1): segments, header JSON with string
    // alg, typ blacklist, claims, expiry, audience, lexicon method, iss syntax; then Canopy's own
    // (as BadJwt): strict base64url, alg ES256K/ES256 only, iat too far ahead, lifetime too long.
    static Expected<Jwt, JwtError> parse(
        QByteArrayView token, const JwtPolicy &policy, qint64 nowMs);

    // ECDSA over SHA-256(signingInput), 64-byte compact r||s, low-S required (stricter than the
    // reference, which accepts high-S and DER).
    static SignatureCheck verifySignature(const Jwt &jwt, const PublicKey &key);
};

} // namespace canopy::auth
