#include "logs/LogModel.h"

#include "admin/AdminService.h"
#include "common/FlushTimer.h"
#include "common/Format.h"

#include <QBrush>
#include <QColor>

namespace canopy::ui {

LogModel::LogModel(QObject *parent)
    : QAbstractTableModel(parent)
    , m_flush(new FlushTimer([this] { flush(); }, this))
{
}

void LogModel::setAdmin(AdminService *admin)
{
    if (m_admin)
        disconnect(m_admin, nullptr, this, nullptr);
    flush(); // what the old host said stays
    m_admin = admin;
    m_lastSeq = 0;
    if (!admin)
        return;
    LogQuery history;
    history.limit = int(m_capacity);
    for (const LogEntry &entry : admin->log(history))
        addEntry(entry);
    connect(admin, &AdminService::logEntryAdded, this, &LogModel::addEntry);
    flush();
}

void LogModel::addEntry(const LogEntry &entry)
{
    if (entry.seq != 0 && entry.seq <= m_lastSeq)
        return;
    m_lastSeq = qMax(m_lastSeq, entry.seq);
    m_pending.append(entry);
    if (m_pending.size() > m_capacity)
        m_pending.removeFirst();
    m_flush->schedule();
}

void LogModel::flush()
{
    m_flush->cancel();
    if (m_pending.isEmpty())
        return;
    const qsizetype over = qsizetype(m_rows.size()) + m_pending.size() - m_capacity;
    if (over > 0) {
        const qsizetype evict = qMin(over, qsizetype(m_rows.size()));
        if (evict > 0) {
            beginRemoveRows({}, 0, int(evict - 1));
            m_rows.erase(m_rows.begin(), m_rows.begin() + evict);
            endRemoveRows();
        }
    }
    bool newCategory = false;
    const int first = int(m_rows.size());
    beginInsertRows({}, first, first + int(m_pending.size()) - 1);
    for (LogEntry &entry : m_pending) {
        if (!m_categories.contains(entry.category)) {
            m_categories.insert(entry.category);
            newCategory = true;
        }
        m_rows.push_back(std::move(entry));
    }
    endInsertRows();
    m_pending.clear();
    if (newCategory)
        Q_EMIT categoriesChanged(categories());
}

QStringList LogModel::categories() const
{
    QStringList out(m_categories.cbegin(), m_categories.cend());
    out.sort();
    return out;
}

int LogModel::levelRank(QtMsgType level)
{
    switch (level) {
    case QtDebugMsg:
        return 0;
    case QtInfoMsg:
        return 1;
    case QtWarningMsg:
        return 2;
    case QtCriticalMsg:
    case QtFatalMsg:
        return 3;
    }
    return 1;
}

QString LogModel::levelText(QtMsgType level)
{
    switch (level) {
    case QtDebugMsg:
        return tr("debug");
    case QtInfoMsg:
        return tr("info");
    case QtWarningMsg:
        return tr("warning");
    case QtCriticalMsg:
    case QtFatalMsg:
        return tr("error");
    }
    return {};
}

QString LogModel::didOf(const LogEntry &entry)
{
    for (const auto &field : entry.fields) {
        if (field.first == u"did")
            return field.second;
    }
    return {};
}

QString LogModel::fieldsText(const LogEntry &entry)
{
    QStringList parts;
    for (const auto &field : entry.fields) {
        if (field.first != u"did")
            parts.append(field.first + u'=' + field.second);
    }
    return parts.join(QStringLiteral("  "));
}

int LogModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int LogModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant LogModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const LogEntry &e = m_rows.at(size_t(index.row()));
    switch (role) {
    case LevelRankRole:
        return levelRank(e.level);
    case CategoryRole:
        return e.category;
    case DidRole:
        return didOf(e);
    case SearchTextRole:
        return QString(e.message + u' ' + fieldsText(e));
    case Qt::DisplayRole:
        switch (index.column()) {
        case Time:
            return Format::time(e.time, true);
        case Level:
            return levelText(e.level);
        case Category:
            return e.category;
        case Did:
            return didOf(e);
        case Message:
            return e.message;
        case Fields:
            return fieldsText(e);
        }
        break;
    case Qt::ToolTipRole:
        if (index.column() == Time)
            return Format::dateTime(e.time);
        if (index.column() == Message || index.column() == Fields) {
            QString text = e.message;
            for (const auto &field : e.fields)
                text += u'\n' + field.first + QStringLiteral(": ") + field.second;
            return text;
        }
        break;
    case Qt::ForegroundRole:
        switch (levelRank(e.level)) {
        case 0:
            return QBrush(QColor(0x70, 0x70, 0x70));
        case 2:
            return QBrush(QColor(0xa0, 0x5a, 0x00));
        case 3:
            return QBrush(QColor(0xb0, 0x20, 0x20));
        default:
            break;
        }
        break;
    }
    return {};
}

QVariant LogModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case Time:
        return tr("Time");
    case Level:
        return tr("Level");
    case Category:
        return tr("Category");
    case Did:
        return tr("DID");
    case Message:
        return tr("Message");
    case Fields:
        return tr("Details");
    }
    return {};
}

} // namespace canopy::ui
