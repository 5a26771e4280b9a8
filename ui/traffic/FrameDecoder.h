#pragma once

#include "crdt/loro/LoroTypes.h"
#include "protocol/loro/LoroProtocolMessage.h"
#include "traffic/MsgpackTree.h"
#include "traffic/YjsFrameDecoder.h"

#include <QCoreApplication>

namespace canopy::ui {

// Which codec reads a captured frame (TrafficFrame::protocol).
enum class WireProtocol
{
    Sync1, // msgpack maps (SyncCodec)
    Loro, // loro-protocol v1 binary messages, "ping"/"pong" text frames (LoroProtocolCodec)
    YWebsocket, // y-protocols messages, one per frame (YjsFrameDecoder)
    Hocuspocus, // a document name, then y-protocols and Hocuspocus messages (YjsFrameDecoder)
};

// What the traffic list shows per frame; computed on arrival, so it must stay cheap.
struct FrameSummary
{
    // Sync1: "subscribe", "sendUpdate", ...; loro-protocol: "joinRequest", "docUpdate", ...,
    // "ping", "pong"; "text" for any other text frame; empty when the frame does not decode.
    QString type;
    // Sync1: the entityId; loro-protocol: the room id; Hocuspocus: the document name (a
    // y-websocket frame names none: the list shows its session's room)
    QString entityId;
    QString magic; // loro-protocol: the CRDT magic as text ("%LOR", "%EPH", ...)
};

// One change block as the detail pane lists it (the block's bytes stay in the frame).
struct LoroBlockRange
{
    quint64 peer = 0;
    quint32 counterStart = 0;
    quint32 counterEnd = 0; // exclusive
    quint32 lamportStart = 0;
    quint32 lamportEnd = 0; // exclusive
    quint32 changeCount = 0;
    qsizetype size = 0;
};

// A Loro payload taken apart for the detail pane.
struct LoroPayload
{
    enum class Checksum
    {
        NotChecked, // too short or no "loro" magic: the checksum was never reached
        Valid,
        Mismatch
    };
    QString field; // "update", "snapshot" or "versionVector"
    qsizetype size = 0;
    int mode = -1; // from the header, even when parsing fails
    QString modeName;
    bool shallow = false;
    Checksum checksum = Checksum::NotChecked;
    bool parsed = false;
    QString error; // "bad-block: ..." when parsing failed
    QList<LoroBlockRange> blocks;
    loro::VersionVector version;
};

// The plaintext header of one ELO record (the ciphertext stays opaque: the host holds no key).
struct EloRecordView
{
    bool snapshot = false; // a Snapshot record; else a DeltaSpan
    QString peer; // DeltaSpan: the Loro peer id as the record writes it (decimal)
    quint32 start = 0; // DeltaSpan
    quint32 end = 0; // exclusive
    QString version; // Snapshot: its version vector, described
    QString keyId;
    QByteArray iv;
    qsizetype headerSize = 0;
    qsizetype ciphertextSize = 0; // with the 16-byte tag
};

// One %ELO DocUpdate entry: a container of records.
struct EloPayload
{
    qsizetype size = 0;
    bool parsed = false;
    QString error; // "bad-record: ..."
    QList<EloRecordView> records;
};

// One entry of an ephemeral store update (%EPH, %EPS).
struct EphemeralEntryView
{
    QString key;
    QString value; // described (JSON-like); empty for a deletion
    bool deleted = false;
    qint64 timestampMs = 0; // the writer's wall clock
};

struct EphemeralPayload
{
    qsizetype size = 0;
    bool parsed = false;
    QString error;
    QList<EphemeralEntryView> entries;
};

// A loro-protocol frame decoded by the core's codec, with its payloads read by their kind.
struct LoroProtocolDetail
{
    bool decoded = false;
    QString error; // the codec's refusal, "truncated: ..."
    LoroProtocolMessage message;
    // "loro", "elo", "eph", "eps", "yjs", "yaw"; empty for a magic the host does not serve
    QString kind;
    // JoinRequest/JoinResponseOk version, JoinError receiverVersion: a VersionVector for
    // %LOR and %ELO.
    bool hasVersion = false;
    LoroPayload version;
    // The same for %YJS: a Yjs state vector.
    bool hasStateVector = false;
    YjsStateVectorPayload stateVector;
    QList<LoroPayload> loroUpdates; // %LOR DocUpdate: one per entry
    QList<EloPayload> eloUpdates; // %ELO DocUpdate
    QList<EphemeralPayload> ephemeralUpdates; // %EPH, %EPS DocUpdate
    QList<YjsUpdatePayload> yjsUpdates; // %YJS DocUpdate: V1 updates
    QList<YjsAwarenessPayload> awarenessUpdates; // %YAW DocUpdate
    // Where the JoinRequest's auth bytes (a token) lie in the frame, for the hex view to mask.
    qsizetype authOffset = -1;
    qsizetype authSize = 0;
};

// Everything the detail pane needs about one frame.
struct FrameDetail
{
    WireProtocol protocol = WireProtocol::Sync1;
    FrameSummary summary;
    bool text = false;
    // Sync1
    bool msgpackOk = false;
    MsgpackNode tree;
    QString msgpackError;
    QString syncError; // why the core's codec refuses it; empty for a valid Sync1 message
    bool hasPayload = false;
    LoroPayload payload;
    // loro-protocol
    LoroProtocolDetail loro;
    // y-websocket, Hocuspocus
    YMessageDetail ymessage;
};

// Decodes captured frames with the core's own codecs (SyncCodec, LoroProtocolCodec, LoroBlob,
// the ELO record and ephemeral state readers, the Yjs codecs through YjsFrameDecoder) plus a
// generic msgpack tree, so the window shows exactly what the host understood.
class FrameDecoder final
{
    Q_DECLARE_TR_FUNCTIONS(FrameDecoder)

public:
    // A session's protocolName(): "loro", "y-websocket", "hocuspocus", else Sync1.
    static WireProtocol protocolOf(QStringView name);
    static QString protocolText(WireProtocol protocol); // "Sync1", "loro-protocol", ...

    // `fromHost`: the host sent the frame (Hocuspocus reads the same types differently each way).
    static FrameSummary summarize(
        const QByteArray &frame, bool text, WireProtocol protocol, bool fromHost = false);
    static FrameDetail decode(
        const QByteArray &frame, bool text, WireProtocol protocol, bool fromHost = false);
    static LoroProtocolDetail decodeLoroProtocol(const QByteArray &frame);
    static LoroPayload describeLoro(const QByteArray &blob);
    static LoroPayload describeVersionVector(const QByteArray &encoded);
    static EloPayload describeElo(const QByteArray &container);
    static EphemeralPayload describeEphemeral(const QByteArray &update);
    // Offset, 16 bytes in hex, then ASCII; at most `limit` bytes. Bytes in [maskOffset,
    // maskOffset + maskSize) show as "**" (a token must not end up in a screenshot).
    static QString hexDump(
        QByteArrayView bytes, qsizetype limit, qsizetype maskOffset = -1, qsizetype maskSize = 0);
    static QString modeName(int mode, bool shallow);
    static QString checksumText(LoroPayload::Checksum checksum);

    // loro-protocol names, as the spec spells them
    static QString batchIdText(const QByteArray &batchId); // "0x" + 16 hex digits
    static QString joinErrorName(quint8 code); // "auth_failed", ...
    static QString roomErrorName(quint8 code); // "evicted", ...
    static QString magicText(QByteArrayView magic); // printable, '?' for other bytes
    static QString magicDescription(QByteArrayView magic); // "Loro document", ...
};

} // namespace canopy::ui
