#include "log/EventLog.h"

#include "log/JsonLogSink.h"

namespace canopy {

EventLog::EventLog(QObject *parent)
    : QObject(parent)
{
    qRegisterMetaType<canopy::LogEntry>();
}

QString EventLog::levelName(QtMsgType level)
{
    switch (level) {
    case QtDebugMsg:
        return QStringLiteral("debug");
    case QtInfoMsg:
        return QStringLiteral("info");
    case QtWarningMsg:
        return QStringLiteral("warning");
    case QtCriticalMsg:
        return QStringLiteral("error");
    case QtFatalMsg:
        return QStringLiteral("fatal");
    }
    return QStringLiteral("info");
}

void EventLog::record(QtMsgType level, const QLoggingCategory &category, const QString &message,
    const LogFields &fields)
{
    if (!category.isEnabled(level))
        return;
    LogEntry entry {++m_seq, QDateTime::currentDateTimeUtc(), level,
        QString::fromLatin1(category.categoryName()), message, fields};
    // The sink reads the fields while Qt's handler formats this one message.
    JsonLogSink::setPendingFields(&entry.fields);
    QMessageLogger logger(nullptr, 0, nullptr, category.categoryName());
    switch (level) {
    case QtDebugMsg:
        logger.debug("%s", qUtf8Printable(message));
        break;
    case QtInfoMsg:
        logger.info("%s", qUtf8Printable(message));
        break;
    case QtWarningMsg:
        logger.warning("%s", qUtf8Printable(message));
        break;
    case QtCriticalMsg:
    case QtFatalMsg:
        logger.critical("%s", qUtf8Printable(message));
        break;
    }
    JsonLogSink::setPendingFields(nullptr);
    Q_EMIT entryAdded(entry);
}

} // namespace canopy
