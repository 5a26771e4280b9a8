// libFuzzer target: loro-protocol v1 frames (server/protocol/loro/LoroProtocolCodec.h), one
// message per binary WebSocket frame. A frame that decodes must re-encode to bytes that decode to
// the same message (and re-encode to the same bytes again); peekEnvelope must agree with decode on
// the magic and type of every frame decode accepts; a decoded update re-split by encodeUpdate must
// come back whole, in frames of at most 256 KiB.
#include "protocol/loro/LoroProtocolCodec.h"

#include <cstddef>
#include <cstdint>

using canopy::LoroProtocolCodec;
using canopy::LoroProtocolError;
using canopy::LoroProtocolMessage;

namespace {

bool same(const LoroProtocolMessage &a, const LoroProtocolMessage &b)
{
    return a.magic == b.magic && a.roomId == b.roomId && a.type == b.type && a.auth == b.auth
        && a.version == b.version && a.permission == b.permission && a.extra == b.extra
        && a.code == b.code && a.message == b.message && a.receiverVersion == b.receiverVersion
        && a.appCode == b.appCode && a.updates == b.updates && a.batchId == b.batchId
        && a.fragmentCount == b.fragmentCount && a.totalSize == b.totalSize && a.index == b.index
        && a.fragment == b.fragment && a.status == b.status;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArrayView frame(reinterpret_cast<const char *>(data), qsizetype(size));
    QByteArray magic;
    quint8 type = 0;
    const bool peeked = LoroProtocolCodec::peekEnvelope(frame, &magic, &type);
    const auto message = LoroProtocolCodec::decode(frame);
    if (!message) {
        if (LoroProtocolError::codeName(message.error().code).isEmpty()
            || message.error().message.isEmpty())
            __builtin_trap();
        return 0;
    }
    if (!peeked || magic != message->magic || type != quint8(message->type))
        __builtin_trap(); // peekEnvelope disagrees with decode
    if (message->magic.size() != 4 || message->roomId.size() > LoroProtocolMessage::MaxRoomIdBytes)
        __builtin_trap();
    (void)LoroProtocolMessage::typeName(message->type);
    (void)LoroProtocolMessage::statusName(message->status);

    const QByteArray encoded = LoroProtocolCodec::encode(*message);
    const auto again = LoroProtocolCodec::decode(encoded);
    if (!again || !same(*again, *message))
        __builtin_trap(); // encode() wrote something decode() reads differently
    if (LoroProtocolCodec::encode(*again) != encoded)
        __builtin_trap(); // encode is not a fixed point

    // What the host does with an update it relays or backfills.
    if (message->type == LoroProtocolMessage::Type::DocUpdate && message->updates.size() == 1) {
        const QByteArray &update = message->updates.first();
        const QList<QByteArray> frames = LoroProtocolCodec::encodeUpdate(
            message->magic, message->roomId, update, message->batchId);
        QByteArray joined;
        for (const QByteArray &f : frames) {
            if (f.size() > LoroProtocolMessage::MaxMessageBytes)
                __builtin_trap();
            const auto part = LoroProtocolCodec::decode(f);
            if (!part || part->batchId != message->batchId || part->roomId != message->roomId)
                __builtin_trap();
            if (part->type == LoroProtocolMessage::Type::DocUpdate)
                joined = part->updates.value(0);
            else if (part->type == LoroProtocolMessage::Type::Fragment)
                joined += part->fragment;
        }
        if (joined != update)
            __builtin_trap();
    }
    return 0;
}
