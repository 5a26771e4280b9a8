#pragma once

namespace canopy {

class HttpExchange;
struct HttpRequest;

// What the front dispatches to. The front knows no handler: subsystems implement routes and the
// host registers them, so the front never depends on what it serves.
class HttpRoute
{
public:
    virtual ~HttpRoute() = default;
    virtual bool matches(const HttpRequest &request) const = 0;
    // Answer with exchange.respond() now or later, or take the socket over (WebSocket upgrade).
    virtual void handle(HttpExchange &exchange) = 0;
};

} // namespace canopy
