#include "backup/BackupRestore.h"

#include "backup/SqliteConnection.h"
#include "crdt/elo/EloEngine.h"
#include "crdt/ephemeral/EphemeralEngine.h"
#include "crdt/loro/LoroEngine.h"
#include "store/DataDirLock.h"
#include "store/Database.h"
#include "store/UnitStore.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QTemporaryFile>

namespace canopy {
namespace {

const QString kDatabaseName = QStringLiteral("canopy.sqlite");

RestoreError refused(const QString &message)
{
    return RestoreError {RestoreError::Code::Refused, message};
}

RestoreError failed(const QString &message)
{
    return RestoreError {RestoreError::Code::Failed, message};
}

QString systemError(int error)
{
    return QString::fromLocal8Bit(std::strerror(error));
}

qint64 countOf(SqliteConnection &db, const char *sql)
{
    auto rows = db.query(sql);
    if (!rows || rows->isEmpty())
        return -1;
    bool ok = false;
    const qint64 count = rows->constFirst().toLongLong(&ok);
    return ok ? count : -1;
}

// Whatever schema a database has: tables that an older schema named otherwise count as well.
DatabaseCounts countsOf(SqliteConnection &db)
{
    DatabaseCounts counts;
    counts.documents = countOf(db, "SELECT count(*) FROM documents");
    if (counts.documents < 0)
        counts.documents = countOf(db, "SELECT count(*) FROM entities"); // schema 1-3
    counts.blocks = countOf(db, "SELECT count(*) FROM units");
    if (counts.blocks < 0)
        counts.blocks = countOf(db, "SELECT count(*) FROM blocks"); // schema 1-3
    counts.tokens = countOf(db, "SELECT count(*) FROM tokens");
    counts.bans = countOf(db, "SELECT count(*) FROM bans");
    return counts;
}

bool isSqliteFile(const QString &path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly)
        && file.read(16) == QByteArrayView("SQLite format 3\0", 16);
}

Expected<void, QString> syncDirectory(const QString &path)
{
    const int fd = ::open(QFile::encodeName(path).constData(), O_DIRECTORY | O_RDONLY | O_CLOEXEC);
    if (fd < 0 || ::fsync(fd) != 0) {
        const int error = errno;
        if (fd >= 0)
            ::close(fd);
        return unexpected(QStringLiteral("cannot flush %1: %2").arg(path, systemError(error)));
    }
    ::close(fd);
    return {};
}

bool renamePath(const QString &from, const QString &to, QString *error)
{
    if (::rename(QFile::encodeName(from).constData(), QFile::encodeName(to).constData()) == 0)
        return true;
    const int code = errno;
    *error = QStringLiteral("cannot rename %1 to %2: %3").arg(from, to, systemError(code));
    return false;
}

// Every unit of every document through its kind's engine, as a fresh joiner would receive it.
Expected<void, QString> checkDocuments(Database &database, qint64 maxMessageBytes)
{
    const loro::LoroEngine loroEngine(loro::LoroLimits {qsizetype(maxMessageBytes), 64});
    const elo::EloEngine eloEngine;
    const ephemeral::EphemeralEngine persistedEngine(true);
    const crdt::DocumentEngine *engines[] = {&loroEngine, &eloEngine, &persistedEngine};
    UnitStore store(database);
    auto summaries = store.summaries();
    if (!summaries)
        return unexpected(summaries.error().message);
    for (const DocumentSummary &summary : std::as_const(*summaries)) {
        const crdt::DocumentEngine *engine = nullptr;
        for (const crdt::DocumentEngine *candidate : engines) {
            if (candidate->kind() == summary.key.kind)
                engine = candidate;
        }
        const QString name
            = QStringLiteral("document %1 (%2)").arg(summary.key.name, summary.key.kind);
        if (!engine)
            return unexpected(name + QStringLiteral(": no engine serves this kind"));
        auto stored = store.load(summary.key, true);
        if (!stored)
            return unexpected(name + QStringLiteral(": ") + stored.error().message);
        auto index = engine->createIndex();
        QList<crdt::Unit> units;
        units.reserve(stored->size());
        for (const StoredUnit &unit : std::as_const(*stored)) {
            units.append(crdt::Unit {unit.peer, unit.start, unit.end, unit.meta, unit.data});
            index->addStored(units.constLast(), unit.size);
        }
        // What a fresh joiner receives: payloads within one message each.
        const QList<QByteArray> payloads = index->answer(std::move(units), {});
        for (const QByteArray &payload : payloads) {
            auto split = engine->split(payload);
            if (!split) {
                return unexpected(name
                    + QStringLiteral(" does not parse: %1 (%2)")
                          .arg(split.error().message, split.error().reason));
            }
        }
    }
    return {};
}

} // namespace

QString BackupRestore::databasePath() const
{
    return QDir(m_dataDir).filePath(kDatabaseName);
}

BackupRestore::~BackupRestore()
{
    if (m_prepared.isEmpty() || m_applied)
        return;
    const QByteArray native = QFile::encodeName(m_prepared);
    for (const char *suffix : {"", "-journal", "-wal", "-shm"})
        ::unlink(QByteArray(native + suffix).constData());
}

Expected<std::unique_ptr<BackupRestore>, RestoreError> BackupRestore::prepare(
    const QString &backup, const QString &dataDir, qint64 maxMessageBytes)
{
    const QFileInfo info(backup);
    if (!info.exists())
        return unexpected(refused(QStringLiteral("%1: no such file").arg(backup)));
    if (!info.isFile())
        return unexpected(refused(QStringLiteral("%1 is not a file").arg(backup)));
    QFile source(backup);
    if (!source.open(QIODevice::ReadOnly)) {
        return unexpected(
            refused(QStringLiteral("cannot read %1: %2").arg(backup, source.errorString())));
    }
    if (!isSqliteFile(backup))
        return unexpected(refused(QStringLiteral("%1 is not a SQLite database").arg(backup)));

    std::unique_ptr<BackupRestore> restore(new BackupRestore);
    restore->m_dataDir = QDir(dataDir).absolutePath();
    // A host running on the data dir holds this lock; holding it keeps one from starting.
    auto lock = DataDirLock::acquire(restore->m_dataDir);
    if (!lock)
        return unexpected(refused(lock.error() + QStringLiteral(": stop it first")));
    restore->m_lock = std::move(*lock);

    // The copy that will be swapped in, beside the database (same file system: the swap is a
    // rename). Verifying the copy leaves the backup itself as it was.
    QTemporaryFile temporary(
        QDir(restore->m_dataDir).filePath(QStringLiteral(".canopy-restore-XXXXXX.sqlite")));
    temporary.setAutoRemove(false);
    if (!temporary.open()) {
        return unexpected(refused(QStringLiteral("cannot make a copy in %1: %2")
                                      .arg(restore->m_dataDir, temporary.errorString())));
    }
    restore->m_prepared = temporary.fileName();
    QByteArray chunk;
    while (!(chunk = source.read(1 << 20)).isEmpty()) {
        if (temporary.write(chunk) != chunk.size()) {
            return unexpected(
                refused(QStringLiteral("cannot copy %1 into %2: %3")
                            .arg(backup, restore->m_dataDir, temporary.errorString())));
        }
    }
    if (source.error() != QFileDevice::NoError) {
        return unexpected(
            refused(QStringLiteral("cannot read %1: %2").arg(backup, source.errorString())));
    }
    if (!temporary.flush() || ::fsync(temporary.handle()) != 0) {
        return unexpected(refused(QStringLiteral("cannot copy %1 into %2: %3")
                                      .arg(backup, restore->m_dataDir, temporary.errorString())));
    }
    temporary.close();

    {
        auto copy = SqliteConnection::open(restore->m_prepared, SqliteConnection::Mode::ReadWrite);
        if (!copy)
            return unexpected(
                refused(QStringLiteral("%1 cannot be opened: %2").arg(backup, copy.error())));
        auto findings = copy->integrityCheck();
        if (!findings)
            return unexpected(
                refused(QStringLiteral("%1 is corrupt: %2").arg(backup, findings.error())));
        if (*findings != QStringList {QStringLiteral("ok")}) {
            return unexpected(
                refused(QStringLiteral("%1 is corrupt: %2")
                            .arg(backup, findings->mid(0, 3).join(QStringLiteral("; ")))));
        }
        auto schema = copy->userVersion();
        if (!schema)
            return unexpected(
                refused(QStringLiteral("%1 is corrupt: %2").arg(backup, schema.error())));
        restore->m_backupSchema = *schema;
        if (*schema > Database::SchemaVersion) {
            return unexpected(refused(QStringLiteral("%1 has schema %2; this Canopy knows up to %3")
                                          .arg(backup, QString::number(*schema),
                                              QString::number(Database::SchemaVersion))));
        }
        if (*schema < 1 || countOf(*copy, "SELECT count(*) FROM sqlite_master") <= 0)
            return unexpected(
                refused(QStringLiteral("%1 is not a Canopy database (no schema)").arg(backup)));
    }
    {
        // Brought to this build's schema as the host would at its start, then read by the engines.
        auto database = Database::open(restore->m_prepared);
        if (!database) {
            return unexpected(refused(
                QStringLiteral("%1 cannot be used: %2").arg(backup, database.error().message)));
        }
        if (auto checked = checkDocuments(**database, maxMessageBytes); !checked)
            return unexpected(refused(QStringLiteral("%1: %2").arg(backup, checked.error())));
    }
    {
        // Read-write: closing it then leaves no -wal or -shm behind.
        auto copy = SqliteConnection::open(restore->m_prepared, SqliteConnection::Mode::ReadWrite);
        if (copy)
            restore->m_incoming = countsOf(*copy);
    }

    const QString current = restore->databasePath();
    restore->m_hasCurrent = QFileInfo::exists(current);
    if (restore->m_hasCurrent) {
        // Read without making anything beside it: an -wal left by a crash is read through
        // (its -shm is there too), otherwise the file alone.
        const bool hasWal = QFileInfo(current + QStringLiteral("-wal")).size() > 0
            && QFileInfo::exists(current + QStringLiteral("-shm"));
        auto db = SqliteConnection::open(
            current, hasWal ? SqliteConnection::Mode::ReadOnly : SqliteConnection::Mode::Immutable);
        if (db)
            restore->m_current = countsOf(*db);
        else
            restore->m_currentNote = db.error();
    }
    return restore;
}

Expected<QString, RestoreError> BackupRestore::apply()
{
    const QString current = databasePath();
    const QByteArray currentNative = QFile::encodeName(current);
    QString kept;
    QStringList movedSides; // suffixes moved with the kept database
    QString error;
    if (QFileInfo::exists(current)) {
        // Fold the WAL into the database first: removing a -wal that still held commits would
        // lose them, and keeping one beside the new database would corrupt it.
        bool checkpointed = false;
        {
            auto db = SqliteConnection::open(current, SqliteConnection::Mode::ReadWrite);
            if (db) {
                auto result = db->query("PRAGMA wal_checkpoint(TRUNCATE)");
                checkpointed = result && !result->isEmpty() && result->constFirst() == u"0";
            }
        } // closing the last connection also removes the -wal and -shm
        kept = current + QStringLiteral(".replaced-")
            + QDateTime::currentDateTimeUtc().toString(QStringLiteral("yyyyMMdd'T'HHmmss.zzz'Z'"));
        if (!renamePath(current, kept, &error))
            return unexpected(failed(error));
        for (const char *suffix : {"-wal", "-shm", "-journal"}) {
            const QByteArray side = currentNative + suffix;
            if (::access(side.constData(), F_OK) != 0)
                continue;
            if (checkpointed && qstrcmp(suffix, "-journal") != 0) {
                ::unlink(side.constData()); // holds nothing the kept file lacks
                continue;
            }
            // Not checkpointed (the database would not open): its -wal stays its own.
            if (!renamePath(QFile::decodeName(side), kept + QLatin1String(suffix), &error)) {
                renamePath(kept, current, &error);
                return unexpected(failed(error));
            }
            movedSides.append(QLatin1String(suffix));
        }
    }
    const QByteArray prepared = QFile::encodeName(m_prepared);
    for (const char *suffix : {"-wal", "-shm", "-journal"})
        ::unlink(QByteArray(prepared + suffix).constData()); // closed cleanly: they hold nothing
    if (!renamePath(m_prepared, current, &error)) {
        // Undo: the database the host had is back under its name.
        QString ignored;
        if (!kept.isEmpty()) {
            renamePath(kept, current, &ignored);
            for (const QString &suffix : std::as_const(movedSides))
                renamePath(kept + suffix, current + suffix, &ignored);
        }
        return unexpected(failed(error));
    }
    m_applied = true;
    ::chmod(currentNative.constData(), 0600);
    if (auto synced = syncDirectory(m_dataDir); !synced)
        return unexpected(failed(synced.error()));
    return kept;
}

} // namespace canopy
