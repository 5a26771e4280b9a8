#include "RestoreCommand.h"

#include "backup/BackupRestore.h"

#include <cstdio>

#include <QFileInfo>

namespace canopy {
namespace {

void printLine(FILE *stream, const QString &line)
{
    const QByteArray bytes = line.toUtf8() + '\n';
    std::fwrite(bytes.constData(), 1, size_t(bytes.size()), stream);
}

QString count(qint64 n, bool known)
{
    return (known && n >= 0 ? QString::number(n) : QStringLiteral("-")).rightJustified(10);
}

} // namespace

int restoreDatabase(const Config &config, const QString &file, bool dryRun)
{
    const QString backup = QFileInfo(file).absoluteFilePath();
    auto restore = BackupRestore::prepare(backup, config.dataDir, config.maxMessageBytes);
    if (!restore) {
        printLine(stderr, QStringLiteral("canopy: cannot restore: ") + restore.error().message);
        return 2;
    }
    const BackupRestore &r = **restore;
    printLine(stdout,
        QStringLiteral("backup %1: integrity ok, schema %2, every document parses")
            .arg(backup, QString::number(r.backupSchema())));
    const QString target = r.databasePath();
    if (!r.hasCurrent())
        printLine(stdout, QStringLiteral("%1 does not exist yet: nothing is replaced").arg(target));
    else if (!r.currentNote().isEmpty())
        printLine(stdout, QStringLiteral("%1 cannot be read (%2)").arg(target, r.currentNote()));
    printLine(stdout,
        QStringLiteral("%1%2%3").arg(QString(14, u' '),
            QStringLiteral("current").rightJustified(10),
            QStringLiteral("backup").rightJustified(10)));
    const std::pair<const char *, std::pair<qint64, qint64>> rows[] = {
        {"documents", {r.current().documents, r.incoming().documents}},
        {"blocks", {r.current().blocks, r.incoming().blocks}},
        {"tokens", {r.current().tokens, r.incoming().tokens}},
        {"bans", {r.current().bans, r.incoming().bans}},
    };
    for (const auto &[name, counts] : rows) {
        printLine(stdout,
            QStringLiteral("  %1%2%3")
                .arg(QString::fromLatin1(name).leftJustified(12),
                    count(counts.first, r.hasCurrent()), count(counts.second, true)));
    }
    if (dryRun) {
        printLine(stdout,
            QStringLiteral("dry run: %1 would be replaced; nothing was changed").arg(target));
        return 0;
    }
    auto kept = (*restore)->apply();
    if (!kept) {
        printLine(stderr, QStringLiteral("canopy: restore failed: ") + kept.error().message);
        return 1;
    }
    if (kept->isEmpty())
        printLine(stdout, QStringLiteral("restored %1 as %2").arg(backup, target));
    else
        printLine(stdout,
            QStringLiteral("restored %1 as %2; the replaced database is kept as %3")
                .arg(backup, target, *kept));
    return 0;
}

} // namespace canopy
