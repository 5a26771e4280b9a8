#pragma once

#include <QString>
#include <QUrl>

namespace canopy {

// Everything the host needs to start; filled by ConfigLoader from flags and environment.
struct Config
{
    QString dataDir;
    int dataDirLooseMode = 0; // the data dir's mode before it was made 0700 (0: it was private)
    QString did;
    bool didDerived = false; // no DID given: derived from the public URL
    QUrl publicUrl;
    QString devToken;
    QString adminToken; // empty: from the keychain (or the fallback file)
    bool adminRemote = false;
    quint16 port = 8095;
    QString listen = QStringLiteral("127.0.0.1");
    qint64 maxMessageBytes = 32 * 1024 * 1024;
    int pingIntervalSeconds = 30;
    int entityIdleSeconds = 60;
    int tokenTtlSeconds = 30;
    // Limits: each refusal is clear and counted.
    int maxConnections = 4096;
    int maxConnectionsPerDid = 16;
    int maxUnauthenticated = 1024; // connections not yet authenticated, in total
    int maxUnauthenticatedPerIp = 64; // ... from one IP address
    int maxSubscriptions = 1000;
    qint64 maxEntities = 0; // 0: no cap
    qint64 maxEntityBytes = 0; // 0: no cap
    qint64 maxQueueBytes = 64 * 1024 * 1024;
    int tokenRatePerIp = 300; // per minute, burst the same
    int tokenRatePerDid = 60; // per minute, burst the same
    int authFailureRatePerIp = 200; // per minute, burst the same
    QUrl plcUrl = QUrl(QStringLiteral("https://plc.directory"));
    bool allowLoopbackDidWeb = false; // did:web at loopback/private addresses (tests, LAN labs)
    int didCacheFreshSeconds = 3600;
    int didCacheMaxSeconds = 86400; // an entity with no subscribers is released after this
    QString access = QStringLiteral("open"); // --access: "open" or "members"
    QString documentAccess = QStringLiteral("write"); // --document-access: a new document's default
    // TLS: PEM files (--tls-cert/--tls-key), or --tls self-signed (a certificate made once in the
    // data dir). Either way the one port then speaks only TLS.
    QString tlsCert;
    QString tlsKey;
    bool tlsSelfSigned = false;
    bool tls() const { return tlsSelfSigned || !tlsCert.isEmpty(); }
    // Backups (server/backup/): verified copies of the database in backupDir, every
    // backupIntervalSeconds (0: only on demand), the newest backupKeep of them kept.
    QString backupDir; // empty: no backups
    qint64 backupIntervalSeconds = 0;
    int backupKeep = 24;
    bool headless = false;
};

} // namespace canopy
