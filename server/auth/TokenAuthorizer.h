#pragma once

#include "auth/ConnectionAuthorizer.h"

namespace canopy {

class BanList;
class DevTokenAuthorizer;
class TokenIssuer;

// The upgrade's gate: the dev token (when set) or a single-use token from the exchange opens a
// DID unless it is banned. Only a token that would open the DID learns of the ban (never its
// reason); any other is refused as it would be for a DID without one.
class TokenAuthorizer final : public ConnectionAuthorizer
{
public:
    TokenAuthorizer(DevTokenAuthorizer &devTokens, TokenIssuer &issuer, BanList &bans);
    Expected<ConnectionGrant, ConnectionRefusal> authorize(
        const QString &did, const QString &token, const QHostAddress &remote) override;

private:
    DevTokenAuthorizer &m_devTokens;
    TokenIssuer &m_issuer;
    BanList &m_bans;
};

} // namespace canopy
