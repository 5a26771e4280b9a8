// Connection tokens: format, single use, DID binding, expiry, revocation, hashed storage.
#include "auth/TokenIssuer.h"
#include "log/EventLog.h"
#include "store/Database.h"

#include <QRegularExpression>
#include <QSignalSpy>
#include <QSqlQuery>
#include <QSqlRecord>
#include <QTemporaryDir>
#include <QTest>

using namespace canopy;

class TestTokenIssuer final : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;
    std::unique_ptr<Database> m_db;
    EventLog m_log;
    const QString alice = QStringLiteral("did:plc:alice");
    const QString bob = QStringLiteral("did:plc:bob");

private Q_SLOTS:
    void init()
    {
        auto db = Database::open(
            m_dir.filePath(QStringLiteral("t%1.sqlite").arg(QDateTime::currentMSecsSinceEpoch())));
        QVERIFY(db.has_value());
        m_db = std::move(*db);
    }
    void cleanup() { m_db.reset(); }

    void tokenFormat()
    {
        static const QRegularExpression crockford(QStringLiteral("^[0-9A-HJKMNP-TV-Z]{52}$"));
        QSet<QString> seen;
        for (int i = 0; i < 200; ++i) {
            const QString token = TokenIssuer::generateToken();
            QVERIFY2(crockford.match(token).hasMatch(), qPrintable(token));
            seen.insert(token);
        }
        QCOMPARE(seen.size(), 200);
    }

    void singleUse()
    {
        TokenIssuer issuer(*m_db, m_log, 30);
        QSignalSpy issuedSpy(&issuer, &TokenIssuer::tokenIssued);
        auto issued = issuer.issue(alice);
        QVERIFY(issued.has_value());
        QCOMPARE(issuedSpy.size(), 1);
        QCOMPARE(issued->record.expiresAt, issued->record.issuedAt.addSecs(30));
        auto first = issuer.consume(alice, issued->token);
        QVERIFY(first.has_value());
        QCOMPARE(first->id, issued->record.id);
        auto second = issuer.consume(alice, issued->token);
        QVERIFY(!second.has_value());
        QCOMPARE(second.error().status, 403);
        QCOMPARE(second.error().error, QStringLiteral("TokenUsed"));
    }

    void wrongDidDoesNotSpend()
    {
        TokenIssuer issuer(*m_db, m_log, 30);
        auto issued = issuer.issue(alice);
        QVERIFY(issued.has_value());
        auto wrong = issuer.consume(bob, issued->token);
        QVERIFY(!wrong.has_value());
        QCOMPARE(wrong.error().error, QStringLiteral("TokenDidMismatch"));
        QVERIFY(issuer.consume(alice, issued->token).has_value());
    }

    void unknownToken()
    {
        TokenIssuer issuer(*m_db, m_log, 30);
        auto refused = issuer.consume(alice, TokenIssuer::generateToken());
        QVERIFY(!refused.has_value());
        QCOMPARE(refused.error().error, QStringLiteral("InvalidToken"));
    }

    void expired()
    {
        TokenIssuer issuer(*m_db, m_log, 0); // expires the moment it is issued
        auto issued = issuer.issue(alice);
        QVERIFY(issued.has_value());
        auto refused = issuer.consume(alice, issued->token);
        QVERIFY(!refused.has_value());
        QCOMPARE(refused.error().error, QStringLiteral("TokenExpired"));
        auto history = issuer.history();
        QVERIFY(history.has_value());
        QCOMPARE(TokenRecord::stateName(history->front().state(QDateTime::currentDateTimeUtc())),
            QStringLiteral("expired"));
    }

    void revoked()
    {
        TokenIssuer issuer(*m_db, m_log, 30);
        auto issued = issuer.issue(alice);
        QVERIFY(issued.has_value());
        QVERIFY(issuer.revoke(issued->record.id));
        QVERIFY(!issuer.revoke(issued->record.id)); // once
        QVERIFY(!issuer.revoke(999999));
        auto refused = issuer.consume(alice, issued->token);
        QVERIFY(!refused.has_value());
        QCOMPARE(refused.error().error, QStringLiteral("TokenRevoked"));
    }

    // The database holds the SHA-256 of a token, never the token.
    void storedOnlyAsHash()
    {
        TokenIssuer issuer(*m_db, m_log, 30);
        auto issued = issuer.issue(alice);
        QVERIFY(issued.has_value());
        issuer.attachSession(issued->record.id, QStringLiteral("7"));
        QSqlQuery query(m_db->handle());
        QVERIFY(query.exec(QStringLiteral("SELECT * FROM tokens")));
        QVERIFY(query.next());
        for (int i = 0; i < query.record().count(); ++i) {
            const QByteArray value = query.value(i).toByteArray();
            QVERIFY(!value.contains(issued->token.toLatin1()));
        }
        QSqlQuery hash(m_db->handle());
        QVERIFY(hash.exec(QStringLiteral("SELECT hash, session FROM tokens")));
        QVERIFY(hash.next());
        QCOMPARE(hash.value(0).toByteArray(), TokenIssuer::hashToken(issued->token));
        QCOMPARE(hash.value(0).toByteArray().size(), 32);
        QCOMPARE(hash.value(1).toString(), QStringLiteral("7"));
    }

    void historyStates()
    {
        TokenIssuer issuer(*m_db, m_log, 30);
        auto a = issuer.issue(alice);
        auto b = issuer.issue(bob);
        auto c = issuer.issue(alice);
        QVERIFY(a && b && c);
        QVERIFY(issuer.consume(alice, a->token).has_value());
        QVERIFY(issuer.revoke(b->record.id));
        auto history = issuer.history();
        QVERIFY(history.has_value());
        QCOMPARE(history->size(), 3);
        const QDateTime now = QDateTime::currentDateTimeUtc();
        QCOMPARE(TokenRecord::stateName(history->at(0).state(now)), QStringLiteral("unused"));
        QCOMPARE(TokenRecord::stateName(history->at(1).state(now)), QStringLiteral("revoked"));
        QCOMPARE(TokenRecord::stateName(history->at(2).state(now)), QStringLiteral("used"));
        QCOMPARE(issuer.issuedCount(), 3u);
    }
};

QTEST_GUILESS_MAIN(TestTokenIssuer)
#include "tst_tokenissuer.moc"
