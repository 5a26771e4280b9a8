#include "util/Did.h"

#include <algorithm>

namespace canopy {
namespace {

// Bounds the work on hostile input before anything is allocated: an escaped DID at its longest
// is three characters per canonical one.
constexpr qsizetype MaxInputLength = 3 * Did::MaxLength;

bool isLowerAlpha(char16_t c)
{
    return c >= u'a' && c <= u'z';
}

bool isUpperAlpha(char16_t c)
{
    return c >= u'A' && c <= u'Z';
}

bool isDigit(char16_t c)
{
    return c >= u'0' && c <= u'9';
}

// W3C DID syntax: idchar = ALPHA / DIGIT / "." / "-" / "_" / pct-encoded.
bool isIdChar(char16_t c)
{
    return isLowerAlpha(c) || isUpperAlpha(c) || isDigit(c) || c == u'.' || c == u'-' || c == u'_';
}

int hexValue(char16_t c)
{
    if (isDigit(c))
        return c - u'0';
    if (c >= u'a' && c <= u'f')
        return c - u'a' + 10;
    if (c >= u'A' && c <= u'F')
        return c - u'A' + 10;
    return -1;
}

// Whitespace, C0 controls and DEL; everything printable in ASCII is 0x21..0x7e.
bool isControlOrSpace(char16_t c)
{
    return c <= 0x20 || c == 0x7f;
}

QString describe(char16_t c)
{
    return QStringLiteral("U+%1").arg(uint(c), 4, 16, QLatin1Char('0')).toUpper();
}

QString escaped(int byte)
{
    return u'%' + QString::number(byte, 16).toUpper().rightJustified(2, u'0');
}

// Refuses what no DID may hold anywhere: whitespace, controls, anything outside ASCII.
Expected<void, QString> checkCharacters(QStringView text)
{
    for (qsizetype i = 0; i < text.size(); ++i) {
        const char16_t c = text[i].unicode();
        if (isControlOrSpace(c)) {
            return unexpected(
                QStringLiteral("character %1 is whitespace or a control character (%2)")
                    .arg(QString::number(i + 1), describe(c)));
        }
        if (c > 0x7e) {
            return unexpected(QStringLiteral("character %1 is not ASCII (%2)")
                                  .arg(QString::number(i + 1), describe(c)));
        }
    }
    return {};
}

} // namespace

Expected<QString, QString> Did::canonical(QStringView did)
{
    if (did.size() > MaxInputLength)
        return unexpected(QStringLiteral("longer than %1 characters").arg(MaxLength));
    if (auto ok = checkCharacters(did); !ok)
        return unexpected(ok.error());
    if (!did.startsWith(u"did:")) {
        return unexpected(did.startsWith(u"did:", Qt::CaseInsensitive)
                ? QStringLiteral("the scheme is written \"did:\", in lowercase")
                : QStringLiteral("does not start with \"did:\""));
    }

    // The method: lowercase letters and digits; the spec writes it lowercase, so no folding.
    qsizetype i = 4;
    while (i < did.size() && (isLowerAlpha(did[i].unicode()) || isDigit(did[i].unicode())))
        ++i;
    const QStringView method = did.sliced(4, i - 4);
    if (i < did.size() && isUpperAlpha(did[i].unicode()))
        return unexpected(QStringLiteral("the method is lowercase letters and digits (did:plc, "
                                         "not did:PLC)"));
    if (method.isEmpty() || i >= did.size() || did[i] != u':')
        return unexpected(QStringLiteral("has no method (did:<method>:<id>)"));
    ++i;

    QString out;
    out.reserve(did.size());
    out += did.first(i);
    const qsizetype idStart = out.size();
    const bool web = method == u"web";
    bool inWebHost = web;
    for (; i < did.size(); ++i) {
        char16_t c = did[i].unicode();
        if (c == u'%') {
            const int high = i + 2 < did.size() ? hexValue(did[i + 1].unicode()) : -1;
            const int low = i + 2 < did.size() ? hexValue(did[i + 2].unicode()) : -1;
            if (high < 0 || low < 0)
                return unexpected(
                    QStringLiteral("character %1 is a '%' not followed by two hex digits")
                        .arg(i + 1));
            const int byte = high * 16 + low;
            i += 2;
            if (isControlOrSpace(char16_t(byte))) {
                return unexpected(QStringLiteral("escapes whitespace or a control character (%1)")
                                      .arg(escaped(byte)));
            }
            if (byte > 0x7e)
                return unexpected(
                    QStringLiteral("escapes a byte outside ASCII (%1)").arg(escaped(byte)));
            if (!isIdChar(char16_t(byte))) {
                out += escaped(byte); // e.g. did:web's port, %3A
                continue;
            }
            c = char16_t(byte); // an escaped idchar is that character
        } else if (c == u':') {
            inWebHost = false;
            out += u':';
            continue;
        } else if (!isIdChar(c)) {
            return unexpected(
                QStringLiteral("character %1 ('%2') is not allowed in a DID (a DID URL's path, "
                               "query or fragment is not a DID)")
                    .arg(QString::number(i + 1), QString(QChar(c))));
        }
        if (isUpperAlpha(c)) {
            if (inWebHost)
                c = char16_t(c - u'A' + u'a'); // host names are case-insensitive
            else if (method == u"plc")
                return unexpected(QStringLiteral("a did:plc identifier is lowercase"));
        }
        out += QChar(c);
    }

    if (out.size() == idStart)
        return unexpected(QStringLiteral("has an empty method-specific id"));
    if (out.endsWith(u':'))
        return unexpected(QStringLiteral("ends in ':'"));
    if (out.size() > MaxLength)
        return unexpected(QStringLiteral("longer than %1 characters").arg(MaxLength));
    return out;
}

Expected<QString, QString> Did::fromPathSegment(QStringView segment)
{
    if (segment.size() > MaxInputLength)
        return unexpected(QStringLiteral("longer than %1 characters").arg(MaxLength));
    if (segment.startsWith(u"did:"))
        return canonical(segment);
    // Encoded whole: decoded exactly once, strictly; what it decodes to is then a DID as written.
    QString decoded;
    decoded.reserve(segment.size());
    for (qsizetype i = 0; i < segment.size(); ++i) {
        const char16_t c = segment[i].unicode();
        if (c != u'%') {
            decoded += QChar(c);
            continue;
        }
        const int high = i + 2 < segment.size() ? hexValue(segment[i + 1].unicode()) : -1;
        const int low = i + 2 < segment.size() ? hexValue(segment[i + 2].unicode()) : -1;
        if (high < 0 || low < 0)
            return unexpected(
                QStringLiteral("character %1 is a '%' not followed by two hex digits").arg(i + 1));
        decoded += QChar(char16_t(high * 16 + low));
        i += 2;
    }
    return canonical(decoded);
}

bool Did::isKeyName(QStringView name)
{
    if (name.isEmpty() || name.size() > MaxKeyNameLength)
        return false;
    return std::all_of(name.begin(), name.end(), [](QChar c) { return isIdChar(c.unicode()); });
}

bool Did::isKeyIdentity(QStringView identity)
{
    return identity.startsWith(u"key:") && isKeyName(identity.sliced(4));
}

Expected<QString, QString> Did::identityFromPathSegment(QStringView segment)
{
    if (!segment.startsWith(u"key:"))
        return fromPathSegment(segment);
    if (!isKeyName(segment.sliced(4)))
        return unexpected(QStringLiteral("an access key's name is 1 to %1 characters of "
                                         "A-Z, a-z, 0-9, '.', '-' and '_'")
                              .arg(MaxKeyNameLength));
    return segment.toString();
}

} // namespace canopy
