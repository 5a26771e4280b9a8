#pragma once

#include "crdt/loro/LoroTypes.h"

#include <xxhash.h>

namespace canopy::loro {

// Shorthand for the failure branch of every decoder in this folder.
inline Unexpected<LoroError> fail(LoroErrorCode code, QString message)
{
    return unexpected(LoroError {code, std::move(message)});
}

// The xxHash32 seed Loro uses everywhere: "LORO" read as a little-endian u32.
constexpr quint32 LoroXxhSeed = 0x4F524F4C;

inline quint32 loroXxh32(QByteArrayView data)
{
    return XXH32(data.data(), size_t(data.size()), LoroXxhSeed);
}

} // namespace canopy::loro
