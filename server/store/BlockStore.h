#pragma once

#include "loro/ChangeCoverage.h"
#include "loro/LoroTypes.h"
#include "store/StoreError.h"
#include "util/Expected.h"

#include <QList>
#include <QString>

namespace canopy {

class Database;

// One change block as the store keeps it: the block and where it came from.
struct StoredBlock
{
    QString entityId;
    loro::ChangeBlock block;
    qint64 receivedAtMs = 0;
    QString fromDid;
};

// What the operator sees of one stored entity.
struct EntitySummary
{
    QString entityId;
    qint64 blocks = 0;
    qint64 bytes = 0;
    qint64 peers = 0;
    qint64 createdAtMs = 0;
    qint64 updatedAtMs = 0;
    QString lastWriter;
};

// What the sync hub keeps in memory of a stored entity: which counters it holds, not the bytes.
struct EntityExtent
{
    loro::ChangeCoverage coverage;
    qint64 blocks = 0;
    qint64 bytes = 0;
};

// The entities' change blocks in SQLite.
class BlockStore final
{
public:
    explicit BlockStore(Database &database);

    Expected<QList<StoredBlock>, StoreError> loadEntity(const QString &entityId);
    Expected<EntityExtent, StoreError> loadExtent(const QString &entityId);
    // The blocks of one author peer that hold some counter at or past `counter`.
    Expected<QList<loro::ChangeBlock>, StoreError> loadBlocksFrom(
        const QString &entityId, quint64 peer, quint32 counter);
    // All writes in one transaction: either every block is stored or none is.
    Expected<void, StoreError> write(const QList<StoredBlock> &blocks);
    Expected<qint64, StoreError> entityCount();
    // Every entity, or the one named (an empty list when it does not exist).
    Expected<QList<EntitySummary>, StoreError> summaries(const QString &entityId = {});
    // Removes the entity and all its blocks; false when there was none.
    Expected<bool, StoreError> deleteEntity(const QString &entityId);

private:
    Database &m_database;
};

} // namespace canopy
