#pragma once

#include "config/Config.h"

#include <memory>

#include <QObject>

namespace canopy {

class AccessControl;
class AdminRoute;
class AdminService;
class BackupScheduler;
class BanList;
class DataDirLock;
class Database;
class DevTokenAuthorizer;
class DidResolver;
class DocumentHub;
class EventLog;
class HocuspocusRoute;
class HttpServer;
class LoroProtocolRoute;
class Metrics;
class SecretStore;
class ServiceInfoRoute;
class SessionRegistry;
class SyncRoute;
class TokenAuthorizer;
class TokenIssuer;
class TokenRoute;
class UnauthenticatedConnections;
class UnitStore;
class WebSocketUpgrader;
class YWebSocketRoute;

// The composition of the core: storage, the entity hub, sessions, identity, the admin service,
// the HTTP front and its routes.
class Host final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(Host)

public:
    explicit Host(Config config, QObject *parent = nullptr);
    ~Host() override;

    // Opens the database and starts listening; the error says what failed.
    bool start(QString *error);
    // Graceful: stop accepting, close sessions with 1001, flush, then emit stopped().
    void stop();

    const Config &config() const { return m_config; }
    quint16 port() const;
    QString listeningUrl() const; // http://<listen>:<port>/ (https:// with TLS)
    EventLog &log() { return *m_log; }
    DocumentHub *hub() { return m_hub.get(); }
    SessionRegistry *sessions() { return m_sessions.get(); }
    TokenIssuer *tokens() { return m_tokens.get(); }
    DidResolver *resolver() { return m_resolver.get(); }
    TokenRoute *tokenRoute() { return m_tokenRoute.get(); }
    BanList *bans() { return m_bans.get(); }
    AccessControl *access() const { return m_access.get(); }
    Metrics *metrics() { return m_metrics.get(); }
    AdminService *admin() { return m_admin.get(); }
    SecretStore *secrets() { return m_secrets.get(); }
    BackupScheduler *backups() { return m_backups.get(); }

    // Where the admin token lives: "flag", "keychain", "file"; empty until known.
    QString adminTokenSource() const { return m_adminTokenSource; }
    // After keychainUnavailable(): keep the admin token in a file readable only by the user.
    void useSecretFile();

Q_SIGNALS:
    void stopped();
    void adminTokenReady(const QString &source);
    // No keychain answered. Headless hosts fall back to the file by themselves; a window asks.
    void keychainUnavailable(const QString &reason);

private:
    void finishStop();
    void loadAdminToken();

    Config m_config;
    std::unique_ptr<EventLog> m_log;
    std::unique_ptr<Metrics> m_metrics;
    std::unique_ptr<DataDirLock> m_lock; // held while this host serves the data dir
    std::unique_ptr<Database> m_database;
    std::unique_ptr<UnitStore> m_store;
    std::unique_ptr<DocumentHub> m_hub;
    std::unique_ptr<SessionRegistry> m_sessions;
    std::unique_ptr<WebSocketUpgrader> m_upgrader;
    std::unique_ptr<DevTokenAuthorizer> m_devTokens;
    std::unique_ptr<TokenIssuer> m_tokens;
    std::unique_ptr<BanList> m_bans;
    std::unique_ptr<AccessControl> m_access;
    std::unique_ptr<DidResolver> m_resolver;
    std::unique_ptr<TokenAuthorizer> m_authorizer;
    std::unique_ptr<TokenRoute> m_tokenRoute;
    std::unique_ptr<SyncRoute> m_syncRoute;
    std::unique_ptr<LoroProtocolRoute> m_loroRoute;
    std::unique_ptr<HocuspocusRoute> m_hocuspocusRoute;
    std::unique_ptr<YWebSocketRoute> m_yWebSocketRoute;
    std::unique_ptr<ServiceInfoRoute> m_serviceInfo;
    std::unique_ptr<AdminService> m_admin;
    std::unique_ptr<AdminRoute> m_adminRoute;
    std::unique_ptr<BackupScheduler> m_backups;
    std::unique_ptr<SecretStore> m_secrets;
    std::unique_ptr<UnauthenticatedConnections> m_unauthenticated;
    std::unique_ptr<HttpServer> m_http;
    QString m_adminTokenSource;
    bool m_stopping = false;
};

} // namespace canopy
