#pragma once

#include <optional>

#include <QString>

class QHostAddress;

namespace canopy::auth {

// What an address is, for the DID resolver's one question: may a did:web host there be asked?
// Addresses only this machine or its networks reach are Local kinds (asked only with
// --allow-loopback-did-web); Unroutable ones are never asked.
enum class AddressKind
{
    Public,
    Loopback, // 127/8, ::1
    Private, // 10/8, 172.16/12, 192.168/16, 100.64/10, 198.18/15, fc00::/7, fec0::/10
    LinkLocal, // 169.254/16, fe80::/10
    Unspecified, // 0/8, ::
    Unroutable, // multicast, broadcast, reserved and documentation ranges
};

// IPv4-mapped (::ffff:a.b.c.d), IPv4-compatible (::a.b.c.d), NAT64 (64:ff9b::/96) and 6to4
// (2002::/16) addresses are judged by the IPv4 address they carry.
AddressKind addressKind(const QHostAddress &address);

// A host name's kind before any lookup (`host` as QUrl::host() gives it): a literal address's
// kind; Loopback for "localhost" and names under ".localhost" (RFC 6761), a trailing dot
// ignored; nullopt for a name only a lookup can tell.
std::optional<AddressKind> hostNameKind(const QString &host);

bool isLocal(AddressKind kind);
QString addressKindName(AddressKind kind); // "public", "loopback", "private", ...

} // namespace canopy::auth
