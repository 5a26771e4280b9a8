#pragma once

#include <QString>

namespace canopy {

// Leaf EntityIds: "leaf:" + lowercase Crockford base32 of 32 bytes (52 characters).
class EntityId final
{
public:
    static constexpr int EncodedLength = 52;
    static bool isValid(QStringView id);
};

} // namespace canopy
