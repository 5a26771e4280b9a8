#pragma once

#include "util/Expected.h"

#include <memory>

#include <QString>

class QLockFile;

namespace canopy {

// <data-dir>/canopy.lock, held by the process that serves a data dir for as long as it runs (a
// host, a restore). A second one on the same dir is refused; the lock of a process that died
// (kill -9, a crash) is stale and taken over.
class DataDirLock final
{
public:
    static constexpr const char *FileName = "canopy.lock";

    // The error names the holder: "a Canopy host (pid 1234) is using /var/lib/canopy".
    static Expected<std::unique_ptr<DataDirLock>, QString> acquire(const QString &dataDir);
    ~DataDirLock();
    DataDirLock(const DataDirLock &) = delete;
    DataDirLock &operator=(const DataDirLock &) = delete;

private:
    explicit DataDirLock(std::unique_ptr<QLockFile> file);

    std::unique_ptr<QLockFile> m_file;
};

} // namespace canopy
