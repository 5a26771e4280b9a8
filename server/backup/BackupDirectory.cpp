#include "backup/BackupDirectory.h"

#include "backup/BackupName.h"

#include <algorithm>

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QtEndian>

namespace canopy {

BackupDirectory::BackupDirectory(QString path)
    : m_path(std::move(path))
{
}

Expected<QList<BackupEntry>, QString> BackupDirectory::list() const
{
    const QFileInfo info(m_path);
    if (!info.exists())
        return QList<BackupEntry> {};
    if (!info.isDir())
        return unexpected(QStringLiteral("%1 is not a directory").arg(m_path));
    QDir dir(m_path);
    if (!dir.isReadable())
        return unexpected(QStringLiteral("cannot read %1").arg(m_path));
    QList<BackupEntry> entries;
    const QStringList names = dir.entryList({QStringLiteral("canopy-*.sqlite")}, QDir::Files);
    for (const QString &name : names) {
        const auto time = BackupName::timeOf(name);
        if (!time)
            continue;
        BackupEntry entry;
        entry.file = name;
        entry.time = *time;
        entry.verified = looksWhole(dir.filePath(name), &entry.bytes);
        entries.append(entry);
    }
    std::sort(entries.begin(), entries.end(),
        [](const BackupEntry &a, const BackupEntry &b) { return a.time > b.time; });
    return entries;
}

BackupDirectory::Pruned BackupDirectory::prune(int keep) const
{
    Pruned pruned;
    auto entries = list();
    if (!entries)
        return pruned;
    int kept = 0;
    for (const BackupEntry &entry : std::as_const(*entries)) {
        if (!entry.verified)
            continue;
        if (kept < keep) {
            ++kept;
            continue;
        }
        QFile file(QDir(m_path).filePath(entry.file));
        if (file.remove())
            pruned.removed.append(entry.file);
        else
            pruned.failures.append(entry.file + QStringLiteral(": ") + file.errorString());
    }
    return pruned;
}

void BackupDirectory::removePartials() const
{
    QDir dir(m_path);
    const QStringList names = dir.entryList(
        {QStringLiteral(".canopy-*.sqlite.partial*")}, QDir::Files | QDir::Hidden | QDir::System);
    for (const QString &name : names) {
        // The partial itself and what SQLite may have kept beside it (a -journal).
        const QString base = name.section(QStringLiteral(".partial"), 0, 0) + u".partial";
        if (BackupName::isPartial(base))
            QFile::remove(dir.filePath(name));
    }
}

bool BackupDirectory::looksWhole(const QString &path, qint64 *bytes)
{
    QFile file(path);
    if (bytes)
        *bytes = 0;
    if (!file.open(QIODevice::ReadOnly))
        return false;
    const qint64 size = file.size();
    if (bytes)
        *bytes = size;
    const QByteArray header = file.read(100);
    if (header.size() < 100 || !header.startsWith(QByteArrayView("SQLite format 3\0", 16)))
        return false;
    const auto *h = reinterpret_cast<const uchar *>(header.constData());
    quint32 pageSize = qFromBigEndian<quint16>(h + 16);
    if (pageSize == 1)
        pageSize = 65536;
    const quint32 changeCounter = qFromBigEndian<quint32>(h + 24);
    const quint32 pages = qFromBigEndian<quint32>(h + 28);
    const quint32 validFor = qFromBigEndian<quint32>(h + 92);
    if (pageSize < 512 || (pageSize & (pageSize - 1)) != 0 || pages == 0)
        return false;
    // The page count in the header is only meant when the header says it is current.
    if (validFor != changeCounter)
        return size > 0 && size % pageSize == 0;
    return size == qint64(pageSize) * pages;
}

} // namespace canopy
