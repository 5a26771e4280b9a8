#pragma once

// Private to server/auth: ES256K verification on libsecp256k1, whose secp256k1 arithmetic is
// several times faster than OpenSSL's generic prime-curve code.

#include "auth/Jwt.h"

#include <QByteArrayView>

namespace canopy::auth {

class Secp256k1Verifier final
{
public:
    // ECDSA over a 32-byte digest with a 64-byte compact r||s. The caller has already refused
    // what can never verify (r, s out of range, high-S), so the verdicts stay those of the P-256
    // path: Unusable for a key that is not a point, Invalid for a signature that does not verify.
    static SignatureCheck verify(
        QByteArrayView compressedKey, const unsigned char *compact, const unsigned char *digest);
};

} // namespace canopy::auth
