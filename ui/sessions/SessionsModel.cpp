#include "sessions/SessionsModel.h"

#include "admin/AdminService.h"
#include "common/FlushTimer.h"
#include "common/Format.h"

#include <QBrush>
#include <QColor>
#include <QTimer>

namespace canopy::ui {
namespace {

bool sameRooms(const QList<RoomInfo> &a, const QList<RoomInfo> &b)
{
    return std::equal(
        a.cbegin(), a.cend(), b.cbegin(), b.cend(), [](const RoomInfo &x, const RoomInfo &y) {
            return x.id == y.id && x.kind == y.kind && x.permission == y.permission;
        });
}

// Sessions whose rooms are documents of several kinds (loro-protocol: a magic each; y-websocket
// and Hocuspocus: a Yjs document and its awareness), so their rooms are listed with the kind.
bool multiKind(const SessionInfo &s)
{
    return s.protocol != u"sync1";
}

int readOnlyCount(const SessionInfo &s)
{
    return int(std::count_if(s.rooms.cbegin(), s.rooms.cend(),
        [](const RoomInfo &room) { return room.permission != u"write"; }));
}

} // namespace

SessionsModel::SessionsModel(QObject *parent)
    : QAbstractTableModel(parent)
    , m_flush(new FlushTimer([this] { flush(); }, this))
    , m_refresh(new QTimer(this))
{
    m_refresh->setInterval(1000);
    connect(m_refresh, &QTimer::timeout, this, &SessionsModel::refresh);
}

void SessionsModel::setAdmin(AdminService *admin)
{
    if (m_admin)
        disconnect(m_admin, nullptr, this, nullptr);
    m_flush->cancel();
    m_opened.clear();
    m_closed.clear();
    m_changed.clear();

    beginResetModel();
    m_admin = admin;
    m_rows = admin ? admin->sessions() : QList<SessionInfo>();
    endResetModel();

    if (!admin) {
        m_refresh->stop();
        return;
    }
    connect(admin, &AdminService::sessionOpened, this, &SessionsModel::onOpened);
    connect(admin, &AdminService::sessionClosed, this, &SessionsModel::onClosed);
    connect(admin, &AdminService::sessionChanged, this, &SessionsModel::onChanged);
    m_refresh->start();
}

int SessionsModel::rowOf(const QString &sessionId) const
{
    for (int i = 0; i < m_rows.size(); ++i) {
        if (m_rows.at(i).id == sessionId)
            return i;
    }
    return -1;
}

void SessionsModel::onOpened(const SessionInfo &session)
{
    m_opened.append(session);
    m_flush->schedule();
}

void SessionsModel::onClosed(const QString &sessionId)
{
    // A session that opens and closes within one batch never shows.
    for (qsizetype i = 0; i < m_opened.size(); ++i) {
        if (m_opened.at(i).id == sessionId) {
            m_opened.removeAt(i);
            return;
        }
    }
    m_closed.insert(sessionId);
    m_flush->schedule();
}

void SessionsModel::onChanged(const QString &sessionId)
{
    m_changed.insert(sessionId);
    m_flush->schedule();
}

void SessionsModel::flush()
{
    for (const QString &id : std::as_const(m_closed)) {
        const int row = rowOf(id);
        if (row < 0)
            continue;
        beginRemoveRows({}, row, row);
        m_rows.removeAt(row);
        endRemoveRows();
    }
    m_closed.clear();
    if (!m_opened.isEmpty()) {
        beginInsertRows({}, int(m_rows.size()), int(m_rows.size() + m_opened.size() - 1));
        m_rows.append(m_opened);
        endInsertRows();
        m_opened.clear();
    }
    if (m_admin) {
        for (const QString &id : std::as_const(m_changed)) {
            const int row = rowOf(id);
            const auto fresh = row < 0 ? std::nullopt : m_admin->session(id);
            if (!fresh)
                continue;
            m_rows[row] = *fresh;
            Q_EMIT dataChanged(index(row, 0), index(row, ColumnCount - 1));
        }
    }
    m_changed.clear();
}

void SessionsModel::refresh()
{
    if (!m_admin || m_rows.isEmpty())
        return;
    int top = -1;
    int bottom = -1;
    for (const SessionInfo &fresh : m_admin->sessions()) {
        const int row = rowOf(fresh.id);
        if (row < 0)
            continue;
        SessionInfo &shown = m_rows[row];
        if (sameRooms(shown.rooms, fresh.rooms) && shown.authenticated == fresh.authenticated
            && shown.did == fresh.did && shown.framesIn == fresh.framesIn
            && shown.framesOut == fresh.framesOut && shown.handle == fresh.handle)
            continue;
        shown = fresh;
        top = top < 0 ? row : qMin(top, row);
        bottom = qMax(bottom, row);
    }
    if (top >= 0)
        Q_EMIT dataChanged(index(top, 0), index(bottom, ColumnCount - 1));
}

QString SessionsModel::protocolName(const QString &protocol)
{
    if (protocol == u"loro")
        return QStringLiteral("loro-protocol");
    if (protocol == u"y-websocket")
        return QStringLiteral("y-websocket");
    if (protocol == u"hocuspocus")
        return QStringLiteral("Hocuspocus");
    return QStringLiteral("Sync1");
}

QString SessionsModel::roomsText(const SessionInfo &s)
{
    if (!s.authenticated)
        return tr("not authenticated yet: waiting for its first join");
    if (s.rooms.isEmpty())
        return tr("none");
    // Each subscription's permission: one is named, several are counted (the tooltip lists
    // them all), so a read-only session stands out.
    const int readOnly = readOnlyCount(s);
    const QString readOnlyText = readOnly > 0 ? tr(", %n read-only", nullptr, readOnly) : QString();
    if (!multiKind(s)) {
        if (s.rooms.size() == 1) {
            const RoomInfo &room = s.rooms.constFirst();
            return tr("%1 (%2)").arg(room.id, room.permission);
        }
        return tr("%n document(s)", nullptr, int(s.rooms.size())) + readOnlyText;
    }
    if (s.rooms.size() == 1) {
        const RoomInfo &room = s.rooms.constFirst();
        return tr("%1 (%2, %3)").arg(room.id, room.kind, room.permission);
    }
    // "3 rooms: 2 loro, 1 eph"; the rooms come sorted by kind.
    QStringList kinds;
    for (qsizetype i = 0; i < s.rooms.size();) {
        qsizetype j = i;
        while (j < s.rooms.size() && s.rooms.at(j).kind == s.rooms.at(i).kind)
            ++j;
        kinds.append(QStringLiteral("%1 %2").arg(QString::number(j - i), s.rooms.at(i).kind));
        i = j;
    }
    return tr("%n room(s): %1", nullptr, int(s.rooms.size())).arg(kinds.join(QStringLiteral(", ")))
        + readOnlyText;
}

QString SessionsModel::roomsToolTip(const SessionInfo &s)
{
    if (!s.authenticated)
        return s.protocol == u"hocuspocus"
            ? tr("A Hocuspocus session proves its DID with the token in each document's Auth "
                 "message; until then it holds no document.")
            : tr("A loro-protocol session proves its DID with the token in its first "
                 "JoinRequest; until then it holds no room. It is closed if no join succeeds "
                 "within 10 s.");
    QStringList lines;
    for (const RoomInfo &room : s.rooms) {
        lines.append(multiKind(s) ? tr("%1 — %2, %3").arg(room.id, room.kind, room.permission)
                                  : tr("%1 — %2").arg(room.id, room.permission));
    }
    return lines.join(u'\n');
}

int SessionsModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int SessionsModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant SessionsModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const SessionInfo &s = m_rows.at(index.row());
    switch (role) {
    case SessionIdRole:
        return s.id;
    case DidRole:
        return s.did;
    case Qt::DisplayRole:
        switch (index.column()) {
        case Did:
            return s.did;
        case Handle:
            return s.handle.isEmpty() ? QString() : QString(u'@' + s.handle);
        case Protocol:
            return protocolName(s.protocol);
        case Remote:
            return s.remote;
        case ConnectedSince:
            return Format::dateTime(s.connectedAt);
        case Rooms:
            return roomsText(s);
        case Traffic:
            return tr("↓ %1 (%2)  ↑ %3 (%4)")
                .arg(Format::count(qint64(s.framesIn)), Format::bytes(qint64(s.bytesIn)),
                    Format::count(qint64(s.framesOut)), Format::bytes(qint64(s.bytesOut)));
        }
        break;
    case SortRole:
        switch (index.column()) {
        case ConnectedSince:
            return s.connectedAt;
        case Rooms:
            return int(s.rooms.size());
        case Traffic:
            return s.bytesIn + s.bytesOut;
        default:
            return data(index, Qt::DisplayRole);
        }
    case Qt::ForegroundRole:
        if (!s.authenticated && (index.column() == Did || index.column() == Rooms))
            return QBrush(QColor(0x9a, 0x6a, 0x00)); // amber: not proven yet
        break;
    case Qt::ToolTipRole:
        switch (index.column()) {
        case ConnectedSince:
            return tr("Connected for %1")
                .arg(Format::duration(s.connectedAt.secsTo(QDateTime::currentDateTimeUtc())));
        case Rooms: {
            const QString tip = roomsToolTip(s);
            return tip.isEmpty() ? QVariant() : QVariant(tip);
        }
        case Protocol:
            if (s.protocol == u"y-websocket")
                return tr("y-websocket on /yjs/as/<did>/<room>: one Yjs document and its "
                          "awareness");
            if (s.protocol == u"hocuspocus")
                return tr("Hocuspocus on /hocuspocus/as/<did>: Yjs documents multiplexed by name");
            return s.protocol == u"loro"
                ? tr("loro-protocol v1 on /loro/as/<did>: binary messages per room")
                : tr("Leaf Sync1 on /sync/as/<did>: msgpack over Loro documents");
        case Did:
            if (!s.authenticated)
                return tr("%1 (named in the path, not proven yet)").arg(s.did);
            return tr("Session %1").arg(s.id);
        case Traffic:
            return tr("Received %1 frames, %2\nSent %3 frames, %4")
                .arg(Format::count(qint64(s.framesIn)), Format::bytes(qint64(s.bytesIn)),
                    Format::count(qint64(s.framesOut)), Format::bytes(qint64(s.bytesOut)));
        default:
            return tr("Session %1").arg(s.id);
        }
    }
    return {};
}

QVariant SessionsModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case Did:
        return tr("DID");
    case Handle:
        return tr("Handle");
    case Protocol:
        return tr("Protocol");
    case Remote:
        return tr("Remote address");
    case ConnectedSince:
        return tr("Connected since");
    case Rooms:
        return tr("Rooms / documents");
    case Traffic:
        return tr("Traffic");
    }
    return {};
}

} // namespace canopy::ui
