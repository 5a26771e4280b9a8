// SQLite storage: schema versioning, atomic writes, reloads.
#include "store/BlockStore.h"
#include "store/Database.h"

#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

using namespace canopy;

namespace {

StoredBlock stored(
    const QString &entity, quint64 peer, quint32 start, quint32 end, QByteArray bytes)
{
    StoredBlock s;
    s.entityId = entity;
    s.block.peer = peer;
    s.block.counterStart = start;
    s.block.counterEnd = end;
    s.block.lamportStart = start + 10;
    s.block.lamportEnd = end + 10;
    s.block.changeCount = 2;
    s.block.bytes = std::move(bytes);
    s.receivedAtMs = 1700000000000;
    s.fromDid = QStringLiteral("did:plc:writer");
    return s;
}

const QString kEntity = QStringLiteral("leaf:") + QString(52, u'a');

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
        const quint64 bigPeer = 0xfedcba9876543210ULL; // above INT64_MAX: stored bit for bit
        {
            auto db = Database::open(path);
            QVERIFY(db.has_value());
            BlockStore store(**db);
            QVERIFY(store
                        .write({stored(kEntity, 1, 0, 3, "abc"),
                            stored(kEntity, bigPeer, 5, 9, "defg")})
                        .has_value());
            // Writing the same block again is harmless.
            QVERIFY(store.write({stored(kEntity, 1, 0, 3, "abc")}).has_value());
        }
        auto db = Database::open(path);
        QVERIFY(db.has_value());
        BlockStore store(**db);
        auto loaded = store.loadEntity(kEntity);
        QVERIFY(loaded.has_value());
        QCOMPARE(loaded->size(), 2);
        const StoredBlock &a = loaded->at(0).block.peer == 1 ? loaded->at(0) : loaded->at(1);
        const StoredBlock &b = loaded->at(0).block.peer == 1 ? loaded->at(1) : loaded->at(0);
        QCOMPARE(a.block.bytes, QByteArray("abc"));
        QCOMPARE(a.block.lamportStart, 10u);
        QCOMPARE(a.block.changeCount, 2u);
        QCOMPARE(a.fromDid, QStringLiteral("did:plc:writer"));
        QCOMPARE(b.block.peer, bigPeer);
        QCOMPARE(b.block.counterStart, 5u);
        QCOMPARE(b.block.counterEnd, 9u);
        QCOMPARE(store.entityCount().value(), 1);
        QCOMPARE(store.loadEntity(QStringLiteral("leaf:") + QString(52, u'b'))->size(), 0);
    }

    // What the sync hub keeps in memory: coverage, counts and sizes, not bytes.
    void extentAndBlocksFrom()
    {
        QTemporaryDir dir;
        auto db = Database::open(dir.filePath(QStringLiteral("c.sqlite")));
        QVERIFY(db.has_value());
        BlockStore store(**db);
        const quint64 bigPeer = 0xfedcba9876543210ULL;
        QVERIFY(store
                    .write({stored(kEntity, 1, 0, 3, "abc"), stored(kEntity, 1, 3, 7, "defg"),
                        stored(kEntity, 1, 10, 12, "hi"), stored(kEntity, bigPeer, 0, 5, "jklmn"),
                        stored(QStringLiteral("leaf:") + QString(52, u'b'), 1, 0, 50, "other")})
                    .has_value());
        auto extent = store.loadExtent(kEntity);
        QVERIFY(extent.has_value());
        QCOMPARE(extent->blocks, 4);
        QCOMPARE(extent->bytes, 14);
        QVERIFY(extent->coverage.covers(1, 0, 7));
        QVERIFY(!extent->coverage.covers(1, 6, 8)); // a gap: 7..10
        QVERIFY(extent->coverage.covers(bigPeer, 1, 5));
        QCOMPARE(extent->coverage.version(), (loro::VersionVector {{1, 12}, {bigPeer, 5}}));
        QCOMPARE(store.loadExtent(QStringLiteral("leaf:") + QString(52, u'c'))->blocks, 0);

        // Blocks of one peer holding some counter at or past the given one, by counter.
        auto from = store.loadBlocksFrom(kEntity, 1, 3);
        QVERIFY(from.has_value());
        QCOMPARE(from->size(), 2);
        QCOMPARE(from->at(0).counterStart, 3u);
        QCOMPARE(from->at(0).bytes, QByteArray("defg"));
        QCOMPARE(from->at(0).lamportStart, 13u);
        QCOMPARE(from->at(1).counterStart, 10u);
        QCOMPARE(store.loadBlocksFrom(kEntity, 1, 2)->size(), 3); // 0..3 holds counter 2
        QCOMPARE(store.loadBlocksFrom(kEntity, 1, 12)->size(), 0);
        QCOMPARE(store.loadBlocksFrom(kEntity, bigPeer, 0)->at(0).peer, bigPeer);
    }

    // A batch is all or nothing: one bad row rolls back the rows before it.
    void failedWriteStoresNothing()
    {
        QTemporaryDir dir;
        auto db = Database::open(dir.filePath(QStringLiteral("c.sqlite")));
        QVERIFY(db.has_value());
        BlockStore store(**db);
        StoredBlock bad = stored(QString(), 2, 0, 1, "x"); // NULL entity id violates NOT NULL
        const auto written = store.write({stored(kEntity, 1, 0, 3, "abc"), bad});
        QVERIFY(!written.has_value());
        QVERIFY(!written.error().message.isEmpty());
        QCOMPARE(store.loadEntity(kEntity)->size(), 0);
        QCOMPARE(store.entityCount().value(), 0);
        // And the connection is usable afterwards.
        QVERIFY(store.write({stored(kEntity, 1, 0, 3, "abc")}).has_value());
        QCOMPARE(store.loadEntity(kEntity)->size(), 1);
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

    // A version-1 database (blocks only) gains the identity tables and keeps its blocks.
    void migratesFromVersionOne()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("c.sqlite"));
        {
            auto db = Database::open(path);
            QVERIFY(db.has_value());
            BlockStore store(**db);
            QVERIFY(store.write({stored(kEntity, 1, 0, 3, "abc")}).has_value());
            QSqlQuery query((*db)->handle());
            QVERIFY(query.exec(QStringLiteral("DROP TABLE tokens")));
            QVERIFY(query.exec(QStringLiteral("DROP TABLE did_cache")));
            QVERIFY(query.exec(QStringLiteral("DROP TABLE bans")));
            QVERIFY(query.exec(QStringLiteral("PRAGMA user_version=1")));
        }
        auto db = Database::open(path);
        QVERIFY(db.has_value());
        QCOMPARE((*db)->schemaVersion(), Database::SchemaVersion);
        BlockStore store(**db);
        QCOMPARE(store.loadEntity(kEntity)->size(), 1);
        QSqlQuery query((*db)->handle());
        QVERIFY(query.exec(QStringLiteral("SELECT count(*) FROM tokens")));
        QVERIFY(query.exec(QStringLiteral("SELECT count(*) FROM did_cache")));
        QVERIFY(query.exec(QStringLiteral("SELECT count(*) FROM bans")));
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
