#pragma once

#include "admin/AdminService.h"
#include "admin/AdminTypes.h"
#include "common/KeyedTableModel.h"

#include <QPointer>

namespace canopy::ui {

class FlushTimer;

// The host's member list (who may connect in members mode): DID, cached handle, note, when
// added. Reloaded (in a batch) on membersChanged.
class MembersModel final : public KeyedTableModel<MemberInfo>
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(MembersModel)

public:
    enum Column
    {
        Did,
        Handle,
        Note,
        Added,
        ColumnCount
    };
    enum Role
    {
        DidRole = Qt::UserRole + 1,
        SortRole,
    };

    explicit MembersModel(QObject *parent = nullptr);

    void setAdmin(AdminService *admin);
    void reload();

    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(
        int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

protected:
    QString keyOf(const MemberInfo &row) const override { return row.did; }
    bool sameRow(const MemberInfo &a, const MemberInfo &b) const override;

private:
    QPointer<AdminService> m_admin;
    FlushTimer *m_flush;
};

} // namespace canopy::ui
