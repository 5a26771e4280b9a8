#pragma once

#include "crdt/loro/LoroTypes.h"
#include "traffic/MsgpackTree.h"

#include <QCoreApplication>

namespace canopy::ui {

// What the traffic list shows per frame; computed on arrival, so it must stay cheap.
struct FrameSummary
{
    QString type; // "subscribe", "sendUpdate", ..., "text", or empty when not a Sync1 map
    QString entityId;
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

// Everything the detail pane needs about one frame.
struct FrameDetail
{
    FrameSummary summary;
    bool text = false;
    bool msgpackOk = false;
    MsgpackNode tree;
    QString msgpackError;
    QString syncError; // why the core's codec refuses it; empty for a valid Sync1 message
    bool hasPayload = false;
    LoroPayload payload;
};

// Decodes captured frames with the core's own codecs (SyncCodec, LoroBlob) plus a generic
// msgpack tree, so the window shows exactly what the host understood.
class FrameDecoder final
{
    Q_DECLARE_TR_FUNCTIONS(FrameDecoder)

public:
    static FrameSummary summarize(const QByteArray &frame, bool text);
    static FrameDetail decode(const QByteArray &frame, bool text);
    static LoroPayload describeLoro(const QByteArray &blob);
    static LoroPayload describeVersionVector(const QByteArray &encoded);
    // Offset, 16 bytes in hex, then ASCII; at most `limit` bytes.
    static QString hexDump(QByteArrayView bytes, qsizetype limit);
    static QString modeName(int mode, bool shallow);
    static QString checksumText(LoroPayload::Checksum checksum);
};

} // namespace canopy::ui
