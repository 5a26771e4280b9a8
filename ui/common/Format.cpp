#include "common/Format.h"

#include <QLocale>

namespace canopy::ui {

QString Format::bytes(qint64 bytes)
{
    return QLocale().formattedDataSize(bytes, bytes < 1024 ? 0 : 1, QLocale::DataSizeIecFormat);
}

QString Format::rate(double perSecond, bool bytes)
{
    if (bytes)
        return tr("%1/s").arg(Format::bytes(qint64(perSecond + 0.5)));
    return tr("%1/s").arg(QLocale().toString(perSecond, 'f', perSecond < 10 ? 1 : 0));
}

QString Format::duration(qint64 seconds)
{
    if (seconds < 0)
        seconds = 0;
    if (seconds < 60)
        return tr("%1 s").arg(seconds);
    if (seconds < 3600)
        return tr("%1 min %2 s").arg(QString::number(seconds / 60), QString::number(seconds % 60));
    if (seconds < 86400)
        return tr("%1 h %2 min")
            .arg(QString::number(seconds / 3600), QString::number(seconds % 3600 / 60));
    return tr("%1 d %2 h")
        .arg(QString::number(seconds / 86400), QString::number(seconds % 86400 / 3600));
}

QString Format::time(const QDateTime &when, bool milliseconds)
{
    if (!when.isValid())
        return {};
    return QLocale().toString(when.toLocalTime(),
        milliseconds ? QStringLiteral("HH:mm:ss.zzz") : QStringLiteral("HH:mm:ss"));
}

QString Format::dateTime(const QDateTime &when)
{
    if (!when.isValid())
        return {};
    const QDateTime local = when.toLocalTime();
    // Today's events need no date; older ones do.
    if (local.date() == QDate::currentDate())
        return time(local);
    return QLocale().toString(local.date(), QLocale::ShortFormat) + u' ' + time(local);
}

QString Format::peer(const QString &key)
{
    bool numeric = false;
    const quint64 value = key.toULongLong(&numeric);
    return numeric ? peer(value) : key;
}

QString Format::peer(quint64 peer)
{
    return QStringLiteral("0x") + QString::number(peer, 16);
}

QString Format::count(qint64 value)
{
    return QLocale().toString(value);
}

} // namespace canopy::ui
