#pragma once

#include "auth/ConnectionAuthorizer.h"
#include "sync/SyncMessage.h"

#include <QDateTime>
#include <QHostAddress>
#include <QList>
#include <QObject>
#include <QPointer>
#include <QTcpSocket>
#include <QSet>
#include <QWebSocketProtocol>

class QTimer;
class QWebSocket;

namespace canopy {

class EntityHub;
class EventLog;
class Metrics;

struct SessionLimits
{
    qint64 maxMessageBytes = 32 * 1024 * 1024;
    int pingIntervalMs = 30000;
    int badFramesPerMinute = 100; // more than this closes the session with 1008
    int maxSubscriptions = 1000;
    qint64 maxQueueBytes = 64 * 1024 * 1024; // unsent bytes; past it the session closes with 1013
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

// One authenticated WebSocket speaking Sync1: decodes frames, validates them, hands them to the
// entity hub, and sends what the hub gives it. Bad frames are dropped, logged and counted.
class SyncSession final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(SyncSession)

public:
    SyncSession(quint64 id, QWebSocket *socket, ConnectionGrant grant, EntityHub &hub,
        EventLog &log, const SessionLimits &limits, QObject *parent = nullptr);
    ~SyncSession() override;

    quint64 id() const { return m_id; }
    QString idString() const { return QString::number(m_id); }
    const QString &did() const { return m_grant.did; }
    const ConnectionGrant &grant() const { return m_grant; }
    QHostAddress remoteAddress() const;
    QDateTime connectedAt() const { return m_connectedAt; }
    const QSet<QString> &subscriptions() const { return m_subscriptions; }
    const SessionTraffic &traffic() const { return m_traffic; }

    void sendFrame(const QByteArray &frame); // one binary message
    void setMetrics(Metrics *metrics) { m_metrics = metrics; }
    void setTransport(QTcpSocket *transport) { m_transport = transport; }
    // `cutOff`: read nothing more from this peer (revoked, banned, broke the rules); without it
    // frames that arrive during the close handshake are still served (graceful shutdown).
    void close(QWebSocketProtocol::CloseCode code, const QString &reason, bool cutOff = false);

    // Bookkeeping for the hub; the hub owns delivery.
    void addSubscription(const QString &entityId) { m_subscriptions.insert(entityId); }
    void removeSubscription(const QString &entityId) { m_subscriptions.remove(entityId); }

Q_SIGNALS:
    void closed(canopy::SyncSession *session);
    void frameReceived(canopy::SyncSession *session, const QByteArray &frame);
    void frameSent(canopy::SyncSession *session, const QByteArray &frame);
    void textFrameReceived(canopy::SyncSession *session, const QString &text);

private:
    void onBinaryMessage(const QByteArray &frame);
    void onTextMessage(const QString &text);
    void onPingTick();
    void onDisconnected();
    void rejectFrame(const QString &reason, const QString &detail, const QString &entityId = {});

    quint64 m_id;
    QWebSocket *m_socket;
    ConnectionGrant m_grant;
    EntityHub &m_hub;
    EventLog &m_log;
    SessionLimits m_limits;
    QDateTime m_connectedAt;
    QSet<QString> m_subscriptions;
    SessionTraffic m_traffic;
    QList<qint64> m_badFrameTimes; // ms, within the last minute
    QTimer *m_pingTimer;
    int m_missedPongs = 0;
    bool m_awaitingPong = false;
    bool m_closed = false;
    Metrics *m_metrics = nullptr;
    QPointer<QTcpSocket> m_transport;
    bool m_closeSent = false;
};

} // namespace canopy
