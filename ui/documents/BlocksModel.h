#pragma once

#include "admin/AdminTypes.h"

#include <QAbstractTableModel>

namespace canopy::ui {

// The stored units of one document, oldest first. Loro: change blocks, who wrote which counter
// and lamport ranges; ELO: records by peer and span (the header in `Detail`); persisted
// ephemeral stores: the latest entry per key (its value in `Detail`); Yjs: stored updates by
// client and clock range (structs counted in `Changes`), and delete sets.
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
        Detail, // last: the view stretches it
        ColumnCount
    };
    enum Role
    {
        SortRole = Qt::UserRole + 1,
    };

    explicit BlocksModel(QObject *parent = nullptr);

    void setBlocks(const QList<BlockInfo> &blocks, const QString &kind = QStringLiteral("loro"));
    const BlockInfo &blockAt(int row) const { return m_blocks.at(row); }
    QString kind() const { return m_kind; }
    // The columns that mean nothing for `kind` (lamports are Loro's, counters not a key's).
    static bool columnApplies(int column, const QString &kind);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(
        int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    QString peerText(const BlockInfo &block) const;

    QList<BlockInfo> m_blocks;
    QString m_kind = QStringLiteral("loro");
};

} // namespace canopy::ui
