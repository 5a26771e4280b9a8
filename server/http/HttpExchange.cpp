#include "http/HttpExchange.h"

#include <QTcpSocket>

namespace canopy {

HttpExchange::HttpExchange(HttpRequest request, QTcpSocket *socket, QObject *parent)
    : QObject(parent)
    , m_request(std::move(request))
    , m_socket(socket)
{
}

void HttpExchange::respond(const HttpResponse &response)
{
    if (m_finished)
        return;
    m_finished = true;
    Q_EMIT responded(response);
}

QTcpSocket *HttpExchange::takeSocket()
{
    if (m_finished)
        return nullptr;
    m_finished = true;
    QTcpSocket *socket = m_socket;
    Q_EMIT socketTaken();
    return socket;
}

} // namespace canopy
