// libFuzzer target: atproto service JWTs (server/auth/Jwt.h). Input: the compact token as sent
// after "Bearer ". parse() runs with a fixed policy and clock; a token that passes goes on to
// verifySignature():
//   - with the issuer's own key when iss is a did:key (the seeds are signed that way, so the
//     fuzzer starts from tokens that verify and mutates towards the ones that almost do), and
//   - with a fixed key of each curve (the generator points), so every parsed token reaches the
//     range, low-S and curve checks whatever its issuer.
// The policy and clock must match tests/interop/fixtures/fuzz-seeds.mjs (FUZZ_JWT_*).
#include "auth/Jwt.h"
#include "auth/KeyCodec.h"

#include <cstddef>
#include <cstdint>

using namespace canopy::auth;

namespace {

constexpr qint64 NowMs = 1'700'000'000'000; // 2023-11-14T22:13:20Z

const JwtPolicy &policy()
{
    static const JwtPolicy p = [] {
        JwtPolicy policy;
        policy.audiences = {QStringLiteral("did:web:fuzz.canopy.test")};
        policy.lxm = QStringLiteral("chat.roomy.v0.sync.token");
        return policy;
    }();
    return p;
}

PublicKey generatorKey(Curve curve)
{
    const QByteArray point = QByteArray::fromHex(curve == Curve::Secp256k1
            ? "0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798"
            : "036b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296");
    auto key = publicKeyFromPoint(curve, point);
    if (!key)
        __builtin_trap();
    return *key;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const PublicKey k256 = generatorKey(Curve::Secp256k1);
    static const PublicKey p256 = generatorKey(Curve::P256);

    const QByteArrayView token(reinterpret_cast<const char *>(data), qsizetype(size));
    const auto jwt = JwtVerifier::parse(token, policy(), NowMs);
    if (!jwt) {
        (void)jwt.error().nameString();
        return 0;
    }
    if (jwt->issDid.startsWith(QLatin1String("did:key:"))) {
        if (const auto key = parseDidKey(jwt->issDid))
            (void)JwtVerifier::verifySignature(*jwt, *key);
    }
    (void)JwtVerifier::verifySignature(*jwt, k256);
    (void)JwtVerifier::verifySignature(*jwt, p256);
    return 0;
}
