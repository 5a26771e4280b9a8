#pragma once

#include "protocol/sync1/SyncMessage.h"
#include "util/Expected.h"

namespace canopy {

struct SyncCodecError
{
    enum class Code
    {
        NotMsgpack,
        NotAMap,
        MissingField,
        WrongFieldType,
        UnknownType,
        BadEntityId,
        TooManyElements, // more msgpack elements than any Sync1 message holds
    };
    Code code = Code::NotMsgpack;
    QString message;
    static QString codeName(Code code); // stable kebab-case, for logs and metrics
};

// Sync1 frames: one msgpack map per binary WebSocket frame, decoded and encoded with msgpack-c.
class SyncCodec final
{
public:
    // A Sync1 message is a map of two or three str/bin entries; a frame may hold at most this
    // many elements in all (a map entry counts two), so what msgpack-c allocates for them stays
    // a few KiB whatever the frame's size.
    static constexpr quint64 MaxElements = 64;

    static Expected<SyncMessage, SyncCodecError> decode(QByteArrayView frame);
    // Keys in the order @msgpack/msgpack writes them, so frames are byte-identical to the JS peers.
    static QByteArray encode(const SyncMessage &message);
    static QByteArray encodeHandleUpdate(const QString &entityId, QByteArrayView update);
};

} // namespace canopy
