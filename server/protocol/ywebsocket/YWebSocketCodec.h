#pragma once

#include "crdt/yjs/YjsError.h"
#include "protocol/ywebsocket/YWebSocketMessage.h"
#include "util/Expected.h"

#include <QByteArrayView>

namespace canopy {

// Reads and writes y-websocket frames. Decoding is strict: a frame holds exactly one message
// (trailing bytes are refused), an unknown message type or sync step is refused by name. What a
// sync message or an awareness update carries is left to the Yjs engines.
class YWebSocketCodec final
{
public:
    // Reasons: "empty-frame", "truncated", "bad-varint", "unknown-message-type",
    // "unknown-sync-step", "trailing-bytes".
    static Expected<YWebSocketMessage, yjs::YjsError> decode(QByteArrayView frame);
    static QByteArray encode(const YWebSocketMessage &message);

    static QByteArray encodeSync(yprotocols::SyncStep step, QByteArrayView data);
    static QByteArray encodeAwareness(QByteArrayView update);
    static QByteArray encodePermissionDenied(const QString &reason);
    static QByteArray encodeQueryAwareness();

    // What a frame is without decoding its payload (its label() as decode would give it), for
    // the host's own frames in metrics; empty when it has no readable type.
    static QString peekLabel(QByteArrayView frame);
};

} // namespace canopy
