#pragma once

#include "util/Expected.h"

#include <QString>

namespace canopy {

// One DID, one spelling. Every place a DID enters the host (upgrade paths, the JWT iss, admin
// bodies and path segments, the window) goes through here. Bans, sessions, hub members, tokens
// and the resolver's cache all compare the result, so two spellings never name two identities.
//
// The canonical form (W3C DID syntax, did:<method>:<method-specific-id>):
// - the whole string is printable ASCII: whitespace or a control character anywhere, raw or
//   percent-escaped (%0A, %20, %7F), is refused, and so are escapes of non-ASCII bytes;
// - "did:" and the method are lowercase as the spec writes them; uppercase is refused, not folded;
// - an escape of an idchar (ALPHA / DIGIT / "." / "-" / "_") is that character (%61 is "a");
//   every other escape stays an escape with uppercase hex (did:web's port: %3a is %3A);
// - did:web's host (up to the first ":") is lowercased, as host names are case-insensitive;
//   did:plc identifiers are lowercase base32, so uppercase in one is refused;
// - at most 2048 characters, the id non-empty and not ending in ":".
class Did final
{
public:
    static constexpr qsizetype MaxLength = 2048;

    // A DID given as a string (JWT iss, admin JSON, the window, --did): its canonical spelling,
    // or why it is not a DID.
    static Expected<QString, QString> canonical(QStringView did);

    // The DID at the end of a URL path (/sync/as/<did>, /loro/as/<did>, /admin/bans/<did>): taken
    // as written when it starts with "did:" (did:web:host%3A8080 keeps its own escapes), else
    // percent-decoded exactly once (encodeURIComponent of the whole DID); then canonical().
    static Expected<QString, QString> fromPathSegment(QStringView segment);

    // An access key's identity is "key:<name>", the name 1 to 64 characters of [A-Za-z0-9._-]
    // (nothing a URL path would escape, so /sync/as/key:<name> carries it as written).
    static constexpr qsizetype MaxKeyNameLength = 64;
    static bool isKeyName(QStringView name);
    static bool isKeyIdentity(QStringView identity);
    // The identity at the end of an upgrade path (/sync/as/..., /loro/as/...): a DID as
    // fromPathSegment() reads it, or exactly "key:<name>" as written (no escapes, no folding).
    static Expected<QString, QString> identityFromPathSegment(QStringView segment);

    static bool isValid(QStringView did) { return canonical(did).has_value(); }
};

} // namespace canopy
