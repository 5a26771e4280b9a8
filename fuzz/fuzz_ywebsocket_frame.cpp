// libFuzzer target: y-websocket frames (server/protocol/ywebsocket/YWebSocketCodec.h), one message
// per binary WebSocket frame. A frame that decodes must re-encode to bytes that decode to the same
// message (and re-encode to the same bytes again: encode is a fixed point); peekLabel must agree
// with decode on what the frame is; a refusal names its reason and says why. An awareness payload
// goes through decodeAwareness (what the session reads to learn the clients a connection
// introduces), whose entries must re-encode to an update that decodes to the same entries.
#include "crdt/yjs/AwarenessUpdate.h"
#include "protocol/ywebsocket/YWebSocketCodec.h"

#include <cstddef>
#include <cstdint>

using canopy::YWebSocketCodec;
using canopy::YWebSocketMessage;

namespace {

bool same(const YWebSocketMessage &a, const YWebSocketMessage &b)
{
    return a.type == b.type && a.sync.step == b.sync.step && a.sync.data == b.sync.data
        && a.awareness == b.awareness && a.authType == b.authType && a.reason == b.reason
        && a.authPayload == b.authPayload;
}

bool sameEntries(
    const QList<canopy::yjs::AwarenessEntry> &a, const QList<canopy::yjs::AwarenessEntry> &b)
{
    if (a.size() != b.size())
        return false;
    for (qsizetype i = 0; i < a.size(); ++i) {
        if (a[i].client != b[i].client || a[i].clock != b[i].clock || a[i].state != b[i].state)
            return false;
    }
    return true;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArrayView frame(reinterpret_cast<const char *>(data), qsizetype(size));
    const QString peeked = YWebSocketCodec::peekLabel(frame);
    const auto message = YWebSocketCodec::decode(frame);
    if (!message) {
        if (message.error().reason.isEmpty() || message.error().message.isEmpty())
            __builtin_trap();
        return 0;
    }
    if (peeked != message->label() || peeked.isEmpty())
        __builtin_trap(); // peekLabel disagrees with decode
    (void)YWebSocketMessage::typeName(message->type);

    const QByteArray encoded = YWebSocketCodec::encode(*message);
    if (encoded.size() > frame.size())
        __builtin_trap(); // a re-encoding is never longer than what was read (varUints shrink)
    const auto again = YWebSocketCodec::decode(encoded);
    if (!again || !same(*again, *message))
        __builtin_trap(); // encode() wrote something decode() reads differently
    if (YWebSocketCodec::encode(*again) != encoded)
        __builtin_trap(); // encode is not a fixed point

    // The host's own frames for what it relays.
    switch (message->type) {
    case YWebSocketMessage::Type::Sync:
        if (YWebSocketCodec::encodeSync(message->sync.step, message->sync.data) != encoded)
            __builtin_trap();
        break;
    case YWebSocketMessage::Type::Awareness: {
        if (YWebSocketCodec::encodeAwareness(message->awareness) != encoded)
            __builtin_trap();
        const auto entries = canopy::yjs::decodeAwareness(message->awareness);
        if (!entries) {
            if (entries.error().reason.isEmpty() || entries.error().message.isEmpty())
                __builtin_trap();
            break;
        }
        const auto back = canopy::yjs::decodeAwareness(canopy::yjs::encodeAwareness(*entries));
        if (!back || !sameEntries(*back, *entries))
            __builtin_trap();
        break;
    }
    case YWebSocketMessage::Type::Auth:
        if (message->authType == YWebSocketMessage::PermissionDenied
            && YWebSocketCodec::encodePermissionDenied(QString::fromUtf8(message->reason))
                != encoded
            && message->reason == QString::fromUtf8(message->reason).toUtf8())
            __builtin_trap(); // a UTF-8 reason is written back as it came
        break;
    case YWebSocketMessage::Type::QueryAwareness:
        if (YWebSocketCodec::encodeQueryAwareness() != encoded)
            __builtin_trap();
        break;
    }
    return 0;
}
