#pragma once

#include <QHash>
#include <QHostAddress>
#include <QObject>

class QTcpSocket;

namespace canopy {

// Counts the connections that have not finished authenticating, in total and per peer address:
// from accept until their session authenticated (Sync1: at the upgrade; loro-protocol: the first
// successful join) or the connection closed. The front admits each connection here; whoever
// authenticates it reports that with authenticated(). A connection's place is held by a child
// of its socket, so it is given back whatever way the socket ends.
class UnauthenticatedConnections final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(UnauthenticatedConnections)

public:
    enum class Refusal
    {
        None,
        Total, // more than maxTotal connections are unauthenticated
        PerAddress, // more than maxPerAddress of them come from this peer's address
    };

    UnauthenticatedConnections(int maxTotal, int maxPerAddress, QObject *parent = nullptr);

    // Counts `socket` until it authenticates or is destroyed, or says why it may not be counted.
    Refusal admit(QTcpSocket *socket);
    // The connection under `socket` finished authenticating: it no longer counts. Harmless for
    // a socket that was never counted or already reported.
    static void authenticated(QTcpSocket *socket);

    int maxTotal() const { return m_maxTotal; }
    int maxPerAddress() const { return m_maxPerAddress; }
    int count() const { return m_total; }
    int countFor(const QHostAddress &address) const;

private:
    friend class UnauthenticatedTicket;
    void release(const QHostAddress &address);
    // IPv4 peers of a dual-stack socket arrive as ::ffff:a.b.c.d; they count as a.b.c.d.
    static QHostAddress normalized(const QHostAddress &address);

    int m_maxTotal;
    int m_maxPerAddress;
    int m_total = 0;
    QHash<QHostAddress, int> m_perAddress;
};

} // namespace canopy
