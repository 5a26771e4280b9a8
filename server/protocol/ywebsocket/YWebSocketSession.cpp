#include "protocol/ywebsocket/YWebSocketSession.h"

#include "access/AccessControl.h"
#include "crdt/yjs/AwarenessUpdate.h"
#include "log/EventLog.h"
#include "log/LogCategories.h"
#include "log/Metrics.h"
#include "protocol/ywebsocket/YWebSocketCodec.h"
#include "sync/DocumentHub.h"

namespace canopy {
namespace {

using Message = YWebSocketMessage;
using yprotocols::SyncStep;

const QString kDocumentKind = YWebSocketSession::DocumentKind.toString();
const QString kAwarenessKind = YWebSocketSession::AwarenessKind.toString();

// The empty V1 update: no structs, no deletions. A provider's SyncStep2 often is just this.
constexpr QByteArrayView kEmptyUpdate("\0\0", 2);

// What the hub forwards: a document's new structs as a sync update, awareness as awareness.
class YWebSocketForwardEncoder final : public ForwardEncoder
{
public:
    QList<QByteArray> encodeForward(const DocumentKey &document, const QList<QByteArray> &payloads,
        const QByteArray &) const override
    {
        const bool awareness = document.kind == kAwarenessKind;
        QList<QByteArray> frames;
        frames.reserve(payloads.size());
        for (const QByteArray &payload : payloads)
            frames.append(awareness ? YWebSocketCodec::encodeAwareness(payload)
                                    : YWebSocketCodec::encodeSync(SyncStep::Update, payload));
        return frames;
    }
};

bool isAccessRefusal(const QString &reason)
{
    return reason == u"access-denied" || reason.startsWith(u"key-");
}

} // namespace

YWebSocketSession::YWebSocketSession(quint64 id, QWebSocket *socket, const ConnectionGrant &grant,
    const QString &room, DocumentHub &hub, EventLog &log, const SessionLimits &limits,
    QObject *parent)
    : PeerSession(id, socket, grant.did, hub, log, limits, parent)
    , m_room(room)
    , m_document {kDocumentKind, room}
    , m_awareness {kAwarenessKind, room}
{
    grantIdentity(grant);
    // Connected before the registry's own handler, which deletes the session later.
    connect(this, &PeerSession::closed, this, &YWebSocketSession::sendAwarenessRemoval);
    // Once the registry holds the session (its metrics and traffic capture are set then).
    QMetaObject::invokeMethod(this, &YWebSocketSession::open, Qt::QueuedConnection);
}

YWebSocketSession::~YWebSocketSession()
{
    // The removal sent after close made the hub know this member again.
    if (m_backInHub)
        hub().memberClosed(this);
}

const ForwardEncoder &YWebSocketSession::forwardEncoder() const
{
    static const YWebSocketForwardEncoder encoder;
    return encoder;
}

QList<SessionRoom> YWebSocketSession::rooms() const
{
    if (!m_joined)
        return {};
    return {SessionRoom {
        m_room, kDocumentKind, permissionName(hub().memberPermission(this, m_document))}};
}

LogFields YWebSocketSession::roomFields() const
{
    LogFields out = fields();
    out.append({QStringLiteral("entity"), m_room});
    return out;
}

FrameLabel YWebSocketSession::labelOf(const QByteArray &frame) const
{
    const QString label = YWebSocketCodec::peekLabel(frame);
    if (label.isEmpty())
        return FrameLabel {QStringLiteral("invalid"), {}};
    const bool awareness = label == Message::typeName(Message::Type::Awareness)
        || label == Message::typeName(Message::Type::QueryAwareness);
    return FrameLabel {label, awareness ? kAwarenessKind : kDocumentKind};
}

void YWebSocketSession::open()
{
    if (isClosing())
        return;
    // The awareness join judges read access to the room: one who may not read it hears nothing,
    // not even the state vector.
    auto joined = hub().join(this, m_awareness, JoinRequest {});
    if (!joined) {
        if (isAccessRefusal(joined.error().reason))
            return shutOut(joined.error());
        return closeForRetry(joined.error().message);
    }
    m_awarenessAnswers.append(false);
    const QByteArray stateVector = hub().currentVersion(m_document);
    if (stateVector.isEmpty())
        return closeForRetry(QStringLiteral("the host cannot read the document"));
    sendFrame(YWebSocketCodec::encodeSync(SyncStep::Step1, stateVector));
}

void YWebSocketSession::handleBinary(const QByteArray &frame)
{
    auto decoded = YWebSocketCodec::decode(frame);
    if (!decoded) {
        countIn(QStringLiteral("invalid"), {}, frame.size());
        rejectFrame(
            decoded.error().reason, decoded.error().message, {{QStringLiteral("entity"), m_room}});
        return;
    }
    const Message &message = *decoded;
    const bool awareness
        = message.type == Message::Type::Awareness || message.type == Message::Type::QueryAwareness;
    countIn(message.label(), awareness ? kAwarenessKind : kDocumentKind, frame.size());
    switch (message.type) {
    case Message::Type::Sync:
        if (message.sync.step == SyncStep::Step1)
            onSyncStep1(message.sync.data);
        else
            onUpdate(message.sync.data, message.label());
        return;
    case Message::Type::Awareness:
        onAwareness(message.awareness, frame);
        return;
    case Message::Type::Auth:
        // Servers send auth messages; a client's means nothing (the reference ignores it too).
        log().record(QtDebugMsg, lcSync(), QStringLiteral("auth message from the client ignored"),
            roomFields());
        return;
    case Message::Type::QueryAwareness:
        onQueryAwareness();
        return;
    }
}

void YWebSocketSession::onSyncStep1(const QByteArray &stateVector)
{
    // A join (again, for a provider's resyncInterval): answered with SyncStep2 once the batch
    // of this turn is committed.
    auto joined = hub().join(this, m_document, JoinRequest {stateVector, std::nullopt});
    if (!joined) {
        const crdt::Refusal &refusal = joined.error();
        if (isAccessRefusal(refusal.reason))
            return shutOut(refusal);
        if (refusal.reason == u"version-unknown") {
            if (metrics())
                metrics()->countJoin(protocolName(), kDocumentKind, refusal.reason);
            rejectFrame(QStringLiteral("bad-state-vector"), refusal.message,
                {{QStringLiteral("entity"), m_room}});
            return;
        }
        return closeForRetry(refusal.message);
    }
    if (!std::exchange(m_joined, true))
        Q_EMIT roomsChanged(this);
}

void YWebSocketSession::onUpdate(const QByteArray &update, const QString &step)
{
    if (update == kEmptyUpdate)
        return; // holds nothing to store, whoever sends it
    // The outcome only matters when the commit fails (see deliverOutcome): refusals are known now.
    auto updated = hub().update(this, m_document, {update}, {}, true);
    if (updated)
        return;
    const crdt::Refusal &refusal = updated.error();
    if (metrics())
        metrics()->countUpdateRefused(protocolName(), kDocumentKind, refusal.reason);
    LogFields refused = roomFields();
    refused.append({QStringLiteral("reason"), refusal.reason});
    refused.append({QStringLiteral("step"), step});
    if (refusal.malformed) {
        // Bytes that are no V1 update: a bad frame (it counts toward the session's budget).
        rejectFrame(refusal.reason, QStringLiteral("%1 refused: %2").arg(step, refusal.message),
            {{QStringLiteral("entity"), m_room}, {QStringLiteral("step"), step}});
        return;
    }
    if (refusal.reason == u"permission-denied" || refusal.reason.startsWith(u"key-")) {
        // A reader's edits: dropped, the session stays (see the class comment).
        log().record(QtInfoMsg, lcSync(),
            QStringLiteral("update dropped, the session may only read the room: %1")
                .arg(refusal.message),
            refused);
        return;
    }
    log().record(
        QtWarningMsg, lcSync(), QStringLiteral("update refused: %1").arg(refusal.message), refused);
}

void YWebSocketSession::onAwareness(const QByteArray &update, const QByteArray &frame)
{
    // Read here only to know which client ids this connection introduces; the engine judges
    // what applies.
    auto entries = yjs::decodeAwareness(update);
    if (!entries) {
        if (metrics())
            metrics()->countUpdateRefused(protocolName(), kAwarenessKind, entries.error().reason);
        rejectFrame(
            entries.error().reason, entries.error().message, {{QStringLiteral("entity"), m_room}});
        return;
    }
    qsizetype introduced = 0;
    for (const yjs::AwarenessEntry &entry : std::as_const(*entries)) {
        introduced += !entry.removed() && !m_awarenessClients.contains(entry.client)
                && introduces(entry.client, entry.clock)
            ? 1
            : 0;
    }
    if (m_awarenessClients.size() + introduced > MaxAwarenessClients) {
        if (metrics())
            metrics()->countUpdateRefused(
                protocolName(), kAwarenessKind, QStringLiteral("too-many-awareness-clients"));
        rejectFrame(QStringLiteral("too-many-awareness-clients"),
            QStringLiteral("the awareness update would make this connection speak for more than "
                           "%1 clients")
                .arg(MaxAwarenessClients),
            {{QStringLiteral("entity"), m_room}});
        return;
    }
    // Every update with an outcome hears exactly one, in order: the frame waits for its own.
    auto updated = hub().update(this, m_awareness, {update}, {}, true);
    m_pendingEchoes.append(frame);
    if (!updated) {
        const crdt::Refusal &refusal = updated.error();
        if (metrics())
            metrics()->countUpdateRefused(protocolName(), kAwarenessKind, refusal.reason);
        if (refusal.malformed) {
            rejectFrame(refusal.reason, refusal.message, {{QStringLiteral("entity"), m_room}});
        } else {
            LogFields refused = roomFields();
            refused.append({QStringLiteral("reason"), refusal.reason});
            refused.append({QStringLiteral("kind"), kAwarenessKind});
            log().record(QtInfoMsg, lcSync(),
                QStringLiteral("awareness refused: %1").arg(refusal.message), refused);
        }
        return;
    }
    for (const yjs::AwarenessEntry &entry : std::as_const(*entries)) {
        const auto own = m_awarenessClients.find(entry.client);
        if (entry.removed()) {
            if (own != m_awarenessClients.end() && entry.clock >= *own)
                m_awarenessClients.erase(own); // it said goodbye itself
        } else if (own != m_awarenessClients.end()) {
            *own = std::max(*own, entry.clock);
        } else if (introduces(entry.client, entry.clock)) {
            m_awarenessClients.insert(entry.client, entry.clock);
        }
    }
}

bool YWebSocketSession::introduces(quint64 client, quint64 clock) const
{
    const auto heard = m_heardClocks.constFind(client);
    return heard == m_heardClocks.constEnd() || clock > *heard;
}

void YWebSocketSession::noteHeard(QByteArrayView awarenessUpdate)
{
    const auto entries = yjs::decodeAwareness(awarenessUpdate);
    if (!entries)
        return;
    for (const yjs::AwarenessEntry &entry : std::as_const(*entries)) {
        const auto heard = m_heardClocks.find(entry.client);
        if (heard != m_heardClocks.end())
            *heard = std::max(*heard, entry.clock);
        else if (m_heardClocks.size() < MaxHeardClients)
            m_heardClocks.insert(entry.client, entry.clock);
    }
}

void YWebSocketSession::deliverFrames(const QList<QByteArray> &frames)
{
    for (const QByteArray &frame : frames) {
        if (frame.startsWith(char(Message::Type::Awareness))) {
            const auto decoded = YWebSocketCodec::decode(frame);
            if (decoded && decoded->type == Message::Type::Awareness)
                noteHeard(decoded->awareness);
        }
    }
    PeerSession::deliverFrames(frames);
}

void YWebSocketSession::onQueryAwareness()
{
    // One answer at a time: a one-byte query must not buy an answer per byte.
    if (m_awarenessAnswers.contains(true))
        return;
    // A second join of the same member is answered again: with every state the room holds.
    auto joined = hub().join(this, m_awareness, JoinRequest {});
    if (!joined) {
        if (isAccessRefusal(joined.error().reason))
            return shutOut(joined.error());
        return closeForRetry(joined.error().message);
    }
    m_awarenessAnswers.append(true);
}

void YWebSocketSession::deliverJoin(const DocumentKey &document, const JoinAnswer &answer)
{
    if (document == m_awareness) {
        const bool asked = !m_awarenessAnswers.isEmpty() && m_awarenessAnswers.takeFirst();
        for (const QByteArray &payload : answer.payloads) {
            noteHeard(payload);
            sendFrame(YWebSocketCodec::encodeAwareness(payload));
        }
        if (answer.payloads.isEmpty() && asked)
            sendFrame(YWebSocketCodec::encodeAwareness(yjs::encodeAwareness({})));
        return;
    }
    if (document != m_document)
        return;
    if (metrics())
        metrics()->countJoin(protocolName(), kDocumentKind, QStringLiteral("ok"));
    // Exactly one SyncStep2, even when the client lacks nothing (the provider is "synced" then).
    if (answer.payloads.isEmpty()) {
        sendFrame(YWebSocketCodec::encodeSync(SyncStep::Step2,
            answer.nothing.isEmpty() ? kEmptyUpdate : QByteArrayView(answer.nothing)));
        return;
    }
    sendFrame(YWebSocketCodec::encodeSync(SyncStep::Step2, answer.payloads.first()));
    for (qsizetype i = 1; i < answer.payloads.size(); ++i)
        sendFrame(YWebSocketCodec::encodeSync(SyncStep::Update, answer.payloads.at(i)));
}

void YWebSocketSession::deliverJoinFailure(const DocumentKey &, const QString &message)
{
    closeForRetry(message);
}

void YWebSocketSession::deliverOutcome(
    const DocumentKey &document, const QByteArray &, const UpdateOutcome &outcome)
{
    if (document == m_awareness) {
        if (m_pendingEchoes.isEmpty())
            return;
        const QByteArray frame = m_pendingEchoes.takeFirst();
        // The reference server relays awareness to every connection, the sender's included; the
        // provider's 30 s watchdog counts on hearing its own renewals back.
        if (outcome.status == UpdateOutcome::Status::Stored)
            sendFrame(frame);
        return;
    }
    if (document != m_document || outcome.status != UpdateOutcome::Status::StoreFailed)
        return; // refusals were handled when the update arrived
    // y-websocket has no acknowledgements: a reconnect is how the update comes back, as the
    // client answers the next SyncStep1 with everything the host lacks.
    closeForRetry(QStringLiteral("an update could not be stored; reconnect to send it again"));
}

void YWebSocketSession::deliverEviction(const DocumentKey &document, const QString &reason)
{
    LogFields ended = roomFields();
    ended.append({QStringLiteral("kind"), document.kind});
    ended.append({QStringLiteral("reason"), QStringLiteral("access-denied")});
    log().record(
        QtInfoMsg, lcSync(), QStringLiteral("evicted from the room: %1").arg(reason), ended);
    if (isClosing())
        return;
    sendFrame(YWebSocketCodec::encodePermissionDenied(reason));
    close(QWebSocketProtocol::CloseCode(4403), QStringLiteral("access denied"), true);
}

void YWebSocketSession::deliverPermissionChange(const DocumentKey &document, Permission permission)
{
    if (document != m_document)
        return; // awareness needs only read: it never changes for a member that keeps read
    LogFields changed = roomFields();
    changed.append({QStringLiteral("permission"), permissionName(permission)});
    log().record(QtInfoMsg, lcSync(),
        QStringLiteral("permission changed to %1").arg(permissionName(permission)), changed);
    Q_EMIT roomsChanged(this);
}

void YWebSocketSession::evict(const QString &reason)
{
    sendFrame(YWebSocketCodec::encodePermissionDenied(reason));
    PeerSession::evict(reason);
}

void YWebSocketSession::shutOut(const crdt::Refusal &refusal)
{
    LogFields refused = roomFields();
    refused.append({QStringLiteral("reason"), refusal.reason});
    log().record(QtInfoMsg, lcSync(),
        QStringLiteral("session closed: it may not read the room: %1").arg(refusal.message),
        refused);
    if (metrics())
        metrics()->countJoin(protocolName(), kDocumentKind, refusal.reason);
    // The provider logs the reason ("Permission denied to access <url>") and, on 4403, stops.
    sendFrame(YWebSocketCodec::encodePermissionDenied(refusal.message));
    close(QWebSocketProtocol::CloseCode(4403), refusal.reason, true);
}

void YWebSocketSession::closeForRetry(const QString &why)
{
    LogFields ended = roomFields();
    ended.append({QStringLiteral("reason"), QStringLiteral("host-error")});
    log().record(QtWarningMsg, lcSync(), QStringLiteral("session closed: %1").arg(why), ended);
    close(QWebSocketProtocol::CloseCodeBadOperation, why, true);
}

void YWebSocketSession::sendAwarenessRemoval()
{
    // As the reference server does when a connection closes: the states it introduced leave,
    // clock unchanged, state null. Only others can hear it (nobody left: nothing to say, and no
    // empty room to make).
    if (m_awarenessClients.isEmpty() || hub().memberCount(m_awareness) == 0)
        return;
    QList<yjs::AwarenessEntry> removals;
    removals.reserve(m_awarenessClients.size());
    for (auto it = m_awarenessClients.cbegin(); it != m_awarenessClients.cend(); ++it)
        removals.append(yjs::AwarenessEntry {it.key(), it.value(), QByteArrayLiteral("null")});
    m_awarenessClients.clear();
    // The hub knows this member again until the destructor: the removal is forwarded at the
    // end of this turn only while its sender is live.
    m_backInHub = true;
    auto removed = hub().update(this, m_awareness, {yjs::encodeAwareness(removals)}, {}, false);
    if (!removed) {
        LogFields refused = roomFields();
        refused.append({QStringLiteral("reason"), removed.error().reason});
        log().record(QtInfoMsg, lcSync(),
            QStringLiteral("the closed session's awareness removal was refused: %1")
                .arg(removed.error().message),
            refused);
    }
}

} // namespace canopy
