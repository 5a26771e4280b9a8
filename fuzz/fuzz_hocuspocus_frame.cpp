// libFuzzer target: Hocuspocus frames (server/protocol/hocuspocus/HocuspocusCodec.h), one message
// per binary WebSocket frame, read as a provider's and as a server's. A frame that decodes must
// re-encode to bytes that decode to the same message (and re-encode to the same bytes again);
// peekKey must agree with decode on the key (and find none in a Ping or Pong); a refusal names
// its reason, and says whether the key read, as peekKey does; the same message under another key
// (rekey, what a session-aware key receives) decodes to the same message with that key.
#include "protocol/hocuspocus/HocuspocusCodec.h"

#include <cstddef>
#include <cstdint>

using canopy::HocuspocusCodec;
using canopy::HocuspocusMessage;

namespace {

bool same(const HocuspocusMessage &a, const HocuspocusMessage &b, bool compareKeys = true)
{
    return (!compareKeys || a.key == b.key) && a.type == b.type && a.syncStep == b.syncStep
        && a.data == b.data && a.authType == b.authType && a.token == b.token
        && a.hasProviderVersion == b.hasProviderVersion && a.providerVersion == b.providerVersion
        && a.text == b.text && a.status == b.status && a.trailing == b.trailing;
}

void check(QByteArrayView frame, HocuspocusMessage::Direction direction)
{
    qsizetype body = -1;
    const auto peeked = HocuspocusCodec::peekKey(frame, &body);
    const auto message = HocuspocusCodec::decode(frame, direction);
    if (!message) {
        const auto &error = message.error();
        if (error.reason.isEmpty() || error.message.isEmpty())
            __builtin_trap();
        if (error.keyDecoded != peeked.has_value() || (peeked && *peeked != error.key))
            __builtin_trap(); // decode and peekKey disagree on the key
        return;
    }
    if (message->keyless()) {
        if (peeked || frame.size() != 1)
            __builtin_trap();
    } else if (!peeked || *peeked != message->key || body < 1 || body > frame.size()) {
        __builtin_trap();
    }
    if (message->name().isEmpty() || HocuspocusMessage::typeName(message->type).isEmpty())
        __builtin_trap();
    const QByteArray name = HocuspocusMessage::documentName(message->key);
    if (!message->key.startsWith(name) || name.contains(HocuspocusMessage::SessionSeparator))
        __builtin_trap();

    const QByteArray encoded = HocuspocusCodec::encode(*message, direction);
    const auto again = HocuspocusCodec::decode(encoded, direction);
    if (!again || !same(*again, *message))
        __builtin_trap(); // encode() wrote something decode() reads differently
    if (HocuspocusCodec::encode(*again, direction) != encoded)
        __builtin_trap(); // encode is not a fixed point

    if (!message->keyless()) {
        static const QByteArray other = QByteArrayLiteral("other\0session");
        const auto moved
            = HocuspocusCodec::decode(HocuspocusCodec::rekey(encoded, other), direction);
        if (!moved || moved->key != other || !same(*moved, *message, false))
            __builtin_trap();
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArrayView frame(reinterpret_cast<const char *>(data), qsizetype(size));
    check(frame, HocuspocusMessage::Direction::FromProvider);
    check(frame, HocuspocusMessage::Direction::FromServer);
    return 0;
}
