#pragma once

#include "util/Expected.h"

#include <QByteArrayView>
#include <QString>

namespace canopy {

// Writes `bytes` as `path`, a file only the running user can read: a new file of our own
// (O_CREAT | O_EXCL | O_NOFOLLOW, 0600 from its first byte, whatever the umask), synced, then
// renamed into place, so a reader never sees half of it and a symbolic link at `path` is
// replaced itself, never followed. The error names the path and the cause.
Expected<void, QString> writePrivateFile(const QString &path, QByteArrayView bytes);

} // namespace canopy
