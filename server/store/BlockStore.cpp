#include "store/BlockStore.h"

#include "store/Database.h"

#include <cstring>

#include <QSqlQuery>
#include <QVariant>

namespace canopy {
namespace {

// SQLite integers are signed 64-bit; a u64 peer id is stored bit for bit.
qint64 toSql(quint64 peer)
{
    qint64 out;
    std::memcpy(&out, &peer, sizeof out);
    return out;
}

quint64 fromSql(qint64 value)
{
    quint64 out;
    std::memcpy(&out, &value, sizeof out);
    return out;
}

// Columns 0..6: peer, counter_start, counter_end, lamport_start, lamport_end, changes, data.
loro::ChangeBlock blockAt(const QSqlQuery &query)
{
    loro::ChangeBlock block;
    block.peer = fromSql(query.value(0).toLongLong());
    block.counterStart = query.value(1).toUInt();
    block.counterEnd = query.value(2).toUInt();
    block.lamportStart = query.value(3).toUInt();
    block.lamportEnd = query.value(4).toUInt();
    block.changeCount = query.value(5).toUInt();
    block.bytes = query.value(6).toByteArray();
    return block;
}

} // namespace

BlockStore::BlockStore(Database &database)
    : m_database(database)
{
}

Expected<QList<StoredBlock>, StoreError> BlockStore::loadEntity(const QString &entityId)
{
    QSqlQuery query(m_database.handle());
    query.setForwardOnly(true);
    query.prepare(QStringLiteral(
        "SELECT peer, counter_start, counter_end, lamport_start, lamport_end, changes, data, "
        "received_at, from_did FROM blocks WHERE entity = ? ORDER BY peer, counter_start"));
    query.addBindValue(entityId);
    if (auto ok = Database::exec(query, "load entity"); !ok)
        return unexpected(ok.error());
    QList<StoredBlock> out;
    while (query.next()) {
        StoredBlock stored;
        stored.entityId = entityId;
        stored.block = blockAt(query);
        stored.receivedAtMs = query.value(7).toLongLong();
        stored.fromDid = query.value(8).toString();
        out.append(std::move(stored));
    }
    return out;
}

Expected<EntityExtent, StoreError> BlockStore::loadExtent(const QString &entityId)
{
    QSqlQuery query(m_database.handle());
    query.setForwardOnly(true);
    query.prepare(QStringLiteral("SELECT peer, counter_start, counter_end, length(data) FROM "
                                 "blocks WHERE entity = ?"));
    query.addBindValue(entityId);
    if (auto ok = Database::exec(query, "load entity extent"); !ok)
        return unexpected(ok.error());
    EntityExtent out;
    while (query.next()) {
        out.coverage.add(
            fromSql(query.value(0).toLongLong()), query.value(1).toUInt(), query.value(2).toUInt());
        ++out.blocks;
        out.bytes += query.value(3).toLongLong();
    }
    return out;
}

Expected<QList<loro::ChangeBlock>, StoreError> BlockStore::loadBlocksFrom(
    const QString &entityId, quint64 peer, quint32 counter)
{
    QSqlQuery query(m_database.handle());
    query.setForwardOnly(true);
    query.prepare(QStringLiteral(
        "SELECT peer, counter_start, counter_end, lamport_start, lamport_end, changes, data FROM "
        "blocks "
        "WHERE entity = ? AND peer = ? AND counter_end > ? ORDER BY counter_start"));
    query.addBindValue(entityId);
    query.addBindValue(toSql(peer));
    query.addBindValue(qint64(counter));
    if (auto ok = Database::exec(query, "load blocks"); !ok)
        return unexpected(ok.error());
    QList<loro::ChangeBlock> out;
    while (query.next())
        out.append(blockAt(query));
    return out;
}

Expected<void, StoreError> BlockStore::write(const QList<StoredBlock> &blocks)
{
    if (blocks.isEmpty())
        return {};
    QSqlDatabase &db = m_database.handle();
    Transaction transaction(db);
    if (!transaction.isActive()) {
        return unexpected(StoreError {
            StoreError::Code::QueryFailed, QStringLiteral("cannot begin a transaction")});
    }
    QSqlQuery entity(db);
    entity.prepare(QStringLiteral(
        "INSERT INTO entities(id, created_at, updated_at, last_writer) VALUES (?, ?, ?, ?) "
        "ON CONFLICT(id) DO UPDATE SET updated_at = excluded.updated_at, "
        "last_writer = excluded.last_writer"));
    QSqlQuery insert(db);
    insert.prepare(QStringLiteral(
        "INSERT OR IGNORE INTO blocks(entity, peer, counter_start, counter_end, lamport_start, "
        "lamport_end, changes, data, received_at, from_did) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, "
        "?)"));
    for (const StoredBlock &stored : blocks) {
        entity.bindValue(0, stored.entityId);
        entity.bindValue(1, stored.receivedAtMs);
        entity.bindValue(2, stored.receivedAtMs);
        entity.bindValue(3, stored.fromDid.isEmpty() ? QVariant() : QVariant(stored.fromDid));
        if (auto ok = Database::exec(entity, "record entity"); !ok)
            return unexpected(ok.error());
        const loro::ChangeBlock &b = stored.block;
        insert.bindValue(0, stored.entityId);
        insert.bindValue(1, toSql(b.peer));
        insert.bindValue(2, qint64(b.counterStart));
        insert.bindValue(3, qint64(b.counterEnd));
        insert.bindValue(4, qint64(b.lamportStart));
        insert.bindValue(5, qint64(b.lamportEnd));
        insert.bindValue(6, qint64(b.changeCount));
        insert.bindValue(7, b.bytes);
        insert.bindValue(8, stored.receivedAtMs);
        insert.bindValue(9, stored.fromDid.isEmpty() ? QVariant() : QVariant(stored.fromDid));
        if (auto ok = Database::exec(insert, "store block"); !ok)
            return unexpected(ok.error());
    }
    return transaction.commit();
}

Expected<QList<EntitySummary>, StoreError> BlockStore::summaries(const QString &entityId)
{
    QSqlQuery query(m_database.handle());
    query.setForwardOnly(true);
    const QString where = entityId.isEmpty() ? QString() : QStringLiteral(" WHERE e.id = ?");
    query.prepare(
        QStringLiteral("SELECT e.id, e.created_at, e.updated_at, e.last_writer, count(b.id), "
                       "coalesce(sum(length(b.data)), 0), count(DISTINCT b.peer) "
                       "FROM entities e LEFT JOIN blocks b ON b.entity = e.id%1 "
                       "GROUP BY e.id ORDER BY e.updated_at DESC")
            .arg(where));
    if (!entityId.isEmpty())
        query.addBindValue(entityId);
    if (auto ok = Database::exec(query, "summarize entities"); !ok)
        return unexpected(ok.error());
    QList<EntitySummary> out;
    while (query.next()) {
        EntitySummary s;
        s.entityId = query.value(0).toString();
        s.createdAtMs = query.value(1).toLongLong();
        s.updatedAtMs = query.value(2).toLongLong();
        s.lastWriter = query.value(3).toString();
        s.blocks = query.value(4).toLongLong();
        s.bytes = query.value(5).toLongLong();
        s.peers = query.value(6).toLongLong();
        out.append(s);
    }
    return out;
}

Expected<bool, StoreError> BlockStore::deleteEntity(const QString &entityId)
{
    QSqlDatabase &db = m_database.handle();
    Transaction transaction(db);
    if (!transaction.isActive()) {
        return unexpected(StoreError {
            StoreError::Code::QueryFailed, QStringLiteral("cannot begin a transaction")});
    }
    QSqlQuery blocks(db);
    blocks.prepare(QStringLiteral("DELETE FROM blocks WHERE entity = ?"));
    blocks.addBindValue(entityId);
    if (auto ok = Database::exec(blocks, "delete blocks"); !ok)
        return unexpected(ok.error());
    QSqlQuery entity(db);
    entity.prepare(QStringLiteral("DELETE FROM entities WHERE id = ?"));
    entity.addBindValue(entityId);
    if (auto ok = Database::exec(entity, "delete entity"); !ok)
        return unexpected(ok.error());
    const bool existed = entity.numRowsAffected() > 0;
    if (auto committed = transaction.commit(); !committed)
        return unexpected(committed.error());
    return existed;
}

Expected<qint64, StoreError> BlockStore::entityCount()
{
    QSqlQuery query(m_database.handle());
    query.prepare(QStringLiteral("SELECT count(*) FROM entities"));
    if (auto ok = Database::exec(query, "count entities"); !ok)
        return unexpected(ok.error());
    query.next();
    return query.value(0).toLongLong();
}

} // namespace canopy
