#pragma once

#include <QSortFilterProxyModel>

namespace canopy::ui {

// Narrows the traffic log by DID, entity and message type (substrings, case-insensitive; an
// empty filter lets everything through).
class TrafficFilterModel final : public QSortFilterProxyModel
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(TrafficFilterModel)

public:
    explicit TrafficFilterModel(QObject *parent = nullptr);

    void setDid(const QString &did);
    void setEntity(const QString &entity);
    void setType(const QString &type); // exact; empty: any
    bool isFiltering() const;

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const override;

private:
    QString m_did;
    QString m_entity;
    QString m_type;
};

} // namespace canopy::ui
