#pragma once

#include "crdt/DocumentEngine.h"
#include "protocol/loro/LoroProtocolMessage.h"
#include "sync/PeerSession.h"

#include <QHash>
#include <QMap>

class QTimer;

namespace canopy {

class ConnectionAuthorizer;

// One WebSocket speaking loro-protocol v1 (the loro-websocket client): rooms multiplexed by
// (magic, room id), each a document of the kind its magic names. The socket authenticates with
// the token in its first JoinRequest; DocUpdates and reassembled fragment batches are acked
// once the hub committed them; what the host sends never exceeds 256 KiB per message. The Yjs
// awareness states a %YAW room's client introduced leave with it (a Leave, or the socket's
// close), as y-websocket and Hocuspocus clients' do, instead of 30 s later.
class LoroProtocolSession final : public PeerSession
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(LoroProtocolSession)

public:
    static constexpr int JoinDeadlineMs = 10000; // to a first successful join
    static constexpr int MaxFailedJoins = 3;
    static constexpr int FragmentTimeoutMs = 10000;

    LoroProtocolSession(quint64 id, QWebSocket *socket, const QString &did,
        ConnectionAuthorizer &authorizer, DocumentHub &hub, EventLog &log,
        const SessionLimits &limits, QObject *parent = nullptr);
    ~LoroProtocolSession() override;

    QString protocolName() const override { return QStringLiteral("loro"); }
    QList<SessionRoom> rooms() const override;
    void evict(const QString &reason) override;

    // The document kind a magic names ("loro" for "%LOR"), empty when this host serves none.
    static QString kindOf(QByteArrayView magic);
    static QByteArray magicOf(const QString &kind);

    // HubMember
    const ForwardEncoder &forwardEncoder() const override;
    // A JoinResponseOk cannot be fragmented: its version leaves room for the envelope.
    qsizetype versionBudget() const override { return LoroProtocolMessage::MaxMessageBytes - 512; }
    void deliverJoin(const DocumentKey &document, const JoinAnswer &answer) override;
    void deliverJoinFailure(const DocumentKey &document, const QString &message) override;
    void deliverOutcome(
        const DocumentKey &document, const QByteArray &tag, const UpdateOutcome &outcome) override;
    void deliverFrames(const QList<QByteArray> &frames) override;
    // RoomError evicted: the client drops the room for good.
    void deliverEviction(const DocumentKey &document, const QString &reason) override;
    // RoomError rejoin_suggested: the client rejoins and learns its permission from the answer.
    void deliverPermissionChange(const DocumentKey &document, Permission permission) override;

protected:
    void handleBinary(const QByteArray &frame) override;
    void handleText(const QString &text) override;
    FrameLabel labelOf(const QByteArray &frame) const override;

private:
    struct Room
    {
        QByteArray magic;
        QByteArray roomId;
        DocumentKey document;
        QString permission; // "read" or "write", as the hub judged it
        bool joined = false; // the JoinResponseOk went out
    };
    struct Batch
    {
        QByteArray roomKey;
        quint32 count = 0;
        quint32 total = 0;
        QMap<quint32, QByteArray> pieces;
        qint64 received = 0;
        quint64 generation = 0;
    };

    static QByteArray roomKey(const QByteArray &magic, const QByteArray &roomId);
    void onJoinRequest(const LoroProtocolMessage &message);
    bool authenticate(const LoroProtocolMessage &message);
    void onDocUpdate(const LoroProtocolMessage &message);
    void onFragmentHeader(const LoroProtocolMessage &message);
    void onFragment(const LoroProtocolMessage &message);
    void onLeave(const LoroProtocolMessage &message);
    // %YAW: which awareness clients the room's updates introduced, at which clock.
    void noteAwareness(const Room &room, const QList<QByteArray> &updates);
    // Their removal (clock unchanged, state null) to the room's other members, if any.
    void sendAwarenessRemoval(const DocumentKey &document);
    void sendAwarenessRemovals(); // every %YAW room, once the socket closed
    // Hands one message's updates to the hub; the ack follows with the batch's outcome.
    void submit(const Room &room, const QList<QByteArray> &updates, const QByteArray &batchId);
    const Room *writableRoom(const LoroProtocolMessage &message, const QByteArray &batchId);
    void sendJoinError(const LoroProtocolMessage &request, quint8 code, const QString &message,
        const QByteArray &receiverVersion = {}, const QString &appCode = {});
    void sendRoomError(const Room &room, quint8 code, const QString &text);
    void sendAck(const QByteArray &magic, const QByteArray &roomId, const QByteArray &batchId,
        LoroProtocolMessage::AckStatus status, const QString &kind);
    void sendMessages(const QList<QByteArray> &frames);
    void dropBatch(const QByteArray &batchId);
    void onBatchTimeout(const QByteArray &batchId, quint64 generation);
    qint64 reassemblyBytes() const;
    LogFields roomFields(const LoroProtocolMessage &message) const;

    ConnectionAuthorizer &m_authorizer;
    QHash<QByteArray, Room> m_rooms; // by roomKey
    QHash<QByteArray, Batch> m_batches; // incoming fragment batches by batch id
    QHash<QByteArray, qint64> m_refusedBatches; // batch id -> when; its fragments are ignored
    quint64 m_nextGeneration = 1;
    qint64 m_reservedBytes = 0; // declared sizes of the batches being reassembled
    int m_failedJoins = 0;
    QTimer *m_joinDeadline;
    QHash<QString, QHash<quint64, quint64>> m_awarenessClients; // %YAW room -> client -> clock
    bool m_backInHub = false; // a removal sent after the close made the hub know this member
};

} // namespace canopy
