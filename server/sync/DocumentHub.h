#pragma once

#include "crdt/DocumentEngine.h"
#include "store/UnitStore.h"
#include "sync/HubMember.h"

#include <memory>
#include <optional>

#include <QHash>
#include <QObject>
#include <QSet>

class QThreadPool;
class QTimer;

namespace canopy {

class AccessControl;
class EventLog;
class Metrics;

struct HubCounters
{
    quint64 unitsStored = 0;
    quint64 duplicateUnits = 0;
    quint64 storeFailures = 0;
    quint64 textFrames = 0;
    QHash<QString, quint64> badFrames; // by reason
    QHash<QString, quint64> unitsStoredByKind;
    quint64 compactions = 0;
};

struct HubLimits
{
    qint64 maxEntities = 0; // stored documents; 0: no cap
    qint64 maxEntityBytes = 0; // stored bytes per document; 0: no cap
};

// A joiner's version as its protocol carries it, or its whole state (a Sync1 subscribe
// snapshot): then what it holds is read from the state, and what the host lacks of it is kept.
struct JoinRequest
{
    QByteArray version;
    std::optional<QByteArray> state;
};

// The hub between the wire protocols and the document kinds: members of each document,
// batching per event-loop turn, commit before anything is acknowledged or forwarded, fan-out
// encoded once per protocol. It knows neither frames nor any CRDT: sessions hand it bytes,
// each kind's engine takes them apart.
//
// Everything that arrives in one turn of the event loop forms one batch: its new units are
// committed in one transaction, and only then are joins answered, updates acknowledged and
// new units forwarded, in the order they arrived.
class DocumentHub final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(DocumentHub)

public:
    DocumentHub(UnitStore &store, EventLog &log, int idleSeconds, QObject *parent = nullptr);
    ~DocumentHub() override;

    void addEngine(std::unique_ptr<crdt::DocumentEngine> engine);
    const crdt::DocumentEngine *engine(const QString &kind) const;
    QStringList kinds() const;

    // Makes `member` a member of the document; the answer follows with the batch. A version or
    // state that cannot be read refuses the join ("version-unknown", or the state's reason).
    // State the document cannot take (over a cap, say) is refused through `stateRefusal`
    // while the join goes on.
    Expected<void, crdt::Refusal> join(HubMember *member, const DocumentKey &document,
        const JoinRequest &request, std::optional<crdt::Refusal> *stateRefusal = nullptr);
    void leave(HubMember *member, const DocumentKey &document);
    // One message's updates (each a payload of the document's kind), refused or kept as a
    // whole. With `wantsOutcome` the member hears how it ended, once the batch is committed.
    Expected<void, crdt::Refusal> update(HubMember *member, const DocumentKey &document,
        const QList<QByteArray> &updates, const QByteArray &tag, bool wantsOutcome);
    void memberClosed(HubMember *member);
    // The host's version of the document now (for a joiner whose version it cannot read),
    // within `maxBytes` when that is not -1.
    QByteArray currentVersion(const DocumentKey &document, qsizetype maxBytes = -1);
    bool isMember(const HubMember *member, const DocumentKey &document) const;
    qsizetype memberCount(const DocumentKey &document) const;
    // What a document holds in memory, described (an ephemeral room's entries).
    QList<crdt::UnitDescription> heldUnits(const DocumentKey &document) const;

    void countBadFrame(const QString &reason) { ++m_counters.badFrames[reason]; }
    void countTextFrame() { ++m_counters.textFrames; }

    // Commits what is pending and delivers it now (also run at shutdown).
    void flush();
    void releaseIdleDocuments(bool all = false);
    // Forgets a deleted document's index (it must have no members).
    void dropDocument(const DocumentKey &document);
    void setMetrics(Metrics *metrics) { m_metrics = metrics; }
    void setLimits(const HubLimits &limits) { m_limits = limits; }
    // Who may read and write each document; null: everyone may do everything. A join needs
    // read, an update write (read for ephemeral kinds: presence follows read access). Changes
    // apply to live members at once: see reevaluate().
    void setAccess(AccessControl *access);
    // What a member may do in a document it joined (Read or Write); None when not a member.
    Permission memberPermission(const HubMember *member, const DocumentKey &document) const;
    // Judges every member of the documents named `name` (of every kind; all documents when
    // empty) again: one that lost read leaves (deliverEviction), one whose permission changed
    // hears it (deliverPermissionChange).
    void reevaluate(const QString &name);
    // Forgets the stored-document count after a document was deleted.
    void forgetDocumentCount() { m_storedDocuments = -1; }

    const HubCounters &counters() const { return m_counters; }
    qsizetype loadedDocumentCount() const { return m_documents.size(); }

Q_SIGNALS:
    void unitsStored(const canopy::DocumentKey &document, int count, const QString &fromDid);
    void storeFailed(const QString &message);
    // An in-memory document (ephemeral state) changed or expired entries.
    void heldUnitsChanged(const canopy::DocumentKey &document);

private:
    struct Document
    {
        const crdt::DocumentEngine *engine = nullptr;
        std::unique_ptr<crdt::DocumentIndex> index;
        bool stale = false; // a commit failed: the index is reloaded from the store
        QHash<HubMember *, quint64> members; // member -> its id
        QHash<HubMember *, Permission> permissions; // member -> what it may do (Read or Write)
        qint64 lastUsedMs = 0;
        // Each author key's identity: who first wrote it (from the store, then as admitted).
        QHash<QByteArray, QString> owners;
        bool compacting = false; // a merge of its stored units runs on the worker
    };
    struct Event
    {
        enum class Type
        {
            Join,
            Outcome,
            Forward
        };
        Type type = Type::Join;
        HubMember *member = nullptr;
        quint64 memberId = 0;
        DocumentKey document;
        crdt::PeerVersion version; // Join
        QByteArray tag; // Outcome, Forward
        UpdateOutcome outcome; // Outcome
        bool wrote = false; // Outcome: its fate depends on the commit
        QList<crdt::Unit> units; // Forward
    };

    // What a member may do in a document now, and when nothing: the refusal's reason and why.
    struct Judgement
    {
        Permission permission;
        QString reason; // "access-denied", "key-out-of-scope", "key-expired"
        QString why;
    };
    Judgement judge(const HubMember *member, const DocumentKey &key) const;

    // Loads on first use; null when the kind is unknown or the store fails (`why` says which).
    Document *document(const DocumentKey &key, crdt::Refusal *why);
    bool load(const DocumentKey &key, Document &document);
    // Takes the units into the document; what is new goes to the pending batch.
    Expected<crdt::Admission, crdt::Refusal> admit(HubMember *member, const DocumentKey &key,
        Document &document, QList<crdt::Unit> units, bool readOnly = false);
    void answerJoin(const Event &event, Document &document);
    void forward(
        const Event &event, Document &document, QSet<QPair<quint64, DocumentKey>> &answered);
    bool isLive(HubMember *member, quint64 id) const;
    void removeMember(HubMember *member, const DocumentKey &key);
    void expireHeld();
    void scheduleFlush();
    // Merges what the document's index asks to merge on the worker, then stores it in place.
    void startCompaction(const DocumentKey &key);
    void finishCompaction(const DocumentKey &key, const std::weak_ptr<Document> &document,
        const QList<crdt::Unit> &consumed, Expected<QList<crdt::Unit>, crdt::Refusal> merged,
        qint64 elapsedMs);

    UnitStore &m_store;
    EventLog &m_log;
    int m_idleMs;
    QHash<QString, std::shared_ptr<crdt::DocumentEngine>> m_engines;
    QHash<DocumentKey, std::shared_ptr<Document>> m_documents;
    QHash<HubMember *, quint64> m_live;
    QHash<HubMember *, QSet<DocumentKey>> m_memberships;
    QList<UnitWrite> m_writes;
    QList<UnitRemoval> m_removals;
    QList<Event> m_events;
    bool m_flushScheduled = false;
    QTimer *m_sweepTimer;
    std::unique_ptr<QThreadPool> m_compactor;
    qint64 m_lastIdleSweepMs = 0;
    HubCounters m_counters;
    Metrics *m_metrics = nullptr;
    HubLimits m_limits;
    qint64 m_storedDocuments = -1; // read from the store when a cap needs it
    qint64 m_newDocumentsPending = 0;
    AccessControl *m_access = nullptr;
    // Document names the pending batch creates, with the identity whose write creates each.
    QHash<QString, QString> m_creating;
};

} // namespace canopy
