#include "admin/AdminService.h"

#include "access/AccessControl.h"
#include "access/AccessRules.h"
#include "auth/BanList.h"
#include "auth/DidResolver.h"
#include "backup/BackupScheduler.h"
#include "crdt/DocumentEngine.h"
#include "crdt/yjs/StateVector.h"
#include "log/LogCategories.h"
#include "log/Metrics.h"
#include "protocol/sync1/EntityId.h"
#include "store/UnitStore.h"
#include "sync/DocumentHub.h"
#include "sync/SessionRegistry.h"
#include "util/Did.h"
#include "util/ProcessMemory.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QSet>

namespace canopy {
namespace {

AdminError storeError(const StoreError &error)
{
    return AdminError {AdminError::Code::Unavailable, error.message};
}

// Every DID the operator names is compared in its one canonical spelling (util/Did.h).
Expected<QString, AdminError> canonicalDid(const QString &given)
{
    auto did = Did::canonical(given);
    if (!did) {
        return unexpected(AdminError {AdminError::Code::BadRequest,
            u'\'' + given.left(80) + QStringLiteral("' is not a DID: ") + did.error()});
    }
    return *did;
}

AdminError badRequest(const QString &message)
{
    return AdminError {AdminError::Code::BadRequest, message};
}

AdminError accessError(const AccessError &error)
{
    switch (error.code) {
    case AccessError::Code::BadRequest:
        return AdminError {AdminError::Code::BadRequest, error.message};
    case AccessError::Code::NotFound:
        return AdminError {AdminError::Code::NotFound, error.message};
    case AccessError::Code::Conflict:
        return AdminError {AdminError::Code::Conflict, error.message};
    case AccessError::Code::Store:
        break;
    }
    return AdminError {AdminError::Code::Unavailable, error.message};
}

AdminError noAccessControl()
{
    return AdminError {
        AdminError::Code::Unavailable, QStringLiteral("access control is not running")};
}

// An identity as the rules compare it: a canonical DID or "key:<name>" with a valid name.
// `field` names where it came from in the request.
Expected<QString, AdminError> canonicalIdentity(const QString &given, const QString &field)
{
    if (const auto name = AccessRules::keyNameOf(given)) {
        if (!AccessRules::isValidKeyName(*name)) {
            return unexpected(badRequest(u'\'' + field
                + QStringLiteral("' must be a DID or key:<name> with a name of 1-64 characters "
                                 "of A-Z a-z 0-9 . _ - ('%1' is not)")
                      .arg(given.left(80))));
        }
        return given;
    }
    auto did = Did::canonical(given);
    if (!did) {
        return unexpected(badRequest(u'\'' + field
            + QStringLiteral("' must be a DID or key:<name>; '%1' is not a DID: ")
                  .arg(given.left(80))
            + did.error()));
    }
    return *did;
}

Expected<void, AdminError> checkDocumentId(const QString &document)
{
    if (document.isEmpty() || document.toUtf8().size() > 128)
        return unexpected(
            badRequest(QStringLiteral("'document' must be an id of 1 to 128 bytes of UTF-8")));
    return {};
}

QString json(const QJsonObject &object)
{
    return QString::fromUtf8(QJsonDocument(object).toJson(QJsonDocument::Compact));
}

QString iso(const QDateTime &time)
{
    return time.isValid() ? time.toUTC().toString(Qt::ISODateWithMs) : QString();
}

QJsonObject memberJson(const Member &member)
{
    return QJsonObject {{QStringLiteral("did"), member.did}, {QStringLiteral("note"), member.note}};
}

QJsonObject accessJson(const DocumentAccess &access)
{
    QJsonArray grants;
    for (const DocumentGrant &grant : access.grants) {
        grants.append(QJsonObject {{QStringLiteral("identity"), grant.identity},
            {QStringLiteral("permission"), permissionName(grant.permission)}});
    }
    return QJsonObject {{QStringLiteral("owner"), access.owner},
        {QStringLiteral("default"), permissionName(access.defaultAccess)},
        {QStringLiteral("grants"), grants}};
}

// A key as the event log shows it: never its value.
QJsonObject keyJson(const AccessKey &key)
{
    return QJsonObject {{QStringLiteral("name"), key.name}, {QStringLiteral("scope"), key.scope},
        {QStringLiteral("permission"), permissionName(key.permission)},
        {QStringLiteral("expiresAt"),
            key.expiresAt.isValid() ? QJsonValue(iso(key.expiresAt)) : QJsonValue()}};
}

DocumentAccessInfo accessInfo(const DocumentAccess &access)
{
    DocumentAccessInfo info;
    info.owner = access.owner;
    info.defaultAccess = permissionName(access.defaultAccess);
    for (const DocumentGrant &grant : access.grants)
        info.grants.append(GrantInfo {grant.identity, permissionName(grant.permission)});
    return info;
}

DocumentInfo infoOf(const DocumentSummary &summary, qint64 subscribers)
{
    DocumentInfo info;
    info.entityId = summary.key.name;
    info.kind = summary.key.kind;
    info.blocks = summary.units;
    info.bytes = summary.bytes;
    info.peers = summary.peers;
    info.subscribers = subscribers;
    info.updatedAt = QDateTime::fromMSecsSinceEpoch(summary.updatedAtMs, Qt::UTC);
    info.lastWriter = summary.lastWriter;
    return info;
}

// A Yjs document's clients and state vector, as its engine's index computes them over the stored
// units (identities only: no update is read): the same version a joiner is answered with. A
// delete-set unit (empty peer) is no client.
void addYjsVersion(DocumentInfo &info, UnitStore &store, const crdt::DocumentEngine &engine,
    const DocumentKey &key)
{
    auto stored = store.load(key, engine.loadsData());
    if (!stored)
        return;
    auto index = engine.createIndex();
    QSet<QByteArray> clients;
    for (const StoredUnit &unit : std::as_const(*stored)) {
        index->addStored(
            crdt::Unit {unit.peer, unit.start, unit.end, unit.meta, unit.data}, unit.size);
        if (!unit.peer.isEmpty())
            clients.insert(unit.peer);
    }
    info.peers = clients.size();
    auto vector = yjs::decodeStateVector(index->version());
    if (!vector)
        return;
    for (const auto &[client, clock] : *vector)
        info.stateVector.append(ClientClock {client, clock});
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
    case Code::BackupFailed:
        return 500;
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
    case Code::BackupFailed:
        return QStringLiteral("BackupFailed");
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

    connect(m_parts.sessions, &SessionRegistry::sessionOpened, this, [this](PeerSession *session) {
        watchSession(session);
        Q_EMIT sessionOpened(infoOf(session));
    });
    connect(m_parts.sessions, &SessionRegistry::sessionClosed, this,
        [this](PeerSession *session) { Q_EMIT sessionClosed(session->idString()); });
    for (PeerSession *session : m_parts.sessions->sessions())
        watchSession(session);

    connect(m_parts.hub, &DocumentHub::unitsStored, this,
        [this](const DocumentKey &key, int, const QString &) { Q_EMIT documentChanged(key.name); });
    connect(m_parts.hub, &DocumentHub::heldUnitsChanged, this,
        [this](const DocumentKey &key) { Q_EMIT presenceChanged(key.kind, key.name); });
    connect(m_parts.tokens, &TokenIssuer::tokenIssued, this, &AdminService::tokensChanged);
    connect(m_parts.tokens, &TokenIssuer::tokenUsed, this, &AdminService::tokensChanged);
    connect(m_parts.tokens, &TokenIssuer::tokenRevoked, this, &AdminService::tokensChanged);
    connect(m_parts.bans, &BanList::banned, this, &AdminService::bansChanged);
    connect(m_parts.bans, &BanList::unbanned, this, &AdminService::bansChanged);
    connect(m_parts.log, &EventLog::entryAdded, this, &AdminService::logEntryAdded);
    if (m_parts.access) {
        connect(
            m_parts.access, &AccessControl::membersChanged, this, &AdminService::membersChanged);
        connect(
            m_parts.access, &AccessControl::keysChanged, this, &AdminService::accessKeysChanged);
        connect(m_parts.access, &AccessControl::accessChanged, this,
            &AdminService::documentAccessChanged);
    }
}

void AdminService::watchSession(PeerSession *session)
{
    connect(session, &PeerSession::roomsChanged, this,
        [this](PeerSession *changed) { Q_EMIT sessionChanged(changed->idString()); });
    connect(session, &PeerSession::authenticated, this,
        [this](PeerSession *changed) { Q_EMIT sessionChanged(changed->idString()); });
    auto capture = [this](PeerSession *from, const QByteArray &bytes,
                       TrafficFrame::Direction direction, bool text) {
        if (!m_capture)
            return;
        TrafficFrame frame;
        frame.seq = ++m_frameSeq;
        frame.time = QDateTime::currentDateTimeUtc();
        frame.direction = direction;
        frame.sessionId = from->idString();
        frame.did = from->did();
        frame.protocol = from->protocolName();
        if (frame.protocol == u"y-websocket") {
            // One room per socket, named by the upgrade's path only.
            const QList<SessionRoom> rooms = from->rooms();
            if (!rooms.isEmpty())
                frame.room = rooms.constFirst().id;
        }
        frame.text = text;
        frame.bytes = bytes;
        Q_EMIT frameCaptured(frame);
    };
    connect(session, &PeerSession::frameReceived, this,
        [capture](PeerSession *from, const QByteArray &bytes) {
            capture(from, bytes, TrafficFrame::Direction::In, false);
        });
    connect(session, &PeerSession::frameSent, this,
        [capture](PeerSession *from, const QByteArray &bytes) {
            capture(from, bytes, TrafficFrame::Direction::Out, false);
        });
    connect(session, &PeerSession::textFrameReceived, this,
        [capture](PeerSession *from, const QString &text) {
            capture(from, text.toUtf8(), TrafficFrame::Direction::In, true);
        });
    connect(session, &PeerSession::textFrameSent, this,
        [capture](PeerSession *from, const QString &text) {
            capture(from, text.toUtf8(), TrafficFrame::Direction::Out, true);
        });
}

SessionInfo AdminService::infoOf(const PeerSession *session) const
{
    SessionInfo info;
    info.id = session->idString();
    info.protocol = session->protocolName();
    info.authenticated = session->isAuthenticated();
    info.did = session->did();
    info.handle = m_parts.resolver ? m_parts.resolver->cachedHandle(session->did()) : QString();
    info.remote = session->remoteAddress().toString();
    info.connectedAt = session->connectedAt();
    for (const SessionRoom &room : session->rooms()) {
        info.rooms.append(RoomInfo {room.id, room.kind, room.permission});
        if (info.protocol == u"sync1")
            info.subscriptions.append(room.id);
    }
    info.subscriptions.sort();
    std::sort(info.rooms.begin(), info.rooms.end(), [](const RoomInfo &a, const RoomInfo &b) {
        return a.kind != b.kind ? a.kind < b.kind : a.id < b.id;
    });
    const SessionTraffic &traffic = session->traffic();
    info.framesIn = traffic.framesIn;
    info.framesOut = traffic.framesOut;
    info.bytesIn = traffic.bytesIn;
    info.bytesOut = traffic.bytesOut;
    return info;
}

QList<SessionInfo> AdminService::sessions() const
{
    QList<PeerSession *> all = m_parts.sessions->sessions();
    std::sort(all.begin(), all.end(),
        [](const PeerSession *a, const PeerSession *b) { return a->id() < b->id(); });
    QList<SessionInfo> out;
    out.reserve(all.size());
    for (const PeerSession *session : std::as_const(all))
        out.append(infoOf(session));
    return out;
}

std::optional<SessionInfo> AdminService::session(const QString &id) const
{
    if (const PeerSession *session = m_parts.sessions->find(id))
        return infoOf(session);
    return std::nullopt;
}

Expected<void, AdminError> AdminService::revokeSession(const QString &id)
{
    PeerSession *session = m_parts.sessions->find(id);
    if (!session)
        return unexpected(
            AdminError {AdminError::Code::NotFound, QStringLiteral("no session %1").arg(id)});
    m_parts.log->record(QtInfoMsg, lcSync(), QStringLiteral("session revoked by operator"),
        {{QStringLiteral("session"), id}, {QStringLiteral("did"), session->did()}});
    session->evict(QStringLiteral("revoked by operator"));
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
    for (const DocumentSummary &summary : std::as_const(*summaries)) {
        out.append(canopy::infoOf(summary, m_parts.hub->memberCount(summary.key)));
        describeKind(out.last());
    }
    return out;
}

void AdminService::describeKind(DocumentInfo &info) const
{
    // Compaction keeps a Yjs document's units few, so this stays cheap per listing.
    if (info.kind != u"yjs")
        return;
    if (const crdt::DocumentEngine *engine = m_parts.hub->engine(info.kind))
        addYjsVersion(info, *m_parts.store, *engine, DocumentKey {info.kind, info.entityId});
}

Expected<DocumentKey, AdminError> AdminService::resolve(
    const QString &name, const QString &kind) const
{
    // Loro rooms take 128 bytes, Yjs rooms (y-websocket, Hocuspocus) 256.
    if (name.isEmpty() || name.toUtf8().size() > 256) {
        return unexpected(AdminError {AdminError::Code::BadRequest,
            QStringLiteral("a document name is 1 to 256 bytes of UTF-8")});
    }
    if (!kind.isEmpty() && !m_parts.hub->engine(kind)) {
        return unexpected(AdminError {AdminError::Code::BadRequest,
            QStringLiteral("'%1' is not a document kind (%2)")
                .arg(kind.left(20), m_parts.hub->kinds().join(QStringLiteral(", ")))});
    }
    m_parts.hub->flush();
    auto found = kind.isEmpty() ? m_parts.store->summaries(name)
                                : m_parts.store->summaries(DocumentKey {kind, name});
    if (!found)
        return unexpected(storeError(found.error()));
    if (found->isEmpty()) {
        // Every room id names a document, but one that is neither stored nor an EntityId is
        // most likely a mistyped EntityId.
        if (!kind.isEmpty() || EntityId::isValid(name))
            return unexpected(AdminError {
                AdminError::Code::NotFound, QStringLiteral("no document %1").arg(name.left(128))});
        return unexpected(AdminError {AdminError::Code::BadRequest,
            QStringLiteral("no document is named '%1', and it is not a Leaf EntityId")
                .arg(name.left(80))});
    }
    if (found->size() == 1)
        return found->front().key;
    QStringList kinds;
    for (const DocumentSummary &summary : std::as_const(*found)) {
        if (summary.key.kind == u"loro")
            return summary.key; // what Sync1 clients and existing callers mean
        kinds.append(summary.key.kind);
    }
    return unexpected(AdminError {AdminError::Code::Conflict,
        QStringLiteral("documents of kinds %1 are named %2; add ?kind=")
            .arg(kinds.join(QStringLiteral(", ")), name.left(80))});
}

Expected<DocumentDetail, AdminError> AdminService::document(
    const QString &name, const QString &kind) const
{
    auto key = resolve(name, kind);
    if (!key)
        return unexpected(key.error());
    auto summaries = m_parts.store->summaries(*key);
    if (!summaries)
        return unexpected(storeError(summaries.error()));
    if (summaries->isEmpty())
        return unexpected(
            AdminError {AdminError::Code::NotFound, QStringLiteral("no document %1").arg(name)});
    auto units = m_parts.store->load(*key, true);
    if (!units)
        return unexpected(storeError(units.error()));
    const crdt::DocumentEngine *engine = m_parts.hub->engine(key->kind);
    DocumentDetail detail;
    detail.info = canopy::infoOf(summaries->front(), m_parts.hub->memberCount(*key));
    describeKind(detail.info);
    for (const StoredUnit &stored : std::as_const(*units)) {
        crdt::Unit unit {stored.peer, stored.start, stored.end, stored.meta, stored.data};
        const crdt::UnitDescription described = engine->describe(unit);
        BlockInfo block;
        block.peer = described.peer;
        block.counterStart = described.start;
        block.counterEnd = described.end;
        block.lamportStart = described.lamportStart;
        block.lamportEnd = described.lamportEnd;
        block.changes = described.changes;
        block.detail = described.detail;
        block.size = stored.size;
        block.receivedAt = QDateTime::fromMSecsSinceEpoch(stored.receivedAtMs, Qt::UTC);
        block.fromDid = stored.fromDid;
        detail.blocks.append(block);
    }
    std::stable_sort(detail.blocks.begin(), detail.blocks.end(),
        [](const BlockInfo &a, const BlockInfo &b) { return a.receivedAt < b.receivedAt; });
    return detail;
}

Expected<DocumentExport, AdminError> AdminService::exportDocument(
    const QString &name, const QString &kind) const
{
    auto key = resolve(name, kind);
    if (!key)
        return unexpected(key.error());
    auto stored = m_parts.store->load(*key, true);
    if (!stored)
        return unexpected(storeError(stored.error()));
    if (stored->isEmpty())
        return unexpected(
            AdminError {AdminError::Code::NotFound, QStringLiteral("no document %1").arg(name)});
    // What a fresh joiner would receive: the whole document, as few units as hold it.
    const crdt::DocumentEngine *engine = m_parts.hub->engine(key->kind);
    auto index = engine->createIndex();
    QList<crdt::Unit> units;
    units.reserve(stored->size());
    for (const StoredUnit &unit : std::as_const(*stored)) {
        units.append(crdt::Unit {unit.peer, unit.start, unit.end, unit.meta, unit.data});
        index->addStored(units.constLast(), unit.size);
    }
    DocumentExport out;
    out.kind = key->kind;
    out.payloads = index->exportAll(std::move(units));
    QString base = key->name;
    if (EntityId::isValid(base))
        base = base.mid(5);
    base.replace(QRegularExpression(QStringLiteral("[^A-Za-z0-9._-]")), QStringLiteral("_"));
    out.fileName = base + u'.' + key->kind;
    return out;
}

Expected<void, AdminError> AdminService::deleteDocument(const QString &name, const QString &kind)
{
    auto key = resolve(name, kind);
    if (!key)
        return unexpected(key.error());
    if (const qsizetype members = m_parts.hub->memberCount(*key); members > 0) {
        return unexpected(AdminError {AdminError::Code::Conflict,
            QStringLiteral("%1 has %2 subscriber(s); revoke them first")
                .arg(name, QString::number(members))});
    }
    m_parts.hub->dropDocument(*key);
    auto deleted = m_parts.store->deleteDocument(*key);
    m_parts.hub->forgetDocumentCount();
    if (!deleted)
        return unexpected(storeError(deleted.error()));
    if (!*deleted)
        return unexpected(
            AdminError {AdminError::Code::NotFound, QStringLiteral("no document %1").arg(name)});
    m_parts.log->record(QtInfoMsg, lcStore(), QStringLiteral("document deleted by operator"),
        {{QStringLiteral("entity"), key->name}, {QStringLiteral("kind"), key->kind}});
    Q_EMIT documentChanged(key->name);
    return {};
}

QList<BlockInfo> AdminService::presence(const QString &name, const QString &kind) const
{
    QList<BlockInfo> out;
    for (const crdt::UnitDescription &entry : m_parts.hub->heldUnits(DocumentKey {kind, name})) {
        BlockInfo info;
        info.peer = entry.peer;
        info.detail = entry.detail;
        info.timestampMs = entry.timestampMs;
        out.append(info);
    }
    return out;
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

Expected<IssuedToken, AdminError> AdminService::issueToken(const QString &given)
{
    auto canonical = canonicalDid(given);
    if (!canonical)
        return unexpected(canonical.error());
    const QString &did = *canonical;
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
    const QString &given, const QString &reason, const QDateTime &until)
{
    auto canonical = canonicalDid(given);
    if (!canonical)
        return unexpected(canonical.error());
    const QString &did = *canonical;
    auto banned = m_parts.bans->ban(did, reason, until);
    if (!banned)
        return unexpected(storeError(banned.error()));
    int closed = 0;
    if (banned->isActive(QDateTime::currentDateTimeUtc())) {
        closed = m_parts.sessions->evictDid(did, QStringLiteral("banned by operator"));
    }
    m_parts.log->record(QtInfoMsg, lcAuth(), QStringLiteral("DID banned by operator"),
        {{QStringLiteral("did"), did}, {QStringLiteral("reason"), reason},
            {QStringLiteral("until"),
                until.isValid() ? until.toUTC().toString(Qt::ISODate) : QString()},
            {QStringLiteral("sessions"), QString::number(closed)}});
    return *banned;
}

Expected<void, AdminError> AdminService::unban(const QString &given)
{
    auto canonical = canonicalDid(given);
    if (!canonical)
        return unexpected(canonical.error());
    const QString &did = *canonical;
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

QString AdminService::accessMode() const
{
    if (!m_parts.access)
        return QStringLiteral("open");
    return m_parts.access->settings().mode == AccessMode::Members ? QStringLiteral("members")
                                                                  : QStringLiteral("open");
}

QString AdminService::newDocumentAccess() const
{
    return m_parts.access ? permissionName(m_parts.access->settings().documentDefault)
                          : QStringLiteral("write");
}

QList<MemberInfo> AdminService::members() const
{
    QList<MemberInfo> out;
    if (!m_parts.access)
        return out;
    for (const Member &member : m_parts.access->members()) {
        out.append(MemberInfo {member.did,
            m_parts.resolver ? m_parts.resolver->cachedHandle(member.did) : QString(), member.note,
            member.addedAt});
    }
    return out;
}

Expected<MemberInfo, AdminError> AdminService::addMember(
    const QString &given, const QString &note, const QString &actor)
{
    if (!m_parts.access)
        return unexpected(noAccessControl());
    auto canonical = Did::canonical(given);
    if (!canonical) {
        return unexpected(
            badRequest(QStringLiteral("'did' must be a DID; '%1' is not: ").arg(given.left(80))
                + canonical.error()));
    }
    const QString &did = *canonical;
    if (note.size() > 1000)
        return unexpected(badRequest(QStringLiteral("'note' must be at most 1000 characters")));
    QString beforeText;
    for (const Member &member : m_parts.access->members()) {
        if (member.did == did)
            beforeText = json(memberJson(member));
    }
    auto added = m_parts.access->addMember(did, note);
    if (!added)
        return unexpected(accessError(added.error()));
    m_parts.log->record(QtInfoMsg, lcAccess(),
        beforeText.isEmpty() ? QStringLiteral("member added")
                             : QStringLiteral("member note changed"),
        {{QStringLiteral("actor"), actor}, {QStringLiteral("target"), did},
            {QStringLiteral("did"), did}, {QStringLiteral("before"), beforeText},
            {QStringLiteral("after"), json(memberJson(*added))}});
    return MemberInfo {added->did,
        m_parts.resolver ? m_parts.resolver->cachedHandle(added->did) : QString(), added->note,
        added->addedAt};
}

Expected<void, AdminError> AdminService::removeMember(const QString &given, const QString &actor)
{
    if (!m_parts.access)
        return unexpected(noAccessControl());
    auto canonical = Did::canonical(given);
    if (!canonical) {
        return unexpected(
            badRequest(QStringLiteral("'did' must be a DID; '%1' is not: ").arg(given.left(80))
                + canonical.error()));
    }
    const QString &did = *canonical;
    QString beforeText;
    for (const Member &member : m_parts.access->members()) {
        if (member.did == did)
            beforeText = json(memberJson(member));
    }
    if (auto removed = m_parts.access->removeMember(did); !removed)
        return unexpected(accessError(removed.error()));
    m_parts.log->record(QtInfoMsg, lcAccess(), QStringLiteral("member removed"),
        {{QStringLiteral("actor"), actor}, {QStringLiteral("target"), did},
            {QStringLiteral("did"), did}, {QStringLiteral("before"), beforeText},
            {QStringLiteral("after"), QString()}});
    return {};
}

Expected<DocumentAccessInfo, AdminError> AdminService::documentAccess(const QString &document) const
{
    if (!m_parts.access)
        return unexpected(noAccessControl());
    if (auto ok = checkDocumentId(document); !ok)
        return unexpected(ok.error());
    auto access = m_parts.access->documentAccess(document);
    if (!access) {
        return unexpected(AdminError {AdminError::Code::NotFound,
            QStringLiteral("no access is recorded for %1: it has not been created (a PUT sets it "
                           "ahead)")
                .arg(document.left(128))});
    }
    return accessInfo(*access);
}

Expected<DocumentAccessInfo, AdminError> AdminService::setDocumentAccess(
    const QString &document, const DocumentAccessInfo &given, const QString &actor)
{
    if (!m_parts.access)
        return unexpected(noAccessControl());
    if (auto ok = checkDocumentId(document); !ok)
        return unexpected(ok.error());
    DocumentAccess access;
    if (!given.owner.isEmpty()) {
        auto owner = canonicalIdentity(given.owner, QStringLiteral("owner"));
        if (!owner)
            return unexpected(owner.error());
        access.owner = *owner;
    }
    const auto defaultAccess = parsePermission(given.defaultAccess);
    if (!defaultAccess)
        return unexpected(badRequest(QStringLiteral("'default' must be none, read or write")));
    access.defaultAccess = *defaultAccess;
    if (given.grants.size() > 10000)
        return unexpected(badRequest(QStringLiteral("'grants' must hold at most 10000 grants")));
    for (qsizetype i = 0; i < given.grants.size(); ++i) {
        const QString field = QStringLiteral("grants[%1]").arg(i);
        auto identity
            = canonicalIdentity(given.grants[i].identity, field + QStringLiteral(".identity"));
        if (!identity)
            return unexpected(identity.error());
        const auto permission = parsePermission(given.grants[i].permission);
        if (!permission || *permission == Permission::None)
            return unexpected(
                badRequest(u'\'' + field + QStringLiteral(".permission' must be read or write")));
        access.grants.append(DocumentGrant {*identity, *permission});
    }
    const auto before = m_parts.access->documentAccess(document);
    auto stored = m_parts.access->setDocumentAccess(document, access);
    if (!stored)
        return unexpected(accessError(stored.error()));
    m_parts.log->record(QtInfoMsg, lcAccess(), QStringLiteral("document access changed"),
        {{QStringLiteral("actor"), actor}, {QStringLiteral("target"), document},
            {QStringLiteral("entity"), document},
            {QStringLiteral("before"), before ? json(accessJson(*before)) : QString()},
            {QStringLiteral("after"), json(accessJson(*stored))}});
    return accessInfo(*stored);
}

QList<AccessKeyInfo> AdminService::accessKeys() const
{
    QList<AccessKeyInfo> out;
    if (!m_parts.access)
        return out;
    QHash<QString, int> sessions;
    for (const PeerSession *session : m_parts.sessions->sessions()) {
        if (session->did().startsWith(u"key:"))
            ++sessions[session->did()];
    }
    for (const AccessKey &key : m_parts.access->keys()) {
        out.append(AccessKeyInfo {key.name, key.scope, permissionName(key.permission),
            key.createdAt, key.expiresAt, sessions.value(AccessRules::keyIdentity(key.name))});
    }
    return out;
}

Expected<IssuedAccessKeyInfo, AdminError> AdminService::issueAccessKey(const QString &name,
    const QString &scope, const QString &permission, const QDateTime &expiresAt,
    const QString &actor)
{
    if (!m_parts.access)
        return unexpected(noAccessControl());
    if (!AccessRules::isValidKeyName(name)) {
        return unexpected(
            badRequest(QStringLiteral("'name' must be 1-64 characters of A-Z a-z 0-9 . _ -")));
    }
    if (!AccessRules::isValidScope(scope)) {
        return unexpected(badRequest(QStringLiteral(
            "'scope' must be an exact document id (1-128 bytes), or a prefix ending in '*'")));
    }
    const auto parsed = parsePermission(permission);
    if (!parsed || *parsed == Permission::None)
        return unexpected(badRequest(QStringLiteral("'permission' must be read or write")));
    if (expiresAt.isValid() && expiresAt <= QDateTime::currentDateTimeUtc())
        return unexpected(badRequest(QStringLiteral("'expiresAt' must be in the future")));
    auto issued = m_parts.access->issueKey(name, scope, *parsed, expiresAt);
    if (!issued)
        return unexpected(accessError(issued.error()));
    m_parts.log->record(QtInfoMsg, lcAccess(), QStringLiteral("access key issued"),
        {{QStringLiteral("actor"), actor},
            {QStringLiteral("target"), AccessRules::keyIdentity(issued->key.name)},
            {QStringLiteral("before"), QString()},
            {QStringLiteral("after"), json(keyJson(issued->key))}});
    IssuedAccessKeyInfo out;
    out.key = AccessKeyInfo {issued->key.name, issued->key.scope,
        permissionName(issued->key.permission), issued->key.createdAt, issued->key.expiresAt, 0};
    out.value = issued->value;
    return out;
}

Expected<void, AdminError> AdminService::revokeAccessKey(const QString &name, const QString &actor)
{
    if (!m_parts.access)
        return unexpected(noAccessControl());
    if (!AccessRules::isValidKeyName(name)) {
        return unexpected(
            badRequest(QStringLiteral("'name' must be 1-64 characters of A-Z a-z 0-9 . _ -")));
    }
    QString beforeText;
    for (const AccessKey &key : m_parts.access->keys()) {
        if (key.name == name)
            beforeText = json(keyJson(key));
    }
    if (auto revoked = m_parts.access->revokeKey(name); !revoked)
        return unexpected(accessError(revoked.error()));
    m_parts.log->record(QtInfoMsg, lcAccess(), QStringLiteral("access key revoked"),
        {{QStringLiteral("actor"), actor},
            {QStringLiteral("target"), AccessRules::keyIdentity(name)},
            {QStringLiteral("before"), beforeText}, {QStringLiteral("after"), QString()}});
    return {};
}

Expected<AccessCheck, AdminError> AdminService::checkAccess(
    const QString &given, const QString &document) const
{
    if (!m_parts.access)
        return unexpected(noAccessControl());
    auto identity = canonicalIdentity(given, QStringLiteral("identity"));
    if (!identity)
        return unexpected(identity.error());
    if (auto ok = checkDocumentId(document); !ok)
        return unexpected(ok.error());
    const AccessDecision decision = m_parts.access->decide(*identity, document);
    return AccessCheck {decision.connect, decision.read, decision.write, decision.why};
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

void AdminService::setBackups(BackupScheduler *backups)
{
    m_backups = backups;
    if (m_backups) {
        connect(m_backups, &BackupScheduler::statusChanged, this, &AdminService::backupsChanged);
    }
}

Expected<QList<BackupEntry>, AdminError> AdminService::backups() const
{
    if (!m_backups)
        return QList<BackupEntry> {};
    auto entries = m_backups->list();
    if (!entries)
        return unexpected(AdminError {AdminError::Code::Unavailable, entries.error()});
    return *entries;
}

BackupStatus AdminService::backupStatus() const
{
    return m_backups ? m_backups->status() : BackupStatus {};
}

Expected<void, AdminError> AdminService::backUpNow(
    QObject *context, std::function<void(const Expected<BackupEntry, AdminError> &)> done)
{
    if (!m_backups || !m_backups->isConfigured()) {
        return unexpected(AdminError {AdminError::Code::Conflict,
            QStringLiteral("no backup dir: start Canopy with --backup-dir")});
    }
    auto run = m_backups->start();
    if (!run) {
        const BackupStatus status = m_backups->status();
        return unexpected(AdminError {AdminError::Code::Conflict,
            QStringLiteral("a backup is running (since %1)")
                .arg(status.runningSince.toString(Qt::ISODateWithMs))});
    }
    // Answered once, when this run ends; the connection goes with it.
    auto connection = std::make_shared<QMetaObject::Connection>();
    *connection = connect(m_backups, &BackupScheduler::finished, context,
        [connection, id = *run, done = std::move(done)](
            quint64 finished, const BackupEntry &entry, const QString &error) {
            if (finished != id)
                return;
            QObject::disconnect(*connection);
            if (error.isEmpty())
                done(entry);
            else
                done(unexpected(AdminError {AdminError::Code::BackupFailed, error}));
        });
    return {};
}

QString AdminService::metricsText() const
{
    QString out = m_parts.metrics ? m_parts.metrics->render() : QString();
    out += QStringLiteral(
        "# HELP canopy_connections Open sync sessions.\n# TYPE canopy_connections gauge\n"
        "canopy_connections %1\n")
               .arg(m_parts.sessions->count());
    qint64 documents = 0;
    if (auto count = m_parts.store->documentCount())
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
                   .arg(QString::number(m_parts.resolver->cacheHits()),
                       QString::number(m_parts.resolver->cacheMisses()));
    }
    const HubCounters &hub = m_parts.hub->counters();
    out += QStringLiteral("# HELP canopy_bad_frames_total Frames dropped as invalid, by reason.\n"
                          "# TYPE canopy_bad_frames_total counter\n");
    QStringList reasons = hub.badFrames.keys();
    std::sort(reasons.begin(), reasons.end());
    for (const QString &reason : std::as_const(reasons))
        out += QStringLiteral("canopy_bad_frames_total{reason=\"%1\"} %2\n")
                   .arg(reason, QString::number(hub.badFrames.value(reason)));
    out += QStringLiteral(
        "# HELP canopy_blocks_stored_total Loro change blocks stored.\n"
        "# TYPE canopy_blocks_stored_total counter\ncanopy_blocks_stored_total %1\n"
        "# HELP canopy_duplicate_blocks_total Units received that were already stored.\n"
        "# TYPE canopy_duplicate_blocks_total counter\ncanopy_duplicate_blocks_total %2\n")
               .arg(QString::number(hub.unitsStoredByKind.value(QStringLiteral("loro"))),
                   QString::number(hub.duplicateUnits));
    out += QStringLiteral("# HELP canopy_units_stored_total Units stored, by document kind.\n"
                          "# TYPE canopy_units_stored_total counter\n");
    QStringList kinds = hub.unitsStoredByKind.keys();
    std::sort(kinds.begin(), kinds.end());
    for (const QString &kind : std::as_const(kinds))
        out += QStringLiteral("canopy_units_stored_total{kind=\"%1\"} %2\n")
                   .arg(kind, QString::number(hub.unitsStoredByKind.value(kind)));
    const BackupStatus backup = backupStatus();
    const auto seconds = [](const QDateTime &time) {
        return time.isValid() ? QString::number(double(time.toMSecsSinceEpoch()) / 1000.0, 'f', 3)
                              : QStringLiteral("0");
    };
    out += QStringLiteral(
        "# HELP canopy_backups_total Backups attempted, by result (a failure is logged as an "
        "error, canopy.backup).\n# TYPE canopy_backups_total counter\n"
        "canopy_backups_total{result=\"ok\"} %1\ncanopy_backups_total{result=\"failed\"} %2\n"
        "# HELP canopy_backup_failures_total Backups that failed.\n"
        "# TYPE canopy_backup_failures_total counter\ncanopy_backup_failures_total %2\n"
        "# HELP canopy_backup_running 1 while a backup runs.\n"
        "# TYPE canopy_backup_running gauge\ncanopy_backup_running %3\n")
               .arg(QString::number(backup.succeeded), QString::number(backup.failed),
                   QString::number(backup.running ? 1 : 0));
    out += QStringLiteral(
        "# HELP canopy_backup_last_success_timestamp_seconds When the latest verified backup's "
        "snapshot was taken (0: none since start-up).\n"
        "# TYPE canopy_backup_last_success_timestamp_seconds gauge\n"
        "canopy_backup_last_success_timestamp_seconds %1\n"
        "# HELP canopy_backup_last_size_bytes Size of the latest verified backup.\n"
        "# TYPE canopy_backup_last_size_bytes gauge\ncanopy_backup_last_size_bytes %2\n"
        "# HELP canopy_backup_last_duration_seconds How long the latest backup took.\n"
        "# TYPE canopy_backup_last_duration_seconds gauge\n"
        "canopy_backup_last_duration_seconds %3\n"
        "# HELP canopy_backup_next_run_timestamp_seconds When the next scheduled backup runs "
        "(0: none scheduled).\n# TYPE canopy_backup_next_run_timestamp_seconds gauge\n"
        "canopy_backup_next_run_timestamp_seconds %4\n")
               .arg(seconds(backup.lastSuccess ? backup.lastSuccess->time : QDateTime()),
                   QString::number(backup.lastSuccess ? backup.lastSuccess->bytes : 0),
                   QString::number(backup.lastDurationSeconds, 'f', 3), seconds(backup.nextRun));
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
