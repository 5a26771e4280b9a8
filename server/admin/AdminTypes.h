#pragma once

#include "auth/BanList.h"

#include <QByteArray>
#include <QDateTime>
#include <QList>
#include <QMetaType>
#include <QString>
#include <QStringList>

namespace canopy {

// Plain values the admin service hands to its two front ends (the window and the JSON API).

// One document a session has joined.
struct RoomInfo
{
    QString id;
    QString kind; // "loro", "elo", "eph", "eps", "yjs", "yaw"
    QString permission; // "read" or "write"
};

struct SessionInfo
{
    QString id;
    QString protocol; // "sync1", "loro", "y-websocket" or "hocuspocus" (protocolName())
    // loro-protocol and Hocuspocus sessions authenticate in their first join or Auth message
    bool authenticated = true;
    QString did;
    QString handle; // from the DID cache; empty when unknown (e.g. dev-token sessions)
    QString remote;
    QDateTime connectedAt;
    QStringList subscriptions; // Sync1: the entities subscribed
    QList<RoomInfo> rooms; // every protocol: the documents joined
    quint64 framesIn = 0;
    quint64 framesOut = 0;
    quint64 bytesIn = 0;
    quint64 bytesOut = 0;
};

// One entry of a Yjs state vector: the next clock the host expects from a client.
struct ClientClock
{
    quint64 client = 0;
    quint64 clock = 0;
};

struct DocumentInfo
{
    QString entityId; // the document's name: an EntityId, a room id or a Yjs room/document name
    QString kind; // "loro", "elo", "eps" or "yjs"
    qint64 blocks = 0; // stored units (Yjs: stored updates)
    qint64 bytes = 0;
    qint64 peers = 0; // authors (Yjs: clients)
    qint64 subscribers = 0;
    QDateTime updatedAt;
    QString lastWriter;
    // kind "yjs": the host's state vector, ascending by client (what a joiner's SyncStep1 hears)
    QList<ClientClock> stateVector;
};

// One stored unit of a document (a Loro change block, an ELO record, an ephemeral entry).
struct BlockInfo
{
    QString peer; // a Loro peer id in decimal, an ELO peer key, an ephemeral key
    quint32 counterStart = 0;
    quint32 counterEnd = 0; // exclusive
    quint32 lamportStart = 0;
    quint32 lamportEnd = 0; // exclusive
    quint32 changes = 0;
    qint64 size = 0;
    QDateTime receivedAt;
    QString fromDid;
    QString detail; // what the kind adds, e.g. "DeltaSpan, key k1"
    qint64 timestampMs = 0; // presence() entries: the writer's clock (ms since the epoch)
};

struct DocumentDetail
{
    DocumentInfo info;
    QList<BlockInfo> blocks; // oldest first
};

// A document as a fresh joiner would receive it: the payloads to import in order (one, except
// for a Loro document founded by a shallow snapshot that has changes after its root).
struct DocumentExport
{
    QString kind;
    QString fileName;
    QList<QByteArray> payloads;
};

using BanInfo = Ban; // auth/BanList.h

// One WebSocket frame as it crossed the wire, for the traffic view.
struct TrafficFrame
{
    enum class Direction
    {
        In,
        Out
    };
    quint64 seq = 0;
    QDateTime time;
    Direction direction = Direction::In;
    QString sessionId;
    QString did;
    // "sync1", "loro", "y-websocket" or "hocuspocus": which codec reads the bytes
    QString protocol;
    QString room; // y-websocket: the session's room (its frames do not name it); else empty
    bool text = false;
    QByteArray bytes; // the whole frame as sent
};

// Access control, as the operator sees it. Permissions are "none", "read", "write".
struct MemberInfo
{
    QString did;
    QString handle; // from the DID cache; empty when unknown
    QString note;
    QDateTime addedAt;
};

struct GrantInfo
{
    QString identity; // a DID or "key:<name>"
    QString permission; // "read" or "write"
};

struct DocumentAccessInfo
{
    QString owner; // empty when unknown (a document older than the record)
    QString defaultAccess; // "none", "read" or "write"
    QList<GrantInfo> grants;
};

struct AccessKeyInfo
{
    QString name;
    QString scope;
    QString permission;
    QDateTime createdAt;
    QDateTime expiresAt; // null: never
    int sessions = 0; // live sessions using it
};

struct IssuedAccessKeyInfo
{
    AccessKeyInfo key;
    QString value; // shown this once
};

struct AccessCheck
{
    bool connect = false;
    bool read = false;
    bool write = false;
    QString why;
};

struct AdminError
{
    enum class Code
    {
        NotFound,
        Conflict,
        BadRequest,
        Unavailable,
        BackupFailed
    };
    Code code = Code::NotFound;
    QString message;
    int httpStatus() const;
    // "NotFound", "Conflict", "InvalidRequest", "StoreUnavailable", "BackupFailed"
    QString name() const;
};

} // namespace canopy

Q_DECLARE_METATYPE(canopy::SessionInfo)
Q_DECLARE_METATYPE(canopy::TrafficFrame)
