#pragma once

#include <QByteArray>
#include <QDateTime>
#include <QString>
#include <QStringList>

namespace canopy {

// What the operator needs to know of the certificate the port serves, and to hand to clients
// so they can trust it. `enabled` false: the port speaks plain HTTP.
struct TlsInfo
{
    bool enabled = false;
    bool selfSigned = false; // made by --tls self-signed
    QString fingerprint; // SHA-256 of the certificate (DER), colon-separated uppercase hex
    QByteArray certificatePem; // the leaf certificate, what clients are given as their CA
    QStringList subjectNames; // the subject alternative names (DNS names and IP addresses)
    QDateTime notBefore;
    QDateTime expiry;
    QString certificatePath;
};

} // namespace canopy
