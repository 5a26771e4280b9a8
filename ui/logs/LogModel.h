#pragma once

#include "admin/AdminService.h"
#include "log/EventLog.h"

#include <deque>

#include <QAbstractTableModel>
#include <QPointer>
#include <QSet>

namespace canopy::ui {

class FlushTimer;

// The event log: the host's history on binding, then every new entry, batched. A ring of the
// newest entries; entries from an earlier host stay, so a restart reads as one log.
class LogModel final : public QAbstractTableModel
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(LogModel)

public:
    static constexpr qsizetype DefaultCapacity = 20000;

    enum Column
    {
        Time,
        Level,
        Category,
        Did,
        Message,
        Fields,
        ColumnCount
    };
    enum Role
    {
        LevelRankRole = Qt::UserRole + 1, // debug 0 .. critical/fatal 3
        CategoryRole,
        DidRole,
        SearchTextRole, // message and fields, for the text search
    };

    explicit LogModel(QObject *parent = nullptr);

    void setAdmin(AdminService *admin);
    void setCapacity(qsizetype capacity) { m_capacity = qMax<qsizetype>(1, capacity); }
    const LogEntry &entryAt(int row) const { return m_rows.at(size_t(row)); }
    QStringList categories() const; // sorted, every category seen so far

    void addEntry(const LogEntry &entry);
    void flush();

    static int levelRank(QtMsgType level);
    static QString levelText(QtMsgType level);
    static QString didOf(const LogEntry &entry);
    static QString fieldsText(const LogEntry &entry);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(
        int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

Q_SIGNALS:
    void categoriesChanged(const QStringList &categories);

private:
    QPointer<AdminService> m_admin;
    std::deque<LogEntry> m_rows;
    QList<LogEntry> m_pending;
    QSet<QString> m_categories;
    quint64 m_lastSeq = 0; // of the bound host: its history and its signals may overlap
    qsizetype m_capacity = DefaultCapacity;
    FlushTimer *m_flush;
};

} // namespace canopy::ui
