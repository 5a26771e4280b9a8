#pragma once

#include <QByteArray>
#include <QString>

namespace canopy {

// One decoded Leaf Sync1 message (protocol.md A4/A5).
struct SyncMessage
{
    enum class Type
    {
        Subscribe,
        Unsubscribe,
        SendUpdate,
        HandleUpdate
    };
    enum class PayloadKind
    {
        None,
        Snapshot,
        VersionVector,
        Update
    };

    Type type = Type::Subscribe;
    QString entityId;
    PayloadKind payloadKind = PayloadKind::None;
    QByteArray payload; // snapshot, versionVector or update bytes (msgpack bin)

    static QString typeName(Type type);
};

} // namespace canopy
