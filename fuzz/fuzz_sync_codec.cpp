// libFuzzer target: Sync1 frame decoding (server/sync/SyncCodec.h), one msgpack map per
// binary WebSocket frame. A frame that decodes must survive encode -> decode unchanged (the host
// re-encodes what it relays).
#include "protocol/sync1/SyncCodec.h"

#include <cstddef>
#include <cstdint>

using canopy::SyncCodec;
using canopy::SyncMessage;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArrayView frame(reinterpret_cast<const char *>(data), qsizetype(size));
    const auto message = SyncCodec::decode(frame);
    if (!message) {
        (void)canopy::SyncCodecError::codeName(message.error().code);
        return 0;
    }
    const QByteArray encoded = SyncCodec::encode(*message);
    const auto again = SyncCodec::decode(encoded);
    if (!again || again->type != message->type || again->entityId != message->entityId
        || again->payloadKind != message->payloadKind || again->payload != message->payload)
        __builtin_trap(); // encode() wrote something decode() reads differently
    return 0;
}
