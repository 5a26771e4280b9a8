#include "sync/WebSocketUpgrader.h"

#include "http/HttpExchange.h"
#include "log/EventLog.h"
#include "log/LogCategories.h"
#include "log/Metrics.h"
#include "sync/SessionRegistry.h"
#include "util/Did.h"

#include <QTimer>
#include <QUrl>
#include <QWebSocket>
#include <QWebSocketServer>

namespace canopy {
namespace {

QString peerKey(const QHostAddress &address, quint16 port)
{
    return address.toString() + u'|' + QString::number(port);
}

QList<QByteArray> headerValues(const HttpRequest &request, QByteArrayView name)
{
    QList<QByteArray> values;
    for (const auto &[key, value] : request.headers) {
        if (key == name)
            values.append(value);
    }
    return values;
}

QList<QByteArray> commaList(const QByteArray &value)
{
    QList<QByteArray> items;
    for (const QByteArray &part : value.split(',')) {
        if (!part.trimmed().isEmpty())
            items.append(part.trimmed());
    }
    return items;
}

} // namespace

Expected<void, QString> WebSocketUpgrader::checkRequest(const HttpRequest &request)
{
    const auto refuse = [](const QString &reason) { return unexpected(reason); };
    if (request.method != "GET")
        return refuse(QStringLiteral("a WebSocket upgrade is a GET request"));
    if (request.version != "HTTP/1.1")
        return refuse(QStringLiteral("a WebSocket upgrade needs HTTP/1.1, not %1")
                          .arg(QString::fromLatin1(request.version)));
    if (request.longestLine > MaxUpgradeLineBytes)
        return refuse(QStringLiteral("a line of the upgrade request exceeds %1 bytes")
                          .arg(MaxUpgradeLineBytes));

    // Upgrade names exactly one protocol; "h2c, websocket" leaves which one open.
    QList<QByteArray> upgrades;
    for (const QByteArray &value : headerValues(request, "upgrade"))
        upgrades.append(commaList(value));
    if (upgrades.size() != 1 || upgrades.front().compare("websocket", Qt::CaseInsensitive) != 0)
        return refuse(QStringLiteral("Upgrade must be exactly \"websocket\""));
    // The WebSocket server reads only the first Connection header.
    const QList<QByteArray> connection = commaList(request.header("connection"));
    const bool upgradeListed = std::any_of(connection.begin(), connection.end(),
        [](const QByteArray &token) { return token.compare("upgrade", Qt::CaseInsensitive) == 0; });
    if (!upgradeListed)
        return refuse(QStringLiteral("Connection must list \"Upgrade\""));

    const QList<QByteArray> keys = headerValues(request, "sec-websocket-key");
    if (keys.isEmpty())
        return refuse(QStringLiteral("Sec-WebSocket-Key is missing"));
    const auto key
        = QByteArray::fromBase64Encoding(keys.front(), QByteArray::AbortOnBase64DecodingErrors);
    if (keys.size() > 1 || keys.front().size() != 24 || !key || key.decoded.size() != 16)
        return refuse(QStringLiteral("Sec-WebSocket-Key must be one base64-encoded 16-byte value"));

    bool offers13 = false;
    bool versionsValid = true;
    for (const QByteArray &value : headerValues(request, "sec-websocket-version")) {
        for (const QByteArray &version : commaList(value)) {
            bool isNumber = false;
            offers13 = version.toUInt(&isNumber) == 13 || offers13;
            versionsValid = versionsValid && isNumber;
        }
    }
    if (!offers13 || !versionsValid)
        return refuse(QStringLiteral("Sec-WebSocket-Version must be 13"));

    // The handshake's URL takes its host from Host, as the WebSocket server builds it.
    QUrl url = QUrl::fromEncoded(request.target);
    if (url.isRelative()) {
        url.setAuthority(QString::fromLatin1(request.header("host")));
        if (!url.userName().isNull())
            return refuse(QStringLiteral("Host must not carry user information"));
    }
    if (url.host().isEmpty())
        return refuse(QStringLiteral("Host must name the host"));
    return {};
}

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

bool WebSocketUpgrader::validate(HttpExchange &exchange, const LogFields &fields)
{
    const auto checked = checkRequest(exchange.request());
    if (checked)
        return true;
    LogFields refused = fields;
    refused.append({QStringLiteral("reason"), checked.error()});
    m_log.record(QtInfoMsg, lcSync(),
        QStringLiteral("upgrade refused: not a valid WebSocket upgrade"), refused);
    if (m_metrics)
        m_metrics->countRefusal(QStringLiteral("bad-upgrade"));
    // RFC 6455 4.2.2: a refused handshake names the versions the server speaks.
    exchange.respond(HttpResponse::error(400, QStringLiteral("BadRequest"), checked.error())
                         .setHeader("Sec-WebSocket-Version", "13"));
    return false;
}

std::optional<QString> WebSocketUpgrader::preflight(
    HttpExchange &exchange, QStringView usage, QStringView segment, const LogFields &fields)
{
    const HttpRequest &request = exchange.request();
    const QString prefix = usage.left(usage.indexOf(u'<')).toString();
    if (request.method != "GET") {
        exchange.respond(HttpResponse::error(
            405, QStringLiteral("MethodNotAllowed"), prefix + QStringLiteral(" takes GET")));
        return std::nullopt;
    }
    if (!request.isWebSocketUpgrade()) {
        exchange.respond(HttpResponse::error(400, QStringLiteral("BadRequest"),
            usage.toString() + QStringLiteral(" requires Upgrade: websocket")));
        return std::nullopt;
    }
    // The whole upgrade is checked before anything is spent on it: Qt would refuse it later.
    if (!validate(exchange, fields))
        return std::nullopt;
    const auto parsed = Did::identityFromPathSegment(segment);
    if (!parsed) {
        const QString what = usage.endsWith(u"<did>")
            ? QStringLiteral("the path does not end in a DID or key:<name>")
            : QStringLiteral("the path does not name a DID or key:<name> before the room");
        LogFields refused = fields;
        refused.append({QStringLiteral("reason"), parsed.error()});
        m_log.record(QtInfoMsg, lcAuth(), QStringLiteral("upgrade refused: ") + what, refused);
        if (m_metrics)
            m_metrics->countRefusal(QStringLiteral("invalid-did"));
        exchange.respond(HttpResponse::error(
            400, QStringLiteral("InvalidDid"), what + QStringLiteral(": ") + parsed.error()));
        return std::nullopt;
    }
    return *parsed; // canonical: bans, tokens, keys and the session all see this spelling
}

std::optional<ConnectionGrant> WebSocketUpgrader::authorizeSubprotocol(HttpExchange &exchange,
    ConnectionAuthorizer &authorizer, const QString &did, const QString &hint,
    const LogFields &fields)
{
    const HttpRequest &request = exchange.request();
    QStringList offered;
    for (const QByteArray &part : request.header("sec-websocket-protocol").split(','))
        offered.append(QString::fromLatin1(part.trimmed()));
    if (offered.size() < 2 || offered.at(0) != u"authorization" || offered.at(1).isEmpty()) {
        m_log.record(QtInfoMsg, lcAuth(), QStringLiteral("upgrade refused: no token"), fields);
        if (m_metrics)
            m_metrics->countRefusal(QStringLiteral("upgrade-MissingToken"));
        exchange.respond(HttpResponse::error(403, QStringLiteral("MissingToken"),
            QStringLiteral("offer the subprotocols [\"authorization\", <token>]") + hint));
        return std::nullopt;
    }
    auto grant = authorizer.authorize(did, offered.at(1), request.remoteAddress);
    if (!grant) {
        LogFields refused = fields;
        refused.append({QStringLiteral("reason"), grant.error().error});
        m_log.record(QtInfoMsg, lcAuth(),
            QStringLiteral("upgrade refused: %1").arg(grant.error().message), refused);
        if (m_metrics)
            m_metrics->countRefusal(QStringLiteral("upgrade-") + grant.error().error);
        exchange.respond(
            HttpResponse::error(grant.error().status, grant.error().error, grant.error().message));
        return std::nullopt;
    }
    return *grant;
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
            QStringLiteral("%1 already holds %2 connections")
                .arg(did, QString::number(m_maxConnectionsPerDid)))
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
    // QWebSocketServer times out only the handshakes of connections it accepted itself, never
    // one handed over: the deadline is kept here. Aborted, the socket goes (Qt deletes it on
    // disconnect) and with it its pending entry and its place among the unauthenticated.
    auto *deadline = new QTimer(socket);
    deadline->setSingleShot(true);
    connect(deadline, &QTimer::timeout, socket, [this, socket, did] {
        m_log.record(QtInfoMsg, lcSync(), QStringLiteral("WebSocket handshake timed out"),
            {{QStringLiteral("did"), did},
                {QStringLiteral("remote"), socket->peerAddress().toString()}});
        if (m_metrics)
            m_metrics->countRefusal(QStringLiteral("handshake-timeout"));
        socket->abort();
    });
    deadline->start(m_handshakeTimeoutMs);
    m_pending.insert(key, Pending {did, std::move(factory), socket, deadline});
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
        delete pending.deadline;
        PeerSession *session = pending.factory(socket, m_sessions.nextId());
        m_sessions.add(session, pending.transport);
    }
}

} // namespace canopy
