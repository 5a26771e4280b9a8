#include "access/DocumentAccessStore.h"

#include "store/Database.h"
#include "util/Did.h"

#include <QSqlQuery>
#include <QVariant>

namespace canopy {
namespace {

// An older host may have stored a DID in another spelling (the migration copies from_did).
QString canonicalIdentity(const QString &identity)
{
    if (!identity.startsWith(u"did:"))
        return identity;
    auto did = Did::canonical(identity);
    return did ? *did : identity;
}

} // namespace

DocumentAccessStore::DocumentAccessStore(Database &database)
    : m_database(database)
{
}

Expected<std::unique_ptr<DocumentAccessStore>, StoreError> DocumentAccessStore::open(
    Database &database)
{
    std::unique_ptr<DocumentAccessStore> store(new DocumentAccessStore(database));
    QSqlQuery query(database.handle());
    query.setForwardOnly(true);
    query.prepare(QStringLiteral("SELECT name, owner, default_access FROM document_access"));
    if (auto ok = Database::exec(query, "load document access"); !ok)
        return unexpected(ok.error());
    while (query.next()) {
        DocumentAccess access;
        access.owner = canonicalIdentity(query.value(1).toString());
        // A value this host does not know reads as the most careful one.
        access.defaultAccess
            = parsePermission(query.value(2).toString()).value_or(Permission::None);
        store->m_access.insert(query.value(0).toString(), access);
    }
    query.prepare(QStringLiteral(
        "SELECT name, identity, permission FROM document_grants ORDER BY name, identity"));
    if (auto ok = Database::exec(query, "load document grants"); !ok)
        return unexpected(ok.error());
    while (query.next()) {
        const auto it = store->m_access.find(query.value(0).toString());
        const auto permission = parsePermission(query.value(2).toString());
        if (it == store->m_access.end() || !permission || *permission == Permission::None)
            continue;
        it->grants.append(
            DocumentGrant {canonicalIdentity(query.value(1).toString()), *permission});
    }
    return store;
}

const DocumentAccess *DocumentAccessStore::find(const QString &document) const
{
    const auto it = m_access.constFind(document);
    return it == m_access.constEnd() ? nullptr : &*it;
}

Expected<void, StoreError> DocumentAccessStore::set(
    const QString &document, const DocumentAccess &access)
{
    Transaction transaction(m_database.handle());
    if (!transaction.isActive()) {
        return unexpected(StoreError {
            StoreError::Code::QueryFailed, QStringLiteral("cannot begin a transaction")});
    }
    QSqlQuery query(m_database.handle());
    query.prepare(QStringLiteral(
        "INSERT INTO document_access(name, owner, default_access) VALUES (?, ?, ?) ON "
        "CONFLICT(name) DO UPDATE SET owner = excluded.owner, "
        "default_access = excluded.default_access"));
    query.addBindValue(document);
    query.addBindValue(access.owner.isEmpty() ? QVariant() : QVariant(access.owner));
    query.addBindValue(permissionName(access.defaultAccess));
    if (auto ok = Database::exec(query, "store document access"); !ok)
        return unexpected(ok.error());
    query.prepare(QStringLiteral("DELETE FROM document_grants WHERE name = ?"));
    query.addBindValue(document);
    if (auto ok = Database::exec(query, "replace document grants"); !ok)
        return unexpected(ok.error());
    query.prepare(QStringLiteral(
        "INSERT INTO document_grants(name, identity, permission) VALUES (?, ?, ?) "
        "ON CONFLICT(name, identity) DO UPDATE SET permission = excluded.permission"));
    for (const DocumentGrant &grant : access.grants) {
        query.addBindValue(document);
        query.addBindValue(grant.identity);
        query.addBindValue(permissionName(grant.permission));
        if (auto ok = Database::exec(query, "store document grant"); !ok)
            return unexpected(ok.error());
    }
    if (auto ok = transaction.commit(); !ok)
        return unexpected(ok.error());
    m_access.insert(document, access);
    return {};
}

Expected<bool, StoreError> DocumentAccessStore::remove(const QString &document)
{
    QSqlQuery query(m_database.handle());
    query.prepare(QStringLiteral("DELETE FROM document_access WHERE name = ?"));
    query.addBindValue(document);
    if (auto ok = Database::exec(query, "remove document access"); !ok)
        return unexpected(ok.error());
    return m_access.remove(document) > 0;
}

} // namespace canopy
