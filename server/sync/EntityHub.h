#pragma once

#include "loro/BlockIndex.h"
#include "store/BlockStore.h"

#include <memory>

#include <QDateTime>
#include <QHash>
#include <QObject>
#include <QPointer>
#include <QSet>

class QTimer;

namespace canopy {

class EventLog;
class Metrics;
class SyncSession;

struct HubCounters
{
    quint64 blocksStored = 0;
    quint64 duplicateBlocks = 0;
    quint64 storeFailures = 0;
    quint64 textFrames = 0;
    QHash<QString, quint64> badFrames; // by reason
};

// The super peer: each entity's change blocks and subscribers. Frames that arrive in one event
// loop turn are batched; their new blocks are committed in one transaction, and only then are
// the answers and fan-outs sent: nothing a peer has seen can be lost by a crash.
struct HubLimits
{
    qint64 maxEntities = 0; // 0: no cap
    qint64 maxEntityBytes = 0; // 0: no cap
};

class EntityHub final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(EntityHub)

public:
    EntityHub(BlockStore &store, EventLog &log, int idleSeconds, QObject *parent = nullptr);
    ~EntityHub() override;

    // `brought`: blocks from the subscriber's snapshot; those the host lacks are stored and
    // sent to the other subscribers. The subscriber gets exactly one answer.
    void subscribe(SyncSession *session, const QString &entityId,
        const loro::VersionVector &clientVersion, QList<loro::ChangeBlock> brought);
    void unsubscribe(SyncSession *session, const QString &entityId);
    void sendUpdate(SyncSession *session, const QString &entityId, QList<loro::ChangeBlock> blocks);
    void sessionClosed(SyncSession *session);

    void countBadFrame(const QString &reason);
    void countTextFrame() { ++m_counters.textFrames; }

    // Commits what is pending and delivers it now (also run at shutdown).
    void flush();
    void releaseIdleEntities(bool all = false);
    // Forgets a deleted entity's in-memory index (it must have no subscribers).
    void dropEntity(const QString &entityId);
    void setMetrics(Metrics *metrics) { m_metrics = metrics; }
    void setLimits(const HubLimits &limits) { m_limits = limits; }
    // Forgets the stored-document count after a document was deleted.
    void forgetEntityCount() { m_storedEntities = -1; }

    const HubCounters &counters() const { return m_counters; }
    qsizetype loadedEntityCount() const { return m_entities.size(); }
    qsizetype subscriberCount(const QString &entityId) const;

Q_SIGNALS:
    void blocksStored(const QString &entityId, int count, const QString &fromDid);
    void storeFailed(const QString &message);

private:
    // Only which counters the entity holds stays in memory; the blocks themselves are read back
    // from the store when a subscriber needs them, so memory does not grow with the history.
    struct Entity
    {
        EntityExtent extent; // stored and admitted blocks
        bool stale = false; // a commit failed: the extent is reloaded from the store
        QSet<SyncSession *> subscribers;
        qint64 lastUsedMs = 0;
    };
    struct Reply
    {
        QPointer<SyncSession> session;
        QString entityId;
        loro::VersionVector version;
    };
    struct FanOut
    {
        QString entityId;
        SyncSession *sender; // compared only; may be gone by delivery time
        QList<loro::ChangeBlock> blocks;
    };

    Entity *entity(const QString &entityId); // loads on first use; null when the store fails
    bool reload(const QString &entityId, Entity &entity);
    // The stored blocks holding what `version` lacks (a superset; missingFrom picks the cover).
    Expected<loro::BlockIndex, StoreError> blocksBeyond(
        const QString &entityId, const Entity &entity, const loro::VersionVector &version);
    // Keeps the blocks the entity lacks, adds them to the index and the pending batch.
    QList<loro::ChangeBlock> admit(const QString &entityId, Entity &entity,
        QList<loro::ChangeBlock> blocks, SyncSession *sender);
    void scheduleFlush();

    BlockStore &m_store;
    EventLog &m_log;
    int m_idleMs;
    QHash<QString, std::shared_ptr<Entity>> m_entities;
    QList<StoredBlock> m_pendingWrites;
    QList<Reply> m_pendingReplies;
    QList<FanOut> m_pendingFanOuts;
    bool m_flushScheduled = false;
    QTimer *m_sweepTimer;
    HubCounters m_counters;
    Metrics *m_metrics = nullptr;
    HubLimits m_limits;
    qint64 m_storedEntities = -1; // read from the store when a cap needs it
    qint64 m_newEntitiesPending = 0;
};

} // namespace canopy
