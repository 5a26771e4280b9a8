#pragma once

#include "protocol/loro/LoroProtocolMessage.h"
#include "util/Expected.h"

namespace canopy {

struct LoroProtocolError
{
    enum class Code
    {
        Truncated, // a field runs past the end of the frame
        BadVarUint, // more than 5 bytes, or above 2^32-1
        RoomIdTooLong, // over 128 bytes
        BadUtf8, // a room id or string that is not UTF-8
        UnknownType, // a message type byte of 09..ff
        TrailingBytes, // after a DocUpdate, fragment header, fragment or Ack
        BadPermission, // a JoinResponseOk permission other than "read" or "write"
        TooManyUpdates, // a DocUpdate of more than MaxUpdates updates
    };
    Code code = Code::Truncated;
    QString message;
    static QString codeName(Code code); // stable kebab-case, for logs and metrics
};

// loro-protocol v1 frames, decoded strictly: every length is checked before use, integers are
// at most 5-byte LEB128 u32s, room ids at most 128 bytes of UTF-8, and no type that the spec
// closes carries trailing bytes. Any 4-byte magic decodes; what a host serves is its own choice.
class LoroProtocolCodec final
{
public:
    // The updates one DocUpdate may carry. The reference client sends one per message; each
    // decoded update costs some 50 bytes however short, so a count bounded only by the frame's
    // bytes would let a 32 MiB frame of empty updates take more than 1 GiB.
    static constexpr quint32 MaxUpdates = 1024;

    static Expected<LoroProtocolMessage, LoroProtocolError> decode(QByteArrayView frame);
    static QByteArray encode(const LoroProtocolMessage &message);

    // The magic and type of a frame, without decoding the rest (for metrics); false when the
    // envelope does not parse.
    static bool peekEnvelope(QByteArrayView frame, QByteArray *magic, quint8 *type);

    // One update for a room as messages of at most 256 KiB: a DocUpdate when it fits, else a
    // FragmentHeader and Fragments of 240 KiB (the client's split), all with `batchId`.
    static QList<QByteArray> encodeUpdate(const QByteArray &magic, const QByteArray &roomId,
        const QByteArray &update, const QByteArray &batchId);
    static QByteArray randomBatchId();
};

} // namespace canopy
