#pragma once

#include "util/Expected.h"

#include <QString>

class QHostAddress;

namespace canopy {

// Who may open /sync/as/<did> (or an access key's key:<name>), decided before the upgrade.
struct ConnectionGrant
{
    QString did;
    QString method; // "dev-token", "token" or "access-key"
    QString tokenId; // the issuance record, when there is one (never the token itself)
};

struct ConnectionRefusal
{
    int status = 403;
    QString error; // XRPC error name
    QString message; // says precisely why
};

// The one interface the upgrade route asks; the dev token and the token exchange plug in here.
class ConnectionAuthorizer
{
public:
    virtual ~ConnectionAuthorizer() = default;
    virtual Expected<ConnectionGrant, ConnectionRefusal> authorize(
        const QString &did, const QString &token, const QHostAddress &remote)
        = 0;
};

} // namespace canopy
