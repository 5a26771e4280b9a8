#include "auth/Jwt.h"

#include "auth/AtprotoDid.h"
#include "auth/Base64Url.h"
#include "auth/EcCurves.h"
#include "auth/OpenSslPtr.h"
#include "auth/Secp256k1Verifier.h"
#include "util/Did.h"

#include <cmath>
#include <cstring>
#include <openssl/core_names.h>
#include <openssl/params.h>
#include <vector>

#include <QJsonDocument>
#include <QJsonObject>
#include <QJsonParseError>
#include <QJsonValue>

namespace canopy::auth {

namespace {

JwtError jwtError(JwtErrorName name, QString message)
{
    return JwtError {name, std::move(message)};
}

JwtError poorlyFormatted()
{
    return jwtError(JwtErrorName::BadJwt, QStringLiteral("poorly formatted jwt"));
}

// A JSON object from a strict base64url segment, or nothing.
std::optional<QJsonObject> decodeJsonSegment(QByteArrayView segment)
{
    const std::optional<QByteArray> bytes = decodeBase64UrlStrict(segment);
    if (!bytes)
        return std::nullopt;
    QJsonParseError error {};
    const QJsonDocument document = QJsonDocument::fromJson(*bytes, &error);
    if (error.error != QJsonParseError::NoError || !document.isObject())
        return std::nullopt;
    return document.object();
}

bool isFiniteNumber(const QJsonValue &value)
{
    return value.isDouble() && std::isfinite(value.toDouble());
}

// iss is a DID, or a DID URL with exactly one '#' and a non-empty fragment (reference step 8).
bool isValidIss(const QString &iss, QString &did, QString &fragment)
{
    const qsizetype hash = iss.indexOf(QLatin1Char('#'));
    if (hash < 0) {
        did = iss;
        fragment.clear();
    } else {
        did = iss.first(hash);
        fragment = iss.sliced(hash + 1);
        if (fragment.isEmpty() || fragment.contains(QLatin1Char('#')))
            return false;
    }
    if (!isValidAtprotoDid(did))
        return false;
    // One DID, one spelling: did:plc:%61bc is did:plc:abc to the limits, bans, resolver and token.
    auto canonical = Did::canonical(did);
    if (!canonical)
        return false;
    did = *canonical;
    return true;
}

std::optional<Curve> curveForAlg(const QString &alg)
{
    if (alg == QLatin1String("ES256K"))
        return Curve::Secp256k1;
    if (alg == QLatin1String("ES256"))
        return Curve::P256;
    return std::nullopt;
}

int compare32(const unsigned char *a, const std::array<std::uint8_t, 32> &b)
{
    return std::memcmp(a, b.data(), 32);
}

bool isZero32(const unsigned char *a)
{
    unsigned char any = 0;
    for (int i = 0; i < 32; ++i)
        any |= a[i];
    return any == 0;
}

EvpPkeyPtr makePublicPkey(const PublicKey &key)
{
    const EcCurveInfo &info = ecCurveInfo(key.curve);
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(
            OSSL_PKEY_PARAM_GROUP_NAME, const_cast<char *>(info.groupName), 0),
        OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY,
            const_cast<char *>(key.compressed.constData()), size_t(key.compressed.size())),
        OSSL_PARAM_construct_end(),
    };
    EvpPkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr));
    EVP_PKEY *raw = nullptr;
    if (!ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1
        || EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_PUBLIC_KEY, params) != 1) {
        ERR_clear_error();
        return nullptr;
    }
    return EvpPkeyPtr(raw);
}

// A verification context for `key`, ready for EVP_PKEY_verify (which may be called repeatedly
// with the same parameters). Building one decompresses the point (a modular square root) and walks
// the provider tables, about as costly as a P-256 verification itself. Tokens come from few
// issuers, so each thread keeps its last few: thread-local, so no locking and no OpenSSL object is
// shared between threads.
EVP_PKEY_CTX *cachedVerifyContext(const PublicKey &key)
{
    struct Entry
    {
        Curve curve;
        QByteArray compressed;
        EvpPkeyPtr pkey;
        EvpPkeyCtxPtr ctx;
    };
    constexpr std::size_t Capacity = 16;
    thread_local std::vector<Entry> cache;
    for (const Entry &entry : cache) {
        if (entry.curve == key.curve && entry.compressed == key.compressed)
            return entry.ctx.get();
    }
    EvpPkeyPtr pkey = makePublicPkey(key);
    if (!pkey)
        return nullptr;
    EvpPkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, pkey.get(), nullptr));
    if (!ctx || EVP_PKEY_verify_init(ctx.get()) != 1) {
        ERR_clear_error();
        return nullptr;
    }
    if (cache.size() >= Capacity)
        cache.erase(cache.begin());
    cache.push_back(Entry {key.curve, key.compressed, std::move(pkey), std::move(ctx)});
    return cache.back().ctx.get();
}

// r||s as the DER SEQUENCE OpenSSL's verifier takes.
QByteArray derSignature(const unsigned char *compact)
{
    EcdsaSigPtr sig(ECDSA_SIG_new());
    BIGNUM *r = BN_bin2bn(compact, 32, nullptr);
    BIGNUM *s = BN_bin2bn(compact + 32, 32, nullptr);
    if (!sig || !r || !s || ECDSA_SIG_set0(sig.get(), r, s) != 1) {
        BN_free(r);
        BN_free(s);
        ERR_clear_error();
        return {};
    }
    const int length = i2d_ECDSA_SIG(sig.get(), nullptr);
    if (length <= 0) {
        ERR_clear_error();
        return {};
    }
    QByteArray der(length, Qt::Uninitialized);
    auto *out = reinterpret_cast<unsigned char *>(der.data());
    if (i2d_ECDSA_SIG(sig.get(), &out) != length) {
        ERR_clear_error();
        return {};
    }
    return der;
}

} // namespace

QString JwtError::nameString() const
{
    switch (name) {
    case JwtErrorName::MissingJwt:
        return QStringLiteral("MissingJwt");
    case JwtErrorName::BadJwt:
        return QStringLiteral("BadJwt");
    case JwtErrorName::BadJwtType:
        return QStringLiteral("BadJwtType");
    case JwtErrorName::JwtExpired:
        return QStringLiteral("JwtExpired");
    case JwtErrorName::BadJwtAudience:
        return QStringLiteral("BadJwtAudience");
    case JwtErrorName::BadJwtLexiconMethod:
        return QStringLiteral("BadJwtLexiconMethod");
    case JwtErrorName::BadJwtIss:
        return QStringLiteral("BadJwtIss");
    case JwtErrorName::BadJwtSignature:
        return QStringLiteral("BadJwtSignature");
    }
    return QStringLiteral("BadJwt");
}

Expected<Jwt, JwtError> JwtVerifier::parse(
    QByteArrayView token, const JwtPolicy &policy, qint64 nowMs)
{
    // Before any decoding: bounds the work a hostile token can cause.
    if (token.size() > MaxTokenBytes)
        return unexpected(jwtError(JwtErrorName::BadJwt,
            QStringLiteral("jwt too large (over %1 bytes)").arg(MaxTokenBytes)));

    // 1. Exactly three segments.
    const qsizetype dot1 = token.indexOf('.');
    const qsizetype dot2 = dot1 < 0 ? -1 : token.indexOf('.', dot1 + 1);
    if (dot2 < 0 || token.indexOf('.', dot2 + 1) >= 0)
        return unexpected(poorlyFormatted());
    const QByteArrayView headerPart = token.first(dot1);
    const QByteArrayView payloadPart = token.sliced(dot1 + 1, dot2 - dot1 - 1);
    const QByteArrayView signaturePart = token.sliced(dot2 + 1);

    // 2. Header: a JSON object with a string alg.
    const std::optional<QJsonObject> header = decodeJsonSegment(headerPart);
    if (!header || !header->value(QLatin1String("alg")).isString())
        return unexpected(poorlyFormatted());

    Jwt jwt;
    jwt.signingInput = token.first(dot2).toByteArray();
    jwt.alg = header->value(QLatin1String("alg")).toString();

    // 3. Token types meant for other protocols; case-insensitive, stricter than the reference.
    const QJsonValue typ = header->value(QLatin1String("typ"));
    if (typ.isString()) {
        jwt.typ = typ.toString();
        for (const QLatin1String refused :
            {QLatin1String("at+jwt"), QLatin1String("refresh+jwt"), QLatin1String("dpop+jwt")}) {
            if (jwt.typ.compare(refused, Qt::CaseInsensitive) == 0) {
                return unexpected(jwtError(JwtErrorName::BadJwtType,
                    QStringLiteral("Invalid jwt type \"%1\"").arg(jwt.typ)));
            }
        }
    }

    // 4. Claims and their types.
    const std::optional<QJsonObject> payload = decodeJsonSegment(payloadPart);
    if (!payload)
        return unexpected(poorlyFormatted());
    const QJsonValue iss = payload->value(QLatin1String("iss"));
    const QJsonValue aud = payload->value(QLatin1String("aud"));
    const QJsonValue exp = payload->value(QLatin1String("exp"));
    const QJsonValue lxm = payload->value(QLatin1String("lxm"));
    const QJsonValue nonce = payload->value(QLatin1String("nonce"));
    const QJsonValue iat = payload->value(QLatin1String("iat"));
    if (!iss.isString() || !aud.isString() || !isFiniteNumber(exp)
        || (!lxm.isUndefined() && !lxm.isString()) || (!nonce.isUndefined() && !nonce.isString())
        || (!iat.isUndefined() && !isFiniteNumber(iat))) {
        return unexpected(poorlyFormatted());
    }
    jwt.iss = iss.toString();
    jwt.aud = aud.toString();
    jwt.exp = exp.toDouble();
    if (!iat.isUndefined())
        jwt.iat = iat.toDouble();
    jwt.lxm = lxm.toString();
    jwt.jti = payload->value(QLatin1String("jti")).toString();

    // 5. Expiry, with the policy's leeway for clock skew.
    const double now = double(nowMs) / 1000.0;
    if (now > jwt.exp + policy.expLeewaySeconds)
        return unexpected(jwtError(JwtErrorName::JwtExpired, QStringLiteral("jwt expired")));

    // 6. Audience: exact match against the configured list.
    if (!policy.audiences.contains(jwt.aud)) {
        return unexpected(jwtError(JwtErrorName::BadJwtAudience,
            QStringLiteral("jwt audience does not match service did")));
    }

    // 7. Lexicon method: always required. An empty policy value matches nothing.
    if (lxm.isUndefined()) {
        return unexpected(jwtError(JwtErrorName::BadJwtLexiconMethod,
            QStringLiteral("missing jwt lexicon method (\"lxm\"). must match: ") + policy.lxm));
    }
    if (policy.lxm.isEmpty() || jwt.lxm != policy.lxm) {
        return unexpected(jwtError(JwtErrorName::BadJwtLexiconMethod,
            QStringLiteral("bad jwt lexicon method (\"lxm\"). must match: ") + policy.lxm));
    }

    // 8. Issuer syntax.
    QString fragment;
    if (!isValidIss(jwt.iss, jwt.issDid, fragment)) {
        return unexpected(
            jwtError(JwtErrorName::BadJwtIss, QStringLiteral("jwt iss is not a valid did")));
    }
    jwt.keyId = fragment == QLatin1String("atproto_labeler") ? QStringLiteral("atproto_label")
                                                             : QStringLiteral("atproto");

    // Canopy's own checks, after the reference ones so shared cases keep the reference's names.
    if (!curveForAlg(jwt.alg)) {
        return unexpected(jwtError(
            JwtErrorName::BadJwt, QStringLiteral("unsupported jwt alg \"%1\"").arg(jwt.alg)));
    }
    std::optional<QByteArray> signature = decodeBase64UrlStrict(signaturePart);
    if (!signature) {
        return unexpected(jwtError(
            JwtErrorName::BadJwt, QStringLiteral("jwt signature is not unpadded base64url")));
    }
    jwt.signature = std::move(*signature);
    if (policy.maxFutureIatSeconds > 0 && jwt.iat && *jwt.iat > now + policy.maxFutureIatSeconds) {
        return unexpected(jwtError(JwtErrorName::BadJwt,
            QStringLiteral("jwt iat is more than %1 s in the future")
                .arg(policy.maxFutureIatSeconds)));
    }
    if (policy.maxLifetimeSeconds > 0) {
        const double lifetime = jwt.exp - (jwt.iat ? *jwt.iat : now);
        if (lifetime > policy.maxLifetimeSeconds) {
            return unexpected(jwtError(JwtErrorName::BadJwt,
                QStringLiteral("jwt lifetime exceeds %1 s").arg(policy.maxLifetimeSeconds)));
        }
    }
    return jwt;
}

SignatureCheck JwtVerifier::verifySignature(const Jwt &jwt, const PublicKey &key)
{
    const std::optional<Curve> curve = curveForAlg(jwt.alg);
    if (!curve)
        return SignatureCheck::Unusable;
    if (*curve != key.curve)
        return SignatureCheck::CurveMismatch;
    if (jwt.signature.size() != 64 || key.compressed.size() != 33)
        return SignatureCheck::Unusable;

    // Range and low-S checks on the raw bytes: r, s in [1, n-1] and s <= n/2.
    const EcCurveInfo &info = ecCurveInfo(key.curve);
    const auto *r = reinterpret_cast<const unsigned char *>(jwt.signature.constData());
    const unsigned char *s = r + 32;
    if (isZero32(r) || isZero32(s) || compare32(r, info.order) >= 0
        || compare32(s, info.halfOrder) > 0) {
        return SignatureCheck::Unusable;
    }

    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int digestLength = 0;
    if (EVP_Digest(jwt.signingInput.constData(), size_t(jwt.signingInput.size()), digest,
            &digestLength, EVP_sha256(), nullptr)
        != 1) {
        ERR_clear_error();
        return SignatureCheck::Unusable;
    }
    if (key.curve == Curve::Secp256k1)
        return Secp256k1Verifier::verify(key.compressed, r, digest);

    // P-256 stays on OpenSSL, whose nistz256 code is already fast.
    const QByteArray der = derSignature(r);
    EVP_PKEY_CTX *ctx = cachedVerifyContext(key);
    if (der.isEmpty() || !ctx)
        return SignatureCheck::Unusable;
    const int verified
        = EVP_PKEY_verify(ctx, reinterpret_cast<const unsigned char *>(der.constData()),
            size_t(der.size()), digest, digestLength);
    if (verified == 1)
        return SignatureCheck::Valid;
    ERR_clear_error();
    return SignatureCheck::Invalid;
}

} // namespace canopy::auth
