#pragma once

#include <QCoreApplication>
#include <QDateTime>
#include <QString>

namespace canopy::ui {

// Sizes, rates, durations and times as every page shows them, so they read alike and follow
// the locale (German decimal commas included).
class Format final
{
    Q_DECLARE_TR_FUNCTIONS(Format)

public:
    static QString bytes(qint64 bytes);
    static QString rate(double perSecond, bool bytes); // "1.2 KiB/s", "340 /s"
    static QString duration(qint64 seconds); // "45 s", "3 min 20 s", "2 h 5 min", "3 d 4 h"
    static QString time(const QDateTime &when, bool milliseconds = false); // local, with seconds
    static QString dateTime(const QDateTime &when); // local date and time
    static QString peer(quint64 peer); // Loro peers are 64-bit; hex reads better than decimal
    // A unit's author key as the core names it: a Loro peer (decimal) in hex, any other as is.
    static QString peer(const QString &key);
    static QString count(qint64 value); // with the locale's group separators
};

} // namespace canopy::ui
