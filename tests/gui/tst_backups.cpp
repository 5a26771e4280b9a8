// The Backups page against a real in-process host: the settings, "Back up now" and its result,
// the copies listed, the last failure and why, the page with backups off and with no host.
#include "GuiTestHost.h"
#include "MainWindow.h"
#include "backups/BackupsModel.h"
#include "backups/BackupsPage.h"

#include <QAbstractItemModelTester>
#include <QDir>
#include <QFile>
#include <QPushButton>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QTest>

using namespace canopy;
using namespace canopy::ui;

class TestBackups : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void backUpNowListsTheCopy();
    void aFailureShowsWhy();
    void offWithoutABackupDir();
};

void TestBackups::backUpNowListsTheCopy()
{
    QTemporaryDir data;
    QTemporaryDir backups;
    Config config = GuiTestHost::makeConfig(data.path());
    config.backupDir = backups.path();
    config.backupIntervalSeconds = 6 * 3600;
    config.backupKeep = 5;
    Host host(config);
    QString error;
    QVERIFY2(host.start(&error), qPrintable(error));

    MainWindow window;
    QAbstractItemModelTester tester(window.backupsModel());
    window.setHost(&host);
    QCOMPARE(window.tabs()->tabText(MainWindow::BackupsTab), QStringLiteral("Backups"));
    BackupsPage *page = window.backupsPage();
    QVERIFY2(page->settingsText().contains(backups.path()), qPrintable(page->settingsText()));
    QVERIFY(page->settingsText().contains(u"6 h"));
    QVERIFY(page->settingsText().contains(u"5"));
    QCOMPARE(page->lastFailureText(), QStringLiteral("none since start-up"));
    // The first scheduled copy runs at once (there is none yet); then one is six hours away.
    QTRY_COMPARE_WITH_TIMEOUT(window.backupsModel()->rowCount(), 1, 20000);
    QTRY_VERIFY(
        page->nextRunText().contains(u"(in 5 h") || page->nextRunText().contains(u"(in 6 h"));
    QTRY_VERIFY(page->backUpButton()->isEnabled());

    QTest::mouseClick(page->backUpButton(), Qt::LeftButton);
    QTRY_COMPARE_WITH_TIMEOUT(window.backupsModel()->rowCount(), 2, 20000);
    QTRY_VERIFY(page->messageText().startsWith(u"Backed up to canopy-"));
    // Rows keep their arrival order (the view sorts): the newest is the one added last.
    const QString newest = window.backupsModel()->rowAt(1).file;
    QVERIFY(window.backupsModel()->rowAt(1).time > window.backupsModel()->rowAt(0).time);
    QVERIFY(QFile::exists(QDir(backups.path()).filePath(newest)));
    QTRY_VERIFY(page->lastSuccessText().contains(newest));
    QCOMPARE(window.backupsModel()->index(0, BackupsModel::Verified).data().toString(),
        QStringLiteral("yes"));
    QVERIFY(page->backUpButton()->isEnabled());

    window.setHost(nullptr);
    QCOMPARE(page->settingsText(), QStringLiteral("The host is not running."));
    QVERIFY(!page->backUpButton()->isEnabled());
    QCOMPARE(window.backupsModel()->rowCount(), 0);
    QVERIFY(!page->backUpNow());
}

void TestBackups::aFailureShowsWhy()
{
    QTemporaryDir data;
    QTemporaryDir parent;
    const QString dir = parent.filePath(QStringLiteral("backups"));
    QVERIFY(QDir().mkpath(dir));
    Config config = GuiTestHost::makeConfig(data.path());
    config.backupDir = dir;
    Host host(config);
    QString error;
    QVERIFY2(host.start(&error), qPrintable(error));
    MainWindow window;
    window.setHost(&host);
    BackupsPage *page = window.backupsPage();
    QCOMPARE(page->nextRunText(), QStringLiteral("on demand only"));
    QVERIFY(page->backUpNow());
    QTRY_COMPARE_WITH_TIMEOUT(window.backupsModel()->rowCount(), 1, 20000);

    // The dir gives way to a file: the next backup fails, and the page says why.
    QVERIFY(QDir(dir).removeRecursively());
    QFile file(dir);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write("in the way");
    file.close();
    QTRY_VERIFY(page->backUpButton()->isEnabled());
    QVERIFY(page->backUpNow());
    QTRY_VERIFY_WITH_TIMEOUT(page->lastFailureText().contains(u"not a directory"), 20000);
    QVERIFY(page->messageText().startsWith(u"The backup failed: "));
    QVERIFY(page->lastSuccessText().contains(u"canopy-")); // the last good one is still named
    QVERIFY(!window.backupsModel()->error().isEmpty());
}

void TestBackups::offWithoutABackupDir()
{
    GuiTestHost test;
    QVERIFY2(test.ok(), qPrintable(test.error()));
    MainWindow window;
    window.setHost(&test.host());
    BackupsPage *page = window.backupsPage();
    QVERIFY(page->settingsText().startsWith(u"Off: start Canopy with --backup-dir"));
    QVERIFY(!page->backUpButton()->isEnabled());
    QVERIFY(!page->backUpNow());
    QVERIFY(page->messageText().contains(u"--backup-dir"));
    QCOMPARE(window.backupsModel()->rowCount(), 0);
}

QTEST_MAIN(TestBackups)
#include "tst_backups.moc"
