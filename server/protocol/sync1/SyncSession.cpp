#include "protocol/sync1/SyncSession.h"

#include "access/AccessControl.h"
#include "crdt/loro/LoroEngine.h"
#include "log/EventLog.h"
#include "log/LogCategories.h"
#include "log/Metrics.h"
#include "protocol/sync1/SyncCodec.h"
#include "sync/DocumentHub.h"

namespace canopy {
namespace {

const QString kKind = loro::LoroEngine::Kind.toString();

DocumentKey keyOf(const QString &entityId)
{
    return DocumentKey {kKind, entityId};
}

// Sync1 carries one Loro blob per handleUpdate, so each payload is its own message.
class Sync1ForwardEncoder final : public ForwardEncoder
{
public:
    QList<QByteArray> encodeForward(const DocumentKey &document, const QList<QByteArray> &payloads,
        const QByteArray &) const override
    {
        QList<QByteArray> frames;
        frames.reserve(payloads.size());
        for (const QByteArray &payload : payloads)
            frames.append(SyncCodec::encodeHandleUpdate(document.name, payload));
        return frames;
    }
};

} // namespace

SyncSession::SyncSession(quint64 id, QWebSocket *socket, const ConnectionGrant &grant,
    DocumentHub &hub, EventLog &log, const SessionLimits &limits, QObject *parent)
    : PeerSession(id, socket, grant.did, hub, log, limits, parent)
{
    grantIdentity(grant);
}

const ForwardEncoder &SyncSession::forwardEncoder() const
{
    static const Sync1ForwardEncoder encoder;
    return encoder;
}

QList<SessionRoom> SyncSession::rooms() const
{
    QList<SessionRoom> out;
    out.reserve(m_subscriptions.size());
    for (const QString &entity : m_subscriptions)
        out.append(SessionRoom {
            entity, kKind, permissionName(hub().memberPermission(this, keyOf(entity)))});
    return out;
}

FrameLabel SyncSession::labelOf(const QByteArray &) const
{
    return FrameLabel {QStringLiteral("handleUpdate"), kKind}; // the only message a host sends
}

void SyncSession::deliverJoin(const DocumentKey &document, const JoinAnswer &answer)
{
    if (!m_subscriptions.contains(document.name))
        return;
    // Exactly one answer, even when the subscriber lacks nothing (the empty update).
    if (answer.payloads.isEmpty()) {
        sendFrame(SyncCodec::encodeHandleUpdate(document.name, answer.nothing));
        return;
    }
    for (const QByteArray &payload : answer.payloads)
        sendFrame(SyncCodec::encodeHandleUpdate(document.name, payload));
}

void SyncSession::deliverJoinFailure(const DocumentKey &, const QString &message)
{
    close(QWebSocketProtocol::CloseCodeBadOperation, message, true);
}

void SyncSession::deliverOutcome(const DocumentKey &, const QByteArray &, const UpdateOutcome &)
{
    // Sync1 has no acknowledgements: a sender learns nothing of its update's fate.
}

void SyncSession::deliverEviction(const DocumentKey &document, const QString &reason)
{
    if (!m_subscriptions.remove(document.name))
        return;
    LogFields ended = fields();
    ended.append({QStringLiteral("entity"), document.name});
    ended.append({QStringLiteral("reason"), QStringLiteral("access-denied")});
    log().record(QtInfoMsg, lcSync(),
        QStringLiteral("subscription ended, no longer delivered: %1").arg(reason), ended);
    Q_EMIT roomsChanged(this);
}

void SyncSession::deliverPermissionChange(const DocumentKey &document, Permission permission)
{
    LogFields changed = fields();
    changed.append({QStringLiteral("entity"), document.name});
    changed.append({QStringLiteral("permission"), permissionName(permission)});
    log().record(QtInfoMsg, lcSync(),
        QStringLiteral("permission changed to %1").arg(permissionName(permission)), changed);
    Q_EMIT roomsChanged(this);
}

void SyncSession::logRefusedUpdate(const QString &entityId, const crdt::Refusal &refusal)
{
    LogFields refused = fields();
    refused.append({QStringLiteral("entity"), entityId});
    refused.append({QStringLiteral("reason"), refusal.reason});
    log().record(
        QtWarningMsg, lcSync(), QStringLiteral("update refused: %1").arg(refusal.message), refused);
    if (metrics())
        metrics()->countUpdateRefused(protocolName(), kKind, refusal.reason);
}

void SyncSession::handleBinary(const QByteArray &frame)
{
    auto decoded = SyncCodec::decode(frame);
    countIn(decoded ? SyncMessage::typeName(decoded->type) : QStringLiteral("invalid"), kKind,
        frame.size());
    if (!decoded) {
        rejectFrame(SyncCodecError::codeName(decoded.error().code), decoded.error().message);
        return;
    }
    const SyncMessage &message = *decoded;
    const LogFields entity {{QStringLiteral("entity"), message.entityId}};
    switch (message.type) {
    case SyncMessage::Type::Subscribe: {
        if (!m_subscriptions.contains(message.entityId)
            && m_subscriptions.size() >= limits().maxSubscriptions) {
            LogFields refused = fields();
            refused.append(entity);
            log().record(QtWarningMsg, lcSync(),
                QStringLiteral(
                    "subscribe refused: the session holds its maximum of %1 subscriptions")
                    .arg(limits().maxSubscriptions),
                refused);
            if (metrics())
                metrics()->countRefusal(QStringLiteral("max-subscriptions"));
            return;
        }
        JoinRequest request;
        if (message.payloadKind == SyncMessage::PayloadKind::VersionVector)
            request.version = message.payload;
        else
            request.state = message.payload;
        std::optional<crdt::Refusal> stateRefused;
        auto joined = hub().join(this, keyOf(message.entityId), request, &stateRefused);
        if (!joined) {
            const crdt::Refusal &refusal = joined.error();
            if (refusal.reason == u"access-denied" || refusal.reason.startsWith(u"key-")) {
                // Dropped without an answer, as Sync1 has none for it (counted by the hub).
                LogFields refused = fields();
                refused.append(entity);
                refused.append({QStringLiteral("reason"), refusal.reason});
                log().record(QtInfoMsg, lcSync(),
                    QStringLiteral("subscribe refused: %1").arg(refusal.message), refused);
                return;
            }
            if (!refusal.malformed) {
                logRefusedUpdate(message.entityId, refusal);
                return;
            }
            // A version or snapshot that does not parse names its own defect.
            const bool unreadableVersion = joined.error().reason == u"version-unknown";
            rejectFrame(
                unreadableVersion ? QStringLiteral("bad-version-vector") : joined.error().reason,
                joined.error().message, entity);
            return;
        }
        if (stateRefused)
            logRefusedUpdate(message.entityId, *stateRefused);
        m_subscriptions.insert(message.entityId);
        Q_EMIT roomsChanged(this);
        return;
    }
    case SyncMessage::Type::Unsubscribe:
        hub().leave(this, keyOf(message.entityId));
        if (m_subscriptions.remove(message.entityId))
            Q_EMIT roomsChanged(this);
        return;
    case SyncMessage::Type::SendUpdate: {
        // The sender need not be subscribed (as in the original).
        auto updated = hub().update(this, keyOf(message.entityId), {message.payload}, {}, false);
        if (!updated) {
            const crdt::Refusal &refusal = updated.error();
            // A blob that does not parse is a bad frame; one the document cannot take is not.
            if (refusal.malformed)
                rejectFrame(refusal.reason, refusal.message, entity);
            else
                logRefusedUpdate(message.entityId, refusal);
        }
        return;
    }
    case SyncMessage::Type::HandleUpdate:
        rejectFrame(QStringLiteral("unexpected-type"),
            QStringLiteral("handleUpdate is sent by the host, not to it"), entity);
        return;
    }
}

} // namespace canopy
