#include "sync/EntityHub.h"

#include "log/EventLog.h"
#include "log/LogCategories.h"
#include "log/Metrics.h"
#include "loro/LoroBlob.h"
#include "sync/SyncCodec.h"
#include "sync/SyncSession.h"

#include <utility>

#include <QElapsedTimer>
#include <QTimer>

namespace canopy {

EntityHub::EntityHub(BlockStore &store, EventLog &log, int idleSeconds, QObject *parent)
    : QObject(parent)
    , m_store(store)
    , m_log(log)
    , m_idleMs(idleSeconds * 1000)
    , m_sweepTimer(new QTimer(this))
{
    connect(m_sweepTimer, &QTimer::timeout, this, [this] { releaseIdleEntities(); });
    m_sweepTimer->start(std::max(1000, m_idleMs / 2));
}

EntityHub::~EntityHub()
{
    flush();
}

qsizetype EntityHub::subscriberCount(const QString &entityId) const
{
    const auto it = m_entities.constFind(entityId);
    return it == m_entities.constEnd() ? 0 : (*it)->subscribers.size();
}

EntityHub::Entity *EntityHub::entity(const QString &entityId)
{
    auto &slot = m_entities[entityId];
    if (!slot) {
        auto loaded = std::make_shared<Entity>();
        if (!reload(entityId, *loaded)) {
            m_entities.remove(entityId);
            return nullptr;
        }
        slot = std::move(loaded);
    } else if (slot->stale && !reload(entityId, *slot)) {
        return nullptr;
    }
    slot->lastUsedMs = QDateTime::currentMSecsSinceEpoch();
    return slot.get();
}

bool EntityHub::reload(const QString &entityId, Entity &entity)
{
    auto extent = m_store.loadExtent(entityId);
    if (!extent) {
        entity.stale = true;
        ++m_counters.storeFailures;
        m_log.record(QtCriticalMsg, lcStore(),
            QStringLiteral("cannot load entity: %1").arg(extent.error().message),
            {{QStringLiteral("entity"), entityId}});
        return false;
    }
    entity.extent = std::move(*extent);
    entity.stale = false;
    return true;
}

Expected<loro::BlockIndex, StoreError> EntityHub::blocksBeyond(
    const QString &entityId, const Entity &entity, const loro::VersionVector &version)
{
    // One query per peer the subscriber is behind on; past a few, one query for them all.
    constexpr qsizetype kPerPeerQueries = 16;
    loro::BlockIndex index;
    const QList<quint64> ahead = entity.extent.coverage.peersAhead(version);
    const auto known = [&version](quint64 peer) {
        const auto it = version.find(peer);
        return it == version.end() ? quint32(0) : it->second;
    };
    if (ahead.size() > kPerPeerQueries) {
        auto all = m_store.loadEntity(entityId);
        if (!all)
            return unexpected(all.error());
        for (const StoredBlock &stored : std::as_const(*all)) {
            if (stored.block.counterEnd > known(stored.block.peer))
                index.insert(stored.block);
        }
        return index;
    }
    for (const quint64 peer : ahead) {
        auto blocks = m_store.loadBlocksFrom(entityId, peer, known(peer));
        if (!blocks)
            return unexpected(blocks.error());
        for (const loro::ChangeBlock &block : std::as_const(*blocks))
            index.insert(block);
    }
    return index;
}

QList<loro::ChangeBlock> EntityHub::admit(
    const QString &entityId, Entity &entity, QList<loro::ChangeBlock> blocks, SyncSession *sender)
{
    QList<loro::ChangeBlock> fresh;
    qint64 freshBytes = 0;
    for (loro::ChangeBlock &block : blocks) {
        if (entity.extent.coverage.covers(block.peer, block.counterStart, block.counterEnd)) {
            ++m_counters.duplicateBlocks;
            continue;
        }
        freshBytes += block.bytes.size();
        fresh.append(std::move(block));
    }
    if (fresh.isEmpty())
        return fresh;

    // The operator's caps refuse the whole update: half a change set helps no one.
    const LogFields fields {{QStringLiteral("entity"), entityId},
        {QStringLiteral("did"), sender ? sender->did() : QString()},
        {QStringLiteral("session"), sender ? sender->idString() : QString()}};
    const bool isNew = entity.extent.blocks == 0;
    if (isNew && m_limits.maxEntities > 0) {
        if (m_storedEntities < 0) {
            auto count = m_store.entityCount();
            m_storedEntities = count ? *count : 0;
        }
        if (m_storedEntities + m_newEntitiesPending >= m_limits.maxEntities) {
            m_log.record(QtWarningMsg, lcSync(),
                QStringLiteral("update refused: the host stores its maximum of %1 documents")
                    .arg(m_limits.maxEntities),
                fields);
            if (m_metrics)
                m_metrics->countRefusal(QStringLiteral("max-entities"));
            return {};
        }
    }
    if (m_limits.maxEntityBytes > 0 && entity.extent.bytes + freshBytes > m_limits.maxEntityBytes) {
        m_log.record(QtWarningMsg, lcSync(),
            QStringLiteral("update refused: the document would exceed %1 bytes")
                .arg(m_limits.maxEntityBytes),
            fields);
        if (m_metrics)
            m_metrics->countRefusal(QStringLiteral("max-entity-bytes"));
        return {};
    }
    if (isNew)
        ++m_newEntitiesPending;

    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    for (const loro::ChangeBlock &block : std::as_const(fresh)) {
        entity.extent.coverage.add(block.peer, block.counterStart, block.counterEnd);
        ++entity.extent.blocks;
        entity.extent.bytes += block.bytes.size();
        m_pendingWrites.append(
            StoredBlock {entityId, block, now, sender ? sender->did() : QString()});
    }
    return fresh;
}

void EntityHub::subscribe(SyncSession *session, const QString &entityId,
    const loro::VersionVector &clientVersion, QList<loro::ChangeBlock> brought)
{
    Entity *state = entity(entityId);
    if (!state)
        return;
    state->subscribers.insert(session);
    session->addSubscription(entityId);
    QList<loro::ChangeBlock> fresh = admit(entityId, *state, std::move(brought), session);
    if (!fresh.isEmpty())
        m_pendingFanOuts.append(FanOut {entityId, session, std::move(fresh)});
    m_pendingReplies.append(Reply {session, entityId, clientVersion});
    scheduleFlush();
}

void EntityHub::unsubscribe(SyncSession *session, const QString &entityId)
{
    session->removeSubscription(entityId);
    const auto it = m_entities.find(entityId);
    if (it != m_entities.end())
        (*it)->subscribers.remove(session);
}

void EntityHub::sendUpdate(
    SyncSession *session, const QString &entityId, QList<loro::ChangeBlock> blocks)
{
    Entity *state = entity(entityId);
    if (!state)
        return;
    QList<loro::ChangeBlock> fresh = admit(entityId, *state, std::move(blocks), session);
    if (fresh.isEmpty())
        return; // a duplicate: neither stored nor forwarded
    m_pendingFanOuts.append(FanOut {entityId, session, std::move(fresh)});
    scheduleFlush();
}

void EntityHub::sessionClosed(SyncSession *session)
{
    for (const QString &entityId : session->subscriptions()) {
        const auto it = m_entities.find(entityId);
        if (it != m_entities.end())
            (*it)->subscribers.remove(session);
    }
}

void EntityHub::countBadFrame(const QString &reason)
{
    ++m_counters.badFrames[reason];
}

void EntityHub::scheduleFlush()
{
    if (m_flushScheduled)
        return;
    m_flushScheduled = true;
    // Queued: every frame already read in this turn joins the same transaction.
    QMetaObject::invokeMethod(this, &EntityHub::flush, Qt::QueuedConnection);
}

void EntityHub::flush()
{
    m_flushScheduled = false;
    const qint64 newEntities = std::exchange(m_newEntitiesPending, 0);
    QList<StoredBlock> writes = std::exchange(m_pendingWrites, {});
    QList<Reply> replies = std::exchange(m_pendingReplies, {});
    QList<FanOut> fanOuts = std::exchange(m_pendingFanOuts, {});

    if (!writes.isEmpty()) {
        QElapsedTimer commitTime;
        commitTime.start();
        auto written = m_store.write(writes);
        if (m_metrics)
            m_metrics->observeCommit(double(commitTime.nsecsElapsed()) / 1e9);
        if (written) {
            m_counters.blocksStored += quint64(writes.size());
            QHash<QString, QPair<int, QString>> perEntity; // count, last writer
            for (const StoredBlock &block : writes) {
                auto &entry = perEntity[block.entityId];
                ++entry.first;
                entry.second = block.fromDid;
            }
            if (m_storedEntities >= 0)
                m_storedEntities += newEntities;
            for (auto it = perEntity.cbegin(); it != perEntity.cend(); ++it)
                Q_EMIT blocksStored(it.key(), it.value().first, it.value().second);
        } else {
            // Nothing was stored, so nothing may be sent, and the extents forget the blocks:
            // a peer sending them again must see them stored.
            ++m_counters.storeFailures;
            if (m_metrics)
                m_metrics->countStoreFailure();
            QSet<QString> entities;
            for (const StoredBlock &block : writes)
                entities.insert(block.entityId);
            for (const QString &entityId : entities) {
                if (auto it = m_entities.find(entityId); it != m_entities.end())
                    reload(entityId, **it);
                m_log.record(QtCriticalMsg, lcStore(),
                    QStringLiteral("update not stored: %1").arg(written.error().message),
                    {{QStringLiteral("entity"), entityId}});
            }
            Q_EMIT storeFailed(written.error().message);
            fanOuts.clear();
        }
    }

    // A subscriber answered in this batch already holds every block of the batch.
    QSet<QPair<SyncSession *, QString>> answered;
    for (const Reply &reply : std::as_const(replies)) {
        if (!reply.session || !reply.session->subscriptions().contains(reply.entityId))
            continue;
        const auto it = m_entities.constFind(reply.entityId);
        if (it == m_entities.constEnd())
            continue;
        const auto beyond = blocksBeyond(reply.entityId, **it, reply.version);
        if (!beyond) {
            // Answering with less than the host holds would tell the peer it is up to date.
            ++m_counters.storeFailures;
            m_log.record(QtCriticalMsg, lcStore(),
                QStringLiteral("cannot read the document to answer a subscriber: %1")
                    .arg(beyond.error().message),
                {{QStringLiteral("entity"), reply.entityId},
                    {QStringLiteral("session"), reply.session->idString()}});
            reply.session->close(QWebSocketProtocol::CloseCodeBadOperation,
                QStringLiteral("the host cannot read the document from its storage"), true);
            continue;
        }
        const QList<const loro::ChangeBlock *> missing = beyond->missingFrom(reply.version);
        QList<QByteArrayView> views;
        views.reserve(missing.size());
        for (const loro::ChangeBlock *block : missing)
            views.append(block->bytes);
        reply.session->sendFrame(
            SyncCodec::encodeHandleUpdate(reply.entityId, loro::encodeUpdateBlob(views)));
        answered.insert({reply.session.data(), reply.entityId});
    }

    for (const FanOut &fanOut : std::as_const(fanOuts)) {
        const auto it = m_entities.constFind(fanOut.entityId);
        if (it == m_entities.constEnd())
            continue;
        QByteArray frame; // encoded once, sent to every recipient
        for (SyncSession *subscriber : std::as_const((*it)->subscribers)) {
            if (subscriber == fanOut.sender || answered.contains({subscriber, fanOut.entityId}))
                continue;
            if (frame.isEmpty()) {
                QList<QByteArrayView> views;
                views.reserve(fanOut.blocks.size());
                for (const loro::ChangeBlock &block : fanOut.blocks)
                    views.append(block.bytes);
                frame
                    = SyncCodec::encodeHandleUpdate(fanOut.entityId, loro::encodeUpdateBlob(views));
            }
            subscriber->sendFrame(frame);
        }
    }
}

void EntityHub::dropEntity(const QString &entityId)
{
    flush();
    m_entities.remove(entityId);
}

void EntityHub::releaseIdleEntities(bool all)
{
    if (m_flushScheduled)
        return; // admitted blocks are in the coverage but not yet in the store
    const qint64 cutoff = QDateTime::currentMSecsSinceEpoch() - m_idleMs;
    for (auto it = m_entities.begin(); it != m_entities.end();) {
        const Entity &state = **it;
        if (state.subscribers.isEmpty() && (all || state.lastUsedMs <= cutoff))
            it = m_entities.erase(it);
        else
            ++it;
    }
}

} // namespace canopy
