#include "documents/GrantsModel.h"

namespace canopy::ui {

GrantsModel::GrantsModel(QObject *parent)
    : QAbstractTableModel(parent)
{
}

void GrantsModel::setGrants(const QList<GrantInfo> &grants)
{
    beginResetModel();
    m_grants = grants;
    endResetModel();
}

int GrantsModel::rowOf(const QString &identity) const
{
    for (int i = 0; i < m_grants.size(); ++i) {
        if (m_grants.at(i).identity == identity)
            return i;
    }
    return -1;
}

int GrantsModel::grant(const QString &identity, const QString &permission)
{
    const int row = rowOf(identity);
    if (row >= 0) {
        if (m_grants.at(row).permission != permission) {
            m_grants[row].permission = permission;
            Q_EMIT dataChanged(index(row, Permission), index(row, Permission));
            Q_EMIT edited();
        }
        return row;
    }
    const int at = int(m_grants.size());
    beginInsertRows({}, at, at);
    m_grants.append(GrantInfo {identity, permission});
    endInsertRows();
    Q_EMIT edited();
    return at;
}

void GrantsModel::removeGrant(int row)
{
    if (row < 0 || row >= m_grants.size())
        return;
    beginRemoveRows({}, row, row);
    m_grants.removeAt(row);
    endRemoveRows();
    Q_EMIT edited();
}

int GrantsModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_grants.size());
}

int GrantsModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant GrantsModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const GrantInfo &grant = m_grants.at(index.row());
    switch (role) {
    case IdentityRole:
        return grant.identity;
    case Qt::DisplayRole:
        return index.column() == Identity ? grant.identity : grant.permission;
    case Qt::ToolTipRole:
        if (index.column() == Permission)
            return grant.permission == u"write"
                ? tr("May read and write, whatever the default")
                : tr("May read, whatever the default; writes only if the default allows it");
        break;
    }
    return {};
}

QVariant GrantsModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    return section == Identity ? tr("Identity") : tr("Permission");
}

} // namespace canopy::ui
