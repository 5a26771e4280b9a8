#pragma once

#include "http/HttpRequest.h"
#include "util/Expected.h"

namespace canopy {

struct HttpParseError
{
    int status = 400; // 400 malformed, 431 head too large, 501 unsupported
    QString message;
};

// Parses a request head (request line and header fields) by RFC 9112's grammar, strictly:
// a head it does not understand is refused, never guessed at.
class HttpHeadParser final
{
public:
    static constexpr qsizetype MaxHeadBytes = 16 * 1024;
    static constexpr int MaxHeaderCount = 100;

    // Length of the head including the blank line, 0 while incomplete, -1 when it exceeds the
    // limit.
    static qsizetype headLength(QByteArrayView buffered, qsizetype limit = MaxHeadBytes);
    static Expected<HttpRequest, HttpParseError> parse(QByteArrayView head);
};

} // namespace canopy
