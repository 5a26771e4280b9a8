#include "protocol/sync1/SyncRoute.h"

#include "http/HttpExchange.h"
#include "log/EventLog.h"
#include "log/LogCategories.h"
#include "log/Metrics.h"
#include "protocol/sync1/SyncSession.h"
#include "sync/WebSocketUpgrader.h"
#include "util/Did.h"

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

QString SyncRoute::didFromPath(QStringView rest)
{
    auto did = Did::identityFromPathSegment(rest);
    return did ? *did : QString();
}

bool SyncRoute::matches(const HttpRequest &request) const
{
    return request.rawPath.startsWith(PathPrefix);
}

void SyncRoute::handle(HttpExchange &exchange)
{
    const HttpRequest &request = exchange.request();
    if (request.method != "GET") {
        exchange.respond(HttpResponse::error(
            405, QStringLiteral("MethodNotAllowed"), QStringLiteral("/sync/as/ takes GET")));
        return;
    }
    if (!request.isWebSocketUpgrade()) {
        exchange.respond(HttpResponse::error(400, QStringLiteral("BadRequest"),
            QStringLiteral("/sync/as/<did> requires Upgrade: websocket")));
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
                {QStringLiteral("remote"), request.remoteAddress.toString()}});
        if (m_metrics)
            m_metrics->countRefusal(QStringLiteral("invalid-did"));
        exchange.respond(HttpResponse::error(400, QStringLiteral("InvalidDid"),
            QStringLiteral("the path does not end in a DID or key:<name>: ") + parsed.error()));
        return;
    }
    // Canonical: bans, tokens, keys and the session all see this spelling.
    const QString did = *parsed;

    // Browsers send "authorization, <token>", the ws package "authorization,<token>".
    QStringList offered;
    for (const QByteArray &part : request.header("sec-websocket-protocol").split(','))
        offered.append(QString::fromLatin1(part.trimmed()));
    const LogFields fields {
        {QStringLiteral("did"), did}, {QStringLiteral("remote"), request.remoteAddress.toString()}};
    if (offered.size() < 2 || offered.at(0) != u"authorization" || offered.at(1).isEmpty()) {
        m_log.record(QtInfoMsg, lcAuth(), QStringLiteral("upgrade refused: no token"), fields);
        exchange.respond(HttpResponse::error(403, QStringLiteral("MissingToken"),
            QStringLiteral("offer the subprotocols [\"authorization\", <token>]")));
        return;
    }

    // Limits come before the token, so a refused connection does not spend it.
    if (!m_upgrader.admit(exchange, did, fields))
        return;
    auto grant = m_authorizer->authorize(did, offered.at(1), request.remoteAddress);
    if (!grant) {
        LogFields refused = fields;
        refused.append({QStringLiteral("reason"), grant.error().error});
        m_log.record(QtInfoMsg, lcAuth(),
            QStringLiteral("upgrade refused: %1").arg(grant.error().message), refused);
        if (m_metrics)
            m_metrics->countRefusal(QStringLiteral("upgrade-") + grant.error().error);
        exchange.respond(
            HttpResponse::error(grant.error().status, grant.error().error, grant.error().message));
        return;
    }
    m_upgrader.upgrade(exchange, did, [this, granted = *grant](QWebSocket *socket, quint64 id) {
        return new SyncSession(id, socket, granted, m_hub, m_log, m_limits);
    });
}

} // namespace canopy
