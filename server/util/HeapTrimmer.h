#pragma once

#include <QObject>

class QTimer;

namespace canopy {

// Hands freed heap pages back to the system every so often. A sync host allocates and frees
// frames of every size all day; glibc keeps what it freed in its arenas, so without this the
// resident size creeps up with fragmentation even though the live heap stays flat.
class HeapTrimmer final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(HeapTrimmer)

public:
    explicit HeapTrimmer(int intervalMs, QObject *parent = nullptr);

    // Returns free memory now; true when the allocator released some.
    static bool trim();

private:
    QTimer *m_timer;
};

} // namespace canopy
