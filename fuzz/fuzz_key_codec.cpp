// libFuzzer target: key encodings (server/auth/KeyCodec.h): base58btc, multibase, Multikey,
// did:key and the two legacy verification method types. Input: the text as UTF-8 (DID documents
// and JWT issuers arrive as JSON strings). Round trips are checked where the format is canonical:
// base58btc decode -> encode, and Multikey / did:key parse -> format.
#include "auth/KeyCodec.h"

#include <cstddef>
#include <cstdint>

using namespace canopy::auth;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QString text = QString::fromUtf8(reinterpret_cast<const char *>(data), qsizetype(size));

    if (const auto bytes = decodeBase58btc(text)) {
        if (encodeBase58btc(*bytes) != text)
            __builtin_trap();
    }
    (void)decodeMultibase(text);

    if (const auto key = parseMultikey(text)) {
        if (key->compressed.size() != 33 || formatMultikey(*key) != text)
            __builtin_trap();
        if (uncompressedPoint(*key).size() != 65)
            __builtin_trap();
    }
    if (const auto key = parseDidKey(text)) {
        if (formatDidKey(*key) != text)
            __builtin_trap();
    }
    for (const QString &type : {QStringLiteral("EcdsaSecp256k1VerificationKey2019"),
             QStringLiteral("EcdsaSecp256r1VerificationKey2019")}) {
        if (const auto key = parseLegacyKey(type, text)) {
            if (key->compressed.size() != 33)
                __builtin_trap();
        }
    }
    return 0;
}
