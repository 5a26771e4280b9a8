#pragma once

#include "auth/ConnectionAuthorizer.h"
#include "log/LogFields.h"
#include "sync/HubMember.h"

#include <QDateTime>
#include <QElapsedTimer>
#include <QHostAddress>
#include <QList>
#include <QObject>
#include <QPointer>
#include <QTcpSocket>
#include <QWebSocketProtocol>

class QTimer;
class QWebSocket;

namespace canopy {

class DocumentHub;
class EventLog;
class Metrics;

struct SessionLimits
{
    qint64 maxMessageBytes = 32 * 1024 * 1024;
    int pingIntervalMs = 30000;
    int badFramesPerMinute = 100; // more than this closes the session with 1008
    int maxSubscriptions = 1000; // documents joined at once
    qint64 maxQueueBytes = 64 * 1024 * 1024; // unsent bytes; past it the session closes with 1013
    // WebSocket pings a peer may send: a burst, then a steady rate. Each one beyond is a bad
    // frame ("ping-flood"), so a flood is closed with 1008 after badFramesPerMinute more.
    int pingBurst = 30;
    int pingsPerSecond = 2;
};

struct SessionTraffic
{
    quint64 framesIn = 0;
    quint64 framesOut = 0;
    quint64 bytesIn = 0;
    quint64 bytesOut = 0;
    quint64 badFrames = 0;
    quint64 textFrames = 0;
};

// One joined document as the operator sees it.
struct SessionRoom
{
    QString id; // the document's name (EntityId or room id)
    QString kind; // "loro", "elo", "eph", "eps"
    QString permission; // "read" or "write"
};

// What a frame is, for metrics: its message type and the document kind it concerns.
struct FrameLabel
{
    QString type;
    QString kind;
};

// One WebSocket peer, whatever protocol it speaks: the socket and its TCP transport, pings,
// limits (message size -> 1009, bad frames and ping floods -> 1008, send queue, Qt's own pongs
// included -> 1013), the close handshake, traffic counts. Each wire protocol derives its session
// from this and turns frames into hub calls and hub answers into frames.
class PeerSession : public QObject, public HubMember
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(PeerSession)

public:
    PeerSession(quint64 id, QWebSocket *socket, QString did, DocumentHub &hub, EventLog &log,
        const SessionLimits &limits, QObject *parent = nullptr);
    ~PeerSession() override;

    virtual QString protocolName() const = 0; // "sync1" or "loro"
    virtual QList<SessionRoom> rooms() const = 0;
    // The operator removed this peer (revoked, banned): close with 4403 within a second.
    virtual void evict(const QString &reason);

    quint64 id() const { return m_id; }
    QString idString() const { return QString::number(m_id); }
    const QString &did() const { return m_did; }
    bool isAuthenticated() const { return !m_grant.method.isEmpty(); }
    const ConnectionGrant &grant() const { return m_grant; }
    QHostAddress remoteAddress() const;
    QDateTime connectedAt() const { return m_connectedAt; }
    const SessionTraffic &traffic() const { return m_traffic; }

    void sendFrame(const QByteArray &frame); // one binary message
    void sendText(const QString &text);
    void setMetrics(Metrics *metrics) { m_metrics = metrics; }
    void setTransport(QTcpSocket *transport);
    // `cutOff`: read nothing more from this peer (revoked, banned, broke the rules); without it
    // frames that arrive during the close handshake are still served (graceful shutdown).
    void close(QWebSocketProtocol::CloseCode code, const QString &reason, bool cutOff = false);

    // HubMember
    quint64 memberId() const override { return m_id; }
    QString memberDid() const override { return m_did; }
    void deliverFrames(const QList<QByteArray> &frames) override;

Q_SIGNALS:
    void closed(canopy::PeerSession *session);
    void authenticated(canopy::PeerSession *session);
    void roomsChanged(canopy::PeerSession *session);
    void frameReceived(canopy::PeerSession *session, const QByteArray &frame);
    void frameSent(canopy::PeerSession *session, const QByteArray &frame);
    void textFrameReceived(canopy::PeerSession *session, const QString &text);
    void textFrameSent(canopy::PeerSession *session, const QString &text);

protected:
    virtual void handleBinary(const QByteArray &frame) = 0;
    // Text frames are ignored unless a protocol gives them a meaning; they are counted.
    virtual void handleText(const QString &text);
    // What an outgoing frame is, for metrics.
    virtual FrameLabel labelOf(const QByteArray &frame) const = 0;

    // Drops a bad frame: logged with session, DID and reason, counted; more than the budget in
    // a minute closes the session with 1008.
    void rejectFrame(const QString &reason, const QString &detail, LogFields extra = {});
    void grantIdentity(const ConnectionGrant &grant);
    void countIn(const QString &type, const QString &kind, qint64 bytes);
    LogFields fields() const;
    bool isCutOff() const { return m_closed; }
    // Bytes the kernel has not taken yet (Qt's write buffer; with TLS, what still waits to be
    // encrypted and what waits encrypted).
    qint64 queuedBytes() const;
    bool isClosing() const { return m_closed || m_closeSent; }

    DocumentHub &hub() { return m_hub; }
    const DocumentHub &hub() const { return m_hub; }
    EventLog &log() { return m_log; }
    Metrics *metrics() const { return m_metrics; }
    const SessionLimits &limits() const { return m_limits; }

private Q_SLOTS:
    void onPingReceived(); // a ping from the peer, after Qt queued its pong

private:
    void watchPings();
    // False (and the session closed with 1013) when `adding` more bytes would pass the cap.
    bool withinQueueLimit(qint64 adding);
    // For a peer cut off for breaking the rules: Qt stops reading and answering its frames.
    void stopReading();
    void onBinaryMessage(const QByteArray &frame);
    void onTextMessage(const QString &text);
    void onPingTick();
    void onDisconnected();
    void onQtClosing();
    bool admitOutgoing(qint64 bytes);

    quint64 m_id;
    QWebSocket *m_socket;
    QString m_did;
    ConnectionGrant m_grant;
    DocumentHub &m_hub;
    EventLog &m_log;
    SessionLimits m_limits;
    QDateTime m_connectedAt;
    SessionTraffic m_traffic;
    QList<qint64> m_badFrameTimes; // ms, within the last minute
    QElapsedTimer m_pingClock;
    double m_pingTokens = 0;
    qint64 m_pingRefilledMs = 0;
    QTimer *m_pingTimer;
    int m_missedPongs = 0;
    bool m_awaitingPong = false;
    bool m_closed = false;
    Metrics *m_metrics = nullptr;
    QPointer<QTcpSocket> m_transport;
    bool m_closeSent = false;
    int m_drainFd = -1; // kept when Qt closes by itself, so the peer can read its close code
};

} // namespace canopy
