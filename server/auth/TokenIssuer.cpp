#include "auth/TokenIssuer.h"

#include "log/EventLog.h"
#include "log/LogCategories.h"
#include "store/Database.h"

#include <openssl/rand.h>

#include <QCryptographicHash>
#include <QSqlQuery>
#include <QVariant>

namespace canopy {
namespace {

QDateTime fromMs(const QVariant &value)
{
    return value.isNull() ? QDateTime()
                          : QDateTime::fromMSecsSinceEpoch(value.toLongLong(), Qt::UTC);
}

TokenRecord recordFrom(const QSqlQuery &query)
{
    TokenRecord record;
    record.id = query.value(0).toLongLong();
    record.did = query.value(1).toString();
    record.issuedAt = fromMs(query.value(2));
    record.expiresAt = fromMs(query.value(3));
    record.usedAt = fromMs(query.value(4));
    record.session = query.value(5).toString();
    record.revokedAt = fromMs(query.value(6));
    return record;
}

const QString kColumns
    = QStringLiteral("id, did, issued_at, expires_at, used_at, session, revoked_at");

} // namespace

TokenRecord::State TokenRecord::state(const QDateTime &now) const
{
    if (revokedAt.isValid())
        return State::Revoked;
    if (usedAt.isValid())
        return State::Used;
    if (now >= expiresAt)
        return State::Expired;
    return State::Unused;
}

QString TokenRecord::stateName(State state)
{
    switch (state) {
    case State::Unused:
        return QStringLiteral("unused");
    case State::Used:
        return QStringLiteral("used");
    case State::Expired:
        return QStringLiteral("expired");
    case State::Revoked:
        return QStringLiteral("revoked");
    }
    return {};
}

TokenIssuer::TokenIssuer(Database &database, EventLog &log, int ttlSeconds, QObject *parent)
    : QObject(parent)
    , m_database(database)
    , m_log(log)
    , m_ttlSeconds(ttlSeconds)
{
    qRegisterMetaType<canopy::TokenRecord>();
}

QString TokenIssuer::generateToken()
{
    unsigned char bytes[32];
    // A token from a failed CSPRNG would be guessable: better no token at all.
    if (RAND_bytes(bytes, sizeof bytes) != 1)
        qFatal("OpenSSL's CSPRNG failed");
    static constexpr char alphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    QString out;
    out.reserve(52);
    quint32 buffer = 0;
    int bits = 0;
    for (unsigned char byte : bytes) {
        buffer = (buffer << 8) | byte;
        bits += 8;
        while (bits >= 5) {
            out.append(QLatin1Char(alphabet[(buffer >> (bits - 5)) & 31]));
            bits -= 5;
        }
    }
    if (bits > 0)
        out.append(QLatin1Char(alphabet[(buffer << (5 - bits)) & 31]));
    return out;
}

QByteArray TokenIssuer::hashToken(const QString &token)
{
    return QCryptographicHash::hash(token.toUtf8(), QCryptographicHash::Sha256);
}

Expected<IssuedToken, StoreError> TokenIssuer::issue(const QString &did)
{
    IssuedToken issued;
    issued.token = generateToken();
    const QDateTime now = QDateTime::currentDateTimeUtc();
    issued.record.did = did;
    issued.record.issuedAt = now;
    issued.record.expiresAt = now.addSecs(m_ttlSeconds);

    QSqlQuery query(m_database.handle());
    query.prepare(
        QStringLiteral("INSERT INTO tokens(hash, did, issued_at, expires_at) VALUES (?, ?, ?, ?)"));
    query.addBindValue(hashToken(issued.token));
    query.addBindValue(did);
    query.addBindValue(now.toMSecsSinceEpoch());
    query.addBindValue(issued.record.expiresAt.toMSecsSinceEpoch());
    if (auto ok = Database::exec(query, "issue token"); !ok)
        return unexpected(ok.error());
    issued.record.id = query.lastInsertId().toLongLong();
    ++m_issuedCount;
    m_log.record(QtInfoMsg, lcAuth(), QStringLiteral("token issued"),
        {{QStringLiteral("did"), did},
            {QStringLiteral("token"), QString::number(issued.record.id)}});
    Q_EMIT tokenIssued(issued.record);
    return issued;
}

Expected<TokenRecord, ConnectionRefusal> TokenIssuer::consume(
    const QString &did, const QString &token)
{
    auto record = check(did, token);
    if (!record)
        return record;
    return spend(std::move(*record));
}

Expected<TokenRecord, ConnectionRefusal> TokenIssuer::check(
    const QString &did, const QString &token)
{
    QSqlQuery query(m_database.handle());
    query.prepare(QStringLiteral("SELECT %1 FROM tokens WHERE hash = ?").arg(kColumns));
    query.addBindValue(hashToken(token));
    if (!Database::exec(query, "look up token") || !query.next()) {
        return unexpected(ConnectionRefusal {
            403, QStringLiteral("InvalidToken"), QStringLiteral("the token is not valid")});
    }
    TokenRecord record = recordFrom(query);
    const QDateTime now = QDateTime::currentDateTimeUtc();
    if (record.did != did) {
        return unexpected(ConnectionRefusal {403, QStringLiteral("TokenDidMismatch"),
            QStringLiteral("the token was issued for another DID")});
    }
    switch (record.state(now)) {
    case TokenRecord::State::Revoked:
        return unexpected(ConnectionRefusal {
            403, QStringLiteral("TokenRevoked"), QStringLiteral("the token was revoked")});
    case TokenRecord::State::Used:
        return unexpected(ConnectionRefusal {
            403, QStringLiteral("TokenUsed"), QStringLiteral("the token was already used")});
    case TokenRecord::State::Expired:
        return unexpected(ConnectionRefusal {
            403, QStringLiteral("TokenExpired"), QStringLiteral("the token has expired")});
    case TokenRecord::State::Unused:
        break;
    }
    return record;
}

Expected<TokenRecord, ConnectionRefusal> TokenIssuer::spend(TokenRecord record)
{
    const QDateTime now = QDateTime::currentDateTimeUtc();
    QSqlQuery spend(m_database.handle());
    spend.prepare(QStringLiteral("UPDATE tokens SET used_at = ? WHERE id = ? AND used_at IS NULL"));
    spend.addBindValue(now.toMSecsSinceEpoch());
    spend.addBindValue(record.id);
    // Not spent, not granted: a token whose use could not be recorded could be used twice.
    if (!Database::exec(spend, "spend token") || spend.numRowsAffected() != 1) {
        return unexpected(ConnectionRefusal {503, QStringLiteral("StoreUnavailable"),
            QStringLiteral("the token could not be recorded as used")});
    }
    record.usedAt = now;
    Q_EMIT tokenUsed(record);
    return record;
}

void TokenIssuer::attachSession(qint64 tokenId, const QString &session)
{
    QSqlQuery query(m_database.handle());
    query.prepare(QStringLiteral("UPDATE tokens SET session = ? WHERE id = ?"));
    query.addBindValue(session);
    query.addBindValue(tokenId);
    if (auto ok = Database::exec(query, "record token session"); !ok)
        m_log.record(QtWarningMsg, lcStore(), ok.error().message);
}

bool TokenIssuer::revoke(qint64 tokenId)
{
    QSqlQuery query(m_database.handle());
    query.prepare(
        QStringLiteral("UPDATE tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL"));
    query.addBindValue(QDateTime::currentMSecsSinceEpoch());
    query.addBindValue(tokenId);
    if (!Database::exec(query, "revoke token") || query.numRowsAffected() != 1)
        return false;
    m_log.record(QtInfoMsg, lcAuth(), QStringLiteral("token revoked"),
        {{QStringLiteral("token"), QString::number(tokenId)}});
    Q_EMIT tokenRevoked(tokenId);
    return true;
}

Expected<QList<TokenRecord>, StoreError> TokenIssuer::history(int limit)
{
    QSqlQuery query(m_database.handle());
    query.prepare(QStringLiteral("SELECT %1 FROM tokens ORDER BY id DESC LIMIT ?").arg(kColumns));
    query.addBindValue(limit);
    if (auto ok = Database::exec(query, "list tokens"); !ok)
        return unexpected(ok.error());
    QList<TokenRecord> out;
    while (query.next())
        out.append(recordFrom(query));
    return out;
}

} // namespace canopy
