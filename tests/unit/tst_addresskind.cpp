// Which did:web hosts the resolver may ask: address kinds, and host names judged before a lookup.
#include "auth/AddressKind.h"

#include <QHostAddress>
#include <QTest>

using namespace canopy::auth;

class TestAddressKind final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void addresses_data()
    {
        QTest::addColumn<QString>("address");
        QTest::addColumn<QString>("kind");
        const QList<std::pair<const char *, const char *>> rows {
            {"8.8.8.8", "public"},
            {"1.1.1.1", "public"},
            {"172.15.255.255", "public"},
            {"172.32.0.0", "public"},
            {"100.63.255.255", "public"},
            {"127.0.0.1", "loopback"},
            {"127.255.0.9", "loopback"},
            {"10.0.0.1", "private"},
            {"172.16.0.1", "private"},
            {"172.31.255.254", "private"},
            {"192.168.1.1", "private"},
            {"100.64.0.1", "private"},
            {"198.18.0.1", "private"},
            {"169.254.169.254", "link-local"},
            {"0.0.0.0", "unspecified"},
            {"0.1.2.3", "unspecified"},
            {"224.0.0.1", "unroutable"},
            {"255.255.255.255", "unroutable"},
            {"240.0.0.1", "unroutable"},
            {"192.0.2.1", "unroutable"},
            {"2606:4700:4700::1111", "public"},
            {"::1", "loopback"},
            {"::", "unspecified"},
            {"::ffff:127.0.0.1", "loopback"},
            {"::ffff:10.1.2.3", "private"},
            {"::ffff:8.8.8.8", "public"},
            {"::127.0.0.1", "loopback"},
            {"64:ff9b::a00:1", "private"},
            {"64:ff9b::808:808", "public"},
            {"2002:7f00:1::1", "loopback"},
            {"2002:808:808::1", "public"},
            {"fc00::1", "private"},
            {"fd12:3456::1", "private"},
            {"fec0::1", "private"},
            {"fe80::1", "link-local"},
            {"fe80::1%1", "link-local"},
            {"ff02::1", "unroutable"},
            {"2001:db8::1", "unroutable"},
            {"100::1", "unroutable"},
        };
        for (const auto &[address, kind] : rows)
            QTest::newRow(address) << QString::fromLatin1(address) << QString::fromLatin1(kind);
    }

    void addresses()
    {
        QFETCH(QString, address);
        QFETCH(QString, kind);
        const QHostAddress parsed(address);
        QVERIFY2(!parsed.isNull(), qPrintable(address));
        QCOMPARE(addressKindName(addressKind(parsed)), kind);
    }

    void hostNames_data()
    {
        QTest::addColumn<QString>("host");
        QTest::addColumn<QString>("kind"); // empty: only a lookup can tell
        QTest::newRow("name") << QStringLiteral("example.com") << QString();
        QTest::newRow("name with dot") << QStringLiteral("example.com.") << QString();
        QTest::newRow("localhost") << QStringLiteral("localhost") << QStringLiteral("loopback");
        QTest::newRow("LOCALHOST") << QStringLiteral("LOCALHOST") << QStringLiteral("loopback");
        QTest::newRow("localhost.") << QStringLiteral("localhost.") << QStringLiteral("loopback");
        QTest::newRow("under .localhost")
            << QStringLiteral("a.b.localhost") << QStringLiteral("loopback");
        QTest::newRow("notlocalhost") << QStringLiteral("notlocalhost") << QString();
        QTest::newRow("localhost.example") << QStringLiteral("localhost.example") << QString();
        QTest::newRow("v4") << QStringLiteral("127.0.0.1") << QStringLiteral("loopback");
        QTest::newRow("v4 with dot") << QStringLiteral("127.0.0.1.") << QStringLiteral("loopback");
        QTest::newRow("private v4") << QStringLiteral("10.0.0.1") << QStringLiteral("private");
        QTest::newRow("public v4") << QStringLiteral("93.184.216.34") << QStringLiteral("public");
        QTest::newRow("v6") << QStringLiteral("::1") << QStringLiteral("loopback");
        QTest::newRow("mapped v6")
            << QStringLiteral("::ffff:192.168.0.1") << QStringLiteral("private");
    }

    void hostNames()
    {
        QFETCH(QString, host);
        QFETCH(QString, kind);
        const auto judged = hostNameKind(host);
        QCOMPARE(judged ? addressKindName(*judged) : QString(), kind);
    }

    void localKinds()
    {
        QVERIFY(!isLocal(AddressKind::Public));
        QVERIFY(isLocal(AddressKind::Loopback));
        QVERIFY(isLocal(AddressKind::Private));
        QVERIFY(isLocal(AddressKind::LinkLocal));
        QVERIFY(isLocal(AddressKind::Unspecified));
        QVERIFY(!isLocal(AddressKind::Unroutable));
    }
};

QTEST_GUILESS_MAIN(TestAddressKind)
#include "tst_addresskind.moc"
