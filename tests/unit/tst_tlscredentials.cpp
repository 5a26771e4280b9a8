// TLS credentials: the self-signed pair (--tls self-signed: P-256, the SAN, 825 days, made once in
// the data dir with a 0600 key), and what TlsCredentials refuses before the port serves a file
// (garbage, a broken PEM, an encrypted key, a key of another certificate, a certificate not
// valid now), each naming the file and the problem; TlsSetup names the setting.
#include "config/Config.h"
#include "tls/SelfSignedCertificate.h"
#include "tls/TlsCredentials.h"
#include "tls/TlsSetup.h"

#include <memory>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <sys/stat.h>

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QSslCertificate>
#include <QSslCertificateExtension>
#include <QSslConfiguration>
#include <QSslKey>
#include <QSslSocket>
#include <QTemporaryDir>
#include <QTest>

using namespace canopy;

namespace {

SelfSignedCertificate::Pem makePem(const QDateTime &notBefore = QDateTime::currentDateTimeUtc(),
    int days = SelfSignedCertificate::ValidityDays)
{
    auto pem
        = SelfSignedCertificate::make({QStringLiteral("localhost"), QStringLiteral("lan.test")},
            {QHostAddress(QStringLiteral("127.0.0.1")),
                QHostAddress(QStringLiteral("192.168.1.20")), QHostAddress(QStringLiteral("::1"))},
            notBefore, days);
    if (!pem)
        qFatal("make failed: %s", qPrintable(pem.error()));
    return *pem;
}

int modeOf(const QString &path)
{
    struct stat st
    {
    };
    return ::stat(QFile::encodeName(path).constData(), &st) == 0 ? int(st.st_mode & 07777) : -1;
}

QByteArray readAll(const QString &path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

bool writeAll(const QString &path, const QByteArray &bytes)
{
    QFile file(path);
    return file.open(QIODevice::WriteOnly | QIODevice::Truncate)
        && file.write(bytes) == bytes.size();
}

// The same key, encrypted with a passphrase (PKCS#8, AES-256-CBC).
QByteArray encrypted(const QByteArray &keyPem)
{
    std::unique_ptr<BIO, decltype(&BIO_free_all)> in(
        BIO_new_mem_buf(keyPem.constData(), int(keyPem.size())), BIO_free_all);
    std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(
        PEM_read_bio_PrivateKey(in.get(), nullptr, nullptr, nullptr), EVP_PKEY_free);
    std::unique_ptr<BIO, decltype(&BIO_free_all)> out(BIO_new(BIO_s_mem()), BIO_free_all);
    char passphrase[] = "secret";
    if (!key
        || PEM_write_bio_PKCS8PrivateKey(out.get(), key.get(), EVP_aes_256_cbc(), passphrase,
               int(sizeof passphrase - 1), nullptr, nullptr)
            != 1)
        qFatal("encrypting the key failed");
    char *data = nullptr;
    const long size = BIO_get_mem_data(out.get(), &data);
    return QByteArray(data, qsizetype(size));
}

Config tlsConfig(const QString &dataDir)
{
    Config config;
    config.dataDir = dataDir;
    config.tlsSelfSigned = true;
    return config;
}

} // namespace

class TestTlsCredentials : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void selfSignedIsP256WithTheNamesFor825Days();
    void loadsWhatItMakes();
    void fingerprintIsTheSha256OfTheDer();
    void refusals_data();
    void refusals();
    void ensureMakesThePairOnce();
    void ensureRefusesALooseOrMissingKey();
    void ensureReplacesAHalfWrittenPair();
    void setupNamesTheSetting();
    void serverConfiguration();
};

void TestTlsCredentials::selfSignedIsP256WithTheNamesFor825Days()
{
    const QDateTime from = QDateTime::currentDateTimeUtc().addSecs(-300);
    const auto pem = makePem(from);
    const QList<QSslCertificate> certs = QSslCertificate::fromData(pem.certificate, QSsl::Pem);
    QCOMPARE(certs.size(), 1);
    const QSslCertificate &cert = certs.front();
    QCOMPARE(cert.issuerDisplayName(), cert.subjectDisplayName());
    QCOMPARE(cert.publicKey().algorithm(), QSsl::Ec);
    QCOMPARE(cert.publicKey().length(), 256);
    QCOMPARE(cert.effectiveDate().toSecsSinceEpoch(), from.toSecsSinceEpoch());
    QCOMPARE(cert.effectiveDate().daysTo(cert.expiryDate()), 825);
    const auto names = cert.subjectAlternativeNames();
    QCOMPARE(names.values(QSsl::DnsEntry).size(), 2);
    QVERIFY(names.values(QSsl::DnsEntry).contains(QStringLiteral("localhost")));
    QVERIFY(names.values(QSsl::DnsEntry).contains(QStringLiteral("lan.test")));
    QVERIFY(names.values(QSsl::IpAddressEntry).contains(QStringLiteral("127.0.0.1")));
    QVERIFY(names.values(QSsl::IpAddressEntry).contains(QStringLiteral("192.168.1.20")));
    QVERIFY(names.values(QSsl::IpAddressEntry).contains(QStringLiteral("::1")));
    // A server certificate someone trusts by hand, not a CA.
    bool constrained = false;
    for (const QSslCertificateExtension &extension : cert.extensions()) {
        if (extension.name() == u"basicConstraints") {
            constrained = true;
            QCOMPARE(extension.value().toMap().value(QStringLiteral("ca")).toBool(), false);
        }
    }
    QVERIFY(constrained);
    QVERIFY(pem.key.startsWith("-----BEGIN PRIVATE KEY-----"));

    // The local names: localhost and this machine's, never an address no URL can name.
    QVERIFY(SelfSignedCertificate::localDnsNames().contains(QStringLiteral("localhost")));
    const QList<QHostAddress> local = SelfSignedCertificate::localAddresses();
    QVERIFY(local.contains(QHostAddress(QHostAddress::LocalHost)));
    for (const QHostAddress &address : local)
        QVERIFY2(!address.isLinkLocal(), qPrintable(address.toString()));
}

void TestTlsCredentials::loadsWhatItMakes()
{
    const auto pem = makePem();
    auto loaded = TlsCredentials::fromPem(
        pem.certificate, pem.key, QStringLiteral("cert"), QStringLiteral("key"));
    QVERIFY2(loaded, loaded ? "" : qPrintable(loaded.error().message));
    const TlsInfo info = loaded->info();
    QVERIFY(info.enabled);
    QCOMPARE(info.certificatePem, loaded->certificate().toPem());
    QCOMPARE(info.subjectNames,
        QStringList({QStringLiteral("localhost"), QStringLiteral("lan.test"),
            QStringLiteral("127.0.0.1"), QStringLiteral("192.168.1.20"), QStringLiteral("::1")}));
    QCOMPARE(info.notBefore.daysTo(info.expiry), 825);
}

void TestTlsCredentials::fingerprintIsTheSha256OfTheDer()
{
    const auto pem = makePem();
    const QSslCertificate cert = QSslCertificate::fromData(pem.certificate, QSsl::Pem).front();
    const QString fingerprint = TlsCredentials::fingerprintOf(cert);
    QCOMPARE(fingerprint.size(), 32 * 3 - 1);
    QCOMPARE(fingerprint,
        QString::fromLatin1(QCryptographicHash::hash(cert.toDer(), QCryptographicHash::Sha256)
                                .toHex(':')
                                .toUpper()));
}

void TestTlsCredentials::refusals_data()
{
    QTest::addColumn<QByteArray>("cert");
    QTest::addColumn<QByteArray>("key");
    QTest::addColumn<int>("problem");
    QTest::addColumn<QString>("says");

    const auto good = makePem();
    const auto other = makePem();
    const auto expired = makePem(QDateTime::currentDateTimeUtc().addDays(-900));
    const auto future = makePem(QDateTime::currentDateTimeUtc().addDays(2));
    const int cert = int(TlsCredentials::Problem::Certificate);
    const int key = int(TlsCredentials::Problem::Key);
    QByteArray broken = good.certificate;
    broken.replace(40, 20, "!!!!not*base64!!!!!!");

    QTest::newRow("garbage certificate")
        << QByteArray("this is not a certificate\n") << good.key << cert
        << QStringLiteral("'c.pem' holds no PEM certificate");
    QTest::newRow("empty certificate")
        << QByteArray() << good.key << cert << QStringLiteral("'c.pem' holds no PEM certificate");
    QTest::newRow("broken PEM") << broken << good.key << cert
                                << QStringLiteral(
                                       "'c.pem' holds a PEM certificate that does not parse");
    QTest::newRow("the key as certificate")
        << good.key << good.key << cert << QStringLiteral("'c.pem' holds no PEM certificate");
    QTest::newRow("garbage key") << good.certificate << QByteArray("\x01\x02 garbage") << key
                                 << QStringLiteral("'k.pem' holds no PEM private key");
    QTest::newRow("certificate as key") << good.certificate << good.certificate << key
                                        << QStringLiteral("'k.pem' holds no PEM private key");
    QTest::newRow("encrypted key")
        << good.certificate << encrypted(good.key) << key << QStringLiteral("'k.pem' is encrypted");
    QTest::newRow("another certificate's key")
        << good.certificate << other.key << key
        << QStringLiteral("the key in 'k.pem' does not belong to the certificate in 'c.pem'");
    QTest::newRow("expired") << expired.certificate << expired.key << cert
                             << QStringLiteral("the certificate in 'c.pem' expired on ");
    QTest::newRow("not yet valid")
        << future.certificate << future.key << cert
        << QStringLiteral("the certificate in 'c.pem' is not valid before ");
}

void TestTlsCredentials::refusals()
{
    QFETCH(QByteArray, cert);
    QFETCH(QByteArray, key);
    QFETCH(int, problem);
    QFETCH(QString, says);
    auto loaded
        = TlsCredentials::fromPem(cert, key, QStringLiteral("c.pem"), QStringLiteral("k.pem"));
    QVERIFY(!loaded);
    QCOMPARE(int(loaded.error().problem), problem);
    QVERIFY2(loaded.error().message.startsWith(says), qPrintable(loaded.error().message));
    QVERIFY(!loaded.error().message.contains(u'\n'));
}

void TestTlsCredentials::ensureMakesThePairOnce()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    auto first = SelfSignedCertificate::ensure(dir.path());
    QVERIFY2(first, first ? "" : qPrintable(first.error()));
    QVERIFY(first->created);
    QCOMPARE(first->certPath, dir.filePath(QStringLiteral("tls-cert.pem")));
    QCOMPARE(first->keyPath, dir.filePath(QStringLiteral("tls-key.pem")));
    QCOMPARE(modeOf(first->keyPath), 0600);
    const QByteArray cert = readAll(first->certPath);
    const QByteArray key = readAll(first->keyPath);
    QVERIFY(TlsCredentials::load(first->certPath, first->keyPath));
    // No temporary file is left behind.
    QCOMPARE(QDir(dir.path()).entryList(QDir::Files).size(), 2);

    auto second = SelfSignedCertificate::ensure(dir.path());
    QVERIFY2(second, second ? "" : qPrintable(second.error()));
    QVERIFY(!second->created);
    QCOMPARE(readAll(second->certPath), cert);
    QCOMPARE(readAll(second->keyPath), key);
}

void TestTlsCredentials::ensureRefusesALooseOrMissingKey()
{
    QTemporaryDir dir;
    auto made = SelfSignedCertificate::ensure(dir.path());
    QVERIFY(made);
    QVERIFY(::chmod(QFile::encodeName(made->keyPath).constData(), 0644) == 0);
    auto loose = SelfSignedCertificate::ensure(dir.path());
    QVERIFY(!loose);
    QVERIFY2(loose.error().contains(QStringLiteral("must be 0600")), qPrintable(loose.error()));
    const auto checked = TlsSetup::check(tlsConfig(dir.path()));
    QVERIFY(!checked);
    QCOMPARE(checked.error().setting, QStringLiteral("tls"));

    QVERIFY(QFile::remove(made->keyPath));
    auto missing = SelfSignedCertificate::ensure(dir.path());
    QVERIFY(!missing);
    QVERIFY2(
        missing.error().contains(QStringLiteral("without its key")), qPrintable(missing.error()));
    QVERIFY(QFile::exists(made->certPath)); // never replaced behind the operator's back
}

void TestTlsCredentials::ensureReplacesAHalfWrittenPair()
{
    // A crash after the key's rename and before the certificate's leaves a key alone.
    QTemporaryDir dir;
    QVERIFY(writeAll(dir.filePath(QStringLiteral("tls-key.pem")), QByteArray("half")));
    auto made = SelfSignedCertificate::ensure(dir.path());
    QVERIFY2(made, made ? "" : qPrintable(made.error()));
    QVERIFY(made->created);
    QVERIFY(TlsCredentials::load(made->certPath, made->keyPath));
}

void TestTlsCredentials::setupNamesTheSetting()
{
    QTemporaryDir dir;
    // Nothing to check without TLS, and a self-signed pair not made yet passes.
    Config plain;
    plain.dataDir = dir.path();
    QVERIFY(TlsSetup::check(plain));
    QVERIFY(TlsSetup::check(tlsConfig(dir.path())));
    auto prepared = TlsSetup::prepare(tlsConfig(dir.path()));
    QVERIFY(prepared && *prepared && (*prepared)->created);
    auto again = TlsSetup::prepare(tlsConfig(dir.path()));
    QVERIFY(again && *again && !(*again)->created);
    QCOMPARE((*again)->credentials.info().fingerprint, (*prepared)->credentials.info().fingerprint);
    QVERIFY(TlsSetup::check(tlsConfig(dir.path())));

    const auto a = makePem();
    const auto b = makePem();
    const QString certPath = dir.filePath(QStringLiteral("given-cert.pem"));
    const QString keyPath = dir.filePath(QStringLiteral("given-key.pem"));
    QVERIFY(writeAll(certPath, a.certificate));
    QVERIFY(writeAll(keyPath, b.key));
    Config given;
    given.dataDir = dir.path();
    given.tlsCert = certPath;
    given.tlsKey = keyPath;
    auto mismatched = TlsSetup::check(given);
    QVERIFY(!mismatched);
    QCOMPARE(mismatched.error().setting, QStringLiteral("tls-key"));
    QVERIFY(mismatched.error().toString().startsWith(
        QStringLiteral("canopy: invalid setting tls-key: the key in '")));

    given.tlsCert = dir.filePath(QStringLiteral("absent.pem"));
    auto absent = TlsSetup::check(given);
    QVERIFY(!absent);
    QCOMPARE(absent.error().setting, QStringLiteral("tls-cert"));
    QVERIFY2(absent.error().problem.startsWith(QStringLiteral("cannot read '")),
        qPrintable(absent.error().problem));

    QVERIFY(writeAll(keyPath, a.key));
    given.tlsCert = certPath;
    auto fine = TlsSetup::prepare(given);
    QVERIFY2(fine, fine ? "" : qPrintable(fine.error().toString()));
    QVERIFY(*fine && !(*fine)->created);
    QCOMPARE((*fine)->credentials.info().certificatePath, certPath);
}

void TestTlsCredentials::serverConfiguration()
{
    const auto pem = makePem();
    auto loaded = TlsCredentials::fromPem(
        pem.certificate, pem.key, QStringLiteral("cert"), QStringLiteral("key"));
    QVERIFY(loaded);
    const QSslConfiguration configuration = loaded->serverConfiguration();
    QCOMPARE(configuration.localCertificate(), loaded->certificate());
    QVERIFY(!configuration.privateKey().isNull());
    QCOMPARE(configuration.protocol(), QSsl::TlsV1_2OrLater);
    QCOMPARE(configuration.peerVerifyMode(), QSslSocket::VerifyNone);
    QCOMPARE(configuration.allowedNextProtocols(), QList<QByteArray>({"http/1.1"}));
}

QTEST_GUILESS_MAIN(TestTlsCredentials)
#include "tst_tlscredentials.moc"
