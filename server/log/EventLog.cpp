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

int EventLog::levelRank(const QString &name)
{
    if (name == u"debug")
        return 0;
    if (name == u"info")
        return 1;
    if (name == u"warning")
        return 2;
    if (name == u"error" || name == u"fatal")
        return 3;
    return -1;
}

QList<LogEntry> EventLog::entries() const
{
    if (m_head == 0)
        return m_ring;
    return m_ring.mid(m_head) + m_ring.first(m_head);
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
    if (m_ring.size() < m_capacity) {
        m_ring.append(entry);
    } else {
        m_ring[m_head] = entry;
        m_head = (m_head + 1) % m_capacity;
    }
    Q_EMIT entryAdded(entry);
}

} // namespace canopy
