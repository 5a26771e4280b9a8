#pragma once

#include <QtGlobal>

namespace canopy {

// The process's limit on open file descriptors (RLIMIT_NOFILE). Every connection holds one, so
// a host started with a low soft limit (1024 is common) runs out long before its caps do.
struct FileLimit
{
    qint64 before = -1; // the soft limit found; -1 when it cannot be read
    qint64 soft = -1; // the soft limit now
    qint64 hard = -1;

    // Raises the soft limit to the hard one (to the kernel's nr_open when that is unlimited).
    static FileLimit raiseSoftToHard();
};

} // namespace canopy
