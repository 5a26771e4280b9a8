#pragma once

#include "sync/PeerSession.h"

#include <QHash>
#include <QObject>

namespace canopy {

class AccessControl;
class EventLog;

// Every live session, whatever its protocol, by id. Owns the sessions.
class SessionRegistry final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(SessionRegistry)

public:
    explicit SessionRegistry(EventLog &log, QObject *parent = nullptr);

    quint64 nextId() { return m_nextId++; }
    // Takes the session over; `transport` is the TCP socket under its WebSocket.
    void add(PeerSession *session, QTcpSocket *transport);
    PeerSession *find(quint64 id) const { return m_sessions.value(id); }
    PeerSession *find(const QString &id) const;
    QList<PeerSession *> sessions() const { return m_sessions.values(); }
    qsizetype count() const { return m_sessions.size(); }
    qsizetype countForDid(const QString &did) const;
    void closeAll(QWebSocketProtocol::CloseCode code, const QString &reason);
    // Evicts every session of `did` (4403); returns how many.
    int evictDid(const QString &did, const QString &reason);
    void setMetrics(Metrics *metrics) { m_metrics = metrics; }
    // Follows AccessControl::identityShutOut at once: a removed member's sessions (not those
    // the dev token opened, which is outside membership) and a revoked or expired key's
    // sessions are closed with 4403, each loro-protocol room hearing RoomError evicted first.
    void setAccess(AccessControl *access);
    int shutOut(const QString &identity);

Q_SIGNALS:
    void sessionOpened(canopy::PeerSession *session);
    void sessionAuthenticated(canopy::PeerSession *session);
    void sessionClosed(canopy::PeerSession *session);

private:
    EventLog &m_log;
    quint64 m_nextId = 1;
    QHash<quint64, PeerSession *> m_sessions;
    Metrics *m_metrics = nullptr;
    AccessControl *m_access = nullptr;
};

} // namespace canopy
