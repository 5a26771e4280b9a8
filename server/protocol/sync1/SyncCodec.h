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
        BadEntityId
    };
    Code code = Code::NotMsgpack;
    QString message;
    static QString codeName(Code code); // stable kebab-case, for logs and metrics
};

// Sync1 frames: one msgpack map per binary WebSocket frame, decoded and encoded with msgpack-c.
class SyncCodec final
{
public:
    static Expected<SyncMessage, SyncCodecError> decode(QByteArrayView frame);
    // Keys in the order @msgpack/msgpack writes them, so frames are byte-identical to the JS peers.
    static QByteArray encode(const SyncMessage &message);
    static QByteArray encodeHandleUpdate(const QString &entityId, QByteArrayView update);
};

} // namespace canopy
