#include "documents/BlocksModel.h"

#include "common/Format.h"

namespace canopy::ui {

BlocksModel::BlocksModel(QObject *parent)
    : QAbstractTableModel(parent)
{
}

void BlocksModel::setBlocks(const QList<BlockInfo> &blocks, const QString &kind)
{
    beginResetModel();
    m_blocks = blocks;
    m_kind = kind;
    endResetModel();
}

bool BlocksModel::columnApplies(int column, const QString &kind)
{
    switch (column) {
    case Counters:
        return kind != u"eps";
    case Lamports:
        return kind == u"loro";
    case Changes:
        return kind == u"loro" || kind == u"yjs"; // Yjs: the structs a stored update holds
    default:
        return true;
    }
}

QString BlocksModel::peerText(const BlockInfo &block) const
{
    // Loro and ELO name authors by Loro peer id (hex reads better); ephemeral keys are text, Yjs
    // client ids decimal, as yjs itself prints them.
    return m_kind == u"eps" || m_kind == u"yjs" ? block.peer : Format::peer(block.peer);
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
        return QStringLiteral("%1–%2").arg(QString::number(start), QString::number(end - 1));
    };
    switch (role) {
    case Qt::DisplayRole:
        switch (index.column()) {
        case Peer:
            return peerText(b);
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
        case Detail:
            return b.detail;
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
        case Detail:
            return b.detail;
        default:
            return b.fromDid;
        }
    case Qt::ToolTipRole:
        if (index.column() == Peer) {
            bool numeric = false;
            (void)b.peer.toULongLong(&numeric);
            if (m_kind == u"yjs") // a run's client, or a delete set
                return numeric ? tr("Client %1").arg(b.peer) : b.peer;
            return m_kind == u"eps" ? tr("Key %1").arg(b.peer) : tr("Peer %1").arg(b.peer);
        }
        if (index.column() == Detail && !b.detail.isEmpty())
            return b.detail;
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
        if (m_kind == u"yjs")
            return tr("Client");
        return m_kind == u"eps" ? tr("Key") : tr("Author peer");
    case Counters:
        return m_kind == u"yjs" ? tr("Clocks") : tr("Counters");
    case Lamports:
        return tr("Lamports");
    case Changes:
        return m_kind == u"yjs" ? tr("Structs") : tr("Changes");
    case Size:
        return tr("Size");
    case Received:
        return tr("Received");
    case From:
        return tr("From");
    case Detail:
        if (m_kind == u"elo")
            return tr("Record header");
        if (m_kind == u"eps")
            return tr("Value");
        return tr("Detail");
    }
    return {};
}

} // namespace canopy::ui
