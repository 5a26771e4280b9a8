// libFuzzer target: the admin API's request bodies (server/admin/AdminRequest.cpp), as
// POST /admin/tokens, POST /admin/bans, POST /admin/members, PUT /admin/documents/<id>/access and
// POST /admin/keys hand them over: JSON parse, typed field checks, and the ISO 8601 parses of
// "until" and "expiresAt". Every input must end in a request or a specific error.
#include "admin/AdminRequest.h"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    // A copy, as HttpExchange hands the route a QByteArray of its own.
    const QByteArray body(reinterpret_cast<const char *>(data), qsizetype(size));

    const auto token = canopy::parseIssueTokenRequest(body);
    if (!token && token.error().message.isEmpty())
        __builtin_trap(); // every refusal says why
    const auto ban = canopy::parseBanRequest(body);
    if (ban) {
        if (ban->until.isValid())
            (void)ban->until.toUTC().toString(Qt::ISODateWithMs); // as the route echoes it back
        if (!token)
            __builtin_trap(); // a valid ban body names a DID, so it is a valid token body too
    } else if (ban.error().message.isEmpty()) {
        __builtin_trap();
    }

    const auto member = canopy::parseMemberRequest(body);
    if (member) {
        if (!token)
            __builtin_trap(); // both require the string "did"
    } else if (member.error().message.isEmpty()) {
        __builtin_trap();
    }
    const auto access = canopy::parseDocumentAccessRequest(body);
    if (!access && access.error().message.isEmpty())
        __builtin_trap();
    const auto key = canopy::parseIssueKeyRequest(body);
    if (key) {
        // Whatever zone it was written in, a parsed expiry is UTC, as the route echoes it back.
        if (key->expiresAt.isValid()
            && (key->expiresAt.timeSpec() != Qt::UTC
                || key->expiresAt.toString(Qt::ISODateWithMs).isEmpty()))
            __builtin_trap();
    } else if (key.error().message.isEmpty()) {
        __builtin_trap();
    }
    return 0;
}
