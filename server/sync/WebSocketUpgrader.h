#pragma once

#include "log/LogFields.h"

#include <functional>

#include <QHash>
#include <QObject>
#include <QPointer>
#include <QTcpSocket>

class QWebSocket;
class QWebSocketServer;

namespace canopy {

class EventLog;
class HttpExchange;
class Metrics;
class PeerSession;
class SessionRegistry;

// The upgrade every wire protocol shares: connection limits counted over all protocols (and
// over handshakes still running), the WebSocket handshake within 10 s, then a session made by
// the protocol's route and handed to the registry.
class WebSocketUpgrader final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(WebSocketUpgrader)

public:
    using SessionFactory = std::function<PeerSession *(QWebSocket *socket, quint64 id)>;

    WebSocketUpgrader(SessionRegistry &sessions, EventLog &log, QObject *parent = nullptr);

    void setConnectionLimits(int total, int perDid);
    void setMetrics(Metrics *metrics) { m_metrics = metrics; }
    // Answers 503 or 429 and returns false when `did` may not open one more connection.
    bool admit(HttpExchange &exchange, const QString &did, const LogFields &fields);
    // Takes the socket from the front; `factory` makes its session once the handshake is done.
    void upgrade(HttpExchange &exchange, const QString &did, SessionFactory factory);

private:
    void onNewConnection();

    SessionRegistry &m_sessions;
    EventLog &m_log;
    QWebSocketServer *m_webSockets;
    // Upgrades waiting for their handshake, keyed by peer address:port.
    struct Pending
    {
        QString did;
        SessionFactory factory;
        QPointer<QTcpSocket> transport;
    };
    QHash<QString, Pending> m_pending;
    int m_maxConnections = 4096;
    int m_maxConnectionsPerDid = 16;
    Metrics *m_metrics = nullptr;
};

} // namespace canopy
