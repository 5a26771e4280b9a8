#include "sync/SyncRoute.h"

#include "config/ConfigLoader.h"
#include "http/HttpExchange.h"
#include "log/EventLog.h"
#include "log/LogCategories.h"
#include "log/Metrics.h"
#include "sync/SessionRegistry.h"

#include <QTcpSocket>
#include <QUrl>
#include <QWebSocket>
#include <QWebSocketServer>

namespace canopy {
namespace {

QString peerKey(const QHostAddress &address, quint16 port)
{
    return address.toString() + u'|' + QString::number(port);
}

} // namespace

SyncRoute::SyncRoute(
    ConnectionAuthorizer &authorizer, SessionRegistry &sessions, EventLog &log, QObject *parent)
    : QObject(parent)
    , m_authorizer(&authorizer)
    , m_sessions(sessions)
    , m_log(log)
    , m_webSockets(
          new QWebSocketServer(QStringLiteral("Canopy"), QWebSocketServer::NonSecureMode, this))
{
    m_webSockets->setSupportedSubprotocols({QStringLiteral("authorization")});
    // A handshake that is not finished in time costs the peer its connection.
    m_webSockets->setHandshakeTimeout(10000);
    connect(m_webSockets, &QWebSocketServer::newConnection, this, &SyncRoute::onNewConnection);
    connect(m_webSockets, &QWebSocketServer::serverError, this,
        [this](QWebSocketProtocol::CloseCode code) {
            m_log.record(QtInfoMsg, lcSync(), QStringLiteral("WebSocket handshake failed"),
                {{QStringLiteral("reason"), m_webSockets->errorString()},
                    {QStringLiteral("code"), QString::number(int(code))}});
        });
}

void SyncRoute::setConnectionLimits(int total, int perDid)
{
    m_maxConnections = total;
    m_maxConnectionsPerDid = perDid;
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
    // A DID is sent as it is written: did:web:host%3A8080 keeps its %3A. A client that
    // percent-encoded the whole DID is understood too.
    QString did = request.rawPath.mid(PathPrefix.size());
    if (!ConfigLoader::isValidDid(did))
        did = QUrl::fromPercentEncoding(did.toLatin1());
    if (!ConfigLoader::isValidDid(did)) {
        exchange.respond(HttpResponse::error(
            400, QStringLiteral("InvalidDid"), QStringLiteral("the path does not end in a DID")));
        return;
    }

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

    // Limits come before the token, so a refused connection does not spend it. Upgrades still
    // in their handshake count too.
    qsizetype open = m_sessions.count() + m_pendingGrants.size();
    if (open >= m_maxConnections) {
        if (m_metrics)
            m_metrics->countRefusal(QStringLiteral("max-connections"));
        m_log.record(QtWarningMsg, lcSync(), QStringLiteral("upgrade refused: connection limit reached"), fields);
        exchange.respond(HttpResponse::error(503, QStringLiteral("ServerBusy"),
                             QStringLiteral("the host holds its maximum of %1 connections").arg(m_maxConnections))
                             .setHeader("Retry-After", "10"));
        return;
    }
    qsizetype forDid = 0;
    for (const SyncSession *session : m_sessions.sessions())
        forDid += session->did() == did ? 1 : 0;
    for (const Pending &pending : std::as_const(m_pendingGrants))
        forDid += pending.grant.did == did ? 1 : 0;
    if (forDid >= m_maxConnectionsPerDid) {
        if (m_metrics)
            m_metrics->countRefusal(QStringLiteral("max-connections-per-did"));
        m_log.record(QtWarningMsg, lcSync(), QStringLiteral("upgrade refused: per-DID connection limit reached"), fields);
        exchange.respond(HttpResponse::error(429, QStringLiteral("TooManyConnections"),
                             QStringLiteral("%1 already holds %2 connections").arg(did).arg(m_maxConnectionsPerDid))
                             .setHeader("Retry-After", "10"));
        return;
    }

    auto grant = m_authorizer->authorize(did, offered.at(1), request);
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

    const QString key = peerKey(request.remoteAddress, request.remotePort);
    QTcpSocket *socket = exchange.takeSocket();
    if (!socket)
        return;
    m_pendingGrants.insert(key, Pending {*grant, socket});
    // A handshake that never completes must not leave its grant behind.
    connect(socket, &QObject::destroyed, this, [this, key] { m_pendingGrants.remove(key); });
    m_webSockets->handleConnection(socket);
}

void SyncRoute::onNewConnection()
{
    while (QWebSocket *socket = m_webSockets->nextPendingConnection()) {
        const QString key = peerKey(socket->peerAddress(), socket->peerPort());
        const auto it = m_pendingGrants.constFind(key);
        if (it == m_pendingGrants.constEnd()) {
            // Every socket the server hands over passed through handle(); this cannot happen,
            // but a socket without a grant is never served.
            m_log.record(
                QtCriticalMsg, lcSync(), QStringLiteral("upgraded socket without a grant"));
            socket->abort();
            socket->deleteLater();
            continue;
        }
        const Pending pending = *it;
        m_pendingGrants.erase(it);
        m_sessions.open(socket, pending.grant, pending.transport);
    }
}

} // namespace canopy
