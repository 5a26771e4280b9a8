// SQLite storage: schema versioning and migrations, atomic writes, reloads, units of every kind.
#include "store/Database.h"
#include "store/UnitStore.h"

#include <sys/stat.h>

#include <QScopeGuard>
#include <QSqlError>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>
#include <QtEndian>

using namespace canopy;

namespace {

QByteArray peerKey(quint64 peer)
{
    QByteArray key(8, Qt::Uninitialized);
    qToBigEndian(peer, key.data());
    return key;
}

UnitWrite unit(const DocumentKey &document, QByteArray peer, quint32 start, quint32 end,
    QByteArray data, QByteArray meta = {})
{
    UnitWrite w;
    w.document = document;
    w.unit.peer = std::move(peer);
    w.unit.start = start;
    w.unit.end = end;
    w.unit.meta = std::move(meta);
    w.unit.data = std::move(data);
    w.unit.receivedAtMs = 1700000000000;
    w.unit.fromDid = QStringLiteral("did:plc:writer");
    return w;
}

const DocumentKey kEntity {QStringLiteral("loro"), QStringLiteral("leaf:") + QString(52, u'a')};

// The schema as Canopy 0.1 left it (version 3): Loro blocks keyed by entity id.
bool createVersionThree(const QString &path)
{
    QSqlDatabase raw = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("v3"));
    raw.setDatabaseName(path);
    bool ok = raw.open();
    {
        QSqlQuery q(raw);
        const char *statements[] = {
            "CREATE TABLE entities (id TEXT PRIMARY KEY NOT NULL, created_at INTEGER NOT NULL, "
            "updated_at INTEGER NOT NULL, last_writer TEXT)",
            "CREATE TABLE blocks (id INTEGER PRIMARY KEY, entity TEXT NOT NULL REFERENCES "
            "entities(id) ON DELETE CASCADE, peer INTEGER NOT NULL, counter_start INTEGER NOT "
            "NULL, counter_end INTEGER NOT NULL, lamport_start INTEGER NOT NULL, lamport_end "
            "INTEGER NOT NULL, changes INTEGER NOT NULL, data BLOB NOT NULL, received_at INTEGER "
            "NOT NULL, from_did TEXT)",
            "CREATE UNIQUE INDEX blocks_range ON blocks(entity, peer, counter_start, counter_end)",
            "CREATE TABLE tokens (id INTEGER PRIMARY KEY, hash BLOB NOT NULL UNIQUE, did TEXT NOT "
            "NULL, issued_at INTEGER NOT NULL, expires_at INTEGER NOT NULL, used_at INTEGER, "
            "session TEXT, revoked_at INTEGER, dev INTEGER NOT NULL DEFAULT 0)",
            "CREATE INDEX tokens_issued ON tokens(issued_at)",
            "CREATE TABLE did_cache (did TEXT PRIMARY KEY NOT NULL, document BLOB NOT NULL, handle "
            "TEXT, fetched_at INTEGER NOT NULL)",
            "CREATE TABLE bans (did TEXT PRIMARY KEY NOT NULL, reason TEXT NOT NULL DEFAULT '', "
            "since INTEGER NOT NULL, until INTEGER)",
            "INSERT INTO entities VALUES "
            "('leaf:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', "
            "1700000000000, 1700000000500, 'did:plc:old')",
            // peer 1, and a peer above INT64_MAX stored bit for bit as a negative integer
            "INSERT INTO blocks VALUES (1, "
            "'leaf:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', "
            "1, 0, 3, 0, 3, 1, x'616263', 1700000000000, 'did:plc:old')",
            "INSERT INTO blocks VALUES (2, "
            "'leaf:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', "
            "-81985529216486896, 5, 9, 3, 7, 2, x'64656667', 1700000000500, NULL)",
            "PRAGMA user_version=3",
        };
        for (const char *statement : statements)
            ok = ok && q.exec(QString::fromLatin1(statement));
    }
    raw.close();
    raw = QSqlDatabase();
    QSqlDatabase::removeDatabase(QStringLiteral("v3"));
    return ok;
}

} // namespace

class TestStorage final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void freshDatabaseIsAtCurrentSchema()
    {
        QTemporaryDir dir;
        auto db = Database::open(dir.filePath(QStringLiteral("c.sqlite")));
        QVERIFY(db.has_value());
        QCOMPARE((*db)->schemaVersion(), Database::SchemaVersion);
        QSqlQuery query((*db)->handle());
        QVERIFY(query.exec(QStringLiteral("PRAGMA journal_mode")));
        QVERIFY(query.next());
        QCOMPARE(query.value(0).toString(), QStringLiteral("wal"));
    }

    void writeAndReload()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("c.sqlite"));
        const QByteArray bigPeer = peerKey(0xfedcba9876543210ULL);
        {
            auto db = Database::open(path);
            QVERIFY(db.has_value());
            UnitStore store(**db);
            QVERIFY(store
                        .write({unit(kEntity, peerKey(1), 0, 3, "abc"),
                            unit(kEntity, bigPeer, 5, 9, "defg", "meta")})
                        .has_value());
            // Writing the same unit again is harmless.
            QVERIFY(store.write({unit(kEntity, peerKey(1), 0, 3, "abc")}).has_value());
        }
        auto db = Database::open(path);
        QVERIFY(db.has_value());
        UnitStore store(**db);
        auto loaded = store.load(kEntity, true);
        QVERIFY(loaded.has_value());
        QCOMPARE(loaded->size(), 2);
        // Ascending by peer key: 00..01 sorts before fe..
        QCOMPARE(loaded->at(0).peer, peerKey(1));
        QCOMPARE(loaded->at(0).data, QByteArray("abc"));
        QCOMPARE(loaded->at(0).size, 3);
        QCOMPARE(loaded->at(0).fromDid, QStringLiteral("did:plc:writer"));
        QCOMPARE(loaded->at(1).peer, bigPeer);
        QCOMPARE(loaded->at(1).start, 5u);
        QCOMPARE(loaded->at(1).end, 9u);
        QCOMPARE(loaded->at(1).meta, QByteArray("meta"));
        QCOMPARE(store.documentCount().value(), 1);
        QCOMPARE(store.load({QStringLiteral("loro"), QStringLiteral("other")}, true)->size(), 0);

        // Without data: sizes and metadata only, for the hub's index.
        auto headers = store.load(kEntity, false);
        QVERIFY(headers.has_value());
        QCOMPARE(headers->size(), 2);
        QVERIFY(headers->at(0).data.isEmpty());
        QCOMPARE(headers->at(1).size, 4);
        QCOMPARE(headers->at(1).meta, QByteArray("meta"));
    }

    // The same name under two kinds is two documents.
    void kindsKeepTheirOwnDocuments()
    {
        QTemporaryDir dir;
        auto db = Database::open(dir.filePath(QStringLiteral("c.sqlite")));
        QVERIFY(db.has_value());
        UnitStore store(**db);
        const DocumentKey lor {QStringLiteral("loro"), QStringLiteral("doc")};
        const DocumentKey elo {QStringLiteral("elo"), QStringLiteral("doc")};
        QVERIFY(store.write({unit(lor, peerKey(1), 0, 1, "l"), unit(elo, "7", 0, 2, "e")}));
        QCOMPARE(store.load(lor, true)->front().data, QByteArray("l"));
        QCOMPARE(store.load(elo, true)->front().data, QByteArray("e"));
        QCOMPARE(store.documentCount().value(), 2);
        auto named = store.summaries(QStringLiteral("doc"));
        QVERIFY(named.has_value());
        QCOMPARE(named->size(), 2);
        auto one = store.summaries(elo);
        QCOMPARE(one->size(), 1);
        QCOMPARE(one->front().key, elo);
        QCOMPARE(one->front().units, 1);
        QCOMPARE(one->front().bytes, 1);
        QVERIFY(store.deleteDocument(lor).value());
        QCOMPARE(store.load(lor, true)->size(), 0);
        QCOMPARE(store.load(elo, true)->size(), 1);
        QVERIFY(!store.deleteDocument(lor).value());
    }

    // Units of one peer holding some counter at or past the given one, by counter.
    void unitsFrom()
    {
        QTemporaryDir dir;
        auto db = Database::open(dir.filePath(QStringLiteral("c.sqlite")));
        QVERIFY(db.has_value());
        UnitStore store(**db);
        const QByteArray bigPeer = peerKey(0xfedcba9876543210ULL);
        const DocumentKey other {
            QStringLiteral("loro"), QStringLiteral("leaf:") + QString(52, u'b')};
        QVERIFY(
            store
                .write({unit(kEntity, peerKey(1), 0, 3, "abc"),
                    unit(kEntity, peerKey(1), 3, 7, "defg"),
                    unit(kEntity, peerKey(1), 10, 12, "hi"), unit(kEntity, bigPeer, 0, 5, "jklmn"),
                    unit(other, peerKey(1), 0, 50, "other")})
                .has_value());
        auto from = store.loadFrom(kEntity, peerKey(1), 3);
        QVERIFY(from.has_value());
        QCOMPARE(from->size(), 2);
        QCOMPARE(from->at(0).start, 3u);
        QCOMPARE(from->at(0).data, QByteArray("defg"));
        QCOMPARE(from->at(1).start, 10u);
        QCOMPARE(store.loadFrom(kEntity, peerKey(1), 2)->size(), 3); // 0..3 holds counter 2
        QCOMPARE(store.loadFrom(kEntity, peerKey(1), 12)->size(), 0);
        QCOMPARE(store.loadFrom(kEntity, bigPeer, 0)->at(0).peer, bigPeer);
    }

    // Removals and writes in one transaction: an ephemeral key's entry replaced.
    void removalsThenWrites()
    {
        QTemporaryDir dir;
        auto db = Database::open(dir.filePath(QStringLiteral("c.sqlite")));
        QVERIFY(db.has_value());
        UnitStore store(**db);
        const DocumentKey eps {QStringLiteral("eps"), QStringLiteral("settings")};
        QVERIFY(store.write({unit(eps, "theme", 0, 0, "dark")}));
        QVERIFY(store.write({unit(eps, "theme", 0, 0, "light")}, {{eps, "theme", 0, 0}}));
        auto loaded = store.load(eps, true);
        QCOMPARE(loaded->size(), 1);
        QCOMPARE(loaded->front().data, QByteArray("light"));
        // A removal alone (an expired entry), and one for a document that does not exist.
        QVERIFY(store.write({},
            {{eps, "theme", 0, 0}, {{QStringLiteral("eps"), QStringLiteral("none")}, "x", 0, 0}}));
        QCOMPARE(store.load(eps, true)->size(), 0);
    }

    // A batch is all or nothing: one bad row rolls back the rows before it.
    void failedWriteStoresNothing()
    {
        QTemporaryDir dir;
        auto db = Database::open(dir.filePath(QStringLiteral("c.sqlite")));
        QVERIFY(db.has_value());
        UnitStore store(**db);
        // A null kind binds as NULL and violates NOT NULL.
        UnitWrite bad = unit(DocumentKey {QString(), QStringLiteral("x")}, peerKey(2), 0, 1, "x");
        const auto written = store.write({unit(kEntity, peerKey(1), 0, 3, "abc"), bad});
        QVERIFY(!written.has_value());
        QVERIFY(!written.error().message.isEmpty());
        QCOMPARE(store.load(kEntity, true)->size(), 0);
        QCOMPARE(store.documentCount().value(), 0);
        // And the connection is usable afterwards.
        QVERIFY(store.write({unit(kEntity, peerKey(1), 0, 3, "abc")}).has_value());
        QCOMPARE(store.load(kEntity, true)->size(), 1);
    }

    void refusesNewerSchema()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("c.sqlite"));
        {
            auto db = Database::open(path);
            QVERIFY(db.has_value());
            QSqlQuery query((*db)->handle());
            QVERIFY(query.exec(QStringLiteral("PRAGMA user_version=99")));
        }
        auto db = Database::open(path);
        QVERIFY(!db.has_value());
        QCOMPARE(db.error().code, StoreError::Code::NewerSchema);
        QVERIFY(db.error().message.contains(QStringLiteral("99")));
    }

    // A database made before any Canopy schema (user_version 0 with foreign tables) migrates.
    void migratesFromVersionZero()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("c.sqlite"));
        {
            QSqlDatabase raw
                = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("raw"));
            raw.setDatabaseName(path);
            QVERIFY(raw.open());
            QSqlQuery query(raw);
            QVERIFY(query.exec(QStringLiteral("CREATE TABLE unrelated(x)")));
            raw.close();
        }
        QSqlDatabase::removeDatabase(QStringLiteral("raw"));
        auto db = Database::open(path);
        QVERIFY(db.has_value());
        QCOMPARE((*db)->schemaVersion(), Database::SchemaVersion);
        QSqlQuery query((*db)->handle());
        QVERIFY(query.exec(QStringLiteral("SELECT count(*) FROM unrelated")));
    }

    // A version-3 database (Loro blocks keyed by entity) keeps every block as a unit, its peer
    // id as 8 big-endian bytes, its document row and its tokens.
    void migratesLoroBlocksToUnits()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("c.sqlite"));
        QVERIFY(createVersionThree(path));
        auto db = Database::open(path);
        QVERIFY2(db.has_value(), db ? "" : qPrintable(db.error().message));
        QCOMPARE((*db)->schemaVersion(), Database::SchemaVersion);
        UnitStore store(**db);
        auto loaded = store.load(kEntity, true);
        QVERIFY(loaded.has_value());
        QCOMPARE(loaded->size(), 2);
        QCOMPARE(loaded->at(0).peer, peerKey(1));
        QCOMPARE(loaded->at(0).data, QByteArray("abc"));
        QCOMPARE(loaded->at(0).fromDid, QStringLiteral("did:plc:old"));
        QCOMPARE(loaded->at(1).peer, peerKey(0xfedcba9876543210ULL));
        QCOMPARE(loaded->at(1).start, 5u);
        QCOMPARE(loaded->at(1).end, 9u);
        QCOMPARE(loaded->at(1).fromDid, QString());
        auto summary = store.summaries(kEntity);
        QCOMPARE(summary->size(), 1);
        QCOMPARE(summary->front().createdAtMs, 1700000000000);
        QCOMPARE(summary->front().updatedAtMs, 1700000000500);
        QCOMPARE(summary->front().lastWriter, QStringLiteral("did:plc:old"));
        QCOMPARE(summary->front().peers, 2);
        QSqlQuery query((*db)->handle());
        QVERIFY(!query.exec(QStringLiteral("SELECT count(*) FROM blocks")));
        QVERIFY(query.exec(QStringLiteral("SELECT count(*) FROM tokens")));
        const auto findings = (*db)->integrityCheck();
        QVERIFY(findings.has_value());
        QCOMPARE(*findings, QStringList {QStringLiteral("ok")});
    }

    // The database and its -wal/-shm are 0600 whatever the umask (the library does not rely on
    // the executable's umask(077)); a database left world-readable by an older run is tightened.
    void filesArePrivate()
    {
        const mode_t previous = ::umask(022);
        const auto restore = qScopeGuard([previous] { ::umask(previous); });
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString path = dir.filePath(QStringLiteral("c.sqlite"));
        const auto modeOf = [](const QString &file) {
            struct stat st
            {
            };
            return ::stat(QFile::encodeName(file).constData(), &st) == 0 ? int(st.st_mode & 07777)
                                                                         : -1;
        };
        {
            auto db = Database::open(path);
            QVERIFY2(db, qPrintable(db ? QString() : db.error().message));
            UnitStore store(**db);
            QVERIFY(store.write({unit(kEntity, peerKey(1), 0, 1, "x")}).has_value());
            // Both exist while the connection is open and has written.
            for (const char *suffix : {"", "-wal", "-shm"}) {
                const QString file = path + QLatin1String(suffix);
                QVERIFY2(QFile::exists(file), qPrintable(file));
                QCOMPARE(QString::number(modeOf(file), 8), QStringLiteral("600"));
            }
        }
        QVERIFY(::chmod(QFile::encodeName(path).constData(), 0644) == 0);
        auto db = Database::open(path);
        QVERIFY(db);
        QCOMPARE(QString::number(modeOf(path), 8), QStringLiteral("600"));
    }

    void unopenablePath()
    {
        auto db = Database::open(QStringLiteral("/proc/canopy/nope/c.sqlite"));
        QVERIFY(!db.has_value());
        QCOMPARE(db.error().code, StoreError::Code::OpenFailed);
    }
};

QTEST_GUILESS_MAIN(TestStorage)
#include "tst_storage.moc"
