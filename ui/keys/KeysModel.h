#pragma once

#include "admin/AdminService.h"
#include "admin/AdminTypes.h"
#include "common/KeyedTableModel.h"

#include <QPointer>
#include <QSet>

class QTimer;

namespace canopy::ui {

class FlushTimer;

// Access keys (identity "key:<name>"): scope, permission, lifetime and the live sessions using
// each. Rows reload (batched) on accessKeysChanged and as sessions come and go; a key passing
// its expiry repaints on the next second's tick.
class KeysModel final : public KeyedTableModel<AccessKeyInfo>
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(KeysModel)

public:
    enum Column
    {
        Name,
        Scope,
        Permission,
        Created,
        Expires,
        Sessions,
        ColumnCount
    };
    enum Role
    {
        NameRole = Qt::UserRole + 1,
        ExpiredRole, // bool
        SortRole,
    };

    explicit KeysModel(QObject *parent = nullptr);

    void setAdmin(AdminService *admin);
    void reload();

    static bool isExpired(const AccessKeyInfo &key, const QDateTime &now);

    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(
        int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

protected:
    QString keyOf(const AccessKeyInfo &row) const override { return row.name; }
    bool sameRow(const AccessKeyInfo &a, const AccessKeyInfo &b) const override;

private:
    void tick();

    QPointer<AdminService> m_admin;
    FlushTimer *m_flush;
    QTimer *m_tick;
    QSet<QString> m_expired; // as of the last tick
};

} // namespace canopy::ui
