#pragma once

#include <QElapsedTimer>
#include <QHash>
#include <QString>

namespace canopy {

// Token buckets by key (an IP address, a DID): `perMinute` requests a minute with a burst of the
// same size. Idle buckets are forgotten so a flood of keys cannot grow it without bound.
class RateLimiter final
{
public:
    explicit RateLimiter(int perMinute);

    // 0 when the request may pass (a token is taken); otherwise the seconds until one will.
    int take(const QString &key);
    // Like take() but takes nothing: would a request pass now?
    int wouldWait(const QString &key);
    qsizetype size() const { return m_buckets.size(); }

private:
    struct Bucket
    {
        double tokens = 0;
        qint64 updatedMs = 0;
    };
    Bucket &refill(const QString &key, qint64 now);
    void forgetIdle(qint64 now);

    double m_capacity;
    double m_perMs;
    QElapsedTimer m_clock;
    qint64 m_lastSweepMs = 0;
    QHash<QString, Bucket> m_buckets;
};

} // namespace canopy
