#include "protocol/hocuspocus/HocuspocusMessage.h"

namespace canopy {

QByteArray HocuspocusMessage::documentName(const QByteArray &key)
{
    const qsizetype separator = key.indexOf(SessionSeparator);
    return separator < 0 ? key : key.left(separator);
}

QString HocuspocusMessage::typeName(Type type)
{
    switch (type) {
    case Type::Sync:
        return QStringLiteral("sync");
    case Type::Awareness:
        return QStringLiteral("awareness");
    case Type::Auth:
        return QStringLiteral("auth");
    case Type::QueryAwareness:
        return QStringLiteral("queryAwareness");
    case Type::SyncReply:
        return QStringLiteral("syncReply");
    case Type::Stateless:
        return QStringLiteral("stateless");
    case Type::BroadcastStateless:
        return QStringLiteral("broadcastStateless");
    case Type::Close:
        return QStringLiteral("close");
    case Type::SyncStatus:
        return QStringLiteral("syncStatus");
    case Type::Ping:
        return QStringLiteral("ping");
    case Type::Pong:
        return QStringLiteral("pong");
    }
    return QStringLiteral("unknown");
}

QString HocuspocusMessage::name() const
{
    if (type != Type::Sync)
        return typeName(type);
    switch (syncStep) {
    case 0:
        return QStringLiteral("syncStep1");
    case 1:
        return QStringLiteral("syncStep2");
    case 2:
        return QStringLiteral("update");
    default:
        return QStringLiteral("sync");
    }
}

} // namespace canopy
