#include "protocol/yprotocols/SyncMessage.h"

#include "crdt/yjs/Lib0Reader.h"
#include "crdt/yjs/Lib0Writer.h"

namespace canopy::yprotocols {

Expected<SyncMessage, yjs::YjsError> SyncMessage::read(yjs::Lib0Reader &reader)
{
    const qsizetype at = reader.pos();
    const auto step = reader.varUint();
    if (!step)
        return unexpected(yjs::YjsError {QStringLiteral("truncated"),
            QStringLiteral("the sync message has no step at byte %1").arg(at)});
    if (*step > quint64(SyncStep::Update))
        return unexpected(yjs::YjsError {QStringLiteral("unknown-sync-step"),
            QStringLiteral("sync step %1 is not 0, 1 or 2").arg(*step)});
    const auto data = reader.varBytes();
    if (!data)
        return unexpected(yjs::YjsError {QStringLiteral("truncated"),
            QStringLiteral("the sync message's data runs past the frame (at byte %1)")
                .arg(reader.pos())});
    return SyncMessage {SyncStep(*step), data->toByteArray()};
}

void SyncMessage::write(yjs::Lib0Writer &writer, SyncStep step, QByteArrayView data)
{
    writer.varUint(quint64(step));
    writer.varBytes(data);
}

QString SyncMessage::stepName(SyncStep step)
{
    switch (step) {
    case SyncStep::Step1:
        return QStringLiteral("syncStep1");
    case SyncStep::Step2:
        return QStringLiteral("syncStep2");
    case SyncStep::Update:
        return QStringLiteral("update");
    }
    return {};
}

} // namespace canopy::yprotocols
