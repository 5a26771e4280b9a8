#include "log/Metrics.h"

#include <algorithm>

#include <QStringList>

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
    out.replace(u'\\', QStringLiteral("\\\\"))
        .replace(u'"', QStringLiteral("\\\""))
        .replace(u'\n', QStringLiteral("\\n"));
    return out;
}

template <typename Map> QStringList sortedKeys(const Map &map)
{
    QStringList keys = map.keys();
    std::sort(keys.begin(), keys.end());
    return keys;
}

constexpr QChar kSeparator = u'\x1f';

QString joined(std::initializer_list<QString> values)
{
    return QStringList(values).join(kSeparator);
}

// `name{a="x",b="y"} value` for a key made by joined().
QString sample(const QString &name, const QStringList &labels, const QString &key, quint64 value)
{
    const QStringList values = key.split(kSeparator);
    QStringList pairs;
    for (qsizetype i = 0; i < labels.size(); ++i)
        pairs.append(QStringLiteral("%1=\"%2\"").arg(labels[i], label(values.value(i))));
    return QStringLiteral("%1{%2} %3\n").arg(name, pairs.join(u','), QString::number(value));
}

} // namespace

void Metrics::countFrame(Direction direction, const QString &protocol, const QString &kind,
    const QString &type, qint64 bytes)
{
    Traffic &traffic = m_traffic[int(direction)][type];
    ++traffic.frames;
    traffic.bytes += quint64(bytes);
    Traffic &perProtocol = m_protocolFrames[int(direction)][joined({protocol, kind, type})];
    ++perProtocol.frames;
    perProtocol.bytes += quint64(bytes);
}

void Metrics::countJoin(const QString &protocol, const QString &kind, const QString &result)
{
    ++m_joins[joined({protocol, kind, result})];
}

void Metrics::countAck(const QString &protocol, const QString &kind, const QString &status)
{
    ++m_acks[joined({protocol, kind, status})];
}

void Metrics::countFragment(Direction direction, const QString &protocol, const QString &kind)
{
    ++m_fragments[int(direction)][joined({protocol, kind})];
}

void Metrics::countUpdateRefused(
    const QString &protocol, const QString &kind, const QString &reason)
{
    ++m_updatesRefused[joined({protocol, kind, reason})];
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
    out += QStringLiteral(
        "# HELP canopy_frames_total WebSocket frames by direction and message type.\n"
        "# TYPE canopy_frames_total counter\n");
    for (int d = 0; d < 2; ++d) {
        for (const QString &type : sortedKeys(m_traffic[d])) {
            out += QStringLiteral("canopy_frames_total{direction=\"%1\",type=\"%2\"} %3\n")
                       .arg(directionName(d), label(type),
                           QString::number(m_traffic[d].value(type).frames));
        }
    }
    out += QStringLiteral(
        "# HELP canopy_bytes_total WebSocket payload bytes by direction and message type.\n"
        "# TYPE canopy_bytes_total counter\n");
    for (int d = 0; d < 2; ++d) {
        for (const QString &type : sortedKeys(m_traffic[d])) {
            out += QStringLiteral("canopy_bytes_total{direction=\"%1\",type=\"%2\"} %3\n")
                       .arg(directionName(d), label(type),
                           QString::number(m_traffic[d].value(type).bytes));
        }
    }
    out += QStringLiteral("# HELP canopy_protocol_frames_total WebSocket frames by protocol, "
                          "document kind, direction and message type.\n"
                          "# TYPE canopy_protocol_frames_total counter\n");
    const QStringList frameLabels {QStringLiteral("protocol"), QStringLiteral("kind"),
        QStringLiteral("type"), QStringLiteral("direction")};
    for (int d = 0; d < 2; ++d) {
        for (const QString &key : sortedKeys(m_protocolFrames[d])) {
            out += sample(QStringLiteral("canopy_protocol_frames_total"), frameLabels,
                key + kSeparator + directionName(d), m_protocolFrames[d].value(key).frames);
        }
    }
    const auto family = [&](const char *name, const char *help, const QStringList &labels,
                            const QHash<QString, quint64> &values) {
        const QString metric = QString::fromLatin1(name);
        out += QStringLiteral("# HELP %1 %2\n# TYPE %1 counter\n")
                   .arg(metric, QString::fromLatin1(help));
        for (const QString &key : sortedKeys(values))
            out += sample(metric, labels, key, values.value(key));
    };
    const QString protocol = QStringLiteral("protocol");
    const QString kind = QStringLiteral("kind");
    family("canopy_joins_total", "Document joins by protocol, kind and result.",
        {protocol, kind, QStringLiteral("result")}, m_joins);
    family("canopy_acks_total", "Update acknowledgements sent, by protocol, kind and status.",
        {protocol, kind, QStringLiteral("status")}, m_acks);
    QHash<QString, quint64> fragments;
    for (int d = 0; d < 2; ++d) {
        for (auto it = m_fragments[d].cbegin(); it != m_fragments[d].cend(); ++it)
            fragments.insert(it.key() + kSeparator + directionName(d), it.value());
    }
    family("canopy_fragments_total", "Update fragments by protocol, kind and direction.",
        {protocol, kind, QStringLiteral("direction")}, fragments);
    family("canopy_updates_refused_total", "Updates refused, by protocol, kind and reason.",
        {protocol, kind, QStringLiteral("reason")}, m_updatesRefused);
    out += QStringLiteral("# HELP canopy_tokens_issued_total Connection tokens issued.\n"
                          "# TYPE canopy_tokens_issued_total counter\n"
                          "canopy_tokens_issued_total %1\n")
               .arg(m_tokensIssued);
    out += QStringLiteral("# HELP canopy_auth_failures_total Refused token exchanges by error.\n"
                          "# TYPE canopy_auth_failures_total counter\n");
    for (const QString &error : sortedKeys(m_authFailures)) {
        out += QStringLiteral("canopy_auth_failures_total{error=\"%1\"} %2\n")
                   .arg(label(error), QString::number(m_authFailures.value(error)));
    }
    out += QStringLiteral(
        "# HELP canopy_refusals_total Connections and requests refused by a limit or rule.\n"
        "# TYPE canopy_refusals_total counter\n");
    for (const QString &reason : sortedKeys(m_refusals)) {
        out += QStringLiteral("canopy_refusals_total{reason=\"%1\"} %2\n")
                   .arg(label(reason), QString::number(m_refusals.value(reason)));
    }
    out += QStringLiteral("# HELP canopy_store_failures_total Batches SQLite refused to commit.\n"
                          "# TYPE canopy_store_failures_total counter\n"
                          "canopy_store_failures_total %1\n")
               .arg(m_storeFailures);
    out += QStringLiteral("# HELP canopy_store_commit_seconds Time to commit one batch of blocks.\n"
                          "# TYPE canopy_store_commit_seconds histogram\n");
    for (size_t i = 0; i < CommitBuckets.size(); ++i) {
        out += QStringLiteral("canopy_store_commit_seconds_bucket{le=\"%1\"} %2\n")
                   .arg(QString::number(CommitBuckets[i]), QString::number(m_commitBuckets[i]));
    }
    out += QStringLiteral("canopy_store_commit_seconds_bucket{le=\"+Inf\"} %1\n"
                          "canopy_store_commit_seconds_sum %2\n"
                          "canopy_store_commit_seconds_count %1\n")
               .arg(QString::number(m_commitCount), QString::number(m_commitSum, 'g', 9));
    return out;
}

} // namespace canopy
