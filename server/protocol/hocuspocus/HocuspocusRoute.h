#pragma once

#include "http/HttpRoute.h"
#include "sync/PeerSession.h"

#include <memory>

#include <QObject>

namespace canopy {

class ConnectionAuthorizer;
class DocumentHub;
class EventLog;
class HocuspocusStatelessRelay;
class Metrics;
class WebSocketUpgrader;

// GET /hocuspocus/as/<did>: the Hocuspocus upgrade (@hocuspocus/provider's url). The DID (or
// key:<name>) in the path is the identity the socket acts as; the provider proves it in-band,
// with the token of each document's Auth message, so the upgrade spends nothing. Connection
// limits are checked first. The route owns what the sessions share: the stateless relay.
class HocuspocusRoute final : public QObject, public HttpRoute
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(HocuspocusRoute)

public:
    static constexpr QStringView PathPrefix = u"/hocuspocus/as/";

    HocuspocusRoute(ConnectionAuthorizer &authorizer, WebSocketUpgrader &upgrader, DocumentHub &hub,
        EventLog &log, const SessionLimits &limits, QObject *parent = nullptr);
    ~HocuspocusRoute() override;

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
    // Shared with the sessions, which may outlive the route while the host shuts down.
    std::shared_ptr<HocuspocusStatelessRelay> m_relay;
};

} // namespace canopy
