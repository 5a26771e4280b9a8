#include "rooms/RoomsModel.h"

#include "common/FlushTimer.h"
#include "common/Format.h"
#include "documents/DocumentsModel.h"
#include "sessions/SessionsModel.h"

#include <QMap>

namespace canopy::ui {

RoomsModel::RoomsModel(QObject *parent)
    : KeyedTableModel<RoomRow>(parent)
    , m_flush(new FlushTimer([this] { reload(); }, this))
{
}

void RoomsModel::setAdmin(AdminService *admin)
{
    if (m_admin)
        disconnect(m_admin, nullptr, this, nullptr);
    m_flush->cancel();
    m_admin = admin;
    clearRows();
    if (!admin)
        return;
    auto dirty = [this] { m_flush->schedule(); };
    connect(admin, &AdminService::sessionOpened, this, dirty);
    connect(admin, &AdminService::sessionClosed, this, dirty);
    connect(admin, &AdminService::sessionChanged, this, dirty);
    reload();
}

void RoomsModel::reload()
{
    if (!m_admin)
        return;
    QMap<QString, RoomRow> rooms; // sorted by kind, then name
    for (const SessionInfo &session : m_admin->sessions()) {
        for (const RoomInfo &room : session.rooms) {
            RoomRow &row = rooms[room.kind + u'\n' + room.id];
            row.kind = room.kind;
            row.name = room.id;
            row.members.append(tr("%1 (%2, %3)")
                                   .arg(session.did, SessionsModel::protocolName(session.protocol),
                                       room.permission));
            if (room.permission == u"write")
                ++row.writers;
        }
    }
    replaceRows(rooms.values());
}

int RoomsModel::rowOf(const QString &kind, const QString &name) const
{
    return KeyedTableModel<RoomRow>::rowOf(kind + u'\n' + name);
}

bool RoomsModel::sameRow(const RoomRow &a, const RoomRow &b) const
{
    return a.kind == b.kind && a.name == b.name && a.members == b.members && a.writers == b.writers;
}

int RoomsModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant RoomsModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const RoomRow &r = m_rows.at(index.row());
    switch (role) {
    case KindRole:
        return r.kind;
    case NameRole:
        return r.name;
    case Qt::DisplayRole:
        switch (index.column()) {
        case Kind:
            return DocumentsModel::kindName(r.kind);
        case Members:
            return Format::count(r.members.size());
        case Room:
            return r.name;
        }
        break;
    case SortRole:
        if (index.column() == Members)
            return int(r.members.size());
        return data(index, Qt::DisplayRole);
    case Qt::ToolTipRole:
        if (index.column() == Members)
            return r.members.join(u'\n');
        if (index.column() == Room)
            return r.name;
        break;
    case Qt::TextAlignmentRole:
        if (index.column() == Members)
            return int(Qt::AlignRight | Qt::AlignVCenter);
        break;
    }
    return {};
}

QVariant RoomsModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case Kind:
        return tr("Kind");
    case Members:
        return tr("Members");
    case Room:
        return tr("Room");
    }
    return {};
}

} // namespace canopy::ui
