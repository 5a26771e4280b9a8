#include "store/Database.h"

#include "log/LogCategories.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <QAtomicInteger>
#include <QFile>
#include <QSqlError>
#include <QSqlQuery>
#include <QtEndian>

namespace canopy {
namespace {

StoreError queryError(const QSqlQuery &query, const char *what)
{
    return StoreError {StoreError::Code::QueryFailed,
        QStringLiteral("%1: %2").arg(QLatin1String(what), query.lastError().text())};
}

// Migration N brings the schema from version N-1 to N.
const char *const kMigrationV1[] = {
    "CREATE TABLE entities ("
    " id TEXT PRIMARY KEY NOT NULL,"
    " created_at INTEGER NOT NULL,"
    " updated_at INTEGER NOT NULL,"
    " last_writer TEXT)",
    "CREATE TABLE blocks ("
    " id INTEGER PRIMARY KEY,"
    " entity TEXT NOT NULL REFERENCES entities(id) ON DELETE CASCADE,"
    " peer INTEGER NOT NULL," // the u64 peer id, bit-cast to SQLite's signed integer
    " counter_start INTEGER NOT NULL,"
    " counter_end INTEGER NOT NULL,"
    " lamport_start INTEGER NOT NULL,"
    " lamport_end INTEGER NOT NULL,"
    " changes INTEGER NOT NULL,"
    " data BLOB NOT NULL,"
    " received_at INTEGER NOT NULL," // ms since the epoch, UTC
    " from_did TEXT)",
    "CREATE UNIQUE INDEX blocks_range ON blocks(entity, peer, counter_start, counter_end)",
};

// Identity: issued connection tokens (only their SHA-256) and the DID document cache.
const char *const kMigrationV2[] = {
    "CREATE TABLE tokens ("
    " id INTEGER PRIMARY KEY,"
    " hash BLOB NOT NULL UNIQUE," // SHA-256 of the token; the token itself is never stored
    " did TEXT NOT NULL,"
    " issued_at INTEGER NOT NULL," // ms since the epoch, UTC
    " expires_at INTEGER NOT NULL,"
    " used_at INTEGER,"
    " session TEXT,"
    " revoked_at INTEGER,"
    " dev INTEGER NOT NULL DEFAULT 0)",
    "CREATE INDEX tokens_issued ON tokens(issued_at)",
    "CREATE TABLE did_cache ("
    " did TEXT PRIMARY KEY NOT NULL,"
    " document BLOB NOT NULL,"
    " handle TEXT,"
    " fetched_at INTEGER NOT NULL)",
};

// Operator: banned DIDs.
const char *const kMigrationV3[] = {
    "CREATE TABLE bans ("
    " did TEXT PRIMARY KEY NOT NULL,"
    " reason TEXT NOT NULL DEFAULT '',"
    " since INTEGER NOT NULL,"
    " until INTEGER)", // NULL: until lifted
};

// Every kind of document in one place: documents(kind, name) and their units. Loro blocks move
// over with their peer ids as 8 big-endian bytes (the unit's author key).
const char *const kMigrationV4[] = {
    "CREATE TABLE documents ("
    " id INTEGER PRIMARY KEY,"
    " kind TEXT NOT NULL," // loro, elo, eps
    " name TEXT NOT NULL," // the EntityId or room id
    " created_at INTEGER NOT NULL,"
    " updated_at INTEGER NOT NULL,"
    " last_writer TEXT,"
    " UNIQUE(kind, name))",
    "CREATE TABLE units ("
    " id INTEGER PRIMARY KEY,"
    " document INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,"
    " peer BLOB NOT NULL," // the author key, as the document's kind defines it
    " counter_start INTEGER NOT NULL,"
    " counter_end INTEGER NOT NULL,"
    " meta BLOB,"
    " data BLOB NOT NULL,"
    " received_at INTEGER NOT NULL," // ms since the epoch, UTC
    " from_did TEXT)",
    "CREATE UNIQUE INDEX units_range ON units(document, peer, counter_start, counter_end)",
    "INSERT INTO documents(kind, name, created_at, updated_at, last_writer) "
    " SELECT 'loro', id, created_at, updated_at, last_writer FROM entities",
};

// Access control: members, each document's owner/default/grants (by document name, shared by
// every kind of that name) and access keys (only their SHA-256). Documents that exist get their
// owner from their first stored unit's from_did when it is known, and the default "write" they
// had so far: an upgrade changes no one's access.
const char *const kMigrationV5[] = {
    "CREATE TABLE members ("
    " did TEXT PRIMARY KEY NOT NULL,"
    " note TEXT NOT NULL DEFAULT '',"
    " added_at INTEGER NOT NULL)", // ms since the epoch, UTC
    "CREATE TABLE document_access ("
    " name TEXT PRIMARY KEY NOT NULL," // DocumentKey::name
    " owner TEXT," // NULL: unknown
    " default_access TEXT NOT NULL)", // none, read, write
    "CREATE TABLE document_grants ("
    " name TEXT NOT NULL REFERENCES document_access(name) ON DELETE CASCADE,"
    " identity TEXT NOT NULL," // a DID or key:<name>
    " permission TEXT NOT NULL," // read, write
    " PRIMARY KEY(name, identity))",
    "CREATE TABLE access_keys ("
    " name TEXT PRIMARY KEY NOT NULL,"
    " hash BLOB NOT NULL UNIQUE," // SHA-256 of the key; the key itself is never stored
    " scope TEXT NOT NULL,"
    " permission TEXT NOT NULL,"
    " created_at INTEGER NOT NULL,"
    " expires_at INTEGER)", // NULL: never
    "INSERT INTO document_access(name, owner, default_access) "
    " SELECT d.name, (SELECT nullif(u.from_did, '') FROM units u JOIN documents k"
    " ON u.document = k.id WHERE k.name = d.name ORDER BY u.id LIMIT 1), 'write'"
    " FROM documents d GROUP BY d.name",
};

Expected<void, StoreError> moveBlocksToUnits(QSqlQuery &query, int step)
{
    const auto failed = [&](const QSqlQuery &q) {
        return unexpected(StoreError {StoreError::Code::MigrationFailed,
            QStringLiteral("migration %1: %2").arg(QString::number(step), q.lastError().text())});
    };
    QSqlQuery insert(query);
    if (!insert.prepare(QStringLiteral(
            "INSERT INTO units(id, document, peer, counter_start, counter_end, data, "
            "received_at, from_did) VALUES (?, (SELECT id FROM documents WHERE kind = 'loro' "
            "AND name = ?), ?, ?, ?, ?, ?, ?)")))
        return failed(insert);
    query.setForwardOnly(true);
    if (!query.exec(QStringLiteral("SELECT id, entity, peer, counter_start, counter_end, data, "
                                   "received_at, from_did FROM blocks ORDER BY id")))
        return failed(query);
    while (query.next()) {
        const qint64 signedPeer = query.value(2).toLongLong();
        QByteArray peer(8, Qt::Uninitialized);
        qToBigEndian(quint64(signedPeer), peer.data());
        insert.bindValue(0, query.value(0));
        insert.bindValue(1, query.value(1));
        insert.bindValue(2, peer);
        insert.bindValue(3, query.value(3));
        insert.bindValue(4, query.value(4));
        insert.bindValue(5, query.value(5));
        insert.bindValue(6, query.value(6));
        insert.bindValue(7, query.value(7));
        if (!insert.exec())
            return failed(insert);
    }
    query.finish();
    for (const char *statement : {"DROP TABLE blocks", "DROP TABLE entities"}) {
        if (!query.exec(QString::fromLatin1(statement)))
            return failed(query);
    }
    return {};
}

template <size_t N>
Expected<void, StoreError> runMigration(
    QSqlQuery &query, int step, const char *const (&statements)[N])
{
    for (const char *statement : statements) {
        if (!query.exec(QString::fromLatin1(statement))) {
            return unexpected(StoreError {StoreError::Code::MigrationFailed,
                QStringLiteral("migration %1: %2")
                    .arg(QString::number(step), query.lastError().text())});
        }
    }
    return {};
}

} // namespace

Database::Database(QSqlDatabase db, QString path)
    : m_db(std::move(db))
    , m_path(std::move(path))
{
}

Database::~Database()
{
    const QString name = m_db.connectionName();
    m_db.close();
    m_db = QSqlDatabase();
    QSqlDatabase::removeDatabase(name);
}

namespace {

StoreError privacyError(const QString &path, const QString &what, int error = 0)
{
    QString message = QStringLiteral("cannot open %1: %2").arg(path, what);
    if (error != 0)
        message += QStringLiteral(" (") + QString::fromLocal8Bit(std::strerror(error)) + u')';
    return StoreError {StoreError::Code::OpenFailed, message};
}

// The database is its user's alone (0600) whatever the umask: the file is made 0600 before
// SQLite opens it, and SQLite creates -wal and -shm with its database's mode (it fchmods them
// past the umask). Those left looser by an older run are tightened too.
Expected<void, StoreError> makePrivate(const QString &path)
{
    if (path.isEmpty() || path == u":memory:" || path.startsWith(u"file:"))
        return {};
    const QByteArray native = QFile::encodeName(path);
    const int fd = ::open(native.constData(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0)
        return unexpected(privacyError(path, QStringLiteral("cannot create it"), errno));
    struct stat st
    {
    };
    int error = 0;
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
        error = -1;
    else if ((st.st_mode & 07777) != 0600 && ::fchmod(fd, 0600) != 0)
        error = errno;
    ::close(fd);
    if (error == -1)
        return unexpected(privacyError(path, QStringLiteral("it is not a regular file")));
    if (error != 0)
        return unexpected(privacyError(path, QStringLiteral("cannot make it 0600"), error));
    for (const char *suffix : {"-wal", "-shm", "-journal"}) {
        const QByteArray side = native + suffix;
        if (::lstat(side.constData(), &st) != 0 || !S_ISREG(st.st_mode)
            || (st.st_mode & 07777) == 0600)
            continue;
        if (::chmod(side.constData(), 0600) != 0) {
            return unexpected(privacyError(
                path + QString::fromLatin1(suffix), QStringLiteral("cannot make it 0600"), errno));
        }
    }
    return {};
}

} // namespace

Expected<std::unique_ptr<Database>, StoreError> Database::open(const QString &path)
{
    if (auto made = makePrivate(path); !made)
        return unexpected(made.error());
    static QAtomicInteger<quint64> counter;
    const QString name = QStringLiteral("canopy-%1").arg(counter.fetchAndAddRelaxed(1));
    QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), name);
    db.setDatabaseName(path);
    db.setConnectOptions(QStringLiteral("QSQLITE_BUSY_TIMEOUT=5000"));
    if (!db.open()) {
        const QString message = db.lastError().text();
        db = QSqlDatabase();
        QSqlDatabase::removeDatabase(name);
        return unexpected(StoreError {
            StoreError::Code::OpenFailed, QStringLiteral("cannot open %1: %2").arg(path, message)});
    }
    std::unique_ptr<Database> database(new Database(db, path));

    QSqlQuery pragma(database->m_db);
    // WAL + NORMAL: a committed transaction survives a process crash; readers never block writers.
    for (const char *statement :
        {"PRAGMA journal_mode=WAL", "PRAGMA synchronous=NORMAL", "PRAGMA foreign_keys=ON"}) {
        if (!pragma.exec(QString::fromLatin1(statement)))
            return unexpected(queryError(pragma, statement));
    }
    if (auto migrated = database->migrate(); !migrated)
        return unexpected(migrated.error());
    return database;
}

int Database::schemaVersion()
{
    QSqlQuery query(m_db);
    if (!query.exec(QStringLiteral("PRAGMA user_version")) || !query.next())
        return -1;
    return query.value(0).toInt();
}

Expected<QStringList, StoreError> Database::integrityCheck()
{
    QSqlQuery query(m_db);
    if (!query.exec(QStringLiteral("PRAGMA integrity_check")))
        return unexpected(queryError(query, "integrity check"));
    QStringList findings;
    while (query.next())
        findings.append(query.value(0).toString());
    return findings;
}

Expected<void, StoreError> Database::exec(QSqlQuery &query, const char *what)
{
    if (!query.exec())
        return unexpected(queryError(query, what));
    return {};
}

Expected<void, StoreError> Database::migrate()
{
    const int current = schemaVersion();
    if (current < 0) {
        return unexpected(StoreError {
            StoreError::Code::MigrationFailed, QStringLiteral("cannot read the schema version")});
    }
    if (current > SchemaVersion) {
        return unexpected(StoreError {StoreError::Code::NewerSchema,
            QStringLiteral("the database has schema %1; this Canopy knows up to %2")
                .arg(QString::number(current), QString::number(SchemaVersion))});
    }
    for (int step = current + 1; step <= SchemaVersion; ++step) {
        Transaction transaction(m_db);
        if (!transaction.isActive()) {
            return unexpected(StoreError {StoreError::Code::MigrationFailed,
                QStringLiteral("cannot begin migration %1").arg(step)});
        }
        QSqlQuery query(m_db);
        Expected<void, StoreError> ran;
        switch (step) {
        case 1:
            ran = runMigration(query, step, kMigrationV1);
            break;
        case 2:
            ran = runMigration(query, step, kMigrationV2);
            break;
        case 3:
            ran = runMigration(query, step, kMigrationV3);
            break;
        case 4:
            ran = runMigration(query, step, kMigrationV4);
            if (ran)
                ran = moveBlocksToUnits(query, step);
            break;
        case 5:
            ran = runMigration(query, step, kMigrationV5);
            break;
        }
        if (!ran)
            return unexpected(ran.error());
        if (!query.exec(QStringLiteral("PRAGMA user_version=%1").arg(step))) {
            return unexpected(StoreError {StoreError::Code::MigrationFailed,
                QStringLiteral("migration %1: %2")
                    .arg(QString::number(step), query.lastError().text())});
        }
        if (auto committed = transaction.commit(); !committed)
            return unexpected(committed.error());
        qCInfo(lcStore) << "schema migrated to version" << step;
    }
    return {};
}

Transaction::Transaction(QSqlDatabase &db)
    : m_db(db)
{
    m_active = m_db.transaction();
}

Transaction::~Transaction()
{
    if (m_active)
        m_db.rollback();
}

Expected<void, StoreError> Transaction::commit()
{
    if (!m_active)
        return unexpected(
            StoreError {StoreError::Code::QueryFailed, QStringLiteral("no transaction")});
    if (!m_db.commit()) {
        const QString message = m_db.lastError().text();
        m_db.rollback();
        m_active = false;
        return unexpected(StoreError {
            StoreError::Code::QueryFailed, QStringLiteral("commit failed: %1").arg(message)});
    }
    m_active = false;
    return {};
}

} // namespace canopy
