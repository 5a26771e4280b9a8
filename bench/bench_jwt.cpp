// Service JWT verifications per second with the key already at hand (a warm key cache):
// JwtVerifier::parse + JwtVerifier::verifySignature, per curve. Rates are per second of the
// thread's CPU time (one core), so other load on the machine barely moves them.
//   bench_jwt [seconds per measurement, default 2] [max iterations, default 1000000]
#include "auth/Jwt.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/param_build.h>
#include <optional>
#include <time.h>

#include <QByteArray>
#include <QDateTime>
#include <QJsonDocument>
#include <QJsonObject>

using namespace canopy;
using namespace canopy::auth;

namespace {

// The interop keys of tests/unit/data/atproto-auth-vectors.json.
constexpr const char *K256PrivateHex
    = "9085d2bef69286a6cbb51623c8fa258629945cd55ca705cc4e66700396894e0c";
constexpr const char *P256PrivateHex
    = "82ebbd63ebbd9ff60141a69bd4c9be282f2415e8eafa9d42c0ed396daccca979";

template <typename T, void (*Free)(T *)> struct Deleter
{
    void operator()(T *p) const { Free(p); }
};
using BignumPtr = std::unique_ptr<BIGNUM, Deleter<BIGNUM, BN_free>>;
using EcGroupPtr = std::unique_ptr<EC_GROUP, Deleter<EC_GROUP, EC_GROUP_free>>;
using EcPointPtr = std::unique_ptr<EC_POINT, Deleter<EC_POINT, EC_POINT_free>>;
using EcdsaSigPtr = std::unique_ptr<ECDSA_SIG, Deleter<ECDSA_SIG, ECDSA_SIG_free>>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using PkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, Deleter<EVP_PKEY_CTX, EVP_PKEY_CTX_free>>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, Deleter<EVP_MD_CTX, EVP_MD_CTX_free>>;
using ParamBldPtr = std::unique_ptr<OSSL_PARAM_BLD, Deleter<OSSL_PARAM_BLD, OSSL_PARAM_BLD_free>>;
using ParamPtr = std::unique_ptr<OSSL_PARAM, Deleter<OSSL_PARAM, OSSL_PARAM_free>>;

struct SigningKey
{
    Curve curve;
    PublicKey publicKey;
    PkeyPtr pkey;
    BignumPtr order;
};

std::optional<SigningKey> loadKey(Curve curve, const char *privateHex)
{
    const bool k1 = curve == Curve::Secp256k1;
    EcGroupPtr group(EC_GROUP_new_by_curve_name(k1 ? NID_secp256k1 : NID_X9_62_prime256v1));
    BIGNUM *rawPriv = nullptr;
    if (!group || BN_hex2bn(&rawPriv, privateHex) == 0)
        return std::nullopt;
    BignumPtr priv(rawPriv);
    EcPointPtr pub(EC_POINT_new(group.get()));
    if (!pub || EC_POINT_mul(group.get(), pub.get(), priv.get(), nullptr, nullptr, nullptr) != 1)
        return std::nullopt;
    QByteArray compressed(33, '\0');
    QByteArray uncompressed(65, '\0');
    EC_POINT_point2oct(group.get(), pub.get(), POINT_CONVERSION_COMPRESSED,
        reinterpret_cast<unsigned char *>(compressed.data()), 33, nullptr);
    EC_POINT_point2oct(group.get(), pub.get(), POINT_CONVERSION_UNCOMPRESSED,
        reinterpret_cast<unsigned char *>(uncompressed.data()), 65, nullptr);

    ParamBldPtr builder(OSSL_PARAM_BLD_new());
    OSSL_PARAM_BLD_push_utf8_string(
        builder.get(), OSSL_PKEY_PARAM_GROUP_NAME, k1 ? "secp256k1" : "prime256v1", 0);
    OSSL_PARAM_BLD_push_BN(builder.get(), OSSL_PKEY_PARAM_PRIV_KEY, priv.get());
    OSSL_PARAM_BLD_push_octet_string(
        builder.get(), OSSL_PKEY_PARAM_PUB_KEY, uncompressed.constData(), 65);
    ParamPtr params(OSSL_PARAM_BLD_to_param(builder.get()));
    PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr));
    EVP_PKEY *pkey = nullptr;
    if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1
        || EVP_PKEY_fromdata(ctx.get(), &pkey, EVP_PKEY_KEYPAIR, params.get()) != 1)
        return std::nullopt;
    return SigningKey {curve, PublicKey {curve, compressed}, PkeyPtr(pkey),
        BignumPtr(BN_dup(EC_GROUP_get0_order(group.get())))};
}

// SHA-256, ECDSA, then the compact low-S r||s that @atproto/crypto emits.
QByteArray signCompact(const SigningKey &key, const QByteArray &message)
{
    MdCtxPtr md(EVP_MD_CTX_new());
    size_t length = 0;
    const auto *data = reinterpret_cast<const unsigned char *>(message.constData());
    if (!md || EVP_DigestSignInit(md.get(), nullptr, EVP_sha256(), nullptr, key.pkey.get()) != 1
        || EVP_DigestSign(md.get(), nullptr, &length, data, size_t(message.size())) != 1)
        return {};
    QByteArray der(qsizetype(length), '\0');
    if (EVP_DigestSign(md.get(), reinterpret_cast<unsigned char *>(der.data()), &length, data,
            size_t(message.size()))
        != 1)
        return {};
    const auto *p = reinterpret_cast<const unsigned char *>(der.constData());
    EcdsaSigPtr sig(d2i_ECDSA_SIG(nullptr, &p, long(length)));
    if (!sig)
        return {};
    const BIGNUM *r = nullptr;
    const BIGNUM *s = nullptr;
    ECDSA_SIG_get0(sig.get(), &r, &s);
    BignumPtr half(BN_new());
    BignumPtr low(BN_new());
    BN_rshift1(half.get(), key.order.get());
    BN_sub(low.get(), key.order.get(), s);
    QByteArray out(64, '\0');
    auto *o = reinterpret_cast<unsigned char *>(out.data());
    BN_bn2binpad(r, o, 32);
    BN_bn2binpad(BN_cmp(s, half.get()) > 0 ? low.get() : s, o + 32, 32);
    return out;
}

QByteArray b64u(const QByteArray &bytes)
{
    return bytes.toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals);
}

QByteArray makeToken(const SigningKey &key, qint64 nowS)
{
    const QJsonObject header {{QStringLiteral("typ"), QStringLiteral("JWT")},
        {QStringLiteral("alg"), key.publicKey.jwtAlg()}};
    const QJsonObject claims {
        {QStringLiteral("iat"), nowS},
        {QStringLiteral("iss"), QStringLiteral("did:plc:r5eav7permut7wpqvxz4yrp4")},
        {QStringLiteral("aud"), QStringLiteral("did:web:svc.example.test")},
        {QStringLiteral("exp"), nowS + 60},
        {QStringLiteral("lxm"), QStringLiteral("com.example.ping")},
        {QStringLiteral("jti"), QStringLiteral("00112233445566778899aabbccddeeff")},
    };
    const QByteArray input = b64u(QJsonDocument(header).toJson(QJsonDocument::Compact)) + '.'
        + b64u(QJsonDocument(claims).toJson(QJsonDocument::Compact));
    return input + '.' + b64u(signCompact(key, input));
}

struct Rate
{
    long iterations = 0;
    double seconds = 0; // wall clock
    double cpuSeconds = 0; // this thread's CPU time
    long failures = 0;
    double perSecond() const { return cpuSeconds > 0 ? iterations / cpuSeconds : 0; }
};

double threadCpuSeconds()
{
    timespec now {};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
    return double(now.tv_sec) + double(now.tv_nsec) / 1e9;
}

// Runs `step` until `seconds` have passed or `maxIterations` ran; checks the clock every 64 steps.
template <typename Step> Rate measure(double seconds, long maxIterations, Step step)
{
    using Clock = std::chrono::steady_clock;
    Rate rate;
    const auto start = Clock::now();
    const double cpuStart = threadCpuSeconds();
    while (rate.iterations < maxIterations) {
        for (int i = 0; i < 64 && rate.iterations < maxIterations; ++i, ++rate.iterations) {
            if (!step())
                ++rate.failures;
        }
        rate.seconds = std::chrono::duration<double>(Clock::now() - start).count();
        if (rate.seconds >= seconds)
            break;
    }
    rate.cpuSeconds = threadCpuSeconds() - cpuStart;
    return rate;
}

} // namespace

int main(int argc, char **argv)
{
    const double seconds = argc > 1 ? std::atof(argv[1]) : 2.0;
    const long maxIterations = argc > 2 ? std::atol(argv[2]) : 1000000;
    if (seconds <= 0 || maxIterations <= 0) {
        std::fprintf(stderr, "usage: bench_jwt [seconds per measurement] [max iterations]\n");
        return 2;
    }

    const qint64 nowMs = QDateTime::currentMSecsSinceEpoch();
    JwtPolicy policy;
    policy.audiences = {QStringLiteral("did:web:svc.example.test")};
    policy.lxm = QStringLiteral("com.example.ping");

    std::printf("JWT verification, key at hand; %.1f s or %ld iterations per cell, one thread; "
                "per CPU second\n\n",
        seconds, maxIterations);
    std::printf("%-7s %-10s %12s %12s %12s %10s\n", "alg", "curve", "parse/s", "verify/s",
        "parse+ver/s", "us/token");
    int status = 0;
    for (const auto &[curve, hex, name] :
        {std::tuple {Curve::Secp256k1, K256PrivateHex, "secp256k1"},
            std::tuple {Curve::P256, P256PrivateHex, "P-256"}}) {
        const std::optional<SigningKey> key = loadKey(curve, hex);
        if (!key) {
            std::fprintf(stderr, "could not load the %s key\n", name);
            return 1;
        }
        const QByteArray token = makeToken(*key, nowMs / 1000);
        const Expected<Jwt, JwtError> parsed = JwtVerifier::parse(token, policy, nowMs);
        if (!parsed
            || JwtVerifier::verifySignature(*parsed, key->publicKey) != SignatureCheck::Valid) {
            std::fprintf(stderr, "%s: the signed token does not verify\n", name);
            return 1;
        }

        const Rate parse = measure(seconds, maxIterations,
            [&] { return JwtVerifier::parse(token, policy, nowMs).has_value(); });
        const Rate verify = measure(seconds, maxIterations, [&] {
            return JwtVerifier::verifySignature(*parsed, key->publicKey) == SignatureCheck::Valid;
        });
        const Rate both = measure(seconds, maxIterations, [&] {
            const Expected<Jwt, JwtError> jwt = JwtVerifier::parse(token, policy, nowMs);
            return jwt
                && JwtVerifier::verifySignature(*jwt, key->publicKey) == SignatureCheck::Valid;
        });
        if (parse.failures + verify.failures + both.failures > 0) {
            std::fprintf(stderr, "%s: unexpected failures during the run\n", name);
            status = 1;
        }
        std::printf("%-7s %-10s %12.0f %12.0f %12.0f %10.1f\n", qPrintable(key->publicKey.jwtAlg()),
            name, parse.perSecond(), verify.perSecond(), both.perSecond(),
            both.perSecond() > 0 ? 1e6 / both.perSecond() : 0.0);
    }
    return status;
}
