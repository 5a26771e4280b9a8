#pragma once

#include "tls/TlsInfo.h"
#include "util/Expected.h"

#include <QList>
#include <QSslCertificate>
#include <QSslKey>

class QSslConfiguration;

namespace canopy {

// A certificate (chain) and its private key, read from PEM files and checked before the port
// serves them: the files parse, the key belongs to the certificate, the certificate is valid
// now. Errors name the file and the problem in one line.
class TlsCredentials final
{
public:
    enum class Problem
    {
        Certificate, // the certificate file: unreadable, no PEM certificate, not valid now
        Key // the key file: unreadable, no PEM key, encrypted, not the certificate's
    };
    struct Error
    {
        Problem problem;
        QString message;
    };

    // Files larger than this are no certificate or key of ours.
    static constexpr qint64 MaxFileBytes = 1024 * 1024;

    static Expected<TlsCredentials, Error> load(const QString &certPath, const QString &keyPath);
    // The same checks over PEM text (the key's PEM is never logged or kept as text).
    static Expected<TlsCredentials, Error> fromPem(const QByteArray &certPem,
        const QByteArray &keyPem, const QString &certName, const QString &keyName);

    // SHA-256 of the certificate's DER, as `openssl x509 -fingerprint -sha256` writes it.
    static QString fingerprintOf(const QSslCertificate &certificate);

    // Server mode, TLS 1.2 or later, HTTP/1.1 over ALPN, no client certificates asked for.
    QSslConfiguration serverConfiguration() const;
    TlsInfo info() const;
    const QSslCertificate &certificate() const { return m_chain.front(); }

private:
    TlsCredentials() = default;

    QList<QSslCertificate> m_chain; // the leaf first
    QSslKey m_key;
    QString m_certPath;
};

} // namespace canopy
