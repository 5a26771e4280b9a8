#include "backup/BackupJob.h"

#include "backup/BackupDirectory.h"
#include "backup/BackupName.h"
#include "backup/SqliteConnection.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QScopeGuard>

namespace canopy {
namespace {

QString systemError(int error)
{
    return QString::fromLocal8Bit(std::strerror(error));
}

// fsync on a file or directory; the copy must be on disk before its name says it is good.
Expected<void, QString> syncPath(const QString &path, bool directory)
{
    const int fd = ::open(
        QFile::encodeName(path).constData(), (directory ? O_DIRECTORY : 0) | O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        const int error = errno;
        return unexpected(QStringLiteral("cannot open %1: %2").arg(path, systemError(error)));
    }
    const int rc = ::fsync(fd);
    const int error = errno;
    ::close(fd);
    if (rc != 0)
        return unexpected(QStringLiteral("cannot flush %1: %2").arg(path, systemError(error)));
    return {};
}

// The copy to disk a few MiB at a time, then fsync. Flushed in one fsync, hundreds of MiB of dirty
// pages go out in one ext4 journal commit, and every writer on the file system (the host's WAL)
// waits for it: 50-150 ms stalls for a 200 MB copy. Written back in steps first (which commits
// nothing), the fsync that follows has only metadata left to commit.
Expected<void, QString> flushGradually(const QString &path)
{
    const int fd = ::open(QFile::encodeName(path).constData(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        const int error = errno;
        return unexpected(QStringLiteral("cannot open %1: %2").arg(path, systemError(error)));
    }
    const auto closeFd = qScopeGuard([fd] { ::close(fd); });
#ifdef __linux__
    struct stat st
    {
    };
    if (::fstat(fd, &st) == 0) {
        constexpr off_t Step = 4 << 20;
        for (off_t offset = 0; offset < st.st_size; offset += Step) {
            // Best effort: a file system without it is flushed by the fsync below all the same.
            ::sync_file_range(fd, offset, Step,
                SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE | SYNC_FILE_RANGE_WAIT_AFTER);
        }
    }
#endif
    if (::fsync(fd) != 0) {
        const int error = errno;
        return unexpected(QStringLiteral("cannot flush %1: %2").arg(path, systemError(error)));
    }
    return {};
}

} // namespace

Expected<BackupJob::Output, QString> BackupJob::run(
    const Input &input, const std::atomic_bool &cancel)
{
    const QString cancelled = QStringLiteral("cancelled: the host is stopping");
    if (cancel.load())
        return unexpected(cancelled);
    const QFileInfo dirInfo(input.dir);
    if (!dirInfo.exists()) {
        // Made private like the data dir: a copy holds everything the database does.
        if (!QDir().mkpath(input.dir))
            return unexpected(QStringLiteral("cannot create the backup dir %1").arg(input.dir));
        QFile::setPermissions(input.dir, QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);
    } else if (!dirInfo.isDir()) {
        return unexpected(QStringLiteral("the backup dir %1 is not a directory").arg(input.dir));
    }
    const BackupDirectory directory(input.dir);
    directory.removePartials();
    Output output;
    QElapsedTimer phase;
    phase.start();

    const QString name = BackupName::forTime(input.time);
    const QString finalPath = QDir(input.dir).filePath(name);
    const QString partialPath = QDir(input.dir).filePath(BackupName::partialOf(name));
    if (QFileInfo::exists(finalPath))
        return unexpected(QStringLiteral("%1 exists already").arg(finalPath));

    // VACUUM INTO takes an empty file; made here so it is 0600 whatever the umask.
    const QByteArray partialNative = QFile::encodeName(partialPath);
    const int fd = ::open(partialNative.constData(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        const int error = errno;
        return unexpected(
            QStringLiteral("cannot create %1: %2").arg(partialPath, systemError(error)));
    }
    ::close(fd);
    bool keepPartial = false;
    const auto cleanup = qScopeGuard([&] {
        if (keepPartial)
            return;
        for (const char *suffix : {"", "-journal", "-wal", "-shm"})
            ::unlink(QByteArray(partialNative + suffix).constData());
    });

    {
        auto source = SqliteConnection::open(input.database, SqliteConnection::Mode::ReadOnly);
        if (!source) {
            return unexpected(
                QStringLiteral("cannot open %1: %2").arg(input.database, source.error()));
        }
        source->setCancelFlag(&cancel);
        // VACUUM INTO syncs the copy as the source connection's synchronous says: not here, the
        // copy is flushed in steps once it is checked (flushGradually).
        if (auto off = source->exec("PRAGMA synchronous=OFF"); !off)
            return unexpected(
                QStringLiteral("cannot read %1: %2").arg(input.database, off.error()));
        if (auto copied = source->exec("VACUUM INTO ?1", partialPath); !copied) {
            if (cancel.load())
                return unexpected(cancelled);
            return unexpected(
                QStringLiteral("cannot write the copy %1: %2").arg(partialPath, copied.error()));
        }
    }
    output.copyMs = phase.restart();
    if (cancel.load())
        return unexpected(cancelled);
    if (input.beforeCheck)
        input.beforeCheck(partialPath);
    {
        auto copy = SqliteConnection::open(partialPath, SqliteConnection::Mode::ReadOnly);
        if (!copy) {
            return unexpected(
                QStringLiteral("cannot open the copy %1: %2").arg(partialPath, copy.error()));
        }
        copy->setCancelFlag(&cancel);
        auto findings = copy->integrityCheck();
        if (!findings) {
            if (cancel.load())
                return unexpected(cancelled);
            return unexpected(
                QStringLiteral("cannot check the copy %1: %2").arg(partialPath, findings.error()));
        }
        if (*findings != QStringList {QStringLiteral("ok")}) {
            return unexpected(QStringLiteral("the copy failed its integrity check: %1")
                                  .arg(findings->mid(0, 3).join(QStringLiteral("; "))));
        }
    }
    output.checkMs = phase.restart();
    // SQLite looks at the flag only every few thousand steps: a small copy may not notice it.
    if (cancel.load())
        return unexpected(cancelled);
    if (auto flushed = flushGradually(partialPath); !flushed)
        return unexpected(flushed.error());
    if (::rename(partialNative.constData(), QFile::encodeName(finalPath).constData()) != 0) {
        const int error = errno;
        return unexpected(QStringLiteral("cannot rename %1 to %2: %3")
                              .arg(partialPath, name, systemError(error)));
    }
    keepPartial = true; // it is the copy now
    // The rename itself must survive a power cut before older copies go.
    if (auto synced = syncPath(input.dir, true); !synced)
        return unexpected(synced.error());

    output.flushMs = phase.restart();
    output.entry.file = name;
    output.entry.time = input.time.toUTC();
    output.entry.verified = BackupDirectory::looksWhole(finalPath, &output.entry.bytes);
    const BackupDirectory::Pruned pruned = directory.prune(input.keep);
    output.removed = pruned.removed;
    output.removeFailures = pruned.failures;
    output.pruneMs = phase.elapsed();
    return output;
}

} // namespace canopy
