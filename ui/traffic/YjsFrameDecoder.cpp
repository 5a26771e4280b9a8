#include "traffic/YjsFrameDecoder.h"

#include "crdt/yjs/Lib0Reader.h"

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

bool readText(Lib0Reader &r, YMessageDetail &out, const QString &what)
{
    const auto text = r.varString();
    if (!text) {
        out.error = failure(QStringLiteral("truncated"),
            QStringLiteral("the %1 runs past the frame (at byte %2)")
                .arg(what, QString::number(r.pos())));
        return false;
    }
    out.text = QString::fromUtf8(*text);
    out.hasText = true;
    return true;
}

// What follows the message type: the same for both protocols up to their own types.
bool readBody(Lib0Reader &r, YMessageDetail &out)
{
    switch (out.type) {
    case Sync:
    case SyncReply: {
        if (!out.hocuspocus && out.type == SyncReply)
            break;
        auto sync = SyncMessage::read(r);
        if (!sync) {
            out.error = failure(sync.error().reason, sync.error().message);
            return false;
        }
        out.hasSync = true;
        out.step = sync->step;
        if (out.type == Sync)
            out.typeName = SyncMessage::stepName(sync->step);
        if (sync->step == SyncStep::Step1)
            out.stateVector = YjsFrameDecoder::describeStateVector(sync->data);
        else
            out.update = YjsFrameDecoder::describeUpdate(sync->data);
        return true;
    }
    case Awareness: {
        const auto update = r.varBytes();
        if (!update) {
            out.error = failure(QStringLiteral("truncated"),
                QStringLiteral("the awareness update runs past the frame"));
            return false;
        }
        out.hasAwareness = true;
        out.awareness = YjsFrameDecoder::describeAwareness(*update);
        return true;
    }
    case Auth: {
        const auto sub = r.varUint();
        if (!sub) {
            out.error = failure(
                QStringLiteral("truncated"), QStringLiteral("the auth message has no type"));
            return false;
        }
        out.authType = *sub;
        if (!out.hocuspocus) // y-protocols auth: 0 = permission denied, then the reason
            return readText(r, out, QStringLiteral("permission-denied reason"));
        if (*sub == 0 && r.atEnd()) {
            out.typeName = QStringLiteral("tokenRequest");
            return true;
        }
        if (*sub == 0) {
            // The token: its bytes are masked in the hex view.
            const qsizetype at = r.pos();
            const auto token = r.varString();
            if (!token) {
                out.error = failure(QStringLiteral("truncated"),
                    QStringLiteral("the token runs past the frame (at byte %1)")
                        .arg(QString::number(at)));
                return false;
            }
            out.tokenSize = token->size();
            out.tokenOffset = r.pos() - out.tokenSize;
            if (!r.atEnd()) {
                const auto version = r.varString();
                if (!version) {
                    out.error = failure(QStringLiteral("truncated"),
                        QStringLiteral("the provider version runs past the frame"));
                    return false;
                }
                out.providerVersion = QString::fromUtf8(*version);
            }
            return true;
        }
        if (*sub == 1 || *sub == 2) {
            out.typeName
                = *sub == 1 ? QStringLiteral("permissionDenied") : QStringLiteral("authenticated");
            return readText(
                r, out, *sub == 1 ? QStringLiteral("denial's reason") : QStringLiteral("scope"));
        }
        out.error = failure(QStringLiteral("unknown-auth-type"),
            QStringLiteral("auth type %1 is not 0 (token), 1 (permission denied) or 2 "
                           "(authenticated)")
                .arg(QString::number(*sub)));
        return false;
    }
    case QueryAwareness:
        return true;
    case Stateless:
    case BroadcastStateless:
        if (!out.hocuspocus)
            break;
        return readText(r, out, QStringLiteral("stateless payload"));
    case Close:
        if (!out.hocuspocus)
            break;
        // The provider's CLOSE carries nothing; the server's names its reason.
        return r.atEnd() || readText(r, out, QStringLiteral("reason"));
    case SyncStatus: {
        if (!out.hocuspocus)
            break;
        const auto status = r.varInt();
        if (!status) {
            out.error = failure(
                QStringLiteral("truncated"), QStringLiteral("the SyncStatus holds no status"));
            return false;
        }
        out.status = *status;
        return true;
    }
    default:
        break;
    }
    out.error = failure(QStringLiteral("unknown-type"),
        out.hocuspocus
            ? QStringLiteral("message type %1 is not one of Hocuspocus's (0 to 10)")
                  .arg(QString::number(out.type))
            : QStringLiteral("message type %1 is not one of y-websocket's (0 sync, 1 awareness, 2 "
                             "auth, 3 queryAwareness)")
                  .arg(QString::number(out.type)));
    return false;
}

void finish(Lib0Reader &r, YMessageDetail &out, bool ok)
{
    out.decoded = ok;
    if (ok && !r.atEnd()) {
        out.decoded = false;
        out.error = failure(QStringLiteral("trailing-bytes"),
            QStringLiteral("%1 bytes follow the message").arg(QString::number(r.remaining())));
    }
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
    YMessageDetail out;
    Lib0Reader r(frame);
    const auto type = r.varUint();
    if (!type) {
        out.error = failure(QStringLiteral("truncated"),
            frame.isEmpty() ? QStringLiteral("an empty frame")
                            : QStringLiteral("the message type is not a varUint"));
        return out;
    }
    out.type = *type;
    out.typeName = yWebsocketTypeName(*type);
    finish(r, out, readBody(r, out));
    if (out.typeName.isEmpty())
        out.decoded = false;
    return out;
}

YMessageDetail YjsFrameDecoder::decodeHocuspocus(const QByteArray &frame)
{
    YMessageDetail out;
    out.hocuspocus = true;
    // Ping and pong are one byte with no key; a keyed message takes at least two.
    if (frame.size() == 1 && (quint8(frame[0]) == Ping || quint8(frame[0]) == Pong)) {
        out.type = quint8(frame[0]);
        out.typeName = hocuspocusTypeName(out.type);
        out.decoded = true;
        return out;
    }
    Lib0Reader r(frame);
    const auto key = r.varString();
    if (!key) {
        out.error = failure(QStringLiteral("truncated"),
            frame.isEmpty() ? QStringLiteral("an empty frame")
                            : QStringLiteral("the document name runs past the frame"));
        return out;
    }
    out.key = QString::fromUtf8(*key);
    const qsizetype nul = key->indexOf('\0');
    out.document = nul < 0 ? out.key : QString::fromUtf8(key->first(nul));
    const auto type = r.varUint();
    if (!type) {
        out.error = failure(QStringLiteral("truncated"),
            QStringLiteral("no message type follows the document name"));
        return out;
    }
    out.type = *type;
    out.typeName = hocuspocusTypeName(*type);
    finish(r, out, readBody(r, out));
    return out;
}

QString YjsFrameDecoder::summarize(const QByteArray &frame, bool hocuspocus, QString *document)
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
        if (sub && *sub == 0 && r.atEnd())
            return QStringLiteral("tokenRequest");
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
