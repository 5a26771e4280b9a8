#include "log/EventLog.h"

#include "log/JsonLogSink.h"

#include <cstring>

namespace canopy {

namespace {

void appendText(QByteArray &out, const QString &text)
{
    const QByteArray utf8 = text.toUtf8();
    const quint32 size = quint32(utf8.size());
    out.append(reinterpret_cast<const char *>(&size), sizeof size);
    out.append(utf8);
}

QString takeText(QByteArrayView in, qsizetype &at)
{
    quint32 size = 0;
    memcpy(&size, in.constData() + at, sizeof size);
    at += qsizetype(sizeof size);
    const QString text = QString::fromUtf8(in.constData() + at, qsizetype(size));
    at += qsizetype(size);
    return text;
}

} // namespace

EventLog::EventLog(QObject *parent)
    : QObject(parent)
{
    qRegisterMetaType<canopy::LogEntry>();
    m_slots.reserve(m_capacity); // one block, not a trail of doubled ones
}

void EventLog::setCapacity(qsizetype capacity)
{
    const QList<LogEntry> kept = entries();
    m_capacity = qMax<qsizetype>(capacity, 1);
    m_slots = {};
    m_slots.reserve(m_capacity);
    m_head = 0;
    m_pages.clear();
    for (qsizetype i = qMax<qsizetype>(0, kept.size() - m_capacity); i < kept.size(); ++i)
        m_slots.append(store(kept.at(i)));
}

quint16 EventLog::categoryIndex(QAnyStringView name)
{
    for (qsizetype i = 0; i < m_categories.size(); ++i) {
        if (QAnyStringView::equal(m_categories.at(i), name))
            return quint16(i);
    }
    m_categories.append(name.toString());
    return quint16(m_categories.size() - 1);
}

EventLog::Slot EventLog::store(const LogEntry &entry)
{
    QByteArray text;
    appendText(text, entry.message);
    for (const auto &[key, value] : entry.fields) {
        appendText(text, key);
        appendText(text, value);
    }
    constexpr qsizetype pageBytes = 64 * 1024;
    if (m_pages.isEmpty() || m_pages.last().capacity() - m_pages.last().size() < text.size()) {
        m_pages.append(QByteArray());
        m_pages.last().reserve(qMax(pageBytes, text.size())); // a long entry gets a page of its own
    }
    QByteArray &page = m_pages.last();
    Slot slot;
    slot.seq = entry.seq;
    slot.msecs = entry.time.toMSecsSinceEpoch();
    slot.page = m_firstPage + quint64(m_pages.size() - 1);
    slot.offset = quint32(page.size());
    slot.size = quint32(text.size());
    slot.category = categoryIndex(entry.category);
    slot.level = quint8(entry.level);
    page.append(text);
    return slot;
}

LogEntry EventLog::load(const Slot &slot) const
{
    LogEntry entry;
    entry.seq = slot.seq;
    entry.time = QDateTime::fromMSecsSinceEpoch(slot.msecs, Qt::UTC);
    entry.level = QtMsgType(slot.level);
    entry.category = m_categories.value(slot.category);
    const QByteArrayView text = QByteArrayView(m_pages.at(qsizetype(slot.page - m_firstPage)))
                                    .sliced(slot.offset, slot.size);
    qsizetype at = 0;
    entry.message = takeText(text, at);
    while (at < text.size()) {
        QString key = takeText(text, at);
        entry.fields.append({std::move(key), takeText(text, at)});
    }
    return entry;
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
    QList<LogEntry> out;
    out.reserve(m_slots.size());
    for (qsizetype i = 0; i < m_slots.size(); ++i)
        out.append(load(m_slots.at((m_head + i) % m_slots.size())));
    return out;
}

void EventLog::record(QtMsgType level, const QLoggingCategory &category, const QString &message,
    const LogFields &fields)
{
    if (!category.isEnabled(level))
        return;
    LogEntry entry {++m_seq, QDateTime::currentDateTimeUtc(), level,
        m_categories.at(categoryIndex(QLatin1StringView(category.categoryName()))), message,
        fields};
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
    if (m_slots.size() < m_capacity) {
        m_slots.append(store(entry));
    } else {
        m_slots[m_head] = store(entry);
        m_head = (m_head + 1) % m_capacity;
        // Pages older than the oldest entry left hold nothing any more.
        const quint64 oldestPage = m_slots.at(m_head).page;
        while (m_firstPage < oldestPage) {
            m_pages.removeFirst();
            ++m_firstPage;
        }
    }
    Q_EMIT entryAdded(entry);
}

} // namespace canopy
