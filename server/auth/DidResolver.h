#pragma once

#include "auth/DidDocument.h"
#include "util/Expected.h"

#include <functional>
#include <optional>

#include <QHash>
#include <QObject>
#include <QPointer>
#include <QUrl>

class QHostAddress;
class QNetworkAccessManager;
class QNetworkReply;
class QNetworkRequest;

namespace canopy {

class Database;
class EventLog;

struct ResolveError
{
    enum class Code
    {
        NotFound, // 404 (and any non-2xx for did:web): no such identity
        Tombstoned, // 410: the identity was deactivated
        Unsupported, // a method other than plc/web, or did:web with a path
        Unreachable, // connection refused, DNS, TLS, timeout
        BadResponse, // other HTTP status, redirect, oversized or non-JSON body
        BadDocument, // JSON that is no document for this DID
        Refused, // a did:web host at a local or unroutable address: no request was made
    };
    Code code = Code::NotFound;
    QString message;
};

struct ResolverSettings
{
    QUrl plcUrl = QUrl(QStringLiteral("https://plc.directory"));
    int timeoutMs = 3000;
    qint64 maxBytes = 512 * 1024;
    int freshSeconds = 3600; // served from the cache without a thought
    int maxAgeSeconds = 86400; // served from the cache while a refresh runs; older is refetched
    // did:web hosts at loopback, private, link-local or unspecified addresses are asked only
    // with this (--allow-loopback-did-web: tests, LAN labs); unroutable ones never.
    bool allowLocalDidWeb = false;
};

// Resolves did:plc and did:web to documents, with a persistent cache in SQLite. Concurrent
// lookups of one DID share one request; a fresh cached DID costs no network at all. A did:web
// host is looked up here and every address checked; the request then goes to the checked address
// (the name in Host, SNI and the certificate check), so no second lookup can rebind it.
class DidResolver final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(DidResolver)

public:
    using Result = Expected<auth::DidDocument, ResolveError>;
    using Callback = std::function<void(const Result &)>;

    DidResolver(
        Database &database, EventLog &log, ResolverSettings settings, QObject *parent = nullptr);
    ~DidResolver() override;

    // `done` runs once (possibly before resolve() returns) unless `context` is destroyed first.
    void resolve(const QString &did, bool forceRefresh, QObject *context, Callback done);
    // The cached handle, for the operator's views; empty when unknown.
    QString cachedHandle(const QString &did);

    quint64 cacheHits() const { return m_cacheHits; }
    quint64 cacheMisses() const { return m_cacheMisses; }
    quint64 fetches() const { return m_fetches; }

    // Where a DID's document lives, or why it cannot be resolved.
    static Expected<QUrl, ResolveError> documentUrl(const QString &did, const QUrl &plcUrl);
    // Why a did:web host may not be asked (Code::Refused), judged before any lookup by its name
    // or literal address; nullopt when it may be (a name is then judged by its addresses).
    static std::optional<ResolveError> refusedWebName(const QString &host, bool allowLocal);
    // The same for an address the host name resolved to.
    static std::optional<ResolveError> refusedWebAddress(
        const QString &host, const QHostAddress &address, bool allowLocal);

Q_SIGNALS:
    void documentResolved(const QString &did, const QString &handle);

private:
    struct Waiter
    {
        QPointer<QObject> context;
        Callback done;
    };
    void fetch(const QString &did);
    void lookUpWebHost(const QString &did, const QUrl &url);
    void fetchWebAt(const QString &did, const QUrl &url, QList<QHostAddress> addresses);
    // `otherAddress`, when set, tries the next checked address after a refused connection.
    void get(
        const QString &did, const QNetworkRequest &request, std::function<void()> otherAddress);
    void finishFetch(
        const QString &did, QNetworkReply *reply, const std::function<void()> &otherAddress);
    void deliver(const QString &did, const Result &result);
    void store(const auth::DidDocument &document);
    void forget(const QString &did);

    Database &m_database;
    EventLog &m_log;
    ResolverSettings m_settings;
    QNetworkAccessManager *m_network;
    QHash<QString, QList<Waiter>> m_waiting; // DID -> callers of the one request in flight
    quint64 m_cacheHits = 0;
    quint64 m_cacheMisses = 0;
    quint64 m_fetches = 0;
};

} // namespace canopy
