// The event log's ring: entries come back as they were recorded (message, fields, category, level,
// time), oldest first, bounded by the capacity, across wrap-around and a change of capacity.
#include "log/EventLog.h"

#include <QSignalSpy>
#include <QTest>

using namespace canopy;

namespace {
Q_LOGGING_CATEGORY(lcOne, "canopy.test.one")
Q_LOGGING_CATEGORY(lcTwo, "canopy.test.two")
} // namespace

class TestEventLog final : public QObject
{
    Q_OBJECT

    static QString messageOf(const LogEntry &entry) { return entry.message; }

private Q_SLOTS:
    void initTestCase()
    {
        // Keep the test's output short; the ring records only what the category lets through.
        QLoggingCategory::setFilterRules(QStringLiteral("canopy.test.*=true"));
        qInstallMessageHandler([](QtMsgType, const QMessageLogContext &, const QString &) {});
    }

    void entriesComeBackAsRecorded()
    {
        EventLog log;
        QSignalSpy added(&log, &EventLog::entryAdded);
        const QDateTime before = QDateTime::currentDateTimeUtc();
        // Empty strings, non-ASCII, an embedded NUL and a long value must all survive.
        const LogFields fields {{QStringLiteral("did"), QStringLiteral("did:plc:abc")},
            {QStringLiteral("reason"), QString()},
            {QStringLiteral("note"), QStringLiteral("h\u00e9\u4e16 \U0001F600")},
            {QStringLiteral("nul"), QString(QStringLiteral("a")) + QChar(0) + QStringLiteral("b")},
            {QStringLiteral("long"), QString(5000, QLatin1Char('x'))}};
        log.record(QtWarningMsg, lcOne(), QStringLiteral("first \u00fcber"), fields);
        log.record(QtInfoMsg, lcTwo(), QString());
        const QDateTime after = QDateTime::currentDateTimeUtc();

        const QList<LogEntry> entries = log.entries();
        QCOMPARE(entries.size(), 2);
        QCOMPARE(added.size(), 2);
        const LogEntry &first = entries.at(0);
        QCOMPARE(first.seq, quint64(1));
        QCOMPARE(first.level, QtWarningMsg);
        QCOMPARE(first.category, QStringLiteral("canopy.test.one"));
        QCOMPARE(first.message, QStringLiteral("first \u00fcber"));
        QCOMPARE(first.fields, fields);
        QVERIFY(first.time >= before.addMSecs(-1) && first.time <= after);
        QCOMPARE(first.time.timeSpec(), Qt::UTC);
        // What the signal carried is what the ring gives back.
        const LogEntry signalled = added.at(0).at(0).value<LogEntry>();
        QCOMPARE(signalled.message, first.message);
        QCOMPARE(signalled.fields, first.fields);
        QCOMPARE(signalled.time.toMSecsSinceEpoch(), first.time.toMSecsSinceEpoch());

        const LogEntry &second = entries.at(1);
        QCOMPARE(second.seq, quint64(2));
        QCOMPARE(second.level, QtInfoMsg);
        QCOMPARE(second.category, QStringLiteral("canopy.test.two"));
        QVERIFY(second.message.isEmpty());
        QVERIFY(second.fields.isEmpty());
    }

    void theRingKeepsTheNewestOldestFirst()
    {
        EventLog log;
        log.setCapacity(5);
        for (int i = 1; i <= 13; ++i)
            log.record(QtInfoMsg, i % 2 ? lcOne() : lcTwo(), QString::number(i),
                {{QStringLiteral("i"), QString::number(i)}});
        const QList<LogEntry> entries = log.entries();
        QCOMPARE(entries.size(), 5);
        for (int k = 0; k < 5; ++k) {
            const int i = 9 + k;
            QCOMPARE(entries.at(k).seq, quint64(i));
            QCOMPARE(entries.at(k).message, QString::number(i));
            QCOMPARE(entries.at(k).category,
                i % 2 ? QStringLiteral("canopy.test.one") : QStringLiteral("canopy.test.two"));
            QCOMPARE(entries.at(k).fields.value(0).second, QString::number(i));
        }
    }

    void entriesOfAnySizeSurviveManyTurnsOfTheRing()
    {
        // Texts are packed into shared pages; sizes from empty to beyond a page cross every
        // page boundary and free pages while the ring turns.
        EventLog log;
        log.setCapacity(40);
        const auto textOf = [](int i) {
            const int size = (i * 7919) % 9000 + (i % 97 == 0 ? 100 * 1024 : 0);
            return QString(size, QChar(u'a' + i % 26));
        };
        for (int i = 1; i <= 2000; ++i)
            log.record(
                QtInfoMsg, lcOne(), QString::number(i), {{QStringLiteral("text"), textOf(i)}});
        const QList<LogEntry> entries = log.entries();
        QCOMPARE(entries.size(), 40);
        for (int k = 0; k < 40; ++k) {
            const int i = 1961 + k;
            QCOMPARE(entries.at(k).message, QString::number(i));
            QCOMPARE(entries.at(k).fields.size(), 1);
            QVERIFY(entries.at(k).fields.at(0).second == textOf(i));
        }
    }

    void changingTheCapacityKeepsTheNewest()
    {
        EventLog log;
        log.setCapacity(4);
        for (int i = 1; i <= 6; ++i) // wrapped: holds 3..6
            log.record(QtInfoMsg, lcOne(), QString::number(i));
        log.setCapacity(2);
        QList<LogEntry> entries = log.entries();
        QCOMPARE(entries.size(), 2);
        QCOMPARE(messageOf(entries.at(0)), QStringLiteral("5"));
        QCOMPARE(messageOf(entries.at(1)), QStringLiteral("6"));

        log.setCapacity(3);
        log.record(QtInfoMsg, lcOne(), QStringLiteral("7"));
        log.record(QtInfoMsg, lcOne(), QStringLiteral("8"));
        entries = log.entries();
        QCOMPARE(entries.size(), 3);
        QCOMPARE(messageOf(entries.at(0)), QStringLiteral("6"));
        QCOMPARE(messageOf(entries.at(2)), QStringLiteral("8"));
        QCOMPARE(entries.at(2).seq, quint64(8));
    }

    void disabledLevelsAreNotRecorded()
    {
        QLoggingCategory::setFilterRules(QStringLiteral("canopy.test.one.debug=false"));
        EventLog log;
        log.record(QtDebugMsg, lcOne(), QStringLiteral("hidden"));
        log.record(QtInfoMsg, lcOne(), QStringLiteral("shown"));
        QCOMPARE(log.entries().size(), 1);
        QCOMPARE(log.entries().at(0).message, QStringLiteral("shown"));
        QCOMPARE(log.entries().at(0).seq, quint64(1));
        QLoggingCategory::setFilterRules(QStringLiteral("canopy.test.*=true"));
    }
};

QTEST_GUILESS_MAIN(TestEventLog)
#include "tst_eventlog.moc"
