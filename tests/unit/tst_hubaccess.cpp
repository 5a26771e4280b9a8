// The hub under access control: a join needs read, an update write (read for presence), a
// reader's snapshot brings nothing new, and a change reaches members at once (evicted, or told
// their new permission); the owner is recorded after the commit that creates a document. Members
// are fakes; the access rules are the real AccessControl over a real store.
#include "TestBytes.h"
#include "access/AccessControl.h"
#include "crdt/ephemeral/EphemeralEngine.h"
#include "crdt/loro/LoroEngine.h"
#include "log/EventLog.h"
#include "store/Database.h"
#include "store/UnitStore.h"
#include "sync/DocumentHub.h"

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

using namespace canopy;

namespace {

QByteArray fixture(const QString &name)
{
    const QString dir = qEnvironmentVariable("CANOPY_FIXTURES");
    QFile file(QDir(dir).filePath(name));
    if (!file.open(QIODevice::ReadOnly))
        qFatal(
            "fixture %s missing in %s (run fixtures.generate)", qPrintable(name), qPrintable(dir));
    return file.readAll();
}

// One ephemeral entry "cursor" = 1 written now (postcard EncodedState, as EphemeralStore does).
QByteArray presenceUpdate()
{
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    const quint64 zigzag = (quint64(now) << 1) ^ quint64(now >> 63);
    return test::leb(1) + test::lebBytes("cursor") + '\x01' + QByteArray("\x03\x02", 2)
        + test::leb(zigzag);
}

class NoEncoder final : public ForwardEncoder
{
public:
    QList<QByteArray> encodeForward(
        const DocumentKey &, const QList<QByteArray> &payloads, const QByteArray &) const override
    {
        return payloads;
    }
};

class FakeMember final : public HubMember
{
public:
    FakeMember(quint64 id, QString identity)
        : m_id(id)
        , m_identity(std::move(identity))
    {
    }
    quint64 memberId() const override { return m_id; }
    QString memberDid() const override { return m_identity; }
    const ForwardEncoder &forwardEncoder() const override { return m_encoder; }
    void deliverJoin(const DocumentKey &, const JoinAnswer &answer) override
    {
        joins.append(answer.permission);
    }
    void deliverJoinFailure(const DocumentKey &, const QString &) override { }
    void deliverOutcome(const DocumentKey &, const QByteArray &, const UpdateOutcome &o) override
    {
        outcomes.append(o);
    }
    void deliverFrames(const QList<QByteArray> &frames) override { received += frames.size(); }
    void deliverEviction(const DocumentKey &document, const QString &reason) override
    {
        evictions.append(document.kind + u'/' + reason);
    }
    void deliverPermissionChange(const DocumentKey &document, Permission permission) override
    {
        changes.append(document.kind + u'/' + permissionName(permission));
    }

    QList<Permission> joins;
    QList<UpdateOutcome> outcomes;
    int received = 0;
    QStringList evictions;
    QStringList changes;

private:
    quint64 m_id;
    QString m_identity;
    NoEncoder m_encoder;
};

const QString kOwner = QStringLiteral("did:web:owner.example");
const QString kOther = QStringLiteral("did:web:other.example");
const QString kName = QStringLiteral("doc");
const DocumentKey kLoro {QStringLiteral("loro"), kName};
const DocumentKey kPresence {QStringLiteral("eph"), kName};
const DocumentKey kStoredPresence {QStringLiteral("eps"), kName};

} // namespace

class TestHubAccess final : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;
    int m_round = 0;
    std::unique_ptr<Database> m_db;
    std::unique_ptr<UnitStore> m_store;
    std::unique_ptr<EventLog> m_log;
    std::unique_ptr<AccessControl> m_access;
    std::unique_ptr<DocumentHub> m_hub;

    void makeHub(Permission documentDefault)
    {
        m_hub.reset();
        m_access.reset();
        m_store.reset();
        m_db.reset();
        auto db = Database::open(m_dir.filePath(QStringLiteral("hub-%1.sqlite").arg(++m_round)));
        QVERIFY(db.has_value());
        m_db = std::move(*db);
        m_store = std::make_unique<UnitStore>(*m_db);
        m_log = std::make_unique<EventLog>();
        auto access = AccessControl::open(
            *m_db, AccessControl::Settings {AccessMode::Open, documentDefault});
        QVERIFY(access.has_value());
        m_access = std::move(*access);
        m_hub = std::make_unique<DocumentHub>(*m_store, *m_log, 60);
        m_hub->addEngine(std::make_unique<loro::LoroEngine>());
        m_hub->addEngine(std::make_unique<ephemeral::EphemeralEngine>(false));
        m_hub->addEngine(std::make_unique<ephemeral::EphemeralEngine>(true));
        m_hub->setAccess(m_access.get());
    }

    // The owner writes the first update and so creates the document.
    void create(FakeMember &owner)
    {
        QVERIFY(m_hub->join(&owner, kLoro, JoinRequest {}));
        QVERIFY(m_hub->update(
            &owner, kLoro, {fixture(QStringLiteral("local-update-1.bin"))}, "c", true));
        m_hub->flush();
        QCOMPARE(owner.outcomes.last().status, UpdateOutcome::Status::Stored);
    }

    void setRights(Permission defaultAccess, std::optional<Permission> grant)
    {
        DocumentAccess access {kOwner, defaultAccess, {}};
        if (grant)
            access.grants.append(DocumentGrant {kOther, *grant});
        QVERIFY(m_access->setDocumentAccess(kName, access).has_value());
    }

private Q_SLOTS:
    // What another identity may do: the stronger of default and grant; presence needs read.
    void judged_data()
    {
        QTest::addColumn<Permission>("defaultAccess");
        QTest::addColumn<std::optional<Permission>>("grant");
        QTest::addColumn<Permission>("content"); // in %LOR
        QTest::addColumn<Permission>("presence"); // in %EPH
        const auto none = std::optional<Permission>();
        QTest::newRow("default none")
            << Permission::None << none << Permission::None << Permission::None;
        QTest::newRow("default read")
            << Permission::Read << none << Permission::Read << Permission::Write;
        QTest::newRow("default write")
            << Permission::Write << none << Permission::Write << Permission::Write;
        QTest::newRow("none, granted read") << Permission::None << std::optional(Permission::Read)
                                            << Permission::Read << Permission::Write;
        QTest::newRow("none, granted write") << Permission::None << std::optional(Permission::Write)
                                             << Permission::Write << Permission::Write;
        QTest::newRow("write, granted read") << Permission::Write << std::optional(Permission::Read)
                                             << Permission::Write << Permission::Write;
    }

    void judged()
    {
        QFETCH(Permission, defaultAccess);
        QFETCH(std::optional<Permission>, grant);
        QFETCH(Permission, content);
        QFETCH(Permission, presence);
        makeHub(Permission::Write);
        FakeMember owner(1, kOwner), other(2, kOther);
        create(owner);
        setRights(defaultAccess, grant);

        for (const auto &[key, expected] :
            {std::pair {kLoro, content}, std::pair {kPresence, presence}}) {
            const auto joined = m_hub->join(&other, key, JoinRequest {});
            if (expected == Permission::None) {
                QVERIFY(!joined);
                QCOMPARE(joined.error().reason, QStringLiteral("access-denied"));
                QVERIFY(joined.error().message.contains(kOther));
                QVERIFY(!m_hub->isMember(&other, key));
                continue;
            }
            QVERIFY2(joined, qPrintable(joined ? QString() : joined.error().message));
            m_hub->flush();
            QCOMPARE(other.joins.last(), expected);
            QCOMPARE(m_hub->memberPermission(&other, key), expected);
            const QByteArray payload = key.kind == u"eph"
                ? presenceUpdate()
                : fixture(QStringLiteral("update-a.bin")); // a peer of its own
            const auto updated = m_hub->update(&other, key, {payload}, "u", true);
            m_hub->flush();
            if (expected == Permission::Write) {
                QVERIFY2(updated, qPrintable(updated ? QString() : updated.error().message));
            } else {
                QVERIFY(!updated);
                QCOMPARE(updated.error().reason, QStringLiteral("permission-denied"));
                QCOMPARE(other.outcomes.last().reason, QStringLiteral("permission-denied"));
            }
        }
        // The owner always writes.
        QCOMPARE(m_hub->memberPermission(&owner, kLoro), Permission::Write);
    }

    // A reader's snapshot is answered; what it holds beyond the host is refused, what the host
    // holds passes.
    void readerSnapshotBringsNothing()
    {
        makeHub(Permission::Read);
        FakeMember owner(1, kOwner), reader(2, kOther),
            fresh(3, QStringLiteral("did:web:f.example"));
        create(owner);
        std::optional<crdt::Refusal> refused;
        QVERIFY(m_hub->join(&reader, kLoro,
            JoinRequest {{}, fixture(QStringLiteral("local-update-1.bin"))}, &refused));
        QVERIFY(!refused.has_value()); // the host holds all of it
        QVERIFY(m_hub->join(&reader, kLoro,
            JoinRequest {{}, fixture(QStringLiteral("local-update-2.bin"))}, &refused));
        QVERIFY(refused.has_value());
        QCOMPARE(refused->reason, QStringLiteral("permission-denied"));
        m_hub->flush();
        QCOMPARE(reader.joins, (QList<Permission> {Permission::Read, Permission::Read}));
        QCOMPARE(owner.received, 0);
        QCOMPARE(m_store->load(kLoro, false)->size(), 1);
    }

    // A change reaches the members of every kind of the document at once.
    void changesReachMembers()
    {
        makeHub(Permission::Write);
        FakeMember owner(1, kOwner), other(2, kOther);
        create(owner);
        QVERIFY(m_hub->join(&other, kLoro, JoinRequest {}));
        QVERIFY(m_hub->join(&other, kPresence, JoinRequest {}));
        m_hub->flush();

        setRights(Permission::Read, std::nullopt); // emits accessChanged: applied in this call
        QCOMPARE(other.changes, QStringList {QStringLiteral("loro/read")}); // presence still writes
        QVERIFY(other.evictions.isEmpty());
        QCOMPARE(m_hub->memberPermission(&other, kLoro), Permission::Read);
        const auto refused = m_hub->update(
            &other, kLoro, {fixture(QStringLiteral("local-update-2.bin"))}, "r", true);
        QVERIFY(!refused);

        setRights(Permission::None, std::nullopt);
        QCOMPARE(other.evictions.size(), 2);
        QVERIFY(
            other.evictions.contains(QStringLiteral("eph/%1 may no longer read doc: ").arg(kOther)
                + m_access->decide(kOther, kName).why));
        QVERIFY(!m_hub->isMember(&other, kLoro));
        QVERIFY(!m_hub->isMember(&other, kPresence));
        QCOMPARE(m_hub->memberPermission(&other, kLoro), Permission::None);
        QVERIFY(owner.evictions.isEmpty());
        QVERIFY(owner.changes.isEmpty());
        // Nothing more reaches it.
        QVERIFY(m_hub->update(
            &owner, kLoro, {fixture(QStringLiteral("local-update-2.bin"))}, "o", true));
        m_hub->flush();
        QCOMPARE(other.received, 0);
    }

    // The owner is recorded after the commit that first stores content, and the members that
    // joined before it existed are judged by its rights; presence creates nothing.
    void ownerRecordedAtCreation()
    {
        makeHub(Permission::None);
        FakeMember owner(1, kOwner), early(2, kOther);
        QVERIFY(m_hub->join(&early, kStoredPresence, JoinRequest {}));
        QVERIFY(m_hub->update(&early, kStoredPresence, {presenceUpdate()}, "p", true));
        m_hub->flush();
        QCOMPARE(early.outcomes.last().status, UpdateOutcome::Status::Stored);
        QCOMPARE(m_store->load(kStoredPresence, false)->size(), 1); // stored, and yet
        QVERIFY(!m_access->documentAccess(kName).has_value()); // presence created nothing

        QVERIFY(m_hub->join(&early, kLoro, JoinRequest {})); // it may create it, so it reads
        QVERIFY(m_hub->join(&owner, kLoro, JoinRequest {}));
        m_hub->flush();
        QCOMPARE(early.joins.last(), Permission::Write);
        QVERIFY(m_hub->update(
            &owner, kLoro, {fixture(QStringLiteral("local-update-1.bin"))}, "c", true));
        QVERIFY(!m_access->documentAccess(kName).has_value()); // not before the commit
        m_hub->flush();
        const auto access = m_access->documentAccess(kName);
        QVERIFY(access.has_value());
        QCOMPARE(access->owner, kOwner);
        QCOMPARE(access->defaultAccess, Permission::None);
        QCOMPARE(early.evictions.size(), 2); // both kinds
        QCOMPARE(early.received, 0); // the creating update never reached it
    }
};

QTEST_GUILESS_MAIN(TestHubAccess)
#include "tst_hubaccess.moc"
