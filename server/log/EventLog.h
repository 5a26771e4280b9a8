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
    void setCapacity(qsizetype capacity);

Q_SIGNALS:
    void entryAdded(const canopy::LogEntry &entry);

private:
    // Entries are kept packed: a ring of fixed slots (seq, time, level, category, where the text
    // is) and the texts (message and fields as length-prefixed UTF-8) appended to 64 KiB pages.
    // A dozen small allocations per entry would stay scattered among the connections' short-lived
    // ones and pin the heap's pages long after those connections are gone; a page is freed whole
    // once every entry in it has left the ring.
    struct Slot
    {
        quint64 seq = 0;
        qint64 msecs = 0;
        quint64 page = 0;
        quint32 offset = 0;
        quint32 size = 0;
        quint16 category = 0;
        quint8 level = 0;
    };
    Slot store(const LogEntry &entry);
    LogEntry load(const Slot &slot) const;
    quint16 categoryIndex(QAnyStringView name); // the entry's shared copy in m_categories

    quint64 m_seq = 0;
    qsizetype m_capacity = 10000;
    QList<Slot> m_slots; // the ring
    qsizetype m_head = 0; // index of the oldest slot once the ring is full
    QList<QByteArray> m_pages; // m_pages[i] is page number m_firstPage + i
    quint64 m_firstPage = 0;
    QList<QString> m_categories; // few; shared by every entry
};

} // namespace canopy
