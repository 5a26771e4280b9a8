#pragma once

#include <optional>

#include <QString>

namespace canopy {

// A span of time as an operator writes it: whole seconds ("90"), or a whole number with a unit
// ("90s", "15m", "6h", "1d").
struct Duration
{
    // Seconds, or nothing when `text` is neither form (or is negative, or overflows).
    static std::optional<qint64> parseSeconds(const QString &text);
    // The shortest exact spelling: 86400 -> "1d", 5400 -> "90m", 61 -> "61s".
    static QString format(qint64 seconds);
};

} // namespace canopy
