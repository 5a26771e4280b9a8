#pragma once

#include "store/StoreError.h"
#include "util/Expected.h"

#include <memory>

#include <QSqlDatabase>
#include <QString>
#include <QStringList>

class QSqlQuery;

namespace canopy {

// One SQLite connection (WAL, synchronous=NORMAL) whose schema is versioned with
// PRAGMA user_version and brought up to date one migration step at a time.
class Database final
{
public:
    static constexpr int SchemaVersion = 5;

    static Expected<std::unique_ptr<Database>, StoreError> open(const QString &path);
    ~Database();
    Database(const Database &) = delete;
    Database &operator=(const Database &) = delete;

    QSqlDatabase &handle() { return m_db; }
    int schemaVersion();
    // PRAGMA integrity_check: {"ok"} for a sound database, else SQLite's findings.
    Expected<QStringList, StoreError> integrityCheck();
    QString path() const { return m_path; }

    // Runs one statement; the error names the statement's purpose.
    static Expected<void, StoreError> exec(QSqlQuery &query, const char *what);

private:
    Database(QSqlDatabase db, QString path);
    Expected<void, StoreError> migrate();

    QSqlDatabase m_db;
    QString m_path;
};

// Rolls back unless commit() succeeded: an error path can never leave half a write behind.
class Transaction final
{
public:
    explicit Transaction(QSqlDatabase &db);
    ~Transaction();
    Transaction(const Transaction &) = delete;
    Transaction &operator=(const Transaction &) = delete;

    bool isActive() const { return m_active; }
    Expected<void, StoreError> commit();

private:
    QSqlDatabase &m_db;
    bool m_active = false;
};

} // namespace canopy
