#pragma once

#include "util/Expected.h"

#include <QByteArray>
#include <QDateTime>
#include <QHostAddress>
#include <QList>
#include <QStringList>

namespace canopy {

// --tls self-signed: a P-256 key and a certificate for the names a LAN host is reached by,
// made once with OpenSSL and kept in the data dir, so team members trust it once.
class SelfSignedCertificate final
{
public:
    // The most Apple platforms accept for a certificate a user trusts by hand.
    static constexpr int ValidityDays = 825;

    struct Pem
    {
        QByteArray certificate;
        QByteArray key; // PKCS#8, unencrypted
    };
    struct Files
    {
        QString certPath;
        QString keyPath;
        bool created = false; // made by this call
    };

    // localhost, this machine's host name (and <name>.local, as mDNS announces it).
    static QStringList localDnsNames();
    // Loopback and every address of this machine's interfaces but link-local IPv6 (which no
    // URL names without its interface).
    static QList<QHostAddress> localAddresses();

    // A fresh key and a certificate for these names, valid `days` days from `notBefore`.
    static Expected<Pem, QString> make(const QStringList &dnsNames,
        const QList<QHostAddress> &addresses, const QDateTime &notBefore, int days = ValidityDays);

    static QString certPath(const QString &dataDir); // <data-dir>/tls-cert.pem
    static QString keyPath(const QString &dataDir); // <data-dir>/tls-key.pem

    // The pair in the data dir, made now if there is none. The key is written first, to a new
    // file that is 0600 from its first byte (O_CREAT | O_EXCL), then renamed into place; the
    // certificate last, so a crash in between leaves no certificate and the next start makes
    // a fresh pair. An existing certificate is kept as it is (its key must be there, 0600).
    static Expected<Files, QString> ensure(const QString &dataDir);
};

} // namespace canopy
