#include "protocol/hocuspocus/HocuspocusRoute.h"

#include "http/HttpExchange.h"
#include "log/EventLog.h"
#include "log/LogCategories.h"
#include "log/Metrics.h"
#include "protocol/hocuspocus/HocuspocusSession.h"
#include "protocol/hocuspocus/HocuspocusStatelessRelay.h"
#include "sync/WebSocketUpgrader.h"
#include "util/Did.h"

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
    if (request.method != "GET") {
        exchange.respond(HttpResponse::error(
            405, QStringLiteral("MethodNotAllowed"), QStringLiteral("/hocuspocus/as/ takes GET")));
        return;
    }
    if (!request.isWebSocketUpgrade()) {
        exchange.respond(HttpResponse::error(400, QStringLiteral("BadRequest"),
            QStringLiteral("/hocuspocus/as/<did> requires Upgrade: websocket")));
        return;
    }
    // The whole upgrade is checked before anything is spent on it: Qt would refuse it later.
    if (!m_upgrader.validate(
            exchange, {{QStringLiteral("remote"), request.remoteAddress.toString()}}))
        return;
    const auto parsed
        = Did::identityFromPathSegment(QStringView(request.rawPath).mid(PathPrefix.size()));
    if (!parsed) {
        m_log.record(QtInfoMsg, lcAuth(),
            QStringLiteral("upgrade refused: the path does not end in a DID or key:<name>"),
            {{QStringLiteral("reason"), parsed.error()},
                {QStringLiteral("remote"), request.remoteAddress.toString()},
                {QStringLiteral("protocol"), QStringLiteral("hocuspocus")}});
        if (m_metrics)
            m_metrics->countRefusal(QStringLiteral("invalid-did"));
        exchange.respond(HttpResponse::error(400, QStringLiteral("InvalidDid"),
            QStringLiteral("the path does not end in a DID or key:<name>: ") + parsed.error()));
        return;
    }
    const QString did = *parsed;
    const LogFields fields {{QStringLiteral("did"), did},
        {QStringLiteral("remote"), request.remoteAddress.toString()},
        {QStringLiteral("protocol"), QStringLiteral("hocuspocus")}};
    if (!m_upgrader.admit(exchange, did, fields))
        return;
    m_upgrader.upgrade(exchange, did, [this, did](QWebSocket *socket, quint64 id) {
        return new HocuspocusSession(
            id, socket, did, *m_authorizer, m_hub, m_log, m_limits, m_relay);
    });
}

} // namespace canopy
