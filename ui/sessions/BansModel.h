#pragma once

#include "admin/AdminService.h"
#include "admin/AdminTypes.h"
#include "common/KeyedTableModel.h"

#include <QPointer>

namespace canopy::ui {

class FlushTimer;

// Banned DIDs; reloaded (in a batch) whenever the admin service reports a change.
class BansModel final : public KeyedTableModel<BanInfo>
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(BansModel)

public:
    enum Column
    {
        Did,
        Reason,
        Since,
        Until,
        ColumnCount
    };
    enum Role
    {
        DidRole = Qt::UserRole + 1,
        SortRole,
    };

    explicit BansModel(QObject *parent = nullptr);

    void setAdmin(AdminService *admin);
    void reload();

    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(
        int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

Q_SIGNALS:
    void errorOccurred(const QString &message);

protected:
    QString keyOf(const BanInfo &row) const override { return row.did; }
    bool sameRow(const BanInfo &a, const BanInfo &b) const override;

private:
    QPointer<AdminService> m_admin;
    FlushTimer *m_flush;
};

} // namespace canopy::ui
