#include "util/PrivateFile.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <QFile>
#include <QRandomGenerator>

namespace canopy {

Expected<void, QString> writePrivateFile(const QString &path, QByteArrayView bytes)
{
    const auto failed = [&path](int error) {
        return unexpected(QStringLiteral("cannot write %1: %2")
                              .arg(path, QString::fromLocal8Bit(std::strerror(error))));
    };
    const QString temporary = path + QStringLiteral(".new-")
        + QString::number(QRandomGenerator::system()->generate64(), 36);
    const QByteArray native = QFile::encodeName(temporary);
    const int fd
        = ::open(native.constData(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0)
        return failed(errno);
    int failure = ::fchmod(fd, 0600) == 0 ? 0 : errno; // exact, whatever the umask took away
    qsizetype written = 0;
    while (failure == 0 && written < bytes.size()) {
        const ssize_t n = ::write(fd, bytes.data() + written, size_t(bytes.size() - written));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            failure = errno;
        else
            written += n;
    }
    if (failure == 0 && ::fsync(fd) != 0)
        failure = errno;
    if (::close(fd) != 0 && failure == 0)
        failure = errno;
    if (failure == 0 && ::rename(native.constData(), QFile::encodeName(path).constData()) != 0)
        failure = errno;
    if (failure != 0) {
        ::unlink(native.constData());
        return failed(failure);
    }
    return {};
}

} // namespace canopy
