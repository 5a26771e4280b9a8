#pragma once

#include "auth/ConnectionAuthorizer.h"

namespace canopy {

class BanList;
class DevTokenAuthorizer;
class TokenIssuer;

// The upgrade's gate: a banned DID is refused whatever it holds; otherwise the dev token (when
// set) or a single-use token from the exchange opens it.
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
