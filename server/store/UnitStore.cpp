#include "store/UnitStore.h"

#include "store/Database.h"

#include <QSqlQuery>
#include <QVariant>

namespace canopy {
namespace {

QVariant didOrNull(const QString &did)
{
    return did.isEmpty() ? QVariant() : QVariant(did);
}

// An empty key or body is a value, not NULL (a null QByteArray binds as NULL, and "INSERT OR
// IGNORE" would silently drop the row for its NOT NULL column).
QVariant blob(const QByteArray &bytes)
{
    return bytes.isNull() ? QVariant(QByteArray("", 0)) : QVariant(bytes);
}

// Columns 0..7: peer, counter_start, counter_end, meta, data (or empty), length(data),
// received_at, from_did.
StoredUnit unitAt(const QSqlQuery &query)
{
    StoredUnit unit;
    unit.peer = query.value(0).toByteArray();
    unit.start = query.value(1).toUInt();
    unit.end = query.value(2).toUInt();
    unit.meta = query.value(3).toByteArray();
    unit.data = query.value(4).toByteArray();
    unit.size = query.value(5).toLongLong();
    unit.receivedAtMs = query.value(6).toLongLong();
    unit.fromDid = query.value(7).toString();
    return unit;
}

Expected<QList<StoredUnit>, StoreError> unitsOf(QSqlQuery &query, const char *what)
{
    if (auto ok = Database::exec(query, what); !ok)
        return unexpected(ok.error());
    QList<StoredUnit> out;
    while (query.next())
        out.append(unitAt(query));
    return out;
}

StoreError noTransaction()
{
    return StoreError {StoreError::Code::QueryFailed, QStringLiteral("cannot begin a transaction")};
}

} // namespace

UnitStore::UnitStore(Database &database)
    : m_database(database)
{
}

Expected<std::optional<qint64>, StoreError> UnitStore::documentId(const DocumentKey &document)
{
    if (const auto it = m_ids.constFind(document); it != m_ids.constEnd())
        return std::optional<qint64>(*it);
    QSqlQuery query(m_database.handle());
    query.prepare(QStringLiteral("SELECT id FROM documents WHERE kind = ? AND name = ?"));
    query.addBindValue(document.kind);
    query.addBindValue(document.name);
    if (auto ok = Database::exec(query, "look up document"); !ok)
        return unexpected(ok.error());
    if (!query.next())
        return std::optional<qint64>();
    const qint64 id = query.value(0).toLongLong();
    m_ids.insert(document, id);
    return std::optional<qint64>(id);
}

Expected<QList<StoredUnit>, StoreError> UnitStore::load(const DocumentKey &document, bool withData)
{
    auto id = documentId(document);
    if (!id)
        return unexpected(id.error());
    if (!*id)
        return QList<StoredUnit>();
    QSqlQuery query(m_database.handle());
    query.setForwardOnly(true);
    query.prepare(QStringLiteral("SELECT peer, counter_start, counter_end, meta, %1, length(data), "
                                 "received_at, from_did FROM units WHERE document = ? "
                                 "ORDER BY peer, counter_start")
                      .arg(withData ? QStringLiteral("data") : QStringLiteral("NULL")));
    query.addBindValue(**id);
    return unitsOf(query, "load document");
}

Expected<QList<StoredUnit>, StoreError> UnitStore::loadFrom(
    const DocumentKey &document, QByteArrayView peer, quint32 counter)
{
    auto id = documentId(document);
    if (!id)
        return unexpected(id.error());
    if (!*id)
        return QList<StoredUnit>();
    QSqlQuery query(m_database.handle());
    query.setForwardOnly(true);
    query.prepare(QStringLiteral(
        "SELECT peer, counter_start, counter_end, meta, data, length(data), received_at, "
        "from_did FROM units WHERE document = ? AND peer = ? AND counter_end > ? "
        "ORDER BY counter_start"));
    query.addBindValue(**id);
    query.addBindValue(blob(peer.toByteArray()));
    query.addBindValue(qint64(counter));
    return unitsOf(query, "load units");
}

Expected<QList<StoredUnit>, StoreError> UnitStore::loadUnits(
    const DocumentKey &document, const QList<UnitRemoval> &units)
{
    auto id = documentId(document);
    if (!id)
        return unexpected(id.error());
    QList<StoredUnit> out;
    if (!*id)
        return out;
    QSqlQuery query(m_database.handle());
    query.setForwardOnly(true);
    query.prepare(QStringLiteral(
        "SELECT peer, counter_start, counter_end, meta, data, length(data), received_at, "
        "from_did FROM units WHERE document = ? AND peer = ? AND counter_start = ? "
        "AND counter_end = ?"));
    out.reserve(units.size());
    for (const UnitRemoval &unit : units) {
        query.addBindValue(**id);
        query.addBindValue(blob(unit.peer));
        query.addBindValue(qint64(unit.start));
        query.addBindValue(qint64(unit.end));
        auto found = unitsOf(query, "load units");
        if (!found)
            return unexpected(found.error());
        out += *found;
    }
    return out;
}

Expected<void, StoreError> UnitStore::write(
    const QList<UnitWrite> &writes, const QList<UnitRemoval> &removals)
{
    if (writes.isEmpty() && removals.isEmpty())
        return {};
    QSqlDatabase &db = m_database.handle();
    Transaction transaction(db);
    if (!transaction.isActive())
        return unexpected(noTransaction());
    // A failed transaction may have created rows that are gone again: forget every id.
    struct Forget
    {
        QHash<DocumentKey, qint64> &ids;
        bool armed = true;
        ~Forget()
        {
            if (armed)
                ids.clear();
        }
    } forget {m_ids};

    QSqlQuery remove(db);
    remove.prepare(QStringLiteral("DELETE FROM units WHERE document = ? AND peer = ? AND "
                                  "counter_start = ? AND counter_end = ?"));
    for (const UnitRemoval &removal : removals) {
        auto id = documentId(removal.document);
        if (!id)
            return unexpected(id.error());
        if (!*id)
            continue;
        remove.bindValue(0, **id);
        remove.bindValue(1, blob(removal.peer));
        remove.bindValue(2, qint64(removal.start));
        remove.bindValue(3, qint64(removal.end));
        if (auto ok = Database::exec(remove, "remove unit"); !ok)
            return unexpected(ok.error());
    }

    QSqlQuery upsert(db);
    upsert.prepare(
        QStringLiteral("INSERT INTO documents(kind, name, created_at, updated_at, last_writer) "
                       "VALUES (?, ?, ?, ?, ?) ON CONFLICT(kind, name) DO UPDATE SET "
                       "updated_at = excluded.updated_at, last_writer = excluded.last_writer "
                       "RETURNING id"));
    QSqlQuery insert(db);
    insert.prepare(QStringLiteral(
        "INSERT OR IGNORE INTO units(document, peer, counter_start, counter_end, meta, data, "
        "received_at, from_did) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"));
    // Each document's row once per transaction, stamped with its last write.
    QHash<DocumentKey, qsizetype> lastWrite;
    for (qsizetype i = 0; i < writes.size(); ++i)
        lastWrite.insert(writes[i].document, i);
    QHash<DocumentKey, qint64> ids;
    for (auto it = lastWrite.cbegin(); it != lastWrite.cend(); ++it) {
        const UnitWrite &last = writes[it.value()];
        upsert.bindValue(0, it.key().kind);
        upsert.bindValue(1, it.key().name);
        upsert.bindValue(2, last.unit.receivedAtMs);
        upsert.bindValue(3, last.unit.receivedAtMs);
        upsert.bindValue(4, didOrNull(last.unit.fromDid));
        if (auto ok = Database::exec(upsert, "record document"); !ok)
            return unexpected(ok.error());
        if (!upsert.next())
            return unexpected(StoreError {
                StoreError::Code::QueryFailed, QStringLiteral("record document: no row id")});
        ids.insert(it.key(), upsert.value(0).toLongLong());
        upsert.finish();
    }
    for (const UnitWrite &write : writes) {
        const StoredUnit &unit = write.unit;
        insert.bindValue(0, ids.value(write.document));
        insert.bindValue(1, blob(unit.peer));
        insert.bindValue(2, qint64(unit.start));
        insert.bindValue(3, qint64(unit.end));
        insert.bindValue(4, unit.meta.isEmpty() ? QVariant() : QVariant(unit.meta));
        insert.bindValue(5, blob(unit.data));
        insert.bindValue(6, unit.receivedAtMs);
        insert.bindValue(7, didOrNull(unit.fromDid));
        if (auto ok = Database::exec(insert, "store unit"); !ok)
            return unexpected(ok.error());
    }
    if (auto committed = transaction.commit(); !committed)
        return committed;
    forget.armed = false;
    m_ids.insert(ids);
    return {};
}

Expected<QList<DocumentSummary>, StoreError> UnitStore::summariesWhere(
    const QString &where, const QVariantList &values)
{
    QSqlQuery query(m_database.handle());
    query.setForwardOnly(true);
    query.prepare(
        QStringLiteral("SELECT d.kind, d.name, d.created_at, d.updated_at, d.last_writer, "
                       "count(u.id), coalesce(sum(length(u.data)), 0), count(DISTINCT u.peer) "
                       "FROM documents d LEFT JOIN units u ON u.document = d.id%1 "
                       "GROUP BY d.id ORDER BY d.updated_at DESC")
            .arg(where));
    for (const QVariant &value : values)
        query.addBindValue(value);
    if (auto ok = Database::exec(query, "summarize documents"); !ok)
        return unexpected(ok.error());
    QList<DocumentSummary> out;
    while (query.next()) {
        DocumentSummary s;
        s.key = DocumentKey {query.value(0).toString(), query.value(1).toString()};
        s.createdAtMs = query.value(2).toLongLong();
        s.updatedAtMs = query.value(3).toLongLong();
        s.lastWriter = query.value(4).toString();
        s.units = query.value(5).toLongLong();
        s.bytes = query.value(6).toLongLong();
        s.peers = query.value(7).toLongLong();
        out.append(s);
    }
    return out;
}

Expected<QList<DocumentSummary>, StoreError> UnitStore::summaries()
{
    return summariesWhere({}, {});
}

Expected<QList<DocumentSummary>, StoreError> UnitStore::summaries(const QString &name)
{
    return summariesWhere(QStringLiteral(" WHERE d.name = ?"), {name});
}

Expected<QList<DocumentSummary>, StoreError> UnitStore::summaries(const DocumentKey &key)
{
    return summariesWhere(QStringLiteral(" WHERE d.kind = ? AND d.name = ?"), {key.kind, key.name});
}

Expected<bool, StoreError> UnitStore::deleteDocument(const DocumentKey &document)
{
    auto id = documentId(document);
    if (!id)
        return unexpected(id.error());
    if (!*id)
        return false;
    QSqlDatabase &db = m_database.handle();
    Transaction transaction(db);
    if (!transaction.isActive())
        return unexpected(noTransaction());
    QSqlQuery units(db);
    units.prepare(QStringLiteral("DELETE FROM units WHERE document = ?"));
    units.addBindValue(**id);
    if (auto ok = Database::exec(units, "delete units"); !ok)
        return unexpected(ok.error());
    QSqlQuery row(db);
    row.prepare(QStringLiteral("DELETE FROM documents WHERE id = ?"));
    row.addBindValue(**id);
    if (auto ok = Database::exec(row, "delete document"); !ok)
        return unexpected(ok.error());
    const bool existed = row.numRowsAffected() > 0;
    if (auto committed = transaction.commit(); !committed)
        return unexpected(committed.error());
    m_ids.remove(document);
    return existed;
}

Expected<qint64, StoreError> UnitStore::documentCount()
{
    QSqlQuery query(m_database.handle());
    query.prepare(QStringLiteral("SELECT count(*) FROM documents"));
    if (auto ok = Database::exec(query, "count documents"); !ok)
        return unexpected(ok.error());
    query.next();
    return query.value(0).toLongLong();
}

} // namespace canopy
