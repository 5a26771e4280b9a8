#include "host/ServiceInfoRoute.h"

#include "http/HttpExchange.h"

#include <QJsonArray>
#include <QJsonObject>

namespace canopy {

ServiceInfoRoute::ServiceInfoRoute(QString did, QUrl publicUrl)
    : m_did(std::move(did))
    , m_publicUrl(std::move(publicUrl))
{
}

bool ServiceInfoRoute::matches(const HttpRequest &request) const
{
    return request.path == u"/xrpc/_health" || request.path == u"/.well-known/did.json";
}

void ServiceInfoRoute::handle(HttpExchange &exchange)
{
    const HttpRequest &request = exchange.request();
    if (request.method != "GET" && request.method != "HEAD") {
        exchange.respond(HttpResponse::error(405, QStringLiteral("MethodNotAllowed"),
            QStringLiteral("%1 takes GET").arg(request.path)));
        return;
    }
    if (request.path == u"/xrpc/_health") {
        exchange.respond(HttpResponse::json(
            200, QJsonObject {{QStringLiteral("version"), QStringLiteral(CANOPY_VERSION)}}));
        return;
    }
    const QJsonObject service {
        {QStringLiteral("id"), QStringLiteral("#roomy_syncserver")},
        {QStringLiteral("type"), QStringLiteral("RoomySyncserver")},
        {QStringLiteral("serviceEndpoint"), m_publicUrl.toString()},
    };
    exchange.respond(HttpResponse::json(200,
        QJsonObject {
            {QStringLiteral("@context"),
                QJsonArray {QStringLiteral("https://www.w3.org/ns/did/v1")}},
            {QStringLiteral("id"), m_did},
            {QStringLiteral("service"), QJsonArray {service}},
        }));
}

} // namespace canopy
