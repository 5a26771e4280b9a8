#include "host/Host.h"

#include "access/AccessControl.h"
#include "admin/AdminRoute.h"
#include "admin/AdminService.h"
#include "auth/BanList.h"
#include "auth/DevTokenAuthorizer.h"
#include "auth/DidResolver.h"
#include "auth/TokenAuthorizer.h"
#include "auth/TokenIssuer.h"
#include "auth/TokenRoute.h"
#include "backup/BackupScheduler.h"
#include "crdt/elo/EloEngine.h"
#include "crdt/ephemeral/EphemeralEngine.h"
#include "crdt/loro/LoroEngine.h"
#include "crdt/yjs/YjsAwarenessEngine.h"
#include "crdt/yjs/YjsEngine.h"
#include "host/ServiceInfoRoute.h"
#include "http/HttpServer.h"
#include "http/UnauthenticatedConnections.h"
#include "log/EventLog.h"
#include "log/LogCategories.h"
#include "log/Metrics.h"
#include "protocol/hocuspocus/HocuspocusRoute.h"
#include "protocol/loro/LoroProtocolRoute.h"
#include "protocol/sync1/SyncRoute.h"
#include "protocol/ywebsocket/YWebSocketRoute.h"
#include "secrets/SecretStore.h"
#include "store/DataDirLock.h"
#include "store/Database.h"
#include "store/UnitStore.h"
#include "sync/DocumentHub.h"
#include "sync/SessionRegistry.h"
#include "sync/WebSocketUpgrader.h"
#include "tls/TlsSetup.h"
#include "util/FileLimit.h"
#include "util/HeapTrimmer.h"

#include <QDir>
#include <QElapsedTimer>
#include <QSslConfiguration>
#include <QTimer>

namespace canopy {

Host::Host(Config config, QObject *parent)
    : QObject(parent)
    , m_config(std::move(config))
    , m_log(std::make_unique<EventLog>())
    , m_metrics(std::make_unique<Metrics>())
{
}

Host::~Host()
{
    // Sessions reference the hub; the hub references the store; the store the database.
    m_http.reset();
    m_backups.reset(); // cancels a backup still running, and waits for its thread
    m_adminRoute.reset();
    m_admin.reset();
    m_syncRoute.reset();
    m_loroRoute.reset();
    m_hocuspocusRoute.reset();
    m_yWebSocketRoute.reset();
    m_tokenRoute.reset();
    m_upgrader.reset();
    m_sessions.reset();
    m_authorizer.reset();
    m_resolver.reset();
    m_tokens.reset();
    m_bans.reset();
    m_hub.reset();
    m_access.reset(); // the hub asks it
    m_store.reset();
    m_database.reset();
}

quint16 Host::port() const
{
    return m_http ? m_http->port() : 0;
}

bool Host::start(QString *error)
{
    // One process per data dir: a second host, or a restore, is refused while this one runs.
    if (!m_lock) {
        auto lock = DataDirLock::acquire(m_config.dataDir);
        if (!lock) {
            *error = lock.error();
            return false;
        }
        m_lock = std::move(*lock);
    }
    const QString dbPath = QDir(m_config.dataDir).filePath(QStringLiteral("canopy.sqlite"));
    auto database = Database::open(dbPath);
    if (!database) {
        *error = database.error().message;
        return false;
    }
    m_database = std::move(*database);
    m_store = std::make_unique<UnitStore>(*m_database);
    m_hub = std::make_unique<DocumentHub>(*m_store, *m_log, m_config.entityIdleSeconds);
    // The document kinds this host serves; a new kind is one more engine here.
    // What a Loro blob may decompress to, and the most one answer's message may carry.
    m_hub->addEngine(std::make_unique<loro::LoroEngine>(
        loro::LoroLimits {qsizetype(m_config.maxMessageBytes), 64}));
    m_hub->addEngine(std::make_unique<elo::EloEngine>());
    m_hub->addEngine(std::make_unique<ephemeral::EphemeralEngine>(false));
    m_hub->addEngine(std::make_unique<ephemeral::EphemeralEngine>(true));
    m_hub->addEngine(std::make_unique<yjs::YjsEngine>());
    m_hub->addEngine(std::make_unique<yjs::YjsAwarenessEngine>());
    new HeapTrimmer(30000, this);
    m_hub->setMetrics(m_metrics.get());
    m_hub->setLimits(HubLimits {m_config.maxEntities, m_config.maxEntityBytes});
    auto bans = BanList::open(*m_database);
    if (!bans) {
        *error = bans.error().message;
        return false;
    }
    m_bans = std::move(*bans);
    AccessControl::Settings accessSettings;
    accessSettings.mode = m_config.access == u"members" ? AccessMode::Members : AccessMode::Open;
    accessSettings.documentDefault
        = parsePermission(m_config.documentAccess).value_or(Permission::Write);
    auto access = AccessControl::open(*m_database, accessSettings);
    if (!access) {
        *error = access.error().message;
        return false;
    }
    m_access = std::move(*access);
    m_access->setBans(m_bans.get());
    m_access->setLog(m_log.get());

    SessionLimits limits;
    limits.maxMessageBytes = m_config.maxMessageBytes;
    limits.pingIntervalMs = m_config.pingIntervalSeconds * 1000;
    limits.maxSubscriptions = m_config.maxSubscriptions;
    limits.maxQueueBytes = m_config.maxQueueBytes;
    m_sessions = std::make_unique<SessionRegistry>(*m_log);
    m_sessions->setMetrics(m_metrics.get());
    m_upgrader = std::make_unique<WebSocketUpgrader>(*m_sessions, *m_log);
    m_upgrader->setConnectionLimits(m_config.maxConnections, m_config.maxConnectionsPerDid);
    m_upgrader->setMetrics(m_metrics.get());

    m_devTokens = std::make_unique<DevTokenAuthorizer>(m_config.devToken, *m_log);
    m_tokens = std::make_unique<TokenIssuer>(*m_database, *m_log, m_config.tokenTtlSeconds);
    ResolverSettings resolverSettings;
    resolverSettings.plcUrl = m_config.plcUrl;
    resolverSettings.freshSeconds = m_config.didCacheFreshSeconds;
    resolverSettings.maxAgeSeconds = m_config.didCacheMaxSeconds;
    resolverSettings.allowLocalDidWeb = m_config.allowLoopbackDidWeb;
    m_resolver = std::make_unique<DidResolver>(*m_database, *m_log, resolverSettings);
    m_authorizer = std::make_unique<TokenAuthorizer>(*m_devTokens, *m_tokens, *m_bans);
    m_syncRoute = std::make_unique<SyncRoute>(*m_authorizer, *m_upgrader, *m_hub, *m_log, limits);
    m_tokenRoute
        = std::make_unique<TokenRoute>(m_config.did, *m_resolver, *m_tokens, *m_bans, *m_log);
    m_tokenRoute->setMetrics(m_metrics.get());
    m_tokenRoute->setRateLimits(
        m_config.tokenRatePerIp, m_config.tokenRatePerDid, m_config.authFailureRatePerIp);
    m_syncRoute->setMetrics(m_metrics.get());
    m_loroRoute
        = std::make_unique<LoroProtocolRoute>(*m_authorizer, *m_upgrader, *m_hub, *m_log, limits);
    m_hocuspocusRoute
        = std::make_unique<HocuspocusRoute>(*m_authorizer, *m_upgrader, *m_hub, *m_log, limits);
    m_hocuspocusRoute->setMetrics(m_metrics.get());
    m_yWebSocketRoute
        = std::make_unique<YWebSocketRoute>(*m_authorizer, *m_upgrader, *m_hub, *m_log, limits);
    m_yWebSocketRoute->setMetrics(m_metrics.get());
    // Access control everywhere an identity acts: the token exchange, the upgrade and join, the
    // hub's documents, and the live sessions it shuts out.
    m_authorizer->setAccess(m_access.get());
    m_authorizer->setMetrics(m_metrics.get());
    m_tokenRoute->setAccess(m_access.get());
    m_hub->setAccess(m_access.get());
    m_sessions->setAccess(m_access.get());
    // The issuance history records which session each token opened.
    connect(m_sessions.get(), &SessionRegistry::sessionAuthenticated, m_tokens.get(),
        [this](PeerSession *session) {
            if (!session->grant().tokenId.isEmpty())
                m_tokens->attachSession(session->grant().tokenId.toLongLong(), session->idString());
        });
    m_serviceInfo = std::make_unique<ServiceInfoRoute>(m_config.did, m_config.publicUrl);
    m_admin = std::make_unique<AdminService>(
        AdminService::Parts {m_sessions.get(), m_hub.get(), m_store.get(), m_tokens.get(),
            m_bans.get(), m_access.get(), m_resolver.get(), m_log.get(), m_metrics.get()});
    m_adminRoute = std::make_unique<AdminRoute>(*m_admin, m_config.adminRemote);
    m_backups = std::make_unique<BackupScheduler>(
        BackupScheduler::Settings {
            m_config.backupDir, m_config.backupIntervalSeconds, m_config.backupKeep},
        dbPath, *m_log);
    m_admin->setBackups(m_backups.get());

    // Every connection holds a descriptor: take all the system allows before listening.
    const FileLimit files = FileLimit::raiseSoftToHard();
    m_unauthenticated = std::make_unique<UnauthenticatedConnections>(
        m_config.maxUnauthenticated, m_config.maxUnauthenticatedPerIp);
    m_http = std::make_unique<HttpServer>(*m_log);
    // With TLS the one port speaks only TLS; every route stays as it is.
    auto tls = TlsSetup::prepare(m_config);
    if (!tls) {
        *error = tls.error().setting + QStringLiteral(": ") + tls.error().problem;
        return false;
    }
    if (*tls) {
        m_http->setTlsConfiguration((*tls)->credentials.serverConfiguration());
        TlsInfo info = (*tls)->credentials.info();
        info.selfSigned = m_config.tlsSelfSigned;
        m_admin->setTls(info);
    }
    m_http->setUnauthenticatedConnections(m_unauthenticated.get());
    m_http->setMetrics(m_metrics.get());
    m_http->addRoute(m_serviceInfo.get());
    m_http->addRoute(m_syncRoute.get());
    m_http->addRoute(m_loroRoute.get());
    m_http->addRoute(m_hocuspocusRoute.get());
    m_http->addRoute(m_yWebSocketRoute.get());
    m_http->addRoute(m_tokenRoute.get());
    m_http->addRoute(m_adminRoute.get());
    if (!m_http->listen(QHostAddress(m_config.listen), m_config.port)) {
        *error = QStringLiteral("cannot listen on %1:%2: %3")
                     .arg(m_config.listen, QString::number(m_config.port), m_http->errorString());
        return false;
    }

    if (m_config.dataDirLooseMode != 0) {
        m_log->record(QtWarningMsg, lcHost(),
            QStringLiteral("the data dir was open to other users (mode %1); it is 0700 now")
                .arg(QString::number(m_config.dataDirLooseMode, 8).rightJustified(4, u'0')),
            {{QStringLiteral("dataDir"), m_config.dataDir}});
    }
    if (files.soft > files.before) {
        m_log->record(QtInfoMsg, lcHost(), QStringLiteral("file descriptor limit raised"),
            {{QStringLiteral("from"), QString::number(files.before)},
                {QStringLiteral("to"), QString::number(files.soft)}});
    }
    const qint64 wanted = qint64(m_config.maxConnections) + m_config.maxUnauthenticated + 64;
    if (files.soft >= 0 && files.soft < wanted) {
        m_log->record(QtWarningMsg, lcHost(),
            QStringLiteral("the file descriptor limit is below what the connection caps allow; "
                           "when it is reached, accepting pauses until connections close"),
            {{QStringLiteral("limit"), QString::number(files.soft)},
                {QStringLiteral("wanted"), QString::number(wanted)}});
    }
    if (m_config.didDerived) {
        m_log->record(QtWarningMsg, lcHost(),
            QStringLiteral("no DID configured; using %1 derived from the public URL")
                .arg(m_config.did));
    }
    if (m_devTokens->isEnabled()) {
        m_log->record(QtWarningMsg, lcAuth(),
            QStringLiteral("UNSAFE dev token is set: anyone holding it can open any DID"));
    }
    if (*tls) {
        const TlsInfo info = m_admin->tls();
        if ((*tls)->created) {
            m_log->record(QtInfoMsg, lcHost(),
                QStringLiteral("made a self-signed TLS certificate (P-256, %1 days); clients "
                               "trust it by its fingerprint or the exported certificate")
                    .arg(QString::number(info.notBefore.daysTo(info.expiry))),
                {{QStringLiteral("certificate"), info.certificatePath},
                    {QStringLiteral("names"), info.subjectNames.join(u',')}});
        }
        m_log->record(QtInfoMsg, lcHost(), QStringLiteral("TLS on: the port speaks only TLS"),
            {{QStringLiteral("fingerprint"), info.fingerprint},
                {QStringLiteral("certificate"), info.certificatePath},
                {QStringLiteral("names"), info.subjectNames.join(u',')},
                {QStringLiteral("expires"), info.expiry.toString(Qt::ISODate)}});
        if (info.expiry < QDateTime::currentDateTimeUtc().addDays(30)) {
            m_log->record(QtWarningMsg, lcHost(),
                QStringLiteral("the TLS certificate expires within 30 days"),
                {{QStringLiteral("expires"), info.expiry.toString(Qt::ISODate)}});
        }
    }
    m_log->record(QtInfoMsg, lcHost(), QStringLiteral("listening"),
        {{QStringLiteral("address"), m_config.listen},
            {QStringLiteral("port"), QString::number(m_http->port())},
            {QStringLiteral("did"), m_config.did}, {QStringLiteral("dataDir"), m_config.dataDir}});
    if (m_config.allowLoopbackDidWeb) {
        m_log->record(QtWarningMsg, lcAuth(),
            QStringLiteral("did:web documents may be fetched from loopback and private addresses "
                           "(--allow-loopback-did-web)"));
    }
    if (m_config.adminRemote) {
        m_log->record(QtWarningMsg, lcHost(),
            QStringLiteral("the admin API answers non-loopback peers (--admin-remote)"));
    }
    loadAdminToken();
    return true;
}

QString Host::listeningUrl() const
{
    QString host = m_config.listen;
    if (host.contains(u':'))
        host = u'[' + host + u']';
    return QStringLiteral("%1://%2:%3/")
        .arg(m_config.tls() ? QStringLiteral("https") : QStringLiteral("http"), host,
            QString::number(port()));
}

void Host::loadAdminToken()
{
    if (!m_config.adminToken.isEmpty()) {
        m_adminRoute->setAdminToken(m_config.adminToken);
        m_adminTokenSource = QStringLiteral("flag");
        Q_EMIT adminTokenReady(m_adminTokenSource);
        return;
    }
    static const QString key = QStringLiteral("admin-token");
    m_secrets = std::make_unique<SecretStore>(QStringLiteral("canopy"), m_config.dataDir);
    connect(m_secrets.get(), &SecretStore::ready, this,
        [this](const QString &, const QString &value, SecretStore::Backend backend) {
            m_adminRoute->setAdminToken(value);
            m_adminTokenSource = backend == SecretStore::Backend::Keychain
                ? QStringLiteral("keychain")
                : QStringLiteral("file");
            m_log->record(QtInfoMsg, lcHost(),
                backend == SecretStore::Backend::Keychain
                    ? QStringLiteral("admin token is in the OS keychain (service canopy, key %1)")
                          .arg(key)
                    : QStringLiteral("admin token is in %1").arg(m_secrets->fallbackPath(key)));
            Q_EMIT adminTokenReady(m_adminTokenSource);
        });
    connect(m_secrets.get(), &SecretStore::keychainUnavailable, this,
        [this](const QString &, const QString &reason) {
            if (m_config.headless) {
                m_log->record(QtWarningMsg, lcHost(),
                    QStringLiteral("no keychain (%1); keeping the admin token in %2 instead")
                        .arg(reason, m_secrets->fallbackPath(key)));
                useSecretFile();
                return;
            }
            Q_EMIT keychainUnavailable(reason);
        });
    connect(m_secrets.get(), &SecretStore::failed, this,
        [this](const QString &, const QString &reason) {
            m_log->record(QtCriticalMsg, lcHost(),
                QStringLiteral("the admin token is unavailable: %1; the admin API answers 503")
                    .arg(reason));
        });
    m_secrets->loadOrCreate(key);
}

void Host::useSecretFile()
{
    if (!m_secrets)
        return;
    m_secrets->useFileFallback();
    m_secrets->loadOrCreate(QStringLiteral("admin-token"));
}

void Host::stop()
{
    if (m_stopping)
        return;
    m_stopping = true;
    if (!m_http) {
        QTimer::singleShot(0, this, &Host::stopped);
        return;
    }
    m_log->record(QtInfoMsg, lcHost(), QStringLiteral("shutting down"));
    m_http->close();
    m_hub->flush();
    m_sessions->closeAll(
        QWebSocketProtocol::CloseCodeGoingAway, QStringLiteral("server shutting down"));

    // Frames that arrive while the close handshakes finish are still stored.
    auto *poll = new QTimer(this);
    auto *elapsed = new QElapsedTimer;
    elapsed->start();
    connect(poll, &QTimer::timeout, this, [this, poll, elapsed] {
        if (m_sessions->count() > 0 && elapsed->elapsed() < 5000)
            return;
        poll->stop();
        poll->deleteLater();
        delete elapsed;
        finishStop();
    });
    poll->start(20);
}

void Host::finishStop()
{
    m_hub->flush();
    m_hub->releaseIdleDocuments(true);
    m_log->record(QtInfoMsg, lcHost(), QStringLiteral("stopped"));
    Q_EMIT stopped();
}

} // namespace canopy
