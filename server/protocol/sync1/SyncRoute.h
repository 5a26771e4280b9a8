#pragma once

#include "auth/ConnectionAuthorizer.h"
#include "http/HttpRoute.h"
#include "sync/PeerSession.h"

#include <QObject>

namespace canopy {

class DocumentHub;
class EventLog;
class Metrics;
class WebSocketUpgrader;

// GET /sync/as/<did>: checks the token from Sec-WebSocket-Protocol before any upgrade (403
// otherwise), then upgrades with subprotocol "authorization" into a Sync1 session.
class SyncRoute final : public QObject, public HttpRoute
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(SyncRoute)

public:
    static constexpr QStringView PathPrefix = u"/sync/as/";

    SyncRoute(ConnectionAuthorizer &authorizer, WebSocketUpgrader &upgrader, DocumentHub &hub,
        EventLog &log, const SessionLimits &limits, QObject *parent = nullptr);

    bool matches(const HttpRequest &request) const override;
    void handle(HttpExchange &exchange) override;
    void setAuthorizer(ConnectionAuthorizer &authorizer) { m_authorizer = &authorizer; }
    void setMetrics(Metrics *metrics) { m_metrics = metrics; }

private:
    ConnectionAuthorizer *m_authorizer;
    WebSocketUpgrader &m_upgrader;
    DocumentHub &m_hub;
    EventLog &m_log;
    SessionLimits m_limits;
    Metrics *m_metrics = nullptr;
};

} // namespace canopy
