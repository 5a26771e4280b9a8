#pragma once

#include "auth/ConnectionAuthorizer.h"
#include "sync/SyncSession.h"

#include <QHash>
#include <QObject>

namespace canopy {

class EntityHub;
class EventLog;

// Every live Sync1 session, by id. Owns the sessions.
class SessionRegistry final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(SessionRegistry)

public:
    SessionRegistry(EntityHub &hub, EventLog &log, SessionLimits limits, QObject *parent = nullptr);

    SyncSession *open(QWebSocket *socket, const ConnectionGrant &grant);
    SyncSession *find(quint64 id) const { return m_sessions.value(id); }
    QList<SyncSession *> sessions() const { return m_sessions.values(); }
    qsizetype count() const { return m_sessions.size(); }
    void closeAll(QWebSocketProtocol::CloseCode code, const QString &reason);

Q_SIGNALS:
    void sessionOpened(canopy::SyncSession *session);
    void sessionClosed(canopy::SyncSession *session);

private:
    EntityHub &m_hub;
    EventLog &m_log;
    SessionLimits m_limits;
    quint64 m_nextId = 1;
    QHash<quint64, SyncSession *> m_sessions;
};

} // namespace canopy
