#include "http/HttpServer.h"

#include "http/HttpExchange.h"
#include "http/HttpHeadParser.h"
#include "http/HttpRoute.h"
#include "log/EventLog.h"
#include "log/LogCategories.h"

#include <QPointer>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTimer>

namespace canopy {

struct HttpServer::Connection
{
    QTimer headTimer;
    qsizetype headLength = 0;
    qint64 bodyLength = -1;
    HttpRequest request;
    bool dispatched = false;
};

HttpServer::HttpServer(EventLog &log, QObject *parent)
    : QObject(parent)
    , m_log(log)
    , m_server(new QTcpServer(this))
{
    connect(m_server, &QTcpServer::newConnection, this, &HttpServer::onNewConnection);
}

HttpServer::~HttpServer()
{
    qDeleteAll(m_connections);
}

void HttpServer::addRoute(HttpRoute *route)
{
    m_routes.append(route);
}

bool HttpServer::listen(const QHostAddress &address, quint16 port)
{
    return m_server->listen(address, port);
}

void HttpServer::close()
{
    m_server->close();
}

QString HttpServer::errorString() const
{
    return m_server->errorString();
}

quint16 HttpServer::port() const
{
    return m_server->serverPort();
}

QHostAddress HttpServer::address() const
{
    return m_server->serverAddress();
}

void HttpServer::onNewConnection()
{
    while (QTcpSocket *socket = m_server->nextPendingConnection()) {
        auto *state = new Connection;
        m_connections.insert(socket, state);
        // Slow-loris: a head that does not arrive in time costs the peer its connection.
        state->headTimer.setSingleShot(true);
        connect(&state->headTimer, &QTimer::timeout, socket, [this, socket] {
            finish(socket,
                HttpResponse::error(408, QStringLiteral("RequestTimeout"),
                    QStringLiteral("the request did not arrive in time")));
        });
        state->headTimer.start(HeadTimeoutMs);
        connect(socket, &QTcpSocket::readyRead, this, [this, socket] { onReadyRead(socket); });
        connect(socket, &QTcpSocket::disconnected, this, [this, socket] {
            release(socket);
            socket->deleteLater();
        });
        if (socket->bytesAvailable() > 0)
            onReadyRead(socket);
    }
}

void HttpServer::onReadyRead(QTcpSocket *socket)
{
    Connection *state = m_connections.value(socket);
    if (!state || state->dispatched)
        return;

    if (state->headLength == 0) {
        const QByteArray peeked = socket->peek(HttpHeadParser::MaxHeadBytes + 4);
        const qsizetype length = HttpHeadParser::headLength(peeked);
        if (length < 0) {
            m_log.record(QtInfoMsg, lcHttp(), QStringLiteral("request head too large"),
                {{QStringLiteral("remote"), socket->peerAddress().toString()}});
            finish(socket,
                HttpResponse::error(431, QStringLiteral("RequestHeaderFieldsTooLarge"),
                    QStringLiteral("the request head exceeds 16 KiB")));
            return;
        }
        if (length == 0)
            return;
        auto parsed = HttpHeadParser::parse(QByteArrayView(peeked).first(length));
        if (!parsed) {
            m_log.record(QtInfoMsg, lcHttp(), QStringLiteral("malformed request"),
                {{QStringLiteral("remote"), socket->peerAddress().toString()},
                    {QStringLiteral("reason"), parsed.error().message}});
            const int status = parsed.error().status;
            finish(socket,
                HttpResponse::error(status,
                    status == 431 ? QStringLiteral("RequestHeaderFieldsTooLarge")
                                  : QStringLiteral("BadRequest"),
                    parsed.error().message));
            return;
        }
        state->headLength = length;
        state->request = std::move(*parsed);
        state->request.remoteAddress = socket->peerAddress();
        state->request.remotePort = socket->peerPort();

        // An upgrade keeps its head unread: the WebSocket server reads the handshake itself.
        if (state->request.isWebSocketUpgrade()) {
            dispatch(socket, *state);
            return;
        }
        socket->read(length);
        if (state->request.hasHeader("transfer-encoding")) {
            finish(socket,
                HttpResponse::error(411, QStringLiteral("LengthRequired"),
                    QStringLiteral("send a Content-Length body")));
            return;
        }
        state->bodyLength = 0;
        if (state->request.hasHeader("content-length")) {
            bool ok = false;
            state->bodyLength = state->request.header("content-length").toLongLong(&ok);
            if (!ok || state->bodyLength < 0) {
                finish(socket,
                    HttpResponse::error(400, QStringLiteral("BadRequest"),
                        QStringLiteral("invalid Content-Length")));
                return;
            }
            if (state->bodyLength > MaxBodyBytes) {
                finish(socket,
                    HttpResponse::error(413, QStringLiteral("ContentTooLarge"),
                        QStringLiteral("the body exceeds 1 MiB")));
                return;
            }
        }
    }

    if (socket->bytesAvailable() < state->bodyLength)
        return;
    state->request.body = socket->read(state->bodyLength);
    dispatch(socket, *state);
}

void HttpServer::dispatch(QTcpSocket *socket, Connection &state)
{
    state.dispatched = true;
    state.headTimer.stop();
    const HttpRequest &request = state.request;

    if (request.method == "OPTIONS") {
        HttpResponse preflight;
        preflight.status = 204;
        preflight.setHeader("Access-Control-Allow-Methods", "GET, POST, PUT, DELETE, OPTIONS");
        preflight.setHeader("Access-Control-Allow-Headers",
            "Authorization, Content-Type, Sec-WebSocket-Protocol, Upgrade");
        preflight.setHeader("Access-Control-Max-Age", "86400");
        finish(socket, preflight);
        return;
    }

    HttpRoute *route = nullptr;
    for (HttpRoute *candidate : std::as_const(m_routes)) {
        if (candidate->matches(request)) {
            route = candidate;
            break;
        }
    }
    if (!route) {
        finish(socket,
            HttpResponse::error(404, QStringLiteral("NotFound"),
                QStringLiteral("no route for %1 %2")
                    .arg(QString::fromLatin1(request.method), request.path)));
        return;
    }

    auto *exchange = new HttpExchange(request, socket, this);
    QPointer<QTcpSocket> guard(socket);
    connect(exchange, &HttpExchange::responded, this,
        [this, guard, exchange](const HttpResponse &response) {
            if (guard)
                finish(guard, response);
            exchange->deleteLater();
        });
    connect(exchange, &HttpExchange::socketTaken, this, [this, guard, exchange] {
        if (guard) {
            release(guard);
            // The new owner decides the socket's life from here on.
            guard->disconnect(this);
        }
        exchange->deleteLater();
    });
    // A peer that leaves before the answer ends the exchange; a late respond() goes nowhere.
    connect(socket, &QTcpSocket::disconnected, exchange, [exchange] {
        if (!exchange->isFinished())
            exchange->deleteLater();
    });
    route->handle(*exchange);
}

void HttpServer::finish(QTcpSocket *socket, const HttpResponse &response)
{
    HttpResponse out = response;
    out.setHeader("Access-Control-Allow-Origin", "*");
    release(socket);
    socket->write(out.serialize());
    socket->disconnectFromHost();
}

void HttpServer::release(QTcpSocket *socket)
{
    if (Connection *state = m_connections.take(socket)) {
        disconnect(socket, &QTcpSocket::readyRead, this, nullptr);
        delete state;
    }
}

} // namespace canopy
