#pragma once

#include "http/HttpRoute.h"

#include <QString>
#include <QUrl>

namespace canopy {

// What this service is: GET /xrpc/_health and GET /.well-known/did.json.
class ServiceInfoRoute final : public HttpRoute
{
public:
    ServiceInfoRoute(QString did, QUrl publicUrl);

    bool matches(const HttpRequest &request) const override;
    void handle(HttpExchange &exchange) override;

private:
    QString m_did;
    QUrl m_publicUrl;
};

} // namespace canopy
