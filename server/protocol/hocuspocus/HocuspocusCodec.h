#pragma once

#include "protocol/hocuspocus/HocuspocusMessage.h"
#include "util/Expected.h"

#include <optional>

namespace canopy {

// Why a frame is no Hocuspocus message. `keyDecoded` false: not even the document name reads
// (a Hocuspocus server closes the socket with 4401 for that); otherwise the key, and the type
// and sync step when they were read, say what the frame meant to be.
struct HocuspocusError
{
    QString reason; // stable kebab-case: "bad-key", "truncated", "unknown-type", ...
    QString message;
    bool keyDecoded = false;
    QByteArray key;
    std::optional<quint64> type;
    std::optional<quint64> syncStep;
};

// Hocuspocus frames (hocuspocus-protocol.md H3, H4), decoded with every length checked before
// use: lib0 varUints of at most 2^53 - 1, the key valid UTF-8. Bytes after the fields a type
// has are kept in `trailing` (lib0 readers ignore them; a newer provider may add fields, as v4
// added its version to Auth). Sync payloads are y-protocols sub-messages.
class HocuspocusCodec final
{
public:
    using Direction = HocuspocusMessage::Direction;

    static Expected<HocuspocusMessage, HocuspocusError> decode(
        QByteArrayView frame, Direction direction);
    static QByteArray encode(const HocuspocusMessage &message, Direction direction);

    // The key of a keyed frame and where its type starts, without reading further; nullopt for
    // a Ping, a Pong or a key that does not decode.
    static std::optional<QByteArray> peekKey(QByteArrayView frame, qsizetype *bodyOffset = nullptr);
    // The same frame under another key (what one document session receives as another's).
    static QByteArray rekey(QByteArrayView frame, QByteArrayView key);

    // What the server sends.
    static QByteArray sync(QByteArrayView key, quint8 step, QByteArrayView data);
    static QByteArray awareness(QByteArrayView key, QByteArrayView update);
    static QByteArray authenticated(QByteArrayView key, QByteArrayView scope);
    static QByteArray permissionDenied(QByteArrayView key, QByteArrayView reason);
    static QByteArray tokenRequest(QByteArrayView key);
    static QByteArray stateless(QByteArrayView key, QByteArrayView payload);
    static QByteArray close(QByteArrayView key, QByteArrayView reason);
    static QByteArray syncStatus(QByteArrayView key, bool applied);
    static QByteArray ping();
    static QByteArray pong();
};

} // namespace canopy
