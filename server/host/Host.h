#pragma once

#include "config/Config.h"

#include <memory>

#include <QObject>

namespace canopy {

class BlockStore;
class Database;
class DevTokenAuthorizer;
class DidResolver;
class TokenAuthorizer;
class TokenIssuer;
class TokenRoute;
class EntityHub;
class EventLog;
class HttpServer;
class ServiceInfoRoute;
class SessionRegistry;
class SyncRoute;

// The composition of the core: storage, the entity hub, sessions, the HTTP front and its routes.
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
    EventLog &log() { return *m_log; }
    EntityHub *hub() { return m_hub.get(); }
    SessionRegistry *sessions() { return m_sessions.get(); }
    TokenIssuer *tokens() { return m_tokens.get(); }
    DidResolver *resolver() { return m_resolver.get(); }
    TokenRoute *tokenRoute() { return m_tokenRoute.get(); }

Q_SIGNALS:
    void stopped();

private:
    void finishStop();

    Config m_config;
    std::unique_ptr<EventLog> m_log;
    std::unique_ptr<Database> m_database;
    std::unique_ptr<BlockStore> m_store;
    std::unique_ptr<EntityHub> m_hub;
    std::unique_ptr<SessionRegistry> m_sessions;
    std::unique_ptr<DevTokenAuthorizer> m_devTokens;
    std::unique_ptr<TokenIssuer> m_tokens;
    std::unique_ptr<DidResolver> m_resolver;
    std::unique_ptr<TokenAuthorizer> m_authorizer;
    std::unique_ptr<TokenRoute> m_tokenRoute;
    std::unique_ptr<SyncRoute> m_syncRoute;
    std::unique_ptr<ServiceInfoRoute> m_serviceInfo;
    std::unique_ptr<HttpServer> m_http;
    bool m_stopping = false;
};

} // namespace canopy
