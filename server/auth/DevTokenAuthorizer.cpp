#include "auth/DevTokenAuthorizer.h"

#include "log/EventLog.h"
#include "log/LogCategories.h"

#include <openssl/crypto.h>

#include <QHostAddress>

namespace canopy {

DevTokenAuthorizer::DevTokenAuthorizer(QString devToken, EventLog &log)
    : m_devToken(devToken.toUtf8())
    , m_log(log)
{
}

bool DevTokenAuthorizer::matches(const QString &token) const
{
    const QByteArray given = token.toUtf8();
    // Equal lengths first; then a comparison whose time does not depend on where bytes differ.
    return !m_devToken.isEmpty() && given.size() == m_devToken.size()
        && CRYPTO_memcmp(given.constData(), m_devToken.constData(), size_t(given.size())) == 0;
}

Expected<ConnectionGrant, ConnectionRefusal> DevTokenAuthorizer::authorize(
    const QString &did, const QString &token, const QHostAddress &remote)
{
    if (!matches(token)) {
        return unexpected(ConnectionRefusal {
            403, QStringLiteral("InvalidToken"), QStringLiteral("the token is not valid")});
    }
    m_log.record(QtWarningMsg, lcAuth(), QStringLiteral("UNSAFE dev token used to open a session"),
        {{QStringLiteral("did"), did}, {QStringLiteral("remote"), remote.toString()}});
    return ConnectionGrant {did, QStringLiteral("dev-token"), {}};
}

} // namespace canopy
