#include "protocol/hocuspocus/HocuspocusCodec.h"

#include "crdt/yjs/Lib0Reader.h"
#include "crdt/yjs/Lib0Writer.h"

namespace canopy {
namespace {

using Message = HocuspocusMessage;
using Type = HocuspocusMessage::Type;
using AuthType = HocuspocusMessage::AuthType;
using yjs::Lib0Reader;
using yjs::Lib0Writer;

constexpr quint64 kLastType = quint64(Type::Pong);

QString typeLabel(quint64 type)
{
    return type <= kLastType ? Message::typeName(Type(type)) : QString::number(type);
}

// Reads the key; on failure the error says the frame cannot be routed at all.
std::optional<QByteArray> readKey(Lib0Reader &reader, HocuspocusError *error)
{
    const auto key = reader.varString();
    if (!key) {
        *error = HocuspocusError {QStringLiteral("bad-key"),
            QStringLiteral("the frame does not start with a document name (a lib0 varString)")};
        return std::nullopt;
    }
    if (!key->isValidUtf8()) {
        *error = HocuspocusError {
            QStringLiteral("bad-key"), QStringLiteral("the document name is not UTF-8")};
        return std::nullopt;
    }
    return key->toByteArray();
}

} // namespace

std::optional<QByteArray> HocuspocusCodec::peekKey(QByteArrayView frame, qsizetype *bodyOffset)
{
    if (frame.size() == 1 && (frame[0] == char(Type::Ping) || frame[0] == char(Type::Pong)))
        return std::nullopt;
    Lib0Reader reader(frame);
    HocuspocusError ignored;
    auto key = readKey(reader, &ignored);
    if (key && bodyOffset)
        *bodyOffset = reader.pos();
    return key;
}

Expected<HocuspocusMessage, HocuspocusError> HocuspocusCodec::decode(
    QByteArrayView frame, Direction direction)
{
    Message message;
    // A 1-byte frame cannot be keyed (a key takes at least its length byte, then the type).
    if (frame.size() == 1 && (frame[0] == char(Type::Ping) || frame[0] == char(Type::Pong))) {
        message.type = Type(frame[0]);
        return message;
    }
    Lib0Reader reader(frame);
    HocuspocusError error;
    auto key = readKey(reader, &error);
    if (!key)
        return unexpected(error);
    error.keyDecoded = true;
    error.key = *key;
    message.key = std::move(*key);
    const auto fail = [&error](const QString &reason, const QString &text) {
        error.reason = reason;
        error.message = text;
        return unexpected(error);
    };

    const auto type = reader.varUint();
    if (!type)
        return fail(QStringLiteral("truncated"), QStringLiteral("the frame ends before its type"));
    error.type = *type;
    const QString name = typeLabel(*type);
    const auto truncated = [&](const QString &what) {
        return fail(QStringLiteral("truncated"),
            QStringLiteral("the %1 message's %2 runs past the frame").arg(name, what));
    };
    switch (*type) {
    case quint64(Type::Sync): {
        Lib0Reader peek = reader;
        const auto step = peek.varUint();
        if (!step)
            return truncated(QStringLiteral("sync step"));
        error.syncStep = *step;
        if (*step > 2)
            return fail(QStringLiteral("unknown-sync-step"),
                QStringLiteral("sync step %1 is not 0, 1 or 2").arg(QString::number(*step)));
        reader.varUint();
        const auto data = reader.varBytes();
        if (!data)
            return truncated(QStringLiteral("data"));
        message.syncStep = quint8(*step);
        message.data = data->toByteArray();
        break;
    }
    case quint64(Type::Awareness): {
        const auto update = reader.varBytes();
        if (!update)
            return truncated(QStringLiteral("awareness update"));
        message.data = update->toByteArray();
        break;
    }
    case quint64(Type::Auth): {
        const auto sub = reader.varUint();
        if (!sub)
            return truncated(QStringLiteral("sub-type"));
        if (*sub > quint64(AuthType::Authenticated))
            return fail(QStringLiteral("unknown-auth-type"),
                QStringLiteral("Auth sub-type %1 is not 0, 1 or 2").arg(QString::number(*sub)));
        message.authType = AuthType(*sub);
        if (message.authType == AuthType::Token && direction == Direction::FromProvider) {
            const auto token = reader.varString();
            if (!token)
                return truncated(QStringLiteral("token"));
            message.token = token->toByteArray();
            // Providers before 4.0 send no version.
            if (!reader.atEnd()) {
                const auto version = reader.varString();
                if (!version)
                    return truncated(QStringLiteral("provider version"));
                message.hasProviderVersion = true;
                message.providerVersion = version->toByteArray();
            }
        } else if (message.authType != AuthType::Token) {
            const auto text = reader.varString();
            if (!text)
                return truncated(message.authType == AuthType::Authenticated
                        ? QStringLiteral("scope")
                        : QStringLiteral("reason"));
            message.text = text->toByteArray();
        }
        break;
    }
    case quint64(Type::QueryAwareness):
        break;
    case quint64(Type::Stateless): {
        const auto payload = reader.varString();
        if (!payload)
            return truncated(QStringLiteral("payload"));
        message.text = payload->toByteArray();
        break;
    }
    case quint64(Type::Close):
        // The provider's CLOSE is bare; the server's always names its reason (a provider that
        // finds none throws and stops reading the socket, H7.4).
        if (direction == Direction::FromServer) {
            const auto reason = reader.varString();
            if (!reason)
                return truncated(QStringLiteral("reason"));
            message.text = reason->toByteArray();
        }
        break;
    case quint64(Type::SyncStatus): {
        const auto status = reader.varUint();
        if (!status)
            return truncated(QStringLiteral("status"));
        message.status = *status;
        break;
    }
    case quint64(Type::SyncReply):
    case quint64(Type::BroadcastStateless):
        return fail(QStringLiteral("server-internal-type"),
            QStringLiteral("type %1 (%2) is internal to a Hocuspocus server, never sent")
                .arg(QString::number(*type), name));
    case quint64(Type::Ping):
    case quint64(Type::Pong):
        return fail(QStringLiteral("keyed-ping"),
            QStringLiteral("a %1 is the bare byte %2, without a document name")
                .arg(name, QString::number(*type)));
    default:
        return fail(QStringLiteral("unknown-type"),
            QStringLiteral("message type %1 is not a Hocuspocus type (0 to 10)")
                .arg(QString::number(*type)));
    }
    message.type = Type(*type);
    message.trailing = reader.rest().toByteArray();
    return message;
}

QByteArray HocuspocusCodec::encode(const HocuspocusMessage &message, Direction direction)
{
    if (message.keyless())
        return QByteArray(1, char(message.type));
    Lib0Writer writer(message.key.size() + message.data.size() + message.token.size()
        + message.text.size() + message.trailing.size() + 16);
    writer.varString(message.key);
    writer.varUint(quint64(message.type));
    switch (message.type) {
    case Type::Sync:
        writer.varUint(message.syncStep);
        writer.varBytes(message.data);
        break;
    case Type::Awareness:
        writer.varBytes(message.data);
        break;
    case Type::Auth:
        writer.varUint(quint64(message.authType));
        if (message.authType == AuthType::Token && direction == Direction::FromProvider) {
            writer.varString(message.token);
            if (message.hasProviderVersion)
                writer.varString(message.providerVersion);
        } else if (message.authType != AuthType::Token) {
            writer.varString(message.text);
        }
        break;
    case Type::Stateless:
        writer.varString(message.text);
        break;
    case Type::Close:
        if (direction == Direction::FromServer)
            writer.varString(message.text);
        break;
    case Type::SyncStatus:
        writer.varUint(message.status);
        break;
    case Type::QueryAwareness:
    case Type::SyncReply:
    case Type::BroadcastStateless:
    case Type::Ping:
    case Type::Pong:
        break;
    }
    writer.bytes(message.trailing);
    return writer.take();
}

QByteArray HocuspocusCodec::rekey(QByteArrayView frame, QByteArrayView key)
{
    qsizetype body = 0;
    if (!peekKey(frame, &body))
        return frame.toByteArray();
    Lib0Writer writer(key.size() + frame.size() - body + 4);
    writer.varString(key);
    writer.bytes(frame.sliced(body));
    return writer.take();
}

namespace {

Lib0Writer keyed(QByteArrayView key, Type type, qsizetype reserve)
{
    Lib0Writer writer(key.size() + reserve + 8);
    writer.varString(key);
    writer.varUint(quint64(type));
    return writer;
}

} // namespace

QByteArray HocuspocusCodec::sync(QByteArrayView key, quint8 step, QByteArrayView data)
{
    Lib0Writer writer = keyed(key, Type::Sync, data.size() + 10);
    writer.varUint(step);
    writer.varBytes(data);
    return writer.take();
}

QByteArray HocuspocusCodec::awareness(QByteArrayView key, QByteArrayView update)
{
    Lib0Writer writer = keyed(key, Type::Awareness, update.size() + 9);
    writer.varBytes(update);
    return writer.take();
}

QByteArray HocuspocusCodec::authenticated(QByteArrayView key, QByteArrayView scope)
{
    Lib0Writer writer = keyed(key, Type::Auth, scope.size() + 10);
    writer.varUint(quint64(AuthType::Authenticated));
    writer.varString(scope);
    return writer.take();
}

QByteArray HocuspocusCodec::permissionDenied(QByteArrayView key, QByteArrayView reason)
{
    Lib0Writer writer = keyed(key, Type::Auth, reason.size() + 10);
    writer.varUint(quint64(AuthType::PermissionDenied));
    writer.varString(reason);
    return writer.take();
}

QByteArray HocuspocusCodec::tokenRequest(QByteArrayView key)
{
    Lib0Writer writer = keyed(key, Type::Auth, 1);
    writer.varUint(quint64(AuthType::Token));
    return writer.take();
}

QByteArray HocuspocusCodec::stateless(QByteArrayView key, QByteArrayView payload)
{
    Lib0Writer writer = keyed(key, Type::Stateless, payload.size() + 9);
    writer.varString(payload);
    return writer.take();
}

QByteArray HocuspocusCodec::close(QByteArrayView key, QByteArrayView reason)
{
    Lib0Writer writer = keyed(key, Type::Close, reason.size() + 9);
    writer.varString(reason);
    return writer.take();
}

QByteArray HocuspocusCodec::syncStatus(QByteArrayView key, bool applied)
{
    Lib0Writer writer = keyed(key, Type::SyncStatus, 1);
    writer.varUint(applied ? 1 : 0);
    return writer.take();
}

QByteArray HocuspocusCodec::ping()
{
    return QByteArray(1, char(Type::Ping));
}

QByteArray HocuspocusCodec::pong()
{
    return QByteArray(1, char(Type::Pong));
}

} // namespace canopy
