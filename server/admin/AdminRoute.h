#pragma once

#include "http/HttpResponse.h"
#include "http/HttpRoute.h"

#include <QString>

namespace canopy {

class AdminService;
class HttpExchange;

// The admin service as JSON over HTTP (/admin/..., /metrics), for headless hosts and scripts.
// Bearer admin token required; loopback peers only unless remote administration is allowed.
class AdminRoute final : public HttpRoute
{
public:
    AdminRoute(AdminService &admin, bool allowRemote);

    // Until the token is known (the keychain answers asynchronously) the API answers 503.
    void setAdminToken(const QString &token) { m_token = token.toUtf8(); }

    bool matches(const HttpRequest &request) const override;
    void handle(HttpExchange &exchange) override;

private:
    HttpResponse route(const HttpRequest &request);

    AdminService &m_admin;
    bool m_allowRemote;
    QByteArray m_token;
};

} // namespace canopy
