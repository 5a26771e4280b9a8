#include "auth/TokenAuthorizer.h"

#include "access/AccessControl.h"
#include "auth/BanList.h"
#include "auth/DevTokenAuthorizer.h"
#include "auth/TokenIssuer.h"
#include "log/Metrics.h"
#include "util/Did.h"

namespace canopy {

TokenAuthorizer::TokenAuthorizer(DevTokenAuthorizer &devTokens, TokenIssuer &issuer, BanList &bans)
    : m_devTokens(devTokens)
    , m_issuer(issuer)
    , m_bans(bans)
{
}

void TokenAuthorizer::count(const QString &reason) const
{
    if (m_metrics)
        m_metrics->countRefusal(reason);
}

Expected<ConnectionGrant, ConnectionRefusal> TokenAuthorizer::authorizeKey(
    const QString &identity, const QString &value)
{
    // One answer for an unknown, revoked, expired or wrong key: the caller holds no live key.
    const ConnectionRefusal invalid {403, QStringLiteral("InvalidToken"),
        QStringLiteral("the access key is not valid (unknown, revoked, expired or not this "
                       "key's value)")};
    const QString name = identity.sliced(4);
    const auto opened = m_access ? m_access->identityOfKey(name, value) : std::nullopt;
    if (!opened) {
        // Counted precisely for the operator: an expired key is worth knowing about.
        bool expired = false;
        if (m_access) {
            for (const AccessKey &key : m_access->keys()) {
                if (key.name == name)
                    expired = !key.expiresAt.isNull()
                        && key.expiresAt <= QDateTime::currentDateTimeUtc();
            }
        }
        count(expired ? QStringLiteral("key-expired") : QStringLiteral("key-invalid"));
        return unexpected(invalid);
    }
    return ConnectionGrant {identity, QStringLiteral("access-key"), {}};
}

Expected<ConnectionGrant, ConnectionRefusal> TokenAuthorizer::authorize(
    const QString &did, const QString &token, const QHostAddress &remote)
{
    // Keys are the operator's own: outside membership and bans (it revokes them instead).
    if (Did::isKeyIdentity(did))
        return authorizeKey(did, token);
    // The token first: whoever cannot open the DID hears what any other DID's refusal says,
    // and the ban's reason stays in the admin API.
    const ConnectionRefusal banned {
        403, QStringLiteral("AccountBanned"), QStringLiteral("this DID is banned")};
    if (m_devTokens.matches(token)) {
        if (m_bans.activeBan(did))
            return unexpected(banned);
        return m_devTokens.authorize(did, token, remote);
    }
    auto record = m_issuer.check(did, token);
    if (!record)
        return unexpected(record.error());
    if (m_bans.activeBan(did))
        return unexpected(banned); // the token stays unspent: it was never of use
    if (m_access && !m_access->mayConnect(did)) {
        count(QStringLiteral("not-a-member"));
        return unexpected(ConnectionRefusal {403, QStringLiteral("NotAMember"),
            QStringLiteral("%1 is not a member of this host").arg(did)});
    }
    auto spent = m_issuer.spend(std::move(*record));
    if (!spent)
        return unexpected(spent.error());
    return ConnectionGrant {did, QStringLiteral("token"), QString::number(spent->id)};
}

} // namespace canopy
