#pragma once

#include "backup/BackupEntry.h"
#include "util/Expected.h"

#include <QList>
#include <QString>
#include <QStringList>

namespace canopy {

// The copies in one backup dir: listing them, dropping the oldest beyond a count, clearing the
// partial files a crashed run left. Only names BackupName makes are ever touched.
class BackupDirectory final
{
public:
    explicit BackupDirectory(QString path);

    const QString &path() const { return m_path; }

    // Newest first. A missing dir lists nothing; one that cannot be read is an error.
    Expected<QList<BackupEntry>, QString> list() const;

    struct Pruned
    {
        QStringList removed; // names
        QStringList failures; // "name: why"
    };
    // Deletes the verified copies beyond the newest `keep` verified ones. A copy that is not
    // (a truncated file, say) neither counts nor is deleted: it is the operator's to look at.
    Pruned prune(int keep) const;
    // Partial files of earlier runs (a crash mid-copy); none is being written while this runs.
    void removePartials() const;

    // Whether the file at `path` is a whole SQLite database: its header is SQLite's and the file
    // is as long as the header says. `bytes` receives the file's size.
    static bool looksWhole(const QString &path, qint64 *bytes = nullptr);

private:
    QString m_path;
};

} // namespace canopy
