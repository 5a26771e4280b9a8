#pragma once

#include "auth/ConnectionAuthorizer.h"
#include "http/HttpRoute.h"

#include <QHash>
#include <QObject>
#include <QPointer>
#include <QTcpSocket>

class QWebSocketServer;

namespace canopy {

class EventLog;
class Metrics;
class SessionRegistry;

// GET /sync/as/<did>: checks the token from Sec-WebSocket-Protocol before any upgrade (403
// otherwise), then hands the connection to the WebSocket server with subprotocol "authorization".
class SyncRoute final : public QObject, public HttpRoute
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(SyncRoute)

public:
    static constexpr QStringView PathPrefix = u"/sync/as/";

    SyncRoute(ConnectionAuthorizer &authorizer, SessionRegistry &sessions, EventLog &log,
        QObject *parent = nullptr);

    bool matches(const HttpRequest &request) const override;
    void handle(HttpExchange &exchange) override;
    void setAuthorizer(ConnectionAuthorizer &authorizer) { m_authorizer = &authorizer; }
    void setConnectionLimits(int total, int perDid);
    void setMetrics(Metrics *metrics) { m_metrics = metrics; }

private:
    void onNewConnection();

    ConnectionAuthorizer *m_authorizer;
    SessionRegistry &m_sessions;
    EventLog &m_log;
    QWebSocketServer *m_webSockets;
    // Grants decided at the HTTP stage, waiting for their handshake; keyed by peer address:port.
    struct Pending
    {
        ConnectionGrant grant;
        QPointer<QTcpSocket> transport;
    };
    QHash<QString, Pending> m_pendingGrants;
    int m_maxConnections = 4096;
    int m_maxConnectionsPerDid = 16;
    Metrics *m_metrics = nullptr;
};

} // namespace canopy
