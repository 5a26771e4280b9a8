// SecretStore: the admin token in the OS keychain (QtKeychain, Secret Service), or in a 0600 file.
//
// Two runs of this one binary:
//   unit.secretstore      no session bus (forced: DBUS_SESSION_BUS_ADDRESS points nowhere): the
//   keychain
//                         reports itself unavailable, and the file fallback is tested;
//   keychain.secretstore  CANOPY_EXPECT_KEYCHAIN=1 under tests/keychain/run-with-keyring.sh (a
//   private
//                         D-Bus session with gnome-keyring's Secret Service): the keychain path
//                         must work.
// The file-backend tests that need no keychain run in both.
#include "secrets/SecretStore.h"

#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>
#include <QUuid>
#include <qt6keychain/keychain.h>

using namespace canopy;

namespace {

// What one SecretStore reported, collected from its signals.
struct Outcome
{
    int ready = 0;
    int unavailable = 0;
    int failed = 0;
    int written = 0;
    int absent = 0;
    QString key;
    QString value;
    QString reason;
    SecretStore::Backend backend = SecretStore::Backend::Keychain;

    bool any() const { return ready + unavailable + failed + written + absent > 0; }
    void reset() { *this = Outcome {}; }
};

void watch(SecretStore &store, Outcome &o)
{
    QObject::connect(&store, &SecretStore::ready, &store,
        [&o](const QString &key, const QString &value, SecretStore::Backend backend) {
            ++o.ready;
            o.key = key;
            o.value = value;
            o.backend = backend;
        });
    QObject::connect(&store, &SecretStore::keychainUnavailable, &store,
        [&o](const QString &key, const QString &reason) {
            ++o.unavailable;
            o.key = key;
            o.reason = reason;
        });
    QObject::connect(
        &store, &SecretStore::failed, &store, [&o](const QString &key, const QString &reason) {
            ++o.failed;
            o.key = key;
            o.reason = reason;
        });
    QObject::connect(&store, &SecretStore::written, &store, [&o](const QString &key) {
        ++o.written;
        o.key = key;
    });
    QObject::connect(&store, &SecretStore::absent, &store, [&o](const QString &key) {
        ++o.absent;
        o.key = key;
    });
}

int modeOf(const QString &path)
{
    struct stat st
    {
    };
    if (::stat(QFile::encodeName(path).constData(), &st) != 0)
        return -1;
    return int(st.st_mode & 07777);
}

QString describe(const Outcome &o)
{
    return QStringLiteral("ready=%1 unavailable=%2 failed=%3 written=%4 absent=%7 key=%5 reason=%6")
        .arg(o.ready)
        .arg(o.unavailable)
        .arg(o.failed)
        .arg(o.written)
        .arg(o.key, o.reason)
        .arg(o.absent);
}

const QRegularExpression &tokenPattern()
{
    static const QRegularExpression pattern(QStringLiteral("^[0-9A-HJKMNP-TV-Z]{52}$"));
    return pattern;
}

constexpr int KeychainTimeoutMs = 20000;

// Restores the process umask when it goes out of scope.
class UmaskGuard
{
public:
    explicit UmaskGuard(mode_t mask)
        : m_old(::umask(mask))
    {
    }
    ~UmaskGuard() { ::umask(m_old); }

private:
    mode_t m_old;
};

} // namespace

class TestSecretStore final : public QObject
{
    Q_OBJECT

    bool m_expectKeychain = false;
    QString m_service;
    QTemporaryDir m_noBusDir;
    QStringList m_keychainKeys; // entries this run created, deleted at the end

    // Runs a raw QtKeychain job to completion; returns its error (QKeychain::NoError on success).
    QKeychain::Error runJob(QKeychain::Job *job)
    {
        bool done = false;
        QKeychain::Error error = QKeychain::OtherError;
        job->setAutoDelete(true);
        connect(job, &QKeychain::Job::finished, this, [&](QKeychain::Job *finished) {
            error = finished->error();
            done = true;
        });
        job->start();
        if (!QTest::qWaitFor([&] { return done; }, KeychainTimeoutMs))
            return QKeychain::OtherError;
        return error;
    }

    // load() never creates; write() then load() reads; remove() then load() is absent again.
    void loadWriteRemove(SecretStore::Backend backend, const QString &dirPath)
    {
        const QString key = QStringLiteral("dev-token");
        SecretStore store(m_service, dirPath);
        if (backend == SecretStore::Backend::File)
            store.useFileFallback();
        Outcome o;
        watch(store, o);
        store.remove(key); // from an earlier run; absent counts as done
        QTRY_VERIFY_WITH_TIMEOUT(o.any(), KeychainTimeoutMs);
        QVERIFY2(o.written == 1, qPrintable(describe(o)));
        o.reset();
        store.load(key);
        QTRY_VERIFY_WITH_TIMEOUT(o.any(), KeychainTimeoutMs);
        QVERIFY2(o.absent == 1 && o.ready == 0, qPrintable(describe(o)));
        QVERIFY(!QFile::exists(store.fallbackPath(key)));
        o.reset();
        store.write(key, QStringLiteral("dev-value"));
        QTRY_VERIFY_WITH_TIMEOUT(o.any(), KeychainTimeoutMs);
        QVERIFY2(o.written == 1, qPrintable(describe(o)));
        o.reset();
        store.load(key);
        QTRY_VERIFY_WITH_TIMEOUT(o.any(), KeychainTimeoutMs);
        QVERIFY2(o.ready == 1, qPrintable(describe(o)));
        QCOMPARE(o.value, QStringLiteral("dev-value"));
        QCOMPARE(o.backend, backend);
        o.reset();
        store.remove(key);
        QTRY_VERIFY_WITH_TIMEOUT(o.any(), KeychainTimeoutMs);
        QVERIFY2(o.written == 1, qPrintable(describe(o)));
        o.reset();
        store.load(key);
        QTRY_VERIFY_WITH_TIMEOUT(o.any(), KeychainTimeoutMs);
        QVERIFY2(o.absent == 1, qPrintable(describe(o)));
    }

private Q_SLOTS:
    void initTestCase()
    {
        m_expectKeychain = qEnvironmentVariable("CANOPY_EXPECT_KEYCHAIN") == u"1";
        // A service name of our own: nothing this test does can touch a real "canopy" entry.
        m_service = QStringLiteral("canopy-test-%1")
                        .arg(QUuid::createUuid().toString(QUuid::WithoutBraces));
        if (!m_expectKeychain) {
            // "No session bus" made certain, even when the developer's shell has one: the address
            // points at a socket that does not exist, and there is no X display to autolaunch one
            // from.
            QVERIFY(m_noBusDir.isValid());
            qputenv("DBUS_SESSION_BUS_ADDRESS",
                QByteArray("unix:path=")
                    + QFile::encodeName(m_noBusDir.filePath(QStringLiteral("no-bus"))));
            qunsetenv("DISPLAY");
            qunsetenv("WAYLAND_DISPLAY");
        } else {
            QVERIFY2(!qEnvironmentVariableIsEmpty("DBUS_SESSION_BUS_ADDRESS"),
                "CANOPY_EXPECT_KEYCHAIN=1 but no session bus: run through "
                "tests/keychain/run-with-keyring.sh");
        }
    }

    void cleanupTestCase()
    {
        for (const QString &key : std::as_const(m_keychainKeys)) {
            auto *job = new QKeychain::DeletePasswordJob(m_service);
            job->setKey(key);
            runJob(job);
        }
    }

    // ---- without a keychain
    // ----------------------------------------------------------------------

    void keychainUnavailableThenFileFallback()
    {
        if (m_expectKeychain)
            QSKIP("a Secret Service runs in this run (CANOPY_EXPECT_KEYCHAIN=1)");
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString key = QStringLiteral("admin-token");
        SecretStore store(m_service, dir.path());
        Outcome o;
        watch(store, o);
        QCOMPARE(store.backend(), SecretStore::Backend::Keychain);
        QCOMPARE(store.fallbackPath(key), QDir(dir.path()).filePath(key));

        store.loadOrCreate(key);
        QTRY_VERIFY_WITH_TIMEOUT(o.any(), KeychainTimeoutMs);
        QTest::qWait(50); // nothing else may follow
        QVERIFY2(o.unavailable == 1 && o.ready == 0 && o.failed == 0, qPrintable(describe(o)));
        QCOMPARE(o.key, key);
        QVERIFY2(!o.reason.isEmpty(), "keychainUnavailable carries no reason");
        // The store does not fall back on its own: the caller chooses.
        QVERIFY(!QFile::exists(store.fallbackPath(key)));
        QCOMPARE(store.backend(), SecretStore::Backend::Keychain);

        // The fallback creates the file 0600 even with a permissive umask.
        {
            UmaskGuard permissive(0);
            o.reset();
            store.useFileFallback();
            QCOMPARE(store.backend(), SecretStore::Backend::File);
            store.loadOrCreate(key);
            QTRY_VERIFY_WITH_TIMEOUT(o.any(), 5000);
        }
        QVERIFY2(o.ready == 1 && o.unavailable == 0 && o.failed == 0, qPrintable(describe(o)));
        QCOMPARE(o.backend, SecretStore::Backend::File);
        QCOMPARE(o.value.size(), 52);
        QVERIFY2(tokenPattern().match(o.value).hasMatch(), qPrintable(o.value));
        const QString path = store.fallbackPath(key);
        QVERIFY2(QFile::exists(path), qPrintable(path));
        QCOMPARE(QString::number(modeOf(path), 8), QStringLiteral("600"));
        QFile file(path);
        QVERIFY(file.open(QIODevice::ReadOnly));
        QCOMPARE(QString::fromUtf8(file.readAll()).trimmed(), o.value);
        const QString first = o.value;

        // Stable: a second store (a restart) reads the same value, and the file keeps its mode.
        SecretStore second(m_service, dir.path());
        Outcome o2;
        watch(second, o2);
        second.useFileFallback();
        second.loadOrCreate(key);
        QTRY_VERIFY_WITH_TIMEOUT(o2.any(), 5000);
        QVERIFY2(o2.ready == 1 && o2.failed == 0, qPrintable(describe(o2)));
        QCOMPARE(o2.backend, SecretStore::Backend::File);
        QCOMPARE(o2.value, first);
        QCOMPARE(modeOf(path), 0600);

        // A second attempt at the keychain is refused the same way (no silent success without a
        // bus).
        SecretStore third(m_service, dir.path());
        Outcome o3;
        watch(third, o3);
        third.loadOrCreate(key);
        QTRY_VERIFY_WITH_TIMEOUT(o3.any(), KeychainTimeoutMs);
        QVERIFY2(o3.unavailable == 1 && o3.ready == 0, qPrintable(describe(o3)));
    }

    // ---- the file backend (both runs)
    // ------------------------------------------------------------

    void fileLoadWriteRemove()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        loadWriteRemove(SecretStore::Backend::File, dir.path());
        if (QTest::currentTestFailed())
            return;
        QVERIFY(QDir(dir.path()).entryList(QDir::NoDotAndDotDot | QDir::Files).isEmpty());
    }

    void keychainLoadWriteRemove()
    {
        if (!m_expectKeychain)
            QSKIP("no Secret Service in this run (set CANOPY_EXPECT_KEYCHAIN=1 under "
                  "run-with-keyring.sh)");
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        m_keychainKeys.append(QStringLiteral("dev-token"));
        loadWriteRemove(SecretStore::Backend::Keychain, dir.path());
        if (QTest::currentTestFailed())
            return;
        QVERIFY2(QDir(dir.path())
                     .entryList(QDir::NoDotAndDotDot | QDir::AllEntries | QDir::Hidden)
                     .isEmpty(),
            "the keychain path wrote a file");
    }

    void fileWriteThenRead()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString key = QStringLiteral("dev-token");
        const QString path = QDir(dir.path()).filePath(key);
        // A file left readable by others is tightened by the next write.
        {
            QFile loose(path);
            QVERIFY(loose.open(QIODevice::WriteOnly));
            loose.write("old\n");
            loose.close();
            QVERIFY(loose.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner
                | QFileDevice::ReadGroup | QFileDevice::ReadOther));
            QCOMPARE(modeOf(path), 0644);
        }
        SecretStore store(m_service, dir.path());
        Outcome o;
        watch(store, o);
        store.useFileFallback();
        {
            UmaskGuard permissive(0);
            store.write(key, QStringLiteral("hello-secret"));
            QTRY_VERIFY_WITH_TIMEOUT(o.any(), 5000);
        }
        QVERIFY2(o.written == 1 && o.failed == 0, qPrintable(describe(o)));
        QCOMPARE(o.key, key);
        QCOMPARE(modeOf(path), 0600);

        SecretStore reader(m_service, dir.path());
        Outcome r;
        watch(reader, r);
        reader.useFileFallback();
        reader.loadOrCreate(key);
        QTRY_VERIFY_WITH_TIMEOUT(r.any(), 5000);
        QVERIFY2(r.ready == 1, qPrintable(describe(r)));
        QCOMPARE(r.value, QStringLiteral("hello-secret"));
        QCOMPARE(r.backend, SecretStore::Backend::File);

        // Overwrite, read again.
        o.reset();
        store.write(key, QStringLiteral("second-value"));
        QTRY_VERIFY_WITH_TIMEOUT(o.written == 1, 5000);
        r.reset();
        reader.loadOrCreate(key);
        QTRY_VERIFY_WITH_TIMEOUT(r.any(), 5000);
        QCOMPARE(r.value, QStringLiteral("second-value"));
        QCOMPARE(modeOf(path), 0600);
    }

    void fileExistingValueIsKept()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString key = QStringLiteral("admin-token");
        const QString path = QDir(dir.path()).filePath(key);
        {
            QFile f(path);
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write("  operator-chosen-token \n");
            // Only a file nobody else could have read or written is trusted (see refusals).
            QVERIFY(f.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner));
        }
        SecretStore store(m_service, dir.path());
        Outcome o;
        watch(store, o);
        store.useFileFallback();
        store.loadOrCreate(key);
        QTRY_VERIFY_WITH_TIMEOUT(o.any(), 5000);
        QVERIFY2(o.ready == 1, qPrintable(describe(o)));
        QCOMPARE(o.value, QStringLiteral("operator-chosen-token"));

        // An empty file holds no token: a fresh one is made and kept.
        {
            QFile f(path);
            QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
        }
        o.reset();
        store.loadOrCreate(key);
        QTRY_VERIFY_WITH_TIMEOUT(o.any(), 5000);
        QVERIFY2(o.ready == 1, qPrintable(describe(o)));
        QVERIFY2(tokenPattern().match(o.value).hasMatch(), qPrintable(o.value));
        QFile f(path);
        QVERIFY(f.open(QIODevice::ReadOnly));
        QCOMPARE(QString::fromUtf8(f.readAll()).trimmed(), o.value);
        QCOMPARE(modeOf(path), 0600);
    }

    // A fallback file is trusted only when it is a regular file (never followed through a
    // symbolic link), owned by the user running the store, with mode exactly 0600. Anything else
    // fails loadOrCreate and load with a reason naming the file, replaces nothing and reads
    // nothing; checkFile() says the same up front.
    void fileUntrustedIsRefused_data()
    {
        QTest::addColumn<QString>("shape");
        QTest::addColumn<QString>("reason"); // a word the reason must contain
        QTest::newRow("symbolic link")
            << QStringLiteral("symlink") << QStringLiteral("symbolic link");
        QTest::newRow("dangling symbolic link")
            << QStringLiteral("dangling") << QStringLiteral("symbolic link");
        QTest::newRow("world-writable") << QStringLiteral("0666") << QStringLiteral("0666");
        QTest::newRow("group-readable") << QStringLiteral("0640") << QStringLiteral("0640");
        QTest::newRow("world-readable") << QStringLiteral("0604") << QStringLiteral("0604");
        QTest::newRow("owner read-only") << QStringLiteral("0400") << QStringLiteral("0400");
        QTest::newRow("executable") << QStringLiteral("0700") << QStringLiteral("0700");
        QTest::newRow("a directory") << QStringLiteral("dir") << QStringLiteral("regular file");
        QTest::newRow("a FIFO") << QStringLiteral("fifo") << QStringLiteral("regular file");
        QTest::newRow("another user's") << QStringLiteral("nobody") << QStringLiteral("uid");
    }

    void fileUntrustedIsRefused()
    {
        QFETCH(QString, shape);
        QFETCH(QString, reason);
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString key = QStringLiteral("admin-token");
        const QString path = QDir(dir.path()).filePath(key);
        const QString target = dir.filePath(QStringLiteral("elsewhere"));
        const QByteArray native = QFile::encodeName(path);
        const QByteArray targetBytes = "someone else's file\n";
        const auto writeFile = [](const QString &at, const QByteArray &bytes, int mode) {
            QFile f(at);
            return f.open(QIODevice::WriteOnly) && f.write(bytes) == bytes.size()
                && ::chmod(QFile::encodeName(at).constData(), mode_t(mode)) == 0;
        };
        if (shape == u"symlink" || shape == u"dangling") {
            if (shape == u"symlink")
                QVERIFY(writeFile(target, targetBytes, 0600));
            QVERIFY(QFile::link(target, path));
        } else if (shape == u"dir") {
            QVERIFY(QDir().mkdir(path));
        } else if (shape == u"fifo") {
            QCOMPARE(::mkfifo(native.constData(), 0600), 0);
        } else if (shape == u"nobody") {
            if (::geteuid() != 0)
                QSKIP("giving a file to another user needs root");
            QVERIFY(writeFile(path, "planted-token\n", 0600));
            QCOMPARE(::chown(native.constData(), 65534, 65534), 0);
        } else {
            QVERIFY(writeFile(path, "planted-token\n", shape.toInt(nullptr, 8)));
        }

        const auto checked = SecretStore::checkFile(path);
        QVERIFY(!checked);
        QVERIFY2(checked.error().contains(path) && checked.error().contains(reason),
            qPrintable(checked.error()));

        for (const bool create : {true, false}) {
            SecretStore store(m_service, dir.path());
            Outcome o;
            watch(store, o);
            store.useFileFallback();
            if (create)
                store.loadOrCreate(key);
            else
                store.load(key);
            QTRY_VERIFY_WITH_TIMEOUT(o.any(), 5000);
            QVERIFY2(o.failed == 1 && o.ready == 0 && o.absent == 0, qPrintable(describe(o)));
            QVERIFY2(o.reason.contains(reason), qPrintable(o.reason));
        }
        // Nothing was replaced or followed: the link is still a link, its target unchanged.
        if (shape == u"symlink") {
            QVERIFY(QFileInfo(path).isSymLink());
            QFile t(target);
            QVERIFY(t.open(QIODevice::ReadOnly));
            QCOMPARE(t.readAll(), targetBytes);
            QCOMPARE(modeOf(target), 0600);
        }
        if (shape == u"dangling")
            QVERIFY(!QFile::exists(target));
    }

    // write() never goes through a symbolic link: the link is replaced by a 0600 file of the
    // store's own, and what it pointed to keeps its bytes.
    void fileWriteReplacesALinkNotItsTarget()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString key = QStringLiteral("dev-token");
        const QString path = QDir(dir.path()).filePath(key);
        const QString target = dir.filePath(QStringLiteral("victim"));
        {
            QFile t(target);
            QVERIFY(t.open(QIODevice::WriteOnly));
            t.write("victim bytes\n");
        }
        QVERIFY(QFile::link(target, path));
        SecretStore store(m_service, dir.path());
        Outcome o;
        watch(store, o);
        store.useFileFallback();
        {
            UmaskGuard permissive(0);
            store.write(key, QStringLiteral("new-secret"));
            QTRY_VERIFY_WITH_TIMEOUT(o.any(), 5000);
        }
        QVERIFY2(o.written == 1 && o.failed == 0, qPrintable(describe(o)));
        QVERIFY(!QFileInfo(path).isSymLink());
        QCOMPARE(modeOf(path), 0600);
        QFile t(target);
        QVERIFY(t.open(QIODevice::ReadOnly));
        QCOMPARE(t.readAll(), QByteArray("victim bytes\n"));
        o.reset();
        store.load(key);
        QTRY_VERIFY_WITH_TIMEOUT(o.any(), 5000);
        QCOMPARE(o.value, QStringLiteral("new-secret"));
        // No temporary file is left behind.
        QCOMPARE(QDir(dir.path()).entryList(QDir::NoDotAndDotDot | QDir::Files | QDir::System),
            QStringList({key, QStringLiteral("victim")}));
    }

    void fileUnwritableDirectoryFails()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        // A directory that does not exist cannot be written even by root.
        SecretStore store(m_service, dir.filePath(QStringLiteral("missing/deeper")));
        Outcome o;
        watch(store, o);
        store.useFileFallback();
        store.loadOrCreate(QStringLiteral("admin-token"));
        QTRY_VERIFY_WITH_TIMEOUT(o.any(), 5000);
        QVERIFY2(o.failed == 1 && o.ready == 0, qPrintable(describe(o)));
        QVERIFY(!o.reason.isEmpty());
    }

    // ---- with a Secret Service
    // --------------------------------------------------------------------

    void keychainCreatesAndKeeps()
    {
        if (!m_expectKeychain)
            QSKIP("no Secret Service in this run (set CANOPY_EXPECT_KEYCHAIN=1 under "
                  "run-with-keyring.sh)");
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString key = QStringLiteral("admin-token");
        m_keychainKeys.append(key);

        SecretStore first(m_service, dir.path());
        Outcome o;
        watch(first, o);
        first.loadOrCreate(key);
        QTRY_VERIFY_WITH_TIMEOUT(o.any(), KeychainTimeoutMs);
        QVERIFY2(o.ready == 1 && o.unavailable == 0 && o.failed == 0, qPrintable(describe(o)));
        QCOMPARE(o.key, key);
        QCOMPARE(o.backend, SecretStore::Backend::Keychain);
        QCOMPARE(first.backend(), SecretStore::Backend::Keychain);
        QVERIFY2(tokenPattern().match(o.value).hasMatch(), qPrintable(o.value));
        const QString value = o.value;

        // The value is in the keychain itself, read back with QtKeychain directly.
        auto *read = new QKeychain::ReadPasswordJob(m_service);
        read->setKey(key);
        QString raw;
        connect(read, &QKeychain::Job::finished, this, [&raw, read] { raw = read->textData(); });
        QCOMPARE(runJob(read), QKeychain::NoError);
        QCOMPARE(raw, value);

        // A second store (a restart) reads the same value from the keychain.
        SecretStore second(m_service, dir.path());
        Outcome o2;
        watch(second, o2);
        second.loadOrCreate(key);
        QTRY_VERIFY_WITH_TIMEOUT(o2.any(), KeychainTimeoutMs);
        QVERIFY2(o2.ready == 1 && o2.unavailable == 0, qPrintable(describe(o2)));
        QCOMPARE(o2.backend, SecretStore::Backend::Keychain);
        QCOMPARE(o2.value, value);

        // Nothing was written to the fallback directory.
        QVERIFY2(QDir(dir.path())
                     .entryList(QDir::NoDotAndDotDot | QDir::AllEntries | QDir::Hidden)
                     .isEmpty(),
            "the keychain path wrote a file");
    }

    void keychainWriteThenRead()
    {
        if (!m_expectKeychain)
            QSKIP("no Secret Service in this run (set CANOPY_EXPECT_KEYCHAIN=1 under "
                  "run-with-keyring.sh)");
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString key = QStringLiteral("dev-token");
        m_keychainKeys.append(key);

        SecretStore writer(m_service, dir.path());
        Outcome w;
        watch(writer, w);
        writer.write(key, QStringLiteral("written-value"));
        QTRY_VERIFY_WITH_TIMEOUT(w.any(), KeychainTimeoutMs);
        QVERIFY2(w.written == 1 && w.unavailable == 0 && w.failed == 0, qPrintable(describe(w)));
        QCOMPARE(w.key, key);

        SecretStore reader(m_service, dir.path());
        Outcome r;
        watch(reader, r);
        reader.loadOrCreate(key);
        QTRY_VERIFY_WITH_TIMEOUT(r.any(), KeychainTimeoutMs);
        QVERIFY2(r.ready == 1, qPrintable(describe(r)));
        QCOMPARE(r.backend, SecretStore::Backend::Keychain);
        QCOMPARE(r.value, QStringLiteral("written-value"));

        // Overwritten, the new value is read.
        w.reset();
        writer.write(key, QStringLiteral("replaced-value"));
        QTRY_VERIFY_WITH_TIMEOUT(w.any(), KeychainTimeoutMs);
        QVERIFY2(w.written == 1, qPrintable(describe(w)));
        r.reset();
        reader.loadOrCreate(key);
        QTRY_VERIFY_WITH_TIMEOUT(r.any(), KeychainTimeoutMs);
        QCOMPARE(r.value, QStringLiteral("replaced-value"));
        QVERIFY(!QFile::exists(reader.fallbackPath(key)));
    }
};

QTEST_GUILESS_MAIN(TestSecretStore)
#include "tst_secretstore.moc"
