// libFuzzer target: the admin API's request bodies (server/admin/AdminRequest.cpp), as
// POST /admin/tokens and POST /admin/bans hand them over: JSON parse, typed field checks, and
// the ISO 8601 parse of "until". Every input must end in a request or a specific error.
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
    return 0;
}
