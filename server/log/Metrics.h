#pragma once

#include <array>

#include <QHash>
#include <QString>

namespace canopy {

// Process-wide counters for the operator: traffic by direction and message type, auth failures
// by error, token issuance, store commit latency. Gauges (connections, documents, cache hits) are
// read from their owners when the metrics are rendered.
class Metrics final
{
public:
    enum class Direction
    {
        In,
        Out
    };
    static constexpr std::array<double, 11> CommitBuckets {
        0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0};

    // `protocol` "sync1" or "loro"; `kind` the document kind ("loro", "elo", ...; empty for
    // text frames); `type` the message type.
    void countFrame(Direction direction, const QString &protocol, const QString &kind,
        const QString &type, qint64 bytes);
    void countJoin(const QString &protocol, const QString &kind, const QString &result);
    void countAck(const QString &protocol, const QString &kind, const QString &status);
    void countFragment(Direction direction, const QString &protocol, const QString &kind);
    void countUpdateRefused(const QString &protocol, const QString &kind, const QString &reason);
    void countAuthFailure(const QString &error) { ++m_authFailures[error]; }
    void countTokenIssued() { ++m_tokensIssued; }
    void countStoreFailure() { ++m_storeFailures; }
    void countRefusal(const QString &reason) { ++m_refusals[reason]; }
    void observeCommit(double seconds);

    quint64 framesTotal(Direction direction) const;
    quint64 bytesTotal(Direction direction) const;
    quint64 tokensIssued() const { return m_tokensIssued; }
    quint64 storeFailures() const { return m_storeFailures; }
    const QHash<QString, quint64> &authFailures() const { return m_authFailures; }

    // Prometheus text for the counters and the histogram; gauges are appended by the caller.
    QString render() const;

private:
    struct Traffic
    {
        quint64 frames = 0;
        quint64 bytes = 0;
    };
    QHash<QString, Traffic> m_traffic[2]; // by direction, then type
    // Labelled counters: "a\x1fb\x1fc" label values -> count.
    QHash<QString, Traffic> m_protocolFrames[2]; // by direction, then protocol/kind/type
    QHash<QString, quint64> m_joins; // protocol/kind/result
    QHash<QString, quint64> m_acks; // protocol/kind/status
    QHash<QString, quint64> m_fragments[2]; // by direction, then protocol/kind
    QHash<QString, quint64> m_updatesRefused; // protocol/kind/reason
    QHash<QString, quint64> m_authFailures;
    QHash<QString, quint64> m_refusals;
    quint64 m_tokensIssued = 0;
    quint64 m_storeFailures = 0;
    std::array<quint64, CommitBuckets.size()> m_commitBuckets {};
    quint64 m_commitCount = 0;
    double m_commitSum = 0;
};

} // namespace canopy
