#include "auth/TokenAuthorizer.h"

#include "auth/DevTokenAuthorizer.h"
#include "auth/TokenIssuer.h"

namespace canopy {

TokenAuthorizer::TokenAuthorizer(DevTokenAuthorizer &devTokens, TokenIssuer &issuer)
    : m_devTokens(devTokens)
    , m_issuer(issuer)
{
}

Expected<ConnectionGrant, ConnectionRefusal> TokenAuthorizer::authorize(
    const QString &did, const QString &token, const HttpRequest &request)
{
    if (m_devTokens.matches(token))
        return m_devTokens.authorize(did, token, request);
    auto record = m_issuer.consume(did, token);
    if (!record)
        return unexpected(record.error());
    return ConnectionGrant {did, QStringLiteral("token"), QString::number(record->id)};
}

} // namespace canopy
