#pragma once

#include "crdt/yjs/YjsError.h"
#include "util/Expected.h"

#include <QByteArray>
#include <QList>

namespace canopy::yjs {

// One entry of a y-protocols awareness update: a client's presence state at its clock.
struct AwarenessEntry
{
    quint64 client = 0;
    quint64 clock = 0;
    QByteArray state; // JSON text as sent; the literal "null" means the client left

    bool removed() const { return state == "null"; }
};

// `varUint n`, then n x (varUint client, varUint clock, varString JSON). The state must be JSON
// (an object or null, as y-protocols writes it); trailing bytes are refused.
Expected<QList<AwarenessEntry>, YjsError> decodeAwareness(QByteArrayView update);
QByteArray encodeAwareness(const QList<AwarenessEntry> &entries);

} // namespace canopy::yjs
