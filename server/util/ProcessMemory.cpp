#include "util/ProcessMemory.h"

#include <unistd.h>

#include <QFile>
#include <QList>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

#if defined(__SANITIZE_ADDRESS__)
#define CANOPY_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CANOPY_ASAN 1
#endif
#endif

#if defined(CANOPY_ASAN)
// ASan replaces malloc, so glibc's mallinfo2 sees an empty heap; ASan's own allocator counts
// what is live instead (declared in <sanitizer/allocator_interface.h>, which gcc does not ship).
extern "C" size_t __sanitizer_get_current_allocated_bytes();
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
#if defined(CANOPY_ASAN)
    memory.heapInUseBytes = qint64(__sanitizer_get_current_allocated_bytes());
#elif defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 33))
    const struct mallinfo2 info = mallinfo2();
    memory.heapInUseBytes = qint64(info.uordblks + info.hblkhd); // arenas + mmapped chunks
#endif
    return memory;
}

} // namespace canopy
