#pragma once

#include "protocol/hocuspocus/HocuspocusCodec.h"
#include "protocol/hocuspocus/HocuspocusDocumentSession.h"
#include "sync/PeerSession.h"

#include <memory>

#include <QHash>

class QTimer;

namespace canopy {

class ConnectionAuthorizer;
class HocuspocusStatelessRelay;

// One WebSocket speaking the Hocuspocus protocol (@hocuspocus/provider 4.x, H8): documents
// multiplexed by key, each authenticating on its own with the token in its Auth message (the
// first accepted one proves the path's identity for the whole socket; later ones are not
// re-checked, as on /loro/as/). Each document name is the Yjs document {"yjs", name} and its
// awareness {"yaw", name}; every SyncStep2 and Update gets exactly one SyncStatus, `ok` only
// once the hub committed it, in message order.
class HocuspocusSession final : public PeerSession
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(HocuspocusSession)

public:
    // Until a first Auth is accepted (then 4408, as server 4.7 closes an unauthenticated socket).
    static constexpr int AuthDeadlineMs = 10000;
    static constexpr int MaxFailedAuths = 16; // per socket, before one succeeds: then 1008
    // What waits for Auth answers, per socket (server 4.7's limits): past them, 4205.
    static constexpr qint64 MaxPendingBytes = 5 * 1024 * 1024;
    static constexpr int MaxPendingFrames = 1000;
    static constexpr int MaxPendingDocuments = 100;
    // A document name is a room name every protocol shares (y-websocket's 1 to 256 bytes).
    static constexpr qsizetype MaxNameBytes = 256;
    static constexpr qsizetype MaxSessionIdBytes = 256;

    HocuspocusSession(quint64 id, QWebSocket *socket, const QString &did,
        ConnectionAuthorizer &authorizer, DocumentHub &hub, EventLog &log,
        const SessionLimits &limits, std::shared_ptr<HocuspocusStatelessRelay> relay,
        QObject *parent = nullptr);
    ~HocuspocusSession() override;

    QString protocolName() const override { return QStringLiteral("hocuspocus"); }
    QList<SessionRoom> rooms() const override;
    // Every document session hears CLOSE first; then the socket closes with 4403.
    void evict(const QString &reason) override;

    // A Stateless message (encoded for `key`) another session of the same document sent.
    void deliverStateless(const QByteArray &key, const QByteArray &frame);

    // HubMember
    const ForwardEncoder &forwardEncoder() const override;
    void deliverJoin(const DocumentKey &document, const JoinAnswer &answer) override;
    void deliverJoinFailure(const DocumentKey &document, const QString &message) override;
    void deliverOutcome(
        const DocumentKey &document, const QByteArray &tag, const UpdateOutcome &outcome) override;
    void deliverFrames(const QList<QByteArray> &frames) override;
    // CLOSE for the document's sessions: the provider drops them until it reconnects.
    void deliverEviction(const DocumentKey &document, const QString &reason) override;
    // Authenticated again, with the new scope.
    void deliverPermissionChange(const DocumentKey &document, Permission permission) override;

protected:
    void handleBinary(const QByteArray &frame) override;
    FrameLabel labelOf(const QByteArray &frame) const override;

private:
    using Message = HocuspocusMessage;
    using Decoded = Expected<HocuspocusMessage, HocuspocusError>;

    // What a join's answer is for: answers come in the order the joins were made.
    struct JoinWaiter
    {
        enum class Purpose
        {
            Membership, // the join at Auth: it makes the socket a member; the answer is dropped
            SyncStep1, // answered with SyncStep1 then SyncStep2
            Awareness, // all current states, at the session's start
            QueryAwareness, // all current states, even none
        };
        QByteArray key;
        quint64 generation = 0;
        Purpose purpose = Purpose::Membership;
    };
    // What an update's outcome is for, by its tag.
    struct PendingOutcome
    {
        QByteArray key;
        quint64 generation = 0;
        bool awareness = false; // else a SyncStep2 or Update awaiting its SyncStatus
        QByteArray update; // awareness: the update, echoed once stored
    };
    enum class Ending
    {
        ProviderClosed, // its CLOSE
        Evicted, // the hub let it go (read lost)
        Failed, // the host cannot serve the document
    };

    void dispatch(const QByteArray &frame, const Decoded &decoded);
    void onPending(const QByteArray &key, const QByteArray &frame, const Decoded &decoded);
    void onAuth(const Message &message);
    void deny(const QByteArray &key, const QString &reason, const QString &result);
    bool authenticateSocket(const Message &message);
    void failedAuth(); // before the socket is authenticated; closes it at MaxFailedAuths
    void onEstablished(HocuspocusDocumentSession &session, const Decoded &decoded);
    void onSyncStep1(HocuspocusDocumentSession &session, const QByteArray &stateVector);
    void onSyncUpdate(HocuspocusDocumentSession &session, const QByteArray &update);
    void onAwareness(HocuspocusDocumentSession &session, const QByteArray &update);
    void onQueryAwareness(HocuspocusDocumentSession &session);
    void onStateless(HocuspocusDocumentSession &session, const QByteArray &payload);
    // Ends one document session; the hub memberships go with the name's last one.
    void endDocument(const QByteArray &key, Ending ending);
    void resolveStatus(HocuspocusDocumentSession &session, quint64 tag, bool applied);
    void sendStatuses(HocuspocusDocumentSession &session);
    quint64 nextTag() { return m_nextTag++; }
    qsizetype establishedCount() const;
    HocuspocusDocumentSession *established(const QByteArray &key, quint64 generation);
    // The established sessions of a document name other than `key`.
    QList<QByteArray> siblings(const QByteArray &name, const QByteArray &key) const;
    QByteArray awarenessRemoval(const HocuspocusDocumentSession &session) const;
    // Every awareness client this socket introduced, removed through a stand-in member (the
    // socket is no longer one); once.
    void depart();
    void onKeepalive();
    void onAuthDeadline();
    void resetConnection(const QString &why);
    static DocumentKey yjsKey(const QByteArray &name);
    static DocumentKey awarenessKey(const QByteArray &name);
    LogFields keyFields(const QByteArray &key) const;

    ConnectionAuthorizer &m_authorizer;
    std::shared_ptr<HocuspocusStatelessRelay> m_relay;
    QHash<QByteArray, HocuspocusDocumentSession> m_sessions; // by key, pending ones too
    QHash<QByteArray, QList<QByteArray>> m_byName; // established keys per document name
    QHash<DocumentKey, QList<JoinWaiter>> m_waiters;
    QHash<quint64, PendingOutcome> m_outcomes; // by tag
    quint64 m_nextTag = 1;
    quint64 m_nextGeneration = 1;
    int m_pendingFrames = 0;
    qint64 m_pendingBytes = 0;
    int m_failedAuths = 0;
    bool m_pingsProvider = false; // a provider of 4.0 or later: it answers Ping
    bool m_departed = false;
    quint64 m_framesOutAtTick = 0;
    QTimer *m_authDeadline;
    QTimer *m_keepalive;
};

} // namespace canopy
