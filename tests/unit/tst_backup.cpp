// Backups: copy names, intervals, the scheduler on a temporary dir (one at a time, retention,
// failures that keep older copies), the integrity check of the copy, the data dir lock, and the
// restore's verification and swap.
#include "backup/BackupDirectory.h"
#include "backup/BackupJob.h"
#include "backup/BackupName.h"
#include "backup/BackupRestore.h"
#include "backup/BackupScheduler.h"
#include "backup/SqliteConnection.h"
#include "crdt/loro/LoroEngine.h"
#include "log/EventLog.h"
#include "store/DataDirLock.h"
#include "store/Database.h"
#include "store/UnitStore.h"
#include "util/Duration.h"

#include <sys/stat.h>

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QSignalSpy>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

using namespace canopy;

namespace {

QByteArray fixture(const QString &name)
{
    const QString dir = qEnvironmentVariable("CANOPY_FIXTURES");
    QFile file(QDir(dir).filePath(name));
    if (!file.open(QIODevice::ReadOnly))
        qFatal(
            "fixture %s missing in %s (run fixtures.generate)", qPrintable(name), qPrintable(dir));
    return file.readAll();
}

QByteArray sha(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return {};
    return QCryptographicHash::hash(file.readAll(), QCryptographicHash::Sha256).toHex();
}

const QDateTime kTime(QDate(2026, 12, 1), QTime(13, 30, 0, 123), Qt::UTC);

// A data dir with a database holding one real Loro document (the team fixture's blocks), and
// `bans` bans, written the way the host writes them.
struct DataDir
{
    QTemporaryDir dir;
    std::unique_ptr<Database> database;

    QString path() const { return dir.path(); }
    QString databasePath() const { return dir.filePath(QStringLiteral("canopy.sqlite")); }

    void open()
    {
        auto opened = Database::open(databasePath());
        QVERIFY2(opened, opened ? "" : qPrintable(opened.error().message));
        database = std::move(*opened);
    }

    void addLoroDocument(const QString &name, const QByteArray &update)
    {
        const loro::LoroEngine engine;
        auto split = engine.split(update);
        QVERIFY2(split, split ? "" : qPrintable(split.error().message));
        QList<UnitWrite> writes;
        for (const crdt::Unit &unit : std::as_const(split->units)) {
            UnitWrite w;
            w.document = DocumentKey {QStringLiteral("loro"), name};
            w.unit.peer = unit.peer;
            w.unit.start = unit.start;
            w.unit.end = unit.end;
            w.unit.meta = unit.meta;
            w.unit.data = unit.data;
            w.unit.receivedAtMs = 1700000000000;
            writes.append(w);
        }
        UnitStore store(*database);
        QVERIFY(store.write(writes));
    }

    void addGarbageDocument(const QString &name)
    {
        UnitWrite w;
        w.document = DocumentKey {QStringLiteral("loro"), name};
        w.unit.peer = QByteArray(8, '\1');
        w.unit.start = 0;
        w.unit.end = 3;
        w.unit.data = QByteArray("not a change block at all");
        UnitStore store(*database);
        QVERIFY(store.write({w}));
    }

    void addBan(const QString &did)
    {
        QSqlQuery q(database->handle());
        q.prepare(QStringLiteral("INSERT INTO bans(did, reason, since) VALUES (?, 'test', 1)"));
        q.addBindValue(did);
        QVERIFY(q.exec());
    }

    qint64 count(const char *table)
    {
        QSqlQuery q(database->handle());
        q.exec(QStringLiteral("SELECT count(*) FROM %1").arg(QLatin1String(table)));
        return q.next() ? q.value(0).toLongLong() : -1;
    }

    void close() { database.reset(); }
};

QStringList copiesIn(const QString &dir)
{
    QStringList names;
    const QStringList all = QDir(dir).entryList(QDir::Files | QDir::Hidden, QDir::Name);
    for (const QString &name : all) {
        if (BackupName::timeOf(name))
            names.append(name);
    }
    return names;
}

QStringList partialsIn(const QString &dir)
{
    return QDir(dir).entryList({QStringLiteral(".canopy-*")}, QDir::Files | QDir::Hidden);
}

} // namespace

class TestBackup : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void nameFormat();
    void nameParsing_data();
    void nameParsing();
    void namesSortAsTimes();
    void durations_data();
    void durations();
    void headerCheck();
    void backupCopiesACommittedSnapshot();
    void oneAtATimeAndNotConfigured();
    void namesGrowWithinOneMillisecond();
    void retentionKeepsTheNewestVerified();
    void failureKeepsOlderCopies();
    void integrityFailureDeletesThePartialOnly();
    void scheduleRunsFromTheNewestCopy();
    void destructionCancelsARunningBackup();
    void dataDirLock();
    void restoreVerifiesCountsAndSwaps();
    void restoreRefusals();
    void restoreRefusesWhileLocked();
    void restoreCheckpointsTheReplacedWal();
};

void TestBackup::nameFormat()
{
    QCOMPARE(BackupName::forTime(kTime), QStringLiteral("canopy-20261201T133000.123Z.sqlite"));
    // Whatever zone the time was given in, the name is UTC.
    const QDateTime offset = kTime.toOffsetFromUtc(3600);
    QCOMPARE(BackupName::forTime(offset), QStringLiteral("canopy-20261201T133000.123Z.sqlite"));
    QCOMPARE(BackupName::partialOf(BackupName::forTime(kTime)),
        QStringLiteral(".canopy-20261201T133000.123Z.sqlite.partial"));
    QVERIFY(BackupName::isPartial(QStringLiteral(".canopy-20261201T133000.123Z.sqlite.partial")));
    QVERIFY(!BackupName::isPartial(QStringLiteral("canopy-20261201T133000.123Z.sqlite")));
    QVERIFY(!BackupName::isPartial(QStringLiteral(".canopy-manual.sqlite.partial")));
}

void TestBackup::nameParsing_data()
{
    QTest::addColumn<QString>("name");
    QTest::addColumn<bool>("ours");
    QTest::newRow("ours") << QStringLiteral("canopy-20261201T133000.123Z.sqlite") << true;
    QTest::newRow("leap day") << QStringLiteral("canopy-20280229T000000.000Z.sqlite") << true;
    QTest::newRow("the database") << QStringLiteral("canopy.sqlite") << false;
    QTest::newRow("no millis") << QStringLiteral("canopy-20261201T133000Z.sqlite") << false;
    QTest::newRow("no zone") << QStringLiteral("canopy-20261201T133000.123.sqlite") << false;
    QTest::newRow("month 13") << QStringLiteral("canopy-20261301T133000.123Z.sqlite") << false;
    QTest::newRow("hour 24") << QStringLiteral("canopy-20261201T243000.123Z.sqlite") << false;
    QTest::newRow("not a leap year")
        << QStringLiteral("canopy-20270229T000000.000Z.sqlite") << false;
    QTest::newRow("a partial") << QStringLiteral(".canopy-20261201T133000.123Z.sqlite.partial")
                               << false;
    QTest::newRow("suffix") << QStringLiteral("canopy-20261201T133000.123Z.sqlite.bak") << false;
    QTest::newRow("manual") << QStringLiteral("canopy-manual.sqlite") << false;
    QTest::newRow("replaced") << QStringLiteral("canopy.sqlite.replaced-20261201T133000.123Z")
                              << false;
}

void TestBackup::nameParsing()
{
    QFETCH(QString, name);
    QFETCH(bool, ours);
    const auto time = BackupName::timeOf(name);
    QCOMPARE(time.has_value(), ours);
    if (ours)
        QCOMPARE(BackupName::forTime(*time), name); // the name is the time, both ways
    if (name == u"canopy-20261201T133000.123Z.sqlite")
        QCOMPARE(*time, kTime);
}

void TestBackup::namesSortAsTimes()
{
    QList<QDateTime> times {kTime, kTime.addMSecs(1), kTime.addSecs(59), kTime.addDays(40),
        kTime.addYears(3), kTime.addMSecs(-1), QDateTime(QDate(2026, 1, 9), QTime(9, 0), Qt::UTC)};
    QStringList names;
    for (const QDateTime &t : times)
        names.append(BackupName::forTime(t));
    std::sort(times.begin(), times.end());
    names.sort();
    for (qsizetype i = 0; i < times.size(); ++i)
        QCOMPARE(*BackupName::timeOf(names[i]), times[i]);
}

void TestBackup::durations_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<qint64>("seconds"); // -1: refused
    QTest::newRow("seconds") << QStringLiteral("90") << qint64(90);
    QTest::newRow("s") << QStringLiteral("90s") << qint64(90);
    QTest::newRow("m") << QStringLiteral("15m") << qint64(900);
    QTest::newRow("h") << QStringLiteral("6h") << qint64(21600);
    QTest::newRow("d") << QStringLiteral("1d") << qint64(86400);
    QTest::newRow("spaces around") << QStringLiteral(" 2h ") << qint64(7200);
    QTest::newRow("zero") << QStringLiteral("0") << qint64(0);
    QTest::newRow("empty") << QString() << qint64(-1);
    QTest::newRow("unit alone") << QStringLiteral("h") << qint64(-1);
    QTest::newRow("fraction") << QStringLiteral("1.5h") << qint64(-1);
    QTest::newRow("negative") << QStringLiteral("-5") << qint64(-1);
    QTest::newRow("plus") << QStringLiteral("+5") << qint64(-1);
    QTest::newRow("space inside") << QStringLiteral("5 m") << qint64(-1);
    QTest::newRow("weeks") << QStringLiteral("2w") << qint64(-1);
    QTest::newRow("upper case") << QStringLiteral("5M") << qint64(-1);
    QTest::newRow("two units") << QStringLiteral("1h30m") << qint64(-1);
    QTest::newRow("overflow") << QStringLiteral("999999999999d") << qint64(999999999999LL * 86400);
    QTest::newRow("too many digits") << QStringLiteral("9999999999999") << qint64(-1);
}

void TestBackup::durations()
{
    QFETCH(QString, text);
    QFETCH(qint64, seconds);
    const auto parsed = Duration::parseSeconds(text);
    QCOMPARE(parsed.value_or(-1), seconds);
    if (seconds > 0)
        QCOMPARE(Duration::parseSeconds(Duration::format(seconds)).value_or(-1), seconds);
    QCOMPARE(Duration::format(86400), QStringLiteral("1d"));
    QCOMPARE(Duration::format(5400), QStringLiteral("90m"));
    QCOMPARE(Duration::format(61), QStringLiteral("61s"));
}

void TestBackup::headerCheck()
{
    DataDir data;
    data.open();
    data.close();
    qint64 bytes = 0;
    QVERIFY(BackupDirectory::looksWhole(data.databasePath(), &bytes));
    QCOMPARE(bytes, QFileInfo(data.databasePath()).size());
    // Truncated by one page: no longer whole.
    const QString cut = data.dir.filePath(QStringLiteral("cut.sqlite"));
    QVERIFY(QFile::copy(data.databasePath(), cut));
    QVERIFY(QFile::resize(cut, bytes - 4096));
    QVERIFY(!BackupDirectory::looksWhole(cut));
    const QString junk = data.dir.filePath(QStringLiteral("junk.sqlite"));
    QFile file(junk);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(QByteArray(8192, 'x'));
    file.close();
    QVERIFY(!BackupDirectory::looksWhole(junk));
    QVERIFY(!BackupDirectory::looksWhole(data.dir.filePath(QStringLiteral("none"))));
}

void TestBackup::backupCopiesACommittedSnapshot()
{
    DataDir data;
    data.open();
    data.addLoroDocument(QStringLiteral("doc-a"), fixture(QStringLiteral("update-team-full.bin")));
    data.addBan(QStringLiteral("did:web:before.example"));
    QTemporaryDir backups;
    EventLog log;
    BackupScheduler scheduler({backups.path(), 0, 24}, data.databasePath(), log);
    QVERIFY(scheduler.isConfigured());
    QSignalSpy finished(&scheduler, &BackupScheduler::finished);
    auto run = scheduler.start();
    QVERIFY(run);
    QVERIFY(scheduler.isRunning());
    QVERIFY(scheduler.status().running);
    // The host's connection writes on while the copy is made; that write may or may not be in it.
    data.addBan(QStringLiteral("did:web:during.example"));
    QVERIFY(finished.wait(30000));
    QCOMPARE(finished.at(0).at(0).toULongLong(), *run);
    const auto entry = finished.at(0).at(1).value<BackupEntry>();
    QCOMPARE(finished.at(0).at(2).toString(), QString());
    QVERIFY(BackupName::timeOf(entry.file));
    QVERIFY(entry.verified);
    const QString copy = QDir(backups.path()).filePath(entry.file);
    QCOMPARE(entry.bytes, QFileInfo(copy).size());
    QCOMPARE(QFileInfo(copy).permissions() & (QFile::ReadGroup | QFile::ReadOther), 0);
    QVERIFY(partialsIn(backups.path()).isEmpty());

    auto opened = SqliteConnection::open(copy, SqliteConnection::Mode::ReadOnly);
    QVERIFY(opened);
    QCOMPARE(*opened->integrityCheck(), QStringList {QStringLiteral("ok")});
    QCOMPARE(*opened->userVersion(), Database::SchemaVersion);
    QCOMPARE(*opened->query("SELECT count(*) FROM units"),
        QStringList {QString::number(data.count("units"))});
    QVERIFY(opened->query("SELECT did FROM bans")->contains(u"did:web:before.example"));
    QCOMPARE(*opened->query("PRAGMA journal_mode"), QStringList {QStringLiteral("delete")});

    const BackupStatus status = scheduler.status();
    QVERIFY(!status.running);
    QVERIFY(status.lastSuccess);
    QCOMPARE(status.lastSuccess->file, entry.file);
    QCOMPARE(status.succeeded, quint64(1));
    QCOMPARE(status.failed, quint64(0));
    QVERIFY(status.lastError.isEmpty());
    QVERIFY(!status.nextRun.isValid()); // on demand only
    auto listed = scheduler.list();
    QVERIFY(listed);
    QCOMPARE(listed->size(), 1);
    QCOMPARE(listed->front().file, entry.file);
    bool logged = false;
    for (const LogEntry &e : log.entries())
        logged |= e.category == u"canopy.backup" && e.message == u"backup made";
    QVERIFY(logged);
}

void TestBackup::oneAtATimeAndNotConfigured()
{
    DataDir data;
    data.open();
    EventLog log;
    BackupScheduler off({QString(), 0, 24}, data.databasePath(), log);
    QVERIFY(!off.isConfigured());
    QVERIFY(off.start().error() == BackupScheduler::Refusal::NotConfigured);
    QVERIFY(off.list()->isEmpty());

    QTemporaryDir backups;
    BackupScheduler scheduler({backups.path(), 0, 24}, data.databasePath(), log);
    QSignalSpy finished(&scheduler, &BackupScheduler::finished);
    QVERIFY(scheduler.start());
    QVERIFY(scheduler.start().error() == BackupScheduler::Refusal::Running);
    QVERIFY(finished.wait(30000));
    QCOMPARE(finished.size(), 1);
    QVERIFY(scheduler.start()); // free again
    QVERIFY(finished.wait(30000));
    QCOMPARE(copiesIn(backups.path()).size(), 2);
}

void TestBackup::namesGrowWithinOneMillisecond()
{
    DataDir data;
    data.open();
    QTemporaryDir backups;
    EventLog log;
    BackupScheduler scheduler({backups.path(), 0, 24}, data.databasePath(), log);
    scheduler.setClock([] { return kTime; }); // time stands still
    QSignalSpy finished(&scheduler, &BackupScheduler::finished);
    for (int i = 0; i < 3; ++i) {
        QVERIFY(scheduler.start());
        QVERIFY(finished.wait(30000));
    }
    QCOMPARE(copiesIn(backups.path()),
        (QStringList {BackupName::forTime(kTime), BackupName::forTime(kTime.addMSecs(1)),
            BackupName::forTime(kTime.addMSecs(2))}));
}

void TestBackup::retentionKeepsTheNewestVerified()
{
    DataDir data;
    data.open();
    QTemporaryDir backups;
    // Not Canopy's copies: never counted, never deleted. An old copy that is not whole any more
    // (truncated) is the operator's to look at: it neither counts nor goes.
    const QString foreign = QDir(backups.path()).filePath(QStringLiteral("canopy-manual.sqlite"));
    const QString notes = QDir(backups.path()).filePath(QStringLiteral("notes.txt"));
    const QString broken = QDir(backups.path()).filePath(BackupName::forTime(kTime.addDays(-30)));
    for (const QString &path : {foreign, notes, broken}) {
        QFile file(path);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write("SQLite format 3");
    }
    EventLog log;
    BackupScheduler scheduler({backups.path(), 0, 2}, data.databasePath(), log);
    qint64 step = 0;
    scheduler.setClock([&step] { return kTime.addSecs(step); });
    QSignalSpy finished(&scheduler, &BackupScheduler::finished);
    QStringList made;
    for (step = 0; step < 5; ++step) {
        QVERIFY(scheduler.start());
        QVERIFY(finished.wait(30000));
        made.append(finished.last().at(1).value<BackupEntry>().file);
        // Between two runs: the newest two verified copies, and the broken one.
        QCOMPARE(copiesIn(backups.path()).size(), std::min<int>(int(step) + 1, 2) + 1);
    }
    QCOMPARE(
        copiesIn(backups.path()), (QStringList {QFileInfo(broken).fileName(), made[3], made[4]}));
    QVERIFY(QFile::exists(foreign));
    QVERIFY(QFile::exists(notes));
    auto listed = scheduler.list();
    QCOMPARE(listed->size(), 3);
    QCOMPARE(listed->at(0).file, made[4]); // newest first
    QVERIFY(listed->at(0).verified);
    QVERIFY(!listed->at(2).verified);
    int removedLines = 0;
    for (const LogEntry &e : log.entries())
        removedLines += e.message.contains(u"retention");
    QCOMPARE(removedLines, 3);
}

void TestBackup::failureKeepsOlderCopies()
{
    DataDir data;
    data.open();
    QTemporaryDir backups;
    EventLog log;
    BackupScheduler scheduler({backups.path(), 0, 1}, data.databasePath(), log);
    qint64 step = 0;
    scheduler.setClock([&step] { return kTime.addSecs(step); });
    QSignalSpy finished(&scheduler, &BackupScheduler::finished);
    QVERIFY(scheduler.start());
    QVERIFY(finished.wait(30000));
    const QString older = finished.last().at(1).value<BackupEntry>().file;
    const QByteArray olderSha = sha(QDir(backups.path()).filePath(older));

    // Something in the way of the next copy's partial name: the run fails at its first write.
    step = 1;
    const QString blocker
        = QDir(backups.path())
              .filePath(BackupName::partialOf(BackupName::forTime(kTime.addSecs(1))));
    QVERIFY(QDir().mkpath(blocker));
    QVERIFY(QFile::exists(blocker + QStringLiteral("/.")));
    QVERIFY(scheduler.start());
    QVERIFY(finished.wait(30000));
    const QString error = finished.last().at(2).toString();
    QVERIFY2(error.contains(u"cannot create"), qPrintable(error));
    QCOMPARE(copiesIn(backups.path()), QStringList {older}); // keep 1, and it stays
    QCOMPARE(sha(QDir(backups.path()).filePath(older)), olderSha);
    const BackupStatus status = scheduler.status();
    QCOMPARE(status.failed, quint64(1));
    QCOMPARE(status.lastError, error);
    QCOMPARE(status.lastFailure, error);
    QVERIFY(status.lastFailureAt.isValid());
    QCOMPARE(status.lastSuccess->file, older);
    bool loggedAsError = false;
    for (const LogEntry &e : log.entries()) {
        loggedAsError |= e.level == QtCriticalMsg && e.category == u"canopy.backup"
            && e.message == u"backup failed";
    }
    QVERIFY(loggedAsError);

    // The next success clears lastError (the failure stays on record) and replaces the older.
    QVERIFY(QDir(blocker).removeRecursively());
    step = 2;
    QVERIFY(scheduler.start());
    QVERIFY(finished.wait(30000));
    QCOMPARE(finished.last().at(2).toString(), QString());
    QVERIFY(scheduler.status().lastError.isEmpty());
    QCOMPARE(scheduler.status().lastFailure, error);
    QCOMPARE(copiesIn(backups.path()), QStringList {BackupName::forTime(kTime.addSecs(2))});
}

void TestBackup::integrityFailureDeletesThePartialOnly()
{
    DataDir data;
    data.open();
    data.addLoroDocument(QStringLiteral("doc-a"), fixture(QStringLiteral("update-team-full.bin")));
    QTemporaryDir backups;
    const QString older = QDir(backups.path()).filePath(BackupName::forTime(kTime.addDays(-1)));
    QVERIFY(QFile::copy(data.databasePath(), older));
    const QByteArray olderSha = sha(older);

    std::atomic_bool cancel {false};
    BackupJob::Input input {data.databasePath(), backups.path(), kTime, 1, {}};
    bool corrupted = false;
    // Between the copy and its check, every page past the first loses its b-tree header.
    input.beforeCheck = [&corrupted](const QString &partial) {
        QFile file(partial);
        if (!file.open(QIODevice::ReadWrite))
            return;
        QByteArray bytes = file.readAll();
        for (qsizetype page = 4096; page + 12 <= bytes.size(); page += 4096)
            bytes.replace(page, 12, QByteArray(12, '\xee'));
        file.seek(0);
        corrupted = file.write(bytes) == bytes.size();
    };
    auto result = BackupJob::run(input, cancel);
    QVERIFY(corrupted);
    QVERIFY(!result);
    QVERIFY2(result.error().contains(u"integrity") || result.error().contains(u"malformed"),
        qPrintable(result.error()));
    QVERIFY(partialsIn(backups.path()).isEmpty());
    QCOMPARE(copiesIn(backups.path()), QStringList {QFileInfo(older).fileName()});
    QCOMPARE(sha(older), olderSha);

    // The same job unhindered: a good copy, and with keep 1 the older one goes.
    input.beforeCheck = nullptr;
    auto good = BackupJob::run(input, cancel);
    QVERIFY2(good, good ? "" : qPrintable(good.error()));
    QCOMPARE(good->removed, QStringList {QFileInfo(older).fileName()});
    QCOMPARE(copiesIn(backups.path()), QStringList {BackupName::forTime(kTime)});

    // Cancelled before it starts copying: fails, leaves nothing.
    cancel = true;
    input.time = kTime.addSecs(1);
    auto cancelled = BackupJob::run(input, cancel);
    QVERIFY(!cancelled);
    QVERIFY2(cancelled.error().contains(u"cancelled"), qPrintable(cancelled.error()));
    QVERIFY(partialsIn(backups.path()).isEmpty());
    QCOMPARE(copiesIn(backups.path()), QStringList {BackupName::forTime(kTime)});
}

void TestBackup::scheduleRunsFromTheNewestCopy()
{
    DataDir data;
    data.open();
    QTemporaryDir backups;
    const QDateTime now = QDateTime::currentDateTimeUtc();
    const QString newest = QDir(backups.path()).filePath(BackupName::forTime(now.addSecs(-600)));
    QVERIFY(QFile::copy(data.databasePath(), newest));
    EventLog log;
    {
        // Every hour, the newest copy ten minutes old: the next is due in fifty.
        BackupScheduler scheduler({backups.path(), 3600, 24}, data.databasePath(), log);
        const QDateTime next = scheduler.status().nextRun;
        QVERIFY(qAbs(next.secsTo(now.addSecs(3000))) <= 2);
        QVERIFY(!scheduler.isRunning());
    }
    {
        // Every five minutes: overdue, so it runs at once, and the next follows five minutes on.
        BackupScheduler scheduler({backups.path(), 300, 24}, data.databasePath(), log);
        QSignalSpy finished(&scheduler, &BackupScheduler::finished);
        QVERIFY(finished.wait(30000));
        QCOMPARE(finished.last().at(2).toString(), QString());
        const QDateTime next = scheduler.status().nextRun;
        QVERIFY(qAbs(next.secsTo(QDateTime::currentDateTimeUtc().addSecs(300))) <= 5);
    }
}

void TestBackup::destructionCancelsARunningBackup()
{
    DataDir data;
    data.open();
    // Some megabytes, so the copy is still running when the scheduler goes.
    QSqlQuery q(data.database->handle());
    QVERIFY(q.exec(QStringLiteral("CREATE TABLE filler(b BLOB)")));
    for (int i = 0; i < 64; ++i)
        QVERIFY(q.exec(QStringLiteral("INSERT INTO filler VALUES (randomblob(1048576))")));
    QTemporaryDir backups;
    EventLog log;
    {
        BackupScheduler scheduler({backups.path(), 0, 24}, data.databasePath(), log);
        QVERIFY(scheduler.start());
    } // cancelled and waited for
    QVERIFY(partialsIn(backups.path()).isEmpty());
    // It was either cancelled (nothing) or had already finished (one verified copy).
    const QStringList copies = copiesIn(backups.path());
    QVERIFY(copies.size() <= 1);
    for (const QString &copy : copies)
        QVERIFY(BackupDirectory::looksWhole(QDir(backups.path()).filePath(copy)));
}

void TestBackup::dataDirLock()
{
    QTemporaryDir dir;
    auto first = DataDirLock::acquire(dir.path());
    QVERIFY(first);
    QVERIFY(QFile::exists(dir.filePath(QStringLiteral("canopy.lock"))));
    auto second = DataDirLock::acquire(dir.path());
    QVERIFY(!second);
    QVERIFY2(
        second.error().contains(QStringLiteral("pid %1").arg(QCoreApplication::applicationPid())),
        qPrintable(second.error()));
    QVERIFY(second.error().contains(dir.path()));
    first->reset();
    QVERIFY(!QFile::exists(dir.filePath(QStringLiteral("canopy.lock"))));
    QVERIFY(DataDirLock::acquire(dir.path()));
}

void TestBackup::restoreVerifiesCountsAndSwaps()
{
    // The backup: one document and a ban, copied by a backup run.
    DataDir source;
    source.open();
    source.addLoroDocument(
        QStringLiteral("doc-a"), fixture(QStringLiteral("update-team-full.bin")));
    source.addBan(QStringLiteral("did:web:banned.example"));
    const qint64 units = source.count("units");
    QTemporaryDir backups;
    std::atomic_bool cancel {false};
    auto made = BackupJob::run({source.databasePath(), backups.path(), kTime, 24, {}}, cancel);
    QVERIFY(made);
    const QString backup = QDir(backups.path()).filePath(made->entry.file);
    const QByteArray backupSha = sha(backup);

    // The data dir it goes into: two documents, no ban, a WAL still holding commits.
    DataDir target;
    target.open();
    target.addLoroDocument(QStringLiteral("doc-b"), fixture(QStringLiteral("update-a.bin")));
    target.addLoroDocument(QStringLiteral("doc-c"), fixture(QStringLiteral("update-b.bin")));
    const qint64 targetUnits = target.count("units");
    target.close();
    const QByteArray targetSha = sha(target.databasePath());
    const QStringList before = QDir(target.path()).entryList(QDir::Files | QDir::Hidden);

    {
        auto restore = BackupRestore::prepare(backup, target.path(), 32 << 20);
        QVERIFY2(restore, restore ? "" : qPrintable(restore.error().message));
        const BackupRestore &r = **restore;
        QCOMPARE(r.backupSchema(), Database::SchemaVersion);
        QVERIFY(r.hasCurrent());
        QCOMPARE(r.current().documents, 2);
        QCOMPARE(r.current().blocks, targetUnits);
        QCOMPARE(r.current().bans, 0);
        QCOMPARE(r.incoming().documents, 1);
        QCOMPARE(r.incoming().blocks, units);
        QCOMPARE(r.incoming().bans, 1);
        QCOMPARE(r.incoming().tokens, 0);
    } // not applied: a dry run
    QCOMPARE(sha(target.databasePath()), targetSha);
    QCOMPARE(QDir(target.path()).entryList(QDir::Files | QDir::Hidden), before);
    QCOMPARE(sha(backup), backupSha);

    auto restore = BackupRestore::prepare(backup, target.path(), 32 << 20);
    QVERIFY(restore);
    auto kept = (*restore)->apply();
    QVERIFY2(kept, kept ? "" : qPrintable(kept.error().message));
    QVERIFY(QFileInfo(*kept).fileName().startsWith(u"canopy.sqlite.replaced-"));
    QCOMPARE(sha(*kept), targetSha);
    restore->reset();
    QCOMPARE(sha(backup), backupSha);
    QVERIFY(!QFile::exists(target.databasePath() + QStringLiteral("-wal")));
    struct stat st
    {
    };
    QCOMPARE(::stat(QFile::encodeName(target.databasePath()).constData(), &st), 0);
    QCOMPARE(int(st.st_mode & 0777), 0600);
    target.open();
    QCOMPARE(target.count("documents"), 1);
    QCOMPARE(target.count("units"), units);
    QCOMPARE(target.count("bans"), 1);
    QCOMPARE(*target.database->integrityCheck(), QStringList {QStringLiteral("ok")});
    const QStringList leftovers
        = QDir(target.path())
              .entryList({QStringLiteral(".canopy-restore*")}, QDir::Files | QDir::Hidden);
    QVERIFY(leftovers.isEmpty());
}

void TestBackup::restoreRefusals()
{
    DataDir target;
    target.open();
    target.close();
    const QByteArray targetSha = sha(target.databasePath());
    QTemporaryDir scratch;
    const auto refusal = [&](const QString &file) {
        auto restore = BackupRestore::prepare(file, target.path(), 32 << 20);
        if (restore)
            return QStringLiteral("accepted");
        return restore.error().code == RestoreError::Code::Refused ? restore.error().message
                                                                   : QStringLiteral("failed");
    };
    const auto write = [&](const QString &name, const QByteArray &bytes) {
        const QString path = scratch.filePath(name);
        QFile file(path);
        if (file.open(QIODevice::WriteOnly))
            file.write(bytes);
        return path;
    };

    QVERIFY(refusal(scratch.filePath(QStringLiteral("none.sqlite"))).endsWith(u"no such file"));
    QVERIFY(refusal(scratch.path()).endsWith(u"is not a file"));
    QVERIFY(refusal(write(QStringLiteral("empty"), {})).endsWith(u"is not a SQLite database"));
    QVERIFY(refusal(write(QStringLiteral("text"), QByteArray(5000, 'a')))
                .endsWith(u"is not a SQLite database"));

    // A document whose unit is no Loro change block.
    DataDir garbage;
    garbage.open();
    garbage.addGarbageDocument(QStringLiteral("doc-x"));
    garbage.close();
    const QString notParsing = refusal(garbage.databasePath());
    QVERIFY2(notParsing.contains(u"document doc-x (loro) does not parse"), qPrintable(notParsing));

    // Too new: user_version 99 (header offset 60).
    DataDir newer;
    newer.open();
    newer.close();
    QFile file(newer.databasePath());
    QVERIFY(file.open(QIODevice::ReadWrite));
    QByteArray bytes = file.readAll();
    bytes[60] = 0;
    bytes[61] = 0;
    bytes[62] = 0;
    bytes[63] = 99;
    file.seek(0);
    file.write(bytes);
    file.close();
    const QString tooNew = refusal(newer.databasePath());
    QVERIFY2(tooNew.contains(QStringLiteral("has schema 99; this Canopy knows up to %1")
                                 .arg(Database::SchemaVersion)),
        qPrintable(tooNew));

    // Corrupt: every page past the first loses its b-tree header.
    for (qsizetype page = 4096; page + 12 <= bytes.size(); page += 4096)
        bytes.replace(page, 12, QByteArray(12, '\xee'));
    bytes[63] = char(Database::SchemaVersion);
    const QString corrupt = refusal(write(QStringLiteral("corrupt.sqlite"), bytes));
    QVERIFY2(corrupt.contains(u"corrupt") || corrupt.contains(u"malformed"), qPrintable(corrupt));

    // A SQLite database that is none of Canopy's.
    const QString other = scratch.filePath(QStringLiteral("other.sqlite"));
    {
        auto db = SqliteConnection::open(other, SqliteConnection::Mode::ReadWrite);
        QVERIFY(db);
        QVERIFY(db->exec("CREATE TABLE t(x)"));
    }
    QVERIFY(refusal(other).contains(u"is not a Canopy database"));

    QCOMPARE(sha(target.databasePath()), targetSha);
    const QStringList left = QDir(target.path()).entryList(QDir::Files | QDir::Hidden);
    QCOMPARE(left, QStringList {QStringLiteral("canopy.sqlite")});
}

void TestBackup::restoreRefusesWhileLocked()
{
    DataDir source;
    source.open();
    source.close();
    QTemporaryDir target;
    auto held = DataDirLock::acquire(target.path());
    QVERIFY(held);
    auto restore = BackupRestore::prepare(source.databasePath(), target.path(), 32 << 20);
    QVERIFY(!restore);
    QCOMPARE(restore.error().code, RestoreError::Code::Refused);
    QVERIFY2(
        restore.error().message.contains(u"stop it first"), qPrintable(restore.error().message));
    QVERIFY(!QFile::exists(QDir(target.path()).filePath(QStringLiteral("canopy.sqlite"))));
    held->reset();
    QVERIFY(BackupRestore::prepare(source.databasePath(), target.path(), 32 << 20));
}

void TestBackup::restoreCheckpointsTheReplacedWal()
{
    DataDir source;
    source.open();
    source.close();
    // A database whose last commits are only in its -wal (the process was killed): the kept
    // file must hold them, and no -wal may stay beside the restored one.
    DataDir target;
    target.open();
    QSqlQuery q(target.database->handle());
    QVERIFY(q.exec(QStringLiteral("PRAGMA wal_autocheckpoint=0")));
    target.addBan(QStringLiteral("did:web:only-in-the-wal.example"));
    const QString wal = target.databasePath() + QStringLiteral("-wal");
    QVERIFY(QFileInfo(wal).size() > 0);
    // Copied while open, as a crash leaves them: database, -wal, -shm.
    QTemporaryDir crashed;
    for (const char *suffix : {"", "-wal", "-shm"}) {
        QVERIFY(QFile::copy(target.databasePath() + QLatin1String(suffix),
            crashed.filePath(QStringLiteral("canopy.sqlite")) + QLatin1String(suffix)));
    }
    target.close();

    auto restore = BackupRestore::prepare(source.databasePath(), crashed.path(), 32 << 20);
    QVERIFY(restore);
    QCOMPARE((*restore)->current().bans, 1); // read through the -wal
    auto kept = (*restore)->apply();
    QVERIFY(kept);
    restore->reset();
    const QString database = crashed.filePath(QStringLiteral("canopy.sqlite"));
    QVERIFY(!QFile::exists(database + QStringLiteral("-wal")));
    QVERIFY(!QFile::exists(database + QStringLiteral("-shm")));
    QVERIFY(!QFile::exists(*kept + QStringLiteral("-wal"))); // folded in
    auto replaced = SqliteConnection::open(*kept, SqliteConnection::Mode::Immutable);
    QVERIFY(replaced);
    QCOMPARE(*replaced->query("SELECT did FROM bans"),
        QStringList {QStringLiteral("did:web:only-in-the-wal.example")});
    auto restored = SqliteConnection::open(database, SqliteConnection::Mode::ReadOnly);
    QCOMPARE(*restored->query("SELECT count(*) FROM bans"), QStringList {QStringLiteral("0")});
}

QTEST_GUILESS_MAIN(TestBackup)
#include "tst_backup.moc"
