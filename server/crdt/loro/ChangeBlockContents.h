#pragma once

#include "crdt/loro/LoroTypes.h"

namespace canopy::loro {

// What a change block claims in its first five fields (protocol.md B4).
struct BlockClaims
{
    quint32 counterStart = 0;
    quint32 counterLen = 0;
    quint32 lamportStart = 0;
    quint32 lamportLen = 0;
    quint32 changes = 0;
};

// Checks a change block's claims against what it holds, without linking Loro: its header
// (peer table, each change's length, dependencies, lamports; serde_columnar's BoolRle and AnyRle
// columns, as loro's block_meta_encode writes them) and the op-length column of its ops field
// must add up to the claimed counter span, and every dependency must name a peer of the table.
// A block that claims a victim's peer id over a huge range with a few bytes of ops fails here.
// On success `dependencies` holds, per other peer its changes depend on, the highest counter.
LoroExpected<void> verifyChangeBlock(const BlockClaims &claims, QByteArrayView header,
    QByteArrayView ops, QList<ChangeDependency> *dependencies);

} // namespace canopy::loro
