#include "http/HttpHeadParser.h"

#include <limits>

#include <QUrl>

namespace canopy {
namespace {

bool isTokenChar(char c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return true;
    switch (c) {
    case '!':
    case '#':
    case '$':
    case '%':
    case '&':
    case '\'':
    case '*':
    case '+':
    case '-':
    case '.':
    case '^':
    case '_':
    case '`':
    case '|':
    case '~':
        return true;
    default:
        return false;
    }
}

bool isToken(QByteArrayView text)
{
    if (text.isEmpty())
        return false;
    for (char c : text) {
        if (!isTokenChar(c))
            return false;
    }
    return true;
}

bool isFieldValue(QByteArrayView text)
{
    for (char c : text) {
        const auto u = static_cast<unsigned char>(c);
        if ((u < 0x20 && u != '\t') || u == 0x7f)
            return false;
    }
    return true;
}

bool isTarget(QByteArrayView text)
{
    if (text.isEmpty() || (text.front() != '/' && text != "*"))
        return false;
    for (char c : text) {
        const auto u = static_cast<unsigned char>(c);
        if (u <= 0x20 || u >= 0x7f)
            return false;
    }
    return true;
}

HttpParseError malformed(const QString &message)
{
    return HttpParseError {400, message};
}

// Content-Length = 1*DIGIT (RFC 9110 8.6), written as senders write it: one optional space after
// the colon, then digits and nothing else, so "+26", "-1", "0x1a", " 26 " (spaces around) and
// lists ("26, 26") are refused: a length the host reads differently from a proxy in front of it
// is how requests are smuggled. Values past 18 digits saturate (the front answers 413).
Expected<qint64, HttpParseError> contentLengthValue(QByteArrayView raw)
{
    constexpr qint64 Saturated = std::numeric_limits<qint64>::max();
    if (raw.startsWith(' '))
        raw = raw.sliced(1);
    if (raw.isEmpty())
        return unexpected(malformed(QStringLiteral("Content-Length is empty")));
    qint64 value = 0;
    for (char c : raw) {
        if (c < '0' || c > '9')
            return unexpected(
                malformed(QStringLiteral("Content-Length is not a number (decimal digits only)")));
        value = value > (Saturated - 9) / 10 ? Saturated : value * 10 + (c - '0');
    }
    return value;
}

} // namespace

qsizetype HttpHeadParser::headLength(QByteArrayView buffered, qsizetype limit)
{
    const qsizetype end = buffered.indexOf(QByteArrayView("\r\n\r\n"));
    if (end >= 0)
        return end + 4 <= limit ? end + 4 : -1;
    return buffered.size() > limit ? -1 : 0;
}

Expected<HttpRequest, HttpParseError> HttpHeadParser::parse(QByteArrayView head)
{
    if (head.size() > MaxHeadBytes)
        return unexpected(HttpParseError {431, QStringLiteral("request head exceeds 16 KiB")});
    if (!head.endsWith(QByteArrayView("\r\n\r\n")))
        return unexpected(malformed(QStringLiteral("request head is not terminated by CRLF CRLF")));

    // Keep each line's CRLF but drop the blank line that ends the head.
    QList<QByteArray> lines = head.first(head.size() - 2).toByteArray().split('\n');
    lines.removeLast();
    HttpRequest request;

    for (qsizetype i = 0; i < lines.size(); ++i) {
        QByteArray line = lines.at(i);
        if (!line.endsWith('\r'))
            return unexpected(
                malformed(QStringLiteral("line %1 does not end with CRLF").arg(i + 1)));
        line.chop(1);
        if (i == 0) {
            const QList<QByteArray> parts = line.split(' ');
            if (parts.size() != 3)
                return unexpected(
                    malformed(QStringLiteral("request line is not 'METHOD target HTTP/x.y'")));
            if (!isToken(parts[0]))
                return unexpected(malformed(QStringLiteral("method is not a token")));
            if (!isTarget(parts[1]))
                return unexpected(
                    malformed(QStringLiteral("request target is not an origin-form path")));
            if (parts[2] != "HTTP/1.1" && parts[2] != "HTTP/1.0")
                return unexpected(malformed(QStringLiteral("unsupported HTTP version")));
            request.method = parts[0];
            request.target = parts[1];
            request.version = parts[2];
            continue;
        }
        if (i > MaxHeaderCount)
            return unexpected(HttpParseError {431, QStringLiteral("more than 100 header fields")});
        const qsizetype colon = line.indexOf(':');
        if (colon <= 0)
            return unexpected(
                malformed(QStringLiteral("header line %1 has no field name").arg(i + 1)));
        const QByteArray name = line.left(colon);
        const QByteArray value = line.mid(colon + 1).trimmed();
        if (!isToken(name))
            return unexpected(malformed(QStringLiteral("header field name is not a token")));
        if (!isFieldValue(value))
            return unexpected(
                malformed(QStringLiteral("header field value has control characters")));
        request.headers.append({name.toLower(), value});
        if (request.headers.constLast().first == "content-length") {
            auto length = contentLengthValue(QByteArrayView(line).sliced(colon + 1));
            if (!length)
                return unexpected(length.error());
            // Repeated with the same value it is still one length (RFC 9110 8.6 allows this);
            // different values leave the body's end ambiguous.
            if (request.contentLength >= 0 && *length != request.contentLength)
                return unexpected(
                    malformed(QStringLiteral("Content-Length is given with different values")));
            request.contentLength = *length;
        }
    }

    if (request.version == "HTTP/1.1" && !request.hasHeader("host"))
        return unexpected(malformed(QStringLiteral("HTTP/1.1 request without Host")));

    const qsizetype question = request.target.indexOf('?');
    const QByteArray rawPath = question < 0 ? request.target : request.target.left(question);
    request.rawPath = QString::fromLatin1(rawPath);
    request.path = QUrl::fromPercentEncoding(rawPath);
    if (question >= 0)
        request.query = QUrlQuery(QString::fromUtf8(request.target.mid(question + 1)));
    return request;
}

} // namespace canopy
