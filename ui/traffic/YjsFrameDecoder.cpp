#include "traffic/YjsFrameDecoder.h"

#include "crdt/yjs/Lib0Reader.h"
#include "protocol/hocuspocus/HocuspocusCodec.h"
#include "protocol/ywebsocket/YWebSocketCodec.h"

namespace canopy::ui {
namespace {

using yjs::Lib0Reader;
using yprotocols::SyncMessage;
using yprotocols::SyncStep;

// Hocuspocus message types (hocuspocus-protocol.md H3.1); y-websocket uses 0 to 3 alike.
enum HocuspocusType : quint64
{
    Sync = 0,
    Awareness = 1,
    Auth = 2,
    QueryAwareness = 3,
    SyncReply = 4,
    Stateless = 5,
    BroadcastStateless = 6,
    Close = 7,
    SyncStatus = 8,
    Ping = 9,
    Pong = 10,
};

QString failure(const QString &reason, const QString &message)
{
    return reason + QStringLiteral(": ") + message;
}

// A provider's Auth carries its token right after key, type and sub-type: masked in the hex view
// whether or not the rest of the frame decodes (to its end when the token runs past it).
void maskToken(QByteArrayView frame, YMessageDetail &out)
{
    Lib0Reader r(frame);
    const auto key = r.varString();
    const auto type = key ? r.varUint() : std::nullopt;
    const auto sub = type && *type == Auth ? r.varUint() : std::nullopt;
    if (!sub || *sub != 0)
        return;
    const auto length = r.varUint();
    if (!length)
        return;
    out.tokenOffset = r.pos();
    out.tokenSize = qsizetype(std::min<quint64>(*length, quint64(r.remaining())));
}

} // namespace

qsizetype YjsUpdatePayload::structCount() const
{
    qsizetype n = 0;
    for (const yjs::ClientRunView &run : clients)
        n += run.structs.size();
    return n;
}

QString YjsFrameDecoder::yWebsocketTypeName(quint64 type)
{
    switch (type) {
    case Sync:
        return QStringLiteral("sync");
    case Awareness:
        return QStringLiteral("awareness");
    case Auth:
        return QStringLiteral("auth");
    case QueryAwareness:
        return QStringLiteral("queryAwareness");
    }
    return {};
}

QString YjsFrameDecoder::hocuspocusTypeName(quint64 type)
{
    switch (type) {
    case SyncReply:
        return QStringLiteral("syncReply");
    case Stateless:
        return QStringLiteral("stateless");
    case BroadcastStateless:
        return QStringLiteral("broadcastStateless");
    case Close:
        return QStringLiteral("close");
    case SyncStatus:
        return QStringLiteral("syncStatus");
    case Ping:
        return QStringLiteral("ping");
    case Pong:
        return QStringLiteral("pong");
    }
    return yWebsocketTypeName(type);
}

YMessageDetail YjsFrameDecoder::decodeYWebsocket(const QByteArray &frame)
{
    using Message = YWebSocketMessage;
    YMessageDetail out;
    // The room's own codec (strict: trailing bytes, unknown types and steps are refused).
    auto decoded = YWebSocketCodec::decode(frame);
    if (!decoded) {
        out.error = failure(decoded.error().reason, decoded.error().message);
        Lib0Reader r(frame);
        if (const auto type = r.varUint()) {
            out.type = *type;
            out.typeName = yWebsocketTypeName(*type);
        }
        return out;
    }
    const Message &m = *decoded;
    out.decoded = true;
    out.type = quint64(m.type);
    out.typeName = m.label();
    switch (m.type) {
    case Message::Type::Sync:
        out.hasSync = true;
        out.step = m.sync.step;
        if (m.sync.step == SyncStep::Step1)
            out.stateVector = describeStateVector(m.sync.data);
        else
            out.update = describeUpdate(m.sync.data);
        break;
    case Message::Type::Awareness:
        out.hasAwareness = true;
        out.awareness = describeAwareness(m.awareness);
        break;
    case Message::Type::Auth:
        out.authType = m.authType;
        out.text = QString::fromUtf8(
            m.authType == Message::PermissionDenied ? m.reason : m.authPayload.toHex(' '));
        out.hasText = true;
        break;
    case Message::Type::QueryAwareness:
        break;
    }
    return out;
}

YMessageDetail YjsFrameDecoder::decodeHocuspocus(const QByteArray &frame, bool fromHost)
{
    using Message = HocuspocusMessage;
    YMessageDetail out;
    out.hocuspocus = true;
    if (!fromHost)
        maskToken(frame, out);
    // The room's own codec: the window shows what the host read (and what a provider reads of
    // the host's frames).
    auto decoded = HocuspocusCodec::decode(
        frame, fromHost ? Message::Direction::FromServer : Message::Direction::FromProvider);
    if (!decoded) {
        const HocuspocusError &e = decoded.error();
        out.error = failure(e.reason, e.message);
        if (e.keyDecoded) {
            out.key = QString::fromUtf8(e.key);
            out.document = QString::fromUtf8(Message::documentName(e.key));
        }
        if (e.type) {
            out.type = *e.type;
            out.typeName = hocuspocusTypeName(*e.type);
        }
        return out;
    }
    const Message &m = *decoded;
    out.decoded = true;
    out.type = quint64(m.type);
    out.typeName = m.name();
    out.trailing = m.trailing.size();
    if (m.keyless())
        return out;
    out.key = QString::fromUtf8(m.key);
    out.document = QString::fromUtf8(Message::documentName(m.key));
    switch (m.type) {
    case Message::Type::Sync:
        out.hasSync = true;
        out.step = SyncStep(m.syncStep);
        if (out.step == SyncStep::Step1)
            out.stateVector = describeStateVector(m.data);
        else
            out.update = describeUpdate(m.data);
        break;
    case Message::Type::Awareness:
        out.hasAwareness = true;
        out.awareness = describeAwareness(m.data);
        break;
    case Message::Type::Auth:
        out.authType = quint64(m.authType);
        if (m.authType == Message::AuthType::Token) {
            out.typeName = fromHost ? QStringLiteral("tokenRequest") : QStringLiteral("auth");
            out.providerVersion = QString::fromUtf8(m.providerVersion);
        } else {
            out.typeName = m.authType == Message::AuthType::Authenticated
                ? QStringLiteral("authenticated")
                : QStringLiteral("permissionDenied");
            out.text = QString::fromUtf8(m.text);
            out.hasText = true;
        }
        break;
    case Message::Type::Stateless:
        out.text = QString::fromUtf8(m.text);
        out.hasText = true;
        break;
    case Message::Type::Close:
        out.text = QString::fromUtf8(m.text);
        out.hasText = fromHost;
        break;
    case Message::Type::SyncStatus:
        out.status = qint64(m.status);
        break;
    default:
        break;
    }
    return out;
}

QString YjsFrameDecoder::summarize(
    const QByteArray &frame, bool hocuspocus, bool fromHost, QString *document)
{
    Lib0Reader r(frame);
    if (hocuspocus) {
        if (frame.size() == 1 && (quint8(frame[0]) == Ping || quint8(frame[0]) == Pong))
            return hocuspocusTypeName(quint8(frame[0]));
        const auto key = r.varString();
        if (!key)
            return {};
        const qsizetype nul = key->indexOf('\0');
        *document = QString::fromUtf8(nul < 0 ? *key : key->first(nul));
    }
    const auto type = r.varUint();
    if (!type)
        return {};
    if (*type == Sync) {
        const auto step = r.varUint();
        if (!step || *step > quint64(SyncStep::Update))
            return {};
        return SyncMessage::stepName(SyncStep(*step));
    }
    if (hocuspocus && *type == Auth) {
        const auto sub = r.varUint();
        if (sub && *sub == 1)
            return QStringLiteral("permissionDenied");
        if (sub && *sub == 2)
            return QStringLiteral("authenticated");
        if (sub && *sub == 0)
            return fromHost ? QStringLiteral("tokenRequest") : QStringLiteral("auth");
    }
    return hocuspocus ? hocuspocusTypeName(*type) : yWebsocketTypeName(*type);
}

YjsUpdatePayload YjsFrameDecoder::describeUpdate(QByteArrayView update)
{
    YjsUpdatePayload out;
    out.size = update.size();
    auto view = yjs::describeUpdate(update, MaxStructs);
    if (!view) {
        out.error = failure(view.error().reason, view.error().message);
        return out;
    }
    out.parsed = true;
    out.clients = std::move(view->clients);
    out.deleteSet = std::move(view->deleteSet);
    return out;
}

YjsStateVectorPayload YjsFrameDecoder::describeStateVector(QByteArrayView vector)
{
    YjsStateVectorPayload out;
    out.size = vector.size();
    auto decoded = yjs::decodeStateVector(vector);
    if (!decoded) {
        out.error = failure(decoded.error().reason, decoded.error().message);
        return out;
    }
    out.parsed = true;
    out.vector = std::move(*decoded);
    return out;
}

YjsAwarenessPayload YjsFrameDecoder::describeAwareness(QByteArrayView update)
{
    YjsAwarenessPayload out;
    out.size = update.size();
    auto entries = yjs::decodeAwareness(update);
    if (!entries) {
        out.error = failure(entries.error().reason, entries.error().message);
        return out;
    }
    out.parsed = true;
    out.entries = std::move(*entries);
    return out;
}

} // namespace canopy::ui
