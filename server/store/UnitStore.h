#pragma once

#include "store/DocumentKey.h"
#include "store/StoreError.h"
#include "util/Expected.h"

#include <optional>

#include <QHash>
#include <QList>

namespace canopy {

class Database;

// One stored unit of a document (what a document kind's engine calls a unit: a Loro change
// block, an ELO record, an ephemeral entry) and where it came from.
struct StoredUnit
{
    QByteArray peer;
    quint32 start = 0;
    quint32 end = 0;
    QByteArray meta;
    QByteArray data; // empty when loaded without data
    qint64 size = 0; // the data's length, also when it was not loaded
    qint64 receivedAtMs = 0;
    QString fromDid;
};

struct UnitWrite
{
    DocumentKey document;
    StoredUnit unit;
};

// A stored unit to remove, by its identity.
struct UnitRemoval
{
    DocumentKey document;
    QByteArray peer;
    quint32 start = 0;
    quint32 end = 0;
};

// What the operator sees of one stored document.
struct DocumentSummary
{
    DocumentKey key;
    qint64 units = 0;
    qint64 bytes = 0;
    qint64 peers = 0;
    qint64 createdAtMs = 0;
    qint64 updatedAtMs = 0;
    QString lastWriter;
};

// Every document's units in SQLite, whatever its kind: `documents(kind, name)` and `units`
// keyed by (document, peer, counter range).
class UnitStore final
{
public:
    explicit UnitStore(Database &database);

    // All of a document's units, ascending by (peer, start); without data unless asked.
    Expected<QList<StoredUnit>, StoreError> load(const DocumentKey &document, bool withData);
    // The units of one peer that hold some counter at or past `counter`, with data.
    Expected<QList<StoredUnit>, StoreError> loadFrom(
        const DocumentKey &document, QByteArrayView peer, quint32 counter);
    // The units named (by their identity), with data; those not stored are left out.
    Expected<QList<StoredUnit>, StoreError> loadUnits(
        const DocumentKey &document, const QList<UnitRemoval> &units);
    // One transaction: the removals, then the writes; either all of it happens or none.
    Expected<void, StoreError> write(
        const QList<UnitWrite> &writes, const QList<UnitRemoval> &removals = {});
    Expected<qint64, StoreError> documentCount();
    // Every document, or those named `name` (of any kind), or the one `key` names.
    Expected<QList<DocumentSummary>, StoreError> summaries();
    Expected<QList<DocumentSummary>, StoreError> summaries(const QString &name);
    Expected<QList<DocumentSummary>, StoreError> summaries(const DocumentKey &key);
    // Removes the document and all its units; false when there was none.
    Expected<bool, StoreError> deleteDocument(const DocumentKey &document);

private:
    Expected<std::optional<qint64>, StoreError> documentId(const DocumentKey &document);
    Expected<QList<DocumentSummary>, StoreError> summariesWhere(
        const QString &where, const QVariantList &values);

    Database &m_database;
    QHash<DocumentKey, qint64> m_ids; // row ids of documents known to exist
};

} // namespace canopy
