#pragma once

#include "backup/BackupEntry.h"
#include "backup/BackupStatus.h"
#include "util/Expected.h"

#include <atomic>
#include <functional>
#include <memory>

#include <QElapsedTimer>
#include <QObject>

class QThread;
class QTimer;

namespace canopy {

class EventLog;

// Backups of the live database into the backup dir: on a schedule (--backup-interval) and on
// demand (POST /admin/backups, the window), one at a time, each on a worker thread so the event
// loop keeps storing and acknowledging writes meanwhile (BackupJob). Every outcome is logged
// (a failure as an error, category canopy.backup), counted and kept for status(); a failure
// never deletes a copy.
class BackupScheduler final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(BackupScheduler)

public:
    struct Settings
    {
        QString dir; // empty: no backups
        qint64 intervalSeconds = 0; // 0: on demand only
        int keep = 24;
    };
    enum class Refusal
    {
        NotConfigured,
        Running
    };

    BackupScheduler(
        Settings settings, QString databasePath, EventLog &log, QObject *parent = nullptr);
    // A backup still running is cancelled and waited for (SQLite stops it within milliseconds).
    ~BackupScheduler() override;

    bool isConfigured() const { return !m_settings.dir.isEmpty(); }
    bool isRunning() const { return m_thread != nullptr; }
    BackupStatus status() const;
    // The copies in the backup dir, newest first (none without a backup dir).
    Expected<QList<BackupEntry>, QString> list() const;

    // Starts one now; the number identifies it in finished().
    Expected<quint64, Refusal> start();

    // For tests: where "now" comes from (UTC).
    void setClock(std::function<QDateTime()> clock) { m_clock = std::move(clock); }

Q_SIGNALS:
    void started(quint64 run);
    // `error` is empty on success, else why it failed (`entry` then says nothing).
    void finished(quint64 run, const canopy::BackupEntry &entry, const QString &error);
    void statusChanged();

private:
    void schedule(const QDateTime &next);
    void onTimer();
    void onFinished(quint64 run);
    QDateTime now() const;

    Settings m_settings;
    QString m_databasePath;
    EventLog &m_log;
    std::function<QDateTime()> m_clock;
    QTimer *m_timer;
    QThread *m_thread = nullptr;
    QElapsedTimer m_runClock;
    std::shared_ptr<std::atomic_bool> m_cancel;
    struct Result;
    std::shared_ptr<Result> m_result;
    quint64 m_runs = 0;
    bool m_due = false; // the schedule came due while another backup ran
    QDateTime m_lastTime; // the latest copy's name time: the next one must be later
    BackupStatus m_status;
};

} // namespace canopy
