#pragma once

#include <QDateTime>
#include <QMetaType>
#include <QString>

namespace canopy {

// One copy in the backup dir, as the operator sees it.
struct BackupEntry
{
    QString file; // the name inside the backup dir, e.g. canopy-20261201T133000.123Z.sqlite
    qint64 bytes = 0;
    QDateTime time; // UTC, when the copy's snapshot was taken (its name says so)
    // It passed PRAGMA integrity_check when it was made (only then does a copy get its name) and
    // is still as long as its header says.
    bool verified = false;
};

} // namespace canopy

Q_DECLARE_METATYPE(canopy::BackupEntry)
