#pragma once

#include "admin/AdminService.h"
#include "common/KeyedTableModel.h"

#include <functional>

#include <QPointer>

class QTimer;

namespace canopy::ui {

class FlushTimer;

// One entry of an ephemeral store as the host holds it now.
struct PresenceRow
{
    QString key;
    QString value; // described, JSON-like; empty for a deletion
    qint64 timestampMs = 0; // the writer's clock
    bool deleted = false; // a tombstone, kept until it expires
};

// The live entries of one ephemeral room (%EPH or %EPS): key, value, age, deleted. Changes
// arrive as presenceChanged and are applied at most ten times a second; once a second the ages
// tick and the entries are re-read (expired ones leave without a signal of their own).
class PresenceModel final : public KeyedTableModel<PresenceRow>
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(PresenceModel)

public:
    static constexpr int TickMs = 1000;

    enum Column
    {
        Key,
        Age,
        Deleted,
        Value, // last: the view stretches it
        ColumnCount
    };
    enum Role
    {
        SortRole = Qt::UserRole + 1,
        AgeSecondsRole,
    };

    explicit PresenceModel(QObject *parent = nullptr);

    void setAdmin(AdminService *admin);
    void setRoom(const QString &kind, const QString &name); // empty: no room, no rows
    QString kind() const { return m_kind; }
    QString name() const { return m_name; }
    void reload();
    // Milliseconds since the epoch; tests pin it.
    void setClock(std::function<qint64()> clock) { m_clock = std::move(clock); }
    qint64 ageSeconds(const PresenceRow &row) const;

    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(
        int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

protected:
    QString keyOf(const PresenceRow &row) const override { return row.key; }
    bool sameRow(const PresenceRow &a, const PresenceRow &b) const override;

private:
    void tick();
    void updateTicker();

    QPointer<AdminService> m_admin;
    QString m_kind;
    QString m_name;
    FlushTimer *m_flush;
    QTimer *m_ticker;
    std::function<qint64()> m_clock;
};

} // namespace canopy::ui
