// The overview's TLS panel against a real in-process host started with --tls self-signed: the
// listening URLs are https:// and wss://, the fingerprint shown is the SHA-256 of the certificate
// in the data dir, and the export writes that certificate (PEM, readable by others); without
// TLS the panel says how to turn it on and offers nothing to export.
#include "GuiTestHost.h"
#include "WindowMain.h"
#include "admin/AdminService.h"
#include "overview/OverviewPage.h"
#include "overview/TlsPanel.h"
#include "tls/SelfSignedCertificate.h"

#include <sys/stat.h>

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QPushButton>
#include <QSslCertificate>
#include <QStandardItemModel>
#include <QTemporaryDir>
#include <QTest>
#include <QTranslator>

using namespace canopy;
using namespace canopy::ui;

namespace {

QByteArray readAll(const QString &path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

int modeOf(const QString &path)
{
    struct stat st
    {
    };
    return ::stat(QFile::encodeName(path).constData(), &st) == 0 ? int(st.st_mode & 07777) : -1;
}

} // namespace

class TestTlsPanel : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void offSaysHowToTurnItOn();
    void showsAndExportsTheHostsCertificate();
    void speaksGerman();
};

void TestTlsPanel::offSaysHowToTurnItOn()
{
    TlsPanel panel;
    panel.show();
    QVERIFY(!panel.exportButton()->isVisible());
    QVERIFY(panel.fingerprintText().isEmpty());
    QTemporaryDir dir;
    QString error;
    QVERIFY(!panel.exportCertificate(dir.filePath(QStringLiteral("c.pem")), &error));
    QVERIFY(!error.isEmpty());
    QVERIFY(!QFile::exists(dir.filePath(QStringLiteral("c.pem"))));
}

void TestTlsPanel::showsAndExportsTheHostsCertificate()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    Config config = GuiTestHost::makeConfig(dir.path());
    config.tlsSelfSigned = true;
    config.publicUrl = QUrl(QStringLiteral("https://localhost:8095/"));
    Host host(config);
    QString startError;
    QVERIFY2(host.start(&startError), qPrintable(startError));

    QStandardItemModel sessions, documents, tokens, bans;
    OverviewPage page({&sessions, &documents, &tokens, &bans});
    page.setHost(&host);
    page.show();
    QVERIFY2(page.listeningText().contains(QStringLiteral("https://127.0.0.1:")),
        qPrintable(page.listeningText()));
    QVERIFY2(page.listeningText().contains(QStringLiteral("wss://127.0.0.1:")),
        qPrintable(page.listeningText()));

    // What the panel shows is the certificate on disk, hashed here independently.
    const QString certPath = SelfSignedCertificate::certPath(dir.path());
    const QByteArray pem = readAll(certPath);
    const QSslCertificate cert = QSslCertificate::fromData(pem, QSsl::Pem).value(0);
    QVERIFY(!cert.isNull());
    const QString fingerprint = QString::fromLatin1(
        QCryptographicHash::hash(cert.toDer(), QCryptographicHash::Sha256).toHex(':').toUpper());
    TlsPanel *panel = page.tlsPanel();
    QCOMPARE(host.admin()->tls().fingerprint, fingerprint);
    QVERIFY(host.admin()->tls().selfSigned);
    QCOMPARE(QString(panel->fingerprintText()).replace(u'\n', u':'), fingerprint);
    QVERIFY(panel->exportButton()->isVisible());
    QDir().mkpath(QStringLiteral(CANOPY_SCREENSHOT_DIR));
    page.resize(1280, 800);
    page.grab().save(QStringLiteral(CANOPY_SCREENSHOT_DIR "/22-overview-tls.png"));

    const QString exported = dir.filePath(QStringLiteral("team/canopy.pem"));
    QString error;
    QVERIFY(!panel->exportCertificate(exported, &error)); // no such directory yet
    QVERIFY(panel->statusText().contains(error));
    QVERIFY(QDir(dir.path()).mkdir(QStringLiteral("team")));
    QVERIFY2(panel->exportCertificate(exported, &error), qPrintable(error));
    QCOMPARE(readAll(exported), cert.toPem());
    QCOMPARE(modeOf(exported), 0644);
    QCOMPARE(QSslCertificate::fromData(readAll(exported), QSsl::Pem).value(0), cert);
    QVERIFY(panel->statusText().contains(exported));
}

void TestTlsPanel::speaksGerman()
{
    QTranslator *german = loadTranslation(QLocale(QLocale::German, QLocale::Germany), this);
    QVERIFY(german);
    QCoreApplication::installTranslator(german);
    TlsPanel panel;
    QCOMPARE(panel.title(), QStringLiteral("TLS"));
    QCOMPARE(panel.exportButton()->text(), QStringLiteral("Zertifikat exportieren…"));
    QCOMPARE(QCoreApplication::translate(
                 "canopy::ui::TlsPanel", "until %1 — expires in %n day(s)", nullptr, 3),
        QStringLiteral("bis %1 — läuft in 3 Tagen ab"));
    QCoreApplication::removeTranslator(german);
}

QTEST_MAIN(TestTlsPanel)
#include "tst_tlspanel.moc"
