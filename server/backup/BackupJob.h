#pragma once

#include "backup/BackupEntry.h"
#include "util/Expected.h"

#include <atomic>
#include <functional>

#include <QDateTime>
#include <QStringList>

namespace canopy {

// One backup, start to end, on whichever thread runs it (never the event loop's: it reads the
// whole database). The copy is a snapshot taken with VACUUM INTO on a read-only connection of
// its own to a partial name in the backup dir, checked with PRAGMA integrity_check, flushed to
// disk (in steps) and renamed to its final name; only then are the oldest copies beyond `keep`
// deleted. A failure at any step deletes the partial file and nothing else.
struct BackupJob
{
    struct Input
    {
        QString database; // the live canopy.sqlite
        QString dir; // the backup dir
        QDateTime time; // names the copy
        int keep = 24;
        // Tests: runs on the copy between VACUUM INTO and the integrity check.
        std::function<void(const QString &partialPath)> beforeCheck;
    };
    struct Output
    {
        BackupEntry entry;
        QStringList removed; // older copies deleted by retention
        QStringList removeFailures;
        // Where the time went, in milliseconds: the copy, its check, flushing it to disk (the
        // file and the directory after the rename), deleting old copies.
        qint64 copyMs = 0;
        qint64 checkMs = 0;
        qint64 flushMs = 0;
        qint64 pruneMs = 0;
    };

    // `cancel` set: stop as soon as SQLite looks at it (the host is stopping).
    static Expected<Output, QString> run(const Input &input, const std::atomic_bool &cancel);
};

} // namespace canopy
