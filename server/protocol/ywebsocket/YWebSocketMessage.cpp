#include "protocol/ywebsocket/YWebSocketMessage.h"

namespace canopy {

QString YWebSocketMessage::typeName(Type type)
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
    }
    return {};
}

QString YWebSocketMessage::label() const
{
    return type == Type::Sync ? yprotocols::SyncMessage::stepName(sync.step) : typeName(type);
}

} // namespace canopy
