#include "keys/KeysModel.h"

#include "admin/AdminService.h"
#include "common/FlushTimer.h"
#include "common/Format.h"

#include <QBrush>
#include <QColor>
#include <QTimer>

namespace canopy::ui {

KeysModel::KeysModel(QObject *parent)
    : KeyedTableModel<AccessKeyInfo>(parent)
    , m_flush(new FlushTimer([this] { reload(); }, this))
    , m_tick(new QTimer(this))
{
    m_tick->setInterval(1000);
    connect(m_tick, &QTimer::timeout, this, &KeysModel::tick);
}

void KeysModel::setAdmin(AdminService *admin)
{
    if (m_admin)
        disconnect(m_admin, nullptr, this, nullptr);
    m_flush->cancel();
    m_admin = admin;
    clearRows();
    m_expired.clear();
    if (!admin) {
        m_tick->stop();
        return;
    }
    connect(admin, &AdminService::accessKeysChanged, m_flush, &FlushTimer::schedule);
    // The live-session count has no signal of its own: sessions opening, authenticating and
    // closing are what change it.
    connect(admin, &AdminService::sessionOpened, m_flush, &FlushTimer::schedule);
    connect(admin, &AdminService::sessionChanged, m_flush, &FlushTimer::schedule);
    connect(admin, &AdminService::sessionClosed, m_flush, &FlushTimer::schedule);
    m_tick->start();
    reload();
}

void KeysModel::reload()
{
    if (!m_admin)
        return;
    replaceRows(m_admin->accessKeys());
    const QDateTime now = QDateTime::currentDateTimeUtc();
    m_expired.clear();
    for (const AccessKeyInfo &key : std::as_const(m_rows)) {
        if (isExpired(key, now))
            m_expired.insert(key.name);
    }
}

bool KeysModel::isExpired(const AccessKeyInfo &key, const QDateTime &now)
{
    return key.expiresAt.isValid() && key.expiresAt <= now;
}

void KeysModel::tick()
{
    // Only a key crossing its expiry repaints; the rest of the table costs nothing.
    const QDateTime now = QDateTime::currentDateTimeUtc();
    for (int i = 0; i < m_rows.size(); ++i) {
        const AccessKeyInfo &key = m_rows.at(i);
        if (!isExpired(key, now) || m_expired.contains(key.name))
            continue;
        m_expired.insert(key.name);
        Q_EMIT dataChanged(index(i, 0), index(i, ColumnCount - 1));
    }
}

bool KeysModel::sameRow(const AccessKeyInfo &a, const AccessKeyInfo &b) const
{
    return a.name == b.name && a.scope == b.scope && a.permission == b.permission
        && a.createdAt == b.createdAt && a.expiresAt == b.expiresAt && a.sessions == b.sessions;
}

int KeysModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant KeysModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const AccessKeyInfo &key = m_rows.at(index.row());
    const bool expired = m_expired.contains(key.name);
    switch (role) {
    case NameRole:
        return key.name;
    case ExpiredRole:
        return expired;
    case Qt::DisplayRole:
        switch (index.column()) {
        case Name:
            return key.name;
        case Scope:
            return key.scope;
        case Permission:
            return key.permission;
        case Created:
            return Format::dateTime(key.createdAt);
        case Expires:
            if (!key.expiresAt.isValid())
                return tr("never");
            if (expired)
                return tr("expired %1").arg(Format::dateTime(key.expiresAt));
            return Format::dateTime(key.expiresAt);
        case Sessions:
            return key.sessions;
        }
        break;
    case SortRole:
        switch (index.column()) {
        case Created:
            return key.createdAt;
        case Expires:
            // Never-expiring keys sort after every dated one.
            return key.expiresAt.isValid() ? key.expiresAt.toMSecsSinceEpoch()
                                           : std::numeric_limits<qint64>::max();
        case Sessions:
            return key.sessions;
        default:
            return data(index, Qt::DisplayRole);
        }
    case Qt::ForegroundRole:
        if (index.column() == Expires && expired)
            return QBrush(QColor(0xb0, 0x20, 0x20));
        break;
    case Qt::ToolTipRole:
        switch (index.column()) {
        case Name:
            return tr("Connects as the identity key:%1, on /sync/as/key:%1 and /loro/as/key:%1")
                .arg(key.name);
        case Scope:
            if (key.scope == u"*")
                return tr("Every document");
            return key.scope.endsWith(u'*')
                ? tr("Every document whose id starts with “%1”").arg(key.scope.chopped(1))
                : tr("Only the document “%1”").arg(key.scope);
        case Permission:
            return key.permission == u"write"
                ? tr("Reads and writes within its scope, whatever the documents' defaults")
                : tr("Reads within its scope, whatever the documents' defaults; writes nothing");
        case Expires:
            return key.expiresAt.isValid() ? key.expiresAt.toUTC().toString(Qt::ISODate)
                                           : tr("Valid until revoked");
        case Created:
            return key.createdAt.toUTC().toString(Qt::ISODate);
        default:
            break;
        }
        break;
    }
    return {};
}

QVariant KeysModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case Name:
        return tr("Name");
    case Scope:
        return tr("Scope");
    case Permission:
        return tr("Permission");
    case Created:
        return tr("Created");
    case Expires:
        return tr("Expires");
    case Sessions:
        return tr("Live sessions");
    }
    return {};
}

} // namespace canopy::ui
