#pragma once

#include <optional>

#include <QDateTime>
#include <QString>

namespace canopy {

// How copies are named in the backup dir: canopy-<UTC time>.sqlite with the time in ISO 8601's
// basic format to the millisecond (canopy-20261201T133000.123Z.sqlite), so names sort as times
// do and two copies taken within one second do not collide. A copy is written under a hidden
// partial name first (.canopy-<time>.sqlite.partial) and renamed once it is verified.
struct BackupName
{
    static QString forTime(const QDateTime &time);
    // The time a copy's name carries; nothing for any other name (partials included).
    static std::optional<QDateTime> timeOf(const QString &fileName);
    static QString partialOf(const QString &fileName);
    static bool isPartial(const QString &fileName);
};

} // namespace canopy
