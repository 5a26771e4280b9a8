#include "protocol/loro/LoroProtocolRoute.h"

#include "http/HttpExchange.h"
#include "log/EventLog.h"
#include "log/LogCategories.h"
#include "protocol/loro/LoroProtocolSession.h"
#include "protocol/sync1/SyncRoute.h"
#include "sync/WebSocketUpgrader.h"

namespace canopy {

LoroProtocolRoute::LoroProtocolRoute(ConnectionAuthorizer &authorizer, WebSocketUpgrader &upgrader,
    DocumentHub &hub, EventLog &log, const SessionLimits &limits, QObject *parent)
    : QObject(parent)
    , m_authorizer(&authorizer)
    , m_upgrader(upgrader)
    , m_hub(hub)
    , m_log(log)
    , m_limits(limits)
{
}

bool LoroProtocolRoute::matches(const HttpRequest &request) const
{
    return request.rawPath.startsWith(PathPrefix);
}

void LoroProtocolRoute::handle(HttpExchange &exchange)
{
    const HttpRequest &request = exchange.request();
    if (request.method != "GET") {
        exchange.respond(HttpResponse::error(
            405, QStringLiteral("MethodNotAllowed"), QStringLiteral("/loro/as/ takes GET")));
        return;
    }
    if (!request.isWebSocketUpgrade()) {
        exchange.respond(HttpResponse::error(400, QStringLiteral("BadRequest"),
            QStringLiteral("/loro/as/<did> requires Upgrade: websocket")));
        return;
    }
    // The whole upgrade is checked before anything is spent on it: Qt would refuse it later.
    if (!m_upgrader.validate(
            exchange, {{QStringLiteral("remote"), request.remoteAddress.toString()}}))
        return;
    const QString did = SyncRoute::didFromPath(QStringView(request.rawPath).mid(PathPrefix.size()));
    if (did.isEmpty()) {
        exchange.respond(HttpResponse::error(400, QStringLiteral("InvalidDid"),
            QStringLiteral("the path does not end in a DID or key:<name>")));
        return;
    }
    const LogFields fields {{QStringLiteral("did"), did},
        {QStringLiteral("remote"), request.remoteAddress.toString()},
        {QStringLiteral("protocol"), QStringLiteral("loro")}};
    if (!m_upgrader.admit(exchange, did, fields))
        return;
    m_upgrader.upgrade(exchange, did, [this, did](QWebSocket *socket, quint64 id) {
        return new LoroProtocolSession(id, socket, did, *m_authorizer, m_hub, m_log, m_limits);
    });
}

} // namespace canopy
