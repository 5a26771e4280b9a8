#include "auth/Secp256k1Verifier.h"

#include <optional>
#include <secp256k1.h>
#include <vector>

#include <QByteArray>

namespace canopy::auth {

namespace {

// Verification needs no secret and no precomputed signing tables, so the library's built-in
// read-only context serves every thread; the self test is what the library asks before using it.
const secp256k1_context *verifyContext()
{
    static const secp256k1_context *context = [] {
        secp256k1_selftest();
        return secp256k1_context_static;
    }();
    return context;
}

// Parsing a compressed point is a modular square root; tokens come from few issuers, so each
// thread keeps its last few parsed keys (thread-local: no locking). Keys that do not parse are not
// kept.
std::optional<secp256k1_pubkey> cachedPublicKey(QByteArrayView compressed)
{
    struct Entry
    {
        QByteArray compressed;
        secp256k1_pubkey pubkey;
    };
    constexpr std::size_t Capacity = 16;
    thread_local std::vector<Entry> cache;
    for (const Entry &entry : cache) {
        if (entry.compressed == compressed)
            return entry.pubkey;
    }
    secp256k1_pubkey pubkey;
    if (secp256k1_ec_pubkey_parse(verifyContext(), &pubkey,
            reinterpret_cast<const unsigned char *>(compressed.data()), size_t(compressed.size()))
        != 1) {
        return std::nullopt;
    }
    if (cache.size() >= Capacity)
        cache.erase(cache.begin());
    cache.push_back(Entry {compressed.toByteArray(), pubkey});
    return pubkey;
}

} // namespace

SignatureCheck Secp256k1Verifier::verify(
    QByteArrayView compressedKey, const unsigned char *compact, const unsigned char *digest)
{
    // Only the 33-byte compressed form, as PublicKey holds it (the library would also take 65).
    if (compressedKey.size() != 33)
        return SignatureCheck::Unusable;
    const std::optional<secp256k1_pubkey> pubkey = cachedPublicKey(compressedKey);
    if (!pubkey)
        return SignatureCheck::Unusable;
    secp256k1_ecdsa_signature signature;
    // Fails only for r or s >= n, which the caller refuses first.
    if (secp256k1_ecdsa_signature_parse_compact(verifyContext(), &signature, compact) != 1)
        return SignatureCheck::Unusable;
    // secp256k1_ecdsa_verify refuses high-S itself; the caller has already classified it.
    return secp256k1_ecdsa_verify(verifyContext(), &signature, digest, &*pubkey) == 1
        ? SignatureCheck::Valid
        : SignatureCheck::Invalid;
}

} // namespace canopy::auth
