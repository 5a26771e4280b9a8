#include "protocol/sync1/SyncMessage.h"

namespace canopy {

QString SyncMessage::typeName(Type type)
{
    switch (type) {
    case Type::Subscribe:
        return QStringLiteral("subscribe");
    case Type::Unsubscribe:
        return QStringLiteral("unsubscribe");
    case Type::SendUpdate:
        return QStringLiteral("sendUpdate");
    case Type::HandleUpdate:
        return QStringLiteral("handleUpdate");
    }
    return {};
}

} // namespace canopy
