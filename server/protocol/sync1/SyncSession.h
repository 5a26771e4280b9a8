#pragma once

#include "crdt/DocumentEngine.h"
#include "sync/PeerSession.h"

#include <QSet>

namespace canopy {

// One WebSocket speaking Leaf Sync1: every entity is a Loro document; subscribe joins it
// (bringing a snapshot or a version vector), sendUpdate writes to it, and the host answers
// each subscribe with exactly one handleUpdate (more only when a shallow root must travel
// whole). Bad frames are dropped, logged and counted.
class SyncSession final : public PeerSession
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(SyncSession)

public:
    SyncSession(quint64 id, QWebSocket *socket, const ConnectionGrant &grant, DocumentHub &hub,
        EventLog &log, const SessionLimits &limits, QObject *parent = nullptr);

    QString protocolName() const override { return QStringLiteral("sync1"); }
    QList<SessionRoom> rooms() const override;
    const QSet<QString> &subscriptions() const { return m_subscriptions; }

    // HubMember
    const ForwardEncoder &forwardEncoder() const override;
    void deliverJoin(const DocumentKey &document, const JoinAnswer &answer) override;
    void deliverJoinFailure(const DocumentKey &document, const QString &message) override;
    void deliverOutcome(
        const DocumentKey &document, const QByteArray &tag, const UpdateOutcome &outcome) override;
    // Sync1 cannot tell a subscriber it lost the document: the host stops delivering it.
    void deliverEviction(const DocumentKey &document, const QString &reason) override;
    // Nor that its permission changed: the next update is judged anew; the operator's view
    // follows.
    void deliverPermissionChange(const DocumentKey &document, Permission permission) override;

protected:
    void handleBinary(const QByteArray &frame) override;
    FrameLabel labelOf(const QByteArray &frame) const override;

private:
    void logRefusedUpdate(const QString &entityId, const crdt::Refusal &refusal);

    QSet<QString> m_subscriptions;
};

} // namespace canopy
