#include "auth/AddressKind.h"

#include <QHostAddress>

namespace canopy::auth {
namespace {

bool inRange(quint32 address, quint32 network, int prefix)
{
    const quint32 mask = prefix == 0 ? 0 : ~quint32(0) << (32 - prefix);
    return (address & mask) == network;
}

quint32 ipv4(quint8 a, quint8 b, quint8 c, quint8 d)
{
    return quint32(a) << 24 | quint32(b) << 16 | quint32(c) << 8 | d;
}

AddressKind ipv4Kind(quint32 v)
{
    if (inRange(v, ipv4(0, 0, 0, 0), 8))
        return AddressKind::Unspecified; // "this network": connecting there reaches this host
    if (inRange(v, ipv4(127, 0, 0, 0), 8))
        return AddressKind::Loopback;
    if (inRange(v, ipv4(10, 0, 0, 0), 8) || inRange(v, ipv4(172, 16, 0, 0), 12)
        || inRange(v, ipv4(192, 168, 0, 0), 16) || inRange(v, ipv4(100, 64, 0, 0), 10)
        || inRange(v, ipv4(198, 18, 0, 0), 15))
        return AddressKind::Private;
    if (inRange(v, ipv4(169, 254, 0, 0), 16))
        return AddressKind::LinkLocal;
    if (inRange(v, ipv4(224, 0, 0, 0), 4) || inRange(v, ipv4(240, 0, 0, 0), 4)
        || inRange(v, ipv4(192, 0, 0, 0), 24) || inRange(v, ipv4(192, 0, 2, 0), 24)
        || inRange(v, ipv4(198, 51, 100, 0), 24) || inRange(v, ipv4(203, 0, 113, 0), 24))
        return AddressKind::Unroutable;
    return AddressKind::Public;
}

quint32 ipv4At(const Q_IPV6ADDR &a, int offset)
{
    return ipv4(a[offset], a[offset + 1], a[offset + 2], a[offset + 3]);
}

bool startsWith(const Q_IPV6ADDR &a, std::initializer_list<quint8> prefix)
{
    int i = 0;
    for (quint8 byte : prefix) {
        if (a[i++] != byte)
            return false;
    }
    return true;
}

AddressKind ipv6Kind(const Q_IPV6ADDR &a)
{
    bool zero96 = true;
    for (int i = 0; i < 12; ++i)
        zero96 = zero96 && a[i] == 0;
    if (zero96) {
        if (ipv4At(a, 12) == 0)
            return AddressKind::Unspecified;
        if (ipv4At(a, 12) == 1)
            return AddressKind::Loopback;
        return ipv4Kind(ipv4At(a, 12)); // IPv4-compatible, deprecated but still routed as v4
    }
    if (startsWith(a, {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff}))
        return ipv4Kind(ipv4At(a, 12)); // IPv4-mapped
    if (startsWith(a, {0x00, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0}))
        return ipv4Kind(ipv4At(a, 12)); // NAT64 well-known prefix
    if (startsWith(a, {0x00, 0x64, 0xff, 0x9b, 0x00, 0x01}))
        return AddressKind::Private; // NAT64 local-use prefix
    if (startsWith(a, {0x20, 0x02}))
        return ipv4Kind(ipv4At(a, 2)); // 6to4
    if ((a[0] & 0xfe) == 0xfc || (a[0] == 0xfe && (a[1] & 0xc0) == 0xc0))
        return AddressKind::Private; // unique local, deprecated site-local
    if (a[0] == 0xfe && (a[1] & 0xc0) == 0x80)
        return AddressKind::LinkLocal;
    if (startsWith(a, {0x20, 0x01, 0x0d, 0xb8}))
        return AddressKind::Unroutable; // documentation
    // Multicast (ff00::/8), discard (100::/64) and everything outside global unicast 2000::/3.
    if ((a[0] & 0xe0) != 0x20)
        return AddressKind::Unroutable;
    return AddressKind::Public;
}

} // namespace

AddressKind addressKind(const QHostAddress &address)
{
    switch (address.protocol()) {
    case QAbstractSocket::IPv4Protocol:
        return ipv4Kind(address.toIPv4Address());
    case QAbstractSocket::IPv6Protocol:
        return ipv6Kind(address.toIPv6Address());
    default:
        return AddressKind::Unroutable;
    }
}

std::optional<AddressKind> hostNameKind(const QString &host)
{
    QString name = host.toLower();
    while (name.endsWith(u'.'))
        name.chop(1);
    QHostAddress literal;
    if (literal.setAddress(name))
        return addressKind(literal);
    if (name == u"localhost" || name.endsWith(u".localhost"))
        return AddressKind::Loopback;
    return std::nullopt;
}

bool isLocal(AddressKind kind)
{
    return kind == AddressKind::Loopback || kind == AddressKind::Private
        || kind == AddressKind::LinkLocal || kind == AddressKind::Unspecified;
}

QString addressKindName(AddressKind kind)
{
    switch (kind) {
    case AddressKind::Public:
        return QStringLiteral("public");
    case AddressKind::Loopback:
        return QStringLiteral("loopback");
    case AddressKind::Private:
        return QStringLiteral("private");
    case AddressKind::LinkLocal:
        return QStringLiteral("link-local");
    case AddressKind::Unspecified:
        return QStringLiteral("unspecified");
    case AddressKind::Unroutable:
        return QStringLiteral("unroutable");
    }
    return {};
}

} // namespace canopy::auth
