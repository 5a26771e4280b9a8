#pragma once

#include "auth/ConnectionAuthorizer.h"

namespace canopy {

class EventLog;

// UNSAFE_DEV_TOKEN: one fixed token that opens any DID. Each use is logged as a warning.
class DevTokenAuthorizer final : public ConnectionAuthorizer
{
public:
    DevTokenAuthorizer(QString devToken, EventLog &log);

    bool isEnabled() const { return !m_devToken.isEmpty(); }
    bool matches(const QString &token) const; // constant time
    Expected<ConnectionGrant, ConnectionRefusal> authorize(
        const QString &did, const QString &token, const QHostAddress &remote) override;

private:
    QByteArray m_devToken;
    EventLog &m_log;
};

} // namespace canopy
