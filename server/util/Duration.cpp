#include "util/Duration.h"

#include <limits>

namespace canopy {

std::optional<qint64> Duration::parseSeconds(const QString &text)
{
    const QString trimmed = text.trimmed();
    if (trimmed.isEmpty())
        return std::nullopt;
    qint64 unit = 1;
    QStringView digits = trimmed;
    switch (trimmed.back().unicode()) {
    case 's':
        digits.chop(1);
        break;
    case 'm':
        unit = 60;
        digits.chop(1);
        break;
    case 'h':
        unit = 3600;
        digits.chop(1);
        break;
    case 'd':
        unit = 86400;
        digits.chop(1);
        break;
    default:
        break;
    }
    // Digits only: no sign, no spaces between the number and its unit, no fractions.
    if (digits.isEmpty() || digits.size() > 12)
        return std::nullopt;
    for (const QChar c : digits) {
        if (c < u'0' || c > u'9')
            return std::nullopt;
    }
    const qint64 number = digits.toLongLong();
    if (number > std::numeric_limits<qint64>::max() / unit)
        return std::nullopt;
    return number * unit;
}

QString Duration::format(qint64 seconds)
{
    if (seconds > 0 && seconds % 86400 == 0)
        return QString::number(seconds / 86400) + u'd';
    if (seconds > 0 && seconds % 3600 == 0)
        return QString::number(seconds / 3600) + u'h';
    if (seconds > 0 && seconds % 60 == 0)
        return QString::number(seconds / 60) + u'm';
    return QString::number(seconds) + u's';
}

} // namespace canopy
