#include "protocol/hocuspocus/HocuspocusSession.h"

#include "access/AccessControl.h"
#include "auth/ConnectionAuthorizer.h"
#include "crdt/yjs/AwarenessUpdate.h"
#include "crdt/yjs/Lib0Reader.h"
#include "log/EventLog.h"
#include "log/LogCategories.h"
#include "log/Metrics.h"
#include "protocol/hocuspocus/HocuspocusDeparture.h"
#include "protocol/hocuspocus/HocuspocusStatelessRelay.h"
#include "sync/DocumentHub.h"

#include <QTimer>
#include <QtEndian>

namespace canopy {
namespace {

using Type = HocuspocusMessage::Type;
using Direction = HocuspocusMessage::Direction;

const QString kYjs = QStringLiteral("yjs");
const QString kAwareness = QStringLiteral("yaw");
constexpr auto kReadWrite = QByteArrayView("read-write");
constexpr auto kReadOnly = QByteArrayView("readonly");
constexpr auto kProviderInitiated = QByteArrayView("provider_initiated");

QByteArray tagOf(quint64 number)
{
    QByteArray tag(8, Qt::Uninitialized);
    qToBigEndian(number, tag.data());
    return tag;
}

QByteArrayView scopeOf(Permission permission)
{
    return permission == Permission::Write ? kReadWrite : kReadOnly;
}

// "4.8.0" -> 4; 0 when it does not start with a number.
int majorVersion(const QByteArray &version)
{
    int major = 0;
    for (const char c : version) {
        if (c < '0' || c > '9' || major > 1000)
            break;
        major = major * 10 + (c - '0');
    }
    return major;
}

QString kindOfType(quint64 type)
{
    return type == quint64(Type::Awareness) || type == quint64(Type::QueryAwareness) ? kAwareness
                                                                                     : kYjs;
}

// What the hub forwards, as Hocuspocus frames keyed by the document's plain name; each session
// re-keys them for its session-aware keys (deliverFrames).
class HocuspocusForwardEncoder final : public ForwardEncoder
{
public:
    QList<QByteArray> encodeForward(const DocumentKey &document, const QList<QByteArray> &payloads,
        const QByteArray &tag) const override
    {
        Q_UNUSED(tag);
        const QByteArray key = document.name.toUtf8();
        QList<QByteArray> frames;
        frames.reserve(payloads.size());
        for (const QByteArray &payload : payloads) {
            frames += document.kind == kAwareness ? HocuspocusCodec::awareness(key, payload)
                                                  : HocuspocusCodec::sync(key, 2, payload);
        }
        return frames;
    }
};

} // namespace

HocuspocusSession::HocuspocusSession(quint64 id, QWebSocket *socket, const QString &did,
    ConnectionAuthorizer &authorizer, DocumentHub &hub, EventLog &log, const SessionLimits &limits,
    std::shared_ptr<HocuspocusStatelessRelay> relay, QObject *parent)
    : PeerSession(id, socket, did, hub, log, limits, parent)
    , m_authorizer(authorizer)
    , m_relay(std::move(relay))
    , m_authDeadline(new QTimer(this))
    , m_keepalive(new QTimer(this))
{
    m_authDeadline->setSingleShot(true);
    connect(m_authDeadline, &QTimer::timeout, this, &HocuspocusSession::onAuthDeadline);
    m_authDeadline->start(AuthDeadlineMs);
    // Half the provider's 30 s watchdog (with the default --ping-interval of 30 s).
    connect(m_keepalive, &QTimer::timeout, this, &HocuspocusSession::onKeepalive);
    m_keepalive->start(std::max(500, limits.pingIntervalMs / 2));
    connect(this, &PeerSession::closed, this, [this] { depart(); });
}

HocuspocusSession::~HocuspocusSession()
{
    for (auto it = m_sessions.cbegin(); it != m_sessions.cend(); ++it) {
        if (it->established)
            m_relay->remove(it->name, this, it->key);
    }
}

DocumentKey HocuspocusSession::yjsKey(const QByteArray &name)
{
    return DocumentKey {kYjs, QString::fromUtf8(name)};
}

DocumentKey HocuspocusSession::awarenessKey(const QByteArray &name)
{
    return DocumentKey {kAwareness, QString::fromUtf8(name)};
}

const ForwardEncoder &HocuspocusSession::forwardEncoder() const
{
    static const HocuspocusForwardEncoder encoder;
    return encoder;
}

LogFields HocuspocusSession::keyFields(const QByteArray &key) const
{
    LogFields out = fields();
    const QByteArray name = HocuspocusMessage::documentName(key);
    out.append({QStringLiteral("entity"), QString::fromUtf8(name)});
    if (name.size() != key.size())
        out.append({QStringLiteral("key"), QString::fromUtf8(key).replace(QChar(0), u'|')});
    return out;
}

QList<SessionRoom> HocuspocusSession::rooms() const
{
    QList<SessionRoom> out;
    out.reserve(m_byName.size());
    for (auto it = m_byName.cbegin(); it != m_byName.cend(); ++it) {
        const auto session = m_sessions.constFind(it->value(0));
        const Permission permission
            = session == m_sessions.cend() ? Permission::None : session->permission;
        out.append(SessionRoom {QString::fromUtf8(it.key()), kYjs, permissionName(permission)});
    }
    return out;
}

FrameLabel HocuspocusSession::labelOf(const QByteArray &frame) const
{
    if (frame.size() == 1 && frame[0] == char(Type::Ping))
        return FrameLabel {QStringLiteral("ping"), {}};
    if (frame.size() == 1 && frame[0] == char(Type::Pong))
        return FrameLabel {QStringLiteral("pong"), {}};
    qsizetype body = 0;
    if (!HocuspocusCodec::peekKey(frame, &body))
        return FrameLabel {QStringLiteral("invalid"), {}};
    yjs::Lib0Reader reader(QByteArrayView(frame).sliced(body));
    const auto type = reader.varUint();
    if (!type || *type > quint64(Type::Pong))
        return FrameLabel {QStringLiteral("invalid"), {}};
    HocuspocusMessage message;
    message.type = Type(*type);
    if (message.type == Type::Sync)
        message.syncStep = quint8(reader.varUint().value_or(3));
    return FrameLabel {message.name(), kindOfType(*type)};
}

void HocuspocusSession::handleBinary(const QByteArray &frame)
{
    if (frame.size() == 1 && frame[0] == char(Type::Pong)) {
        countIn(QStringLiteral("pong"), {}, 1); // the answer to our Ping
        return;
    }
    const Decoded decoded = HocuspocusCodec::decode(frame, Direction::FromProvider);
    const bool keyless = decoded && decoded->keyless(); // a bare 09: the server's own Ping
    if (!decoded ? !decoded.error().keyDecoded : keyless) {
        // Nothing can be routed or answered without a document name: the socket is closed, as
        // @hocuspocus/server does (4401), so a client that lost its framing starts over.
        countIn(QStringLiteral("invalid"), {}, frame.size());
        LogFields refused = fields();
        refused.append({QStringLiteral("reason"), QStringLiteral("bad-key")});
        log().record(QtWarningMsg, lcSync(),
            QStringLiteral("session closed: %1")
                .arg(keyless ? QStringLiteral("a bare 09 is the server's Ping, not a message")
                             : decoded.error().message),
            refused);
        if (metrics())
            metrics()->countRefusal(QStringLiteral("hocuspocus-bad-key"));
        close(QWebSocketProtocol::CloseCode(4401),
            QStringLiteral("Unauthorized: the frame names no document"), true);
        return;
    }
    if (decoded)
        countIn(decoded->name(), kindOfType(quint64(decoded->type)), frame.size());
    else
        countIn(
            QStringLiteral("invalid"), kindOfType(decoded.error().type.value_or(0)), frame.size());
    dispatch(frame, decoded);
}

void HocuspocusSession::dispatch(const QByteArray &frame, const Decoded &decoded)
{
    const QByteArray &key = decoded ? decoded->key : decoded.error().key;
    const auto it = m_sessions.find(key);
    if (it != m_sessions.end() && it->established)
        onEstablished(*it, decoded);
    else
        onPending(key, frame, decoded);
}

void HocuspocusSession::onPending(
    const QByteArray &key, const QByteArray &frame, const Decoded &decoded)
{
    if (decoded && decoded->type == Type::Auth) {
        if (decoded->authType == HocuspocusMessage::AuthType::Token)
            return onAuth(*decoded);
        rejectFrame(QStringLiteral("server-only-message"),
            QStringLiteral("Auth sub-type %1 is sent by a server, not to it")
                .arg(QString::number(int(decoded->authType))),
            keyFields(key).mid(2));
        return;
    }
    if (!decoded && decoded.error().type == quint64(Type::Auth)) {
        if (metrics())
            metrics()->countRefusal(QStringLiteral("auth-malformed"));
        deny(key, QStringLiteral("malformed-auth: %1").arg(decoded.error().message),
            QStringLiteral("malformed_auth"));
        if (isAuthenticated())
            rejectFrame(decoded.error().reason, decoded.error().message, keyFields(key).mid(2));
        else
            failedAuth();
        return;
    }
    if (decoded && decoded->type == Type::Close) {
        // Nothing was established: only what waited goes.
        if (const auto it = m_sessions.find(key); it != m_sessions.end()) {
            m_pendingFrames -= int(it->pending.size());
            m_pendingBytes -= it->pendingBytes;
            m_sessions.erase(it);
        }
        sendFrame(HocuspocusCodec::close(key, kProviderInitiated));
        return;
    }
    auto it = m_sessions.find(key);
    if (it == m_sessions.end()) {
        if (qsizetype(m_sessions.size()) - establishedCount() >= MaxPendingDocuments)
            return resetConnection(
                QStringLiteral("more than %1 documents wait for their Auth answer")
                    .arg(QString::number(MaxPendingDocuments)));
        HocuspocusDocumentSession fresh;
        fresh.key = key;
        fresh.name = HocuspocusMessage::documentName(key);
        fresh.generation = m_nextGeneration++;
        it = m_sessions.insert(key, std::move(fresh));
    }
    if (m_pendingFrames + 1 > MaxPendingFrames || m_pendingBytes + frame.size() > MaxPendingBytes)
        return resetConnection(
            QStringLiteral("more than %1 frames or %2 bytes wait for their Auth answer")
                .arg(QString::number(MaxPendingFrames), QString::number(MaxPendingBytes)));
    it->pending.append(frame);
    it->pendingBytes += frame.size();
    ++m_pendingFrames;
    m_pendingBytes += frame.size();
}

qsizetype HocuspocusSession::establishedCount() const
{
    qsizetype count = 0;
    for (const QList<QByteArray> &keys : m_byName)
        count += keys.size();
    return count;
}

void HocuspocusSession::resetConnection(const QString &why)
{
    LogFields refused = fields();
    refused.append({QStringLiteral("reason"), QStringLiteral("pending-limit")});
    log().record(QtWarningMsg, lcSync(), QStringLiteral("session closed: %1").arg(why), refused);
    if (metrics())
        metrics()->countRefusal(QStringLiteral("hocuspocus-pending-limit"));
    close(QWebSocketProtocol::CloseCode(4205), QStringLiteral("Reset Connection"), true);
}

void HocuspocusSession::onAuthDeadline()
{
    if (isAuthenticated())
        return;
    LogFields late = fields();
    late.append({QStringLiteral("reason"), QStringLiteral("no-auth")});
    log().record(QtInfoMsg, lcAuth(),
        QStringLiteral("session closed: no Auth accepted within %1 s")
            .arg(QString::number(AuthDeadlineMs / 1000)),
        late);
    if (metrics())
        metrics()->countRefusal(QStringLiteral("auth-deadline"));
    close(QWebSocketProtocol::CloseCode(4408), QStringLiteral("Connection Timeout"), true);
}

void HocuspocusSession::deny(const QByteArray &key, const QString &reason, const QString &result)
{
    // The pending state goes with the refusal: a later Auth is a fresh attempt (H5.2, 4.x).
    if (const auto it = m_sessions.find(key); it != m_sessions.end() && !it->established) {
        m_pendingFrames -= int(it->pending.size());
        m_pendingBytes -= it->pendingBytes;
        m_sessions.erase(it);
    }
    LogFields refused = keyFields(key);
    refused.append({QStringLiteral("reason"), result});
    log().record(
        QtInfoMsg, lcAuth(), QStringLiteral("document session refused: %1").arg(reason), refused);
    if (metrics())
        metrics()->countJoin(protocolName(), kYjs, result);
    sendFrame(HocuspocusCodec::permissionDenied(key, reason.left(1000).toUtf8()));
}

bool HocuspocusSession::authenticateSocket(const HocuspocusMessage &message)
{
    const QString token = QString::fromUtf8(message.token);
    ConnectionRefusal refusal {403, QStringLiteral("MissingToken"),
        QStringLiteral("the Auth message holds no token: send a connection token from "
                       "/xrpc/chat.roomy.v0.sync.token, the dev token, or for key:<name> the "
                       "access key's value")};
    if (!token.isEmpty()) {
        auto grant = m_authorizer.authorize(did(), token, remoteAddress());
        if (grant) {
            grantIdentity(*grant);
            m_authDeadline->stop();
            LogFields granted = fields();
            granted.append({QStringLiteral("auth"), grant->method});
            log().record(QtInfoMsg, lcAuth(), QStringLiteral("session authenticated"), granted);
            return true;
        }
        refusal = grant.error();
    }
    if (metrics())
        metrics()->countRefusal(QStringLiteral("auth-") + refusal.error);
    deny(message.key, refusal.message, QStringLiteral("auth_failed"));
    failedAuth();
    return false;
}

void HocuspocusSession::failedAuth()
{
    // Each failure is answered; a socket that keeps guessing is closed.
    if (++m_failedAuths < MaxFailedAuths)
        return;
    log().record(QtInfoMsg, lcAuth(),
        QStringLiteral("session closed: %1 failed authentications")
            .arg(QString::number(m_failedAuths)),
        fields());
    if (metrics())
        metrics()->countRefusal(QStringLiteral("auth-failures"));
    close(QWebSocketProtocol::CloseCodePolicyViolated,
        QStringLiteral("%1 failed authentications").arg(QString::number(m_failedAuths)), true);
}

void HocuspocusSession::onAuth(const HocuspocusMessage &message)
{
    const QByteArray key = message.key;
    const QByteArray name = HocuspocusMessage::documentName(key);
    const qsizetype sessionIdBytes = key.size() - name.size() - (key.size() > name.size() ? 1 : 0);
    if (name.isEmpty() || name.size() > MaxNameBytes || sessionIdBytes > MaxSessionIdBytes) {
        if (metrics())
            metrics()->countRefusal(QStringLiteral("invalid-document-name"));
        return deny(key,
            QStringLiteral("invalid-document-name: a document name is 1 to %1 bytes of UTF-8 (a "
                           "session id at most %2)")
                .arg(QString::number(MaxNameBytes), QString::number(MaxSessionIdBytes)),
            QStringLiteral("invalid_name"));
    }
    if (!isAuthenticated() && !authenticateSocket(message))
        return;
    if (establishedCount() >= limits().maxSubscriptions) {
        if (metrics())
            metrics()->countRefusal(QStringLiteral("max-subscriptions"));
        return deny(key,
            QStringLiteral("quota-exceeded: the socket holds its maximum of %1 documents")
                .arg(QString::number(limits().maxSubscriptions)),
            QStringLiteral("quota_exceeded"));
    }
    const DocumentKey document = yjsKey(name);
    const bool first = !m_byName.contains(name);
    quint64 generation = 0;
    if (const auto it = m_sessions.constFind(key); it != m_sessions.cend())
        generation = it->generation;
    else
        generation = m_nextGeneration++;
    if (first) {
        // The membership that forwards reach; the provider's SyncStep1, right behind, is what
        // gets answered (a second join re-answers).
        auto joined = hub().join(
            this, document, JoinRequest {hub().currentVersion(document), std::nullopt});
        if (!joined)
            return deny(key, joined.error().message, joined.error().reason);
        m_waiters[document].append({key, generation, JoinWaiter::Purpose::Membership});
    }
    const Permission permission = hub().memberPermission(this, document);
    const DocumentKey presence = awarenessKey(name);
    if (auto aware = hub().join(this, presence, JoinRequest {}); aware) {
        m_waiters[presence].append({key, generation, JoinWaiter::Purpose::Awareness});
    } else {
        LogFields missing = keyFields(key);
        missing.append({QStringLiteral("reason"), aware.error().reason});
        log().record(QtInfoMsg, lcSync(),
            QStringLiteral("no awareness for the document: %1").arg(aware.error().message),
            missing);
    }

    HocuspocusDocumentSession &session = m_sessions[key];
    session.key = key;
    session.name = name;
    session.generation = generation;
    session.established = true;
    session.permission = permission;
    session.providerVersion = message.providerVersion;
    const QList<QByteArray> waiting = std::exchange(session.pending, {});
    m_pendingFrames -= int(waiting.size());
    m_pendingBytes -= std::exchange(session.pendingBytes, 0);
    m_byName[name].append(key);
    m_relay->add(name, this, key);
    // Ping only a provider that answers it: 3.x throws on 09 (H7.5).
    if (message.hasProviderVersion && majorVersion(message.providerVersion) >= 4)
        m_pingsProvider = true;

    sendFrame(HocuspocusCodec::authenticated(key, scopeOf(permission)));
    LogFields opened = keyFields(key);
    opened.append({QStringLiteral("scope"), QString::fromLatin1(scopeOf(permission))});
    opened.append({QStringLiteral("providerVersion"),
        message.hasProviderVersion ? QString::fromUtf8(message.providerVersion).left(40)
                                   : QStringLiteral("none")});
    log().record(QtInfoMsg, lcSync(), QStringLiteral("document session opened"), opened);
    if (metrics())
        metrics()->countJoin(protocolName(), kYjs, QStringLiteral("ok"));
    if (first)
        Q_EMIT roomsChanged(this);
    // What waited, in arrival order; a CLOSE among it ends the session and what follows waits
    // again.
    for (const QByteArray &frame : waiting)
        dispatch(frame, HocuspocusCodec::decode(frame, Direction::FromProvider));
}

HocuspocusDocumentSession *HocuspocusSession::established(const QByteArray &key, quint64 generation)
{
    const auto it = m_sessions.find(key);
    if (it == m_sessions.end() || !it->established || it->generation != generation)
        return nullptr;
    return &*it;
}

QList<QByteArray> HocuspocusSession::siblings(const QByteArray &name, const QByteArray &key) const
{
    QList<QByteArray> out = m_byName.value(name);
    out.removeOne(key);
    return out;
}

void HocuspocusSession::onEstablished(HocuspocusDocumentSession &session, const Decoded &decoded)
{
    if (!decoded) {
        const HocuspocusError &error = decoded.error();
        // A SyncStep2 or Update the provider counts: it gets its (negative) SyncStatus.
        if (error.type == quint64(Type::Sync) && error.syncStep
            && (*error.syncStep == 1 || *error.syncStep == 2)) {
            session.statuses.append({nextTag(), 0});
            sendStatuses(session);
        }
        rejectFrame(error.reason, error.message, keyFields(session.key).mid(2));
        return;
    }
    const HocuspocusMessage &message = *decoded;
    switch (message.type) {
    case Type::Sync:
        if (message.syncStep == 0)
            onSyncStep1(session, message.data);
        else
            onSyncUpdate(session, message.data);
        return;
    case Type::Awareness:
        onAwareness(session, message.data);
        return;
    case Type::Auth:
        if (message.authType == HocuspocusMessage::AuthType::Token) {
            // A token sync (a reconnecting app's fresh token, the answer to 02 00): the
            // socket's identity is proven already.
            log().record(QtDebugMsg, lcAuth(), QStringLiteral("token sync: nothing to check"),
                keyFields(session.key));
            return;
        }
        rejectFrame(QStringLiteral("server-only-message"),
            QStringLiteral("Auth sub-type %1 is sent by a server, not to it")
                .arg(QString::number(int(message.authType))),
            keyFields(session.key).mid(2));
        return;
    case Type::QueryAwareness:
        onQueryAwareness(session);
        return;
    case Type::Stateless:
        onStateless(session, message.text);
        return;
    case Type::Close: {
        const QByteArray key = session.key;
        endDocument(key, Ending::ProviderClosed);
        sendFrame(HocuspocusCodec::close(key, kProviderInitiated));
        return;
    }
    case Type::SyncStatus:
        rejectFrame(QStringLiteral("server-only-message"),
            QStringLiteral("SyncStatus is sent by a server, not to it"),
            keyFields(session.key).mid(2));
        return;
    case Type::SyncReply:
    case Type::BroadcastStateless:
    case Type::Ping:
    case Type::Pong:
        return; // never decoded under a key
    }
}

void HocuspocusSession::onSyncStep1(
    HocuspocusDocumentSession &session, const QByteArray &stateVector)
{
    const DocumentKey document = yjsKey(session.name);
    auto joined = hub().join(this, document, JoinRequest {stateVector, std::nullopt});
    if (!joined) {
        rejectFrame(joined.error().reason,
            QStringLiteral("SyncStep1 not answered: %1").arg(joined.error().message),
            keyFields(session.key).mid(2));
        return;
    }
    m_waiters[document].append({session.key, session.generation, JoinWaiter::Purpose::SyncStep1});
}

void HocuspocusSession::onSyncUpdate(HocuspocusDocumentSession &session, const QByteArray &update)
{
    const quint64 tag = nextTag();
    session.statuses.append({tag, -1});
    PendingOutcome pending {session.key, session.generation, false, {}};
    // The hub forwards to other sockets only: other sessions of this document on this socket
    // get it from here, once stored.
    if (m_byName.value(session.name).size() > 1)
        pending.update = update;
    m_outcomes.insert(tag, std::move(pending));
    (void)hub().update(this, yjsKey(session.name), {update}, tagOf(tag), true);
}

void HocuspocusSession::onAwareness(HocuspocusDocumentSession &session, const QByteArray &update)
{
    const quint64 tag = nextTag();
    m_outcomes.insert(tag, PendingOutcome {session.key, session.generation, true, update});
    (void)hub().update(this, awarenessKey(session.name), {update}, tagOf(tag), true);
}

void HocuspocusSession::onQueryAwareness(HocuspocusDocumentSession &session)
{
    const DocumentKey presence = awarenessKey(session.name);
    auto joined = hub().join(this, presence, JoinRequest {});
    if (!joined) {
        // Nothing to tell: no state is known.
        sendFrame(HocuspocusCodec::awareness(session.key, yjs::encodeAwareness({})));
        return;
    }
    m_waiters[presence].append(
        {session.key, session.generation, JoinWaiter::Purpose::QueryAwareness});
}

void HocuspocusSession::onStateless(HocuspocusDocumentSession &session, const QByteArray &payload)
{
    const int reached = m_relay->relay(session.name, this, session.key, payload);
    LogFields relayed = keyFields(session.key);
    relayed.append({QStringLiteral("recipients"), QString::number(reached)});
    log().record(QtDebugMsg, lcSync(), QStringLiteral("stateless message relayed"), relayed);
}

void HocuspocusSession::deliverStateless(const QByteArray &key, const QByteArray &frame)
{
    const auto it = m_sessions.constFind(key);
    if (it != m_sessions.cend() && it->established)
        sendFrame(frame);
}

QByteArray HocuspocusSession::awarenessRemoval(const HocuspocusDocumentSession &session) const
{
    if (session.awarenessClients.isEmpty())
        return {};
    QList<yjs::AwarenessEntry> entries;
    for (auto it = session.awarenessClients.cbegin(); it != session.awarenessClients.cend(); ++it)
        entries.append(yjs::AwarenessEntry {it.key(), it.value(), QByteArrayLiteral("null")});
    return yjs::encodeAwareness(entries);
}

void HocuspocusSession::endDocument(const QByteArray &key, Ending ending)
{
    auto it = m_sessions.find(key);
    if (it == m_sessions.end())
        return;
    if (!it->established) {
        m_pendingFrames -= int(it->pending.size());
        m_pendingBytes -= it->pendingBytes;
        m_sessions.erase(it);
        return;
    }
    const QByteArray name = it->name;
    const DocumentKey document = yjsKey(name);
    const DocumentKey presence = awarenessKey(name);
    const bool last = m_byName.value(name).size() == 1;
    // The provider's CLOSE (read from the socket, not inside the hub's batch): what the hub
    // still owes this session (its SyncStatus, a SyncStep1's answer) goes out before the
    // CLOSE answer, and nothing of the batch is left to answer a later session of the key.
    if (ending == Ending::ProviderClosed
        && (!it->statuses.isEmpty() || !m_waiters.value(document).isEmpty()
            || !m_waiters.value(presence).isEmpty())) {
        hub().flush();
        it = m_sessions.find(key);
        if (it == m_sessions.end() || !it->established)
            return;
    }
    const HocuspocusDocumentSession ended = std::move(*it);
    m_sessions.erase(it);
    for (const HocuspocusDocumentSession::Status &status : ended.statuses)
        m_outcomes.remove(status.tag);
    m_relay->remove(name, this, key);
    auto &keys = m_byName[name];
    keys.removeOne(key);
    const QByteArray removal = awarenessRemoval(ended);
    if (!removal.isEmpty() && !isCutOff()) {
        // An evicted identity may no longer read the room: the hub refuses this, and the
        // entries expire 30 s after their last renewal instead.
        auto removed = hub().update(this, presence, {removal}, {}, false);
        if (!removed) {
            LogFields kept = keyFields(key);
            kept.append({QStringLiteral("reason"), removed.error().reason});
            log().record(QtInfoMsg, lcSync(),
                QStringLiteral("awareness removal refused: %1").arg(removed.error().message), kept);
        }
    }
    if (last) {
        m_byName.remove(name);
        hub().leave(this, document);
        hub().leave(this, presence);
        m_waiters.remove(document);
        m_waiters.remove(presence);
        Q_EMIT roomsChanged(this);
    }
    LogFields closed = keyFields(key);
    closed.append({QStringLiteral("reason"),
        ending == Ending::ProviderClosed ? QStringLiteral("provider_initiated")
            : ending == Ending::Evicted  ? QStringLiteral("evicted")
                                         : QStringLiteral("store-unavailable")});
    log().record(QtInfoMsg, lcSync(), QStringLiteral("document session closed"), closed);
}

void HocuspocusSession::resolveStatus(HocuspocusDocumentSession &session, quint64 tag, bool applied)
{
    for (HocuspocusDocumentSession::Status &status : session.statuses) {
        if (status.tag == tag) {
            status.applied = applied ? 1 : 0;
            break;
        }
    }
    sendStatuses(session);
}

void HocuspocusSession::sendStatuses(HocuspocusDocumentSession &session)
{
    // In message order: the provider counts them, it does not match them.
    while (!session.statuses.isEmpty() && session.statuses.front().applied >= 0) {
        const bool applied = session.statuses.takeFirst().applied == 1;
        if (metrics())
            metrics()->countAck(protocolName(), kYjs,
                applied ? QStringLiteral("applied") : QStringLiteral("not_applied"));
        sendFrame(HocuspocusCodec::syncStatus(session.key, applied));
    }
}

void HocuspocusSession::deliverJoin(const DocumentKey &document, const JoinAnswer &answer)
{
    const auto queue = m_waiters.find(document);
    if (queue == m_waiters.end() || queue->isEmpty())
        return;
    const JoinWaiter waiter = queue->takeFirst();
    const HocuspocusDocumentSession *session = established(waiter.key, waiter.generation);
    if (!session)
        return;
    const QByteArray &key = waiter.key;
    // The hub forwards nothing of this batch to a member it answered in it: the socket's other
    // sessions of the document get the answer's content instead.
    const QList<QByteArray> others = siblings(session->name, key);
    switch (waiter.purpose) {
    case JoinWaiter::Purpose::Membership:
        return;
    case JoinWaiter::Purpose::SyncStep1: {
        static const QByteArray empty("\x00\x00", 2); // a V1 update of nothing
        const QByteArray nothing = answer.nothing.isEmpty() ? empty : answer.nothing;
        sendFrame(HocuspocusCodec::sync(key, 0, answer.version));
        sendFrame(HocuspocusCodec::sync(key, 1, answer.payloads.value(0, nothing)));
        for (qsizetype i = 1; i < answer.payloads.size(); ++i)
            sendFrame(HocuspocusCodec::sync(key, 2, answer.payloads[i]));
        for (const QByteArray &other : others) {
            for (const QByteArray &payload : answer.payloads)
                sendFrame(HocuspocusCodec::sync(other, 2, payload));
        }
        return;
    }
    case JoinWaiter::Purpose::Awareness:
    case JoinWaiter::Purpose::QueryAwareness: {
        QList<QByteArray> payloads = answer.payloads;
        if (payloads.isEmpty() && waiter.purpose == JoinWaiter::Purpose::QueryAwareness)
            payloads.append(yjs::encodeAwareness({}));
        for (const QByteArray &payload : std::as_const(payloads)) {
            sendFrame(HocuspocusCodec::awareness(key, payload));
            for (const QByteArray &other : others)
                sendFrame(HocuspocusCodec::awareness(other, payload));
        }
        return;
    }
    }
}

void HocuspocusSession::deliverJoinFailure(const DocumentKey &document, const QString &message)
{
    if (auto queue = m_waiters.find(document); queue != m_waiters.end() && !queue->isEmpty())
        queue->removeFirst();
    const QByteArray name = document.name.toUtf8();
    if (document.kind != kYjs) {
        LogFields failed = fields();
        failed.append({QStringLiteral("entity"), document.name});
        log().record(QtWarningMsg, lcSync(),
            QStringLiteral("awareness states not sent: %1").arg(message), failed);
        return;
    }
    // Answering with less would tell the provider it holds everything: its sessions end.
    const QList<QByteArray> keys = m_byName.value(name);
    for (const QByteArray &key : keys) {
        sendFrame(HocuspocusCodec::close(key, message.toUtf8()));
        endDocument(key, Ending::Failed);
    }
}

void HocuspocusSession::deliverOutcome(
    const DocumentKey &document, const QByteArray &tag, const UpdateOutcome &outcome)
{
    if (tag.size() != 8)
        return;
    const quint64 number = qFromBigEndian<quint64>(tag.constData());
    const auto found = m_outcomes.constFind(number);
    if (found == m_outcomes.cend())
        return;
    const PendingOutcome pending = *found;
    m_outcomes.erase(found);
    HocuspocusDocumentSession *session = established(pending.key, pending.generation);
    if (!session)
        return;
    const bool stored = outcome.status == UpdateOutcome::Status::Stored;
    if (!stored) {
        LogFields refused = keyFields(pending.key);
        refused.append({QStringLiteral("kind"), document.kind});
        refused.append({QStringLiteral("reason"), outcome.reason});
        log().record(QtWarningMsg, lcSync(),
            QStringLiteral("update refused: %1").arg(outcome.message), refused);
        if (metrics())
            metrics()->countUpdateRefused(protocolName(), document.kind, outcome.reason);
    }
    const QList<QByteArray> others = siblings(session->name, pending.key);
    if (pending.awareness) {
        if (!stored)
            return;
        if (auto entries = yjs::decodeAwareness(pending.update)) {
            for (const yjs::AwarenessEntry &entry : *entries) {
                if (entry.removed())
                    session->awarenessClients.remove(entry.client);
                else
                    session->awarenessClients.insert(entry.client, entry.clock);
            }
        }
        // The echo keeps the provider's 30 s watchdog quiet while the document is idle (H6.4).
        sendFrame(HocuspocusCodec::awareness(pending.key, pending.update));
        for (const QByteArray &other : others)
            sendFrame(HocuspocusCodec::awareness(other, pending.update));
        return;
    }
    resolveStatus(*session, number, stored);
    if (stored && !pending.update.isEmpty()) {
        for (const QByteArray &other : others)
            sendFrame(HocuspocusCodec::sync(other, 2, pending.update));
    }
}

void HocuspocusSession::deliverFrames(const QList<QByteArray> &frames)
{
    for (const QByteArray &frame : frames) {
        const auto name = HocuspocusCodec::peekKey(frame);
        if (!name)
            continue;
        const auto keys = m_byName.constFind(*name);
        if (keys == m_byName.cend())
            continue;
        for (const QByteArray &key : *keys)
            sendFrame(key == *name ? frame : HocuspocusCodec::rekey(frame, key));
    }
}

void HocuspocusSession::deliverEviction(const DocumentKey &document, const QString &reason)
{
    m_waiters.remove(document);
    if (document.kind != kYjs)
        return;
    const QList<QByteArray> keys = m_byName.value(document.name.toUtf8());
    for (const QByteArray &key : keys) {
        sendFrame(HocuspocusCodec::close(key, QStringLiteral("evicted: %1").arg(reason).toUtf8()));
        endDocument(key, Ending::Evicted);
    }
}

void HocuspocusSession::deliverPermissionChange(const DocumentKey &document, Permission permission)
{
    if (document.kind != kYjs)
        return;
    const QList<QByteArray> keys = m_byName.value(document.name.toUtf8());
    for (const QByteArray &key : keys) {
        m_sessions[key].permission = permission;
        sendFrame(HocuspocusCodec::authenticated(key, scopeOf(permission)));
    }
    LogFields changed = fields();
    changed.append({QStringLiteral("entity"), document.name});
    changed.append({QStringLiteral("permission"), permissionName(permission)});
    log().record(QtInfoMsg, lcSync(),
        QStringLiteral("permission changed: Authenticated sent again with the new scope"), changed);
    Q_EMIT roomsChanged(this);
}

void HocuspocusSession::evict(const QString &reason)
{
    for (auto it = m_sessions.cbegin(); it != m_sessions.cend(); ++it) {
        if (it->established)
            sendFrame(HocuspocusCodec::close(
                it->key, QStringLiteral("evicted: %1").arg(reason).toUtf8()));
    }
    depart(); // while this session is still the hub's member
    PeerSession::evict(reason);
}

void HocuspocusSession::depart()
{
    if (std::exchange(m_departed, true))
        return;
    QList<HocuspocusDeparture::Removal> removals;
    for (auto it = m_sessions.cbegin(); it != m_sessions.cend(); ++it) {
        if (!it->established)
            continue;
        m_relay->remove(it->name, this, it->key);
        const QByteArray removal = awarenessRemoval(*it);
        if (!removal.isEmpty())
            removals.append({awarenessKey(it->name), removal});
    }
    for (auto it = m_sessions.begin(); it != m_sessions.end();)
        it = it->established ? m_sessions.erase(it) : std::next(it);
    m_byName.clear();
    m_waiters.clear();
    m_outcomes.clear();
    HocuspocusDeparture::send(hub(), id(), did(), removals);
}

void HocuspocusSession::onKeepalive()
{
    // The provider closes a socket that brought it nothing for 30 s (H7.1); an idle document
    // whose provider shares no awareness would reconnect every 30 s. A Ping is the least that
    // counts, and only 4.x providers take it.
    const quint64 sent = traffic().framesOut;
    if (m_pingsProvider && !isClosing() && sent == m_framesOutAtTick)
        sendFrame(HocuspocusCodec::ping());
    m_framesOutAtTick = traffic().framesOut;
}

} // namespace canopy
