#include "admin/AdminService.h"

#include "auth/BanList.h"
#include "auth/DidResolver.h"
#include "config/ConfigLoader.h"
#include "log/LogCategories.h"
#include "log/Metrics.h"
#include "loro/BlockIndex.h"
#include "loro/LoroBlob.h"
#include "store/BlockStore.h"
#include "sync/EntityHub.h"
#include "sync/EntityId.h"
#include "sync/SessionRegistry.h"
#include "sync/SyncSession.h"
#include "util/ProcessMemory.h"

namespace canopy {
namespace {

AdminError storeError(const StoreError &error)
{
    return AdminError {AdminError::Code::Unavailable, error.message};
}

DocumentInfo infoOf(const EntitySummary &summary, qint64 subscribers)
{
    DocumentInfo info;
    info.entityId = summary.entityId;
    info.blocks = summary.blocks;
    info.bytes = summary.bytes;
    info.peers = summary.peers;
    info.subscribers = subscribers;
    info.updatedAt = QDateTime::fromMSecsSinceEpoch(summary.updatedAtMs, Qt::UTC);
    info.lastWriter = summary.lastWriter;
    return info;
}

} // namespace

int AdminError::httpStatus() const
{
    switch (code) {
    case Code::NotFound:
        return 404;
    case Code::Conflict:
        return 409;
    case Code::BadRequest:
        return 400;
    case Code::Unavailable:
        return 503;
    }
    return 500;
}

QString AdminError::name() const
{
    switch (code) {
    case Code::NotFound:
        return QStringLiteral("NotFound");
    case Code::Conflict:
        return QStringLiteral("Conflict");
    case Code::BadRequest:
        return QStringLiteral("InvalidRequest");
    case Code::Unavailable:
        return QStringLiteral("StoreUnavailable");
    }
    return {};
}

AdminService::AdminService(Parts parts, QObject *parent)
    : QObject(parent)
    , m_parts(parts)
{
    qRegisterMetaType<canopy::SessionInfo>();
    qRegisterMetaType<canopy::TrafficFrame>();
    qRegisterMetaType<canopy::LogEntry>();

    connect(m_parts.sessions, &SessionRegistry::sessionOpened, this, [this](SyncSession *session) {
        watchSession(session);
        Q_EMIT sessionOpened(infoOf(session));
    });
    connect(m_parts.sessions, &SessionRegistry::sessionClosed, this,
        [this](SyncSession *session) { Q_EMIT sessionClosed(session->idString()); });
    for (SyncSession *session : m_parts.sessions->sessions())
        watchSession(session);

    connect(m_parts.hub, &EntityHub::blocksStored, this,
        [this](
            const QString &entityId, int, const QString &) { Q_EMIT documentChanged(entityId); });
    connect(m_parts.tokens, &TokenIssuer::tokenIssued, this, &AdminService::tokensChanged);
    connect(m_parts.tokens, &TokenIssuer::tokenUsed, this, &AdminService::tokensChanged);
    connect(m_parts.tokens, &TokenIssuer::tokenRevoked, this, &AdminService::tokensChanged);
    connect(m_parts.bans, &BanList::banned, this, &AdminService::bansChanged);
    connect(m_parts.bans, &BanList::unbanned, this, &AdminService::bansChanged);
    connect(m_parts.log, &EventLog::entryAdded, this, &AdminService::logEntryAdded);
}

void AdminService::watchSession(SyncSession *session)
{
    auto capture = [this](SyncSession *from, const QByteArray &bytes,
                       TrafficFrame::Direction direction, bool text) {
        if (!m_capture)
            return;
        TrafficFrame frame;
        frame.seq = ++m_frameSeq;
        frame.time = QDateTime::currentDateTimeUtc();
        frame.direction = direction;
        frame.sessionId = from->idString();
        frame.did = from->did();
        frame.text = text;
        frame.bytes = bytes;
        Q_EMIT frameCaptured(frame);
    };
    connect(session, &SyncSession::frameReceived, this,
        [capture](SyncSession *from, const QByteArray &bytes) {
            capture(from, bytes, TrafficFrame::Direction::In, false);
        });
    connect(session, &SyncSession::frameSent, this,
        [capture](SyncSession *from, const QByteArray &bytes) {
            capture(from, bytes, TrafficFrame::Direction::Out, false);
        });
    connect(session, &SyncSession::textFrameReceived, this,
        [capture](SyncSession *from, const QString &text) {
            capture(from, text.toUtf8(), TrafficFrame::Direction::In, true);
        });
}

SessionInfo AdminService::infoOf(const SyncSession *session) const
{
    SessionInfo info;
    info.id = session->idString();
    info.did = session->did();
    info.handle = m_parts.resolver ? m_parts.resolver->cachedHandle(session->did()) : QString();
    info.remote = session->remoteAddress().toString();
    info.connectedAt = session->connectedAt();
    info.subscriptions = session->subscriptions().values();
    info.subscriptions.sort();
    const SessionTraffic &traffic = session->traffic();
    info.framesIn = traffic.framesIn;
    info.framesOut = traffic.framesOut;
    info.bytesIn = traffic.bytesIn;
    info.bytesOut = traffic.bytesOut;
    return info;
}

QList<SessionInfo> AdminService::sessions() const
{
    QList<SyncSession *> all = m_parts.sessions->sessions();
    std::sort(all.begin(), all.end(),
        [](const SyncSession *a, const SyncSession *b) { return a->id() < b->id(); });
    QList<SessionInfo> out;
    out.reserve(all.size());
    for (const SyncSession *session : std::as_const(all))
        out.append(infoOf(session));
    return out;
}

std::optional<SessionInfo> AdminService::session(const QString &id) const
{
    if (const SyncSession *session = m_parts.sessions->find(id))
        return infoOf(session);
    return std::nullopt;
}

Expected<void, AdminError> AdminService::revokeSession(const QString &id)
{
    SyncSession *session = m_parts.sessions->find(id);
    if (!session)
        return unexpected(
            AdminError {AdminError::Code::NotFound, QStringLiteral("no session %1").arg(id)});
    m_parts.log->record(QtInfoMsg, lcSync(), QStringLiteral("session revoked by operator"),
        {{QStringLiteral("session"), id}, {QStringLiteral("did"), session->did()}});
    session->close(QWebSocketProtocol::CloseCode(RevokedCloseCode),
        QStringLiteral("revoked by operator"), true);
    return {};
}

Expected<QList<DocumentInfo>, AdminError> AdminService::documents() const
{
    m_parts.hub->flush(); // what the operator sees is what is stored
    auto summaries = m_parts.store->summaries();
    if (!summaries)
        return unexpected(storeError(summaries.error()));
    QList<DocumentInfo> out;
    out.reserve(summaries->size());
    for (const EntitySummary &summary : std::as_const(*summaries))
        out.append(canopy::infoOf(summary, m_parts.hub->subscriberCount(summary.entityId)));
    return out;
}

Expected<DocumentDetail, AdminError> AdminService::document(const QString &entityId) const
{
    if (!EntityId::isValid(entityId)) {
        return unexpected(AdminError {AdminError::Code::BadRequest,
            QStringLiteral("'%1' is not a Leaf EntityId").arg(entityId.left(80))});
    }
    m_parts.hub->flush();
    auto summaries = m_parts.store->summaries(entityId);
    if (!summaries)
        return unexpected(storeError(summaries.error()));
    if (summaries->isEmpty())
        return unexpected(AdminError {
            AdminError::Code::NotFound, QStringLiteral("no document %1").arg(entityId)});
    auto blocks = m_parts.store->loadEntity(entityId);
    if (!blocks)
        return unexpected(storeError(blocks.error()));
    DocumentDetail detail;
    detail.info = canopy::infoOf(summaries->front(), m_parts.hub->subscriberCount(entityId));
    for (const StoredBlock &stored : std::as_const(*blocks)) {
        BlockInfo block;
        block.peer = stored.block.peer;
        block.counterStart = stored.block.counterStart;
        block.counterEnd = stored.block.counterEnd;
        block.lamportStart = stored.block.lamportStart;
        block.lamportEnd = stored.block.lamportEnd;
        block.changes = stored.block.changeCount;
        block.size = stored.block.bytes.size();
        block.receivedAt = QDateTime::fromMSecsSinceEpoch(stored.receivedAtMs, Qt::UTC);
        block.fromDid = stored.fromDid;
        detail.blocks.append(block);
    }
    std::stable_sort(detail.blocks.begin(), detail.blocks.end(),
        [](const BlockInfo &a, const BlockInfo &b) { return a.receivedAt < b.receivedAt; });
    return detail;
}

Expected<QByteArray, AdminError> AdminService::exportDocument(const QString &entityId) const
{
    if (!EntityId::isValid(entityId)) {
        return unexpected(AdminError {AdminError::Code::BadRequest,
            QStringLiteral("'%1' is not a Leaf EntityId").arg(entityId.left(80))});
    }
    m_parts.hub->flush();
    auto blocks = m_parts.store->loadEntity(entityId);
    if (!blocks)
        return unexpected(storeError(blocks.error()));
    if (blocks->isEmpty())
        return unexpected(AdminError {
            AdminError::Code::NotFound, QStringLiteral("no document %1").arg(entityId)});
    // The fewest blocks that hold the whole history, as one update blob.
    loro::BlockIndex index;
    for (const StoredBlock &stored : std::as_const(*blocks))
        index.insert(stored.block);
    QList<QByteArrayView> views;
    for (const loro::ChangeBlock *block : index.missingFrom({}))
        views.append(block->bytes);
    return loro::encodeUpdateBlob(views);
}

Expected<void, AdminError> AdminService::deleteDocument(const QString &entityId)
{
    if (!EntityId::isValid(entityId)) {
        return unexpected(AdminError {AdminError::Code::BadRequest,
            QStringLiteral("'%1' is not a Leaf EntityId").arg(entityId.left(80))});
    }
    if (const qsizetype subscribers = m_parts.hub->subscriberCount(entityId); subscribers > 0) {
        return unexpected(AdminError {AdminError::Code::Conflict,
            QStringLiteral("%1 has %2 subscriber(s); revoke them first")
                .arg(entityId)
                .arg(subscribers)});
    }
    m_parts.hub->dropEntity(entityId);
    auto deleted = m_parts.store->deleteEntity(entityId);
    m_parts.hub->forgetEntityCount();
    if (!deleted)
        return unexpected(storeError(deleted.error()));
    if (!*deleted)
        return unexpected(AdminError {
            AdminError::Code::NotFound, QStringLiteral("no document %1").arg(entityId)});
    m_parts.log->record(QtInfoMsg, lcStore(), QStringLiteral("document deleted by operator"),
        {{QStringLiteral("entity"), entityId}});
    Q_EMIT documentChanged(entityId);
    return {};
}

Expected<QList<TokenRecord>, AdminError> AdminService::tokens() const
{
    auto history = m_parts.tokens->history();
    if (!history)
        return unexpected(storeError(history.error()));
    return *history;
}

Expected<void, AdminError> AdminService::revokeToken(qint64 id)
{
    if (!m_parts.tokens->revoke(id)) {
        return unexpected(AdminError {
            AdminError::Code::NotFound, QStringLiteral("no unrevoked token %1").arg(id)});
    }
    return {};
}

Expected<IssuedToken, AdminError> AdminService::issueToken(const QString &did)
{
    if (!ConfigLoader::isValidDid(did)) {
        return unexpected(AdminError {
            AdminError::Code::BadRequest, QStringLiteral("'%1' is not a DID").arg(did.left(80))});
    }
    auto issued = m_parts.tokens->issue(did);
    if (!issued)
        return unexpected(storeError(issued.error()));
    if (m_parts.metrics)
        m_parts.metrics->countTokenIssued();
    return *issued;
}

Expected<QList<BanInfo>, AdminError> AdminService::bans() const
{
    QList<BanInfo> all = m_parts.bans->all();
    std::sort(all.begin(), all.end(),
        [](const BanInfo &a, const BanInfo &b) { return a.since < b.since; });
    return all;
}

Expected<BanInfo, AdminError> AdminService::ban(
    const QString &did, const QString &reason, const QDateTime &until)
{
    if (!ConfigLoader::isValidDid(did))
        return unexpected(AdminError {
            AdminError::Code::BadRequest, QStringLiteral("'%1' is not a DID").arg(did.left(80))});
    auto banned = m_parts.bans->ban(did, reason, until);
    if (!banned)
        return unexpected(storeError(banned.error()));
    int closed = 0;
    if (banned->isActive(QDateTime::currentDateTimeUtc())) {
        closed = m_parts.sessions->closeDid(did, QWebSocketProtocol::CloseCode(RevokedCloseCode),
            QStringLiteral("banned by operator"));
    }
    m_parts.log->record(QtInfoMsg, lcAuth(), QStringLiteral("DID banned by operator"),
        {{QStringLiteral("did"), did}, {QStringLiteral("reason"), reason},
            {QStringLiteral("until"),
                until.isValid() ? until.toUTC().toString(Qt::ISODate) : QString()},
            {QStringLiteral("sessions"), QString::number(closed)}});
    return *banned;
}

Expected<void, AdminError> AdminService::unban(const QString &did)
{
    if (!ConfigLoader::isValidDid(did)) {
        return unexpected(AdminError {
            AdminError::Code::BadRequest, QStringLiteral("'%1' is not a DID").arg(did.left(80))});
    }
    auto lifted = m_parts.bans->unban(did);
    if (!lifted)
        return unexpected(storeError(lifted.error()));
    if (!*lifted)
        return unexpected(
            AdminError {AdminError::Code::NotFound, QStringLiteral("%1 is not banned").arg(did)});
    m_parts.log->record(QtInfoMsg, lcAuth(), QStringLiteral("ban lifted by operator"),
        {{QStringLiteral("did"), did}});
    return {};
}

QList<LogEntry> AdminService::log(const LogQuery &query) const
{
    const int minimum = query.level.isEmpty() ? 0 : EventLog::levelRank(query.level);
    QList<LogEntry> out;
    for (const LogEntry &entry : m_parts.log->entries()) {
        if (entry.seq <= query.since)
            continue;
        if (EventLog::levelRank(EventLog::levelName(entry.level)) < minimum)
            continue;
        if (!query.category.isEmpty() && entry.category != query.category)
            continue;
        if (!query.did.isEmpty()) {
            const bool match
                = std::any_of(entry.fields.cbegin(), entry.fields.cend(), [&](const auto &field) {
                      return field.first == u"did" && field.second == query.did;
                  });
            if (!match)
                continue;
        }
        out.append(entry);
    }
    if (query.limit > 0 && out.size() > query.limit)
        out = out.mid(out.size() - query.limit);
    return out;
}

QString AdminService::metricsText() const
{
    QString out = m_parts.metrics ? m_parts.metrics->render() : QString();
    out += QStringLiteral(
        "# HELP canopy_connections Open sync sessions.\n# TYPE canopy_connections gauge\n"
        "canopy_connections %1\n")
               .arg(m_parts.sessions->count());
    qint64 documents = 0;
    if (auto count = m_parts.store->entityCount())
        documents = *count;
    out += QStringLiteral(
        "# HELP canopy_documents Stored documents.\n# TYPE canopy_documents gauge\n"
        "canopy_documents %1\n")
               .arg(documents);
    if (m_parts.resolver) {
        out += QStringLiteral(
            "# HELP canopy_did_cache_hits_total DID lookups answered from the cache.\n"
            "# TYPE canopy_did_cache_hits_total counter\ncanopy_did_cache_hits_total %1\n"
            "# HELP canopy_did_cache_misses_total DID lookups that needed the network.\n"
            "# TYPE canopy_did_cache_misses_total counter\ncanopy_did_cache_misses_total %2\n")
                   .arg(m_parts.resolver->cacheHits())
                   .arg(m_parts.resolver->cacheMisses());
    }
    const HubCounters &hub = m_parts.hub->counters();
    out += QStringLiteral("# HELP canopy_bad_frames_total Frames dropped as invalid, by reason.\n"
                          "# TYPE canopy_bad_frames_total counter\n");
    QStringList reasons = hub.badFrames.keys();
    std::sort(reasons.begin(), reasons.end());
    for (const QString &reason : std::as_const(reasons))
        out += QStringLiteral("canopy_bad_frames_total{reason=\"%1\"} %2\n")
                   .arg(reason)
                   .arg(hub.badFrames.value(reason));
    out += QStringLiteral(
        "# HELP canopy_blocks_stored_total Loro change blocks stored.\n"
        "# TYPE canopy_blocks_stored_total counter\ncanopy_blocks_stored_total %1\n"
        "# HELP canopy_duplicate_blocks_total Blocks received that were already stored.\n"
        "# TYPE canopy_duplicate_blocks_total counter\ncanopy_duplicate_blocks_total %2\n")
               .arg(hub.blocksStored)
               .arg(hub.duplicateBlocks);
    const ProcessMemory memory = ProcessMemory::read();
    if (memory.residentBytes >= 0) {
        out += QStringLiteral(
            "# HELP process_resident_memory_bytes Resident memory size in bytes.\n"
            "# TYPE process_resident_memory_bytes gauge\nprocess_resident_memory_bytes %1\n")
                   .arg(memory.residentBytes);
    }
    if (memory.heapInUseBytes >= 0) {
        out += QStringLiteral(
            "# HELP canopy_heap_in_use_bytes Heap bytes the host holds live (malloc).\n"
            "# TYPE canopy_heap_in_use_bytes gauge\ncanopy_heap_in_use_bytes %1\n")
                   .arg(memory.heapInUseBytes);
    }
    return out;
}

void AdminService::setTrafficCapture(bool on)
{
    m_capture = on;
}

} // namespace canopy
