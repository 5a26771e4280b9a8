#include "documents/BlocksModel.h"

#include "common/Format.h"

namespace canopy::ui {

BlocksModel::BlocksModel(QObject *parent)
    : QAbstractTableModel(parent)
{
}

void BlocksModel::setBlocks(const QList<BlockInfo> &blocks)
{
    beginResetModel();
    m_blocks = blocks;
    endResetModel();
}

int BlocksModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_blocks.size());
}

int BlocksModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant BlocksModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const BlockInfo &b = m_blocks.at(index.row());
    // Ranges are half-open in the core; people read "0–4" as inclusive, so show the last one.
    auto range = [](quint32 start, quint32 end) {
        if (end <= start + 1)
            return QString::number(start);
        return QStringLiteral("%1–%2").arg(start).arg(end - 1);
    };
    switch (role) {
    case Qt::DisplayRole:
        switch (index.column()) {
        case Peer:
            return Format::peer(b.peer);
        case Counters:
            return range(b.counterStart, b.counterEnd);
        case Lamports:
            return range(b.lamportStart, b.lamportEnd);
        case Changes:
            return Format::count(b.changes);
        case Size:
            return Format::bytes(b.size);
        case Received:
            return Format::dateTime(b.receivedAt);
        case From:
            return b.fromDid;
        }
        break;
    case SortRole:
        switch (index.column()) {
        case Peer:
            return b.peer.toULongLong() ? QVariant(b.peer.toULongLong()) : QVariant(b.peer);
        case Counters:
            return b.counterStart;
        case Lamports:
            return b.lamportStart;
        case Changes:
            return b.changes;
        case Size:
            return b.size;
        case Received:
            return b.receivedAt;
        default:
            return b.fromDid;
        }
    case Qt::ToolTipRole:
        if (index.column() == Peer)
            return tr("Peer %1").arg(b.peer);
        break;
    case Qt::TextAlignmentRole:
        if (index.column() == Changes || index.column() == Size)
            return int(Qt::AlignRight | Qt::AlignVCenter);
        break;
    }
    return {};
}

QVariant BlocksModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case Peer:
        return tr("Author peer");
    case Counters:
        return tr("Counters");
    case Lamports:
        return tr("Lamports");
    case Changes:
        return tr("Changes");
    case Size:
        return tr("Size");
    case Received:
        return tr("Received");
    case From:
        return tr("From");
    }
    return {};
}

} // namespace canopy::ui
