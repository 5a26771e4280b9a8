#include "sync/SessionRegistry.h"

#include "access/AccessControl.h"
#include "http/UnauthenticatedConnections.h"
#include "log/EventLog.h"
#include "log/LogCategories.h"
#include "util/Did.h"

#include <QPointer>

namespace canopy {

SessionRegistry::SessionRegistry(EventLog &log, QObject *parent)
    : QObject(parent)
    , m_log(log)
{
}

void SessionRegistry::add(PeerSession *session, QTcpSocket *transport)
{
    session->setParent(this);
    session->setMetrics(m_metrics);
    session->setTransport(transport);
    m_sessions.insert(session->id(), session);
    connect(session, &PeerSession::closed, this, [this](PeerSession *closed) {
        m_sessions.remove(closed->id());
        Q_EMIT sessionClosed(closed);
        closed->deleteLater();
    });
    // Authenticated, the connection no longer counts against the cap on unauthenticated ones.
    connect(session, &PeerSession::authenticated, this,
        [this, guard = QPointer<QTcpSocket>(transport)](PeerSession *granted) {
            UnauthenticatedConnections::authenticated(guard);
            Q_EMIT sessionAuthenticated(granted);
        });
    m_log.record(QtInfoMsg, lcSync(), QStringLiteral("session opened"),
        {{QStringLiteral("session"), session->idString()}, {QStringLiteral("did"), session->did()},
            {QStringLiteral("remote"), session->remoteAddress().toString()},
            {QStringLiteral("protocol"), session->protocolName()},
            {QStringLiteral("auth"),
                session->isAuthenticated() ? session->grant().method : QStringLiteral("pending")}});
    Q_EMIT sessionOpened(session);
    if (session->isAuthenticated()) {
        UnauthenticatedConnections::authenticated(transport);
        Q_EMIT sessionAuthenticated(session);
    }
}

PeerSession *SessionRegistry::find(const QString &id) const
{
    bool ok = false;
    const quint64 number = id.toULongLong(&ok);
    return ok ? m_sessions.value(number) : nullptr;
}

qsizetype SessionRegistry::countForDid(const QString &did) const
{
    qsizetype count = 0;
    for (const PeerSession *session : m_sessions)
        count += session->did() == did ? 1 : 0;
    return count;
}

int SessionRegistry::evictDid(const QString &did, const QString &reason)
{
    int evicted = 0;
    const QList<PeerSession *> all = m_sessions.values();
    for (PeerSession *session : all) {
        if (session->did() == did) {
            session->evict(reason);
            ++evicted;
        }
    }
    return evicted;
}

void SessionRegistry::setAccess(AccessControl *access)
{
    if (m_access)
        disconnect(m_access, nullptr, this, nullptr);
    m_access = access;
    if (m_access)
        connect(m_access, &AccessControl::identityShutOut, this, &SessionRegistry::shutOut);
}

int SessionRegistry::shutOut(const QString &identity)
{
    const bool key = Did::isKeyIdentity(identity);
    const QString reason = key ? QStringLiteral("the access key was revoked or has expired")
                               : QStringLiteral("no longer a member of this host");
    int closed = 0;
    const QList<PeerSession *> all = m_sessions.values();
    for (PeerSession *session : all) {
        // A session not yet authenticated is judged when it is; the dev token ignores
        // membership.
        if (session->did() != identity || !session->isAuthenticated()
            || session->grant().method == u"dev-token")
            continue;
        LogFields ended {{QStringLiteral("session"), session->idString()},
            {QStringLiteral("did"), identity},
            {QStringLiteral("reason"),
                key ? QStringLiteral("key-revoked") : QStringLiteral("not-a-member")}};
        m_log.record(
            QtInfoMsg, lcAccess(), QStringLiteral("session closed: %1").arg(reason), ended);
        session->evict(reason);
        ++closed;
    }
    return closed;
}

void SessionRegistry::closeAll(QWebSocketProtocol::CloseCode code, const QString &reason)
{
    const QList<PeerSession *> all = m_sessions.values();
    for (PeerSession *session : all)
        session->close(code, reason);
}

} // namespace canopy
