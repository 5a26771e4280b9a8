#pragma once

#include "admin/AdminTypes.h"

#include <QAbstractTableModel>
#include <QList>

namespace canopy::ui {

// A document's grants (identity -> read | write) as the Access tab edits them, before Apply
// sends them to the host. One row per identity: granting an identity again changes its row.
class GrantsModel final : public QAbstractTableModel
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(GrantsModel)

public:
    enum Column
    {
        Identity,
        Permission,
        ColumnCount
    };
    enum Role
    {
        IdentityRole = Qt::UserRole + 1,
    };

    explicit GrantsModel(QObject *parent = nullptr);

    const QList<GrantInfo> &grants() const { return m_grants; }
    void setGrants(const QList<GrantInfo> &grants);
    // Adds the grant, or changes the permission of the identity's row; returns its row.
    int grant(const QString &identity, const QString &permission);
    void removeGrant(int row);
    int rowOf(const QString &identity) const;

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(
        int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

Q_SIGNALS:
    void edited(); // a grant added, changed or removed

private:
    QList<GrantInfo> m_grants;
};

} // namespace canopy::ui
