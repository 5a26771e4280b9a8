#pragma once

#include <memory>

#include <QHostAddress>
#include <QList>
#include <QObject>
#include <QTimer>

class QSocketNotifier;
class QSslConfiguration;
class QSslSocket;
class QTcpServer;
class QTcpSocket;

namespace canopy {

class HttpRoute;
class EventLog;
class Metrics;
class UnauthenticatedConnections;
struct HttpResponse;

// The HTTP front: accepts connections (within the cap on unauthenticated ones; pausing while
// the process is out of file descriptors), speaks TLS on them when configured, reads request
// heads within limits, answers CORS preflights and errors itself, and dispatches everything else
// to registered routes.
class HttpServer final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(HttpServer)

public:
    static constexpr qint64 MaxBodyBytes = 1024 * 1024;
    static constexpr int HeadTimeoutMs = 5000;
    // While accept() fails for want of descriptors, it is tried again this often (or as soon as
    // a connection closes), never in a busy loop.
    static constexpr int AcceptRetryMs = 250;

    explicit HttpServer(EventLog &log, QObject *parent = nullptr);
    ~HttpServer() override;

    void addRoute(HttpRoute *route); // not owned; must outlive the server
    // Every accepted connection is admitted here first; refused ones get 503 or 429 at once.
    void setUnauthenticatedConnections(UnauthenticatedConnections *counter)
    {
        m_unauthenticated = counter;
    }
    void setMetrics(Metrics *metrics) { m_metrics = metrics; }
    // From now on every connection speaks TLS (server mode) with this configuration, and only
    // TLS; the handshake counts against the head deadline (HeadTimeoutMs from accept).
    void setTlsConfiguration(const QSslConfiguration &configuration);
    bool isTls() const { return m_tls != nullptr; }
    bool listen(const QHostAddress &address, quint16 port);
    void close(); // stop accepting; connections being served finish
    QString errorString() const;
    quint16 port() const;
    QHostAddress address() const;

private:
    struct Connection;
    void acceptPending();
    void pauseAccepting(int error);
    void resumeAccepting();
    void onNewConnection(QTcpSocket *socket);
    void refuseUnauthenticated(QTcpSocket *socket, bool perAddress);
    void startTls(QSslSocket *socket);
    // A handshake that failed or did not finish in time: logged (once a second at most),
    // counted, the connection closed.
    void refuseHandshake(QTcpSocket *socket, const QString &refusal, const QString &reason);
    void onReadyRead(QTcpSocket *socket);
    void dispatch(QTcpSocket *socket, Connection &state);
    void finish(QTcpSocket *socket, const HttpResponse &response);
    void release(QTcpSocket *socket); // the front no longer watches this socket

    EventLog &m_log;
    QTcpServer *m_server;
    QSocketNotifier *m_acceptNotifier = nullptr;
    QTimer m_acceptRetry;
    bool m_acceptPaused = false;
    UnauthenticatedConnections *m_unauthenticated = nullptr;
    Metrics *m_metrics = nullptr;
    qint64 m_lastRefusalLogMs = 0;
    int m_refusedSinceLog = 0;
    std::unique_ptr<QSslConfiguration> m_tls;
    qint64 m_lastHandshakeLogMs = 0;
    int m_handshakesSinceLog = 0;
    QList<HttpRoute *> m_routes;
    QHash<QTcpSocket *, Connection *> m_connections;
};

} // namespace canopy
