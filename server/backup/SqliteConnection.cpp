#include "backup/SqliteConnection.h"

#include <sqlite3.h>

#include <QFile>
#include <QUrl>

namespace canopy {
namespace {

int cancelled(void *flag)
{
    return static_cast<const std::atomic_bool *>(flag)->load(std::memory_order_relaxed) ? 1 : 0;
}

} // namespace

Expected<SqliteConnection, QString> SqliteConnection::open(const QString &path, Mode mode)
{
    sqlite3 *db = nullptr;
    int flags = SQLITE_OPEN_NOMUTEX;
    QByteArray name = QFile::encodeName(path);
    switch (mode) {
    case Mode::ReadWrite:
        flags |= SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
        break;
    case Mode::ReadOnly:
        flags |= SQLITE_OPEN_READONLY;
        break;
    case Mode::Immutable:
        // immutable=1: no locks, no -shm, no -wal: nothing beside the file is made or read.
        flags |= SQLITE_OPEN_READONLY | SQLITE_OPEN_URI;
        name = "file:" + QUrl::toPercentEncoding(QFile::decodeName(name), "/") + "?immutable=1";
        break;
    }
    const int rc = sqlite3_open_v2(name.constData(), &db, flags, nullptr);
    if (rc != SQLITE_OK) {
        const QString message
            = db ? QString::fromUtf8(sqlite3_errmsg(db)) : QString::fromUtf8(sqlite3_errstr(rc));
        sqlite3_close(db);
        return unexpected(message);
    }
    sqlite3_extended_result_codes(db, 1);
    sqlite3_busy_timeout(db, 5000);
    return SqliteConnection(db);
}

SqliteConnection::SqliteConnection(sqlite3 *db)
    : m_db(db)
{
}

SqliteConnection::~SqliteConnection()
{
    sqlite3_close(m_db);
}

SqliteConnection::SqliteConnection(SqliteConnection &&other) noexcept
    : m_db(std::exchange(other.m_db, nullptr))
{
}

SqliteConnection &SqliteConnection::operator=(SqliteConnection &&other) noexcept
{
    if (this != &other) {
        sqlite3_close(m_db);
        m_db = std::exchange(other.m_db, nullptr);
    }
    return *this;
}

void SqliteConnection::setCancelFlag(const std::atomic_bool *flag)
{
    if (flag)
        sqlite3_progress_handler(m_db, 4096, &cancelled, const_cast<std::atomic_bool *>(flag));
    else
        sqlite3_progress_handler(m_db, 0, nullptr, nullptr);
}

QString SqliteConnection::lastError() const
{
    return QString::fromUtf8(sqlite3_errmsg(m_db));
}

Expected<QStringList, QString> SqliteConnection::query(const char *sql, const QString &parameter)
{
    sqlite3_stmt *statement = nullptr;
    if (sqlite3_prepare_v2(m_db, sql, -1, &statement, nullptr) != SQLITE_OK)
        return unexpected(lastError());
    if (!parameter.isNull()) {
        const QByteArray utf8 = parameter.toUtf8();
        sqlite3_bind_text(statement, 1, utf8.constData(), int(utf8.size()), SQLITE_TRANSIENT);
    }
    QStringList rows;
    int rc = SQLITE_ROW;
    while ((rc = sqlite3_step(statement)) == SQLITE_ROW) {
        const auto *text = reinterpret_cast<const char *>(sqlite3_column_text(statement, 0));
        rows.append(text ? QString::fromUtf8(text) : QString());
    }
    // The error is read before finalize, which may reset it.
    const QString error = rc == SQLITE_DONE ? QString() : lastError();
    sqlite3_finalize(statement);
    if (rc != SQLITE_DONE)
        return unexpected(error);
    return rows;
}

Expected<void, QString> SqliteConnection::exec(const char *sql, const QString &parameter)
{
    auto rows = query(sql, parameter);
    if (!rows)
        return unexpected(rows.error());
    return {};
}

Expected<QStringList, QString> SqliteConnection::integrityCheck()
{
    return query("PRAGMA integrity_check");
}

Expected<int, QString> SqliteConnection::userVersion()
{
    auto rows = query("PRAGMA user_version");
    if (!rows)
        return unexpected(rows.error());
    if (rows->isEmpty())
        return unexpected(QStringLiteral("no schema version"));
    return rows->constFirst().toInt();
}

} // namespace canopy
