#pragma once

#include <QHostAddress>
#include <QList>
#include <QObject>

class QTcpServer;
class QTcpSocket;

namespace canopy {

class HttpRoute;
class EventLog;
struct HttpResponse;

// The HTTP front: accepts connections, reads request heads within limits, answers CORS
// preflights and errors itself, and dispatches everything else to registered routes.
class HttpServer final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(HttpServer)

public:
    static constexpr qint64 MaxBodyBytes = 1024 * 1024;
    static constexpr int HeadTimeoutMs = 5000;

    explicit HttpServer(EventLog &log, QObject *parent = nullptr);
    ~HttpServer() override;

    void addRoute(HttpRoute *route); // not owned; must outlive the server
    bool listen(const QHostAddress &address, quint16 port);
    void close(); // stop accepting; connections being served finish
    QString errorString() const;
    quint16 port() const;
    QHostAddress address() const;

private:
    struct Connection;
    void onNewConnection();
    void onReadyRead(QTcpSocket *socket);
    void dispatch(QTcpSocket *socket, Connection &state);
    void finish(QTcpSocket *socket, const HttpResponse &response);
    void release(QTcpSocket *socket); // the front no longer watches this socket

    EventLog &m_log;
    QTcpServer *m_server;
    QList<HttpRoute *> m_routes;
    QHash<QTcpSocket *, Connection *> m_connections;
};

} // namespace canopy
