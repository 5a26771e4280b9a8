#include "access/AccessKeyStore.h"

#include "store/Database.h"

#include <algorithm>

#include <QCryptographicHash>
#include <QSqlQuery>
#include <QVariant>

namespace canopy {

AccessKeyStore::AccessKeyStore(Database &database)
    : m_database(database)
{
}

QByteArray AccessKeyStore::hashOf(const QString &value)
{
    return QCryptographicHash::hash(value.toUtf8(), QCryptographicHash::Sha256);
}

Expected<std::unique_ptr<AccessKeyStore>, StoreError> AccessKeyStore::open(Database &database)
{
    std::unique_ptr<AccessKeyStore> store(new AccessKeyStore(database));
    QSqlQuery query(database.handle());
    query.prepare(QStringLiteral(
        "SELECT name, hash, scope, permission, created_at, expires_at FROM access_keys"));
    if (auto ok = Database::exec(query, "load access keys"); !ok)
        return unexpected(ok.error());
    while (query.next()) {
        Entry entry;
        entry.key.name = query.value(0).toString();
        entry.hash = query.value(1).toByteArray();
        entry.key.scope = query.value(2).toString();
        // A permission this host does not know gives nothing rather than too much.
        entry.key.permission
            = parsePermission(query.value(3).toString()).value_or(Permission::None);
        entry.key.createdAt = QDateTime::fromMSecsSinceEpoch(query.value(4).toLongLong(), Qt::UTC);
        if (!query.value(5).isNull()) {
            entry.key.expiresAt
                = QDateTime::fromMSecsSinceEpoch(query.value(5).toLongLong(), Qt::UTC);
        }
        store->m_keys.insert(entry.key.name, entry);
    }
    return store;
}

const AccessKeyStore::Entry *AccessKeyStore::find(const QString &name) const
{
    const auto it = m_keys.constFind(name);
    return it == m_keys.constEnd() ? nullptr : &*it;
}

QList<AccessKey> AccessKeyStore::all() const
{
    QList<AccessKey> keys;
    keys.reserve(m_keys.size());
    for (const Entry &entry : m_keys)
        keys.append(entry.key);
    std::sort(keys.begin(), keys.end(),
        [](const AccessKey &a, const AccessKey &b) { return a.name < b.name; });
    return keys;
}

Expected<void, StoreError> AccessKeyStore::add(const AccessKey &key, const QByteArray &hash)
{
    QSqlQuery query(m_database.handle());
    query.prepare(
        QStringLiteral("INSERT INTO access_keys(name, hash, scope, permission, created_at, "
                       "expires_at) VALUES (?, ?, ?, ?, ?, ?)"));
    query.addBindValue(key.name);
    query.addBindValue(hash);
    query.addBindValue(key.scope);
    query.addBindValue(permissionName(key.permission));
    query.addBindValue(key.createdAt.toMSecsSinceEpoch());
    query.addBindValue(
        key.expiresAt.isValid() ? QVariant(key.expiresAt.toMSecsSinceEpoch()) : QVariant());
    if (auto ok = Database::exec(query, "store access key"); !ok)
        return unexpected(ok.error());
    m_keys.insert(key.name, Entry {key, hash});
    return {};
}

Expected<bool, StoreError> AccessKeyStore::remove(const QString &name)
{
    QSqlQuery query(m_database.handle());
    query.prepare(QStringLiteral("DELETE FROM access_keys WHERE name = ?"));
    query.addBindValue(name);
    if (auto ok = Database::exec(query, "remove access key"); !ok)
        return unexpected(ok.error());
    return m_keys.remove(name) > 0;
}

} // namespace canopy
