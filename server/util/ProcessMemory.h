#pragma once

#include <QtGlobal>

namespace canopy {

// This process's memory as the operator sees it: resident pages (what the system charges) and
// the heap the program holds live (what it asked for). A gap that widens means the allocator
// keeps freed or untouched pages resident, not that the program holds more.
struct ProcessMemory
{
    qint64 residentBytes = -1; // -1 when unknown
    qint64 heapInUseBytes = -1;

    static ProcessMemory read();
};

} // namespace canopy
