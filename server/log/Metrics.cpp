#include "log/Metrics.h"

#include <QStringList>

#include <algorithm>

namespace canopy {
namespace {

QString directionName(int direction)
{
    return direction == 0 ? QStringLiteral("in") : QStringLiteral("out");
}

// Label values are ours (types, error names), but quote them properly anyway.
QString label(const QString &value)
{
    QString out = value;
    out.replace(u'\\', QStringLiteral("\\\\")).replace(u'"', QStringLiteral("\\\"")).replace(u'\n', QStringLiteral("\\n"));
    return out;
}

template <typename Map>
QStringList sortedKeys(const Map &map)
{
    QStringList keys = map.keys();
    std::sort(keys.begin(), keys.end());
    return keys;
}

} // namespace

void Metrics::countFrame(Direction direction, const QString &type, qint64 bytes)
{
    Traffic &traffic = m_traffic[int(direction)][type];
    ++traffic.frames;
    traffic.bytes += quint64(bytes);
}

void Metrics::observeCommit(double seconds)
{
    for (size_t i = 0; i < CommitBuckets.size(); ++i) {
        if (seconds <= CommitBuckets[i])
            ++m_commitBuckets[i];
    }
    ++m_commitCount;
    m_commitSum += seconds;
}

quint64 Metrics::framesTotal(Direction direction) const
{
    quint64 sum = 0;
    for (const Traffic &traffic : m_traffic[int(direction)])
        sum += traffic.frames;
    return sum;
}

quint64 Metrics::bytesTotal(Direction direction) const
{
    quint64 sum = 0;
    for (const Traffic &traffic : m_traffic[int(direction)])
        sum += traffic.bytes;
    return sum;
}

QString Metrics::render() const
{
    QString out;
    out += QStringLiteral("# HELP canopy_frames_total WebSocket frames by direction and message type.\n"
                          "# TYPE canopy_frames_total counter\n");
    for (int d = 0; d < 2; ++d) {
        for (const QString &type : sortedKeys(m_traffic[d])) {
            out += QStringLiteral("canopy_frames_total{direction=\"%1\",type=\"%2\"} %3\n")
                       .arg(directionName(d), label(type))
                       .arg(m_traffic[d].value(type).frames);
        }
    }
    out += QStringLiteral("# HELP canopy_bytes_total WebSocket payload bytes by direction and message type.\n"
                          "# TYPE canopy_bytes_total counter\n");
    for (int d = 0; d < 2; ++d) {
        for (const QString &type : sortedKeys(m_traffic[d])) {
            out += QStringLiteral("canopy_bytes_total{direction=\"%1\",type=\"%2\"} %3\n")
                       .arg(directionName(d), label(type))
                       .arg(m_traffic[d].value(type).bytes);
        }
    }
    out += QStringLiteral("# HELP canopy_tokens_issued_total Connection tokens issued.\n"
                          "# TYPE canopy_tokens_issued_total counter\n"
                          "canopy_tokens_issued_total %1\n")
               .arg(m_tokensIssued);
    out += QStringLiteral("# HELP canopy_auth_failures_total Refused token exchanges by error.\n"
                          "# TYPE canopy_auth_failures_total counter\n");
    for (const QString &error : sortedKeys(m_authFailures)) {
        out += QStringLiteral("canopy_auth_failures_total{error=\"%1\"} %2\n")
                   .arg(label(error))
                   .arg(m_authFailures.value(error));
    }
    out += QStringLiteral("# HELP canopy_refusals_total Connections and requests refused by a limit or rule.\n"
                          "# TYPE canopy_refusals_total counter\n");
    for (const QString &reason : sortedKeys(m_refusals)) {
        out += QStringLiteral("canopy_refusals_total{reason=\"%1\"} %2\n")
                   .arg(label(reason))
                   .arg(m_refusals.value(reason));
    }
    out += QStringLiteral("# HELP canopy_store_failures_total Batches SQLite refused to commit.\n"
                          "# TYPE canopy_store_failures_total counter\n"
                          "canopy_store_failures_total %1\n")
               .arg(m_storeFailures);
    out += QStringLiteral("# HELP canopy_store_commit_seconds Time to commit one batch of blocks.\n"
                          "# TYPE canopy_store_commit_seconds histogram\n");
    for (size_t i = 0; i < CommitBuckets.size(); ++i) {
        out += QStringLiteral("canopy_store_commit_seconds_bucket{le=\"%1\"} %2\n")
                   .arg(CommitBuckets[i])
                   .arg(m_commitBuckets[i]);
    }
    out += QStringLiteral("canopy_store_commit_seconds_bucket{le=\"+Inf\"} %1\n"
                          "canopy_store_commit_seconds_sum %2\n"
                          "canopy_store_commit_seconds_count %1\n")
               .arg(m_commitCount)
               .arg(m_commitSum, 0, 'g', 9);
    return out;
}

} // namespace canopy
