#include "logs/LogFilterModel.h"

#include "logs/LogModel.h"

namespace canopy::ui {

LogFilterModel::LogFilterModel(QObject *parent)
    : QSortFilterProxyModel(parent)
{
    setDynamicSortFilter(false); // arrival order is the order
}

void LogFilterModel::setMinimumLevel(int rank)
{
    m_minimumLevel = rank;
    invalidateFilter();
}

void LogFilterModel::setCategory(const QString &category)
{
    m_category = category;
    invalidateFilter();
}

void LogFilterModel::setDid(const QString &did)
{
    m_did = did.trimmed();
    invalidateFilter();
}

void LogFilterModel::setSearchText(const QString &text)
{
    m_search = text;
    invalidateFilter();
}

bool LogFilterModel::filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const
{
    const QModelIndex index = sourceModel()->index(sourceRow, 0, sourceParent);
    if (index.data(LogModel::LevelRankRole).toInt() < m_minimumLevel)
        return false;
    if (!m_category.isEmpty() && index.data(LogModel::CategoryRole).toString() != m_category)
        return false;
    if (!m_did.isEmpty()
        && !index.data(LogModel::DidRole).toString().contains(m_did, Qt::CaseInsensitive))
        return false;
    if (!m_search.isEmpty()
        && !index.data(LogModel::SearchTextRole).toString().contains(m_search, Qt::CaseInsensitive))
        return false;
    return true;
}

} // namespace canopy::ui
