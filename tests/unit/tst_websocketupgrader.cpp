// The shared WebSocket upgrade: the request check every route runs before a token is spent, and
// the handshake deadline on sockets handed to Qt's WebSocket server (which times out only the
// connections it accepted itself).
#include "http/HttpExchange.h"
#include "http/UnauthenticatedConnections.h"
#include "log/EventLog.h"
#include "sync/SessionRegistry.h"
#include "sync/WebSocketUpgrader.h"
#include "util/Did.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>

using namespace canopy;

namespace {

HttpRequest upgradeRequest()
{
    HttpRequest request;
    request.method = "GET";
    request.target = "/sync/as/did:plc:abc?x=1";
    request.version = "HTTP/1.1";
    request.rawPath = QStringLiteral("/sync/as/did:plc:abc");
    request.headers = {{"host", "127.0.0.1:8095"}, {"upgrade", "websocket"},
        {"connection", "keep-alive, Upgrade"}, {"sec-websocket-key", "dGhlIHNhbXBsZSBub25jZQ=="},
        {"sec-websocket-version", "13"}, {"sec-websocket-protocol", "authorization, T"}};
    request.longestLine = 64;
    return request;
}

void setHeader(HttpRequest &request, const QByteArray &name, const QByteArray &value)
{
    request.headers.removeIf([&](const auto &header) { return header.first == name; });
    if (!value.isNull())
        request.headers.append(qMakePair(name, value));
}

} // namespace

class TestWebSocketUpgrader final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void checkRequest_data()
    {
        QTest::addColumn<QByteArray>("header");
        QTest::addColumn<QByteArray>("value"); // null: the header is removed
        QTest::addColumn<QString>("problem"); // empty: the request passes

        const QByteArray none;
        QTest::newRow("valid") << QByteArray("upgrade") << QByteArray("websocket") << QString();
        QTest::newRow("upgrade in capitals")
            << QByteArray("upgrade") << QByteArray("WebSocket") << QString();
        QTest::newRow("version list with 13")
            << QByteArray("sec-websocket-version") << QByteArray("13, 8") << QString();
        QTest::newRow("h2c, websocket") << QByteArray("upgrade") << QByteArray("h2c, websocket")
                                        << QStringLiteral("Upgrade must be exactly");
        QTest::newRow("no upgrade")
            << QByteArray("upgrade") << none << QStringLiteral("Upgrade must be exactly");
        QTest::newRow("no connection upgrade")
            << QByteArray("connection") << QByteArray("keep-alive")
            << QStringLiteral("Connection must list");
        QTest::newRow("no connection")
            << QByteArray("connection") << none << QStringLiteral("Connection must list");
        QTest::newRow("no key") << QByteArray("sec-websocket-key") << none
                                << QStringLiteral("Sec-WebSocket-Key");
        QTest::newRow("short key") << QByteArray("sec-websocket-key") << QByteArray("c2hvcnQ=")
                                   << QStringLiteral("16-byte");
        QTest::newRow("key not base64")
            << QByteArray("sec-websocket-key") << QByteArray("!!!!!!!!!!!!!!!!!!!!!!==")
            << QStringLiteral("16-byte");
        QTest::newRow("version 8") << QByteArray("sec-websocket-version") << QByteArray("8")
                                   << QStringLiteral("must be 13");
        QTest::newRow("version garbage") << QByteArray("sec-websocket-version")
                                         << QByteArray("13, x") << QStringLiteral("must be 13");
        QTest::newRow("no version")
            << QByteArray("sec-websocket-version") << none << QStringLiteral("must be 13");
        QTest::newRow("host with user")
            << QByteArray("host") << QByteArray("me@127.0.0.1") << QStringLiteral("user");
        QTest::newRow("no host") << QByteArray("host") << none << QStringLiteral("Host must");
    }

    void checkRequest()
    {
        QFETCH(QByteArray, header);
        QFETCH(QByteArray, value);
        QFETCH(QString, problem);
        HttpRequest request = upgradeRequest();
        setHeader(request, header, value);
        const auto checked = WebSocketUpgrader::checkRequest(request);
        if (problem.isEmpty()) {
            QVERIFY2(
                checked.has_value(), qPrintable(checked.has_value() ? QString() : checked.error()));
        } else {
            QVERIFY(!checked.has_value());
            QVERIFY2(checked.error().contains(problem), qPrintable(checked.error()));
        }
    }

    void checkRequestLine()
    {
        HttpRequest request = upgradeRequest();
        request.version = "HTTP/1.0";
        auto checked = WebSocketUpgrader::checkRequest(request);
        QVERIFY(!checked.has_value());
        QVERIFY(checked.error().contains(QStringLiteral("HTTP/1.1")));

        request = upgradeRequest();
        request.method = "POST";
        QVERIFY(!WebSocketUpgrader::checkRequest(request).has_value());

        // Qt's WebSocket server refuses a head with a line over 8 KiB.
        request = upgradeRequest();
        request.longestLine = WebSocketUpgrader::MaxUpgradeLineBytes;
        QVERIFY(WebSocketUpgrader::checkRequest(request).has_value());
        request.longestLine = WebSocketUpgrader::MaxUpgradeLineBytes + 1;
        checked = WebSocketUpgrader::checkRequest(request);
        QVERIFY(!checked.has_value());
        QVERIFY(checked.error().contains(QStringLiteral("exceeds")));

        request = upgradeRequest();
        request.headers.append(
            {QByteArray("upgrade"), QByteArray("h2c")}); // two Upgrade headers are a list of two
        QVERIFY(!WebSocketUpgrader::checkRequest(request).has_value());
    }

    // A socket handed over before its head arrived never hears from Qt again: the upgrader's own
    // deadline aborts it, and its pending entry and its place among the unauthenticated go.
    void handshakeDeadline()
    {
        EventLog log;
        SessionRegistry sessions(log);
        WebSocketUpgrader upgrader(sessions, log);
        upgrader.setHandshakeTimeout(400);
        UnauthenticatedConnections unauthenticated(10, 10);

        QTcpServer server;
        QVERIFY(server.listen(QHostAddress::LocalHost, 0));
        QTcpSocket client;
        client.connectToHost(QHostAddress::LocalHost, server.serverPort());
        QVERIFY(server.waitForNewConnection(5000));
        QTcpSocket *accepted = server.nextPendingConnection();
        QVERIFY(accepted);
        QTRY_COMPARE(client.state(), QAbstractSocket::ConnectedState);
        QCOMPARE(unauthenticated.admit(accepted), UnauthenticatedConnections::Refusal::None);
        QCOMPARE(unauthenticated.count(), 1);

        HttpRequest request = upgradeRequest();
        request.remoteAddress = accepted->peerAddress();
        request.remotePort = accepted->peerPort();
        HttpExchange exchange(request, accepted);
        bool made = false;
        upgrader.upgrade(exchange, QStringLiteral("did:plc:abc"), [&](QWebSocket *, quint64) {
            made = true;
            return nullptr;
        });
        QCOMPARE(upgrader.pendingCount(), 1);
        QTest::qWait(150);
        QCOMPARE(client.state(), QAbstractSocket::ConnectedState); // not before the deadline

        QTRY_COMPARE_WITH_TIMEOUT(client.state(), QAbstractSocket::UnconnectedState, 5000);
        QTRY_COMPARE(upgrader.pendingCount(), 0);
        QTRY_COMPARE(unauthenticated.count(), 0);
        QCOMPARE(unauthenticated.countFor(QHostAddress::LocalHost), 0);
        QVERIFY(!made);
    }

    // Hostile clients, item 11: the 429 for a DID at its connection cap quotes the DID as the
    // client spelled it (canonically). Chained arg() put the cap into every %2 of the DID too:
    // did:web:relay.example%2Fa came out as did:web:relay.example1Fa.
    void perDidRefusalQuotesDid_data()
    {
        QTest::addColumn<QString>("did");
        QTest::newRow("a did:web port (%3A)") << QStringLiteral("did:web:host.example%3A8080");
        QTest::newRow("an escaped slash (%2F)") << QStringLiteral("did:web:relay.example%2Fa");
        QTest::newRow("%21, %2F and %40 together")
            << QStringLiteral("did:web:a.example%3A1:x%21%2F%40y");
        QTest::newRow("a plain did:plc") << QStringLiteral("did:plc:ewvi7nxzyoun6zhxrhs64oiz");
    }

    void perDidRefusalQuotesDid()
    {
        QFETCH(QString, did);
        const auto canonical = Did::canonical(did);
        QVERIFY(canonical.has_value());
        QCOMPARE(*canonical, did); // as the routes hand it over

        EventLog log;
        SessionRegistry sessions(log);
        WebSocketUpgrader upgrader(sessions, log);
        upgrader.setConnectionLimits(100, 1);

        // One upgrade of `did` still in its handshake holds the DID's only place.
        QTcpServer server;
        QVERIFY(server.listen(QHostAddress::LocalHost, 0));
        QTcpSocket client;
        client.connectToHost(QHostAddress::LocalHost, server.serverPort());
        QVERIFY(server.waitForNewConnection(5000));
        QTcpSocket *accepted = server.nextPendingConnection();
        QVERIFY(accepted);
        HttpRequest first = upgradeRequest();
        first.remoteAddress = accepted->peerAddress();
        first.remotePort = accepted->peerPort();
        HttpExchange holding(first, accepted);
        upgrader.upgrade(holding, did, [](QWebSocket *, quint64) { return nullptr; });
        QCOMPARE(upgrader.pendingCount(), 1);

        HttpExchange second(upgradeRequest(), nullptr);
        HttpResponse answer;
        connect(&second, &HttpExchange::responded, this,
            [&](const HttpResponse &response) { answer = response; });
        QVERIFY(!upgrader.admit(second, did, {{QStringLiteral("did"), did}}));
        QCOMPARE(answer.status, 429);
        const QJsonObject body = QJsonDocument::fromJson(answer.body).object();
        QCOMPARE(
            body.value(QStringLiteral("error")).toString(), QStringLiteral("TooManyConnections"));
        QCOMPARE(body.value(QStringLiteral("message")).toString(),
            did + QStringLiteral(" already holds 1 connections"));
        const LogEntry entry = log.entries().constLast();
        QCOMPARE(
            entry.message, QStringLiteral("upgrade refused: per-DID connection limit reached"));
        QCOMPARE(entry.fields.value(0).second, did);

        client.abort();
        QTRY_COMPARE_WITH_TIMEOUT(upgrader.pendingCount(), 0, 5000);
    }

    void unauthenticatedCaps()
    {
        UnauthenticatedConnections unauthenticated(3, 2);
        QTcpServer server;
        QVERIFY(server.listen(QHostAddress::LocalHost, 0));
        std::vector<std::unique_ptr<QTcpSocket>> clients;
        QList<QTcpSocket *> accepted;
        for (int i = 0; i < 4; ++i) {
            clients.push_back(std::make_unique<QTcpSocket>());
            clients.back()->connectToHost(QHostAddress::LocalHost, server.serverPort());
            QVERIFY(server.waitForNewConnection(5000));
            accepted.append(server.nextPendingConnection());
        }
        QCOMPARE(unauthenticated.admit(accepted[0]), UnauthenticatedConnections::Refusal::None);
        QCOMPARE(unauthenticated.admit(accepted[1]), UnauthenticatedConnections::Refusal::None);
        QCOMPARE(
            unauthenticated.admit(accepted[2]), UnauthenticatedConnections::Refusal::PerAddress);
        QCOMPARE(unauthenticated.count(), 2);

        // Authenticated, a connection gives its place back at once, and only once.
        UnauthenticatedConnections::authenticated(accepted[0]);
        UnauthenticatedConnections::authenticated(accepted[0]);
        QCOMPARE(unauthenticated.count(), 1);
        QCOMPARE(unauthenticated.admit(accepted[2]), UnauthenticatedConnections::Refusal::None);
        delete accepted[0]; // authenticated: releases nothing more
        QCOMPARE(unauthenticated.count(), 2);
        delete accepted[1]; // gone unauthenticated: its place is free
        QCOMPARE(unauthenticated.count(), 1);
        QCOMPARE(unauthenticated.countFor(QHostAddress::LocalHost), 1);
        QCOMPARE(unauthenticated.admit(accepted[3]), UnauthenticatedConnections::Refusal::None);
        QCOMPARE(unauthenticated.count(), 2);
        // The total cap counts every address.
        UnauthenticatedConnections total(1, 5);
        QCOMPARE(total.admit(accepted[2]), UnauthenticatedConnections::Refusal::None);
        QCOMPARE(total.admit(accepted[3]), UnauthenticatedConnections::Refusal::Total);
        delete accepted[2];
        delete accepted[3];
        QCOMPARE(unauthenticated.count(), 0);
        QCOMPARE(total.count(), 0);
    }
};

QTEST_GUILESS_MAIN(TestWebSocketUpgrader)
#include "tst_websocketupgrader.moc"
