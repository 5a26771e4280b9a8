#include "tls/TlsCredentials.h"

#include <algorithm>
#include <memory>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <QCryptographicHash>
#include <QFile>
#include <QSslConfiguration>
#include <QSslSocket>

namespace canopy {
namespace {

template <typename T, void (*Free)(T *)> struct Deleter
{
    void operator()(T *p) const { Free(p); }
};
using BioPtr = std::unique_ptr<BIO, Deleter<BIO, BIO_free_all>>;
using EvpPkeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using X509Ptr = std::unique_ptr<X509, Deleter<X509, X509_free>>;

using Problem = TlsCredentials::Problem;

Unexpected<TlsCredentials::Error> fail(Problem problem, const QString &message)
{
    ERR_clear_error(); // nothing stale for the next caller on this thread (Qt reads it too)
    return unexpected(TlsCredentials::Error {problem, message});
}

// An encrypted key would make OpenSSL ask for its passphrase on the terminal: refuse instead.
int noPassphrase(char *, int, int, void *)
{
    return -1;
}

Expected<QByteArray, QString> readFile(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return unexpected(QStringLiteral("cannot read '%1': %2").arg(path, file.errorString()));
    // read() stops at the cap, so a FIFO or a huge file costs at most that much.
    const QByteArray bytes = file.read(TlsCredentials::MaxFileBytes + 1);
    if (bytes.size() > TlsCredentials::MaxFileBytes)
        return unexpected(QStringLiteral("'%1' is larger than %2 bytes")
                              .arg(path, QString::number(TlsCredentials::MaxFileBytes)));
    return bytes;
}

} // namespace

Expected<TlsCredentials, TlsCredentials::Error> TlsCredentials::load(
    const QString &certPath, const QString &keyPath)
{
    auto cert = readFile(certPath);
    if (!cert)
        return fail(Problem::Certificate, cert.error());
    auto key = readFile(keyPath);
    if (!key)
        return fail(Problem::Key, key.error());
    auto loaded = fromPem(*cert, *key, certPath, keyPath);
    if (loaded)
        loaded->m_certPath = certPath;
    return loaded;
}

Expected<TlsCredentials, TlsCredentials::Error> TlsCredentials::fromPem(const QByteArray &certPem,
    const QByteArray &keyPem, const QString &certName, const QString &keyName)
{
    if (!QSslSocket::supportsSsl()) {
        return fail(Problem::Certificate,
            QStringLiteral("this Qt has no TLS backend (%1)").arg(QSslSocket::activeBackend()));
    }
    if (!certPem.contains("-----BEGIN CERTIFICATE-----")) {
        return fail(Problem::Certificate,
            QStringLiteral("'%1' holds no PEM certificate (-----BEGIN CERTIFICATE-----)")
                .arg(certName));
    }
    const QList<QSslCertificate> chain = QSslCertificate::fromData(certPem, QSsl::Pem);
    const bool broken = chain.isEmpty()
        || std::any_of(chain.begin(), chain.end(), [](const auto &c) { return c.isNull(); });
    if (broken) {
        return fail(Problem::Certificate,
            QStringLiteral("'%1' holds a PEM certificate that does not parse").arg(certName));
    }

    BioPtr keyBio(BIO_new_mem_buf(keyPem.constData(), int(keyPem.size())));
    EvpPkeyPtr pkey(
        keyBio ? PEM_read_bio_PrivateKey(keyBio.get(), nullptr, noPassphrase, nullptr) : nullptr);
    if (!pkey) {
        if (keyPem.contains("ENCRYPTED")) {
            return fail(Problem::Key,
                QStringLiteral("'%1' is encrypted; give the key without a passphrase")
                    .arg(keyName));
        }
        return fail(Problem::Key,
            QStringLiteral("'%1' holds no PEM private key (-----BEGIN PRIVATE KEY-----)")
                .arg(keyName));
    }

    const QByteArray der = chain.front().toDer();
    const auto *derBytes = reinterpret_cast<const unsigned char *>(der.constData());
    X509Ptr leaf(d2i_X509(nullptr, &derBytes, long(der.size())));
    if (!leaf) {
        return fail(Problem::Certificate,
            QStringLiteral("'%1' holds a PEM certificate that does not parse").arg(certName));
    }
    if (X509_check_private_key(leaf.get(), pkey.get()) != 1) {
        return fail(Problem::Key,
            QStringLiteral("the key in '%1' does not belong to the certificate in '%2'")
                .arg(keyName, certName));
    }

    const QDateTime now = QDateTime::currentDateTimeUtc();
    const QSslCertificate &certificate = chain.front();
    if (certificate.expiryDate() <= now) {
        return fail(Problem::Certificate,
            QStringLiteral("the certificate in '%1' expired on %2")
                .arg(certName, certificate.expiryDate().toUTC().toString(Qt::ISODate)));
    }
    if (certificate.effectiveDate() > now) {
        return fail(Problem::Certificate,
            QStringLiteral("the certificate in '%1' is not valid before %2")
                .arg(certName, certificate.effectiveDate().toUTC().toString(Qt::ISODate)));
    }

    // Qt takes the key over (it converts RSA, EC and DSA keys, and keeps others as they are).
    QSslKey qtKey(Qt::HANDLE(pkey.release()), QSsl::PrivateKey);
    if (qtKey.isNull()) {
        return fail(Problem::Key,
            QStringLiteral("Qt's TLS backend cannot use the key in '%1'").arg(keyName));
    }
    ERR_clear_error();
    TlsCredentials credentials;
    credentials.m_chain = chain;
    credentials.m_key = qtKey;
    return credentials;
}

QString TlsCredentials::fingerprintOf(const QSslCertificate &certificate)
{
    return QString::fromLatin1(certificate.digest(QCryptographicHash::Sha256).toHex(':').toUpper());
}

QSslConfiguration TlsCredentials::serverConfiguration() const
{
    QSslConfiguration configuration = QSslConfiguration::defaultConfiguration();
    // No client certificate is verified: Qt need not load the system's CAs for every socket.
    configuration.setCaCertificates({});
    configuration.setLocalCertificateChain(m_chain);
    configuration.setPrivateKey(m_key);
    configuration.setProtocol(QSsl::TlsV1_2OrLater);
    // The server asks no certificate of its clients: identity is the token's business.
    configuration.setPeerVerifyMode(QSslSocket::VerifyNone);
    // Every route is HTTP/1.1 (a WebSocket upgrade needs it): a browser offering h2 must not
    // be told yes.
    configuration.setAllowedNextProtocols({QByteArrayLiteral("http/1.1")});
    return configuration;
}

TlsInfo TlsCredentials::info() const
{
    TlsInfo info;
    info.enabled = true;
    const QSslCertificate &leaf = certificate();
    info.fingerprint = fingerprintOf(leaf);
    info.certificatePem = leaf.toPem();
    // DNS names, then addresses, each in the certificate's order (QMultiMap keeps equal keys
    // newest first).
    const auto names = leaf.subjectAlternativeNames();
    for (const auto type : {QSsl::DnsEntry, QSsl::IpAddressEntry}) {
        QStringList ofType = names.values(type);
        std::reverse(ofType.begin(), ofType.end());
        info.subjectNames += ofType;
    }
    info.notBefore = leaf.effectiveDate().toUTC();
    info.expiry = leaf.expiryDate().toUTC();
    info.certificatePath = m_certPath;
    return info;
}

} // namespace canopy
