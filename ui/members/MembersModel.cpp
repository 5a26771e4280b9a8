#include "members/MembersModel.h"

#include "admin/AdminService.h"
#include "common/FlushTimer.h"
#include "common/Format.h"

namespace canopy::ui {

MembersModel::MembersModel(QObject *parent)
    : KeyedTableModel<MemberInfo>(parent)
    , m_flush(new FlushTimer([this] { reload(); }, this))
{
}

void MembersModel::setAdmin(AdminService *admin)
{
    if (m_admin)
        disconnect(m_admin, nullptr, this, nullptr);
    m_flush->cancel();
    m_admin = admin;
    clearRows();
    if (!admin)
        return;
    connect(admin, &AdminService::membersChanged, m_flush, &FlushTimer::schedule);
    reload();
}

void MembersModel::reload()
{
    if (m_admin)
        replaceRows(m_admin->members());
}

bool MembersModel::sameRow(const MemberInfo &a, const MemberInfo &b) const
{
    return a.did == b.did && a.handle == b.handle && a.note == b.note && a.addedAt == b.addedAt;
}

int MembersModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant MembersModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const MemberInfo &member = m_rows.at(index.row());
    switch (role) {
    case DidRole:
        return member.did;
    case Qt::DisplayRole:
        switch (index.column()) {
        case Did:
            return member.did;
        case Handle:
            return member.handle.isEmpty() ? QString() : QString(u'@' + member.handle);
        case Note:
            return member.note;
        case Added:
            return Format::dateTime(member.addedAt);
        }
        break;
    case SortRole:
        return index.column() == Added ? QVariant(member.addedAt) : data(index, Qt::DisplayRole);
    case Qt::ToolTipRole:
        if (index.column() == Handle && member.handle.isEmpty())
            return tr("Not in the DID cache yet: the handle shows once the DID has been resolved");
        if (index.column() == Added)
            return member.addedAt.toUTC().toString(Qt::ISODate);
        if (index.column() == Note && !member.note.isEmpty())
            return member.note;
        break;
    }
    return {};
}

QVariant MembersModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case Did:
        return tr("DID");
    case Handle:
        return tr("Handle");
    case Note:
        return tr("Note");
    case Added:
        return tr("Added");
    }
    return {};
}

} // namespace canopy::ui
