#pragma once

#include "http/HttpRoute.h"
#include "sync/PeerSession.h"
#include "util/Expected.h"

#include <QObject>

namespace canopy {

class ConnectionAuthorizer;
class DocumentHub;
class EventLog;
class Metrics;
class WebSocketUpgrader;

// GET /yjs/as/<did>/<room>: the y-websocket upgrade (y-websocket's WebsocketProvider with
// serverUrl ws://<host>/yjs/as/<did> and the room as its room name). The token comes as
// Sec-WebSocket-Protocol "authorization, <token>" (the provider's `protocols` option) and is
// checked before any upgrade, as on /sync/as/: the same tokens, dev token and access keys
// (key:<name> in the DID's place). The upgrade selects "authorization", never the token.
class YWebSocketRoute final : public QObject, public HttpRoute
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(YWebSocketRoute)

public:
    static constexpr QStringView PathPrefix = u"/yjs/as/";
    static constexpr qsizetype MaxRoomBytes = 256;

    YWebSocketRoute(ConnectionAuthorizer &authorizer, WebSocketUpgrader &upgrader, DocumentHub &hub,
        EventLog &log, const SessionLimits &limits, QObject *parent = nullptr);

    bool matches(const HttpRequest &request) const override;
    void handle(HttpExchange &exchange) override;
    void setAuthorizer(ConnectionAuthorizer &authorizer) { m_authorizer = &authorizer; }
    void setMetrics(Metrics *metrics) { m_metrics = metrics; }

    // The room at the end of the path (what follows "<did>/"), percent-decoded once: 1 to 256
    // bytes of UTF-8, any bytes but NUL. Or why not.
    static Expected<QString, QString> roomFromPath(QStringView rest);

private:
    ConnectionAuthorizer *m_authorizer;
    WebSocketUpgrader &m_upgrader;
    DocumentHub &m_hub;
    EventLog &m_log;
    SessionLimits m_limits;
    Metrics *m_metrics = nullptr;
};

} // namespace canopy
