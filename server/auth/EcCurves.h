#pragma once

// Private to server/auth: per-curve constants and shared OpenSSL groups.

#include "auth/PublicKey.h"

#include <array>
#include <cstdint>
#include <openssl/ec.h>

namespace canopy::auth {

struct EcCurveInfo
{
    const char *groupName; // OpenSSL name for OSSL_PKEY_PARAM_GROUP_NAME
    const char *displayName; // for messages
    std::array<std::uint8_t, 32> order; // n, big-endian
    std::array<std::uint8_t, 32> halfOrder; // floor(n / 2): s above it is high-S
};

const EcCurveInfo &ecCurveInfo(Curve curve);

// Built once per process and only ever read afterwards, so safe to share between threads.
// Null only if OpenSSL lacks the curve.
const EC_GROUP *ecGroup(Curve curve);

} // namespace canopy::auth
