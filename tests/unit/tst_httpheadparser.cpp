#include "http/HttpHeadParser.h"

#include <limits>

#include <QTest>

using namespace canopy;

class TestHttpHeadParser final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void headLength_data()
    {
        QTest::addColumn<QByteArray>("buffered");
        QTest::addColumn<qsizetype>("expected");
        QTest::newRow("incomplete") << QByteArray("GET / HTTP/1.1\r\nHost: x\r\n") << qsizetype(0);
        QTest::newRow("complete") << QByteArray("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
                                  << qsizetype(27);
        QTest::newRow("complete with body after")
            << QByteArray("GET / HTTP/1.1\r\nHost: x\r\n\r\nbody") << qsizetype(27);
        QTest::newRow("incomplete over 16 KiB")
            << QByteArray("GET / HTTP/1.1\r\nX: ") + QByteArray(17000, 'a') << qsizetype(-1);
        QTest::newRow("complete over 16 KiB")
            << QByteArray("GET / HTTP/1.1\r\nX: ") + QByteArray(17000, 'a') + "\r\n\r\n"
            << qsizetype(-1);
        QTest::newRow("exactly 16 KiB")
            << QByteArray("GET / HTTP/1.1\r\nX: ") + QByteArray(16384 - 19 - 4, 'a') + "\r\n\r\n"
            << qsizetype(16384);
    }

    void headLength()
    {
        QFETCH(QByteArray, buffered);
        QFETCH(qsizetype, expected);
        QCOMPARE(HttpHeadParser::headLength(buffered), expected);
    }

    void parse_data()
    {
        QTest::addColumn<QByteArray>("head");
        QTest::addColumn<int>("status"); // 0 = parses
        QTest::newRow("simple") << QByteArray("GET /xrpc/_health HTTP/1.1\r\nHost: a\r\n\r\n") << 0;
        QTest::newRow("http/1.0 without host") << QByteArray("GET / HTTP/1.0\r\n\r\n") << 0;
        QTest::newRow("1.1 without host") << QByteArray("GET / HTTP/1.1\r\n\r\n") << 400;
        QTest::newRow("garbage") << QByteArray("hello there\r\n\r\n") << 400;
        QTest::newRow("bare LF") << QByteArray("GET / HTTP/1.1\nHost: a\r\n\r\n") << 400;
        QTest::newRow("two spaces") << QByteArray("GET  / HTTP/1.1\r\nHost: a\r\n\r\n") << 400;
        QTest::newRow("absolute form")
            << QByteArray("GET http://a/ HTTP/1.1\r\nHost: a\r\n\r\n") << 400;
        QTest::newRow("HTTP/2.0") << QByteArray("GET / HTTP/2.0\r\nHost: a\r\n\r\n") << 400;
        QTest::newRow("space in field name")
            << QByteArray("GET / HTTP/1.1\r\nHo st: a\r\n\r\n") << 400;
        QTest::newRow("no colon") << QByteArray("GET / HTTP/1.1\r\nHost a\r\n\r\n") << 400;
        QTest::newRow("control char in value")
            << QByteArray("GET / HTTP/1.1\r\nHost: a\x01\r\n\r\n") << 400;
        QTest::newRow("NUL in target") << QByteArray("GET /a\0b HTTP/1.1\r\nHost: a\r\n\r\n",
            sizeof("GET /a\0b HTTP/1.1\r\nHost: a\r\n\r\n") - 1)
                                       << 400;
        QTest::newRow("method not a token")
            << QByteArray("G(T / HTTP/1.1\r\nHost: a\r\n\r\n") << 400;
        QByteArray many("GET / HTTP/1.1\r\nHost: a\r\n");
        for (int i = 0; i < 101; ++i)
            many += "X-" + QByteArray::number(i) + ": 1\r\n";
        QTest::newRow("101 headers") << many + "\r\n" << 431;
        QTest::newRow("over 16 KiB")
            << QByteArray("GET / HTTP/1.1\r\nHost: ") + QByteArray(17000, 'a') + "\r\n\r\n"
            << 431;
    }

    void parse()
    {
        QFETCH(QByteArray, head);
        QFETCH(int, status);
        const auto parsed = HttpHeadParser::parse(head);
        if (status == 0) {
            QVERIFY2(parsed.has_value(), parsed ? "" : qPrintable(parsed.error().message));
        } else {
            QVERIFY(!parsed.has_value());
            QCOMPARE(parsed.error().status, status);
            QVERIFY(!parsed.error().message.isEmpty());
        }
    }

    // Content-Length = 1*DIGIT, one optional space after the colon and nothing else; repeated
    // with one value it is that value (RFC 9110 8.6 allows this), with two values refused.
    void contentLength_data()
    {
        QTest::addColumn<QByteArray>("fields");
        QTest::addColumn<qint64>("expected"); // -2: refused with 400
        QTest::newRow("absent") << QByteArray() << qint64(-1);
        QTest::newRow("26") << QByteArray("Content-Length: 26\r\n") << qint64(26);
        QTest::newRow("no space") << QByteArray("Content-Length:26\r\n") << qint64(26);
        QTest::newRow("zero") << QByteArray("Content-Length: 0\r\n") << qint64(0);
        QTest::newRow("leading zeros") << QByteArray("Content-Length: 0026\r\n") << qint64(26);
        QTest::newRow("name in any case") << QByteArray("content-LENGTH: 5\r\n") << qint64(5);
        QTest::newRow("identical duplicates")
            << QByteArray("Content-Length: 26\r\nContent-Length: 26\r\n") << qint64(26);
        QTest::newRow("huge saturates")
            << QByteArray("Content-Length: 99999999999999999999999999\r\n")
            << std::numeric_limits<qint64>::max();
        QTest::newRow("different duplicates")
            << QByteArray("Content-Length: 26\r\nContent-Length: 27\r\n") << qint64(-2);
        QTest::newRow("duplicates apart")
            << QByteArray("Content-Length: 5\r\nX-A: b\r\ncontent-length: 50\r\n") << qint64(-2);
        for (const char *bad : {"+26", "-1", "0x1a", " 26 ", "  26", "26 ", "\t26", "26, 26",
                 "26,26", "2 6", "", " ", "1e3", "26.0", "twenty-six", "\xd9\xa2"}) {
            QTest::addRow("\"%s\"", bad) << QByteArray("Content-Length:")
                    + (QByteArray(bad).startsWith(' ') ? "" : " ") + bad
                    + "\r\n" << qint64(-2);
        }
    }

    void contentLength()
    {
        QFETCH(QByteArray, fields);
        QFETCH(qint64, expected);
        const QByteArray head = "POST /admin/bans HTTP/1.1\r\nHost: a\r\n" + fields + "\r\n";
        const auto parsed = HttpHeadParser::parse(head);
        if (expected == -2) {
            QVERIFY2(!parsed, parsed ? "parsed" : "");
            QCOMPARE(parsed.error().status, 400);
            QVERIFY2(parsed.error().message.contains(QStringLiteral("Content-Length")),
                qPrintable(parsed.error().message));
            return;
        }
        QVERIFY2(parsed, parsed ? "" : qPrintable(parsed.error().message));
        QCOMPARE(parsed->contentLength, expected);
    }

    void fields()
    {
        const auto parsed
            = HttpHeadParser::parse("GET /sync/as/did%3Aplc%3Aabc?x=1&y=two HTTP/1.1\r\n"
                                    "Host: localhost\r\n"
                                    "Upgrade: WebSocket\r\n"
                                    "Connection: keep-alive, Upgrade\r\n"
                                    "Sec-WebSocket-Protocol:   authorization,TOKEN  \r\n\r\n");
        QVERIFY(parsed.has_value());
        QCOMPARE(parsed->method, QByteArray("GET"));
        QCOMPARE(parsed->path, QStringLiteral("/sync/as/did:plc:abc"));
        QCOMPARE(parsed->rawPath, QStringLiteral("/sync/as/did%3Aplc%3Aabc"));
        QCOMPARE(parsed->query.queryItemValue(QStringLiteral("y")), QStringLiteral("two"));
        QCOMPARE(parsed->header("sec-websocket-protocol"), QByteArray("authorization,TOKEN"));
        QVERIFY(parsed->isWebSocketUpgrade());
        QVERIFY(parsed->headerHasToken("connection", "upgrade"));
        QVERIFY(!parsed->hasHeader("authorization"));
    }
};

QTEST_GUILESS_MAIN(TestHttpHeadParser)
#include "tst_httpheadparser.moc"
