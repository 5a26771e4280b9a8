#pragma once

#include "auth/ConnectionAuthorizer.h"

namespace canopy {

class AccessControl;
class BanList;
class DevTokenAuthorizer;
class Metrics;
class TokenIssuer;

// The upgrade's gate. For a DID: the dev token (when set) or a single-use token from the
// exchange opens it unless it is banned, and, in members mode, unless it is no member any more
// (checked as the token is spent: a token bought by a member opens nothing once it is removed;
// the dev token is outside membership). Only a token that would open the DID learns of the ban
// (never its reason); any other is refused as it would be for a DID without one. For
// "key:<name>": the access key's own value, reusable until it expires or is revoked.
class TokenAuthorizer final : public ConnectionAuthorizer
{
public:
    TokenAuthorizer(DevTokenAuthorizer &devTokens, TokenIssuer &issuer, BanList &bans);
    void setAccess(AccessControl *access) { m_access = access; }
    void setMetrics(Metrics *metrics) { m_metrics = metrics; }
    Expected<ConnectionGrant, ConnectionRefusal> authorize(
        const QString &did, const QString &token, const QHostAddress &remote) override;

private:
    Expected<ConnectionGrant, ConnectionRefusal> authorizeKey(
        const QString &identity, const QString &value);
    void count(const QString &reason) const;

    DevTokenAuthorizer &m_devTokens;
    TokenIssuer &m_issuer;
    BanList &m_bans;
    AccessControl *m_access = nullptr;
    Metrics *m_metrics = nullptr;
};

} // namespace canopy
