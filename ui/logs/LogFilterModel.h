#pragma once

#include <QSortFilterProxyModel>

namespace canopy::ui {

// Narrows the event log by minimum level, category, DID and a text search over the message
// and its fields.
class LogFilterModel final : public QSortFilterProxyModel
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(LogFilterModel)

public:
    explicit LogFilterModel(QObject *parent = nullptr);

    void setMinimumLevel(int rank); // LogModel::levelRank; 0 shows everything
    void setCategory(const QString &category); // exact; empty: any
    void setDid(const QString &did); // substring
    void setSearchText(const QString &text); // substring

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const override;

private:
    int m_minimumLevel = 0;
    QString m_category;
    QString m_did;
    QString m_search;
};

} // namespace canopy::ui
