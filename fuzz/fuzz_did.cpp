// libFuzzer target: the canonical DID spelling (server/util/Did.h).
// Input: bytes as they reach the host in an upgrade path (Latin-1, as the HTTP front reads the
// target) and in a JWT iss or an admin body (UTF-8). Beyond not crashing, it checks the contract:
// what is accepted is a fixed point of canonical(), stays within the canonical alphabet (printable
// ASCII, uppercase hex in escapes, no escape of an idchar), and a path segment of an accepted DID,
// as written or percent-encoded whole, names that same DID.
#include "util/Did.h"

#include <cstddef>
#include <cstdint>

#include <QUrl>

using canopy::Did;

namespace {

bool isIdChar(char16_t c)
{
    return (c >= u'a' && c <= u'z') || (c >= u'A' && c <= u'Z') || (c >= u'0' && c <= u'9')
        || c == u'.' || c == u'-' || c == u'_';
}

int hexValue(char16_t c)
{
    if (c >= u'0' && c <= u'9')
        return c - u'0';
    if (c >= u'A' && c <= u'F')
        return c - u'A' + 10;
    return -1; // lowercase hex is not canonical
}

void checkCanonical(const QString &did)
{
    if (did.size() > Did::MaxLength || !did.startsWith(u"did:"))
        __builtin_trap();
    for (qsizetype i = 0; i < did.size(); ++i) {
        const char16_t c = did[i].unicode();
        if (c <= 0x20 || c >= 0x7f)
            __builtin_trap(); // whitespace, a control character or non-ASCII got through
        if (c != u'%')
            continue;
        const int high = i + 2 < did.size() ? hexValue(did[i + 1].unicode()) : -1;
        const int low = i + 2 < did.size() ? hexValue(did[i + 2].unicode()) : -1;
        if (high < 0 || low < 0)
            __builtin_trap(); // a malformed or lowercase escape
        const int byte = high * 16 + low;
        if (byte <= 0x20 || byte >= 0x7f || isIdChar(char16_t(byte)))
            __builtin_trap(); // an escape that should have been refused or decoded
        i += 2;
    }
    const auto again = Did::canonical(did);
    if (!again || *again != did)
        __builtin_trap(); // not a fixed point
    const auto asPath = Did::fromPathSegment(did);
    if (!asPath || *asPath != did)
        __builtin_trap(); // written in a path, it is another DID
    const auto encoded = Did::fromPathSegment(QString::fromLatin1(QUrl::toPercentEncoding(did)));
    if (!encoded || *encoded != did)
        __builtin_trap(); // encoded whole, it is another DID
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArray bytes(reinterpret_cast<const char *>(data), qsizetype(size));
    for (const QString &input : {QString::fromLatin1(bytes), QString::fromUtf8(bytes)}) {
        if (const auto did = Did::canonical(input))
            checkCanonical(*did);
        if (const auto did = Did::fromPathSegment(input))
            checkCanonical(*did);
    }
    return 0;
}
