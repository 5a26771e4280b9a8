#include "sync/SessionRegistry.h"

#include "log/EventLog.h"
#include "log/LogCategories.h"

#include <QWebSocket>

namespace canopy {

SessionRegistry::SessionRegistry(
    EntityHub &hub, EventLog &log, SessionLimits limits, QObject *parent)
    : QObject(parent)
    , m_hub(hub)
    , m_log(log)
    , m_limits(limits)
{
}

SyncSession *SessionRegistry::open(QWebSocket *socket, const ConnectionGrant &grant, QTcpSocket *transport)
{
    const quint64 id = m_nextId++;
    auto *session = new SyncSession(id, socket, grant, m_hub, m_log, m_limits, this);
    session->setMetrics(m_metrics);
    session->setTransport(transport);
    m_sessions.insert(id, session);
    connect(session, &SyncSession::closed, this, [this](SyncSession *closed) {
        m_sessions.remove(closed->id());
        Q_EMIT sessionClosed(closed);
        closed->deleteLater();
    });
    m_log.record(QtInfoMsg, lcSync(), QStringLiteral("session opened"),
        {{QStringLiteral("session"), session->idString()}, {QStringLiteral("did"), grant.did},
            {QStringLiteral("remote"), session->remoteAddress().toString()},
            {QStringLiteral("auth"), grant.method}});
    Q_EMIT sessionOpened(session);
    return session;
}

SyncSession *SessionRegistry::find(const QString &id) const
{
    bool ok = false;
    const quint64 number = id.toULongLong(&ok);
    return ok ? m_sessions.value(number) : nullptr;
}

int SessionRegistry::closeDid(const QString &did, QWebSocketProtocol::CloseCode code, const QString &reason)
{
    int closed = 0;
    const QList<SyncSession *> all = m_sessions.values();
    for (SyncSession *session : all) {
        if (session->did() == did) {
            session->close(code, reason, true);
            ++closed;
        }
    }
    return closed;
}

void SessionRegistry::closeAll(QWebSocketProtocol::CloseCode code, const QString &reason)
{
    const QList<SyncSession *> all = m_sessions.values();
    for (SyncSession *session : all)
        session->close(code, reason);
}

} // namespace canopy
