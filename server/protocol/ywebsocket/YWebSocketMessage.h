#pragma once

#include "protocol/yprotocols/SyncMessage.h"

#include <QByteArray>
#include <QString>

namespace canopy {

// One y-websocket frame (y-protocols framing, one message per binary WebSocket frame): a varUint
// message type, then its payload.
struct YWebSocketMessage
{
    enum class Type : quint8
    {
        Sync = 0, // a y-protocols sync message (step 1, step 2 or update)
        Awareness = 1, // varUint8Array: an awareness update
        Auth = 2, // varUint auth type (0: permission denied), then its payload
        QueryAwareness = 3, // no payload: the receiver answers with every awareness state
    };
    static constexpr quint64 PermissionDenied = 0; // the one auth type y-protocols defines

    Type type = Type::Sync;
    yprotocols::SyncMessage sync; // Sync
    QByteArray awareness; // Awareness: the update (decoded by yjs::decodeAwareness)
    quint64 authType = PermissionDenied; // Auth
    QByteArray reason; // Auth, type 0: the reason as UTF-8
    QByteArray authPayload; // Auth of another type: what follows the type, as sent

    // "sync", "awareness", "auth", "queryAwareness".
    static QString typeName(Type type);
    // For metrics and logs: a sync message by its step ("syncStep1", "syncStep2", "update"),
    // the others by their type name.
    QString label() const;
};

} // namespace canopy
