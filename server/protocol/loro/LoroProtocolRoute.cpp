#include "protocol/loro/LoroProtocolRoute.h"

#include "http/HttpExchange.h"
#include "log/EventLog.h"
#include "log/LogCategories.h"
#include "protocol/loro/LoroProtocolSession.h"
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
    LogFields fields {{QStringLiteral("remote"), request.remoteAddress.toString()},
        {QStringLiteral("protocol"), QStringLiteral("loro")}};
    const auto did = m_upgrader.preflight(
        exchange, u"/loro/as/<did>", QStringView(request.rawPath).mid(PathPrefix.size()), fields);
    if (!did)
        return;
    fields.prepend({QStringLiteral("did"), *did});
    if (!m_upgrader.admit(exchange, *did, fields))
        return;
    m_upgrader.upgrade(exchange, *did, [this, did = *did](QWebSocket *socket, quint64 id) {
        return new LoroProtocolSession(id, socket, did, *m_authorizer, m_hub, m_log, m_limits);
    });
}

} // namespace canopy
