#pragma once

#include "crdt/yjs/StateVector.h"

#include <QByteArray>
#include <QList>

namespace canopy::yjs {

// The document-free algorithms of yjs (src/utils/updates.js), byte for byte what yjs 13.6
// computes on the same V1 inputs. Inputs must be valid V1 updates (splitUpdate accepted them).

// Y.mergeUpdates: one input is returned unchanged.
QByteArray mergeUpdates(const QList<QByteArray> &updates);
// Y.diffUpdate: what a holder of `vector` lacks (Skips dropped, the delete set copied whole).
QByteArray diffUpdate(QByteArrayView update, const StateVector &vector);
// Y.encodeStateVectorFromUpdate.
QByteArray stateVectorFromUpdate(QByteArrayView update);

} // namespace canopy::yjs
