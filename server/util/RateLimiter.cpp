#include "util/RateLimiter.h"

#include <cmath>

namespace canopy {

RateLimiter::RateLimiter(int perMinute)
    : m_capacity(double(perMinute))
    , m_perMs(double(perMinute) / 60000.0)
{
    m_clock.start();
}

RateLimiter::Bucket &RateLimiter::refill(const QString &key, qint64 now)
{
    auto it = m_buckets.find(key);
    if (it == m_buckets.end())
        it = m_buckets.insert(key, Bucket {m_capacity, now});
    Bucket &bucket = *it;
    bucket.tokens = std::min(m_capacity, bucket.tokens + double(now - bucket.updatedMs) * m_perMs);
    bucket.updatedMs = now;
    return bucket;
}

void RateLimiter::forgetIdle(qint64 now)
{
    if (now - m_lastSweepMs < 10000)
        return;
    m_lastSweepMs = now;
    // A bucket that refilled completely carries no information.
    for (auto it = m_buckets.begin(); it != m_buckets.end();) {
        if (it->tokens + double(now - it->updatedMs) * m_perMs >= m_capacity)
            it = m_buckets.erase(it);
        else
            ++it;
    }
}

int RateLimiter::wouldWait(const QString &key)
{
    const qint64 now = m_clock.elapsed();
    const Bucket &bucket = refill(key, now);
    if (bucket.tokens >= 1.0)
        return 0;
    return std::max(1, int(std::ceil((1.0 - bucket.tokens) / m_perMs / 1000.0)));
}

int RateLimiter::take(const QString &key)
{
    const qint64 now = m_clock.elapsed();
    forgetIdle(now);
    Bucket &bucket = refill(key, now);
    if (bucket.tokens >= 1.0) {
        bucket.tokens -= 1.0;
        return 0;
    }
    return std::max(1, int(std::ceil((1.0 - bucket.tokens) / m_perMs / 1000.0)));
}

} // namespace canopy
