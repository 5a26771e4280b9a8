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

    // Access control bodies (issue 11): each refusal names the field.
    void accessBodies_data()
    {
        QTest::addColumn<QString>("parser"); // member, access, key
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<QString>("error"); // a fragment of the message; empty when accepted
        QTest::newRow("member") << "member" << QByteArray(R"({"did":"did:plc:abc","note":"x"})")
                                << QString();
        QTest::newRow("member, no note")
            << "member" << QByteArray(R"({"did":"did:plc:abc"})") << QString();
        QTest::newRow("member, null note")
            << "member" << QByteArray(R"({"did":"did:plc:abc","note":null})") << QString();
        QTest::newRow("member, no did")
            << "member" << QByteArray(R"({"note":"x"})") << QStringLiteral("'did'");
        QTest::newRow("member, note a number")
            << "member" << QByteArray(R"({"did":"did:plc:abc","note":3})")
            << QStringLiteral("'note'");
        QTest::newRow("member, not JSON")
            << "member" << QByteArray("did:plc:abc") << QStringLiteral("not JSON");
        QTest::newRow("access")
            << "access"
            << QByteArray(
                   R"({"owner":"did:plc:abc","default":"read","grants":[{"identity":"key:k","permission":"write"}]})")
            << QString();
        QTest::newRow("access, null owner")
            << "access" << QByteArray(R"({"owner":null,"default":"none","grants":[]})")
            << QString();
        QTest::newRow("access, no default")
            << "access" << QByteArray(R"({"grants":[]})") << QStringLiteral("'default'");
        QTest::newRow("access, no grants")
            << "access" << QByteArray(R"({"default":"read"})") << QStringLiteral("'grants'");
        QTest::newRow("access, grants an object")
            << "access" << QByteArray(R"({"default":"read","grants":{}})")
            << QStringLiteral("'grants'");
        QTest::newRow("access, a grant a string")
            << "access" << QByteArray(R"({"default":"read","grants":["did:plc:abc"]})")
            << QStringLiteral("'grants[0]'");
        QTest::newRow("access, a grant without identity")
            << "access"
            << QByteArray(
                   R"({"default":"read","grants":[{"identity":"key:a","permission":"read"},{"permission":"read"}]})")
            << QStringLiteral("'grants[1].identity'");
        QTest::newRow("access, a grant's permission a number")
            << "access"
            << QByteArray(R"({"default":"read","grants":[{"identity":"key:a","permission":2}]})")
            << QStringLiteral("'grants[0].permission'");
        QTest::newRow("access, owner a number")
            << "access" << QByteArray(R"({"owner":1,"default":"read","grants":[]})")
            << QStringLiteral("'owner'");
        QTest::newRow("key")
            << "key"
            << QByteArray(
                   R"({"name":"ci","scope":"leaf:*","permission":"read","expiresAt":"2030-01-02T03:04:05Z"})")
            << QString();
        QTest::newRow("key, never expires")
            << "key" << QByteArray(R"({"name":"ci","scope":"*","permission":"write"})")
            << QString();
        QTest::newRow("key, an offset")
            << "key"
            << QByteArray(
                   R"({"name":"ci","scope":"*","permission":"write","expiresAt":"2030-01-02T05:04:05+02:00"})")
            << QString();
        QTest::newRow("key, no name")
            << "key" << QByteArray(R"({"scope":"*","permission":"write"})")
            << QStringLiteral("'name'");
        QTest::newRow("key, no scope")
            << "key" << QByteArray(R"({"name":"ci","permission":"write"})")
            << QStringLiteral("'scope'");
        QTest::newRow("key, no permission") << "key" << QByteArray(R"({"name":"ci","scope":"*"})")
                                            << QStringLiteral("'permission'");
        QTest::newRow("key, local time")
            << "key"
            << QByteArray(
                   R"({"name":"ci","scope":"*","permission":"read","expiresAt":"2030-01-02T03:04:05"})")
            << QStringLiteral("'expiresAt'");
        QTest::newRow("key, not a time")
            << "key"
            << QByteArray(R"({"name":"ci","scope":"*","permission":"read","expiresAt":"soon"})")
            << QStringLiteral("'expiresAt'");
        QTest::newRow("key, a number")
            << "key"
            << QByteArray(R"({"name":"ci","scope":"*","permission":"read","expiresAt":1900000000})")
            << QStringLiteral("'expiresAt'");
    }

    void accessBodies()
    {
        QFETCH(QString, parser);
        QFETCH(QByteArray, body);
        QFETCH(QString, error);
        std::optional<AdminError> refused;
        if (parser == u"member") {
            if (auto parsed = parseMemberRequest(body); !parsed)
                refused = parsed.error();
        } else if (parser == u"access") {
            if (auto parsed = parseDocumentAccessRequest(body); !parsed)
                refused = parsed.error();
        } else if (auto parsed = parseIssueKeyRequest(body); !parsed) {
            refused = parsed.error();
        }
        if (error.isEmpty()) {
            QVERIFY2(!refused, refused ? qPrintable(refused->message) : "");
            return;
        }
        QVERIFY(refused);
        QCOMPARE(refused->code, AdminError::Code::BadRequest);
        QVERIFY2(refused->message.contains(error), qPrintable(refused->message));
    }

    void accessFields()
    {
        const auto access = parseDocumentAccessRequest(
            R"({"owner":"did:plc:abc","default":"read","grants":[{"identity":"key:k","permission":"write"}]})");
        QVERIFY(access.has_value());
        QCOMPARE(access->owner, QStringLiteral("did:plc:abc"));
        QCOMPARE(access->defaultAccess, QStringLiteral("read"));
        QCOMPARE(access->grants.size(), 1);
        QCOMPARE(access->grants[0].identity, QStringLiteral("key:k"));
        QCOMPARE(access->grants[0].permission, QStringLiteral("write"));
        QVERIFY(parseDocumentAccessRequest(R"({"default":"read","grants":[]})")->owner.isEmpty());
        const auto member = parseMemberRequest(R"({"did":"did:plc:abc","note":"team"})");
        QCOMPARE(member->note, QStringLiteral("team"));
        // An expiry given with an offset is the same instant in UTC.
        const auto key = parseIssueKeyRequest(
            R"({"name":"ci","scope":"*","permission":"write","expiresAt":"2030-01-02T05:04:05+02:00"})");
        QVERIFY(key.has_value());
        QCOMPARE(key->expiresAt.timeSpec(), Qt::UTC);
        QCOMPARE(key->expiresAt, QDateTime(QDate(2030, 1, 2), QTime(3, 4, 5), Qt::UTC));
        QVERIFY(!parseIssueKeyRequest(R"({"name":"ci","scope":"*","permission":"write"})")
                     ->expiresAt.isValid());
    }
};

QTEST_GUILESS_MAIN(TestAdminRequest)
#include "tst_adminrequest.moc"
