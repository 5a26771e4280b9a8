#pragma once

#include "auth/ConnectionAuthorizer.h"
#include "sync/SyncSession.h"

#include <QHash>
#include <QObject>

class QTcpSocket;

namespace canopy {

class EntityHub;
class EventLog;
class Metrics;

// Every live Sync1 session, by id. Owns the sessions.
class SessionRegistry final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(SessionRegistry)

public:
    SessionRegistry(EntityHub &hub, EventLog &log, SessionLimits limits, QObject *parent = nullptr);

    // `transport`: the TCP socket under `socket`, for a close handshake Qt does not wait for.
    SyncSession *open(QWebSocket *socket, const ConnectionGrant &grant, QTcpSocket *transport = nullptr);
    SyncSession *find(quint64 id) const { return m_sessions.value(id); }
    QList<SyncSession *> sessions() const { return m_sessions.values(); }
    qsizetype count() const { return m_sessions.size(); }
    void closeAll(QWebSocketProtocol::CloseCode code, const QString &reason);
    // Closes every session of `did`; returns how many.
    int closeDid(const QString &did, QWebSocketProtocol::CloseCode code, const QString &reason);
    SyncSession *find(const QString &id) const;
    void setMetrics(Metrics *metrics) { m_metrics = metrics; }

Q_SIGNALS:
    void sessionOpened(canopy::SyncSession *session);
    void sessionClosed(canopy::SyncSession *session);

private:
    EntityHub &m_hub;
    EventLog &m_log;
    SessionLimits m_limits;
    quint64 m_nextId = 1;
    QHash<quint64, SyncSession *> m_sessions;
    Metrics *m_metrics = nullptr;
};

} // namespace canopy
