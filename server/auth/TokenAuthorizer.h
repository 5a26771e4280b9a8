#pragma once

#include "auth/ConnectionAuthorizer.h"

namespace canopy {

class DevTokenAuthorizer;
class TokenIssuer;

// The upgrade's gate: the dev token (when set) or a single-use token from the exchange.
class TokenAuthorizer final : public ConnectionAuthorizer
{
public:
    TokenAuthorizer(DevTokenAuthorizer &devTokens, TokenIssuer &issuer);
    Expected<ConnectionGrant, ConnectionRefusal> authorize(
        const QString &did, const QString &token, const HttpRequest &request) override;

private:
    DevTokenAuthorizer &m_devTokens;
    TokenIssuer &m_issuer;
};

} // namespace canopy
