#include "crdt/yjs/StateVector.h"

#include "crdt/yjs/Lib0Reader.h"
#include "crdt/yjs/Lib0Writer.h"

namespace canopy::yjs {

Expected<StateVector, YjsError> decodeStateVector(QByteArrayView bytes)
{
    Lib0Reader r(bytes);
    auto bad = [&](const QString &what) {
        const QString reason
            = r.atEnd() ? QStringLiteral("truncated") : QStringLiteral("bad-varint");
        return unexpected(YjsError {reason,
            QStringLiteral("the state vector's %1 is cut or not a varUint (byte %2)")
                .arg(what, QString::number(r.pos()))});
    };
    const auto count = r.varUint();
    if (!count)
        return bad(QStringLiteral("entry count"));
    // Each entry takes at least two bytes: a larger count is a lie, not a reason to loop.
    if (*count > quint64(r.remaining()) / 2)
        return unexpected(YjsError {QStringLiteral("truncated"),
            QStringLiteral("the state vector claims %1 entries in %2 bytes")
                .arg(QString::number(*count), QString::number(r.remaining()))});
    StateVector vector;
    for (quint64 i = 0; i < *count; ++i) {
        const auto client = r.varUint();
        if (!client)
            return bad(QStringLiteral("client"));
        const auto clock = r.varUint();
        if (!clock)
            return bad(QStringLiteral("clock"));
        // decodeStateVector: a later entry for the same client wins.
        vector[*client] = *clock;
    }
    if (!r.atEnd())
        return unexpected(YjsError {QStringLiteral("trailing-bytes"),
            QStringLiteral("%1 bytes follow the state vector").arg(r.remaining())});
    return vector;
}

QByteArray encodeStateVector(const StateVector &vector)
{
    Lib0Writer w;
    w.varUint(vector.size());
    for (auto it = vector.rbegin(); it != vector.rend(); ++it) {
        w.varUint(it->first);
        w.varUint(it->second);
    }
    return w.take();
}

} // namespace canopy::yjs
