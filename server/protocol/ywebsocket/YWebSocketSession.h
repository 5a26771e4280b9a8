#pragma once

#include "crdt/DocumentEngine.h"
#include "sync/PeerSession.h"

#include <QHash>
#include <QList>

namespace canopy {

struct YWebSocketMessage;

// One y-websocket connection (y-websocket's WebsocketProvider): one room, which is the Yjs
// document {"yjs", room} and its awareness {"yaw", room}. It behaves as the reference server
// (@y/websocket-server) does: SyncStep1 with the host's state vector on open, then the room's
// awareness states; a client's SyncStep1 is a join answered with SyncStep2 (what it lacks);
// its SyncStep2 and updates go to the hub, which commits before anything is forwarded; awareness
// is relayed, echoed to the sender once the hub took it (the provider closes a connection that
// hears nothing for 30 s), and the states this connection introduced are removed when it closes.
//
// A read-only session (access rules) receives everything; what it writes is dropped, logged and
// counted, and it stays open: the provider sends its SyncStep2 on every connect and local edits
// as the application makes them, which is no misbehaviour, so these refusals do not count toward
// the bad-frame budget. Malformed frames and updates do.
class YWebSocketSession final : public PeerSession
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(YWebSocketSession)

public:
    static constexpr QStringView DocumentKind = u"yjs";
    static constexpr QStringView AwarenessKind = u"yaw";
    // Awareness client ids one connection may introduce (a provider has one, a few more when
    // browser tabs relay each other's states over its BroadcastChannel).
    static constexpr int MaxAwarenessClients = 256;
    // Other clients' awareness clocks a connection remembers having told its peer.
    static constexpr int MaxHeardClients = 4096;

    YWebSocketSession(quint64 id, QWebSocket *socket, const ConnectionGrant &grant,
        const QString &room, DocumentHub &hub, EventLog &log, const SessionLimits &limits,
        QObject *parent = nullptr);
    ~YWebSocketSession() override;

    QString protocolName() const override { return QStringLiteral("y-websocket"); }
    QList<SessionRoom> rooms() const override;
    const QString &room() const { return m_room; }
    // Tells the provider (an auth message: permission denied), then closes with 4403.
    void evict(const QString &reason) override;

    // HubMember
    const ForwardEncoder &forwardEncoder() const override;
    void deliverJoin(const DocumentKey &document, const JoinAnswer &answer) override;
    void deliverJoinFailure(const DocumentKey &document, const QString &message) override;
    void deliverOutcome(
        const DocumentKey &document, const QByteArray &tag, const UpdateOutcome &outcome) override;
    // The provider cannot be told it lost the room but by a close: 4403, which it does not retry.
    void deliverEviction(const DocumentKey &document, const QString &reason) override;
    void deliverPermissionChange(const DocumentKey &document, Permission permission) override;
    // Notes the awareness clocks it relays: the provider sends them back (see m_heardClocks).
    void deliverFrames(const QList<QByteArray> &frames) override;

protected:
    void handleBinary(const QByteArray &frame) override;
    FrameLabel labelOf(const QByteArray &frame) const override;

private:
    void open();
    void onSyncStep1(const QByteArray &stateVector);
    void onUpdate(const QByteArray &update, const QString &step);
    void onAwareness(const QByteArray &update, const QByteArray &frame);
    void onQueryAwareness();
    // Closes for good: an auth message saying why, then 4403 (the provider does not reconnect).
    void shutOut(const crdt::Refusal &refusal);
    void closeForRetry(const QString &why); // 1011: the provider reconnects and syncs again
    void sendAwarenessRemoval();
    void noteHeard(QByteArrayView awarenessUpdate);
    // Whether the peer's entry for `client` at `clock` is its own rather than a relay.
    bool introduces(quint64 client, quint64 clock) const;
    LogFields roomFields() const;

    QString m_room;
    DocumentKey m_document;
    DocumentKey m_awareness;
    // Awareness clients this connection introduced, with the latest clock it sent for each.
    QHash<quint64, quint64> m_awarenessClients;
    // The latest clock of each other client's state this connection told its peer. The provider
    // sends every awareness change back, others' included, with the clock it heard; only the
    // owner of a state advances its clock. So an entry at a clock it heard is a relay: its
    // client was not introduced here, and must not be removed when this connection closes (the
    // reference server tracks only the clients a connection added).
    QHash<quint64, quint64> m_heardClocks;
    QList<QByteArray> m_pendingEchoes; // awareness frames awaiting their outcome, in order
    // Awareness joins awaiting their answer, in order: true for a queryAwareness (answered even
    // when there are no states), false for the join on open (answered only when there are).
    QList<bool> m_awarenessAnswers;
    bool m_joined = false; // the client's SyncStep1 made it a member of the document
    bool m_backInHub = false; // its removal was handed to the hub after the session closed
};

} // namespace canopy
