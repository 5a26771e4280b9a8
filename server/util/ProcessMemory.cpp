#include "util/ProcessMemory.h"

#include <unistd.h>

#include <QFile>
#include <QList>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace canopy {

ProcessMemory ProcessMemory::read()
{
    ProcessMemory memory;
    // statm: size resident shared text lib data dt, in pages.
    QFile statm(QStringLiteral("/proc/self/statm"));
    if (statm.open(QIODevice::ReadOnly)) {
        const QList<QByteArray> fields = statm.readAll().split(' ');
        bool ok = false;
        const qint64 pages = fields.size() > 1 ? fields.at(1).toLongLong(&ok) : 0;
        if (ok)
            memory.residentBytes = pages * qint64(sysconf(_SC_PAGESIZE));
    }
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 33))
    const struct mallinfo2 info = mallinfo2();
    memory.heapInUseBytes = qint64(info.uordblks + info.hblkhd); // arenas + mmapped chunks
#endif
    return memory;
}

} // namespace canopy
