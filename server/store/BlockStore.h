#pragma once

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

// The entities' change blocks in SQLite.
class BlockStore final
{
public:
    explicit BlockStore(Database &database);

    Expected<QList<StoredBlock>, StoreError> loadEntity(const QString &entityId);
    // All writes in one transaction: either every block is stored or none is.
    Expected<void, StoreError> write(const QList<StoredBlock> &blocks);
    Expected<qint64, StoreError> entityCount();

private:
    Database &m_database;
};

} // namespace canopy
