// DID resolution against a loopback directory served by Canopy's own HTTP front.
#include "auth/AddressKind.h"
#include "auth/AtprotoDid.h"
#include "auth/DidResolver.h"
#include "http/HttpExchange.h"
#include "http/HttpRoute.h"
#include "http/HttpServer.h"
#include "log/EventLog.h"
#include "store/Database.h"

#include <QFile>
#include <QHostInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

using namespace canopy;

namespace {

const QString kPlcDid = QStringLiteral("did:plc:r5eav7permut7wpqvxz4yrp4");
const QString kK256 = QStringLiteral("zQ3shokFTS3brHcDQrn82RUDfCZESWL1ZdCEJwekUDPQiYBme");
const QString kP256 = QStringLiteral("zDnaeTiq1PdzvZXUaMdezchcMJQpBdH2VN4pgrrEhMCCbmwSb");

QByteArray document(const QString &did, const QString &multibase, const QString &handle)
{
    const QJsonObject method {{QStringLiteral("id"), QString(did + QStringLiteral("#atproto"))},
        {QStringLiteral("type"), QStringLiteral("Multikey")}, {QStringLiteral("controller"), did},
        {QStringLiteral("publicKeyMultibase"), multibase}};
    return QJsonDocument(
        QJsonObject {{QStringLiteral("id"), did},
            {QStringLiteral("alsoKnownAs"), QJsonArray {QString(QStringLiteral("at://") + handle)}},
            {QStringLiteral("verificationMethod"), QJsonArray {method}}})
        .toJson(QJsonDocument::Compact);
}

// A directory whose answers the test sets per path.
class FakeDirectory final : public HttpRoute
{
public:
    struct Answer
    {
        int status = 200;
        QByteArray body;
        int delayMs = 0;
    };
    QHash<QString, Answer> answers;
    QHash<QString, int> requests;
    QList<QByteArray> hosts; // the Host header of every request

    int total() const
    {
        int n = 0;
        for (int count : requests)
            n += count;
        return n;
    }

    bool matches(const HttpRequest &) const override { return true; }
    void handle(HttpExchange &exchange) override
    {
        const QString path = exchange.request().path;
        ++requests[path];
        hosts.append(exchange.request().header("host"));
        const Answer answer
            = answers.value(path, Answer {404, "{\"message\":\"DID not registered\"}"});
        HttpResponse response;
        response.status = answer.status;
        response.body = answer.body;
        if (answer.delayMs == 0) {
            exchange.respond(response);
            return;
        }
        QPointer<HttpExchange> later(&exchange);
        QTimer::singleShot(answer.delayMs, [later, response] {
            if (later)
                later->respond(response);
        });
    }
};

} // namespace

class TestDidResolver final : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;
    EventLog m_log;
    std::unique_ptr<Database> m_db;
    std::unique_ptr<HttpServer> m_server;
    FakeDirectory m_directory;
    int m_dbCounter = 0;

    ResolverSettings settings() const
    {
        ResolverSettings s;
        s.plcUrl = QUrl(QStringLiteral("http://127.0.0.1:%1").arg(m_server->port()));
        s.timeoutMs = 1000;
        s.allowLocalDidWeb = true; // the directory is on loopback
        return s;
    }
    QString webDid() const
    {
        return QStringLiteral("did:web:localhost%3A%1").arg(m_server->port());
    }

    static DidResolver::Result resolveNow(
        DidResolver &resolver, const QString &did, bool force = false)
    {
        std::optional<DidResolver::Result> result;
        QObject context;
        resolver.resolve(did, force, &context, [&](const DidResolver::Result &r) { result = r; });
        if (!QTest::qWaitFor([&] { return result.has_value(); }, 5000))
            return unexpected(
                ResolveError {ResolveError::Code::Unreachable, QStringLiteral("test timed out")});
        return *result;
    }

private Q_SLOTS:
    void initTestCase()
    {
        m_server = std::make_unique<HttpServer>(m_log);
        m_server->addRoute(&m_directory);
        QVERIFY(m_server->listen(QHostAddress::LocalHost, 0));
    }

    void init()
    {
        auto db = Database::open(m_dir.filePath(QStringLiteral("r%1.sqlite").arg(++m_dbCounter)));
        QVERIFY(db.has_value());
        m_db = std::move(*db);
        m_directory.answers.clear();
        m_directory.requests.clear();
        m_directory.hosts.clear();
        m_directory.answers.insert(QStringLiteral("/") + kPlcDid,
            {200, document(kPlcDid, kK256, QStringLiteral("alice.test"))});
        m_directory.answers.insert(QStringLiteral("/.well-known/did.json"),
            {200, document(webDid(), kP256, QStringLiteral("web.test"))});
    }

    void documentUrl_data()
    {
        QTest::addColumn<QString>("did");
        QTest::addColumn<QString>("url"); // empty: refused
        QTest::newRow("plc") << QStringLiteral("did:plc:abc")
                             << QStringLiteral("https://plc.example/did%3Aplc%3Aabc");
        QTest::newRow("web") << QStringLiteral("did:web:example.com")
                             << QStringLiteral("https://example.com/.well-known/did.json");
        QTest::newRow("web with port")
            << QStringLiteral("did:web:example.com%3A8443")
            << QStringLiteral("https://example.com:8443/.well-known/did.json");
        QTest::newRow("web localhost is http")
            << QStringLiteral("did:web:localhost%3A2583")
            << QStringLiteral("http://localhost:2583/.well-known/did.json");
        QTest::newRow("web loopback is http") << QStringLiteral(
            "did:web:127.0.0.1%3A80") << QStringLiteral("http://127.0.0.1:80/.well-known/did.json");
        QTest::newRow("web with a path")
            << QStringLiteral("did:web:example.com:u:alice") << QString();
        QTest::newRow("web empty") << QStringLiteral("did:web:") << QString();
        QTest::newRow("did:key") << QStringLiteral("did:key:") + kK256 << QString();
        QTest::newRow("unknown method") << QStringLiteral("did:foo:bar") << QString();
    }

    void documentUrl()
    {
        QFETCH(QString, did);
        QFETCH(QString, url);
        const auto result
            = DidResolver::documentUrl(did, QUrl(QStringLiteral("https://plc.example")));
        if (url.isEmpty()) {
            QVERIFY(!result.has_value());
            QCOMPARE(result.error().code, ResolveError::Code::Unsupported);
        } else {
            QVERIFY(result.has_value());
            QCOMPARE(result->toString(QUrl::FullyEncoded), url);
        }
    }

    void resolvesAndCaches()
    {
        DidResolver resolver(*m_db, m_log, settings());
        auto first = resolveNow(resolver, kPlcDid);
        QVERIFY2(first.has_value(), first ? "" : qPrintable(first.error().message));
        QVERIFY(first->atprotoKey.has_value());
        QCOMPARE(first->handle, QStringLiteral("alice.test"));
        QCOMPARE(m_directory.requests.value(QStringLiteral("/") + kPlcDid), 1);
        // Cached: no request at all, also through a new resolver on the same database.
        QVERIFY(resolveNow(resolver, kPlcDid).has_value());
        DidResolver restarted(*m_db, m_log, settings());
        QVERIFY(resolveNow(restarted, kPlcDid).has_value());
        QCOMPARE(m_directory.requests.value(QStringLiteral("/") + kPlcDid), 1);
        QCOMPARE(restarted.cachedHandle(kPlcDid), QStringLiteral("alice.test"));
        // Forced: one more.
        QVERIFY(resolveNow(resolver, kPlcDid, true).has_value());
        QCOMPARE(m_directory.requests.value(QStringLiteral("/") + kPlcDid), 2);
    }

    void didWebOverLoopbackHttp()
    {
        DidResolver resolver(*m_db, m_log, settings());
        auto result = resolveNow(resolver, webDid());
        QVERIFY2(result.has_value(), result ? "" : qPrintable(result.error().message));
        QCOMPARE(result->atprotoKey->curve, auth::Curve::P256);
    }

    // Without allowLocalDidWeb a did:web at a local address is refused before anything is sent,
    // however its host is written.
    void localDidWebIsRefusedWithoutARequest_data()
    {
        QTest::addColumn<QString>("did");
        const QString port = QString::number(m_server->port());
        QTest::newRow("localhost") << QStringLiteral("did:web:localhost%3A") + port;
        QTest::newRow("LOCALHOST.") << QStringLiteral("did:web:LOCALHOST.%3A") + port;
        QTest::newRow("under .localhost") << QStringLiteral("did:web:a.localhost%3A") + port;
        QTest::newRow("127.0.0.1") << QStringLiteral("did:web:127.0.0.1%3A") + port;
        QTest::newRow("127.1") << QStringLiteral("did:web:127.1%3A") + port;
        QTest::newRow("decimal") << QStringLiteral("did:web:2130706433%3A") + port;
        QTest::newRow("hex") << QStringLiteral("did:web:0x7f.1%3A") + port;
        QTest::newRow("[::1]") << QStringLiteral("did:web:%5B%3A%3A1%5D%3A") + port;
        QTest::newRow("[::ffff:127.0.0.1]")
            << QStringLiteral("did:web:%5B%3A%3Affff%3A127.0.0.1%5D%3A") + port;
        QTest::newRow("10.0.0.1") << QStringLiteral("did:web:10.0.0.1");
        QTest::newRow("192.168.1.1") << QStringLiteral("did:web:192.168.1.1");
        QTest::newRow("172.16.0.1") << QStringLiteral("did:web:172.16.0.1");
        QTest::newRow("169.254.169.254") << QStringLiteral("did:web:169.254.169.254");
        QTest::newRow("0.0.0.0") << QStringLiteral("did:web:0.0.0.0%3A") + port;
        QTest::newRow("[fe80::1]") << QStringLiteral("did:web:%5Bfe80%3A%3A1%5D");
        QTest::newRow("[fd00::1]") << QStringLiteral("did:web:%5Bfd00%3A%3A1%5D");
        QTest::newRow("[::]") << QStringLiteral("did:web:%5B%3A%3A%5D%3A") + port;
        QTest::newRow("multicast") << QStringLiteral("did:web:224.0.0.1");
    }

    void localDidWebIsRefusedWithoutARequest()
    {
        QFETCH(QString, did);
        ResolverSettings s = settings();
        s.allowLocalDidWeb = false;
        DidResolver resolver(*m_db, m_log, s);
        auto result = resolveNow(resolver, did);
        QVERIFY(!result.has_value());
        QCOMPARE(result.error().code, ResolveError::Code::Refused);
        QVERIFY2(result.error().message.contains(u"refused without a request"),
            qPrintable(result.error().message));
        QCOMPARE(resolver.fetches(), quint64(0));
        QCOMPARE(m_directory.total(), 0);
    }

    void unroutableIsRefusedEvenWhenLocalIsAllowed()
    {
        DidResolver resolver(*m_db, m_log, settings());
        auto result = resolveNow(resolver, QStringLiteral("did:web:224.0.0.1"));
        QVERIFY(!result.has_value());
        QCOMPARE(result.error().code, ResolveError::Code::Refused);
        QCOMPARE(resolver.fetches(), quint64(0));
    }

    // A document cached while local hosts were allowed is not served once they are not.
    void cachedLocalDidWebIsRefusedToo()
    {
        {
            DidResolver allowed(*m_db, m_log, settings());
            QVERIFY(resolveNow(allowed, webDid()).has_value());
        }
        ResolverSettings s = settings();
        s.allowLocalDidWeb = false;
        DidResolver refusing(*m_db, m_log, s);
        auto result = resolveNow(refusing, webDid());
        QVERIFY(!result.has_value());
        QCOMPARE(result.error().code, ResolveError::Code::Refused);
        QCOMPARE(m_directory.total(), 1);
    }

    // A name is judged by what it resolves to, and the request goes to the checked address with
    // the name in Host. This machine's own name resolves to loopback where /etc/hosts says so.
    void nameResolvingToLoopback()
    {
        const QString name = QHostInfo::localHostName().toLower();
        const QHostInfo info = QHostInfo::fromName(name);
        bool loopback = !info.addresses().isEmpty() && !name.isEmpty();
        for (const QHostAddress &address : info.addresses())
            loopback = loopback && address.isLoopback()
                && address.protocol() == QAbstractSocket::IPv4Protocol;
        if (!loopback || !auth::isValidAtprotoDid(QString(QStringLiteral("did:web:") + name)))
            QSKIP("this machine's name does not resolve to IPv4 loopback only");
        const QString did
            = QStringLiteral("did:web:%1%3A%2").arg(name, QString::number(m_server->port()));
        m_directory.answers.insert(QStringLiteral("/.well-known/did.json"),
            {200, document(did, kP256, QStringLiteral("named.test"))});

        ResolverSettings s = settings();
        s.allowLocalDidWeb = false;
        DidResolver refusing(*m_db, m_log, s);
        auto refused = resolveNow(refusing, did);
        QVERIFY(!refused.has_value());
        QCOMPARE(refused.error().code, ResolveError::Code::Refused);
        QVERIFY2(refused.error().message.contains(u"resolves to 127."),
            qPrintable(refused.error().message));
        QCOMPARE(m_directory.total(), 0);

        DidResolver allowed(*m_db, m_log, settings());
        auto result = resolveNow(allowed, did);
        QVERIFY2(result.has_value(), result ? "" : qPrintable(result.error().message));
        QCOMPARE(result->handle, QStringLiteral("named.test"));
        QCOMPARE(m_directory.hosts,
            QList<QByteArray> {(name + u':' + QString::number(m_server->port())).toLatin1()});
    }

    void concurrentLookupsShareOneRequest()
    {
        m_directory.answers[QStringLiteral("/") + kPlcDid].delayMs = 200;
        DidResolver resolver(*m_db, m_log, settings());
        int done = 0;
        for (int i = 0; i < 5; ++i)
            resolver.resolve(
                kPlcDid, false, this, [&](const DidResolver::Result &r) { done += r.has_value(); });
        QTRY_COMPARE_WITH_TIMEOUT(done, 5, 5000);
        QCOMPARE(m_directory.requests.value(QStringLiteral("/") + kPlcDid), 1);
    }

    void notFoundAndTombstonedDropTheCache_data()
    {
        QTest::addColumn<int>("status");
        QTest::addColumn<int>("code");
        QTest::newRow("404") << 404 << int(ResolveError::Code::NotFound);
        QTest::newRow("410") << 410 << int(ResolveError::Code::Tombstoned);
    }

    void notFoundAndTombstonedDropTheCache()
    {
        QFETCH(int, status);
        QFETCH(int, code);
        DidResolver resolver(*m_db, m_log, settings());
        QVERIFY(resolveNow(resolver, kPlcDid).has_value());
        m_directory.answers[QStringLiteral("/") + kPlcDid]
            = {status, "{\"message\":\"DID not available\"}"};
        auto gone = resolveNow(resolver, kPlcDid, true);
        QVERIFY(!gone.has_value());
        QCOMPARE(int(gone.error().code), code);
        QVERIFY(resolver.cachedHandle(kPlcDid).isEmpty());
        // No cached fallback afterwards either.
        QVERIFY(!resolveNow(resolver, kPlcDid).has_value());
    }

    void badAnswers_data()
    {
        QTest::addColumn<int>("status");
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<int>("delayMs");
        QTest::addColumn<int>("code");
        QTest::newRow("500") << 500 << QByteArray("oops") << 0
                             << int(ResolveError::Code::BadResponse);
        QTest::newRow("redirect") << 302 << QByteArray() << 0
                                  << int(ResolveError::Code::BadResponse);
        QTest::newRow("not json") << 200 << QByteArray("<html>") << 0
                                  << int(ResolveError::Code::BadDocument);
        QTest::newRow("other DID's document")
            << 200 << document(QStringLiteral("did:plc:someoneelse"), kK256, QStringLiteral("x"))
            << 0 << int(ResolveError::Code::BadDocument);
        QTest::newRow("over 512 KiB")
            << 200 << QByteArray(600 * 1024, ' ') << 0 << int(ResolveError::Code::BadResponse);
        QTest::newRow("slower than the timeout")
            << 200 << QByteArray("{}") << 3000 << int(ResolveError::Code::Unreachable);
    }

    void badAnswers()
    {
        QFETCH(int, status);
        QFETCH(QByteArray, body);
        QFETCH(int, delayMs);
        QFETCH(int, code);
        m_directory.answers[QStringLiteral("/") + kPlcDid] = {status, body, delayMs};
        DidResolver resolver(*m_db, m_log, settings());
        auto result = resolveNow(resolver, kPlcDid);
        QVERIFY(!result.has_value());
        QCOMPARE(int(result.error().code), code);
        QVERIFY(!result.error().message.isEmpty());
    }

    void unreachableDirectory()
    {
        ResolverSettings s = settings();
        s.plcUrl = QUrl(QStringLiteral("http://127.0.0.1:1"));
        DidResolver resolver(*m_db, m_log, s);
        auto result = resolveNow(resolver, kPlcDid);
        QVERIFY(!result.has_value());
        QCOMPARE(result.error().code, ResolveError::Code::Unreachable);
    }

    // Between fresh and max age the cached document answers at once and a refresh runs behind it.
    void staleIsServedAndRefreshed()
    {
        ResolverSettings s = settings();
        s.freshSeconds = 0;
        DidResolver resolver(*m_db, m_log, s);
        QVERIFY(resolveNow(resolver, kPlcDid).has_value());
        QTest::qWait(5);
        m_directory.answers[QStringLiteral("/") + kPlcDid].body
            = document(kPlcDid, kK256, QStringLiteral("renamed.test"));
        auto stale = resolveNow(resolver, kPlcDid);
        QVERIFY(stale.has_value());
        QCOMPARE(stale->handle, QStringLiteral("alice.test"));
        QTRY_COMPARE_WITH_TIMEOUT(
            resolver.cachedHandle(kPlcDid), QStringLiteral("renamed.test"), 5000);
        QCOMPARE(m_directory.requests.value(QStringLiteral("/") + kPlcDid), 2);
    }
};

QTEST_GUILESS_MAIN(TestDidResolver)
#include "tst_didresolver.moc"
