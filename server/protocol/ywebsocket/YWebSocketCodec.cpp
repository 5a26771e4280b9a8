#include "protocol/ywebsocket/YWebSocketCodec.h"

#include "crdt/yjs/Lib0Reader.h"
#include "crdt/yjs/Lib0Writer.h"

namespace canopy {
namespace {

using Message = YWebSocketMessage;
using yjs::Lib0Reader;
using yjs::Lib0Writer;
using yjs::YjsError;

YjsError fail(const QString &reason, const QString &message)
{
    return YjsError {reason, message};
}

// Lib0Reader says only that a varUint failed: it ran out (its last byte still said "more"), or
// it is longer than lib0 writes or past 2^53.
// `start`: where the varUint began.
YjsError varUintFailure(
    QByteArrayView frame, qsizetype start, const Lib0Reader &reader, const QString &what)
{
    const bool ranOut = reader.atEnd() && (start >= frame.size() || (frame.back() & 0x80));
    return ranOut ? fail(QStringLiteral("truncated"),
               QStringLiteral("the frame ends inside its %1").arg(what))
                  : fail(QStringLiteral("bad-varint"),
                      QStringLiteral("the %1 is not a varUint lib0 writes (over 2^53 or over 8 "
                                     "bytes)")
                          .arg(what));
}

} // namespace

Expected<YWebSocketMessage, yjs::YjsError> YWebSocketCodec::decode(QByteArrayView frame)
{
    if (frame.isEmpty())
        return unexpected(fail(
            QStringLiteral("empty-frame"), QStringLiteral("an empty frame holds no message type")));
    Lib0Reader reader(frame);
    const auto type = reader.varUint();
    if (!type)
        return unexpected(varUintFailure(frame, 0, reader, QStringLiteral("message type")));
    Message message;
    switch (*type) {
    case quint64(Message::Type::Sync): {
        message.type = Message::Type::Sync;
        auto sync = yprotocols::SyncMessage::read(reader);
        if (!sync)
            return unexpected(sync.error());
        message.sync = std::move(*sync);
        break;
    }
    case quint64(Message::Type::Awareness): {
        message.type = Message::Type::Awareness;
        const auto update = reader.varBytes();
        if (!update)
            return unexpected(fail(QStringLiteral("truncated"),
                QStringLiteral("the awareness update runs past the frame")));
        message.awareness = update->toByteArray();
        break;
    }
    case quint64(Message::Type::Auth): {
        message.type = Message::Type::Auth;
        const qsizetype at = reader.pos();
        const auto authType = reader.varUint();
        if (!authType)
            return unexpected(varUintFailure(frame, at, reader, QStringLiteral("auth type")));
        message.authType = *authType;
        if (*authType == Message::PermissionDenied) {
            const auto reason = reader.varString();
            if (!reason)
                return unexpected(fail(QStringLiteral("truncated"),
                    QStringLiteral("the auth message's reason runs past the frame")));
            message.reason = reason->toByteArray();
        } else {
            // No other auth type is defined; the host ignores auth messages anyway.
            message.authPayload = reader.rest().toByteArray();
            return message;
        }
        break;
    }
    case quint64(Message::Type::QueryAwareness):
        message.type = Message::Type::QueryAwareness;
        break;
    default:
        return unexpected(fail(QStringLiteral("unknown-message-type"),
            QStringLiteral("message type %1 is none of sync (0), awareness (1), auth (2), "
                           "queryAwareness (3)")
                .arg(*type)));
    }
    if (!reader.atEnd())
        return unexpected(fail(QStringLiteral("trailing-bytes"),
            QStringLiteral("%1 bytes follow the %2 message")
                .arg(QString::number(reader.remaining()), message.label())));
    return message;
}

QByteArray YWebSocketCodec::encode(const YWebSocketMessage &message)
{
    Lib0Writer writer;
    writer.varUint(quint64(message.type));
    switch (message.type) {
    case Message::Type::Sync:
        yprotocols::SyncMessage::write(writer, message.sync.step, message.sync.data);
        break;
    case Message::Type::Awareness:
        writer.varBytes(message.awareness);
        break;
    case Message::Type::Auth:
        writer.varUint(message.authType);
        if (message.authType == Message::PermissionDenied)
            writer.varString(message.reason);
        else
            writer.bytes(message.authPayload);
        break;
    case Message::Type::QueryAwareness:
        break;
    }
    return writer.take();
}

QByteArray YWebSocketCodec::encodeSync(yprotocols::SyncStep step, QByteArrayView data)
{
    Lib0Writer writer(data.size() + 12);
    writer.varUint(quint64(Message::Type::Sync));
    yprotocols::SyncMessage::write(writer, step, data);
    return writer.take();
}

QByteArray YWebSocketCodec::encodeAwareness(QByteArrayView update)
{
    Lib0Writer writer(update.size() + 10);
    writer.varUint(quint64(Message::Type::Awareness));
    writer.varBytes(update);
    return writer.take();
}

QByteArray YWebSocketCodec::encodePermissionDenied(const QString &reason)
{
    Lib0Writer writer;
    writer.varUint(quint64(Message::Type::Auth));
    writer.varUint(Message::PermissionDenied);
    writer.varString(reason.toUtf8());
    return writer.take();
}

QByteArray YWebSocketCodec::encodeQueryAwareness()
{
    return QByteArray(1, char(Message::Type::QueryAwareness));
}

QString YWebSocketCodec::peekLabel(QByteArrayView frame)
{
    Lib0Reader reader(frame);
    const auto type = reader.varUint();
    if (!type || *type > quint64(Message::Type::QueryAwareness))
        return {};
    if (*type != quint64(Message::Type::Sync))
        return Message::typeName(Message::Type(*type));
    const auto step = reader.varUint();
    if (!step || *step > quint64(yprotocols::SyncStep::Update))
        return {};
    return yprotocols::SyncMessage::stepName(yprotocols::SyncStep(*step));
}

} // namespace canopy
