#include "tls/SelfSignedCertificate.h"

#include "secrets/SecretStore.h"
#include "util/PrivateFile.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <memory>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <QDir>
#include <QFile>
#include <QNetworkInterface>
#include <QSysInfo>

namespace canopy {
namespace {

template <typename T, void (*Free)(T *)> struct Deleter
{
    void operator()(T *p) const { Free(p); }
};
using BioPtr = std::unique_ptr<BIO, Deleter<BIO, BIO_free_all>>;
using BignumPtr = std::unique_ptr<BIGNUM, Deleter<BIGNUM, BN_free>>;
using EvpPkeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using X509Ptr = std::unique_ptr<X509, Deleter<X509, X509_free>>;
using X509ExtensionPtr
    = std::unique_ptr<X509_EXTENSION, Deleter<X509_EXTENSION, X509_EXTENSION_free>>;

// Reads the thread's OpenSSL error queue once and empties it.
QString openSslError(const char *step)
{
    const unsigned long code = ERR_peek_last_error();
    ERR_clear_error();
    char buffer[256] = {};
    if (code != 0)
        ERR_error_string_n(code, buffer, sizeof buffer);
    return QStringLiteral("%1 failed: %2")
        .arg(QString::fromLatin1(step),
            code != 0 ? QString::fromLatin1(buffer) : QStringLiteral("unknown OpenSSL error"));
}

// A DNS name as a certificate may carry it: letters, digits, '-' and '.', lowercase.
bool isDnsName(const QString &name)
{
    if (name.isEmpty() || name.size() > 253 || name.startsWith(u'.') || name.startsWith(u'-'))
        return false;
    return std::all_of(name.begin(), name.end(), [](QChar c) {
        return (c >= u'a' && c <= u'z') || (c >= u'0' && c <= u'9') || c == u'-' || c == u'.';
    });
}

QByteArray pemOf(int (*write)(BIO *, void *), void *object)
{
    BioPtr bio(BIO_new(BIO_s_mem()));
    if (!bio || write(bio.get(), object) != 1)
        return {};
    char *data = nullptr;
    const long size = BIO_get_mem_data(bio.get(), &data);
    return QByteArray(data, qsizetype(size));
}

bool addExtension(X509 *certificate, X509V3_CTX *context, int nid, const QByteArray &value)
{
    X509ExtensionPtr extension(X509V3_EXT_conf_nid(nullptr, context, nid, value.constData()));
    return extension && X509_add_ext(certificate, extension.get(), -1) == 1;
}

bool exists(const QString &path)
{
    struct stat st
    {
    };
    return ::lstat(QFile::encodeName(path).constData(), &st) == 0;
}

} // namespace

QStringList SelfSignedCertificate::localDnsNames()
{
    QStringList names {QStringLiteral("localhost")};
    const QString host = QSysInfo::machineHostName().toLower();
    if (isDnsName(host) && host != u"localhost") {
        names.append(host);
        if (!host.contains(u'.'))
            names.append(host + QStringLiteral(".local"));
    }
    return names;
}

QList<QHostAddress> SelfSignedCertificate::localAddresses()
{
    QList<QHostAddress> addresses {
        QHostAddress(QHostAddress::LocalHost), QHostAddress(QHostAddress::LocalHostIPv6)};
    for (const QHostAddress &address : QNetworkInterface::allAddresses()) {
        if (address.isLinkLocal() || !address.scopeId().isEmpty())
            continue;
        QHostAddress plain(address.toString());
        if (!addresses.contains(plain))
            addresses.append(plain);
    }
    return addresses;
}

Expected<SelfSignedCertificate::Pem, QString> SelfSignedCertificate::make(
    const QStringList &dnsNames, const QList<QHostAddress> &addresses, const QDateTime &notBefore,
    int days)
{
    EvpPkeyPtr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
    if (!key)
        return unexpected(openSslError("P-256 key generation"));
    X509Ptr certificate(X509_new());
    if (!certificate || X509_set_version(certificate.get(), 2) != 1) // 2: X.509 v3
        return unexpected(openSslError("X509_new"));

    // A random positive 127-bit serial (RFC 5280: unique per issuer, at most 20 bytes).
    unsigned char serial[16];
    if (RAND_bytes(serial, sizeof serial) != 1)
        return unexpected(openSslError("RAND_bytes"));
    serial[0] = (serial[0] & 0x7f) | 0x40;
    BignumPtr serialNumber(BN_bin2bn(serial, sizeof serial, nullptr));
    if (!serialNumber
        || !BN_to_ASN1_INTEGER(serialNumber.get(), X509_get_serialNumber(certificate.get())))
        return unexpected(openSslError("the serial number"));

    const qint64 from = notBefore.toSecsSinceEpoch();
    if (!ASN1_TIME_set(X509_getm_notBefore(certificate.get()), time_t(from))
        || !ASN1_TIME_set(
            X509_getm_notAfter(certificate.get()), time_t(from + qint64(days) * 86400)))
        return unexpected(openSslError("the validity"));
    if (X509_set_pubkey(certificate.get(), key.get()) != 1)
        return unexpected(openSslError("X509_set_pubkey"));

    X509_NAME *name = X509_get_subject_name(certificate.get());
    const QByteArray common = (QStringLiteral("Canopy on ")
        + (dnsNames.size() > 1 ? dnsNames.at(1) : dnsNames.value(0, QStringLiteral("localhost"))))
                                  .toUtf8()
                                  .left(64);
    const auto *organization = reinterpret_cast<const unsigned char *>("Canopy (self-signed)");
    if (X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8, organization, -1, -1, 0) != 1
        || X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
               reinterpret_cast<const unsigned char *>(common.constData()), -1, -1, 0)
            != 1
        || X509_set_issuer_name(certificate.get(), name) != 1)
        return unexpected(openSslError("the subject name"));

    QStringList alternatives;
    for (const QString &dns : dnsNames)
        alternatives.append(QStringLiteral("DNS:") + dns);
    for (const QHostAddress &address : addresses)
        alternatives.append(QStringLiteral("IP:") + address.toString());
    X509V3_CTX context;
    X509V3_set_ctx_nodb(&context);
    X509V3_set_ctx(&context, certificate.get(), certificate.get(), nullptr, nullptr, 0);
    // A server's certificate that a user trusts by hand, not a CA: browsers and Apple's rules
    // want the names in the SAN, serverAuth, and at most 825 days.
    const bool extended
        = addExtension(certificate.get(), &context, NID_basic_constraints, "critical,CA:FALSE")
        && addExtension(certificate.get(), &context, NID_key_usage, "critical,digitalSignature")
        && addExtension(certificate.get(), &context, NID_ext_key_usage, "serverAuth")
        && addExtension(certificate.get(), &context, NID_subject_key_identifier, "hash")
        && addExtension(
            certificate.get(), &context, NID_subject_alt_name, alternatives.join(u',').toLatin1());
    if (!extended)
        return unexpected(openSslError("the certificate's extensions"));
    if (X509_sign(certificate.get(), key.get(), EVP_sha256()) <= 0)
        return unexpected(openSslError("X509_sign"));

    Pem pem;
    pem.certificate
        = pemOf([](BIO *bio, void *x) { return PEM_write_bio_X509(bio, static_cast<X509 *>(x)); },
            certificate.get());
    pem.key = pemOf(
        [](BIO *bio, void *k) {
            return PEM_write_bio_PrivateKey(
                bio, static_cast<EVP_PKEY *>(k), nullptr, nullptr, 0, nullptr, nullptr);
        },
        key.get());
    if (pem.certificate.isEmpty() || pem.key.isEmpty())
        return unexpected(openSslError("PEM encoding"));
    ERR_clear_error();
    return pem;
}

QString SelfSignedCertificate::certPath(const QString &dataDir)
{
    return QDir(dataDir).filePath(QStringLiteral("tls-cert.pem"));
}

QString SelfSignedCertificate::keyPath(const QString &dataDir)
{
    return QDir(dataDir).filePath(QStringLiteral("tls-key.pem"));
}

Expected<SelfSignedCertificate::Files, QString> SelfSignedCertificate::ensure(
    const QString &dataDir)
{
    Files files {certPath(dataDir), keyPath(dataDir), false};
    if (exists(files.certPath)) {
        if (!exists(files.keyPath)) {
            return unexpected(QStringLiteral("%1 is there without its key %2; remove it and a "
                                             "new pair is made")
                                  .arg(files.certPath, files.keyPath));
        }
        // The key must be one only this user could have written, as every private file here.
        if (auto trusted = SecretStore::checkFile(files.keyPath); !trusted)
            return unexpected(trusted.error());
        return files;
    }
    // Backdated a little for clients whose clocks are slightly behind; 825 days in all.
    auto pem = make(localDnsNames(), localAddresses(),
        QDateTime::currentDateTimeUtc().addSecs(-300), ValidityDays);
    if (!pem)
        return unexpected(pem.error());
    if (auto written = writePrivateFile(files.keyPath, pem->key); !written)
        return unexpected(written.error());
    if (auto written = writePrivateFile(files.certPath, pem->certificate); !written)
        return unexpected(written.error());
    // The renames themselves survive a crash once the directory is synced.
    const int dir
        = ::open(QFile::encodeName(dataDir).constData(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir >= 0) {
        ::fsync(dir);
        ::close(dir);
    }
    files.created = true;
    return files;
}

} // namespace canopy
