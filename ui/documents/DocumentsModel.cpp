#include "documents/DocumentsModel.h"

#include "admin/AdminService.h"
#include "common/FlushTimer.h"
#include "common/Format.h"

#include <QTimer>

namespace canopy::ui {

DocumentsModel::DocumentsModel(QObject *parent)
    : KeyedTableModel<DocumentInfo>(parent)
    , m_flush(new FlushTimer([this] { reload(); }, this, ReloadIntervalMs))
    , m_refresh(new QTimer(this))
{
    m_refresh->setInterval(RefreshIntervalMs);
    connect(m_refresh, &QTimer::timeout, m_flush, &FlushTimer::schedule);
}

void DocumentsModel::setAdmin(AdminService *admin)
{
    if (m_admin)
        disconnect(m_admin, nullptr, this, nullptr);
    m_flush->cancel();
    m_admin = admin;
    clearRows();
    if (!admin) {
        m_refresh->stop();
        return;
    }
    auto dirty = [this] { m_flush->schedule(); };
    connect(admin, &AdminService::documentChanged, this, dirty);
    connect(admin, &AdminService::sessionOpened, this, dirty);
    connect(admin, &AdminService::sessionClosed, this, dirty);
    m_refresh->start();
    reload();
}

void DocumentsModel::reload()
{
    if (!m_admin)
        return;
    auto documents = m_admin->documents();
    if (!documents) {
        Q_EMIT errorOccurred(documents.error().message);
        return;
    }
    replaceRows(*documents);
}

int DocumentsModel::rowOf(const QString &name, const QString &kind) const
{
    return KeyedTableModel<DocumentInfo>::rowOf(kind + u'\n' + name);
}

QString DocumentsModel::kindName(const QString &kind)
{
    if (kind == u"loro")
        return tr("Loro");
    if (kind == u"elo")
        return tr("ELO (encrypted)");
    if (kind == u"eps")
        return tr("ephemeral (persisted)");
    if (kind == u"eph")
        return tr("ephemeral");
    if (kind == u"yjs")
        return tr("Yjs");
    if (kind == u"yaw")
        return tr("Yjs awareness");
    return kind;
}

QString DocumentsModel::stateVectorText(const QList<ClientClock> &vector)
{
    QStringList parts;
    parts.reserve(vector.size());
    for (const ClientClock &entry : vector)
        parts.append(QStringLiteral("%1:%2").arg(
            QString::number(entry.client), QString::number(entry.clock)));
    return parts.join(QStringLiteral(", "));
}

bool DocumentsModel::sameRow(const DocumentInfo &a, const DocumentInfo &b) const
{
    return a.entityId == b.entityId && a.kind == b.kind && a.blocks == b.blocks
        && a.bytes == b.bytes && a.peers == b.peers && a.subscribers == b.subscribers
        && a.updatedAt == b.updatedAt && a.lastWriter == b.lastWriter
        && stateVectorText(a.stateVector) == stateVectorText(b.stateVector);
}

int DocumentsModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant DocumentsModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const DocumentInfo &d = m_rows.at(index.row());
    switch (role) {
    case EntityIdRole:
        return d.entityId;
    case KindRole:
        return d.kind;
    case Qt::DisplayRole:
        switch (index.column()) {
        case Entity:
            return d.entityId;
        case Kind:
            return kindName(d.kind);
        case Size:
            return Format::bytes(d.bytes);
        case Blocks:
            return Format::count(d.blocks);
        case Peers:
            return Format::count(d.peers);
        case Subscribers:
            return Format::count(d.subscribers);
        case LastChange:
            return Format::dateTime(d.updatedAt);
        case LastWriter:
            return d.lastWriter;
        case StateVector:
            return stateVectorText(d.stateVector);
        }
        break;
    case SortRole:
        switch (index.column()) {
        case Size:
            return d.bytes;
        case Blocks:
            return d.blocks;
        case Peers:
            return d.peers;
        case Subscribers:
            return d.subscribers;
        case LastChange:
            return d.updatedAt;
        default:
            return data(index, Qt::DisplayRole);
        }
    case Qt::TextAlignmentRole:
        if (index.column() >= Size && index.column() <= Subscribers)
            return int(Qt::AlignRight | Qt::AlignVCenter);
        break;
    case Qt::ToolTipRole:
        if (index.column() == Size)
            return tr("%1 bytes").arg(Format::count(d.bytes));
        if (index.column() == Entity)
            return d.entityId;
        if (index.column() == Kind) {
            if (d.kind == u"loro")
                return tr("Loro change blocks, from Sync1 (leaf: entities) or loro-protocol %LOR");
            if (d.kind == u"elo")
                return tr("End-to-end encrypted Loro records (%ELO): the host reads only their "
                          "plaintext headers");
            if (d.kind == u"eps")
                return tr("A persisted ephemeral store (%EPS): the latest entry per key");
            if (d.kind == u"yjs")
                return tr("A Yjs document (y-websocket, Hocuspocus, loro-protocol %YJS): stored "
                          "V1 updates, merged in the background");
        }
        if (d.kind == u"yjs" && index.column() == Blocks)
            return tr("%n stored update(s): runs of one client's structs, and delete sets", nullptr,
                int(d.blocks));
        if (d.kind == u"yjs" && index.column() == Peers)
            return tr("%n Yjs client(s)", nullptr, int(d.peers));
        if (index.column() == StateVector && !d.stateVector.isEmpty()) {
            QStringList lines;
            for (const ClientClock &entry : d.stateVector)
                lines.append(tr("client %1: clocks below %2")
                                 .arg(QString::number(entry.client), QString::number(entry.clock)));
            return lines.join(u'\n');
        }
        break;
    }
    return {};
}

QVariant DocumentsModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case Entity:
        return tr("Document");
    case Kind:
        return tr("Kind");
    case Size:
        return tr("Size");
    case Blocks:
        return tr("Blocks");
    case Peers:
        return tr("Peers");
    case Subscribers:
        return tr("Subscribers");
    case LastChange:
        return tr("Last change");
    case LastWriter:
        return tr("Last writer");
    case StateVector:
        return tr("State vector");
    }
    return {};
}

} // namespace canopy::ui
