#pragma once

#include <map>

#include <QByteArray>
#include <QList>
#include <QString>

namespace canopy::crdt {

// The piece of a document the host stores and serves: what one author wrote over a span of its
// counters. Each kind says what its parts mean (a Loro change block: peer id and op counters;
// an ELO record: peer key and span; an ephemeral entry: its key).
struct Unit
{
    QByteArray peer; // the author key
    quint32 start = 0; // first counter
    quint32 end = 0; // exclusive
    QByteArray meta; // small, kept in memory with the index (an ELO snapshot's version vector)
    QByteArray data; // the bytes sent to peers; read back from the store when needed
};

// What a holder has: for each author key, the exclusive end of its counters.
using PeerVersion = std::map<QByteArray, quint32>;

// One unit as the operator sees it.
struct UnitDescription
{
    QString peer; // readable: a Loro peer id in decimal, an ELO peer key, an ephemeral key
    quint32 start = 0;
    quint32 end = 0;
    quint32 lamportStart = 0; // Loro only
    quint32 lamportEnd = 0;
    quint32 changes = 0;
    qint64 timestampMs = 0; // ephemeral entries: the writer's clock
    QString detail; // kind-specific, e.g. "DeltaSpan, key k1" or "cursor/1 = {...}"
};

} // namespace canopy::crdt
