#pragma once

#include "auth/Jwt.h"
#include "http/HttpRoute.h"
#include "util/RateLimiter.h"

#include <QHash>
#include <QObject>

namespace canopy {

class AccessControl;
class BanList;
class DidResolver;
class Metrics;
class EventLog;
class HttpExchange;
class TokenIssuer;

// GET /xrpc/chat.roomy.v0.sync.token: trades an ATProto service JWT (Authorization: Bearer) for
// a single-use connection token. Failures are 401 with the reference verifier's error names and
// count against the caller's IP; the per-DID limit and the ban apply once the signature verified.
// In members mode a JWT whose issuer is no member is refused (403 NotAMember) as soon as it
// parses, before anything is resolved: a stranger's JWT costs the host no lookup.
class TokenRoute final : public QObject, public HttpRoute
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(TokenRoute)

public:
    static constexpr QStringView Path = u"/xrpc/chat.roomy.v0.sync.token";
    static constexpr QStringView Method = u"chat.roomy.v0.sync.token";
    // What an unauthenticated caller hears of every resolution failure, whatever its cause.
    static constexpr QStringView UnresolvedMessage = u"the DID could not be resolved";

    TokenRoute(const QString &serviceDid, DidResolver &resolver, TokenIssuer &issuer, BanList &bans,
        EventLog &log, QObject *parent = nullptr);
    void setMetrics(Metrics *metrics) { m_metrics = metrics; }
    void setAccess(AccessControl *access) { m_access = access; }
    // Token buckets, per minute with a burst of the same size.
    void setRateLimits(int perIp, int perDid, int failuresPerIp);

    bool matches(const HttpRequest &request) const override;
    void handle(HttpExchange &exchange) override;

    const QHash<QString, quint64> &failures() const { return m_failures; } // by error name

Q_SIGNALS:
    void authFailed(const QString &error, const QString &did);

private:
    struct Attempt;
    void withKey(const std::shared_ptr<Attempt> &attempt, bool refreshed);
    // After the signature verified: the per-DID limit, the ban, the token.
    void issueVerified(HttpExchange &exchange, const QString &did);
    void refuseRate(
        HttpExchange &exchange, const QString &message, int retryAfter, const QString &limit);
    // `message` goes to the caller; `detail`, when given, to the log instead.
    void fail(HttpExchange *exchange, const QString &error, const QString &message,
        const QString &did = {}, int status = 401, const QString &detail = {});

    auth::JwtPolicy m_policy;
    DidResolver &m_resolver;
    TokenIssuer &m_issuer;
    BanList &m_bans;
    Metrics *m_metrics = nullptr;
    AccessControl *m_access = nullptr;
    RateLimiter m_ipRate {300};
    RateLimiter m_didRate {60};
    RateLimiter m_failureRate {200};
    EventLog &m_log;
    QHash<QString, quint64> m_failures;
};

} // namespace canopy
