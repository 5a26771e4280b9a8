#include "auth/BanList.h"

#include "store/Database.h"
#include "util/Did.h"

#include <QSqlQuery>
#include <QVariant>

namespace canopy {

BanList::BanList(Database &database)
    : m_database(database)
{
}

QString BanList::spelling(const QString &did)
{
    auto canonical = Did::canonical(did);
    return canonical ? *canonical : did;
}

Expected<std::unique_ptr<BanList>, StoreError> BanList::open(Database &database)
{
    std::unique_ptr<BanList> list(new BanList(database));
    QSqlQuery query(database.handle());
    query.prepare(QStringLiteral("SELECT did, reason, since, until FROM bans"));
    if (auto ok = Database::exec(query, "load bans"); !ok)
        return unexpected(ok.error());
    QList<Ban> respelled;
    while (query.next()) {
        Ban ban;
        ban.did = query.value(0).toString();
        ban.reason = query.value(1).toString();
        ban.since = QDateTime::fromMSecsSinceEpoch(query.value(2).toLongLong(), Qt::UTC);
        if (!query.value(3).isNull())
            ban.until = QDateTime::fromMSecsSinceEpoch(query.value(3).toLongLong(), Qt::UTC);
        // An older host stored DIDs as they were sent; one that is not in its canonical
        // spelling is rewritten to it, or it would never match anyone. One that is no DID at
        // all stays listed as it is.
        if (auto did = Did::canonical(ban.did); did && *did != ban.did)
            respelled.append(ban);
        else
            list->m_bans.insert(ban.did, ban);
    }
    for (Ban &ban : respelled) {
        const QString canonical = *Did::canonical(ban.did);
        QSqlQuery rewrite(database.handle());
        rewrite.prepare(QStringLiteral("UPDATE OR REPLACE bans SET did = ? WHERE did = ?"));
        rewrite.addBindValue(canonical);
        rewrite.addBindValue(ban.did);
        if (auto ok = Database::exec(rewrite, "respell ban"); !ok)
            return unexpected(ok.error());
        ban.did = canonical;
        list->m_bans.insert(canonical, ban);
    }
    return list;
}

std::optional<Ban> BanList::activeBan(const QString &given) const
{
    const auto it = m_bans.constFind(spelling(given));
    if (it == m_bans.constEnd() || !it->isActive(QDateTime::currentDateTimeUtc()))
        return std::nullopt;
    return *it;
}

QList<Ban> BanList::all() const
{
    return m_bans.values();
}

Expected<Ban, StoreError> BanList::ban(
    const QString &given, const QString &reason, const QDateTime &until)
{
    const QString did = spelling(given);
    Ban ban {did, reason, QDateTime::currentDateTimeUtc(), until.toUTC()};
    QSqlQuery query(m_database.handle());
    query.prepare(QStringLiteral(
        "INSERT INTO bans(did, reason, since, until) VALUES (?, coalesce(?, ''), ?, ?) ON "
        "CONFLICT(did) DO UPDATE "
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

Expected<bool, StoreError> BanList::unban(const QString &given)
{
    const QString did = spelling(given);
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
