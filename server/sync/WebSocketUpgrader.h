#pragma once

#include "auth/ConnectionAuthorizer.h"
#include "log/LogFields.h"
#include "util/Expected.h"

#include <functional>
#include <optional>

#include <QHash>
#include <QObject>
#include <QPointer>
#include <QTcpSocket>

class QTimer;
class QWebSocket;
class QWebSocketServer;

namespace canopy {

class EventLog;
class HttpExchange;
struct HttpRequest;
class Metrics;
class PeerSession;
class SessionRegistry;

// The upgrade every wire protocol shares: the request checked as Qt's WebSocket server will
// check it, connection limits counted over all protocols (and over handshakes still running),
// the WebSocket handshake within 10 s, then a session made by the protocol's route and handed
// to the registry.
class WebSocketUpgrader final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(WebSocketUpgrader)

public:
    using SessionFactory = std::function<PeerSession *(QWebSocket *socket, quint64 id)>;
    static constexpr int HandshakeTimeoutMs = 10000;
    // Qt's limit on one line of an upgrade head (request line or header field).
    static constexpr qsizetype MaxUpgradeLineBytes = 8 * 1024 - 2;

    // Why `request` is no WebSocket upgrade the handshake would accept (RFC 6455 4.2.1, and
    // what QWebSocketServer checks); a route answers 400 with the reason before any token is
    // spent, since Qt would only close the connection after the token is gone.
    static Expected<void, QString> checkRequest(const HttpRequest &request);

    WebSocketUpgrader(SessionRegistry &sessions, EventLog &log, QObject *parent = nullptr);

    void setConnectionLimits(int total, int perDid);
    void setMetrics(Metrics *metrics) { m_metrics = metrics; }
    // Answers 400 with checkRequest()'s reason and returns false when the request is no valid
    // upgrade; logged with `fields` and counted.
    bool validate(HttpExchange &exchange, const LogFields &fields);
    void setHandshakeTimeout(int ms) { m_handshakeTimeoutMs = ms; } // for tests
    qsizetype pendingCount() const { return m_pending.size(); }
    // The steps every route takes before its own: GET (else 405), a WebSocket upgrade the
    // handshake would take (else 400, as validate()), and the identity in `segment` — a DID or
    // key:<name>, canonical (else 400 InvalidDid, logged and counted). `usage` names the route
    // in the answers ("/sync/as/<did>"). Returns the identity, or nullopt once it has answered.
    std::optional<QString> preflight(
        HttpExchange &exchange, QStringView usage, QStringView segment, const LogFields &fields);
    // The token offered as the subprotocols "authorization, <token>" (browsers write a space
    // after the comma, the ws package none) traded for a grant for `did`, once admit() let the
    // connection in; answers 403 (MissingToken, or the authorizer's refusal) and returns nullopt
    // when there is none. `hint` says where the client puts the token.
    std::optional<ConnectionGrant> authorizeSubprotocol(HttpExchange &exchange,
        ConnectionAuthorizer &authorizer, const QString &did, const QString &hint,
        const LogFields &fields);
    // Answers 503 or 429 and returns false when `did` may not open one more connection.
    bool admit(HttpExchange &exchange, const QString &did, const LogFields &fields);
    // Takes the socket from the front; `factory` makes its session once the handshake is done.
    void upgrade(HttpExchange &exchange, const QString &did, SessionFactory factory);

private:
    void onNewConnection();

    SessionRegistry &m_sessions;
    EventLog &m_log;
    QWebSocketServer *m_webSockets;
    // Upgrades waiting for their handshake, keyed by peer address:port.
    struct Pending
    {
        QString did;
        SessionFactory factory;
        QPointer<QTcpSocket> transport;
        QPointer<QTimer> deadline;
    };
    QHash<QString, Pending> m_pending;
    int m_maxConnections = 4096;
    int m_maxConnectionsPerDid = 16;
    Metrics *m_metrics = nullptr;
    int m_handshakeTimeoutMs = HandshakeTimeoutMs;
};

} // namespace canopy
