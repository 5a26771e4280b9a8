#pragma once

#include "crdt/yjs/YjsError.h"
#include "util/Expected.h"

#include <map>

#include <QByteArray>
#include <QList>

namespace canopy::yjs {

class Lib0Reader;
class Lib0Writer;

struct DeleteRange
{
    quint64 clock = 0;
    quint64 length = 0;
};

// The delete-set section of a V1 update: per client, ID ranges that are deleted. Kept sorted by
// clock and coalesced (overlapping or adjacent ranges joined), as yjs's mergeDeleteSets leaves it.
class DeleteSet
{
public:
    // Reads a delete-set section (varUint numClients, per client: client, numRanges, ranges).
    static Expected<DeleteSet, YjsError> read(Lib0Reader &reader);
    static Expected<DeleteSet, YjsError> decode(QByteArrayView section); // whole bytes, no trailing
    void write(Lib0Writer &writer) const; // descending client, clients without ranges left out
    QByteArray encode() const;

    void add(quint64 client, quint64 clock, quint64 length);
    void merge(const DeleteSet &other);
    // Every range of `other` lies within this set.
    bool covers(const DeleteSet &other) const;
    bool isEmpty() const { return m_clients.empty(); }
    qsizetype rangeCount() const;
    const std::map<quint64, QList<DeleteRange>> &clients() const { return m_clients; }

private:
    std::map<quint64, QList<DeleteRange>> m_clients;
};

} // namespace canopy::yjs
