// Did: one canonical spelling per DID (util/Did.h), the whole string validated, a path segment
// decoded exactly once; and the ban list, which keeps and compares DIDs in that spelling.
#include "auth/BanList.h"
#include "config/ConfigLoader.h"
#include "store/Database.h"
#include "util/Did.h"

#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>
#include <QUrl>

using namespace canopy;

namespace {

// Every character of `did` after "did:" written as a percent-escape (lowercase hex when asked):
// the most roundabout spelling of the same DID.
QString escapeAll(const QString &did, bool lowerHex)
{
    QString out = did.left(4);
    for (qsizetype i = 4; i < did.size(); ++i) {
        const QChar c = did[i];
        // The method and its ':' must stay as written; only the method-specific id may be escaped.
        if (i <= did.indexOf(u':', 4)) {
            out += c;
            continue;
        }
        if (c == u'%') { // an escape already: kept, its hex in the other case
            const QString hex = did.mid(i + 1, 2);
            out += u'%' + (lowerHex ? hex.toLower() : hex.toUpper());
            i += 2;
            continue;
        }
        QString hex = QString::number(c.unicode(), 16).rightJustified(2, u'0');
        out += u'%' + (lowerHex ? hex.toLower() : hex.toUpper());
    }
    return out;
}

} // namespace

class TestDid final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void canonical_data()
    {
        QTest::addColumn<QString>("input");
        QTest::addColumn<QString>("expected"); // empty: refused
        const auto same = [](const char *did) {
            QTest::newRow(did) << QString::fromLatin1(did) << QString::fromLatin1(did);
        };
        same("did:plc:abc");
        same("did:plc:r5eav7permut7wpqvxz4yrp4");
        same("did:web:example.com");
        same("did:web:localhost%3A8095");
        same("did:key:zQ3shZc2QzApp2oymGvQbzP8eKheVshBHbU4ZYjeXqwSKEn6N");
        same("did:method:val:two");
        same("did:method::::val");
        same("did:m123:v"); // W3C allows digits in a method
        same("did:method:val%2F"); // an escape of a non-idchar stays an escape
        same("did:example:VAL"); // case is the method's business, except plc and web below

        const auto row = [](const char *name, const QString &in, const char *out) {
            QTest::newRow(name) << in << QString::fromLatin1(out);
        };
        row("escaped idchar decoded", QStringLiteral("did:plc:%61bc"), "did:plc:abc");
        row("escaped idchars decoded", QStringLiteral("did:web:ex%61mple%2Ecom"),
            "did:web:example.com");
        row("escaped '-' '_' '.' '~'", QStringLiteral("did:method:%2d%5f%2e%7e"),
            "did:method:-_.%7E");
        row("hex upper-cased", QStringLiteral("did:web:localhost%3a8095"),
            "did:web:localhost%3A8095");
        row("did:web host lowercased", QStringLiteral("did:web:Example.COM"),
            "did:web:example.com");
        row("did:web host lowercased, port kept", QStringLiteral("did:web:LocalHost%3a1234"),
            "did:web:localhost%3A1234");
        row("did:web path keeps its case", QStringLiteral("did:web:Example.com:Alice"),
            "did:web:example.com:Alice");
        row("escaped ':' in plc stays an escape", QStringLiteral("did:plc:a%3ab"), "did:plc:a%3Ab");

        const auto refused
            = [](const char *name, const QString &in) { QTest::newRow(name) << in << QString(); };
        refused("empty", QString());
        refused("not a DID", QStringLiteral("mallory"));
        refused("no method", QStringLiteral("did::abc"));
        refused("no id", QStringLiteral("did:plc:"));
        refused("ends in ':'", QStringLiteral("did:plc:abc:"));
        refused("uppercase scheme", QStringLiteral("DID:plc:abc"));
        refused("uppercase method", QStringLiteral("did:PLC:abc"));
        refused("mixed-case method", QStringLiteral("did:pLc:abc"));
        refused("uppercase did:plc id", QStringLiteral("did:plc:ABC"));
        refused("escaped uppercase in a did:plc id", QStringLiteral("did:plc:%41bc"));
        refused("trailing newline", QStringLiteral("did:plc:abc\n"));
        refused("trailing CR LF", QStringLiteral("did:plc:abc\r\n"));
        refused("trailing space", QStringLiteral("did:plc:abc "));
        refused("leading space", QStringLiteral(" did:plc:abc"));
        refused("trailing tab", QStringLiteral("did:plc:abc\t"));
        refused("NUL inside", QString::fromLatin1("did:plc:a\0bc", 12));
        refused("DEL", QStringLiteral("did:plc:abc\x7f"));
        refused("escaped newline", QStringLiteral("did:plc:abc%0A"));
        refused("escaped space", QStringLiteral("did:plc:abc%20"));
        refused("escaped tab", QStringLiteral("did:plc:abc%09"));
        refused("escaped NUL", QStringLiteral("did:plc:abc%00"));
        refused("escaped DEL", QStringLiteral("did:plc:abc%7f"));
        refused("escaped non-ASCII", QStringLiteral("did:web:ex%C3%A9.com"));
        refused("non-ASCII", QString::fromUtf8("did:plc:r\xc3\xa9"));
        refused("no-break space", QString::fromUtf8("did:plc:abc\xc2\xa0"));
        refused("line separator", QString::fromUtf8("did:plc:abc\xe2\x80\xa8"));
        refused("lone '%'", QStringLiteral("did:plc:abc%"));
        refused("'%' with one hex digit", QStringLiteral("did:plc:abc%6"));
        refused("'%' with non-hex", QStringLiteral("did:plc:abc%zz"));
        refused("a path", QStringLiteral("did:plc:a/b"));
        refused("a query", QStringLiteral("did:plc:a?b"));
        refused("a fragment", QStringLiteral("did:plc:abc#atproto"));
        refused("2049 characters", QStringLiteral("did:method:") + QString(2049 - 11, u'v'));
        refused("lone '%' signs", QStringLiteral("did:method:") + QString(4000, u'%'));
        refused("beyond the input bound", QStringLiteral("did:method:") + QString(7000, u'v'));
        QTest::newRow("2048 characters")
            << QStringLiteral("did:method:") + QString(2048 - 11, u'v')
            << QStringLiteral("did:method:") + QString(2048 - 11, u'v');
        // The canonical form is what counts: 2048 after decoding is fine, 2049 is not.
        QTest::newRow("escaped to 2048")
            << QStringLiteral("did:method:%61") + QString(2048 - 12, u'v')
            << QStringLiteral("did:method:a") + QString(2048 - 12, u'v');
    }

    void canonical()
    {
        QFETCH(QString, input);
        QFETCH(QString, expected);
        const auto result = Did::canonical(input);
        if (expected.isEmpty()) {
            QVERIFY2(!result, qPrintable(result ? *result : QString()));
            QVERIFY(!result.error().isEmpty());
            QVERIFY(!ConfigLoader::isValidDid(input));
            return;
        }
        QVERIFY2(result, qPrintable(result ? QString() : result.error()));
        QCOMPARE(*result, expected);
        // Canonical is a fixed point, and what the config and the window call valid.
        QCOMPARE(*Did::canonical(*result), *result);
        QVERIFY(ConfigLoader::isValidDid(input));
    }

    void fromPathSegment_data()
    {
        QTest::addColumn<QString>("segment");
        QTest::addColumn<QString>("expected"); // empty: refused
        const auto row = [](const char *name, const char *in, const char *out) {
            QTest::newRow(name) << QString::fromLatin1(in) << QString::fromLatin1(out);
        };
        row("as written", "did:plc:abc", "did:plc:abc");
        row("did:web as written keeps %3A", "did:web:localhost%3A8095", "did:web:localhost%3A8095");
        row("encoded whole", "did%3Aplc%3Aabc", "did:plc:abc");
        row("encoded whole, lowercase hex", "did%3aplc%3aabc", "did:plc:abc");
        row("did:web encoded whole", "did%3Aweb%3Alocalhost%253A8095", "did:web:localhost%3A8095");
        row("encoded whole with an escaped idchar", "did%3Aplc%3A%2561bc", "did:plc:abc");
        row("as written with an escaped idchar", "did:plc:%61bc", "did:plc:abc");
        row("encoded newline", "did%3Aplc%3Aabc%0A", "");
        row("encoded CR LF", "did%3Aplc%3Aabc%0D%0A", "");
        row("encoded space", "did%3Aplc%3Aabc%20", "");
        row("encoded tab", "did%3Aplc%3Aabc%09", "");
        row("encoded NUL", "did%3Aplc%3Aabc%00", "");
        row("as written, escaped newline", "did:plc:abc%0A", "");
        row("encoded twice, newline", "did%3Aplc%3Aabc%250A", "");
        row("encoded uppercase method", "did%3APLC%3Aabc", "");
        row("uppercase scheme", "DID:plc:abc", "");
        row("encoded slash", "did%3Aplc%3Aa%2Fb", "");
        row("a slash", "did:plc:abc/x", "");
        row("malformed escape", "did%3Aplc%3Aabc%", "");
        row("malformed escape, one digit", "did%3Aplc%3Aabc%6", "");
        row("encoded non-ASCII", "did%3Aplc%3Aab%C3%A9", "");
        row("empty", "", "");
        row("half written, half encoded", "did:plc%3Aabc", "");
    }

    void fromPathSegment()
    {
        QFETCH(QString, segment);
        QFETCH(QString, expected);
        const auto result = Did::fromPathSegment(segment);
        if (expected.isEmpty()) {
            QVERIFY2(!result, qPrintable(result ? *result : QString()));
            QVERIFY(!result.error().isEmpty());
        } else {
            QVERIFY2(result, qPrintable(result ? QString() : result.error()));
            QCOMPARE(*result, expected);
        }
    }

    // An upgrade path's identity: a DID as fromPathSegment reads it, or an access key's
    // "key:<name>" exactly as written (1-64 of [A-Za-z0-9._-]; no escapes, no folding).
    void identityFromPathSegment_data()
    {
        QTest::addColumn<QString>("segment");
        QTest::addColumn<QString>("expected"); // empty: refused
        const auto row = [](const char *name, const char *in, const char *out) {
            QTest::newRow(name) << QString::fromLatin1(in) << QString::fromLatin1(out);
        };
        row("a DID", "did:plc:abc", "did:plc:abc");
        row("a DID encoded whole", "did%3Aplc%3Aabc", "did:plc:abc");
        row("a key", "key:app-1", "key:app-1");
        row("a key with dots, dashes, underscores, case", "key:My.App_2-x", "key:My.App_2-x");
        row("a key of 64 characters",
            "key:abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij1234",
            "key:abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij1234");
        row("a key of 65 characters",
            "key:abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij12345", "");
        row("no name", "key:", "");
        row("an escaped character", "key:a%62c", "");
        row("the whole key encoded", "key%3Aabc", "");
        row("a space", "key:a b", "");
        row("a slash", "key:a/b", "");
        row("a colon", "key:a:b", "");
        row("a non-ASCII letter", "key:caf\xc3\xa9", "");
        row("uppercase prefix", "KEY:abc", "");
    }

    void identityFromPathSegment()
    {
        QFETCH(QString, segment);
        QFETCH(QString, expected);
        const auto result = Did::identityFromPathSegment(segment);
        if (expected.isEmpty()) {
            QVERIFY2(!result, qPrintable(result ? *result : QString()));
            QVERIFY(!result.error().isEmpty());
        } else {
            QVERIFY2(result, qPrintable(result ? QString() : result.error()));
            QCOMPARE(*result, expected);
            QCOMPARE(Did::isKeyIdentity(*result), expected.startsWith(u"key:"));
        }
        // Only the upgrade paths take keys: the admin paths (bans) stay DIDs only.
        if (segment.startsWith(u"key:"))
            QVERIFY(!Did::fromPathSegment(segment));
    }

    // Every spelling of one DID that the host accepts is that DID: escaped idchars, hex case,
    // did:web's host case, the whole segment encoded once.
    void spellingsAreOneDid()
    {
        for (const QString &did : {QStringLiteral("did:plc:r5eav7permut7wpqvxz4yrp4"),
                 QStringLiteral("did:web:example.test"), QStringLiteral("did:web:localhost%3A2583"),
                 QStringLiteral("did:key:zQ3shZc2QzApp2oymGvQbzP8eKheVshBHbU4ZYjeXqwSKEn6N")}) {
            QStringList spellings {did, escapeAll(did, false), escapeAll(did, true)};
            if (did.startsWith(u"did:web:")) {
                QString upper = did;
                const qsizetype port = upper.indexOf(u'%');
                for (qsizetype i = 8; i < (port < 0 ? upper.size() : port); ++i)
                    upper[i] = upper[i].toUpper();
                spellings.append(upper);
            }
            for (const QString &spelling : std::as_const(spellings)) {
                const auto direct = Did::canonical(spelling);
                QVERIFY2(direct, qPrintable(spelling));
                QCOMPARE(*direct, did);
                const auto asPath = Did::fromPathSegment(spelling);
                QVERIFY2(asPath, qPrintable(spelling));
                QCOMPARE(*asPath, did);
                const QString encoded = QString::fromLatin1(QUrl::toPercentEncoding(spelling));
                const auto whole = Did::fromPathSegment(encoded);
                QVERIFY2(whole, qPrintable(encoded));
                QCOMPARE(*whole, did);
            }
        }
    }

    // The ban list stores and compares canonical DIDs; bans an older host stored in another
    // spelling are rewritten to the canonical one when the list is opened.
    void banListComparesCanonically()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString path = dir.filePath(QStringLiteral("bans.sqlite"));
        {
            auto db = Database::open(path);
            QVERIFY2(db, qPrintable(db ? QString() : db.error().message));
            QSqlQuery insert((*db)->handle());
            QVERIFY(insert.prepare(
                QStringLiteral("INSERT INTO bans(did, reason, since) VALUES (?, 'old', 1)")));
            for (const char *did : {"did:plc:%61bc", "did:web:LocalHost%3a1234", "did:plc:xyz"}) {
                insert.addBindValue(QString::fromLatin1(did));
                QVERIFY(insert.exec());
            }
        }
        auto db = Database::open(path);
        QVERIFY(db);
        auto bans = BanList::open(**db);
        QVERIFY2(bans, qPrintable(bans ? QString() : bans.error().message));
        BanList &list = **bans;
        QStringList listed;
        for (const Ban &ban : list.all())
            listed.append(ban.did);
        listed.sort();
        QCOMPARE(listed,
            QStringList({QStringLiteral("did:plc:abc"), QStringLiteral("did:plc:xyz"),
                QStringLiteral("did:web:localhost%3A1234")}));
        for (const char *spelling : {"did:plc:abc", "did:plc:%61bc", "did:plc:%61%62%63"})
            QVERIFY2(list.activeBan(QString::fromLatin1(spelling)), spelling);
        QVERIFY(list.activeBan(QStringLiteral("did:web:localhost%3a1234")));
        QVERIFY(!list.activeBan(QStringLiteral("did:plc:abcd")));

        // Ban in one spelling, lift in another.
        QVERIFY(list.ban(QStringLiteral("did:plc:%6Dallory"), QStringLiteral("x"), {}));
        QVERIFY(list.activeBan(QStringLiteral("did:plc:mallory")));
        auto lifted = list.unban(QStringLiteral("did:plc:mall%6Fry"));
        QVERIFY(lifted && *lifted);
        QVERIFY(!list.activeBan(QStringLiteral("did:plc:mallory")));

        // The rewrite reached the store: a third open sees canonical rows only.
        QSqlQuery rows((*db)->handle());
        QVERIFY(rows.exec(QStringLiteral("SELECT did FROM bans ORDER BY did")));
        QStringList stored;
        while (rows.next())
            stored.append(rows.value(0).toString());
        QCOMPARE(stored,
            QStringList({QStringLiteral("did:plc:abc"), QStringLiteral("did:plc:xyz"),
                QStringLiteral("did:web:localhost%3A1234")}));
    }
};

QTEST_GUILESS_MAIN(TestDid)
#include "tst_did.moc"
