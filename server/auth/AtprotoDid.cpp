#include "auth/AtprotoDid.h"

namespace canopy::auth {

namespace {

bool isIdentifierChar(char16_t c)
{
    return (c >= u'a' && c <= u'z') || (c >= u'A' && c <= u'Z') || (c >= u'0' && c <= u'9')
        || c == u'.' || c == u'_' || c == u':' || c == u'%' || c == u'-';
}

} // namespace

bool isValidAtprotoDid(QStringView did)
{
    constexpr qsizetype MaxLength = 2048;
    if (did.size() > MaxLength || !did.startsWith(u"did:"))
        return false;
    qsizetype i = 4;
    const qsizetype methodStart = i;
    while (i < did.size() && did[i] >= u'a' && did[i] <= u'z')
        ++i;
    if (i == methodStart || i >= did.size() || did[i] != u':')
        return false;
    ++i;
    if (i >= did.size())
        return false; // empty identifier
    for (qsizetype j = i; j < did.size(); ++j) {
        if (!isIdentifierChar(did[j].unicode()))
            return false;
    }
    const char16_t last = did.back().unicode();
    return last != u':' && last != u'%';
}

} // namespace canopy::auth
