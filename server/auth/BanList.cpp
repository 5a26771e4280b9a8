#include "auth/BanList.h"

#include "store/Database.h"

#include <QSqlQuery>
#include <QVariant>

namespace canopy {

BanList::BanList(Database &database) : m_database(database) {}

Expected<std::unique_ptr<BanList>, StoreError> BanList::open(Database &database)
{
    std::unique_ptr<BanList> list(new BanList(database));
    QSqlQuery query(database.handle());
    query.prepare(QStringLiteral("SELECT did, reason, since, until FROM bans"));
    if (auto ok = Database::exec(query, "load bans"); !ok)
        return unexpected(ok.error());
    while (query.next()) {
        Ban ban;
        ban.did = query.value(0).toString();
        ban.reason = query.value(1).toString();
        ban.since = QDateTime::fromMSecsSinceEpoch(query.value(2).toLongLong(), Qt::UTC);
        if (!query.value(3).isNull())
            ban.until = QDateTime::fromMSecsSinceEpoch(query.value(3).toLongLong(), Qt::UTC);
        list->m_bans.insert(ban.did, ban);
    }
    return list;
}

std::optional<Ban> BanList::activeBan(const QString &did) const
{
    const auto it = m_bans.constFind(did);
    if (it == m_bans.constEnd() || !it->isActive(QDateTime::currentDateTimeUtc()))
        return std::nullopt;
    return *it;
}

QList<Ban> BanList::all() const
{
    return m_bans.values();
}

Expected<Ban, StoreError> BanList::ban(const QString &did, const QString &reason, const QDateTime &until)
{
    Ban ban{did, reason, QDateTime::currentDateTimeUtc(), until.toUTC()};
    QSqlQuery query(m_database.handle());
    query.prepare(QStringLiteral(
        "INSERT INTO bans(did, reason, since, until) VALUES (?, coalesce(?, ''), ?, ?) ON CONFLICT(did) DO UPDATE "
        "SET reason = excluded.reason, since = excluded.since, until = excluded.until"));
    query.addBindValue(did);
    query.addBindValue(reason);
    query.addBindValue(ban.since.toMSecsSinceEpoch());
    query.addBindValue(until.isValid() ? QVariant(until.toMSecsSinceEpoch()) : QVariant());
    if (auto ok = Database::exec(query, "store ban"); !ok)
        return unexpected(ok.error());
    m_bans.insert(did, ban);
    Q_EMIT banned(ban);
    return ban;
}

Expected<bool, StoreError> BanList::unban(const QString &did)
{
    QSqlQuery query(m_database.handle());
    query.prepare(QStringLiteral("DELETE FROM bans WHERE did = ?"));
    query.addBindValue(did);
    if (auto ok = Database::exec(query, "lift ban"); !ok)
        return unexpected(ok.error());
    const bool existed = m_bans.remove(did) > 0;
    if (existed)
        Q_EMIT unbanned(did);
    return existed;
}

} // namespace canopy
