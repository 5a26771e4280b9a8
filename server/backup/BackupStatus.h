#pragma once

#include "backup/BackupEntry.h"

#include <optional>

#include <QDateTime>
#include <QString>

namespace canopy {

// What the backup scheduler is doing and how the last attempts went, for the window and metrics.
struct BackupStatus
{
    QString dir; // empty: no backup dir, so no backups
    qint64 intervalSeconds = 0; // 0: only on demand
    int keep = 24;
    bool running = false;
    QDateTime runningSince;
    std::optional<BackupEntry> lastSuccess;
    QDateTime lastFailureAt; // null: none failed since start-up
    QString lastFailure; // why it failed
    // The latest attempt's error; empty when it succeeded (or none ran yet).
    QString lastError;
    QDateTime nextRun; // null: none scheduled
    double lastDurationSeconds = 0; // the latest attempt, from start to verified copy or failure
    quint64 succeeded = 0;
    quint64 failed = 0;
};

} // namespace canopy
