// Access control's stores (server/access): members, document access and keys persist and
// reload, only a key's SHA-256 reaches the database, the migration gives existing documents
// their owners, and every change is signalled at once.
#include "access/AccessControl.h"
#include "auth/BanList.h"
#include "store/Database.h"
#include "store/UnitStore.h"

#include <QDir>
#include <QFile>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

using namespace canopy;

namespace {

const QString kAlice = QStringLiteral("did:plc:alice");
const QString kBob = QStringLiteral("did:plc:bob");

std::unique_ptr<AccessControl> openAccess(Database &database, AccessMode mode = AccessMode::Open,
    Permission documentDefault = Permission::Write)
{
    auto access = AccessControl::open(database, AccessControl::Settings {mode, documentDefault});
    if (!access)
        qWarning() << access.error().message;
    return access ? std::move(*access) : nullptr;
}

// The schema as the host before access control left it (version 4): documents and their units.
bool createVersionFour(const QString &path)
{
    QSqlDatabase raw = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("v4"));
    raw.setDatabaseName(path);
    bool ok = raw.open();
    {
        QSqlQuery q(raw);
        const char *statements[] = {
            "CREATE TABLE tokens (id INTEGER PRIMARY KEY, hash BLOB NOT NULL UNIQUE, did TEXT NOT "
            "NULL, issued_at INTEGER NOT NULL, expires_at INTEGER NOT NULL, used_at INTEGER, "
            "session TEXT, revoked_at INTEGER, dev INTEGER NOT NULL DEFAULT 0)",
            "CREATE TABLE did_cache (did TEXT PRIMARY KEY NOT NULL, document BLOB NOT NULL, handle "
            "TEXT, fetched_at INTEGER NOT NULL)",
            "CREATE TABLE bans (did TEXT PRIMARY KEY NOT NULL, reason TEXT NOT NULL DEFAULT '', "
            "since INTEGER NOT NULL, until INTEGER)",
            "CREATE TABLE documents (id INTEGER PRIMARY KEY, kind TEXT NOT NULL, name TEXT NOT "
            "NULL, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, last_writer TEXT, "
            "UNIQUE(kind, name))",
            "CREATE TABLE units (id INTEGER PRIMARY KEY, document INTEGER NOT NULL REFERENCES "
            "documents(id) ON DELETE CASCADE, peer BLOB NOT NULL, counter_start INTEGER NOT NULL, "
            "counter_end INTEGER NOT NULL, meta BLOB, data BLOB NOT NULL, received_at INTEGER NOT "
            "NULL, from_did TEXT)",
            "CREATE UNIQUE INDEX units_range ON units(document, peer, counter_start, counter_end)",
            // room-a: two kinds; its first unit (id 1, in %EPS) came from did:plc:first.
            "INSERT INTO documents VALUES (1, 'loro', 'room-a', 1, 2, 'did:plc:second')",
            "INSERT INTO documents VALUES (2, 'eps', 'room-a', 1, 2, 'did:plc:first')",
            "INSERT INTO units VALUES (2, 1, x'01', 0, 1, NULL, x'00', 2, 'did:plc:second')",
            "INSERT INTO units VALUES (1, 2, x'02', 0, 1, NULL, x'00', 1, 'did:plc:first')",
            // room-b: its first unit's writer is unknown (a later one's does not count).
            "INSERT INTO documents VALUES (3, 'loro', 'room-b', 1, 2, 'did:plc:late')",
            "INSERT INTO units VALUES (3, 3, x'01', 0, 1, NULL, x'00', 1, NULL)",
            "INSERT INTO units VALUES (4, 3, x'01', 1, 2, NULL, x'00', 2, 'did:plc:late')",
            // room-c: no units at all; room-d: an empty from_did.
            "INSERT INTO documents VALUES (4, 'elo', 'room-c', 1, 1, NULL)",
            "INSERT INTO documents VALUES (5, 'loro', 'room-d', 1, 1, NULL)",
            "INSERT INTO units VALUES (5, 5, x'01', 0, 1, NULL, x'00', 1, '')",
            "PRAGMA user_version=4",
        };
        for (const char *statement : statements) {
            if (ok && !q.exec(QString::fromLatin1(statement)))
                ok = false;
        }
    }
    raw.close();
    raw = QSqlDatabase();
    QSqlDatabase::removeDatabase(QStringLiteral("v4"));
    return ok;
}

QByteArray fileBytes(const QString &path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

} // namespace

class TestAccessStore final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void membersPersist()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("c.sqlite"));
        {
            auto db = Database::open(path);
            QVERIFY(db.has_value());
            auto access = openAccess(**db, AccessMode::Members);
            QVERIFY(access);
            QSignalSpy changed(access.get(), &AccessControl::membersChanged);
            QVERIFY(access->addMember(kAlice, QStringLiteral("design")).has_value());
            QVERIFY(access->addMember(kBob, QString()).has_value());
            QCOMPARE(changed.count(), 2);
            // Adding again keeps when it was added and replaces the note.
            const QDateTime added = access->members().front().addedAt;
            QTest::qWait(5);
            QVERIFY(access->addMember(kAlice, QStringLiteral("lead")).has_value());
            QVERIFY(access->isMember(kAlice));
            QVERIFY(access->mayConnect(kAlice));
            QVERIFY(!access->mayConnect(QStringLiteral("did:plc:carol")));
            QCOMPARE(access->members().front().addedAt, added);
        }
        auto db = Database::open(path);
        QVERIFY(db.has_value());
        auto access = openAccess(**db, AccessMode::Members);
        const QList<Member> members = access->members();
        QCOMPARE(members.size(), 2);
        QCOMPARE(members[0].did, kAlice);
        QCOMPARE(members[0].note, QStringLiteral("lead"));
        QCOMPARE(members[1].did, kBob);
        QVERIFY(members[1].note.isEmpty());

        // Removing shuts the member out at once (members mode).
        QSignalSpy shutOut(access.get(), &AccessControl::identityShutOut);
        QVERIFY(access->removeMember(kBob).has_value());
        QCOMPARE(shutOut.count(), 1);
        QCOMPARE(shutOut.front().front().toString(), kBob);
        QVERIFY(!access->mayConnect(kBob));
        const auto again = access->removeMember(kBob);
        QVERIFY(!again.has_value());
        QCOMPARE(again.error().code, AccessError::Code::NotFound);
    }

    void openModeRemovalShutsNoOneOut()
    {
        QTemporaryDir dir;
        auto db = Database::open(dir.filePath(QStringLiteral("c.sqlite")));
        auto access = openAccess(**db, AccessMode::Open);
        QVERIFY(access->addMember(kBob, QString()).has_value());
        QSignalSpy shutOut(access.get(), &AccessControl::identityShutOut);
        QVERIFY(access->removeMember(kBob).has_value());
        QCOMPARE(shutOut.count(), 0);
        QVERIFY(access->mayConnect(kBob));
    }

    void documentAccessPersists()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("c.sqlite"));
        const QString doc = QStringLiteral("room/with/slashes");
        {
            auto db = Database::open(path);
            auto access = openAccess(**db, AccessMode::Open, Permission::Read);
            QSignalSpy changed(access.get(), &AccessControl::accessChanged);
            QVERIFY(!access->documentAccess(doc));
            // Not created yet: whoever may connect would create and own it.
            QVERIFY(access->decide(kBob, doc).write);

            access->documentCreated(doc, kAlice);
            QCOMPARE(changed.count(), 1);
            QCOMPARE(changed.front().front().toString(), doc);
            auto created = access->documentAccess(doc);
            QVERIFY(created);
            QCOMPARE(created->owner, kAlice);
            QCOMPARE(created->defaultAccess, Permission::Read); // --document-access
            QCOMPARE(access->permission(kBob, doc), Permission::Read);
            QCOMPARE(access->permission(kAlice, doc), Permission::Write);
            // A second creation (another kind of the same name) changes nothing.
            access->documentCreated(doc, kBob);
            QCOMPARE(changed.count(), 1);
            QCOMPARE(access->documentAccess(doc)->owner, kAlice);

            DocumentAccess set {kAlice, Permission::None,
                {{kBob, Permission::Write}, {QStringLiteral("key:ci"), Permission::Read},
                    {kBob, Permission::Read}}};
            auto stored = access->setDocumentAccess(doc, set);
            QVERIFY(stored.has_value());
            QCOMPARE(changed.count(), 2);
            // One grant per identity: the last one named.
            QCOMPARE(stored->grants.size(), 2);
            QCOMPARE(access->permission(kBob, doc), Permission::Read);
            QCOMPARE(access->permission(QStringLiteral("did:plc:carol"), doc), Permission::None);
        }
        auto db = Database::open(path);
        auto access = openAccess(**db);
        auto reloaded = access->documentAccess(doc);
        QVERIFY(reloaded);
        QCOMPARE(reloaded->owner, kAlice);
        QCOMPARE(reloaded->defaultAccess, Permission::None);
        QCOMPARE(reloaded->grants.size(), 2);
        QCOMPARE(access->permission(kBob, doc), Permission::Read);

        // Deleting the document forgets its record: a new one is created afresh.
        QSignalSpy changed(access.get(), &AccessControl::accessChanged);
        access->documentDeleted(doc);
        QCOMPARE(changed.count(), 1);
        QVERIFY(!access->documentAccess(doc));
        QSqlQuery grants((*db)->handle());
        QVERIFY(grants.exec(QStringLiteral("SELECT count(*) FROM document_grants")));
        QVERIFY(grants.next());
        QCOMPARE(grants.value(0).toInt(), 0);
    }

    void provisionedDocumentGetsItsCreatorAsOwner()
    {
        QTemporaryDir dir;
        auto db = Database::open(dir.filePath(QStringLiteral("c.sqlite")));
        auto access = openAccess(**db);
        QVERIFY(access
                    ->setDocumentAccess(QStringLiteral("r"),
                        DocumentAccess {QString(), Permission::None, {{kBob, Permission::Write}}})
                    .has_value());
        access->documentCreated(QStringLiteral("r"), kAlice);
        const auto record = access->documentAccess(QStringLiteral("r"));
        QCOMPARE(record->owner, kAlice);
        QCOMPARE(record->defaultAccess, Permission::None);
        QCOMPARE(record->grants.size(), 1);
    }

    void keysStoreOnlyTheirHash()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("c.sqlite"));
        QString value;
        {
            auto db = Database::open(path);
            auto access = openAccess(**db);
            QSignalSpy changed(access.get(), &AccessControl::keysChanged);
            auto issued = access->issueKey(
                QStringLiteral("ci"), QStringLiteral("leaf:*"), Permission::Write, QDateTime());
            QVERIFY(issued.has_value());
            QCOMPARE(changed.count(), 1);
            value = issued->value;
            // 32 bytes of base64url.
            QCOMPARE(value.size(), 43);
            QVERIFY(
                QRegularExpression(QStringLiteral("^[A-Za-z0-9_-]{43}$")).match(value).hasMatch());
            auto second = access->issueKey(
                QStringLiteral("other"), QStringLiteral("*"), Permission::Read, QDateTime());
            QVERIFY(second->value != value);
            const auto taken = access->issueKey(
                QStringLiteral("ci"), QStringLiteral("*"), Permission::Read, QDateTime());
            QVERIFY(!taken.has_value());
            QCOMPARE(taken.error().code, AccessError::Code::Conflict);
            QCOMPARE(access->identityOfKey(QStringLiteral("ci"), value),
                std::optional<QString>(QStringLiteral("key:ci")));
        }
        for (const QString &file : QDir(dir.path()).entryList(QDir::Files)) {
            const QByteArray bytes = fileBytes(dir.filePath(file));
            QVERIFY2(!bytes.contains(value.toLatin1()), qPrintable(file));
        }
        auto db = Database::open(path);
        auto access = openAccess(**db);
        QCOMPARE(access->keys().size(), 2);
        QCOMPARE(access->keys().front().name, QStringLiteral("ci"));
        QCOMPARE(access->keys().front().permission, Permission::Write);
        QCOMPARE(access->keys().front().scope, QStringLiteral("leaf:*"));
        // Reusable: the same value opens as often as it is given.
        for (int i = 0; i < 3; ++i) {
            QCOMPARE(access->identityOfKey(QStringLiteral("ci"), value),
                std::optional<QString>(QStringLiteral("key:ci")));
        }
        QCOMPARE(access->identityOfKey(QStringLiteral("other"), value), std::nullopt);
        // Another value of the same length (its last character changed, whatever it was).
        const QString other = value.left(value.size() - 1) + (value.endsWith(u'A') ? u'B' : u'A');
        QCOMPARE(access->identityOfKey(QStringLiteral("ci"), other), std::nullopt);
        QCOMPARE(access->identityOfKey(QStringLiteral("ci"), QString()), std::nullopt);
        QCOMPARE(access->identityOfKey(QStringLiteral("nope"), value), std::nullopt);

        QSignalSpy shutOut(access.get(), &AccessControl::identityShutOut);
        QVERIFY(access->revokeKey(QStringLiteral("ci")).has_value());
        QCOMPARE(shutOut.count(), 1);
        QCOMPARE(shutOut.front().front().toString(), QStringLiteral("key:ci"));
        QCOMPARE(access->identityOfKey(QStringLiteral("ci"), value), std::nullopt);
        QVERIFY(!access->mayConnect(QStringLiteral("key:ci")));
        QCOMPARE(access->revokeKey(QStringLiteral("ci")).error().code, AccessError::Code::NotFound);
    }

    void keyRefusals_data()
    {
        QTest::addColumn<QString>("name");
        QTest::addColumn<QString>("scope");
        QTest::addColumn<int>("permission");
        QTest::addColumn<int>("expiresInMs"); // 0: never
        QTest::addColumn<QString>("field");
        QTest::newRow("bad name") << "a b"
                                  << "*" << int(Permission::Read) << 0 << "'name'";
        QTest::newRow("empty scope") << "k"
                                     << "" << int(Permission::Read) << 0 << "'scope'";
        QTest::newRow("permission none") << "k"
                                         << "*" << int(Permission::None) << 0 << "'permission'";
        QTest::newRow("expired already") << "k"
                                         << "*" << int(Permission::Read) << -1000 << "'expiresAt'";
    }

    void keyRefusals()
    {
        QFETCH(QString, name);
        QFETCH(QString, scope);
        QFETCH(int, permission);
        QFETCH(int, expiresInMs);
        QFETCH(QString, field);
        QTemporaryDir dir;
        auto db = Database::open(dir.filePath(QStringLiteral("c.sqlite")));
        auto access = openAccess(**db);
        const QDateTime expires = expiresInMs == 0
            ? QDateTime()
            : QDateTime::currentDateTimeUtc().addMSecs(expiresInMs);
        const auto issued = access->issueKey(name, scope, Permission(permission), expires);
        QVERIFY(!issued.has_value());
        QCOMPARE(issued.error().code, AccessError::Code::BadRequest);
        QVERIFY2(issued.error().message.contains(field), qPrintable(issued.error().message));
        QVERIFY(access->keys().isEmpty());
    }

    // A timer at the expiry shuts the key out, also for a key loaded from the store.
    void expiryShutsTheKeyOut()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("c.sqlite"));
        QString value;
        {
            auto db = Database::open(path);
            auto access = openAccess(**db);
            QSignalSpy shutOut(access.get(), &AccessControl::identityShutOut);
            auto issued = access->issueKey(QStringLiteral("brief"), QStringLiteral("*"),
                Permission::Write, QDateTime::currentDateTimeUtc().addMSecs(300));
            QVERIFY(issued.has_value());
            value = issued->value;
            QVERIFY(access->mayConnect(QStringLiteral("key:brief")));
            QVERIFY(shutOut.wait(5000));
            QCOMPARE(shutOut.count(), 1);
            QCOMPARE(shutOut.front().front().toString(), QStringLiteral("key:brief"));
            QVERIFY(!access->mayConnect(QStringLiteral("key:brief")));
            QCOMPARE(access->identityOfKey(QStringLiteral("brief"), value), std::nullopt);
            const AccessDecision decision
                = access->decide(QStringLiteral("key:brief"), QStringLiteral("x"));
            QVERIFY(!decision.connect && !decision.read);
            QVERIFY(decision.why.startsWith(QStringLiteral("key-expired: ")));
            // Still listed (with its expiry) until revoked.
            QCOMPARE(access->keys().size(), 1);
            auto later = access->issueKey(QStringLiteral("later"), QStringLiteral("*"),
                Permission::Read, QDateTime::currentDateTimeUtc().addMSecs(600));
            QVERIFY(later.has_value());
        }
        auto db = Database::open(path);
        auto access = openAccess(**db);
        QSignalSpy shutOut(access.get(), &AccessControl::identityShutOut);
        QVERIFY(shutOut.wait(5000));
        QCOMPARE(shutOut.front().front().toString(), QStringLiteral("key:later"));
        // The key that expired before the reload opens nothing.
        QCOMPARE(access->identityOfKey(QStringLiteral("brief"), value), std::nullopt);
    }

    void migrationGivesExistingDocumentsOwners()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("c.sqlite"));
        QVERIFY(createVersionFour(path));
        auto db = Database::open(path);
        QVERIFY2(db.has_value(), db ? "" : qPrintable(db.error().message));
        QCOMPARE((*db)->schemaVersion(), Database::SchemaVersion);
        auto access = openAccess(**db, AccessMode::Open, Permission::None);
        QVERIFY(access);
        const auto a = access->documentAccess(QStringLiteral("room-a"));
        QVERIFY(a);
        QCOMPARE(a->owner, QStringLiteral("did:plc:first"));
        QCOMPARE(a->defaultAccess, Permission::Write); // what it had: an upgrade changes nothing
        QVERIFY(a->grants.isEmpty());
        const auto b = access->documentAccess(QStringLiteral("room-b"));
        QVERIFY(b);
        QVERIFY(b->owner.isEmpty());
        const auto c = access->documentAccess(QStringLiteral("room-c"));
        QVERIFY(c);
        QVERIFY(c->owner.isEmpty());
        QVERIFY(access->documentAccess(QStringLiteral("room-d"))->owner.isEmpty());
        QVERIFY(!access->documentAccess(QStringLiteral("room-e")));
        // The units are untouched.
        UnitStore store(**db);
        auto units
            = store.load(DocumentKey {QStringLiteral("loro"), QStringLiteral("room-a")}, true);
        QVERIFY(units.has_value());
        QCOMPARE(units->size(), 1);
        QCOMPARE(units->front().fromDid, QStringLiteral("did:plc:second"));
        QCOMPARE(access->permission(QStringLiteral("did:plc:first"), QStringLiteral("room-a")),
            Permission::Write);
    }

    void bansWin()
    {
        QTemporaryDir dir;
        auto db = Database::open(dir.filePath(QStringLiteral("c.sqlite")));
        auto access = openAccess(**db);
        auto bans = BanList::open(**db);
        QVERIFY(bans.has_value());
        access->setBans(bans->get());
        access->documentCreated(QStringLiteral("r"), kAlice);
        QVERIFY((*bans)->ban(kAlice, QStringLiteral("spam"), QDateTime()).has_value());
        const AccessDecision decision = access->decide(kAlice, QStringLiteral("r"));
        QVERIFY(!decision.connect && !decision.read && !decision.write);
        QVERIFY(decision.why.startsWith(QStringLiteral("banned: ")));
        QVERIFY(decision.why.contains(QStringLiteral("spam")));
    }
};

QTEST_GUILESS_MAIN(TestAccessStore)
#include "tst_accessstore.moc"
