// The document hub: commit before anything is acknowledged or forwarded, answers from the store,
// forwards encoded once per protocol and never echoed to the sender, refusals and store failures,
// memory-only rooms. Members are fakes; the documents are loro-crdt blobs from the fixtures.
#include "crdt/ephemeral/EphemeralEngine.h"
#include "crdt/loro/LoroBlob.h"
#include "crdt/loro/LoroEngine.h"
#include "log/EventLog.h"
#include "store/Database.h"
#include "store/UnitStore.h"
#include "sync/DocumentHub.h"

#include <QDir>
#include <QFile>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>

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

// Frames as this fake protocol would send them: "<name>|<tag hex>|<payload hex>".
class FakeEncoder final : public ForwardEncoder
{
public:
    mutable int calls = 0;
    QList<QByteArray> encodeForward(const DocumentKey &document, const QList<QByteArray> &payloads,
        const QByteArray &tag) const override
    {
        ++calls;
        QList<QByteArray> frames;
        for (const QByteArray &payload : payloads)
            frames.append(document.name.toUtf8() + '|' + tag.toHex() + '|' + payload.toHex());
        return frames;
    }
};

class FakeMember final : public HubMember
{
public:
    FakeMember(quint64 id, const FakeEncoder &encoder)
        : m_id(id)
        , m_encoder(encoder)
    {
    }
    quint64 memberId() const override { return m_id; }
    QString memberDid() const override { return QStringLiteral("did:web:m%1.example").arg(m_id); }
    const ForwardEncoder &forwardEncoder() const override { return m_encoder; }
    void deliverJoin(const DocumentKey &document, const JoinAnswer &answer) override
    {
        joins.append({document, answer});
        events.append(QStringLiteral("join"));
    }
    void deliverJoinFailure(const DocumentKey &, const QString &message) override
    {
        failures.append(message);
        events.append(QStringLiteral("join-failure"));
    }
    void deliverOutcome(
        const DocumentKey &, const QByteArray &tag, const UpdateOutcome &outcome) override
    {
        outcomes.append({tag, outcome});
        events.append(QStringLiteral("outcome"));
    }
    void deliverFrames(const QList<QByteArray> &frames) override
    {
        this->frames += frames;
        events.append(QStringLiteral("frames"));
    }

    QList<QPair<DocumentKey, JoinAnswer>> joins;
    QStringList failures;
    QList<QPair<QByteArray, UpdateOutcome>> outcomes;
    QList<QByteArray> frames;
    QStringList events;

private:
    quint64 m_id;
    const FakeEncoder &m_encoder;
};

const DocumentKey kDoc {QStringLiteral("loro"), QStringLiteral("doc")};

// A kind whose updates are single bytes, each a unit of author "p" at the next counter; its
// index asks to compact every unit once it holds four, and compact() concatenates them.
class CountingIndex final : public crdt::DocumentIndex
{
public:
    void addStored(const crdt::Unit &unit, qint64 bytes) override
    {
        m_units.append(unit);
        m_bytes += bytes;
        m_next = std::max(m_next, unit.end);
    }
    Expected<crdt::Admission, crdt::Refusal> admit(
        QList<crdt::Unit> units, const crdt::AdmitContext &) override
    {
        crdt::Admission out;
        for (crdt::Unit &unit : units) {
            unit.start = m_next++;
            unit.end = m_next;
            addStored(unit, unit.data.size());
            out.fresh.append(unit);
        }
        return out;
    }
    QByteArray version() const override { return {}; }
    crdt::UnitQuery lacking(const crdt::PeerVersion &) const override
    {
        crdt::UnitQuery query;
        query.all = true;
        return query;
    }
    QList<QByteArray> answer(QList<crdt::Unit> read, const crdt::PeerVersion &) const override
    {
        QByteArray all;
        for (const crdt::Unit &unit : read)
            all += unit.data;
        return {all};
    }
    QList<crdt::Unit> compaction() const override
    {
        return m_units.size() >= 4 && !m_compacted ? m_units : QList<crdt::Unit> {};
    }
    void compacted(const QList<crdt::Unit> &removed, const QList<crdt::Unit> &added) override
    {
        m_compacted = true;
        for (const crdt::Unit &unit : removed)
            m_units.removeIf([&](const crdt::Unit &u) { return u.start == unit.start; });
        m_units += added;
    }
    qint64 byteCount() const override { return m_bytes; }
    qsizetype unitCount() const override { return m_units.size(); }

private:
    QList<crdt::Unit> m_units;
    qint64 m_bytes = 0;
    quint32 m_next = 0;
    bool m_compacted = false;
};

class CountingEngine final : public crdt::DocumentEngine
{
public:
    explicit CountingEngine(int mergeMs = 0)
        : m_mergeMs(mergeMs)
    {
    }
    QString kind() const override { return QStringLiteral("counting"); }
    std::unique_ptr<crdt::DocumentIndex> createIndex() const override
    {
        return std::make_unique<CountingIndex>();
    }
    Expected<crdt::SplitUpdate, crdt::Refusal> split(QByteArrayView update) const override
    {
        return crdt::SplitUpdate {{crdt::Unit {"p", 0, 0, {}, update.toByteArray()}}, {}};
    }
    Expected<crdt::PeerVersion, crdt::Refusal> decodeVersion(QByteArrayView) const override
    {
        return crdt::PeerVersion {};
    }
    QList<QByteArray> encode(const QList<crdt::Unit> &units) const override
    {
        QList<QByteArray> out;
        for (const crdt::Unit &unit : units)
            out.append(unit.data);
        return out;
    }
    crdt::UnitDescription describe(const crdt::Unit &) const override { return {}; }
    Expected<QList<crdt::Unit>, crdt::Refusal> compact(
        const QList<crdt::Unit> &units) const override
    {
        QThread::msleep(m_mergeMs);
        crdt::Unit merged {"p", units.front().start, units.back().end, {}, {}};
        for (const crdt::Unit &unit : units)
            merged.data += unit.data;
        return QList<crdt::Unit> {merged};
    }

private:
    int m_mergeMs;
};

} // namespace

class TestDocumentHub final : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;
    std::unique_ptr<Database> m_db;
    std::unique_ptr<UnitStore> m_store;
    std::unique_ptr<EventLog> m_log;
    std::unique_ptr<DocumentHub> m_hub;
    FakeEncoder m_encoder;
    int m_round = 0;

    void makeHub()
    {
        m_hub.reset();
        m_store.reset();
        m_db.reset();
        auto db = Database::open(m_dir.filePath(QStringLiteral("hub-%1.sqlite").arg(++m_round)));
        QVERIFY(db.has_value());
        m_db = std::move(*db);
        m_store = std::make_unique<UnitStore>(*m_db);
        m_log = std::make_unique<EventLog>();
        m_hub = std::make_unique<DocumentHub>(*m_store, *m_log, 60);
        m_hub->addEngine(std::make_unique<loro::LoroEngine>());
        m_hub->addEngine(std::make_unique<ephemeral::EphemeralEngine>(false));
    }

private Q_SLOTS:
    void init()
    {
        makeHub();
        m_encoder.calls = 0;
    }

    // Nothing reaches anyone before the batch is committed; then the sender's outcome, and the
    // other members' frames (the sender gets no echo).
    void commitBeforeOutcomeAndForward()
    {
        FakeMember a(1, m_encoder), b(2, m_encoder), c(3, m_encoder);
        for (FakeMember *m : {&a, &b, &c})
            QVERIFY(m_hub->join(m, kDoc, JoinRequest {QByteArray(1, '\0'), std::nullopt}));
        m_hub->flush();
        for (FakeMember *m : {&a, &b, &c}) {
            QCOMPARE(m->joins.size(), 1);
            QCOMPARE(m->joins.front().second.version, QByteArray(1, '\0')); // empty: "00"
            QVERIFY(m->joins.front().second.payloads.isEmpty()); // lacks nothing
        }
        const QByteArray tag = QByteArray::fromHex("cb00000000000004");
        QVERIFY(
            m_hub->update(&a, kDoc, {fixture(QStringLiteral("local-update-1.bin"))}, tag, true));
        QVERIFY(a.outcomes.isEmpty());
        QVERIFY(b.frames.isEmpty());
        QCOMPARE(m_store->load(kDoc, false)->size(), 0); // not yet committed
        m_hub->flush();
        QCOMPARE(m_store->load(kDoc, false)->size(), 1);
        QCOMPARE(a.outcomes.size(), 1);
        QCOMPARE(a.outcomes.front().first, tag);
        QCOMPARE(a.outcomes.front().second.status, UpdateOutcome::Status::Stored);
        QVERIFY(a.frames.isEmpty());
        QCOMPARE(b.frames.size(), 1);
        QCOMPARE(c.frames, b.frames);
        QVERIFY(b.frames.front().startsWith(QByteArray(QByteArray("doc|") + tag.toHex() + "|")));
        QCOMPARE(m_encoder.calls, 1); // once per protocol, not per member

        // A duplicate is acknowledged as stored, and neither stored again nor forwarded.
        QVERIFY(
            m_hub->update(&b, kDoc, {fixture(QStringLiteral("local-update-1.bin"))}, "t2", true));
        m_hub->flush();
        QCOMPARE(b.outcomes.front().second.status, UpdateOutcome::Status::Stored);
        QCOMPARE(a.frames.size(), 0);
        QCOMPARE(c.frames.size(), 1);
        QCOMPARE(m_hub->counters().duplicateUnits, 1u);
    }

    // A joiner's answer is read from the store after the commit: it already holds what the same
    // batch brought, so that batch's forward skips it.
    void joinAnswerHoldsTheBatch()
    {
        FakeMember writer(1, m_encoder), late(2, m_encoder);
        QVERIFY(m_hub->join(&writer, kDoc, JoinRequest {}));
        m_hub->flush();
        QVERIFY(m_hub->update(
            &writer, kDoc, {fixture(QStringLiteral("local-update-1.bin"))}, {}, true));
        QVERIFY(m_hub->join(&late, kDoc, JoinRequest {}));
        QVERIFY(m_hub->update(
            &writer, kDoc, {fixture(QStringLiteral("local-update-2.bin"))}, {}, true));
        m_hub->flush();
        QCOMPARE(late.joins.size(), 1);
        QVERIFY(late.frames.isEmpty());
        const JoinAnswer &answer = late.joins.front().second;
        QCOMPARE(answer.payloads.size(), 1);
        const auto blob = loro::LoroBlob::parse(answer.payloads.front());
        QVERIFY(blob.has_value());
        QCOMPARE(blob->version, (loro::VersionVector {{42, 2}}));
        QCOMPARE(answer.version, loro::encodeVersionVector({{42, 2}}));
        QCOMPARE(late.events, QStringList {QStringLiteral("join")});
    }

    // A refused update is an outcome too, stores nothing and is not forwarded.
    void refusalStoresNothing()
    {
        FakeMember a(1, m_encoder), b(2, m_encoder);
        QVERIFY(m_hub->join(&a, kDoc, JoinRequest {}));
        QVERIFY(m_hub->join(&b, kDoc, JoinRequest {}));
        m_hub->flush();
        QByteArray corrupt = fixture(QStringLiteral("local-update-1.bin"));
        corrupt[corrupt.size() - 1] = char(corrupt.back() ^ 0x55);
        const auto refused = m_hub->update(&a, kDoc, {corrupt}, "bad", true);
        QVERIFY(!refused);
        QVERIFY(refused.error().malformed);
        QCOMPARE(refused.error().reason, QStringLiteral("bad-checksum"));
        // A change whose earlier counters the document lacks cannot be imported by anyone.
        const auto gap = m_hub->update(
            &a, kDoc, {fixture(QStringLiteral("update-mid-change.bin"))}, "gap", true);
        QVERIFY(!gap);
        QCOMPARE(gap.error().reason, QStringLiteral("missing-history"));
        QVERIFY(!gap.error().malformed);
        m_hub->flush();
        QCOMPARE(a.outcomes.size(), 2);
        QCOMPARE(a.outcomes[0].second.status, UpdateOutcome::Status::Refused);
        QCOMPARE(a.outcomes[1].second.reason, QStringLiteral("missing-history"));
        QVERIFY(b.frames.isEmpty());
        QCOMPARE(m_store->load(kDoc, false)->size(), 0);
    }

    // A commit that fails acknowledges nothing as stored, forwards nothing, and forgets what it
    // admitted: the same update sent again is stored.
    void storeFailure()
    {
        FakeMember a(1, m_encoder), b(2, m_encoder);
        QVERIFY(m_hub->join(&a, kDoc, JoinRequest {}));
        QVERIFY(m_hub->join(&b, kDoc, JoinRequest {}));
        m_hub->flush();
        QSqlQuery readOnly(m_db->handle());
        QVERIFY(readOnly.exec(QStringLiteral("PRAGMA query_only = ON")));
        QVERIFY(
            m_hub->update(&a, kDoc, {fixture(QStringLiteral("local-update-1.bin"))}, "x", true));
        m_hub->flush();
        QCOMPARE(a.outcomes.size(), 1);
        QCOMPARE(a.outcomes.front().second.status, UpdateOutcome::Status::StoreFailed);
        QVERIFY(b.frames.isEmpty());
        QCOMPARE(m_hub->counters().storeFailures, 1u);
        QVERIFY(readOnly.exec(QStringLiteral("PRAGMA query_only = OFF")));
        QVERIFY(
            m_hub->update(&a, kDoc, {fixture(QStringLiteral("local-update-1.bin"))}, "y", true));
        m_hub->flush();
        QCOMPARE(a.outcomes.back().second.status, UpdateOutcome::Status::Stored);
        QCOMPARE(b.frames.size(), 1);
        QCOMPARE(m_store->load(kDoc, false)->size(), 1);
    }

    // A version that cannot be read refuses the join: no membership, no answer.
    void unreadableVersion()
    {
        FakeMember a(1, m_encoder);
        const auto joined = m_hub->join(&a, kDoc, JoinRequest {QByteArray::fromHex("02ffff"), {}});
        QVERIFY(!joined);
        QCOMPARE(joined.error().reason, QStringLiteral("version-unknown"));
        QVERIFY(!m_hub->isMember(&a, kDoc));
        m_hub->flush();
        QVERIFY(a.joins.isEmpty());
        QCOMPARE(m_hub->currentVersion(kDoc), QByteArray(1, '\0'));
        const auto unknown
            = m_hub->join(&a, {QStringLiteral("yjs"), QStringLiteral("r")}, JoinRequest {});
        QVERIFY(!unknown);
        QCOMPARE(unknown.error().reason, QStringLiteral("unknown-kind"));
    }

    // A member that closes before the batch is delivered receives nothing of it; what it sent
    // was committed, so the others still receive it.
    void closedMembersGetNothing()
    {
        FakeMember a(1, m_encoder);
        auto *b = new FakeMember(2, m_encoder);
        QVERIFY(m_hub->join(&a, kDoc, JoinRequest {}));
        QVERIFY(m_hub->join(b, kDoc, JoinRequest {}));
        m_hub->flush();
        QVERIFY(m_hub->update(b, kDoc, {fixture(QStringLiteral("local-update-1.bin"))}, "z", true));
        m_hub->memberClosed(b);
        delete b;
        m_hub->flush();
        QCOMPARE(a.joins.size(), 1);
        QCOMPARE(m_hub->memberCount(kDoc), 1);
        QCOMPARE(m_store->load(kDoc, false)->size(), 1); // what it sent was still committed
        QCOMPARE(a.frames.size(), 1); // and forwarded
        QVERIFY(a.frames.front().startsWith("doc|7a|"));
    }

    // A kind that asks for compaction gets its stored units merged on the worker and stored in
    // place of exactly those units; what arrives meanwhile stays, and the index hears of it.
    void compactionReplacesExactlyWhatItMerged()
    {
        m_hub->addEngine(std::make_unique<CountingEngine>());
        const DocumentKey doc {QStringLiteral("counting"), QStringLiteral("c")};
        FakeMember a(1, m_encoder);
        QVERIFY(m_hub->join(&a, doc, JoinRequest {}));
        for (char c : QByteArray("abcd")) // the fourth asks for a compaction
            QVERIFY(m_hub->update(&a, doc, {QByteArray(1, c)}, {}, true));
        m_hub->flush();
        QVERIFY(m_hub->update(&a, doc, {QByteArray("e")}, {}, true)); // while it runs
        m_hub->flush();
        QTRY_COMPARE_WITH_TIMEOUT(m_store->load(doc, true)->size(), 2, 5000);
        const auto units = m_store->load(doc, true).value();
        QCOMPARE(units.at(0).data, QByteArray("abcd"));
        QCOMPARE(units.at(0).fromDid, a.memberDid()); // the merged unit keeps its author
        QCOMPARE(units.at(1).data, QByteArray("e"));
        QCOMPARE(m_hub->counters().compactions, quint64(1));
        // A joiner's answer reads the compacted unit.
        FakeMember b(2, m_encoder);
        QVERIFY(m_hub->join(&b, doc, JoinRequest {}));
        m_hub->flush();
        QCOMPARE(b.joins.front().second.payloads, QList<QByteArray> {QByteArray("abcde")});
    }

    // A document deleted while its compaction runs keeps nothing of it.
    void compactionOfADroppedDocumentIsDiscarded()
    {
        m_hub->addEngine(std::make_unique<CountingEngine>(200));
        const DocumentKey doc {QStringLiteral("counting"), QStringLiteral("d")};
        FakeMember a(1, m_encoder);
        QVERIFY(m_hub->join(&a, doc, JoinRequest {}));
        for (char c : QByteArray("abcd"))
            QVERIFY(m_hub->update(&a, doc, {QByteArray(1, c)}, {}, true));
        m_hub->flush();
        m_hub->memberClosed(&a);
        QVERIFY(m_store->deleteDocument(doc).value());
        m_hub->dropDocument(doc);
        QTest::qWait(400); // past the slow merge
        QCOMPARE(m_store->load(doc, true)->size(), 0);
        QCOMPARE(m_hub->counters().compactions, quint64(0));
    }

    // A memory-only room lives while someone is in it.
    void memoryOnlyRoomsEndWithTheirLastMember()
    {
        const DocumentKey room {QStringLiteral("eph"), QStringLiteral("presence")};
        FakeMember a(1, m_encoder), b(2, m_encoder);
        QVERIFY(m_hub->join(&a, room, JoinRequest {}));
        QVERIFY(m_hub->join(&b, room, JoinRequest {}));
        m_hub->flush();
        QCOMPARE(a.joins.front().second.payloads, QList<QByteArray> {QByteArray(1, '\0')});
        QVERIFY(m_hub->heldUnits(room).isEmpty());
        m_hub->leave(&a, room);
        QCOMPARE(m_hub->memberCount(room), 1);
        m_hub->leave(&b, room);
        QCOMPARE(m_hub->memberCount(room), 0);
        QCOMPARE(m_hub->loadedDocumentCount(), 0);
        QCOMPARE(m_store->documentCount().value(), 0);
    }
};

QTEST_GUILESS_MAIN(TestDocumentHub)
#include "tst_documenthub.moc"
