#include "traffic/TrafficModel.h"

#include "admin/AdminService.h"
#include "common/FlushTimer.h"
#include "common/Format.h"

#include <QBrush>
#include <QColor>

namespace canopy::ui {

TrafficModel::TrafficModel(QObject *parent)
    : QAbstractTableModel(parent)
    , m_flush(new FlushTimer([this] { flush(); }, this))
{
}

void TrafficModel::setAdmin(AdminService *admin)
{
    if (m_admin)
        disconnect(m_admin, nullptr, this, nullptr);
    m_admin = admin;
    if (admin)
        connect(admin, &AdminService::frameCaptured, this, &TrafficModel::addFrame);
}

void TrafficModel::setCapacity(qsizetype capacity)
{
    m_capacity = qMax<qsizetype>(1, capacity);
    const qsizetype over = qsizetype(m_rows.size()) - m_capacity;
    if (over > 0) {
        evictOldest(over);
        Q_EMIT countsChanged(qsizetype(m_rows.size()), m_dropped);
    }
}

void TrafficModel::setPaused(bool paused)
{
    if (m_paused == paused)
        return;
    m_paused = paused;
    if (!paused && !m_pending.empty())
        m_flush->schedule();
}

void TrafficModel::clear()
{
    beginResetModel();
    m_rows.clear();
    m_pending.clear();
    m_bytes = 0;
    m_pendingBytes = 0;
    m_dropped = 0;
    m_sessionRooms.clear();
    endResetModel();
    Q_EMIT countsChanged(0, 0);
}

void TrafficModel::addFrame(const TrafficFrame &frame)
{
    Row row;
    row.frame = frame;
    row.size = frame.bytes.size();
    row.protocol = FrameDecoder::protocolOf(frame.protocol);
    row.summary = FrameDecoder::summarize(
        frame.bytes, frame.text, row.protocol, frame.direction == TrafficFrame::Direction::Out);
    if (row.protocol == WireProtocol::YWebsocket) {
        row.summary.entityId = frame.room;
        if (!frame.room.isEmpty()) {
            // One entry per y-websocket session seen; a long capture forgets them in bulk.
            if (m_sessionRooms.size() > 10000)
                m_sessionRooms.clear();
            const bool learned = !m_sessionRooms.contains(frame.sessionId);
            m_sessionRooms.insert(frame.sessionId, frame.room);
            if (learned && !m_rows.empty()) // the session's earlier rows are named now
                Q_EMIT dataChanged(
                    index(0, Entity), index(int(m_rows.size()) - 1, Entity), {Qt::DisplayRole});
        }
    }
    if (row.size > MaxFrameBytes) {
        row.frame.bytes = frame.bytes.left(MaxFrameBytes);
        row.truncated = true;
    }
    m_pendingBytes += row.frame.bytes.size();
    m_pending.push_back(std::move(row));
    // The queue never holds more than the table could: older queued frames are dropped here,
    // before they cost a model insert.
    while (qsizetype(m_pending.size()) > m_capacity) {
        m_pendingBytes -= m_pending.front().frame.bytes.size();
        m_pending.pop_front();
        ++m_dropped;
    }
    if (!m_paused)
        m_flush->schedule();
}

void TrafficModel::evictOldest(qsizetype count)
{
    count = qMin(count, qsizetype(m_rows.size()));
    if (count <= 0)
        return;
    beginRemoveRows({}, 0, int(count - 1));
    for (qsizetype i = 0; i < count; ++i) {
        m_bytes -= m_rows.front().frame.bytes.size();
        m_rows.pop_front();
    }
    endRemoveRows();
    m_dropped += quint64(count);
}

void TrafficModel::flush()
{
    if (m_paused || m_pending.empty())
        return;
    const qsizetype incoming = qsizetype(m_pending.size());
    // Make room by count, then by bytes; rows leave in one removal at the top.
    qsizetype evict = qMax<qsizetype>(0, qsizetype(m_rows.size()) + incoming - m_capacity);
    qint64 bytesAfter = m_bytes + m_pendingBytes;
    for (qsizetype i = 0; i < evict; ++i)
        bytesAfter -= m_rows.at(size_t(i)).frame.bytes.size();
    while (bytesAfter > m_byteBudget && evict < qsizetype(m_rows.size())) {
        bytesAfter -= m_rows.at(size_t(evict)).frame.bytes.size();
        ++evict;
    }
    evictOldest(evict);

    const int first = int(m_rows.size());
    beginInsertRows({}, first, first + int(incoming) - 1);
    for (Row &row : m_pending)
        m_rows.push_back(std::move(row));
    endInsertRows();
    m_pending.clear();
    m_bytes += m_pendingBytes;
    m_pendingBytes = 0;
    Q_EMIT countsChanged(qsizetype(m_rows.size()), m_dropped);
}

std::optional<LoroProtocolMessage> TrafficModel::fragmentHeaderFor(int row) const
{
    // A batch's frames leave the sender back to back, so its header is near; the search stops
    // after a few thousand rows all the same, so a click never scans the whole ring.
    constexpr int MaxDistance = 5000;
    if (row < 0 || row >= int(m_rows.size()))
        return std::nullopt;
    const Row &fragment = m_rows.at(size_t(row));
    if (fragment.protocol != WireProtocol::Loro || fragment.summary.type != u"fragment")
        return std::nullopt;
    const LoroProtocolDetail decoded = FrameDecoder::decodeLoroProtocol(fragment.frame.bytes);
    if (!decoded.decoded)
        return std::nullopt;
    for (int i = row - 1; i >= 0 && i >= row - MaxDistance; --i) {
        const Row &candidate = m_rows.at(size_t(i));
        if (candidate.summary.type != u"fragmentHeader"
            || candidate.frame.sessionId != fragment.frame.sessionId
            || candidate.frame.direction != fragment.frame.direction
            || candidate.summary.entityId != fragment.summary.entityId)
            continue;
        LoroProtocolDetail header = FrameDecoder::decodeLoroProtocol(candidate.frame.bytes);
        if (header.decoded && header.message.batchId == decoded.message.batchId
            && header.message.magic == decoded.message.magic)
            return std::move(header.message);
    }
    return std::nullopt;
}

QString TrafficModel::entityOf(const Row &row) const
{
    if (row.summary.entityId.isEmpty() && row.protocol == WireProtocol::YWebsocket)
        return m_sessionRooms.value(row.frame.sessionId);
    return row.summary.entityId;
}

int TrafficModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int TrafficModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant TrafficModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const Row &row = m_rows.at(size_t(index.row()));
    const bool in = row.frame.direction == TrafficFrame::Direction::In;
    switch (role) {
    case DidRole:
        return row.frame.did;
    case EntityRole:
        return entityOf(row);
    case TypeRole:
        return row.summary.type;
    case SeqRole:
        return row.frame.seq;
    case Qt::DisplayRole:
        switch (index.column()) {
        case Time:
            return Format::time(row.frame.time, true);
        case Direction:
            return in ? tr("← in") : tr("→ out");
        case Session:
            return row.frame.sessionId;
        case Did:
            return row.frame.did;
        case Kind:
            if (row.protocol == WireProtocol::Loro && !row.summary.magic.isEmpty())
                return row.summary.magic;
            return FrameDecoder::protocolText(row.protocol);
        case Type:
            if (!row.summary.type.isEmpty())
                return row.summary.type;
            return tr("(not %1)").arg(FrameDecoder::protocolText(row.protocol));
        case Entity:
            return entityOf(row);
        case Size:
            return Format::bytes(row.size);
        }
        break;
    case SortRole:
        switch (index.column()) {
        case Time:
            return row.frame.seq;
        case Size:
            return qint64(row.size);
        default:
            return data(index, Qt::DisplayRole);
        }
    case Qt::ForegroundRole:
        if (index.column() == Direction)
            return QBrush(in ? QColor(0x1f, 0x5f, 0xa8) : QColor(0x1e, 0x7b, 0x34));
        if (index.column() == Type && row.summary.type.isEmpty())
            return QBrush(QColor(0xb0, 0x20, 0x20));
        break;
    case Qt::ToolTipRole:
        if (index.column() == Kind) {
            if (row.protocol == WireProtocol::Sync1)
                return tr("Leaf Sync1 (msgpack) over a Loro document");
            if (row.protocol == WireProtocol::YWebsocket)
                return tr("y-websocket: y-protocols messages over one Yjs room");
            if (row.protocol == WireProtocol::Hocuspocus)
                return tr("Hocuspocus: y-protocols messages, each naming its Yjs document");
            if (row.summary.magic.isEmpty())
                return tr("loro-protocol v1");
            return tr("loro-protocol v1: %1")
                .arg(FrameDecoder::magicDescription(row.summary.magic.toLatin1()));
        }
        if (index.column() == Entity && !entityOf(row).isEmpty())
            return entityOf(row);
        break;
    case Qt::TextAlignmentRole:
        if (index.column() == Size)
            return int(Qt::AlignRight | Qt::AlignVCenter);
        break;
    }
    return {};
}

QVariant TrafficModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case Time:
        return tr("Time");
    case Direction:
        return tr("Direction");
    case Session:
        return tr("Session");
    case Did:
        return tr("DID");
    case Kind:
        return tr("Kind");
    case Type:
        return tr("Message");
    case Entity:
        return tr("Entity or room");
    case Size:
        return tr("Size");
    }
    return {};
}

} // namespace canopy::ui
