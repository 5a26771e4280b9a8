#include "http/HttpServer.h"

#include "http/HttpExchange.h"
#include "http/HttpHeadParser.h"
#include "http/HttpRoute.h"
#include "http/UnauthenticatedConnections.h"
#include "log/EventLog.h"
#include "log/LogCategories.h"
#include "log/Metrics.h"

#include <cerrno>
#include <cstring>
#include <sys/socket.h>
#include <unistd.h>

#include <QDateTime>
#include <QPointer>
#include <QSocketNotifier>
#include <QSslConfiguration>
#include <QSslSocket>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTimer>

namespace canopy {

namespace {
constexpr int kAcceptBurst = 64; // connections taken per event-loop turn, so others get served

// Bytes of the head's longest line, CRLF excluded (the WebSocket server has its own limit).
qsizetype longestLine(QByteArrayView head)
{
    qsizetype longest = 0;
    while (!head.isEmpty()) {
        const qsizetype end = head.indexOf('\n');
        const qsizetype line = end < 0 ? head.size() : end;
        longest = std::max(longest, line > 0 && head.at(line - 1) == '\r' ? line - 1 : line);
        head = end < 0 ? QByteArrayView() : head.sliced(end + 1);
    }
    return longest;
}
} // namespace

struct HttpServer::Connection
{
    QTimer headTimer;
    qsizetype headLength = 0;
    qint64 bodyLength = -1;
    HttpRequest request;
    bool dispatched = false;
    bool head = false; // HEAD: answered as GET would be, without the body
};

HttpServer::HttpServer(EventLog &log, QObject *parent)
    : QObject(parent)
    , m_log(log)
    , m_server(new QTcpServer(this))
{
    m_acceptRetry.setSingleShot(true);
    connect(&m_acceptRetry, &QTimer::timeout, this, &HttpServer::resumeAccepting);
}

HttpServer::~HttpServer()
{
    qDeleteAll(m_connections);
}

void HttpServer::addRoute(HttpRoute *route)
{
    m_routes.append(route);
}

void HttpServer::setTlsConfiguration(const QSslConfiguration &configuration)
{
    m_tls = std::make_unique<QSslConfiguration>(configuration);
}

bool HttpServer::listen(const QHostAddress &address, quint16 port)
{
    if (!m_server->listen(address, port))
        return false;
    // Qt 6.4's own accept loop takes EMFILE for a passing error and retries at once, forever (a
    // busy loop that starves every peer). The front accepts by itself instead, on the same
    // listening socket: Qt's notifier stays off.
    m_server->pauseAccepting();
    m_acceptNotifier
        = new QSocketNotifier(m_server->socketDescriptor(), QSocketNotifier::Read, this);
    connect(m_acceptNotifier, &QSocketNotifier::activated, this, &HttpServer::acceptPending);
    return true;
}

void HttpServer::close()
{
    m_acceptRetry.stop();
    delete std::exchange(m_acceptNotifier, nullptr); // before its descriptor is closed
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

void HttpServer::acceptPending()
{
    if (!m_acceptNotifier)
        return;
    const int listener = int(m_server->socketDescriptor());
    for (int i = 0; i < kAcceptBurst; ++i) {
        const int fd = ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED)
                continue;
            if (errno != EAGAIN && errno != EWOULDBLOCK) {
                pauseAccepting(errno);
            } else if (m_acceptPaused) {
                // The backlog is drained: the shortage is over.
                m_acceptPaused = false;
                m_log.record(QtInfoMsg, lcHttp(), QStringLiteral("accepting connections again"));
            }
            return;
        }
        // With TLS the front still accepts by itself (see listen()) and wraps the descriptor.
        QTcpSocket *socket = m_tls ? new QSslSocket(m_server) : new QTcpSocket(m_server);
        if (!socket->setSocketDescriptor(fd)) {
            ::close(fd);
            delete socket;
            continue;
        }
        onNewConnection(socket);
    }
}

void HttpServer::pauseAccepting(int error)
{
    // Out of descriptors (EMFILE, ENFILE) or kernel memory: the connection waits in the listen
    // backlog until a descriptor is free; trying again at once would only spin.
    m_acceptNotifier->setEnabled(false);
    m_acceptRetry.start(AcceptRetryMs);
    if (m_acceptPaused)
        return; // the same shortage: logged and counted once
    m_acceptPaused = true;
    const bool descriptors = error == EMFILE || error == ENFILE;
    if (m_metrics)
        m_metrics->countRefusal(
            descriptors ? QStringLiteral("accept-emfile") : QStringLiteral("accept-error"));
    m_log.record(QtWarningMsg, lcHttp(),
        descriptors ? QStringLiteral("accepting paused: the process is out of file descriptors")
                    : QStringLiteral("accepting paused: accept failed"),
        {{QStringLiteral("reason"), QString::fromLocal8Bit(std::strerror(error))}});
}

void HttpServer::resumeAccepting()
{
    if (!m_acceptNotifier)
        return;
    m_acceptNotifier->setEnabled(true);
    acceptPending(); // ends the shortage, or finds it still there
}

void HttpServer::refuseUnauthenticated(QTcpSocket *socket, bool perAddress)
{
    const QString reason = perAddress ? QStringLiteral("max-unauthenticated-per-ip")
                                      : QStringLiteral("max-unauthenticated");
    if (m_metrics)
        m_metrics->countRefusal(reason);
    // A flood of refused connections must not become a flood of log lines: one a second says
    // how many were refused since the last.
    ++m_refusedSinceLog;
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    if (now - m_lastRefusalLogMs >= 1000) {
        m_log.record(QtWarningMsg, lcHttp(),
            perAddress
                ? QStringLiteral("connection refused: too many unauthenticated from this address")
                : QStringLiteral("connection refused: too many unauthenticated connections"),
            {{QStringLiteral("remote"), socket->peerAddress().toString()},
                {QStringLiteral("reason"), reason},
                {QStringLiteral("refused"), QString::number(m_refusedSinceLog)}});
        m_lastRefusalLogMs = now;
        m_refusedSinceLog = 0;
    }
    HttpResponse response = perAddress
        ? HttpResponse::error(429, QStringLiteral("TooManyConnections"),
            QStringLiteral("this address holds %1 connections that have not authenticated")
                .arg(m_unauthenticated->maxPerAddress()))
        : HttpResponse::error(503, QStringLiteral("ServerBusy"),
            QStringLiteral("the host holds %1 connections that have not authenticated")
                .arg(m_unauthenticated->maxTotal()));
    response.setHeader("Retry-After", "5");
    response.setHeader("Access-Control-Allow-Origin", "*");
    connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
    if (m_tls) {
        // An answer would cost the very handshake the cap is there to refuse: closed at once.
        socket->abort();
        return;
    }
    socket->write(response.serialize());
    socket->disconnectFromHost();
}

void HttpServer::startTls(QSslSocket *socket)
{
    socket->setSslConfiguration(*m_tls);
    // Plain HTTP on this port, a client that refuses the certificate, garbage: the handshake
    // fails and the connection is closed; nothing else waits for it.
    connect(socket, &QAbstractSocket::errorOccurred, this,
        [this, socket](QAbstractSocket::SocketError error) {
            if (error == QAbstractSocket::SslHandshakeFailedError && !socket->isEncrypted())
                refuseHandshake(socket, QStringLiteral("tls-handshake"), socket->errorString());
        });
    socket->startServerEncryption();
}

void HttpServer::refuseHandshake(QTcpSocket *socket, const QString &refusal, const QString &reason)
{
    if (!m_connections.contains(socket))
        return; // already refused
    if (m_metrics)
        m_metrics->countRefusal(refusal);
    // Garbage handshakes come in floods: one line a second says how many failed since the last.
    ++m_handshakesSinceLog;
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    if (now - m_lastHandshakeLogMs >= 1000) {
        m_log.record(QtInfoMsg, lcHttp(),
            refusal == u"tls-handshake-timeout" ? QStringLiteral("TLS handshake timed out")
                                                : QStringLiteral("TLS handshake failed"),
            {{QStringLiteral("remote"), socket->peerAddress().toString()},
                {QStringLiteral("reason"), reason},
                {QStringLiteral("refused"), QString::number(m_handshakesSinceLog)}});
        m_lastHandshakeLogMs = now;
        m_handshakesSinceLog = 0;
    }
    release(socket);
    // Nothing can be said to a peer without a TLS session. Queued: the TLS backend may still be
    // inside the call that reported the failure.
    QMetaObject::invokeMethod(socket, &QAbstractSocket::abort, Qt::QueuedConnection);
}

void HttpServer::onNewConnection(QTcpSocket *socket)
{
    // Whatever way a connection ends, its descriptor is free again: a paused accept resumes.
    connect(socket, &QObject::destroyed, this, [this] {
        if (m_acceptPaused)
            m_acceptRetry.start(0);
    });
    if (m_unauthenticated) {
        const auto refusal = m_unauthenticated->admit(socket);
        if (refusal != UnauthenticatedConnections::Refusal::None) {
            refuseUnauthenticated(
                socket, refusal == UnauthenticatedConnections::Refusal::PerAddress);
            return;
        }
    }
    auto *state = new Connection;
    m_connections.insert(socket, state);
    // Slow-loris: a head that does not arrive in time costs the peer its connection.
    state->headTimer.setSingleShot(true);
    connect(&state->headTimer, &QTimer::timeout, socket, [this, socket] {
        if (const auto *tls = qobject_cast<QSslSocket *>(socket); tls && !tls->isEncrypted()) {
            refuseHandshake(socket, QStringLiteral("tls-handshake-timeout"),
                QStringLiteral("the TLS handshake did not finish within %1 ms").arg(HeadTimeoutMs));
            return;
        }
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
    if (auto *tls = qobject_cast<QSslSocket *>(socket)) {
        startTls(tls);
        return;
    }
    if (socket->bytesAvailable() > 0)
        onReadyRead(socket);
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
            state->head = QByteArrayView(peeked).startsWith("HEAD ");
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
        state->head = state->request.method == "HEAD";
        state->request.remoteAddress = socket->peerAddress();
        state->request.remotePort = socket->peerPort();
        state->request.longestLine = longestLine(QByteArrayView(peeked).first(length));

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
        // The parser checked Content-Length (digits only, one value).
        state->bodyLength = qMax<qint64>(0, state->request.contentLength);
        if (state->bodyLength > MaxBodyBytes) {
            finish(socket,
                HttpResponse::error(413, QStringLiteral("ContentTooLarge"),
                    QStringLiteral("the body exceeds 1 MiB")));
            return;
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
    // Every route answers HEAD as it answers GET; finish() leaves the body out. An upgrade keeps
    // its method, so no route upgrades a HEAD.
    if (state.head && !state.request.isWebSocketUpgrade())
        state.request.method = "GET";
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
    const Connection *state = m_connections.value(socket);
    const bool head = state && state->head;
    release(socket);
    socket->write(out.serialize(head ? HttpResponse::Body::Omitted : HttpResponse::Body::Included));
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
