#pragma once

#include "admin/AdminTypes.h"

#include <QAbstractTableModel>

namespace canopy::ui {

// The block history of one document, oldest first: who wrote which counter and lamport ranges.
class BlocksModel final : public QAbstractTableModel
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(BlocksModel)

public:
    enum Column
    {
        Peer,
        Counters,
        Lamports,
        Changes,
        Size,
        Received,
        From,
        ColumnCount
    };
    enum Role
    {
        SortRole = Qt::UserRole + 1,
    };

    explicit BlocksModel(QObject *parent = nullptr);

    void setBlocks(const QList<BlockInfo> &blocks);
    const BlockInfo &blockAt(int row) const { return m_blocks.at(row); }

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(
        int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    QList<BlockInfo> m_blocks;
};

} // namespace canopy::ui
