#pragma once

#include "crdt/yjs/YjsError.h"
#include "util/Expected.h"

#include <QByteArray>

namespace canopy::yjs {
class Lib0Reader;
class Lib0Writer;
} // namespace canopy::yjs

namespace canopy::yprotocols {

// The y-protocols sync sub-message, the same inside a y-websocket frame (after its type 0) and a
// Hocuspocus frame (after its document name and type 0).
enum class SyncStep : quint8
{
    Step1 = 0, // data: a state vector
    Step2 = 1, // data: a V1 update, the diff against the receiver's state vector
    Update = 2, // data: a V1 update
};

struct SyncMessage
{
    SyncStep step = SyncStep::Step1;
    QByteArray data;

    // `varUint step` + `varUint8Array data`; an unknown step is refused ("unknown-sync-step").
    static Expected<SyncMessage, yjs::YjsError> read(yjs::Lib0Reader &reader);
    static void write(yjs::Lib0Writer &writer, SyncStep step, QByteArrayView data);
    static QString stepName(SyncStep step); // "syncStep1", "syncStep2", "update"
};

} // namespace canopy::yprotocols
