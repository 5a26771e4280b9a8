#pragma once

#include "util/Expected.h"

#include <atomic>

#include <QString>
#include <QStringList>

struct sqlite3;

namespace canopy {

// One connection through SQLite's C API, for work off the event loop's thread: a backup reads
// the live database on a connection of its own (WAL lets the host's writes go on meanwhile) and
// can be interrupted when the host stops. Qt's driver links the same libsqlite3, so both share
// SQLite's POSIX lock bookkeeping for files they both open.
class SqliteConnection final
{
public:
    enum class Mode
    {
        ReadWrite, // creates the file when missing
        ReadOnly, // a WAL database's -shm and -wal are opened (or made) as SQLite needs them
        Immutable // the file alone, unlocked: for a database no process has open
    };
    static Expected<SqliteConnection, QString> open(const QString &path, Mode mode);
    ~SqliteConnection();
    SqliteConnection(SqliteConnection &&other) noexcept;
    SqliteConnection &operator=(SqliteConnection &&other) noexcept;
    SqliteConnection(const SqliteConnection &) = delete;
    SqliteConnection &operator=(const SqliteConnection &) = delete;

    // While `*flag` is set, every statement stops with "interrupted" (checked every few
    // thousand virtual-machine steps).
    void setCancelFlag(const std::atomic_bool *flag);

    // One statement with at most one text parameter; the first column of every row, as text.
    Expected<QStringList, QString> query(const char *sql, const QString &parameter = {});
    Expected<void, QString> exec(const char *sql, const QString &parameter = {});
    // PRAGMA integrity_check: {"ok"} for a sound database, else SQLite's findings.
    Expected<QStringList, QString> integrityCheck();
    Expected<int, QString> userVersion();

private:
    explicit SqliteConnection(sqlite3 *db);
    QString lastError() const;

    sqlite3 *m_db = nullptr;
};

} // namespace canopy
