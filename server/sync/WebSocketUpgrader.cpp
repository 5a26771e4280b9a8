#include "sync/WebSocketUpgrader.h"

#include "http/HttpExchange.h"
#include "log/EventLog.h"
#include "log/LogCategories.h"
#include "log/Metrics.h"
#include "sync/SessionRegistry.h"

#include <QWebSocket>
#include <QWebSocketServer>

namespace canopy {
namespace {

QString peerKey(const QHostAddress &address, quint16 port)
{
    return address.toString() + u'|' + QString::number(port);
}

} // namespace

WebSocketUpgrader::WebSocketUpgrader(SessionRegistry &sessions, EventLog &log, QObject *parent)
    : QObject(parent)
    , m_sessions(sessions)
    , m_log(log)
    , m_webSockets(
          new QWebSocketServer(QStringLiteral("Canopy"), QWebSocketServer::NonSecureMode, this))
{
    // Sync1 clients send their token as a second subprotocol and need "authorization" echoed;
    // a client that offers nothing gets nothing selected.
    m_webSockets->setSupportedSubprotocols({QStringLiteral("authorization")});
    // A handshake that is not finished in time costs the peer its connection.
    m_webSockets->setHandshakeTimeout(10000);
    connect(
        m_webSockets, &QWebSocketServer::newConnection, this, &WebSocketUpgrader::onNewConnection);
    connect(m_webSockets, &QWebSocketServer::serverError, this,
        [this](QWebSocketProtocol::CloseCode code) {
            m_log.record(QtInfoMsg, lcSync(), QStringLiteral("WebSocket handshake failed"),
                {{QStringLiteral("reason"), m_webSockets->errorString()},
                    {QStringLiteral("code"), QString::number(int(code))}});
        });
}

void WebSocketUpgrader::setConnectionLimits(int total, int perDid)
{
    m_maxConnections = total;
    m_maxConnectionsPerDid = perDid;
}

bool WebSocketUpgrader::admit(HttpExchange &exchange, const QString &did, const LogFields &fields)
{
    // Upgrades still in their handshake count too.
    const qsizetype open = m_sessions.count() + m_pending.size();
    if (open >= m_maxConnections) {
        if (m_metrics)
            m_metrics->countRefusal(QStringLiteral("max-connections"));
        m_log.record(QtWarningMsg, lcSync(),
            QStringLiteral("upgrade refused: connection limit reached"), fields);
        exchange.respond(HttpResponse::error(503, QStringLiteral("ServerBusy"),
            QStringLiteral("the host holds its maximum of %1 connections").arg(m_maxConnections))
                             .setHeader("Retry-After", "10"));
        return false;
    }
    qsizetype forDid = m_sessions.countForDid(did);
    for (const Pending &pending : std::as_const(m_pending))
        forDid += pending.did == did ? 1 : 0;
    if (forDid >= m_maxConnectionsPerDid) {
        if (m_metrics)
            m_metrics->countRefusal(QStringLiteral("max-connections-per-did"));
        m_log.record(QtWarningMsg, lcSync(),
            QStringLiteral("upgrade refused: per-DID connection limit reached"), fields);
        exchange.respond(HttpResponse::error(429, QStringLiteral("TooManyConnections"),
            QStringLiteral("%1 already holds %2 connections").arg(did).arg(m_maxConnectionsPerDid))
                             .setHeader("Retry-After", "10"));
        return false;
    }
    return true;
}

void WebSocketUpgrader::upgrade(HttpExchange &exchange, const QString &did, SessionFactory factory)
{
    const HttpRequest &request = exchange.request();
    const QString key = peerKey(request.remoteAddress, request.remotePort);
    QTcpSocket *socket = exchange.takeSocket();
    if (!socket)
        return;
    m_pending.insert(key, Pending {did, std::move(factory), socket});
    // A handshake that never completes must not leave its entry behind.
    connect(socket, &QObject::destroyed, this, [this, key] { m_pending.remove(key); });
    m_webSockets->handleConnection(socket);
}

void WebSocketUpgrader::onNewConnection()
{
    while (QWebSocket *socket = m_webSockets->nextPendingConnection()) {
        const QString key = peerKey(socket->peerAddress(), socket->peerPort());
        const auto it = m_pending.constFind(key);
        if (it == m_pending.constEnd()) {
            // Every socket the server hands over passed through upgrade(); this cannot happen,
            // but a socket no route admitted is never served.
            m_log.record(
                QtCriticalMsg, lcSync(), QStringLiteral("upgraded socket without a route"));
            socket->abort();
            socket->deleteLater();
            continue;
        }
        const Pending pending = *it;
        m_pending.erase(it);
        PeerSession *session = pending.factory(socket, m_sessions.nextId());
        m_sessions.add(session, pending.transport);
    }
}

} // namespace canopy
