#include "protocol/sync1/EntityId.h"

#include <QTest>

using namespace canopy;

class TestEntityId final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void validate_data()
    {
        QTest::addColumn<QString>("id");
        QTest::addColumn<bool>("valid");
        const QString body = QStringLiteral("0440y5gx4gnk4ea08x75aq33d9rqgzw6hpa9q8n9p2vvxhectfd0");
        QTest::newRow("leaf example from protocol.md") << QStringLiteral("leaf:") + body << true;
        QTest::newRow("all zeros") << QStringLiteral("leaf:") + QString(52, u'0') << true;
        QTest::newRow("every letter")
            << QStringLiteral("leaf:0123456789abcdefghjkmnpqrstvwxyz0123456789abcdefghjk") << true;
        QTest::newRow("empty") << QString() << false;
        QTest::newRow("no prefix") << body << false;
        QTest::newRow("wrong prefix") << QStringLiteral("loaf:") + body << false;
        QTest::newRow("uppercase prefix") << QStringLiteral("LEAF:") + body << false;
        QTest::newRow("51 chars") << QStringLiteral("leaf:") + body.left(51) << false;
        QTest::newRow("53 chars") << QStringLiteral("leaf:") + body + u'0' << false;
        QTest::newRow("uppercase body") << QStringLiteral("leaf:") + body.toUpper() << false;
        for (const char16_t c : {u'i', u'l', u'o', u'u', u'-', u'_', u' ', u'\u00e9'}) {
            QString bad = QStringLiteral("leaf:") + body;
            bad[10] = QChar(c);
            QTest::newRow(
                qPrintable(QStringLiteral("contains U+%1").arg(int(c), 4, 16, QChar(u'0'))))
                << bad << false;
        }
        QTest::newRow("ULID component id")
            << QStringLiteral("name:01JNVY76XPH6Q5AVA385HP04G7") << false;
    }

    void validate()
    {
        QFETCH(QString, id);
        QFETCH(bool, valid);
        QCOMPARE(EntityId::isValid(id), valid);
    }
};

QTEST_GUILESS_MAIN(TestEntityId)
#include "tst_entityid.moc"
