#pragma once

#include "auth/ConnectionAuthorizer.h"
#include "store/StoreError.h"
#include "util/Expected.h"

#include <QDateTime>
#include <QList>
#include <QObject>

namespace canopy {

class Database;
class EventLog;

// One issued connection token as the operator sees it. The token value is never kept.
struct TokenRecord
{
    qint64 id = 0;
    QString did;
    QDateTime issuedAt;
    QDateTime expiresAt;
    QDateTime usedAt; // null while unused
    QString session; // the session the token opened
    QDateTime revokedAt; // null unless revoked

    enum class State
    {
        Unused,
        Used,
        Expired,
        Revoked
    };
    State state(const QDateTime &now) const;
    static QString stateName(State state); // "unused", "used", "expired", "revoked"
};

struct IssuedToken
{
    QString token; // shown to the requester once; only its SHA-256 is stored
    TokenRecord record;
};

// Issues single-use connection tokens: 32 bytes from OpenSSL's CSPRNG in uppercase Crockford
// base32 (52 characters), valid for one /sync/as/<did> upgrade of the DID they were issued to.
class TokenIssuer final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(TokenIssuer)

public:
    TokenIssuer(Database &database, EventLog &log, int ttlSeconds, QObject *parent = nullptr);

    Expected<IssuedToken, StoreError> issue(const QString &did);
    // Spends the token: afterwards it opens nothing. A refusal leaves an unspent token as it was.
    Expected<TokenRecord, ConnectionRefusal> consume(const QString &did, const QString &token);
    // consume() in two steps, for a caller with a reason to refuse in between: would the token
    // open `did` now (nothing is spent), and then spend the record check() returned.
    Expected<TokenRecord, ConnectionRefusal> check(const QString &did, const QString &token);
    Expected<TokenRecord, ConnectionRefusal> spend(TokenRecord record);
    void attachSession(qint64 tokenId, const QString &session);
    bool revoke(qint64 tokenId);
    Expected<QList<TokenRecord>, StoreError> history(int limit = 1000);

    int ttlSeconds() const { return m_ttlSeconds; }
    quint64 issuedCount() const { return m_issuedCount; }

    static QString generateToken();
    static QByteArray hashToken(const QString &token); // SHA-256

Q_SIGNALS:
    void tokenIssued(const canopy::TokenRecord &record);
    void tokenUsed(const canopy::TokenRecord &record);
    void tokenRevoked(qint64 tokenId);

private:
    Database &m_database;
    EventLog &m_log;
    int m_ttlSeconds;
    quint64 m_issuedCount = 0;
};

} // namespace canopy
