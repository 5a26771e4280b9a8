#include "auth/DidResolver.h"

#include "auth/AddressKind.h"
#include "log/EventLog.h"
#include "log/LogCategories.h"
#include "store/Database.h"

#include <QDateTime>
#include <QHostAddress>
#include <QHostInfo>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QSqlQuery>
#include <QTimer>
#include <QVariant>

namespace canopy {
namespace {

ResolveError error(ResolveError::Code code, const QString &message)
{
    return ResolveError {code, message};
}

// How many of a did:web host's checked addresses are tried when connections are refused.
constexpr int MaxWebAddresses = 4;

bool isWebDid(const QString &did)
{
    return did.startsWith(u"did:web:");
}

QString allowHint(auth::AddressKind kind)
{
    return auth::isLocal(kind) ? QStringLiteral(" (--allow-loopback-did-web allows it)")
                               : QString();
}

bool isLoopbackHost(const QString &host)
{
    if (host == u"localhost")
        return true;
    const QHostAddress address(host);
    return !address.isNull() && address.isLoopback();
}

} // namespace

DidResolver::DidResolver(
    Database &database, EventLog &log, ResolverSettings settings, QObject *parent)
    : QObject(parent)
    , m_database(database)
    , m_log(log)
    , m_settings(std::move(settings))
    , m_network(new QNetworkAccessManager(this))
{
    m_network->setRedirectPolicy(QNetworkRequest::ManualRedirectPolicy);
}

DidResolver::~DidResolver() = default;

Expected<QUrl, ResolveError> DidResolver::documentUrl(const QString &did, const QUrl &plcUrl)
{
    if (did.startsWith(u"did:plc:")) {
        QUrl url = plcUrl;
        QString path = url.path();
        if (!path.endsWith(u'/'))
            path += u'/';
        // The reference sends the DID percent-encoded (":" as %3A).
        url.setPath(path + QString::fromLatin1(QUrl::toPercentEncoding(did)), QUrl::StrictMode);
        return url;
    }
    if (did.startsWith(u"did:web:")) {
        const QStringList parts = did.mid(8).split(u':');
        if (parts.size() != 1 || parts.front().isEmpty()) {
            return unexpected(error(ResolveError::Code::Unsupported,
                QStringLiteral("did:web with a path is not supported: %1").arg(did)));
        }
        const QString hostPort = QUrl::fromPercentEncoding(parts.front().toUtf8());
        QUrl url(QStringLiteral("https://") + hostPort + QStringLiteral("/.well-known/did.json"),
            QUrl::StrictMode);
        if (!url.isValid() || url.host().isEmpty() || !url.path().startsWith(u"/.well-known")) {
            return unexpected(error(ResolveError::Code::Unsupported,
                QStringLiteral("did:web host is not a valid host: %1").arg(did)));
        }
        // Plain http only where nothing leaves the machine.
        if (isLoopbackHost(url.host()))
            url.setScheme(QStringLiteral("http"));
        return url;
    }
    return unexpected(error(ResolveError::Code::Unsupported,
        QStringLiteral("unsupported DID method: %1").arg(did.section(u':', 0, 1))));
}

std::optional<ResolveError> DidResolver::refusedWebName(const QString &host, bool allowLocal)
{
    const std::optional<auth::AddressKind> kind = auth::hostNameKind(host);
    if (!kind || *kind == auth::AddressKind::Public || (allowLocal && auth::isLocal(*kind)))
        return std::nullopt;
    return error(ResolveError::Code::Refused,
        QStringLiteral("did:web host %1 is not public (%2 address): refused without a request%3")
            .arg(host, auth::addressKindName(*kind), allowHint(*kind)));
}

std::optional<ResolveError> DidResolver::refusedWebAddress(
    const QString &host, const QHostAddress &address, bool allowLocal)
{
    const auth::AddressKind kind = auth::addressKind(address);
    if (kind == auth::AddressKind::Public || (allowLocal && auth::isLocal(kind)))
        return std::nullopt;
    return error(ResolveError::Code::Refused,
        QStringLiteral("did:web host %1 resolves to %2 (%3 address): refused without a request%4")
            .arg(host, address.toString(), auth::addressKindName(kind), allowHint(kind)));
}

void DidResolver::resolve(const QString &did, bool forceRefresh, QObject *context, Callback done)
{
    // A host that may not be asked is refused whatever the cache holds (it may predate the rule).
    const bool refusedName = isWebDid(did) && [&] {
        const auto url = documentUrl(did, m_settings.plcUrl);
        return url && refusedWebName(url->host(), m_settings.allowLocalDidWeb).has_value();
    }();
    if (!forceRefresh && !refusedName) {
        QSqlQuery query(m_database.handle());
        query.prepare(QStringLiteral("SELECT document, fetched_at FROM did_cache WHERE did = ?"));
        query.addBindValue(did);
        if (Database::exec(query, "read DID cache") && query.next()) {
            const qint64 ageMs = QDateTime::currentMSecsSinceEpoch() - query.value(1).toLongLong();
            if (ageMs <= qint64(m_settings.maxAgeSeconds) * 1000) {
                auto document = auth::DidDocument::parse(query.value(0).toByteArray(), did);
                if (document) {
                    ++m_cacheHits;
                    // Stale but usable: answer now, refresh behind the caller's back.
                    if (ageMs > qint64(m_settings.freshSeconds) * 1000 && !m_waiting.contains(did))
                        fetch(did);
                    done(Result(*document));
                    return;
                }
            }
        }
    }
    ++m_cacheMisses;
    const bool inFlight = m_waiting.contains(did);
    m_waiting[did].append(Waiter {context, std::move(done)});
    if (!inFlight)
        fetch(did);
}

QString DidResolver::cachedHandle(const QString &did)
{
    QSqlQuery query(m_database.handle());
    query.prepare(QStringLiteral("SELECT handle FROM did_cache WHERE did = ?"));
    query.addBindValue(did);
    if (Database::exec(query, "read DID handle") && query.next())
        return query.value(0).toString();
    return {};
}

void DidResolver::fetch(const QString &did)
{
    if (!m_waiting.contains(did))
        m_waiting.insert(did, {}); // a background refresh has no waiters but is still in flight
    auto url = documentUrl(did, m_settings.plcUrl);
    if (!url) {
        deliver(did, Result(unexpected(url.error())));
        return;
    }
    if (!isWebDid(did)) {
        // The directory is the operator's choice (--plc-url): asked wherever it is.
        QNetworkRequest request(*url);
        request.setAttribute(QNetworkRequest::User, url->toString(QUrl::RemoveUserInfo));
        get(did, request, {});
        return;
    }
    // The name is judged before anything leaves the host, a name's addresses after the lookup.
    if (auto refused = refusedWebName(url->host(), m_settings.allowLocalDidWeb)) {
        deliver(did, Result(unexpected(*refused)));
        return;
    }
    const QHostAddress literal(url->host());
    if (!literal.isNull())
        fetchWebAt(did, *url, {literal});
    else
        lookUpWebHost(did, *url);
}

void DidResolver::lookUpWebHost(const QString &did, const QUrl &url)
{
    struct Lookup
    {
        bool done = false;
        int id = -1;
    };
    auto lookup = std::make_shared<Lookup>();
    const QString host = url.host();
    lookup->id = QHostInfo::lookupHost(host, this, [this, did, url, lookup](const QHostInfo &info) {
        if (lookup->done)
            return;
        lookup->done = true;
        if (info.error() != QHostInfo::NoError || info.addresses().isEmpty()) {
            deliver(did,
                Result(unexpected(error(ResolveError::Code::Unreachable,
                    QStringLiteral("cannot look up did:web host %1: %2")
                        .arg(url.host(), info.errorString())))));
            return;
        }
        // Every address must pass: which one a connection would take is not ours to know.
        for (const QHostAddress &address : info.addresses()) {
            if (auto refused
                = refusedWebAddress(url.host(), address, m_settings.allowLocalDidWeb)) {
                deliver(did, Result(unexpected(*refused)));
                return;
            }
        }
        fetchWebAt(did, url, info.addresses().mid(0, MaxWebAddresses));
    });
    // QHostInfo has no deadline of its own.
    QTimer::singleShot(m_settings.timeoutMs, this, [this, did, host, lookup] {
        if (lookup->done)
            return;
        lookup->done = true;
        QHostInfo::abortHostLookup(lookup->id);
        deliver(did,
            Result(unexpected(error(ResolveError::Code::Unreachable,
                QStringLiteral("the did:web host %1 could not be looked up within %2 s")
                    .arg(host, QString::number(m_settings.timeoutMs / 1000.0))))));
    });
}

void DidResolver::fetchWebAt(const QString &did, const QUrl &url, QList<QHostAddress> addresses)
{
    // Connect to the checked address, not the name: Qt's own lookup could answer otherwise
    // (DNS rebinding). The server still sees the name in Host, SNI and the certificate check.
    const QHostAddress address = addresses.takeFirst();
    QUrl target = url;
    target.setHost(address.toString());
    // Plain http only where nothing leaves the machine.
    if (auth::addressKind(address) == auth::AddressKind::Loopback)
        target.setScheme(QStringLiteral("http"));
    QNetworkRequest request(target);
    QString source = url.toString(QUrl::RemoveUserInfo);
    if (QHostAddress(url.host()).isNull()) {
        QByteArray host = url.host(QUrl::FullyEncoded).toLatin1();
        if (url.port() != -1)
            host += ':' + QByteArray::number(url.port());
        request.setRawHeader("Host", host);
        request.setPeerVerifyName(url.host());
        // HTTP/2 would take :authority from the URL, the address, instead of Host.
        request.setAttribute(QNetworkRequest::Http2AllowedAttribute, false);
        source = QStringLiteral("%1 (at %2)").arg(source, address.toString());
    }
    request.setAttribute(QNetworkRequest::User, source);
    std::function<void()> otherAddress;
    if (!addresses.isEmpty())
        otherAddress = [this, did, url, addresses] { fetchWebAt(did, url, addresses); };
    get(did, request, std::move(otherAddress));
}

void DidResolver::get(
    const QString &did, const QNetworkRequest &documentRequest, std::function<void()> otherAddress)
{
    ++m_fetches;
    QNetworkRequest request = documentRequest;
    request.setRawHeader(
        "Accept", "application/did+ld+json, application/did+json, application/json");
    request.setTransferTimeout(m_settings.timeoutMs);
    request.setAttribute(
        QNetworkRequest::RedirectPolicyAttribute, QNetworkRequest::ManualRedirectPolicy);
    QNetworkReply *reply = m_network->get(request);
    // A document larger than the cap is refused before it is buffered whole.
    connect(reply, &QNetworkReply::downloadProgress, reply, [this, reply](qint64 received, qint64) {
        if (received > m_settings.maxBytes)
            reply->abort();
    });
    connect(reply, &QNetworkReply::finished, this,
        [this, did, reply, otherAddress = std::move(otherAddress)] {
            finishFetch(did, reply, otherAddress);
        });
}

void DidResolver::finishFetch(
    const QString &did, QNetworkReply *reply, const std::function<void()> &otherAddress)
{
    reply->deleteLater();
    const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    const QString source = reply->request().attribute(QNetworkRequest::User).toString();
    const bool web = isWebDid(did);

    if (reply->bytesAvailable() > m_settings.maxBytes
        || (reply->error() == QNetworkReply::OperationCanceledError && status == 200)) {
        deliver(did,
            Result(unexpected(error(ResolveError::Code::BadResponse,
                QStringLiteral("the DID document from %1 exceeds %2 KiB")
                    .arg(source, QString::number(m_settings.maxBytes / 1024))))));
        return;
    }
    if (status == 0) {
        const bool timeout = reply->error() == QNetworkReply::OperationCanceledError
            || reply->error() == QNetworkReply::TimeoutError;
        if (otherAddress && !timeout
            && (reply->error() == QNetworkReply::ConnectionRefusedError
                || reply->error() == QNetworkReply::UnknownNetworkError)) {
            otherAddress();
            return;
        }
        deliver(did,
            Result(unexpected(error(ResolveError::Code::Unreachable,
                timeout
                    ? QStringLiteral("the DID directory %1 did not answer within %2 s")
                          .arg(source, QString::number(m_settings.timeoutMs / 1000.0))
                    : QStringLiteral("cannot reach %1: %2").arg(source, reply->errorString())))));
        return;
    }
    if (status == 404 || (web && (status < 200 || status > 299))) {
        forget(did);
        deliver(did,
            Result(unexpected(error(ResolveError::Code::NotFound,
                QStringLiteral("%1 is not known to %2 (HTTP %3)")
                    .arg(did, source, QString::number(status))))));
        return;
    }
    if (status == 410) {
        forget(did);
        deliver(did,
            Result(unexpected(error(ResolveError::Code::Tombstoned,
                QStringLiteral("%1 is tombstoned (HTTP 410 from %2)").arg(did, source)))));
        return;
    }
    if (status < 200 || status > 299) {
        deliver(did,
            Result(unexpected(error(ResolveError::Code::BadResponse,
                QStringLiteral("%1 answered HTTP %2%3")
                    .arg(source, QString::number(status),
                        status >= 300 && status < 400
                            ? QStringLiteral(" (redirects are not followed)")
                            : QString())))));
        return;
    }
    auto document = auth::DidDocument::parse(reply->readAll(), did);
    if (!document) {
        deliver(did,
            Result(unexpected(error(ResolveError::Code::BadDocument,
                QStringLiteral("%1 served no usable DID document for %2: %3")
                    .arg(source, did, document.error())))));
        return;
    }
    store(*document);
    Q_EMIT documentResolved(did, document->handle);
    deliver(did, Result(*document));
}

void DidResolver::deliver(const QString &did, const Result &result)
{
    const QList<Waiter> waiters = m_waiting.take(did);
    if (!result) {
        m_log.record(QtWarningMsg, lcAuth(),
            QStringLiteral("DID resolution failed: %1").arg(result.error().message),
            {{QStringLiteral("did"), did}});
    }
    for (const Waiter &waiter : waiters) {
        if (waiter.context)
            waiter.done(result);
    }
}

void DidResolver::store(const auth::DidDocument &document)
{
    QSqlQuery query(m_database.handle());
    query.prepare(QStringLiteral(
        "INSERT INTO did_cache(did, document, handle, fetched_at) VALUES (?, ?, ?, ?) "
        "ON CONFLICT(did) DO UPDATE SET document = excluded.document, handle = excluded.handle, "
        "fetched_at = excluded.fetched_at"));
    query.addBindValue(document.id);
    query.addBindValue(document.json);
    query.addBindValue(document.handle.isEmpty() ? QVariant() : QVariant(document.handle));
    query.addBindValue(QDateTime::currentMSecsSinceEpoch());
    if (auto ok = Database::exec(query, "write DID cache"); !ok)
        m_log.record(
            QtWarningMsg, lcStore(), ok.error().message, {{QStringLiteral("did"), document.id}});
}

void DidResolver::forget(const QString &did)
{
    QSqlQuery query(m_database.handle());
    query.prepare(QStringLiteral("DELETE FROM did_cache WHERE did = ?"));
    query.addBindValue(did);
    if (auto ok = Database::exec(query, "drop DID cache entry"); !ok)
        m_log.record(QtWarningMsg, lcStore(), ok.error().message, {{QStringLiteral("did"), did}});
}

} // namespace canopy
