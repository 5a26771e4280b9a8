#include "auth/TokenRoute.h"

#include "access/AccessControl.h"
#include "auth/BanList.h"
#include "auth/DidResolver.h"
#include "auth/TokenIssuer.h"
#include "http/HttpExchange.h"
#include "log/EventLog.h"
#include "log/LogCategories.h"
#include "log/Metrics.h"

#include <QDateTime>
#include <QJsonObject>
#include <QPointer>

namespace canopy {

struct TokenRoute::Attempt
{
    QPointer<HttpExchange> exchange;
    auth::Jwt jwt;
};

TokenRoute::TokenRoute(const QString &serviceDid, DidResolver &resolver, TokenIssuer &issuer,
    BanList &bans, EventLog &log, QObject *parent)
    : QObject(parent)
    , m_resolver(resolver)
    , m_issuer(issuer)
    , m_bans(bans)
    , m_log(log)
{
    m_policy.audiences = {serviceDid, serviceDid + QStringLiteral("#roomy_syncserver")};
    m_policy.lxm = Method.toString();
}

bool TokenRoute::matches(const HttpRequest &request) const
{
    return request.path == Path;
}

void TokenRoute::fail(HttpExchange *exchange, const QString &error, const QString &message,
    const QString &did, int status, const QString &detail)
{
    ++m_failures[error];
    if (m_metrics)
        m_metrics->countAuthFailure(error);
    LogFields fields {{QStringLiteral("reason"), error}};
    if (!did.isEmpty())
        fields.append({QStringLiteral("did"), did});
    if (exchange) {
        const QString remote = exchange->request().remoteAddress.toString();
        fields.append({QStringLiteral("remote"), remote});
        // Failed authentications are rate limited harder than requests.
        if (status == 401)
            m_failureRate.take(remote);
    }
    m_log.record(QtInfoMsg, lcAuth(),
        QStringLiteral("token refused: %1").arg(detail.isEmpty() ? message : detail), fields);
    Q_EMIT authFailed(error, did);
    if (exchange)
        exchange->respond(HttpResponse::error(status, error, message));
}

void TokenRoute::setRateLimits(int perIp, int perDid, int failuresPerIp)
{
    m_ipRate = RateLimiter(perIp);
    m_didRate = RateLimiter(perDid);
    m_failureRate = RateLimiter(failuresPerIp);
}

void TokenRoute::refuseRate(
    HttpExchange &exchange, const QString &message, int retryAfter, const QString &limit)
{
    if (m_metrics)
        m_metrics->countRefusal(limit);
    m_log.record(QtInfoMsg, lcAuth(), QStringLiteral("token refused: %1").arg(message),
        {{QStringLiteral("reason"), QStringLiteral("RateLimitExceeded")},
            {QStringLiteral("remote"), exchange.request().remoteAddress.toString()}});
    exchange.respond(HttpResponse::error(429, QStringLiteral("RateLimitExceeded"), message)
                         .setHeader("Retry-After", QByteArray::number(retryAfter)));
}

void TokenRoute::handle(HttpExchange &exchange)
{
    const HttpRequest &request = exchange.request();
    if (request.method != "GET") {
        exchange.respond(HttpResponse::error(
            405, QStringLiteral("MethodNotAllowed"), QStringLiteral("%1 takes GET").arg(Path)));
        return;
    }
    const QString remote = request.remoteAddress.toString();
    if (const int wait = m_failureRate.wouldWait(remote); wait > 0) {
        refuseRate(exchange, QStringLiteral("too many failed authentications from this address"),
            wait, QStringLiteral("auth-failures-ip"));
        return;
    }
    if (const int wait = m_ipRate.take(remote); wait > 0) {
        refuseRate(exchange, QStringLiteral("too many token requests from this address"), wait,
            QStringLiteral("token-rate-ip"));
        return;
    }
    const QByteArray authorization = request.header("authorization");
    if (authorization.size() > auth::JwtVerifier::MaxTokenBytes + 7) {
        fail(&exchange, QStringLiteral("BadJwt"), QStringLiteral("the bearer token exceeds 8 KiB"));
        return;
    }
    const qsizetype space = authorization.indexOf(' ');
    const QByteArray scheme = space < 0 ? authorization : authorization.left(space);
    const QByteArray token = space < 0 ? QByteArray() : authorization.mid(space + 1).trimmed();
    if (scheme.compare("Bearer", Qt::CaseInsensitive) != 0 || token.isEmpty()) {
        fail(&exchange, QStringLiteral("MissingJwt"), QStringLiteral("missing jwt"));
        return;
    }

    auto jwt = auth::JwtVerifier::parse(token, m_policy, QDateTime::currentMSecsSinceEpoch());
    if (!jwt) {
        fail(&exchange, jwt.error().nameString(), jwt.error().message);
        return;
    }
    // Members mode: a stranger's JWT is refused before it costs a resolution. The price is
    // that anyone may learn whether a DID is a member; a ban is still heard only by the
    // member's key holder, after the signature.
    if (m_access && !m_access->mayConnect(jwt->issDid)) {
        if (m_metrics)
            m_metrics->countRefusal(QStringLiteral("not-a-member"));
        fail(&exchange, QStringLiteral("NotAMember"),
            QStringLiteral("%1 is not a member of this host").arg(jwt->issDid), jwt->issDid, 403);
        return;
    }
    // Neither the per-DID limit nor a ban is anyone's business before the signature verified:
    // a JWT anyone can write must not spend a DID's requests nor learn of its ban.
    auto attempt = std::make_shared<Attempt>(Attempt {&exchange, std::move(*jwt)});
    withKey(attempt, false);
}

void TokenRoute::withKey(const std::shared_ptr<Attempt> &attempt, bool refreshed)
{
    const QString did = attempt->jwt.issDid;
    m_resolver.resolve(did, refreshed, attempt->exchange,
        [this, attempt, refreshed, did](const DidResolver::Result &result) {
            HttpExchange *exchange = attempt->exchange;
            if (!exchange)
                return;
            if (!result) {
                // One answer for every failure, or the endpoint would scan ports for anyone
                // (refused, HTTP 500, timeout...); the detail is the operator's, in the log.
                if (result.error().code == ResolveError::Code::Refused && m_metrics)
                    m_metrics->countRefusal(QStringLiteral("did-web-not-public"));
                fail(exchange, QStringLiteral("AuthenticationRequired"),
                    UnresolvedMessage.toString(), did, 401, result.error().message);
                return;
            }
            const auth::DidDocument &document = *result;
            const std::optional<auth::PublicKey> &key
                = attempt->jwt.keyId == u"atproto_label" ? document.labelKey : document.atprotoKey;
            if (!key) {
                if (!refreshed) {
                    withKey(attempt, true); // the cached document may predate the key
                    return;
                }
                // A document without a usable key is no resolution either, to the caller.
                fail(exchange, QStringLiteral("AuthenticationRequired"),
                    UnresolvedMessage.toString(), did, 401,
                    QStringLiteral("missing or bad key in did doc: %1")
                        .arg(document.keyProblem.isEmpty()
                                ? QStringLiteral("no #%1 key").arg(attempt->jwt.keyId)
                                : document.keyProblem));
                return;
            }
            switch (auth::JwtVerifier::verifySignature(attempt->jwt, *key)) {
            case auth::SignatureCheck::Valid:
                break;
            case auth::SignatureCheck::Unusable:
                fail(exchange, QStringLiteral("BadJwtSignature"),
                    QStringLiteral("could not verify jwt signature"), did);
                return;
            case auth::SignatureCheck::Invalid:
            case auth::SignatureCheck::CurveMismatch:
                // The key may have been rotated since it was cached: exactly one fresh look.
                if (!refreshed) {
                    withKey(attempt, true);
                    return;
                }
                fail(exchange, QStringLiteral("BadJwtSignature"),
                    QStringLiteral("jwt signature does not match jwt issuer"), did);
                return;
            }
            issueVerified(*exchange, did);
        });
}

void TokenRoute::issueVerified(HttpExchange &exchange, const QString &did)
{
    if (const int wait = m_didRate.take(did); wait > 0) {
        refuseRate(exchange, QStringLiteral("too many token requests for %1").arg(did), wait,
            QStringLiteral("token-rate-did"));
        return;
    }
    // Only the DID's key holder learns of the ban, and never the operator's reason for it.
    if (m_bans.activeBan(did)) {
        fail(&exchange, QStringLiteral("AccountBanned"), QStringLiteral("this DID is banned"), did,
            403);
        return;
    }
    auto issued = m_issuer.issue(did);
    if (!issued) {
        m_log.record(QtCriticalMsg, lcStore(),
            QStringLiteral("cannot issue token: %1").arg(issued.error().message),
            {{QStringLiteral("did"), did}});
        exchange.respond(HttpResponse::error(503, QStringLiteral("StoreUnavailable"),
            QStringLiteral("the token could not be recorded")));
        return;
    }
    if (m_metrics)
        m_metrics->countTokenIssued();
    exchange.respond(
        HttpResponse::json(200, QJsonObject {{QStringLiteral("token"), issued->token}}));
}

} // namespace canopy
