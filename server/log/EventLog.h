#pragma once

#include "log/LogFields.h"

#include <QDateTime>
#include <QLoggingCategory>
#include <QObject>

namespace canopy {

struct LogEntry
{
    quint64 seq = 0;
    QDateTime time;
    QtMsgType level = QtInfoMsg;
    QString category;
    QString message;
    LogFields fields;
};

// The operator-visible event log: every noteworthy event with its fields. Entries go to the Qt
// message handler (so they reach stderr as JSON lines in headless mode) and out as a signal.
class EventLog final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(EventLog)

public:
    explicit EventLog(QObject *parent = nullptr);

    void record(QtMsgType level, const QLoggingCategory &category, const QString &message,
        const LogFields &fields = {});

    static QString levelName(QtMsgType level);
    static int levelRank(const QString &name); // debug 0 .. error 3; -1 when unknown

    // The most recent entries, oldest first (a ring of `capacity` entries).
    QList<LogEntry> entries() const;
    void setCapacity(qsizetype capacity) { m_capacity = capacity; }

Q_SIGNALS:
    void entryAdded(const canopy::LogEntry &entry);

private:
    quint64 m_seq = 0;
    qsizetype m_capacity = 10000;
    QList<LogEntry> m_ring;
    qsizetype m_head = 0; // index of the oldest entry once the ring is full
};

} // namespace canopy
