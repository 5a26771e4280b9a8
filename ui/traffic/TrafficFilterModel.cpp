#include "traffic/TrafficFilterModel.h"

#include "traffic/TrafficModel.h"

namespace canopy::ui {

TrafficFilterModel::TrafficFilterModel(QObject *parent)
    : QSortFilterProxyModel(parent)
{
    // The log is already in arrival order; sorting 20 000 rows per flush would be wasted work.
    setDynamicSortFilter(false);
}

void TrafficFilterModel::setDid(const QString &did)
{
    m_did = did.trimmed();
    invalidateFilter();
}

void TrafficFilterModel::setEntity(const QString &entity)
{
    m_entity = entity.trimmed();
    invalidateFilter();
}

void TrafficFilterModel::setType(const QString &type)
{
    m_type = type;
    invalidateFilter();
}

bool TrafficFilterModel::isFiltering() const
{
    return !m_did.isEmpty() || !m_entity.isEmpty() || !m_type.isEmpty();
}

bool TrafficFilterModel::filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const
{
    if (!isFiltering())
        return true;
    const QModelIndex index = sourceModel()->index(sourceRow, 0, sourceParent);
    if (!m_did.isEmpty()
        && !index.data(TrafficModel::DidRole).toString().contains(m_did, Qt::CaseInsensitive))
        return false;
    if (!m_entity.isEmpty()
        && !index.data(TrafficModel::EntityRole).toString().contains(m_entity, Qt::CaseInsensitive))
        return false;
    if (!m_type.isEmpty() && index.data(TrafficModel::TypeRole).toString() != m_type)
        return false;
    return true;
}

} // namespace canopy::ui
