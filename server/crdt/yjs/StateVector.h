#pragma once

#include "crdt/yjs/YjsError.h"
#include "util/Expected.h"

#include <map>

#include <QByteArray>
#include <QByteArrayView>

namespace canopy::yjs {

// client id -> the next clock expected from it (the sum of its struct lengths from clock 0).
using StateVector = std::map<quint64, quint64>;

// `varUint n`, then n x (client, clock). Trailing bytes are refused.
Expected<StateVector, YjsError> decodeStateVector(QByteArrayView bytes);
// Descending client id, as yjs writes it; entries with clock 0 are written too.
QByteArray encodeStateVector(const StateVector &vector);

} // namespace canopy::yjs
