#include "auth/TokenAuthorizer.h"

#include "auth/BanList.h"
#include "auth/DevTokenAuthorizer.h"
#include "auth/TokenIssuer.h"

namespace canopy {

TokenAuthorizer::TokenAuthorizer(DevTokenAuthorizer &devTokens, TokenIssuer &issuer, BanList &bans)
    : m_devTokens(devTokens)
    , m_issuer(issuer)
    , m_bans(bans)
{
}

Expected<ConnectionGrant, ConnectionRefusal> TokenAuthorizer::authorize(
    const QString &did, const QString &token, const QHostAddress &remote)
{
    if (const auto ban = m_bans.activeBan(did)) {
        return unexpected(ConnectionRefusal {403, QStringLiteral("AccountBanned"),
            ban->reason.isEmpty() ? QStringLiteral("this DID is banned")
                                  : QStringLiteral("this DID is banned: %1").arg(ban->reason)});
    }
    if (m_devTokens.matches(token))
        return m_devTokens.authorize(did, token, remote);
    auto record = m_issuer.consume(did, token);
    if (!record)
        return unexpected(record.error());
    return ConnectionGrant {did, QStringLiteral("token"), QString::number(record->id)};
}

} // namespace canopy
