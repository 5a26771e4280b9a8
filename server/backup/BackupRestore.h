#pragma once

#include "util/Expected.h"

#include <memory>

#include <QString>

namespace canopy {

class DataDirLock;

// What a database holds, as a restore compares them; -1 where it could not be counted.
struct DatabaseCounts
{
    qint64 documents = -1;
    qint64 blocks = -1; // stored units of every kind
    qint64 tokens = -1;
    qint64 bans = -1;
};

struct RestoreError
{
    enum class Code
    {
        Refused, // missing, corrupt or too new, or the data dir is in use: nothing was changed
        Failed // the swap itself failed (and was undone)
    };
    Code code = Code::Refused;
    QString message;
};

// `canopy --restore <file>`: puts a backup in place of the data dir's database, with the host
// stopped. prepare() holds the data dir's lock (so no host starts meanwhile, and one running is
// detected), copies the backup beside the database (the backup itself is never changed) and
// verifies the copy: a SQLite file, PRAGMA integrity_check, a schema this build knows (an older
// one is migrated, as the host would), and every document's units taken apart by its kind's
// engine as a fresh joiner's answer would be. apply() swaps it in and keeps the replaced
// database beside it; without apply() nothing in the data dir changes.
class BackupRestore final
{
public:
    // `maxMessageBytes`: the host's --max-message, which bounds what a document's answer holds.
    static Expected<std::unique_ptr<BackupRestore>, RestoreError> prepare(
        const QString &backup, const QString &dataDir, qint64 maxMessageBytes);
    ~BackupRestore(); // removes the prepared copy unless it was applied
    BackupRestore(const BackupRestore &) = delete;
    BackupRestore &operator=(const BackupRestore &) = delete;

    const DatabaseCounts &current() const { return m_current; }
    const DatabaseCounts &incoming() const { return m_incoming; }
    bool hasCurrent() const { return m_hasCurrent; }
    QString currentNote() const { return m_currentNote; } // why the current one was not counted
    int backupSchema() const { return m_backupSchema; }
    QString databasePath() const;

    // Swaps the prepared copy in. The current database is checkpointed first (its -wal folded
    // in, so the kept file is whole) and kept as canopy.sqlite.replaced-<UTC time>; its stale
    // -wal and -shm go (when it cannot be checkpointed they move with it). Returns the kept
    // file's path (empty when there was no database).
    Expected<QString, RestoreError> apply();

private:
    BackupRestore() = default;

    std::unique_ptr<DataDirLock> m_lock;
    QString m_dataDir;
    QString m_prepared; // the verified copy beside the database
    bool m_applied = false;
    int m_backupSchema = 0;
    bool m_hasCurrent = false;
    QString m_currentNote;
    DatabaseCounts m_current;
    DatabaseCounts m_incoming;
};

} // namespace canopy
