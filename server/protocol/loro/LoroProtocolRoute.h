#pragma once

#include "http/HttpRoute.h"
#include "sync/PeerSession.h"

#include <QObject>

namespace canopy {

class ConnectionAuthorizer;
class DocumentHub;
class EventLog;
class WebSocketUpgrader;

// GET /loro/as/<did>: the loro-protocol upgrade. The DID in the path is the identity the
// session will act as; it proves it in its first JoinRequest (loro-websocket clients carry
// their token there, not in the upgrade). Connection limits are checked first; a ban only once
// a join's token would open the DID, so the upgrade tells nobody of one.
class LoroProtocolRoute final : public QObject, public HttpRoute
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(LoroProtocolRoute)

public:
    static constexpr QStringView PathPrefix = u"/loro/as/";

    LoroProtocolRoute(ConnectionAuthorizer &authorizer, WebSocketUpgrader &upgrader,
        DocumentHub &hub, EventLog &log, const SessionLimits &limits, QObject *parent = nullptr);

    bool matches(const HttpRequest &request) const override;
    void handle(HttpExchange &exchange) override;
    void setAuthorizer(ConnectionAuthorizer &authorizer) { m_authorizer = &authorizer; }

private:
    ConnectionAuthorizer *m_authorizer;
    WebSocketUpgrader &m_upgrader;
    DocumentHub &m_hub;
    EventLog &m_log;
    SessionLimits m_limits;
};

} // namespace canopy
