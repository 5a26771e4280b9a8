#include "backup/BackupScheduler.h"

#include "backup/BackupDirectory.h"
#include "backup/BackupJob.h"
#include "log/EventLog.h"
#include "log/LogCategories.h"
#include "util/Duration.h"

#include <sys/resource.h>

#include <QThread>
#include <QTimer>

namespace canopy {
namespace {

// QTimer counts in int milliseconds; a longer wait is taken in steps.
constexpr qint64 MaxTimerStepMs = 24LL * 3600 * 1000;

} // namespace

struct BackupScheduler::Result
{
    Expected<BackupJob::Output, QString> outcome = unexpected(QStringLiteral("did not run"));
};

BackupScheduler::BackupScheduler(
    Settings settings, QString databasePath, EventLog &log, QObject *parent)
    : QObject(parent)
    , m_settings(std::move(settings))
    , m_databasePath(std::move(databasePath))
    , m_log(log)
    , m_clock([] { return QDateTime::currentDateTimeUtc(); })
    , m_timer(new QTimer(this))
{
    m_status.dir = m_settings.dir;
    m_status.intervalSeconds = m_settings.intervalSeconds;
    m_status.keep = m_settings.keep;
    m_timer->setSingleShot(true);
    connect(m_timer, &QTimer::timeout, this, &BackupScheduler::onTimer);
    if (!isConfigured())
        return;
    m_log.record(QtInfoMsg, lcBackup(),
        m_settings.intervalSeconds > 0 ? QStringLiteral("backups on a schedule")
                                       : QStringLiteral("backups on demand"),
        {{QStringLiteral("dir"), m_settings.dir},
            {QStringLiteral("interval"),
                m_settings.intervalSeconds > 0 ? Duration::format(m_settings.intervalSeconds)
                                               : QStringLiteral("off")},
            {QStringLiteral("keep"), QString::number(m_settings.keep)}});
    if (m_settings.intervalSeconds <= 0)
        return;
    // The schedule goes on from the newest copy, so a host that runs only part of each day still
    // makes its daily copy; one past due runs at once.
    QDateTime next = now();
    if (auto entries = list(); entries && !entries->isEmpty()) {
        const QDateTime due = entries->constFirst().time.addSecs(m_settings.intervalSeconds);
        if (due > next)
            next = due;
    }
    schedule(next);
}

BackupScheduler::~BackupScheduler()
{
    if (m_thread) {
        m_cancel->store(true);
        m_thread->disconnect(this);
        m_thread->wait();
        delete m_thread;
    }
}

QDateTime BackupScheduler::now() const
{
    return m_clock().toUTC();
}

BackupStatus BackupScheduler::status() const
{
    return m_status;
}

Expected<QList<BackupEntry>, QString> BackupScheduler::list() const
{
    if (!isConfigured())
        return QList<BackupEntry> {};
    return BackupDirectory(m_settings.dir).list();
}

void BackupScheduler::schedule(const QDateTime &next)
{
    m_status.nextRun = next;
    const qint64 wait = qBound(qint64(0), now().msecsTo(next), MaxTimerStepMs);
    m_timer->start(int(wait));
}

void BackupScheduler::onTimer()
{
    if (!m_status.nextRun.isValid())
        return;
    if (now() < m_status.nextRun) {
        schedule(m_status.nextRun); // a long wait, taken in steps
        return;
    }
    if (isRunning()) {
        m_due = true; // starts when the one running ends
        return;
    }
    (void)start();
}

Expected<quint64, BackupScheduler::Refusal> BackupScheduler::start()
{
    if (!isConfigured())
        return unexpected(Refusal::NotConfigured);
    if (isRunning())
        return unexpected(Refusal::Running);

    QDateTime time = now();
    // Names must grow: a copy made within the millisecond of the last one waits for the next.
    if (m_lastTime.isValid() && time <= m_lastTime)
        time = m_lastTime.addMSecs(1);
    m_lastTime = time;
    const quint64 run = ++m_runs;
    m_due = false;
    if (m_settings.intervalSeconds > 0) {
        // The schedule runs from each backup's start, whatever started it.
        schedule(time.addSecs(m_settings.intervalSeconds));
    }

    BackupJob::Input input {m_databasePath, m_settings.dir, time, m_settings.keep, {}};
    m_cancel = std::make_shared<std::atomic_bool>(false);
    m_result = std::make_shared<Result>();
    auto cancel = m_cancel;
    auto result = m_result;
    m_thread = QThread::create([input, cancel, result] {
        // Below the event loop's thread: the copy may take a core, the writes come first. Qt's
        // thread priorities do nothing under Linux's default policy; a thread's nice value does
        // (it is per thread there). Niced, not idle: a busy host still finishes its backup.
        ::setpriority(PRIO_PROCESS, 0, 10);
        result->outcome = BackupJob::run(input, *cancel);
    });
    m_thread->setObjectName(QStringLiteral("canopy-backup"));
    m_runClock.start();
    connect(m_thread, &QThread::finished, this, [this, run] { onFinished(run); });
    m_thread->start();

    m_status.running = true;
    m_status.runningSince = time;
    m_log.record(QtInfoMsg, lcBackup(), QStringLiteral("backup started"),
        {{QStringLiteral("dir"), m_settings.dir}, {QStringLiteral("run"), QString::number(run)}});
    Q_EMIT started(run);
    Q_EMIT statusChanged();
    return run;
}

void BackupScheduler::onFinished(quint64 run)
{
    const double seconds = double(m_runClock.nsecsElapsed()) / 1e9;
    m_thread->deleteLater();
    m_thread = nullptr;
    const std::shared_ptr<Result> result = std::exchange(m_result, nullptr);
    m_cancel.reset();

    m_status.running = false;
    m_status.lastDurationSeconds = seconds;
    BackupEntry entry;
    QString error;
    if (result->outcome) {
        const BackupJob::Output &output = *result->outcome;
        entry = output.entry;
        ++m_status.succeeded;
        m_status.lastSuccess = entry;
        m_status.lastError.clear();
        m_log.record(QtInfoMsg, lcBackup(), QStringLiteral("backup made"),
            {{QStringLiteral("file"), entry.file},
                {QStringLiteral("bytes"), QString::number(entry.bytes)},
                {QStringLiteral("seconds"), QString::number(seconds, 'f', 3)},
                {QStringLiteral("copyMs"), QString::number(output.copyMs)},
                {QStringLiteral("checkMs"), QString::number(output.checkMs)},
                {QStringLiteral("flushMs"), QString::number(output.flushMs)},
                {QStringLiteral("pruneMs"), QString::number(output.pruneMs)},
                {QStringLiteral("dir"), m_settings.dir}});
        for (const QString &removed : output.removed) {
            m_log.record(QtInfoMsg, lcBackup(), QStringLiteral("old backup removed (retention)"),
                {{QStringLiteral("file"), removed},
                    {QStringLiteral("keep"), QString::number(m_settings.keep)}});
        }
        for (const QString &failure : output.removeFailures) {
            m_log.record(QtWarningMsg, lcBackup(), QStringLiteral("cannot remove an old backup"),
                {{QStringLiteral("reason"), failure}});
        }
    } else {
        error = result->outcome.error();
        ++m_status.failed;
        m_status.lastFailureAt = now();
        m_status.lastFailure = error;
        m_status.lastError = error;
        m_log.record(QtCriticalMsg, lcBackup(), QStringLiteral("backup failed"),
            {{QStringLiteral("reason"), error}, {QStringLiteral("dir"), m_settings.dir},
                {QStringLiteral("run"), QString::number(run)}});
    }
    Q_EMIT finished(run, entry, error);
    Q_EMIT statusChanged();
    if (m_due)
        (void)start();
}

} // namespace canopy
