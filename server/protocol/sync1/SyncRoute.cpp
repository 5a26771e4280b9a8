#include "protocol/sync1/SyncRoute.h"

#include "http/HttpExchange.h"
#include "log/EventLog.h"
#include "log/LogCategories.h"
#include "log/Metrics.h"
#include "protocol/sync1/SyncSession.h"
#include "sync/WebSocketUpgrader.h"

namespace canopy {

SyncRoute::SyncRoute(ConnectionAuthorizer &authorizer, WebSocketUpgrader &upgrader,
    DocumentHub &hub, EventLog &log, const SessionLimits &limits, QObject *parent)
    : QObject(parent)
    , m_authorizer(&authorizer)
    , m_upgrader(upgrader)
    , m_hub(hub)
    , m_log(log)
    , m_limits(limits)
{
}

bool SyncRoute::matches(const HttpRequest &request) const
{
    return request.rawPath.startsWith(PathPrefix);
}

void SyncRoute::handle(HttpExchange &exchange)
{
    const HttpRequest &request = exchange.request();
    const QString remote = request.remoteAddress.toString();
    const auto did = m_upgrader.preflight(exchange, u"/sync/as/<did>",
        QStringView(request.rawPath).mid(PathPrefix.size()), {{QStringLiteral("remote"), remote}});
    if (!did)
        return;
    const LogFields fields {{QStringLiteral("did"), *did}, {QStringLiteral("remote"), remote}};
    // Limits come before the token, so a refused connection does not spend it.
    if (!m_upgrader.admit(exchange, *did, fields))
        return;
    const auto grant = m_upgrader.authorizeSubprotocol(exchange, *m_authorizer, *did, {}, fields);
    if (!grant)
        return;
    m_upgrader.upgrade(exchange, *did, [this, granted = *grant](QWebSocket *socket, quint64 id) {
        return new SyncSession(id, socket, granted, m_hub, m_log, m_limits);
    });
}

} // namespace canopy
