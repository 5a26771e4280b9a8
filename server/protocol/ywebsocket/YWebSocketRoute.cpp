#include "protocol/ywebsocket/YWebSocketRoute.h"

#include "http/HttpExchange.h"
#include "log/EventLog.h"
#include "log/LogCategories.h"
#include "log/Metrics.h"
#include "protocol/ywebsocket/YWebSocketSession.h"
#include "sync/DocumentHub.h"
#include "sync/WebSocketUpgrader.h"

#include <QStringDecoder>

namespace canopy {

YWebSocketRoute::YWebSocketRoute(ConnectionAuthorizer &authorizer, WebSocketUpgrader &upgrader,
    DocumentHub &hub, EventLog &log, const SessionLimits &limits, QObject *parent)
    : QObject(parent)
    , m_authorizer(&authorizer)
    , m_upgrader(upgrader)
    , m_hub(hub)
    , m_log(log)
    , m_limits(limits)
{
}

bool YWebSocketRoute::matches(const HttpRequest &request) const
{
    return request.rawPath.startsWith(PathPrefix);
}

Expected<QString, QString> YWebSocketRoute::roomFromPath(QStringView rest)
{
    if (rest.isEmpty())
        return unexpected(QStringLiteral("the path names no room: /yjs/as/<did>/<room>"));
    // The path arrives as Latin-1 of its bytes; the provider's URL percent-encodes what a path
    // may not hold raw (spaces, non-ASCII), so the room is those bytes decoded once.
    const QByteArray bytes = QByteArray::fromPercentEncoding(rest.toLatin1());
    if (bytes.isEmpty() || bytes.size() > MaxRoomBytes)
        return unexpected(
            QStringLiteral("a room name is 1 to %1 bytes once percent-decoded, not %2")
                .arg(QString::number(MaxRoomBytes), QString::number(bytes.size())));
    if (bytes.contains('\0'))
        return unexpected(QStringLiteral("the room name holds a NUL byte"));
    QStringDecoder utf8(QStringDecoder::Utf8, QStringDecoder::Flag::Stateless);
    QString room = utf8.decode(bytes);
    if (utf8.hasError())
        return unexpected(QStringLiteral("the room name is not UTF-8 once percent-decoded"));
    return room;
}

void YWebSocketRoute::handle(HttpExchange &exchange)
{
    const HttpRequest &request = exchange.request();
    const QString remote = request.remoteAddress.toString();
    // A DID never holds a raw "/" (did:web writes its path with ":"), so the first one ends it.
    const QStringView rest = QStringView(request.rawPath).mid(PathPrefix.size());
    const qsizetype slash = rest.indexOf(u'/');
    const auto did = m_upgrader.preflight(exchange, u"/yjs/as/<did>/<room>",
        slash < 0 ? rest : rest.left(slash),
        {{QStringLiteral("remote"), remote},
            {QStringLiteral("protocol"), QStringLiteral("y-websocket")}});
    if (!did)
        return;
    const auto room = roomFromPath(slash < 0 ? QStringView() : rest.mid(slash + 1));
    LogFields fields {{QStringLiteral("did"), *did}, {QStringLiteral("remote"), remote},
        {QStringLiteral("protocol"), QStringLiteral("y-websocket")}};
    if (!room) {
        LogFields refused = fields;
        refused.append({QStringLiteral("reason"), QStringLiteral("invalid-room")});
        m_log.record(
            QtInfoMsg, lcSync(), QStringLiteral("upgrade refused: %1").arg(room.error()), refused);
        if (m_metrics)
            m_metrics->countRefusal(QStringLiteral("invalid-room"));
        exchange.respond(HttpResponse::error(400, QStringLiteral("InvalidRoom"), room.error()));
        return;
    }
    fields.append({QStringLiteral("entity"), *room});
    if (!m_hub.engine(YWebSocketSession::DocumentKind.toString())
        || !m_hub.engine(YWebSocketSession::AwarenessKind.toString())) {
        m_log.record(QtWarningMsg, lcSync(),
            QStringLiteral("upgrade refused: this host serves no Yjs documents"), fields);
        exchange.respond(HttpResponse::error(501, QStringLiteral("NotImplemented"),
            QStringLiteral("this host does not serve Yjs documents")));
        return;
    }

    // Limits come before the token, so a refused connection does not spend it.
    if (!m_upgrader.admit(exchange, *did, fields))
        return;
    const auto grant = m_upgrader.authorizeSubprotocol(exchange, *m_authorizer, *did,
        QStringLiteral(" (the WebsocketProvider's protocols option)"), fields);
    if (!grant)
        return;
    m_upgrader.upgrade(
        exchange, *did, [this, granted = *grant, name = *room](QWebSocket *socket, quint64 id) {
            return new YWebSocketSession(id, socket, granted, name, m_hub, m_log, m_limits);
        });
}

} // namespace canopy
