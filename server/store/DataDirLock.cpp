#include "store/DataDirLock.h"

#include <QDir>
#include <QLockFile>

namespace canopy {

DataDirLock::DataDirLock(std::unique_ptr<QLockFile> file)
    : m_file(std::move(file))
{
}

DataDirLock::~DataDirLock() = default;

Expected<std::unique_ptr<DataDirLock>, QString> DataDirLock::acquire(const QString &dataDir)
{
    auto file = std::make_unique<QLockFile>(QDir(dataDir).filePath(QLatin1String(FileName)));
    // Never stale by age: a host runs for months. Only a holder that is gone lets go of it.
    file->setStaleLockTime(0);
    if (file->tryLock(0))
        return std::unique_ptr<DataDirLock>(new DataDirLock(std::move(file)));
    switch (file->error()) {
    case QLockFile::LockFailedError: {
        qint64 pid = 0;
        QString hostName;
        QString application;
        if (file->getLockInfo(&pid, &hostName, &application)) {
            return unexpected(QStringLiteral("a Canopy process (pid %1 on %2) is using %3")
                                  .arg(QString::number(pid), hostName, dataDir));
        }
        return unexpected(QStringLiteral("another Canopy process is using %1").arg(dataDir));
    }
    case QLockFile::PermissionError:
        return unexpected(QStringLiteral("cannot create the lock file in %1").arg(dataDir));
    default:
        return unexpected(QStringLiteral("cannot lock %1").arg(dataDir));
    }
}

} // namespace canopy
