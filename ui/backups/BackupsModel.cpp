#include "backups/BackupsModel.h"

#include "common/Format.h"

#include <QBrush>
#include <QColor>

namespace canopy::ui {

BackupsModel::BackupsModel(QObject *parent)
    : KeyedTableModel<BackupEntry>(parent)
{
}

void BackupsModel::setAdmin(AdminService *admin)
{
    if (m_admin)
        disconnect(m_admin, nullptr, this, nullptr);
    m_admin = admin;
    clearRows();
    m_error.clear();
    if (!admin)
        return;
    connect(admin, &AdminService::backupsChanged, this, &BackupsModel::reload);
    reload();
}

void BackupsModel::reload()
{
    if (!m_admin)
        return;
    auto entries = m_admin->backups();
    m_error = entries ? QString() : entries.error().message;
    replaceRows(entries ? *entries : QList<BackupEntry> {});
}

bool BackupsModel::sameRow(const BackupEntry &a, const BackupEntry &b) const
{
    return a.file == b.file && a.bytes == b.bytes && a.time == b.time && a.verified == b.verified;
}

int BackupsModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant BackupsModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const BackupEntry &entry = m_rows.at(index.row());
    switch (role) {
    case FileRole:
        return entry.file;
    case Qt::DisplayRole:
        switch (index.column()) {
        case Time:
            return Format::dateTime(entry.time);
        case File:
            return entry.file;
        case Size:
            return Format::bytes(entry.bytes);
        case Verified:
            return entry.verified ? tr("yes") : tr("no: not whole");
        }
        break;
    case SortRole:
        switch (index.column()) {
        case Time:
        case File:
            return entry.time;
        case Size:
            return entry.bytes;
        case Verified:
            return entry.verified;
        }
        break;
    case Qt::ForegroundRole:
        if (index.column() == Verified && !entry.verified)
            return QBrush(QColor(0xb0, 0x20, 0x20));
        break;
    case Qt::ToolTipRole:
        switch (index.column()) {
        case Time:
            return entry.time.toUTC().toString(Qt::ISODateWithMs);
        case Verified:
            return entry.verified
                ? tr("Passed SQLite's integrity check when it was made, and is still whole")
                : tr("Shorter or longer than its header says: not Canopy's copy as it was made");
        case Size:
            return tr("%1 bytes").arg(Format::count(entry.bytes));
        default:
            break;
        }
        break;
    }
    return {};
}

QVariant BackupsModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case Time:
        return tr("Taken");
    case File:
        return tr("File");
    case Size:
        return tr("Size");
    case Verified:
        return tr("Verified");
    }
    return {};
}

} // namespace canopy::ui
