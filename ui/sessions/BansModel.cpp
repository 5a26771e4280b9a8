#include "sessions/BansModel.h"

#include "admin/AdminService.h"
#include "common/FlushTimer.h"
#include "common/Format.h"

namespace canopy::ui {

BansModel::BansModel(QObject *parent)
    : KeyedTableModel<BanInfo>(parent)
    , m_flush(new FlushTimer([this] { reload(); }, this))
{
}

void BansModel::setAdmin(AdminService *admin)
{
    if (m_admin)
        disconnect(m_admin, nullptr, this, nullptr);
    m_admin = admin;
    clearRows();
    if (!admin)
        return;
    connect(admin, &AdminService::bansChanged, m_flush, &FlushTimer::schedule);
    reload();
}

void BansModel::reload()
{
    if (!m_admin)
        return;
    auto bans = m_admin->bans();
    if (!bans) {
        Q_EMIT errorOccurred(bans.error().message);
        return;
    }
    replaceRows(*bans);
}

bool BansModel::sameRow(const BanInfo &a, const BanInfo &b) const
{
    return a.did == b.did && a.reason == b.reason && a.since == b.since && a.until == b.until;
}

int BansModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant BansModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const BanInfo &ban = m_rows.at(index.row());
    switch (role) {
    case DidRole:
        return ban.did;
    case Qt::DisplayRole:
        switch (index.column()) {
        case Did:
            return ban.did;
        case Reason:
            return ban.reason;
        case Since:
            return Format::dateTime(ban.since);
        case Until:
            return ban.until.isValid() ? Format::dateTime(ban.until) : tr("until lifted");
        }
        break;
    case SortRole:
        switch (index.column()) {
        case Since:
            return ban.since;
        case Until:
            // Permanent bans sort after every dated one.
            return ban.until.isValid() ? ban.until : QDateTime(QDate(9999, 12, 31), QTime(0, 0));
        default:
            return data(index, Qt::DisplayRole);
        }
    }
    return {};
}

QVariant BansModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case Did:
        return tr("DID");
    case Reason:
        return tr("Reason");
    case Since:
        return tr("Since");
    case Until:
        return tr("Until");
    }
    return {};
}

} // namespace canopy::ui
