#include "protocol/hocuspocus/HocuspocusRoute.h"

#include "http/HttpExchange.h"
#include "log/EventLog.h"
#include "log/LogCategories.h"
#include "log/Metrics.h"
#include "protocol/hocuspocus/HocuspocusSession.h"
#include "protocol/hocuspocus/HocuspocusStatelessRelay.h"
#include "sync/WebSocketUpgrader.h"

namespace canopy {

HocuspocusRoute::HocuspocusRoute(ConnectionAuthorizer &authorizer, WebSocketUpgrader &upgrader,
    DocumentHub &hub, EventLog &log, const SessionLimits &limits, QObject *parent)
    : QObject(parent)
    , m_authorizer(&authorizer)
    , m_upgrader(upgrader)
    , m_hub(hub)
    , m_log(log)
    , m_limits(limits)
    , m_relay(std::make_shared<HocuspocusStatelessRelay>())
{
}

HocuspocusRoute::~HocuspocusRoute() = default;

bool HocuspocusRoute::matches(const HttpRequest &request) const
{
    return request.rawPath.startsWith(PathPrefix);
}

void HocuspocusRoute::handle(HttpExchange &exchange)
{
    const HttpRequest &request = exchange.request();
    LogFields fields {{QStringLiteral("remote"), request.remoteAddress.toString()},
        {QStringLiteral("protocol"), QStringLiteral("hocuspocus")}};
    const auto did = m_upgrader.preflight(exchange, u"/hocuspocus/as/<did>",
        QStringView(request.rawPath).mid(PathPrefix.size()), fields);
    if (!did)
        return;
    fields.prepend({QStringLiteral("did"), *did});
    if (!m_upgrader.admit(exchange, *did, fields))
        return;
    m_upgrader.upgrade(exchange, *did, [this, did = *did](QWebSocket *socket, quint64 id) {
        return new HocuspocusSession(
            id, socket, did, *m_authorizer, m_hub, m_log, m_limits, m_relay);
    });
}

} // namespace canopy
