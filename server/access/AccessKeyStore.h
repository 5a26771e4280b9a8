#pragma once

#include "access/AccessControl.h"

#include <QByteArray>
#include <QHash>

namespace canopy {

// Access keys, persisted with only the SHA-256 of each value, kept whole in memory.
class AccessKeyStore final
{
public:
    struct Entry
    {
        AccessKey key;
        QByteArray hash; // SHA-256 of the value
    };

    static Expected<std::unique_ptr<AccessKeyStore>, StoreError> open(Database &database);
    static QByteArray hashOf(const QString &value);

    const Entry *find(const QString &name) const;
    QList<AccessKey> all() const; // by name
    Expected<void, StoreError> add(const AccessKey &key, const QByteArray &hash);
    Expected<bool, StoreError> remove(const QString &name); // false when there was none

private:
    explicit AccessKeyStore(Database &database);
    Database &m_database;
    QHash<QString, Entry> m_keys;
};

} // namespace canopy
