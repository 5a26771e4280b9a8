// Access rules (server/access/AccessRules): who may connect, read and write a document, and the
// `why` naming the rule that decided, one table row per rule and per edge of it.
#include "access/AccessRules.h"

#include <QTest>

using namespace canopy;

namespace {

const QString kAlice = QStringLiteral("did:plc:alice");
const QString kBob = QStringLiteral("did:plc:bob");
const QString kDoc = QStringLiteral("leaf:") + QString(52, u'a');

// "identity=permission,..." -> grants
QList<DocumentGrant> grantsOf(const QString &spec)
{
    QList<DocumentGrant> grants;
    for (const QString &item : spec.split(u',', Qt::SkipEmptyParts)) {
        const QStringList parts = item.split(u'=');
        grants.append(DocumentGrant {parts[0], *parsePermission(parts[1])});
    }
    return grants;
}

} // namespace

class TestAccessRules final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void decide_data()
    {
        QTest::addColumn<QString>("identity");
        QTest::addColumn<QString>("document");
        QTest::addColumn<bool>("members"); // --access members
        QTest::addColumn<QString>("newDefault"); // --document-access
        QTest::addColumn<QString>("ban"); // "-": not banned; else the reason
        QTest::addColumn<bool>("member");
        QTest::addColumn<QString>("key"); // "-": no key; else "scope|permission|expires in s"
        QTest::addColumn<QString>("access"); // "-": not created; else "owner|default|grants"
        QTest::addColumn<QString>("expected"); // connect, read, write as "crw" / "c--" / "---"
        QTest::addColumn<QString>("rule"); // the why's leading rule name
        QTest::addColumn<QString>("fragment"); // and something it must say

        const QString open = QStringLiteral("write");
        const QString doc = QStringLiteral("%1|write|").arg(kAlice); // owner alice, default write

        // Bans win over everything: membership, ownership, keys.
        QTest::newRow("banned owner") << kAlice << kDoc << false << open << QStringLiteral("spam")
                                      << true << "-" << doc << "---"
                                      << "banned"
                                      << "(spam)";
        QTest::newRow("banned, no reason")
            << kBob << kDoc << false << open << QString() << false << "-" << doc << "---"
            << "banned"
            << "is banned";
        QTest::newRow("banned key") << "key:ci" << kDoc << false << open << QStringLiteral("leak")
                                    << false << "*|write|0" << doc << "---"
                                    << "banned"
                                    << "key:ci";

        // Keys: exist, live, in scope -> their permission, whatever the document says.
        QTest::newRow("unknown key")
            << "key:ghost" << kDoc << false << open << "-" << false << "-" << doc << "---"
            << "unknown-key"
            << "'ghost'";
        QTest::newRow("expired key")
            << "key:ci" << kDoc << false << open << "-" << false << "*|write|-10" << doc << "---"
            << "key-expired"
            << "expired at";
        QTest::newRow("key expiring now")
            << "key:ci" << kDoc << false << open << "-" << false << "*|write|-0" << doc << "---"
            << "key-expired"
            << "'ci'";
        QTest::newRow("write key, exact scope")
            << "key:ci" << kDoc << false << open << "-" << false
            << QString(kDoc + QStringLiteral("|write|3600")) << doc << "crw"
            << "key-scope"
            << "gives write";
        QTest::newRow("read key, prefix scope")
            << "key:ci" << kDoc << false << open << "-" << false << "leaf:*|read|0" << doc << "cr-"
            << "key-scope"
            << "'leaf:*'";
        QTest::newRow("key outside an exact scope")
            << "key:ci" << kDoc << false << open << "-" << false << "leaf:b|write|0" << doc << "c--"
            << "key-out-of-scope"
            << "outside the scope 'leaf:b' of access key 'ci'";
        QTest::newRow("key outside a prefix scope")
            << "key:ci"
            << "room-1" << false << open << "-" << false << "leaf:*|write|0" << doc << "c--"
            << "key-out-of-scope"
            << "'room-1'";
        QTest::newRow("read key over default none and a write grant")
            << "key:ci" << kDoc << false << open << "-" << false << "*|read|0"
            << QStringLiteral("%1|none|key:ci=write").arg(kAlice) << "cr-"
            << "key-scope"
            << "gives read";
        QTest::newRow("read key named owner")
            << "key:ci" << kDoc << false << open << "-" << false << "*|read|0"
            << "key:ci|write|"
            << "cr-"
            << "key-scope"
            << "gives read";
        QTest::newRow("write key creates in scope") << "key:ci"
                                                    << "room-1" << false << "none"
                                                    << "-" << false << "room-*|write|0"
                                                    << "-"
                                                    << "crw"
                                                    << "key-scope"
                                                    << "gives write";
        QTest::newRow("read key cannot create")
            << "key:ci"
            << "room-1" << false << open << "-" << false << "room-*|read|0"
            << "-"
            << "cr-"
            << "key-scope"
            << "gives read";
        QTest::newRow("key outside scope cannot create")
            << "key:ci"
            << "room-1" << false << open << "-" << false << "leaf:*|write|0"
            << "-"
            << "c--"
            << "key-out-of-scope"
            << "'room-1'";
        QTest::newRow("key in members mode is no member")
            << "key:ci" << kDoc << true << open << "-" << false << "*|write|0" << doc << "crw"
            << "key-scope"
            << "'*'";

        // DIDs: the owner writes; else the stronger of default and grant.
        QTest::newRow("owner over default none")
            << kAlice << kDoc << false << open << "-" << false << "-"
            << QStringLiteral("%1|none|").arg(kAlice) << "crw"
            << "owner"
            << "did:plc:alice owns";
        QTest::newRow("default write")
            << kBob << kDoc << false << open << "-" << false << "-" << doc << "crw"
            << "default"
            << "is write";
        QTest::newRow("default read") << kBob << kDoc << false << open << "-" << false << "-"
                                      << QStringLiteral("%1|read|").arg(kAlice) << "cr-"
                                      << "default"
                                      << "is read";
        QTest::newRow("default none") << kBob << kDoc << false << open << "-" << false << "-"
                                      << QStringLiteral("%1|none|").arg(kAlice) << "c--"
                                      << "default"
                                      << "is none";
        QTest::newRow("write grant over default read")
            << kBob << kDoc << false << open << "-" << false << "-"
            << QStringLiteral("%1|read|%2=write").arg(kAlice, kBob) << "crw"
            << "grant"
            << "granted write";
        QTest::newRow("read grant over default none")
            << kBob << kDoc << false << open << "-" << false << "-"
            << QStringLiteral("%1|none|%2=read").arg(kAlice, kBob) << "cr-"
            << "grant"
            << "the default is none";
        QTest::newRow("read grant under default write")
            << kBob << kDoc << false << open << "-" << false << "-"
            << QStringLiteral("%1|write|%2=read").arg(kAlice, kBob) << "crw"
            << "default"
            << "adds nothing";
        QTest::newRow("someone else's grant")
            << kBob << kDoc << false << open << "-" << false << "-"
            << QStringLiteral("%1|none|did:plc:carol=write").arg(kAlice) << "c--"
            << "default"
            << "is none";
        QTest::newRow("no owner recorded") << kBob << kDoc << false << open << "-" << false << "-"
                                           << "|read|"
                                           << "cr-"
                                           << "default"
                                           << "is read";
        QTest::newRow("a key's grant is not a DID's")
            << kBob << kDoc << false << open << "-" << false << "-"
            << QStringLiteral("%1|none|key:bob=write").arg(kAlice) << "c--"
            << "default"
            << "is none";

        // Not created yet: whoever may connect creates it and owns it.
        QTest::newRow("new document") << kBob << kDoc << false << open << "-" << false << "-"
                                      << "-"
                                      << "crw"
                                      << "new-document"
                                      << "would own it";
        QTest::newRow("new document under --document-access none")
            << kBob << kDoc << false << "none"
            << "-" << false << "-"
            << "-"
            << "crw"
            << "new-document"
            << "the default none";

        // Members mode: only members connect; a non-member's document rights are still given
        // (the dev token acts as it).
        QTest::newRow("member") << kBob << kDoc << true << open << "-" << true << "-"
                                << QStringLiteral("%1|read|").arg(kAlice) << "cr-"
                                << "default"
                                << "is read";
        QTest::newRow("member creates") << kBob << kDoc << true << open << "-" << true << "-"
                                        << "-"
                                        << "crw"
                                        << "new-document"
                                        << "did:plc:bob may create";
        QTest::newRow("non-member")
            << kBob << kDoc << true << open << "-" << false << "-" << doc << "-rw"
            << "not-a-member"
            << "not on the member list";
        QTest::newRow("non-member owner") << kAlice << kDoc << true << open << "-" << false << "-"
                                          << QStringLiteral("%1|none|").arg(kAlice) << "-rw"
                                          << "not-a-member"
                                          << "owner:";
        QTest::newRow("non-member, default none")
            << kBob << kDoc << true << open << "-" << false << "-"
            << QStringLiteral("%1|none|").arg(kAlice) << "---"
            << "not-a-member"
            << "default:";
        QTest::newRow("non-member, new document")
            << kBob << kDoc << true << "none"
            << "-" << false << "-"
            << "-"
            << "-rw"
            << "not-a-member"
            << "would own it (others would get the default none)";
        QTest::newRow("open mode ignores the list")
            << kBob << kDoc << false << open << "-" << false << "-" << doc << "crw"
            << "default"
            << "is write";
    }

    void decide()
    {
        QFETCH(QString, identity);
        QFETCH(QString, document);
        QFETCH(bool, members);
        QFETCH(QString, newDefault);
        QFETCH(QString, ban);
        QFETCH(bool, member);
        QFETCH(QString, key);
        QFETCH(QString, access);
        QFETCH(QString, expected);
        QFETCH(QString, rule);
        QFETCH(QString, fragment);

        const QDateTime now = QDateTime::fromMSecsSinceEpoch(1900000000000, Qt::UTC);
        AccessFacts facts;
        facts.identity = identity;
        facts.document = document;
        facts.mode = members ? AccessMode::Members : AccessMode::Open;
        facts.newDocumentDefault = *parsePermission(newDefault);
        if (ban != u"-")
            facts.banReason = ban;
        facts.member = member;
        facts.now = now;
        AccessKey accessKey;
        if (key != u"-") {
            const QStringList parts = key.split(u'|');
            accessKey.name = identity.mid(4);
            accessKey.scope = parts[0];
            accessKey.permission = *parsePermission(parts[1]);
            if (parts[2] != u"0")
                accessKey.expiresAt = now.addSecs(parts[2].toInt());
            facts.key = &accessKey;
        }
        DocumentAccess record;
        if (access != u"-") {
            const QStringList parts = access.split(u'|');
            record.owner = parts[0];
            record.defaultAccess = *parsePermission(parts[1]);
            record.grants = grantsOf(parts[2]);
            facts.access = &record;
        }

        const AccessDecision decision = AccessRules::decide(facts);
        QString got = QStringLiteral("---");
        if (decision.connect)
            got[0] = u'c';
        if (decision.read)
            got[1] = u'r';
        if (decision.write)
            got[2] = u'w';
        QVERIFY2(got == expected, qPrintable(got + QStringLiteral(" ; ") + decision.why));
        QVERIFY2(decision.why.startsWith(rule + QStringLiteral(": ")), qPrintable(decision.why));
        QVERIFY2(decision.why.contains(fragment), qPrintable(decision.why));
        QCOMPARE(decision.permission(),
            decision.write      ? Permission::Write
                : decision.read ? Permission::Read
                                : Permission::None);
    }

    // The why names who and what it is about.
    void whyNamesIdentityAndDocument()
    {
        DocumentAccess record {kAlice, Permission::Read, {}};
        AccessFacts facts;
        facts.identity = kBob;
        facts.document = QStringLiteral("room-7");
        facts.access = &record;
        facts.now = QDateTime::currentDateTimeUtc();
        const AccessDecision decision = AccessRules::decide(facts);
        QVERIFY(decision.why.contains(QStringLiteral("'room-7'")));
        facts.access = nullptr;
        QVERIFY(AccessRules::decide(facts).why.contains(kBob));
    }

    void inScope_data()
    {
        QTest::addColumn<QString>("scope");
        QTest::addColumn<QString>("document");
        QTest::addColumn<bool>("in");
        QTest::newRow("exact") << "room-1"
                               << "room-1" << true;
        QTest::newRow("exact, longer id") << "room-1"
                                          << "room-10" << false;
        QTest::newRow("exact, shorter id") << "room-10"
                                           << "room-1" << false;
        QTest::newRow("prefix") << "room-*"
                                << "room-10" << true;
        QTest::newRow("prefix, the bare prefix") << "room-*"
                                                 << "room-" << true;
        QTest::newRow("prefix, other") << "room-*"
                                       << "roo" << false;
        QTest::newRow("everything") << "*"
                                    << "leaf:abc" << true;
        QTest::newRow("a star inside is literal") << "a*b"
                                                  << "axxb" << false;
        QTest::newRow("a star inside, exact") << "a*b"
                                              << "a*b" << true;
        QTest::newRow("case matters") << "Room-*"
                                      << "room-1" << false;
    }

    void inScope()
    {
        QFETCH(QString, scope);
        QFETCH(QString, document);
        QFETCH(bool, in);
        QCOMPARE(AccessRules::inScope(scope, document), in);
    }

    void validScope_data()
    {
        QTest::addColumn<QString>("scope");
        QTest::addColumn<bool>("valid");
        QTest::newRow("exact") << "room-1" << true;
        QTest::newRow("prefix") << "leaf:*" << true;
        QTest::newRow("everything") << "*" << true;
        QTest::newRow("empty") << "" << false;
        QTest::newRow("128 bytes") << QString(128, u'x') << true;
        QTest::newRow("129 bytes") << QString(129, u'x') << false;
        QTest::newRow("128 bytes and a star") << (QString(128, u'x') + u'*') << true;
        QTest::newRow("multi-byte over 128 bytes") << QString(65, QChar(0xe9)) << false;
        QTest::newRow("a control character") << "room\n1" << false;
    }

    void validScope()
    {
        QFETCH(QString, scope);
        QFETCH(bool, valid);
        QCOMPARE(AccessRules::isValidScope(scope), valid);
    }

    void keyNames_data()
    {
        QTest::addColumn<QString>("name");
        QTest::addColumn<bool>("valid");
        QTest::newRow("plain") << "ci-bot" << true;
        QTest::newRow("all classes") << "A.z_0-9" << true;
        QTest::newRow("64") << QString(64, u'k') << true;
        QTest::newRow("65") << QString(65, u'k') << false;
        QTest::newRow("empty") << "" << false;
        QTest::newRow("colon") << "a:b" << false;
        QTest::newRow("slash") << "a/b" << false;
        QTest::newRow("space") << "a b" << false;
        QTest::newRow("percent") << "a%20" << false;
        QTest::newRow("non-ASCII") << QStringLiteral("caf\u00e9") << false;
    }

    void keyNames()
    {
        QFETCH(QString, name);
        QFETCH(bool, valid);
        QCOMPARE(AccessRules::isValidKeyName(name), valid);
    }

    void keyIdentities()
    {
        QCOMPARE(AccessRules::keyNameOf(u"key:ci"), std::optional<QString>(QStringLiteral("ci")));
        QCOMPARE(AccessRules::keyNameOf(u"did:plc:abc"), std::nullopt);
        QCOMPARE(AccessRules::keyNameOf(u"Key:ci"), std::nullopt);
        QCOMPARE(AccessRules::keyIdentity(QStringLiteral("ci")), QStringLiteral("key:ci"));
    }

    void permissions_data()
    {
        QTest::addColumn<QString>("name");
        QTest::addColumn<int>("permission"); // -1: refused
        QTest::newRow("none") << "none" << int(Permission::None);
        QTest::newRow("read") << "read" << int(Permission::Read);
        QTest::newRow("write") << "write" << int(Permission::Write);
        QTest::newRow("uppercase") << "Write" << -1;
        QTest::newRow("admin") << "admin" << -1;
        QTest::newRow("empty") << "" << -1;
    }

    void permissions()
    {
        QFETCH(QString, name);
        QFETCH(int, permission);
        const auto parsed = parsePermission(name);
        QCOMPARE(parsed ? int(*parsed) : -1, permission);
        if (parsed)
            QCOMPARE(permissionName(*parsed), name);
        QVERIFY(Permission::Write > Permission::Read && Permission::Read > Permission::None);
    }
};

QTEST_APPLESS_MAIN(TestAccessRules)
#include "tst_accessrules.moc"
