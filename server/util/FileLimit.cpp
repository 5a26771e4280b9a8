#include "util/FileLimit.h"

#include <limits>
#include <sys/resource.h>

#include <QFile>

namespace canopy {

FileLimit FileLimit::raiseSoftToHard()
{
    FileLimit result;
    rlimit limit {};
    if (::getrlimit(RLIMIT_NOFILE, &limit) != 0)
        return result;
    const auto asNumber = [](rlim_t value) {
        return value == RLIM_INFINITY ? std::numeric_limits<qint64>::max() : qint64(value);
    };
    result.before = result.soft = asNumber(limit.rlim_cur);
    result.hard = asNumber(limit.rlim_max);
    rlim_t target = limit.rlim_max;
    if (target == RLIM_INFINITY) {
        // RLIMIT_NOFILE can never pass fs.nr_open; asking for "unlimited" fails.
        QFile nrOpen(QStringLiteral("/proc/sys/fs/nr_open"));
        bool ok = false;
        const qint64 cap
            = nrOpen.open(QIODevice::ReadOnly) ? nrOpen.readAll().trimmed().toLongLong(&ok) : 0;
        target = ok && cap > 0 ? rlim_t(cap) : rlim_t(1) << 20;
    }
    if (limit.rlim_cur != RLIM_INFINITY && limit.rlim_cur < target) {
        rlimit raised = limit;
        raised.rlim_cur = target;
        if (::setrlimit(RLIMIT_NOFILE, &raised) == 0)
            result.soft = asNumber(target);
    }
    return result;
}

} // namespace canopy
