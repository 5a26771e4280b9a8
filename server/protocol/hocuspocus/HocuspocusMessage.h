#pragma once

#include <QByteArray>
#include <QString>

namespace canopy {

// One Hocuspocus message (hocuspocus-protocol.md H3): every binary WebSocket frame holds one.
// Keyed messages are `varString key` + `varUint type` + payload, the key naming the document
// (and, with the provider's sessionAwareness, `name \0 sessionId`); Ping and Pong are the bare
// bytes 09 and 0a. The fields below that a type does not use stay empty.
struct HocuspocusMessage
{
    enum class Type : quint8
    {
        Sync = 0, // a y-protocols sync sub-message
        Awareness = 1, // a y-protocols awareness update
        Auth = 2,
        QueryAwareness = 3,
        SyncReply = 4, // server-internal in @hocuspocus/server; never on the wire
        Stateless = 5,
        BroadcastStateless = 6, // server-internal too
        Close = 7, // one document session ends; the socket stays
        SyncStatus = 8, // the server's ack of one SyncStep2 or Update
        Ping = 9, // keyless, v4
        Pong = 10, // keyless, v4
    };

    // The Auth message's sub-type: what the provider sends (Token) and what the server answers.
    enum class AuthType : quint8
    {
        Token = 0, // provider: its token (and, v4, its version); server: "send your token again"
        PermissionDenied = 1,
        Authenticated = 2,
    };

    // Who wrote the frame: the same type carries different fields each way.
    enum class Direction
    {
        FromProvider,
        FromServer,
    };

    static constexpr char SessionSeparator = '\0';

    QByteArray key; // as sent (UTF-8); empty for Ping and Pong
    Type type = Type::Sync;

    quint8 syncStep = 0; // Sync: 0 SyncStep1, 1 SyncStep2, 2 Update
    QByteArray data; // Sync: the state vector or V1 update; Awareness: the awareness update
    AuthType authType = AuthType::Token; // Auth
    QByteArray token; // Auth Token from the provider ("" for a null token)
    bool hasProviderVersion = false; // Auth Token from a v4 provider
    QByteArray providerVersion; // e.g. "4.8.0"
    // Auth PermissionDenied: the reason; Authenticated: the scope ("read-write", "readonly");
    // Stateless: the payload; Close from the server: the reason.
    QByteArray text;
    quint64 status = 0; // SyncStatus: 1 applied, 0 not
    // What follows the fields this decoder knows (a newer provider's additions): kept, so that
    // what is decoded encodes back to the same message.
    QByteArray trailing;

    bool keyless() const { return type == Type::Ping || type == Type::Pong; }
    // The document a key names: everything before its first \0 (H3.2).
    static QByteArray documentName(const QByteArray &key);
    static QString typeName(Type type); // "sync", "awareness", ... (stable: metrics)
    // "syncStep1", "syncStep2", "update" for Sync, else typeName(): what the traffic view shows.
    QString name() const;
};

} // namespace canopy
