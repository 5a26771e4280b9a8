// libFuzzer target: the HTTP/1.1 request head parser (server/http/HttpHeadParser.h).
// Input: bytes as a client writes them to the socket. The server first asks headLength() where
// the head ends, then parses exactly that prefix; both are driven here, plus parse() on the
// whole input (it must refuse anything not ending in CRLF CRLF without reading past the end).
#include "http/HttpHeadParser.h"

#include <cstddef>
#include <cstdint>

using canopy::HttpHeadParser;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArrayView input(reinterpret_cast<const char *>(data), qsizetype(size));

    const qsizetype length = HttpHeadParser::headLength(input);
    if (length > input.size())
        __builtin_trap(); // a head longer than what was buffered
    // A small limit too, as HttpServer passes a remaining budget on later reads.
    (void)HttpHeadParser::headLength(input, 64);

    if (length > 0) {
        const auto request = HttpHeadParser::parse(input.first(length));
        if (request) {
            // What the routes do next with a parsed request.
            (void)request->header("host");
            (void)request->headerHasToken("connection", "upgrade");
            (void)request->isWebSocketUpgrade();
            (void)request->query.queryItems();
        }
    }
    (void)HttpHeadParser::parse(input);
    return 0;
}
