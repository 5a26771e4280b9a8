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
    auto spent = m_issuer.spend(std::move(*record));
    if (!spent)
        return unexpected(spent.error());
    return ConnectionGrant {did, QStringLiteral("token"), QString::number(spent->id)};
}

} // namespace canopy
