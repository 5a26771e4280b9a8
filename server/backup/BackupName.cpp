#include "backup/BackupName.h"

#include <QRegularExpression>

namespace canopy {
namespace {

const QString kPrefix = QStringLiteral("canopy-");
const QString kSuffix = QStringLiteral(".sqlite");
const QString kPartialSuffix = QStringLiteral(".partial");

} // namespace

QString BackupName::forTime(const QDateTime &time)
{
    return kPrefix + time.toUTC().toString(QStringLiteral("yyyyMMdd'T'HHmmss.zzz'Z'")) + kSuffix;
}

std::optional<QDateTime> BackupName::timeOf(const QString &fileName)
{
    static const QRegularExpression pattern(
        QStringLiteral("^canopy-(\\d{8}T\\d{6}\\.\\d{3})Z\\.sqlite$"));
    const QRegularExpressionMatch match = pattern.match(fileName);
    if (!match.hasMatch())
        return std::nullopt;
    // Date and time apart: parsed as one they would be a local time, which may not exist.
    const QString text = match.captured(1);
    const QDate date = QDate::fromString(text.left(8), QStringLiteral("yyyyMMdd"));
    const QTime clock = QTime::fromString(text.mid(9), QStringLiteral("HHmmss.zzz"));
    if (!date.isValid() || !clock.isValid())
        return std::nullopt;
    return QDateTime(date, clock, Qt::UTC);
}

QString BackupName::partialOf(const QString &fileName)
{
    return u'.' + fileName + kPartialSuffix;
}

bool BackupName::isPartial(const QString &fileName)
{
    return fileName.startsWith(u'.') && fileName.endsWith(kPartialSuffix)
        && timeOf(fileName.mid(1, fileName.size() - 1 - kPartialSuffix.size())).has_value();
}

} // namespace canopy
