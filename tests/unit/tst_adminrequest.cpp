// The admin API's request bodies: every malformed one is refused with a specific message.
#include "admin/AdminRequest.h"

#include <QTest>

using namespace canopy;

class TestAdminRequest final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void ban_data()
    {
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<QString>("error"); // a fragment of the message; empty when accepted
        QTest::newRow("did only") << QByteArray("{\"did\":\"did:plc:abc\"}") << QString();
        QTest::newRow("all fields") << QByteArray(
            "{\"did\":\"did:plc:abc\",\"reason\":\"spam\",\"until\":\"2030-01-02T03:04:05.678Z\"}")
                                    << QString();
        QTest::newRow("nulls") << QByteArray(
            "{\"did\":\"did:plc:abc\",\"reason\":null,\"until\":null}")
                               << QString();
        QTest::newRow("empty body") << QByteArray() << QStringLiteral("not JSON");
        QTest::newRow("truncated") << QByteArray("{\"did\":\"did:pl") << QStringLiteral("not JSON");
        QTest::newRow("array") << QByteArray("[\"did:plc:abc\"]")
                               << QStringLiteral("not a JSON object");
        QTest::newRow("no did") << QByteArray("{\"reason\":\"x\"}") << QStringLiteral("'did'");
        QTest::newRow("did a number") << QByteArray("{\"did\":7}") << QStringLiteral("'did'");
        QTest::newRow("reason an object")
            << QByteArray("{\"did\":\"did:plc:abc\",\"reason\":{}}") << QStringLiteral("'reason'");
        QTest::newRow("until not a time")
            << QByteArray("{\"did\":\"did:plc:abc\",\"until\":\"tomorrow\"}")
            << QStringLiteral("'until'");
        QTest::newRow("until a number")
            << QByteArray("{\"did\":\"did:plc:abc\",\"until\":1700000000}")
            << QStringLiteral("'until'");
    }

    void ban()
    {
        QFETCH(QByteArray, body);
        QFETCH(QString, error);
        const auto parsed = parseBanRequest(body);
        if (error.isEmpty()) {
            QVERIFY2(parsed.has_value(), parsed ? "" : qPrintable(parsed.error().message));
            QCOMPARE(parsed->did, QStringLiteral("did:plc:abc"));
            return;
        }
        QVERIFY(!parsed.has_value());
        QCOMPARE(parsed.error().code, AdminError::Code::BadRequest);
        QVERIFY2(parsed.error().message.contains(error), qPrintable(parsed.error().message));
    }

    void banFields()
    {
        const auto parsed = parseBanRequest("{\"did\":\"did:web:a.example\",\"reason\":\"spam\","
                                            "\"until\":\"2030-01-02T03:04:05.678Z\"}");
        QVERIFY(parsed.has_value());
        QCOMPARE(parsed->reason, QStringLiteral("spam"));
        QCOMPARE(parsed->until.toUTC(), QDateTime(QDate(2030, 1, 2), QTime(3, 4, 5, 678), Qt::UTC));
        QVERIFY(!parseBanRequest("{\"did\":\"did:web:a.example\"}")->until.isValid());
    }

    void issueToken()
    {
        QCOMPARE(parseIssueTokenRequest("{\"did\":\"did:plc:abc\"}")->did,
            QStringLiteral("did:plc:abc"));
        const auto noDid = parseIssueTokenRequest("{\"did\":null}");
        QVERIFY(!noDid.has_value());
        QVERIFY(noDid.error().message.contains(QStringLiteral("'did' must be a string")));
        const auto notJson = parseIssueTokenRequest("did=did:plc:abc");
        QVERIFY(!notJson.has_value());
        QVERIFY(notJson.error().message.startsWith(QStringLiteral("the body is not JSON: ")));
    }
};

QTEST_GUILESS_MAIN(TestAdminRequest)
#include "tst_adminrequest.moc"
