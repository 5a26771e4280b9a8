#include "protocol/loro/LoroProtocolSession.h"

#include "access/AccessControl.h"
#include "auth/ConnectionAuthorizer.h"
#include "crdt/yjs/AwarenessUpdate.h"
#include "log/EventLog.h"
#include "log/LogCategories.h"
#include "log/Metrics.h"
#include "protocol/loro/LoroProtocolCodec.h"
#include "sync/DocumentHub.h"

#include <QDateTime>
#include <QTimer>

namespace canopy {
namespace {

using Message = LoroProtocolMessage;
using Status = LoroProtocolMessage::AckStatus;

struct KindMagic
{
    const char *magic;
    const char *kind; // a document kind this host serves, or null
    const char *what; // what the magic names, for refusals
};

constexpr KindMagic kMagics[] = {
    {"%LOR", "loro", "Loro documents"},
    {"%ELO", "elo", "end-to-end encrypted Loro documents"},
    {"%EPH", "eph", "ephemeral stores"},
    {"%EPS", "eps", "persisted ephemeral stores"},
    {"%YJS", "yjs", "Yjs documents"}, // the same documents y-websocket and Hocuspocus edit
    {"%YAW", "yaw", "Yjs awareness"},
    {"%FLO", nullptr, "Flock documents"},
};

QString printable(QByteArrayView bytes)
{
    QString out;
    for (const char c : bytes)
        out += (c >= 0x20 && c < 0x7f) ? QChar(QLatin1Char(c)) : QChar(u'?');
    return out;
}

// Encodes what the hub forwards as loro-protocol messages: the sender's batch id is reused for
// the first payload (as the reference server does), each payload in its own message.
class LoroForwardEncoder final : public ForwardEncoder
{
public:
    QList<QByteArray> encodeForward(const DocumentKey &document, const QList<QByteArray> &payloads,
        const QByteArray &tag) const override
    {
        const QByteArray magic = LoroProtocolSession::magicOf(document.kind);
        const QByteArray room = document.name.toUtf8();
        QList<QByteArray> frames;
        for (qsizetype i = 0; i < payloads.size(); ++i) {
            const QByteArray batch = i == 0 && tag.size() == Message::BatchIdBytes
                ? tag
                : LoroProtocolCodec::randomBatchId();
            frames += LoroProtocolCodec::encodeUpdate(magic, room, payloads[i], batch);
        }
        return frames;
    }
};

} // namespace

LoroProtocolSession::LoroProtocolSession(quint64 id, QWebSocket *socket, const QString &did,
    ConnectionAuthorizer &authorizer, DocumentHub &hub, EventLog &log, const SessionLimits &limits,
    QObject *parent)
    : PeerSession(id, socket, did, hub, log, limits, parent)
    , m_authorizer(authorizer)
    , m_joinDeadline(new QTimer(this))
{
    m_joinDeadline->setSingleShot(true);
    connect(m_joinDeadline, &QTimer::timeout, this, [this] {
        LogFields late = fields();
        late.append({QStringLiteral("reason"), QStringLiteral("no-join")});
        this->log().record(QtInfoMsg, lcSync(),
            QStringLiteral("session closed: no successful join within 10 s"), late);
        if (metrics())
            metrics()->countRefusal(QStringLiteral("join-deadline"));
        close(QWebSocketProtocol::CloseCodePolicyViolated,
            QStringLiteral("no successful join within 10 s of the upgrade"), true);
    });
    m_joinDeadline->start(JoinDeadlineMs);
    // Connected before the registry's own handler, which deletes the session later.
    connect(this, &PeerSession::closed, this, &LoroProtocolSession::sendAwarenessRemovals);
}

LoroProtocolSession::~LoroProtocolSession()
{
    if (m_backInHub)
        hub().memberClosed(this);
}

QString LoroProtocolSession::kindOf(QByteArrayView magic)
{
    for (const KindMagic &entry : kMagics) {
        if (magic == QByteArrayView(entry.magic))
            return entry.kind ? QString::fromLatin1(entry.kind) : QString();
    }
    return {};
}

QByteArray LoroProtocolSession::magicOf(const QString &kind)
{
    for (const KindMagic &entry : kMagics) {
        if (entry.kind && kind == QLatin1StringView(entry.kind))
            return QByteArray(entry.magic);
    }
    return {};
}

QByteArray LoroProtocolSession::roomKey(const QByteArray &magic, const QByteArray &roomId)
{
    return magic + roomId;
}

const ForwardEncoder &LoroProtocolSession::forwardEncoder() const
{
    static const LoroForwardEncoder encoder;
    return encoder;
}

QList<SessionRoom> LoroProtocolSession::rooms() const
{
    QList<SessionRoom> out;
    out.reserve(m_rooms.size());
    for (const Room &room : m_rooms)
        out.append(SessionRoom {room.document.name, room.document.kind, room.permission});
    return out;
}

FrameLabel LoroProtocolSession::labelOf(const QByteArray &frame) const
{
    QByteArray magic;
    quint8 type = 0;
    if (!LoroProtocolCodec::peekEnvelope(frame, &magic, &type) || type > quint8(Message::Type::Ack))
        return FrameLabel {QStringLiteral("invalid"), {}};
    const QString kind = kindOf(magic);
    return FrameLabel {
        Message::typeName(Message::Type(type)), kind.isEmpty() ? printable(magic) : kind};
}

LogFields LoroProtocolSession::roomFields(const LoroProtocolMessage &message) const
{
    LogFields out = fields();
    out.append({QStringLiteral("magic"), printable(message.magic)});
    out.append({QStringLiteral("entity"), QString::fromUtf8(message.roomId)});
    return out;
}

void LoroProtocolSession::sendMessages(const QList<QByteArray> &frames)
{
    for (const QByteArray &frame : frames) {
        if (metrics() && frame.size() > 4) {
            QByteArray magic;
            quint8 type = 0;
            if (LoroProtocolCodec::peekEnvelope(frame, &magic, &type)
                && type == quint8(Message::Type::Fragment))
                metrics()->countFragment(Metrics::Direction::Out, protocolName(), kindOf(magic));
        }
        sendFrame(frame);
    }
}

void LoroProtocolSession::deliverFrames(const QList<QByteArray> &frames)
{
    sendMessages(frames);
}

void LoroProtocolSession::handleText(const QString &text)
{
    // Keepalive is out of band: "ping" is answered with "pong", nothing else is parsed.
    if (text == u"ping") {
        countIn(QStringLiteral("ping"), {}, 4);
        sendText(QStringLiteral("pong"));
        return;
    }
    if (text == u"pong") {
        countIn(QStringLiteral("pong"), {}, 4);
        return;
    }
    PeerSession::handleText(text);
}

void LoroProtocolSession::handleBinary(const QByteArray &frame)
{
    auto decoded = LoroProtocolCodec::decode(frame);
    if (!decoded) {
        countIn(QStringLiteral("invalid"), {}, frame.size());
        rejectFrame(LoroProtocolError::codeName(decoded.error().code), decoded.error().message);
        return;
    }
    const Message &message = *decoded;
    const QString kind = kindOf(message.magic);
    countIn(Message::typeName(message.type), kind.isEmpty() ? printable(message.magic) : kind,
        frame.size());
    switch (message.type) {
    case Message::Type::JoinRequest:
        onJoinRequest(message);
        return;
    case Message::Type::DocUpdate:
        onDocUpdate(message);
        return;
    case Message::Type::FragmentHeader:
        onFragmentHeader(message);
        return;
    case Message::Type::Fragment:
        onFragment(message);
        return;
    case Message::Type::Leave:
        onLeave(message);
        return;
    case Message::Type::JoinError: {
        // The real client sends one when it cannot read the host's version: that join ends.
        LogFields refused = roomFields(message);
        refused.append({QStringLiteral("code"), QString::number(message.code)});
        log().record(QtInfoMsg, lcSync(),
            QStringLiteral("the client ended its join: %1").arg(message.message.left(200)),
            refused);
        onLeave(message);
        return;
    }
    case Message::Type::JoinResponseOk:
    case Message::Type::RoomError:
    case Message::Type::Ack:
        rejectFrame(QStringLiteral("server-only-message"),
            QStringLiteral("%1 is sent by a server, not to it")
                .arg(Message::typeName(message.type)),
            roomFields(message).mid(2));
        return;
    }
}

bool LoroProtocolSession::authenticate(const LoroProtocolMessage &message)
{
    const QString token = QString::fromUtf8(message.auth);
    ConnectionRefusal refusal {403, QStringLiteral("MissingToken"),
        QStringLiteral("the join's auth holds no token: send a connection token from "
                       "/xrpc/chat.roomy.v0.sync.token (or the dev token) as its UTF-8 bytes")};
    if (!token.isEmpty()) {
        auto grant = m_authorizer.authorize(did(), token, remoteAddress());
        if (grant) {
            grantIdentity(*grant);
            LogFields granted = fields();
            granted.append({QStringLiteral("auth"), grant->method});
            log().record(QtInfoMsg, lcAuth(), QStringLiteral("session authenticated"), granted);
            return true;
        }
        refusal = grant.error();
    }
    ++m_failedJoins;
    LogFields refused = roomFields(message);
    refused.append({QStringLiteral("reason"), refusal.error});
    log().record(
        QtInfoMsg, lcAuth(), QStringLiteral("join refused: %1").arg(refusal.message), refused);
    if (metrics()) {
        metrics()->countRefusal(QStringLiteral("join-") + refusal.error);
        metrics()->countJoin(protocolName(), kindOf(message.magic), QStringLiteral("auth_failed"));
    }
    sendJoinError(message, Message::JoinAuthFailed, refusal.message);
    if (m_failedJoins >= MaxFailedJoins) {
        log().record(QtInfoMsg, lcAuth(),
            QStringLiteral("session closed: %1 failed joins").arg(m_failedJoins), fields());
        close(QWebSocketProtocol::CloseCodePolicyViolated,
            QStringLiteral("%1 failed joins").arg(m_failedJoins), true);
    }
    return false;
}

void LoroProtocolSession::onJoinRequest(const LoroProtocolMessage &message)
{
    const QString kind = kindOf(message.magic);
    if (!isAuthenticated() && !authenticate(message))
        return;
    const auto refuse = [&](quint8 code, const QString &text, const QString &result,
                            const QByteArray &receiverVersion = {}, const QString &appCode = {}) {
        LogFields refused = roomFields(message);
        refused.append({QStringLiteral("reason"), result});
        log().record(QtInfoMsg, lcSync(), QStringLiteral("join refused: %1").arg(text), refused);
        if (metrics())
            metrics()->countJoin(
                protocolName(), kind.isEmpty() ? printable(message.magic) : kind, result);
        sendJoinError(message, code, text, receiverVersion, appCode);
    };
    if (message.roomId.isEmpty())
        return refuse(Message::JoinUnknown, QStringLiteral("a room id is 1 to 128 bytes of UTF-8"),
            QStringLiteral("invalid_room"));
    if (kind.isEmpty()) {
        QString what = QStringLiteral("the CRDT magic %1").arg(printable(message.magic));
        for (const KindMagic &entry : kMagics) {
            if (message.magic == QByteArrayView(entry.magic))
                what = QStringLiteral("%1 (%2)").arg(
                    QString::fromLatin1(entry.what), QString::fromLatin1(entry.magic));
        }
        return refuse(Message::JoinUnknown,
            QStringLiteral("this host does not serve %1 yet").arg(what),
            QStringLiteral("unsupported"));
    }
    const QByteArray key = roomKey(message.magic, message.roomId);
    if (!m_rooms.contains(key) && m_rooms.size() >= limits().maxSubscriptions) {
        if (metrics())
            metrics()->countRefusal(QStringLiteral("max-subscriptions"));
        return refuse(Message::JoinAppError,
            QStringLiteral("the session holds its maximum of %1 rooms")
                .arg(limits().maxSubscriptions),
            QStringLiteral("quota_exceeded"), {}, QStringLiteral("quota_exceeded"));
    }
    const DocumentKey document {kind, QString::fromUtf8(message.roomId)};
    auto joined = hub().join(this, document, JoinRequest {message.version, std::nullopt});
    if (!joined) {
        if (joined.error().reason == u"version-unknown")
            return refuse(Message::JoinVersionUnknown, joined.error().message,
                QStringLiteral("version_unknown"), hub().currentVersion(document, versionBudget()));
        if (joined.error().reason == u"unknown-kind")
            return refuse(
                Message::JoinUnknown, joined.error().message, QStringLiteral("unsupported"));
        // May not read it (counted by the hub): an application error naming the reason.
        if (joined.error().reason == u"access-denied" || joined.error().reason.startsWith(u"key-"))
            return refuse(Message::JoinAppError, joined.error().message, joined.error().reason, {},
                joined.error().reason);
        return refuse(Message::JoinUnknown, joined.error().message, joined.error().reason);
    }
    m_joinDeadline->stop();
    Room &room = m_rooms[key];
    room.magic = message.magic;
    room.roomId = message.roomId;
    room.document = document;
    room.permission = permissionName(hub().memberPermission(this, document));
    Q_EMIT roomsChanged(this);
}

void LoroProtocolSession::sendJoinError(const LoroProtocolMessage &request, quint8 code,
    const QString &text, const QByteArray &receiverVersion, const QString &appCode)
{
    Message error;
    error.magic = request.magic;
    error.roomId = request.roomId;
    error.type = Message::Type::JoinError;
    error.code = code;
    error.message = text.left(1000);
    error.receiverVersion = receiverVersion;
    error.appCode = appCode;
    sendFrame(LoroProtocolCodec::encode(error));
}

void LoroProtocolSession::deliverJoin(const DocumentKey &document, const JoinAnswer &answer)
{
    const QByteArray magic = magicOf(document.kind);
    const auto it = m_rooms.find(roomKey(magic, document.name.toUtf8()));
    if (it == m_rooms.end())
        return; // left before its answer
    Message ok;
    ok.magic = magic;
    ok.roomId = it->roomId;
    ok.type = Message::Type::JoinResponseOk;
    it->permission = permissionName(answer.permission);
    ok.permission = it->permission;
    ok.version = answer.version;
    sendFrame(LoroProtocolCodec::encode(ok));
    it->joined = true;
    if (metrics())
        metrics()->countJoin(protocolName(), document.kind, QStringLiteral("ok"));
    // Then what the joiner lacks, each payload its own message (a fragment batch past 256 KiB).
    for (const QByteArray &payload : answer.payloads)
        sendMessages(LoroProtocolCodec::encodeUpdate(
            magic, it->roomId, payload, LoroProtocolCodec::randomBatchId()));
}

void LoroProtocolSession::deliverJoinFailure(const DocumentKey &document, const QString &text)
{
    const QByteArray magic = magicOf(document.kind);
    const QByteArray key = roomKey(magic, document.name.toUtf8());
    const auto it = m_rooms.constFind(key);
    if (it == m_rooms.constEnd())
        return;
    Message request;
    request.magic = magic;
    request.roomId = it->roomId;
    hub().leave(this, document);
    m_rooms.remove(key);
    Q_EMIT roomsChanged(this);
    sendJoinError(request, Message::JoinUnknown, text);
}

void LoroProtocolSession::sendRoomError(const Room &room, quint8 code, const QString &text)
{
    Message error;
    error.magic = room.magic;
    error.roomId = room.roomId;
    error.type = Message::Type::RoomError;
    error.code = code;
    error.message = text.left(1000);
    sendFrame(LoroProtocolCodec::encode(error));
}

void LoroProtocolSession::deliverEviction(const DocumentKey &document, const QString &reason)
{
    const QByteArray key = roomKey(magicOf(document.kind), document.name.toUtf8());
    const auto it = m_rooms.constFind(key);
    if (it == m_rooms.constEnd())
        return;
    const Room room = *it;
    m_rooms.remove(key);
    if (document.kind == u"yaw")
        m_awarenessClients.remove(document.name); // it may not even read the room now
    LogFields ended = fields();
    ended.append({QStringLiteral("entity"), document.name});
    ended.append({QStringLiteral("kind"), document.kind});
    ended.append({QStringLiteral("reason"), QStringLiteral("access-denied")});
    log().record(QtInfoMsg, lcSync(), QStringLiteral("evicted from a room: %1").arg(reason), ended);
    sendRoomError(room, Message::RoomEvicted, QStringLiteral("evicted: %1").arg(reason));
    Q_EMIT roomsChanged(this);
}

void LoroProtocolSession::deliverPermissionChange(
    const DocumentKey &document, Permission permission)
{
    const auto it = m_rooms.find(roomKey(magicOf(document.kind), document.name.toUtf8()));
    if (it == m_rooms.end())
        return;
    it->permission = permissionName(permission);
    LogFields changed = fields();
    changed.append({QStringLiteral("entity"), document.name});
    changed.append({QStringLiteral("kind"), document.kind});
    changed.append({QStringLiteral("permission"), it->permission});
    log().record(QtInfoMsg, lcSync(),
        QStringLiteral("permission changed to %1: rejoin suggested").arg(it->permission), changed);
    sendRoomError(*it, Message::RoomRejoinSuggested,
        QStringLiteral("your permission in this room is now %1: rejoin to continue")
            .arg(it->permission));
    Q_EMIT roomsChanged(this);
}

void LoroProtocolSession::deliverOutcome(
    const DocumentKey &document, const QByteArray &tag, const UpdateOutcome &outcome)
{
    Status status = Status::Ok;
    switch (outcome.status) {
    case UpdateOutcome::Status::Stored:
        break;
    case UpdateOutcome::Status::StoreFailed:
        status = Status::Unknown; // not stored: the client may send it again
        break;
    case UpdateOutcome::Status::Refused:
        if (outcome.reason == u"max-entity-bytes" || outcome.reason == u"too-large")
            status = Status::PayloadTooLarge;
        else if (outcome.reason == u"max-entities")
            status = Status::AppError;
        else if (outcome.reason == u"permission-denied" || outcome.reason == u"peer-bound"
            || outcome.reason.startsWith(u"key-"))
            status = Status::PermissionDenied; // a reader, or another identity's peer
        else
            status = Status::InvalidUpdate;
        break;
    }
    if (status != Status::Ok) {
        LogFields refused = fields();
        refused.append({QStringLiteral("entity"), document.name});
        refused.append({QStringLiteral("kind"), document.kind});
        refused.append({QStringLiteral("reason"), outcome.reason});
        log().record(QtWarningMsg, lcSync(),
            QStringLiteral("update refused: %1").arg(outcome.message), refused);
        if (metrics())
            metrics()->countUpdateRefused(protocolName(), document.kind, outcome.reason);
    }
    sendAck(magicOf(document.kind), document.name.toUtf8(), tag, status, document.kind);
}

void LoroProtocolSession::sendAck(const QByteArray &magic, const QByteArray &roomId,
    const QByteArray &batchId, LoroProtocolMessage::AckStatus status, const QString &kind)
{
    Message ack;
    ack.magic = magic;
    ack.roomId = roomId;
    ack.type = Message::Type::Ack;
    ack.batchId = batchId;
    ack.status = status;
    if (metrics())
        metrics()->countAck(
            protocolName(), kind.isEmpty() ? printable(magic) : kind, Message::statusName(status));
    sendFrame(LoroProtocolCodec::encode(ack));
}

const LoroProtocolSession::Room *LoroProtocolSession::writableRoom(
    const LoroProtocolMessage &message, const QByteArray &batchId)
{
    const auto it = m_rooms.constFind(roomKey(message.magic, message.roomId));
    const bool member = it != m_rooms.constEnd();
    // The hub's judgement, kept current as rights change: a reader's batch is not reassembled.
    if (member && hub().memberPermission(this, it->document) == Permission::Write)
        return &*it;
    const QString reason
        = member ? QStringLiteral("permission-denied") : QStringLiteral("not-joined");
    LogFields refused = roomFields(message);
    refused.append({QStringLiteral("reason"), reason});
    log().record(QtInfoMsg, lcSync(),
        member ? QStringLiteral("update refused: %1 may only read this room").arg(did())
               : QStringLiteral("update refused: the session has not joined this room"),
        refused);
    const QString kind = kindOf(message.magic);
    if (metrics()) {
        metrics()->countUpdateRefused(
            protocolName(), kind.isEmpty() ? printable(message.magic) : kind, reason);
        if (member)
            metrics()->countRefusal(reason);
    }
    sendAck(message.magic, message.roomId, batchId, Status::PermissionDenied, kind);
    return nullptr;
}

void LoroProtocolSession::submit(
    const Room &room, const QList<QByteArray> &updates, const QByteArray &batchId)
{
    if (room.document.kind == u"yaw")
        noteAwareness(room, updates);
    // The outcome (an ack, refusals included) arrives with the committed batch.
    (void)hub().update(this, room.document, updates, batchId, true);
}

void LoroProtocolSession::noteAwareness(const Room &room, const QList<QByteArray> &updates)
{
    // What the engine refuses is refused as a whole; what it finds stale changes nothing here
    // that matters (a removal at an older clock is stale too).
    QHash<quint64, quint64> &clients = m_awarenessClients[room.document.name];
    for (const QByteArray &update : updates) {
        const auto entries = yjs::decodeAwareness(update);
        if (!entries)
            continue;
        for (const yjs::AwarenessEntry &entry : *entries) {
            if (entry.removed())
                clients.remove(entry.client);
            else
                clients[entry.client] = std::max(clients.value(entry.client), entry.clock);
        }
    }
    if (clients.isEmpty())
        m_awarenessClients.remove(room.document.name);
}

void LoroProtocolSession::sendAwarenessRemoval(const DocumentKey &document)
{
    const QHash<quint64, quint64> clients = m_awarenessClients.take(document.name);
    // Nobody else in the room: nothing to tell, and no empty room to make.
    if (clients.isEmpty()
        || hub().memberCount(document) - (hub().isMember(this, document) ? 1 : 0) <= 0)
        return;
    QList<yjs::AwarenessEntry> removals;
    removals.reserve(clients.size());
    for (auto it = clients.cbegin(); it != clients.cend(); ++it)
        removals.append(yjs::AwarenessEntry {it.key(), it.value(), QByteArrayLiteral("null")});
    auto removed = hub().update(this, document, {yjs::encodeAwareness(removals)}, {}, false);
    if (!removed) {
        LogFields refused = fields();
        refused.append({QStringLiteral("entity"), document.name});
        refused.append({QStringLiteral("kind"), document.kind});
        refused.append({QStringLiteral("reason"), removed.error().reason});
        log().record(QtInfoMsg, lcSync(),
            QStringLiteral("the awareness removal was refused: %1").arg(removed.error().message),
            refused);
    }
}

void LoroProtocolSession::sendAwarenessRemovals()
{
    if (m_awarenessClients.isEmpty())
        return;
    // The hub forwards only what live members send: the update makes it know this session again
    // until the destructor.
    m_backInHub = true;
    const QStringList rooms = m_awarenessClients.keys();
    for (const QString &room : rooms)
        sendAwarenessRemoval(DocumentKey {QStringLiteral("yaw"), room});
}

void LoroProtocolSession::onDocUpdate(const LoroProtocolMessage &message)
{
    if (const Room *room = writableRoom(message, message.batchId))
        submit(*room, message.updates, message.batchId);
}

qint64 LoroProtocolSession::reassemblyBytes() const
{
    return m_reservedBytes;
}

void LoroProtocolSession::onFragmentHeader(const LoroProtocolMessage &message)
{
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    for (auto it = m_refusedBatches.begin(); it != m_refusedBatches.end();)
        it = now - *it > FragmentTimeoutMs ? m_refusedBatches.erase(it) : std::next(it);
    const QString kind = kindOf(message.magic);
    const auto refuse = [&](Status status, const QString &text) {
        LogFields refused = roomFields(message);
        refused.append({QStringLiteral("reason"), Message::statusName(status)});
        log().record(QtWarningMsg, lcSync(), QStringLiteral("fragment batch refused: %1").arg(text),
            refused);
        if (metrics())
            metrics()->countUpdateRefused(protocolName(), kind, Message::statusName(status));
        m_refusedBatches.insert(message.batchId, now);
        sendAck(message.magic, message.roomId, message.batchId, status, kind);
    };
    if (m_batches.contains(message.batchId)) {
        rejectFrame(QStringLiteral("duplicate-batch"),
            QStringLiteral("a fragment header repeats batch %1, still being reassembled")
                .arg(QString::fromLatin1(message.batchId.toHex())),
            roomFields(message).mid(2));
        return;
    }
    if (!writableRoom(message, message.batchId)) {
        m_refusedBatches.insert(message.batchId, now);
        return;
    }
    if (qint64(message.totalSize) > limits().maxMessageBytes)
        return refuse(Status::PayloadTooLarge,
            QStringLiteral("%1 bytes announced, over the %2-byte message limit")
                .arg(
                    QString::number(message.totalSize), QString::number(limits().maxMessageBytes)));
    if (message.fragmentCount == 0
        || message.fragmentCount > std::max<quint32>(message.totalSize, 1)
        || message.fragmentCount > 65536)
        return refuse(Status::InvalidUpdate,
            QStringLiteral("%1 fragments cannot carry %2 bytes")
                .arg(QString::number(message.fragmentCount), QString::number(message.totalSize)));
    // What is being reassembled counts against the same cap as what waits to be sent.
    if (reassemblyBytes() + qint64(message.totalSize) + queuedBytes() > limits().maxQueueBytes)
        return refuse(Status::PayloadTooLarge,
            QStringLiteral("reassembling %1 more bytes would pass the session's %2-byte queue cap")
                .arg(QString::number(message.totalSize), QString::number(limits().maxQueueBytes)));
    Batch &batch = m_batches[message.batchId];
    batch.roomKey = roomKey(message.magic, message.roomId);
    batch.count = message.fragmentCount;
    batch.total = message.totalSize;
    batch.generation = m_nextGeneration++;
    m_reservedBytes += message.totalSize;
    QTimer::singleShot(
        FragmentTimeoutMs, this, [this, id = message.batchId, generation = batch.generation] {
            onBatchTimeout(id, generation);
        });
}

void LoroProtocolSession::dropBatch(const QByteArray &batchId)
{
    const auto it = m_batches.find(batchId);
    if (it == m_batches.end())
        return;
    m_reservedBytes -= it->total;
    m_batches.erase(it);
}

void LoroProtocolSession::onBatchTimeout(const QByteArray &batchId, quint64 generation)
{
    const auto it = m_batches.constFind(batchId);
    if (it == m_batches.constEnd() || it->generation != generation)
        return;
    const QByteArray magic = it->roomKey.left(4);
    const QByteArray roomId = it->roomKey.mid(4);
    LogFields late = fields();
    late.append({QStringLiteral("entity"), QString::fromUtf8(roomId)});
    late.append({QStringLiteral("reason"), QStringLiteral("fragment_timeout")});
    log().record(QtWarningMsg, lcSync(),
        QStringLiteral("fragment batch dropped: %1 of %2 fragments arrived within 10 s")
            .arg(QString::number(it->pieces.size()), QString::number(it->count)),
        late);
    dropBatch(batchId);
    m_refusedBatches.insert(batchId, QDateTime::currentMSecsSinceEpoch());
    const QString kind = kindOf(magic);
    if (metrics())
        metrics()->countUpdateRefused(protocolName(), kind, QStringLiteral("fragment_timeout"));
    sendAck(magic, roomId, batchId, Status::FragmentTimeout, kind);
}

void LoroProtocolSession::onFragment(const LoroProtocolMessage &message)
{
    const QString kind = kindOf(message.magic);
    if (metrics())
        metrics()->countFragment(Metrics::Direction::In, protocolName(), kind);
    const auto it = m_batches.find(message.batchId);
    if (it == m_batches.end()) {
        if (m_refusedBatches.contains(message.batchId))
            return; // its refusal was already acknowledged
        rejectFrame(QStringLiteral("unknown-batch"),
            QStringLiteral("a fragment of batch %1, which no header announced")
                .arg(QString::fromLatin1(message.batchId.toHex())),
            roomFields(message).mid(2));
        sendAck(message.magic, message.roomId, message.batchId, Status::FragmentTimeout, kind);
        return;
    }
    Batch &batch = *it;
    if (batch.roomKey != roomKey(message.magic, message.roomId) || message.index >= batch.count
        || batch.pieces.contains(message.index)) {
        rejectFrame(QStringLiteral("bad-fragment"),
            batch.pieces.contains(message.index)
                ? QStringLiteral("fragment %1 of batch %2 arrived twice")
                      .arg(QString::number(message.index),
                          QString::fromLatin1(message.batchId.toHex()))
                : QStringLiteral("fragment %1 does not belong to batch %2 of %3 fragments")
                      .arg(QString::number(message.index),
                          QString::fromLatin1(message.batchId.toHex()),
                          QString::number(batch.count)),
            roomFields(message).mid(2));
        return;
    }
    if (batch.received + message.fragment.size() > qint64(batch.total)) {
        LogFields refused = roomFields(message);
        refused.append({QStringLiteral("reason"), QStringLiteral("invalid_update")});
        log().record(QtWarningMsg, lcSync(),
            QStringLiteral("fragment batch refused: its fragments exceed the %1 bytes announced")
                .arg(batch.total),
            refused);
        dropBatch(message.batchId);
        m_refusedBatches.insert(message.batchId, QDateTime::currentMSecsSinceEpoch());
        sendAck(message.magic, message.roomId, message.batchId, Status::InvalidUpdate, kind);
        return;
    }
    batch.pieces.insert(message.index, message.fragment);
    batch.received += message.fragment.size();
    if (quint32(batch.pieces.size()) < batch.count)
        return;
    if (batch.received != qint64(batch.total)) {
        dropBatch(message.batchId);
        sendAck(message.magic, message.roomId, message.batchId, Status::InvalidUpdate, kind);
        return;
    }
    QByteArray whole;
    whole.reserve(batch.total);
    for (const QByteArray &piece : std::as_const(batch.pieces))
        whole += piece;
    dropBatch(message.batchId);
    // Permission is checked again: the room may have been left meanwhile.
    if (const Room *room = writableRoom(message, message.batchId))
        submit(*room, {whole}, message.batchId);
}

void LoroProtocolSession::onLeave(const LoroProtocolMessage &message)
{
    const auto it = m_rooms.find(roomKey(message.magic, message.roomId));
    if (it == m_rooms.end())
        return;
    if (it->document.kind == u"yaw")
        sendAwarenessRemoval(it->document); // while still a member: sent before it leaves
    hub().leave(this, it->document);
    m_rooms.erase(it);
    Q_EMIT roomsChanged(this);
}

void LoroProtocolSession::evict(const QString &reason)
{
    // The client drops an evicted room for good and does not rejoin; then the socket closes.
    for (const Room &room : std::as_const(m_rooms))
        sendRoomError(room, Message::RoomEvicted, QStringLiteral("evicted: %1").arg(reason));
    PeerSession::evict(reason);
}

} // namespace canopy
