#pragma once

#include "crdt/yjs/AwarenessUpdate.h"
#include "crdt/yjs/StateVector.h"
#include "crdt/yjs/UpdateDescription.h"
#include "protocol/yprotocols/SyncMessage.h"

#include <QCoreApplication>

namespace canopy::ui {

// A Yjs V1 update as the detail pane lists it: structs by client and clock range, the delete set.
struct YjsUpdatePayload
{
    qsizetype size = 0;
    bool parsed = false;
    QString error; // the codec's refusal, "truncated: ..."
    QList<yjs::ClientRunView> clients;
    yjs::DeleteSet deleteSet;
    qsizetype structCount() const;
};

struct YjsStateVectorPayload
{
    qsizetype size = 0;
    bool parsed = false;
    QString error;
    yjs::StateVector vector;
};

struct YjsAwarenessPayload
{
    qsizetype size = 0;
    bool parsed = false;
    QString error;
    QList<yjs::AwarenessEntry> entries; // the states as JSON text, as sent
};

// One y-protocols message: a y-websocket frame, or a Hocuspocus frame (its document name, then the
// same sub-messages plus Hocuspocus's own: auth replies, stateless, CLOSE, SyncStatus, ping, pong).
struct YMessageDetail
{
    bool decoded = false;
    QString error;
    bool hocuspocus = false;
    QString document; // Hocuspocus: the document the key names (a session key's part before \0)
    QString key; // Hocuspocus: the whole key as sent
    quint64 type = 0;
    // "syncStep1", "syncStep2", "update", "awareness", "auth", "queryAwareness"; Hocuspocus also
    // "authenticated", "permissionDenied", "tokenRequest", "syncReply", "stateless",
    // "broadcastStateless", "close", "syncStatus", "ping", "pong"
    QString typeName;
    bool hasSync = false;
    yprotocols::SyncStep step = yprotocols::SyncStep::Step1;
    YjsStateVectorPayload stateVector; // SyncStep1
    YjsUpdatePayload update; // SyncStep2, Update
    bool hasAwareness = false;
    YjsAwarenessPayload awareness;
    quint64 authType = 0;
    QString text; // auth reason or scope, stateless payload, CLOSE reason
    bool hasText = false;
    QString providerVersion; // a v4 Hocuspocus provider's Auth
    qint64 status = 0; // SyncStatus: 1 applied, 0 not
    // The Hocuspocus Auth token's bytes in the frame, for the hex view to mask.
    qsizetype tokenOffset = -1;
    qsizetype tokenSize = 0;
    qsizetype trailing = 0; // Hocuspocus: bytes after the fields the host reads (kept, ignored)
};

// Decodes y-websocket and Hocuspocus frames with the rooms' own codecs (YWebSocketCodec,
// HocuspocusCodec), their payloads with the Yjs codecs (the awareness codec, describeUpdate and
// the state vector codec), so the window shows what the host understood.
class YjsFrameDecoder final
{
    Q_DECLARE_TR_FUNCTIONS(YjsFrameDecoder)

public:
    static constexpr qsizetype MaxStructs = 2000; // listed per update; the rest are counted only

    static YMessageDetail decodeYWebsocket(const QByteArray &frame);
    // `fromHost`: the host sent it (the same types carry other fields each way).
    static YMessageDetail decodeHocuspocus(const QByteArray &frame, bool fromHost);
    // Cheap, for the traffic list: the message type and (Hocuspocus) the document name.
    static QString summarize(
        const QByteArray &frame, bool hocuspocus, bool fromHost, QString *document);

    static YjsUpdatePayload describeUpdate(QByteArrayView update);
    static YjsStateVectorPayload describeStateVector(QByteArrayView vector);
    static YjsAwarenessPayload describeAwareness(QByteArrayView update);
    static QString hocuspocusTypeName(quint64 type);
    static QString yWebsocketTypeName(quint64 type);
};

} // namespace canopy::ui
