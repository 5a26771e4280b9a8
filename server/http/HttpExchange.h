#pragma once

#include "http/HttpRequest.h"
#include "http/HttpResponse.h"

#include <QObject>
#include <QPointer>

class QTcpSocket;

namespace canopy {

// One request on one connection. A route answers it (possibly later: the exchange lives until
// the answer is written or the peer goes away) or takes the socket for an upgrade.
class HttpExchange final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(HttpExchange)

public:
    HttpExchange(HttpRequest request, QTcpSocket *socket, QObject *parent = nullptr);

    const HttpRequest &request() const { return m_request; }
    bool isFinished() const { return m_finished; }

    void respond(const HttpResponse &response);
    // Hands the connection over with the request head still unread; the front lets go of it.
    QTcpSocket *takeSocket();

Q_SIGNALS:
    void responded(const canopy::HttpResponse &response);
    void socketTaken();

private:
    HttpRequest m_request;
    QPointer<QTcpSocket> m_socket;
    bool m_finished = false;
};

} // namespace canopy
