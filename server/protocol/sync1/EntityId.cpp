#include "protocol/sync1/EntityId.h"

namespace canopy {

bool EntityId::isValid(QStringView id)
{
    static constexpr QStringView prefix = u"leaf:";
    if (id.size() != prefix.size() + EncodedLength || !id.startsWith(prefix))
        return false;
    for (QChar c : id.mid(prefix.size())) {
        const char16_t u = c.unicode();
        const bool digit = u >= u'0' && u <= u'9';
        // Crockford's alphabet leaves out i, l, o and u.
        const bool letter
            = u >= u'a' && u <= u'z' && u != u'i' && u != u'l' && u != u'o' && u != u'u';
        if (!digit && !letter)
            return false;
    }
    return true;
}

} // namespace canopy
