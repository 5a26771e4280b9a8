#pragma once

#include "access/AccessControl.h"

#include <QHash>

namespace canopy {

// Each document's owner, default access and grants, by document id (DocumentKey::name),
// persisted and kept whole in memory so a decision never waits on SQL. A document without a
// record has not been created (or predates nothing: the migration recorded every old one).
class DocumentAccessStore final
{
public:
    static Expected<std::unique_ptr<DocumentAccessStore>, StoreError> open(Database &database);

    const DocumentAccess *find(const QString &document) const;
    qsizetype size() const { return m_access.size(); }
    // Replaces the record (owner, default and grants) in one transaction.
    Expected<void, StoreError> set(const QString &document, const DocumentAccess &access);
    Expected<bool, StoreError> remove(const QString &document); // false when there was none

private:
    explicit DocumentAccessStore(Database &database);
    Database &m_database;
    QHash<QString, DocumentAccess> m_access;
};

} // namespace canopy
