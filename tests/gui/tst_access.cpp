// The window's access pages over a real in-process host, driven as an operator would: the
// Members page adds and removes members, the Keys page issues a key (its value shown once) and
// revokes it, a document's Access tab edits the default and a grant, and the "can X write Y, and
// why?" checker follows each change. Every action goes through the real AdminService; the
// assertions read the models and widgets. Screenshots land in build/screenshots/.
#include "GuiTestHost.h"
#include "MainWindow.h"
#include "TestClient.h"
#include "WindowMain.h"
#include "admin/AdminService.h"
#include "common/AccessChecker.h"
#include "documents/DocumentAccessTab.h"
#include "documents/DocumentsModel.h"
#include "documents/DocumentsPage.h"
#include "documents/GrantsModel.h"
#include "keys/IssueKeyDialog.h"
#include "keys/KeysModel.h"
#include "keys/KeysPage.h"
#include "members/MembersModel.h"
#include "members/MembersPage.h"
#include "sessions/SessionsModel.h"
#include "settings/SettingsDialog.h"

#include <QAbstractItemModelTester>
#include <QClipboard>
#include <QComboBox>
#include <QDir>
#include <QGuiApplication>
#include <QLineEdit>
#include <QLocale>
#include <QPushButton>
#include <QSettings>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>
#include <QTranslator>

using namespace canopy;
using namespace canopy::ui;

namespace {

const QString AliceDid = QStringLiteral("did:plc:alice4vq3xkmrbfc2wy7z");
const QString BobDid = QStringLiteral("did:plc:bob7hd3nqc7wkxp2sv4tq");
const QString CarolDid = QStringLiteral("did:plc:carol2kq7xvbw3mt5fyzr");

QString devToken()
{
    return QString::fromLatin1(GuiTestHost::DevToken);
}

void save(QWidget *widget, const QString &name)
{
    QDir().mkpath(QStringLiteral(CANOPY_SCREENSHOT_DIR));
    const QString path = QStringLiteral(CANOPY_SCREENSHOT_DIR "/") + name + QStringLiteral(".png");
    QVERIFY2(widget->grab().save(path), qPrintable(path));
}

QAbstractItemModelTester *tester(QAbstractItemModel *model, QObject *parent)
{
    return new QAbstractItemModelTester(
        model, QAbstractItemModelTester::FailureReportingMode::QtTest, parent);
}

QString cell(const QAbstractItemModel &model, int row, int column)
{
    return model.index(row, column).data().toString();
}

int rowWhere(const QAbstractItemModel &model, int column, const QString &text)
{
    for (int row = 0; row < model.rowCount(); ++row) {
        if (model.index(row, column).data().toString() == text)
            return row;
    }
    return -1;
}

// Selects the row of `view` whose `column` shows `text`.
bool selectRow(QTableView *view, int column, const QString &text)
{
    const int row = rowWhere(*view->model(), column, text);
    if (row < 0)
        return false;
    view->setCurrentIndex(view->model()->index(row, column));
    view->selectRow(row);
    return true;
}

// Every text any cell of `model` shows or tells, for "the key is nowhere" checks.
QString everyText(const QAbstractItemModel &model)
{
    QString out;
    for (int row = 0; row < model.rowCount(); ++row) {
        for (int column = 0; column < model.columnCount(); ++column) {
            for (int role : {int(Qt::DisplayRole), int(Qt::ToolTipRole)})
                out += model.index(row, column).data(role).toString() + u'\n';
        }
    }
    return out;
}

} // namespace

class TestAccess final : public QObject
{
    Q_OBJECT

public:
    static void initMain() { QStandardPaths::setTestModeEnabled(true); }

private Q_SLOTS:
    void initTestCase();
    void membersPageAddsAndRemoves();
    void membersModeIsShown();
    void keysPageIssuesOnceAndRevokes();
    void accessTabEditsDefaultAndGrants();
};

void TestAccess::initTestCase()
{
    QSettings settings;
    settings.clear();
    settings.setValue(QLatin1String(SettingsDialog::CloseActionKey), QStringLiteral("background"));
    QLocale::setDefault(QLocale(QLocale::English, QLocale::UnitedStates));
    QTranslator *english = loadTranslation(QLocale(QLocale::English, QLocale::UnitedStates), this);
    QVERIFY2(english, "canopy_en.qm is embedded");
    QCoreApplication::installTranslator(english);
}

void TestAccess::membersPageAddsAndRemoves()
{
    GuiTestHost test;
    QVERIFY2(test.ok(), qPrintable(test.error()));
    AdminService *admin = test.host().admin();
    MainWindow window;
    window.setHost(&test.host());
    window.resize(1280, 800);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    window.showTab(MainWindow::MembersTab);
    QCOMPARE(window.tabs()->tabText(MainWindow::MembersTab), QStringLiteral("Members"));
    MembersPage *page = window.membersPage();
    MembersModel *members = window.membersModel();
    tester(members, this);
    QCOMPARE(members->rowCount(), 0);
    QVERIFY2(page->modeText().contains(QStringLiteral("Open mode")), qPrintable(page->modeText()));

    // Bad input: a clear message from the host, nothing added, the field kept for correction.
    page->didField()->setText(QStringLiteral("alice"));
    QVERIFY(!page->addMember());
    const auto refused = admin->addMember(QStringLiteral("alice"), {}, QStringLiteral("test"));
    QVERIFY(!refused.has_value());
    QCOMPARE(refused.error().code, AdminError::Code::BadRequest);
    QVERIFY2(page->messageText().contains(refused.error().message)
            && page->messageText().contains(QStringLiteral("alice")),
        qPrintable(page->messageText()));
    QCOMPARE(page->didField()->text(), QStringLiteral("alice"));
    QCOMPARE(members->rowCount(), 0);
    QVERIFY(admin->members().isEmpty());
    page->didField()->clear();
    QVERIFY(!page->addMember());
    QVERIFY(page->messageText().contains(QStringLiteral("Enter the DID")));

    // Added from the page: the table shows it at once, the form empties, the message goes.
    page->didField()->setText(AliceDid);
    page->noteField()->setText(QStringLiteral("Alice, design team"));
    QVERIFY(page->addMember());
    QCOMPARE(page->messageText(), QString());
    QCOMPARE(page->didField()->text(), QString());
    QCOMPARE(members->rowCount(), 1);
    QCOMPARE(cell(*members, 0, MembersModel::Did), AliceDid);
    QCOMPARE(cell(*members, 0, MembersModel::Note), QStringLiteral("Alice, design team"));
    QVERIFY(!cell(*members, 0, MembersModel::Added).isEmpty());
    QCOMPARE(admin->members().size(), 1);
    QCOMPARE(admin->members().constFirst().did, AliceDid);

    // Added elsewhere (the admin API's path): the table follows membersChanged.
    QVERIFY(admin->addMember(BobDid, QString(), QStringLiteral("admin-api")).has_value());
    QTRY_COMPARE(members->rowCount(), 2);
    QVERIFY(rowWhere(*members, MembersModel::Did, BobDid) >= 0);

    // Selecting a member asks about it in the checker; in open mode it may connect anyway.
    QVERIFY(selectRow(page->membersView(), MembersModel::Did, AliceDid));
    QCOMPARE(page->checker()->identityField()->text(), AliceDid);
    page->checker()->setDocument(QStringLiteral("notes"));
    QVERIFY2(page->checker()->check(), qPrintable(page->checker()->errorText()));
    QVERIFY(page->checker()->answer()->connect);
    QVERIFY(!page->checker()->answer()->why.isEmpty());
    QTest::qWait(100); // the answer's labels are laid out
    save(&window, QStringLiteral("18-members"));

    // Removed from the page (the confirmation is the button's; the action is this).
    QVERIFY(page->removeSelected());
    QCOMPARE(members->rowCount(), 1);
    QCOMPARE(cell(*members, 0, MembersModel::Did), BobDid);
    QCOMPARE(admin->members().size(), 1);

    // Removed elsewhere: the table follows.
    QVERIFY(admin->removeMember(BobDid, QStringLiteral("admin-api")).has_value());
    QTRY_COMPARE(members->rowCount(), 0);
    // Nothing selected, nothing to remove.
    QVERIFY(!page->removeSelected());
}

void TestAccess::membersModeIsShown()
{
    // With --access members the page says so, and the checker answers by the list, live.
    QTemporaryDir dir;
    Config config = GuiTestHost::makeConfig(dir.path());
    config.access = QStringLiteral("members");
    Host host(config);
    QString error;
    QVERIFY2(host.start(&error), qPrintable(error));
    MainWindow window;
    window.setHost(&host);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    window.showTab(MainWindow::MembersTab);
    MembersPage *page = window.membersPage();
    QVERIFY2(
        page->modeText().contains(QStringLiteral("Members mode")), qPrintable(page->modeText()));

    AccessChecker *checker = page->checker();
    checker->setIdentity(CarolDid);
    checker->setDocument(QStringLiteral("notes"));
    QVERIFY(checker->check());
    QVERIFY(!checker->answer()->connect);
    const QString before = checker->answer()->why;

    page->didField()->setText(CarolDid);
    QVERIFY(page->addMember());
    // The answer on screen is asked again when the members change.
    QTRY_VERIFY(checker->answer() && checker->answer()->connect);
    QVERIFY(checker->answer()->why != before);
    QVERIFY(checker->answerText().contains(QStringLiteral("✓ connect")));

    QVERIFY(selectRow(page->membersView(), MembersModel::Did, CarolDid));
    QVERIFY(page->removeSelected());
    QTRY_VERIFY(checker->answer() && !checker->answer()->connect);
    QVERIFY(checker->answerText().contains(QStringLiteral("✗ connect")));

    // Editing the question clears the old answer until the next Check.
    QTest::keyClicks(checker->identityField(), QStringLiteral("x"));
    QVERIFY(!checker->answer().has_value());
}

void TestAccess::keysPageIssuesOnceAndRevokes()
{
    GuiTestHost test;
    QVERIFY2(test.ok(), qPrintable(test.error()));
    AdminService *admin = test.host().admin();
    MainWindow window;
    window.setHost(&test.host());
    window.resize(1280, 800);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    window.showTab(MainWindow::KeysTab);
    QCOMPARE(window.tabs()->tabText(MainWindow::KeysTab), QStringLiteral("Keys"));
    KeysPage *page = window.keysPage();
    KeysModel *keys = window.keysModel();
    tester(keys, this);
    QCOMPARE(keys->rowCount(), 0);

    // A refused field: the host's message names it, nothing is issued, the dialog stays usable.
    std::unique_ptr<IssueKeyDialog> bad(page->createIssueDialog());
    bad->setName(QStringLiteral("kiosk 1!"));
    bad->setScope(QStringLiteral("team/*"));
    QVERIFY(!bad->issue());
    QVERIFY2(bad->messageText().contains(QStringLiteral("name")), qPrintable(bad->messageText()));
    QVERIFY(bad->keyValue().isEmpty());
    QVERIFY(bad->issueButton()->isEnabled());
    QCOMPARE(keys->rowCount(), 0);
    bad.reset();

    // Issued: the value shows once, with a copy button and the warning; the dialog cannot issue
    // another over it.
    const QDateTime expires = QDateTime::currentDateTimeUtc().addDays(7);
    std::unique_ptr<IssueKeyDialog> dialog(page->createIssueDialog());
    dialog->setName(QStringLiteral("kiosk-1"));
    dialog->setScope(QStringLiteral("team/*"));
    dialog->setPermission(QStringLiteral("write"));
    dialog->setExpiresAt(expires);
    dialog->show();
    QVERIFY(QTest::qWaitForWindowExposed(dialog.get()));
    QVERIFY2(dialog->issue(), qPrintable(dialog->messageText()));
    const QString value = dialog->keyValue();
    QVERIFY(value.size() >= 32);
    QVERIFY2(dialog->messageText().contains(QStringLiteral("only time it is shown")),
        qPrintable(dialog->messageText()));
    QVERIFY(!dialog->issueButton()->isEnabled());
    QVERIFY(dialog->copyButton()->isEnabled());
    dialog->copyButton()->click();
    QCOMPARE(QGuiApplication::clipboard()->text(), value);
    QTest::qWait(100);
    save(dialog.get(), QStringLiteral("19-issue-key"));
    dialog.reset();
    QGuiApplication::clipboard()->clear();

    QCOMPARE(keys->rowCount(), 1);
    QCOMPARE(cell(*keys, 0, KeysModel::Name), QStringLiteral("kiosk-1"));
    QCOMPARE(cell(*keys, 0, KeysModel::Scope), QStringLiteral("team/*"));
    QCOMPARE(cell(*keys, 0, KeysModel::Permission), QStringLiteral("write"));
    QVERIFY(!cell(*keys, 0, KeysModel::Created).isEmpty());
    // The editor shows whole minutes; the expiry kept is the one entered, within that.
    QVERIFY(qAbs(keys->index(0, KeysModel::Expires).data(KeysModel::SortRole).toLongLong()
                - expires.toMSecsSinceEpoch())
        < 60000);
    QCOMPARE(cell(*keys, 0, KeysModel::Sessions), QStringLiteral("0"));
    // The value is never shown again: not in the table, not in what the host lists.
    QVERIFY(!everyText(*keys).contains(value));
    for (const AccessKeyInfo &key : admin->accessKeys())
        QVERIFY(!key.name.contains(value) && !key.scope.contains(value));

    // A key without expiry, issued elsewhere: the table follows accessKeysChanged.
    QVERIFY(admin
                ->issueAccessKey(QStringLiteral("reader"), QStringLiteral("team/notes"),
                    QStringLiteral("read"), QDateTime(), QStringLiteral("admin-api"))
                .has_value());
    QTRY_COMPARE(keys->rowCount(), 2);
    const int reader = rowWhere(*keys, KeysModel::Name, QStringLiteral("reader"));
    QVERIFY(reader >= 0);
    QCOMPARE(cell(*keys, reader, KeysModel::Expires), QStringLiteral("never"));
    QCOMPARE(cell(*keys, reader, KeysModel::Permission), QStringLiteral("read"));

    // A live session on the key counts beside it.
    TestClient kiosk(test.port(), QStringLiteral("key:kiosk-1"), value);
    QVERIFY(kiosk.waitConnected());
    QTRY_COMPARE(cell(*keys, rowWhere(*keys, KeysModel::Name, QStringLiteral("kiosk-1")),
                     KeysModel::Sessions),
        QStringLiteral("1"));
    QVERIFY(selectRow(page->keysView(), KeysModel::Name, QStringLiteral("kiosk-1")));
    save(&window, QStringLiteral("20-keys"));

    // Revoked from the page: it leaves the list and its session closes with 4403.
    QVERIFY(page->revokeSelected());
    QCOMPARE(keys->rowCount(), 1);
    QCOMPARE(cell(*keys, 0, KeysModel::Name), QStringLiteral("reader"));
    QTRY_COMPARE(kiosk.closeCode, AdminService::RevokedCloseCode);
    QVERIFY(admin->accessKeys().size() == 1);

    // Revoked elsewhere: the table follows.
    QVERIFY(
        admin->revokeAccessKey(QStringLiteral("reader"), QStringLiteral("admin-api")).has_value());
    QTRY_COMPARE(keys->rowCount(), 0);
}

void TestAccess::accessTabEditsDefaultAndGrants()
{
    GuiTestHost test;
    QVERIFY2(test.ok(), qPrintable(test.error()));
    AdminService *admin = test.host().admin();
    MainWindow window;
    window.setHost(&test.host());
    window.resize(1280, 900);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));

    // Alice creates the document (so she owns it); Bob reads along.
    const QString doc = GuiTestHost::entityId(7);
    TestClient alice(test.port(), AliceDid, devToken());
    TestClient bob(test.port(), BobDid, devToken());
    QVERIFY(alice.waitConnected() && bob.waitConnected());
    alice.subscribe(doc);
    alice.sendUpdate(doc, GuiTestHost::update(QStringLiteral("update-a")));
    bob.subscribe(doc);
    QTRY_COMPARE_WITH_TIMEOUT(window.documentsModel()->rowCount(), 1, 5000);

    window.showTab(MainWindow::DocumentsTab);
    DocumentsPage *documents = window.documentsPage();
    QVERIFY(documents->selectDocument(doc, QStringLiteral("loro")));
    documents->detailTabs()->setCurrentIndex(DocumentsPage::AccessTab);
    DocumentAccessTab *tab = documents->accessTab();
    QCOMPARE(tab->document(), doc);
    QTRY_COMPARE(tab->ownerField()->text(), AliceDid);
    QCOMPARE(tab->defaultBox()->currentData().toString(), QStringLiteral("write"));
    QCOMPARE(tab->grantsModel()->rowCount(), 0);
    QVERIFY(!tab->applyButton()->isEnabled()); // nothing edited

    // The checker has the document filled in; Bob may write by the default.
    AccessChecker *checker = tab->checker();
    QCOMPARE(checker->documentField()->text(), doc);
    QVERIFY(checker->documentField()->isReadOnly());
    checker->setIdentity(BobDid);
    QVERIFY2(checker->check(), qPrintable(checker->errorText()));
    QVERIFY(checker->answer()->read && checker->answer()->write);
    QVERIFY2(checker->answer()->why.contains(QStringLiteral("default")),
        qPrintable(checker->answer()->why));

    // Default read: Apply sends it, the host holds it, the answer changes.
    tab->setDefaultAccess(QStringLiteral("read"));
    QVERIFY(tab->isDirty());
    QVERIFY(tab->applyButton()->isEnabled());
    QVERIFY2(tab->apply(), qPrintable(tab->messageText()));
    QVERIFY(!tab->isDirty());
    QCOMPARE(admin->documentAccess(doc)->defaultAccess, QStringLiteral("read"));
    QCOMPARE(admin->documentAccess(doc)->owner, AliceDid);
    QTRY_VERIFY(checker->answer() && !checker->answer()->write);
    QVERIFY(checker->answer()->read);
    // Bob's live subscription follows: it is read-only now.
    SessionsModel *sessions = window.sessionsModel();
    QTRY_COMPARE_WITH_TIMEOUT(
        cell(*sessions, rowWhere(*sessions, SessionsModel::Did, BobDid), SessionsModel::Rooms),
        doc + QStringLiteral(" (read)"), 3000);
    QCOMPARE(
        cell(*sessions, rowWhere(*sessions, SessionsModel::Did, AliceDid), SessionsModel::Rooms),
        doc + QStringLiteral(" (write)")); // the owner always may write

    // A grant: a bad identity is caught at once, a good one waits for Apply.
    tab->grantIdentityField()->setText(QStringLiteral("bob"));
    QVERIFY(!tab->addGrant());
    QVERIFY2(tab->messageText().contains(QStringLiteral("neither a DID")),
        qPrintable(tab->messageText()));
    QCOMPARE(tab->grantsModel()->rowCount(), 0);
    tab->grantIdentityField()->setText(BobDid);
    tab->grantPermissionBox()->setCurrentIndex(
        tab->grantPermissionBox()->findData(QStringLiteral("write")));
    QVERIFY(tab->addGrant());
    QCOMPARE(tab->grantsModel()->rowCount(), 1);
    QCOMPARE(cell(*tab->grantsModel(), 0, GrantsModel::Identity), BobDid);
    QCOMPARE(cell(*tab->grantsModel(), 0, GrantsModel::Permission), QStringLiteral("write"));
    QVERIFY(admin->documentAccess(doc)->grants.isEmpty()); // not sent yet
    QVERIFY(!checker->answer()->write);
    QVERIFY(tab->apply());
    QCOMPARE(admin->documentAccess(doc)->grants.size(), 1);
    QCOMPARE(admin->documentAccess(doc)->grants.constFirst().identity, BobDid);
    QTRY_VERIFY(checker->answer() && checker->answer()->write);
    QVERIFY2(checker->answer()->why.contains(QStringLiteral("grant")),
        qPrintable(checker->answer()->why));
    QVERIFY(checker->answerText().contains(QStringLiteral("✓ write")));
    save(&window, QStringLiteral("21-document-access"));

    // A refused Apply (an owner that is no identity) shows the host's reason and changes nothing.
    tab->ownerField()->setText(QStringLiteral("nobody"));
    QVERIFY(tab->isDirty());
    QVERIFY(!tab->apply());
    QVERIFY2(tab->messageText().contains(QStringLiteral("owner")), qPrintable(tab->messageText()));
    QCOMPARE(admin->documentAccess(doc)->owner, AliceDid);
    tab->reload(); // Revert
    QCOMPARE(tab->ownerField()->text(), AliceDid);
    QVERIFY(!tab->isDirty());

    // Removing the grant and closing the default: Bob may not even read.
    QVERIFY(!tab->removeSelectedGrant()); // nothing selected after the reload
    tab->grantsView()->selectRow(0);
    QVERIFY(tab->removeSelectedGrant());
    tab->setDefaultAccess(QStringLiteral("none"));
    QVERIFY(tab->apply());
    QTRY_VERIFY(checker->answer() && !checker->answer()->read);
    QVERIFY(!checker->answer()->write);
    QVERIFY(admin->documentAccess(doc)->grants.isEmpty());
    checker->setIdentity(AliceDid);
    QVERIFY(checker->check());
    QVERIFY(checker->answer()->write); // the owner
    QVERIFY2(checker->answer()->why.contains(QStringLiteral("owns")),
        qPrintable(checker->answer()->why));

    // Changed elsewhere (the admin API): the untouched tab and the checker follow.
    DocumentAccessInfo open = *admin->documentAccess(doc);
    open.defaultAccess = QStringLiteral("write");
    QVERIFY(admin->setDocumentAccess(doc, open, QStringLiteral("admin-api")).has_value());
    QTRY_COMPARE(tab->defaultBox()->currentData().toString(), QStringLiteral("write"));
    checker->setIdentity(BobDid);
    QVERIFY(checker->check());
    QVERIFY(checker->answer()->write);
}

QTEST_MAIN(TestAccess)
#include "tst_access.moc"
