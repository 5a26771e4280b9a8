#include "crdt/yjs/UpdateMerge.h"

#include "crdt/yjs/DeleteSet.h"
#include "crdt/yjs/LazyStructWriter.h"
#include "crdt/yjs/Lib0Writer.h"
#include "crdt/yjs/StructReader.h"
#include "crdt/yjs/V8ShortSort.h"

#include <algorithm>
#include <memory>
#include <vector>

namespace canopy::yjs {

namespace {

// LazyStructReader(decoder, filterSkips = true) over one input of mergeUpdates. A malformed
// input simply ends where it breaks (the inputs are meant to be valid; this keeps bad ones safe).
class MergeReader
{
public:
    MergeReader(QByteArrayView update, std::size_t index)
        : m_reader(update, true)
        , m_index(index)
    {
        next();
    }

    const YjsStruct *curr() const { return m_has ? &m_reader.current() : nullptr; }
    const YjsStruct *next()
    {
        do {
            m_has = m_reader.next();
        } while (m_has && m_reader.current().isSkip());
        return curr();
    }
    std::size_t index() const { return m_index; }
    // After the structs: the input's delete set (empty for a malformed one).
    DeleteSet deleteSet()
    {
        if (m_reader.failed())
            return DeleteSet();
        auto set = DeleteSet::read(m_reader.reader());
        return set ? std::move(*set) : DeleteSet();
    }

    qint64 seq = 0; // heap order among equal structs (see ReaderQueue)

private:
    StructReader m_reader;
    std::size_t m_index;
    bool m_has = false;
};

// mergeUpdatesV2's comparator, as JavaScript numbers compare.
int compareReaders(const MergeReader *a, const MergeReader *b)
{
    const YjsStruct &x = *a->curr();
    const YjsStruct &y = *b->curr();
    if (x.client == y.client) {
        if (x.clock == y.clock) {
            if (x.kind == y.kind)
                return 0;
            return x.isSkip() ? 1 : -1; // inconsistent for Item against GC, as in yjs
        }
        return x.clock < y.clock ? -1 : 1;
    }
    return y.client < x.client ? -1 : 1;
}

// The readers in the order yjs's loop sees them. yjs filters out finished readers and sorts the
// rest before every step. Fewer than 64 readers: that exact sort, emulated. More: a heap, which
// gives the same order wherever the comparator is consistent (a stable sort of an array in which
// only the head moved puts the head before its equals: a fresh, smaller sequence number).
class ReaderQueue
{
public:
    explicit ReaderQueue(std::vector<MergeReader *> readers)
        : m_small(readers.size() < V8ShortSortLimit)
        , m_readers(std::move(readers))
    {
        if (!m_small) {
            std::erase_if(m_readers, [](MergeReader *r) { return !r->curr(); });
            for (MergeReader *r : m_readers)
                r->seq = qint64(r->index());
            std::make_heap(m_readers.begin(), m_readers.end(), heapLess);
        }
    }

    // The head after yjs's filter and sort; nullptr when every reader is done.
    MergeReader *arrange()
    {
        if (m_small) {
            std::erase_if(m_readers, [](MergeReader *r) { return !r->curr(); });
            v8ShortSort(m_readers, compareReaders);
            return m_readers.empty() ? nullptr : m_readers.front();
        }
        if (m_head) {
            if (m_head->curr()) {
                m_head->seq = --m_seq;
                m_readers.push_back(m_head);
                std::push_heap(m_readers.begin(), m_readers.end(), heapLess);
            }
            m_head = nullptr;
        }
        if (m_readers.empty())
            return nullptr;
        std::pop_heap(m_readers.begin(), m_readers.end(), heapLess);
        m_head = m_readers.back();
        m_readers.pop_back();
        return m_head;
    }

private:
    // std::*_heap keep the greatest on top: "less" means "sorts later".
    static bool heapLess(const MergeReader *a, const MergeReader *b)
    {
        const YjsStruct &x = *a->curr();
        const YjsStruct &y = *b->curr();
        if (x.client != y.client)
            return x.client < y.client; // higher clients first
        if (x.clock != y.clock)
            return x.clock > y.clock;
        return a->seq > b->seq;
    }

    bool m_small;
    std::vector<MergeReader *> m_readers;
    MergeReader *m_head = nullptr;
    qint64 m_seq = 0;
};

// GC.mergeWith / Skip.mergeWith; Items never merge in a merge (their `right` is unknown).
bool mergeInto(YjsStruct &left, const YjsStruct &right)
{
    if (left.kind == YjsStruct::Kind::Item || left.kind != right.kind)
        return false;
    left.length += right.length;
    return true;
}

// readDeleteSet without sorting (diffUpdate writes what it read): ranges per client in the order
// read, a repeated client's ranges appended, clients without ranges dropped.
bool readRawDeleteSet(Lib0Reader &r, std::map<quint64, std::vector<DeleteRange>> *out)
{
    const auto clients = r.varUint();
    if (!clients)
        return false;
    for (quint64 i = 0; i < *clients; ++i) {
        const auto client = r.varUint();
        const auto count = client ? r.varUint() : std::nullopt;
        if (!count || *count > quint64(r.remaining()) / 2)
            return false;
        if (*count == 0)
            continue;
        std::vector<DeleteRange> &ranges = (*out)[*client];
        for (quint64 k = 0; k < *count; ++k) {
            const auto clock = r.varUint();
            const auto length = clock ? r.varUint() : std::nullopt;
            if (!length)
                return false;
            ranges.push_back(DeleteRange {*clock, *length});
        }
    }
    return true;
}

} // namespace

QByteArray mergeUpdates(const QList<QByteArray> &updates)
{
    if (updates.size() == 1)
        return updates.front();

    std::vector<std::unique_ptr<MergeReader>> owned;
    std::vector<MergeReader *> readers;
    owned.reserve(std::size_t(updates.size()));
    for (qsizetype i = 0; i < updates.size(); ++i) {
        owned.push_back(std::make_unique<MergeReader>(updates[i], std::size_t(i)));
        readers.push_back(owned.back().get());
    }
    ReaderQueue queue(readers);
    LazyStructWriter writer;
    std::optional<YjsStruct> currWrite;

    while (MergeReader *decoder = queue.arrange()) {
        const quint64 firstClient = decoder->curr()->client;
        if (currWrite) {
            const YjsStruct *curr = decoder->curr();
            bool iterated = false;
            // Skip what is already written (higher clients are written first).
            while (curr && curr->end() <= currWrite->end() && curr->client >= currWrite->client) {
                curr = decoder->next();
                iterated = true;
            }
            if (!curr || curr->client != firstClient
                || (iterated && curr->clock > currWrite->end()))
                continue;
            if (firstClient != currWrite->client) {
                writer.write(*currWrite, 0);
                currWrite = *curr;
                decoder->next();
            } else if (currWrite->end() < curr->clock) {
                if (currWrite->isSkip()) {
                    currWrite->length = curr->end() - currWrite->clock;
                } else {
                    writer.write(*currWrite, 0);
                    YjsStruct skip;
                    skip.kind = YjsStruct::Kind::Skip;
                    skip.client = firstClient;
                    skip.clock = currWrite->end();
                    skip.length = curr->clock - currWrite->end();
                    currWrite = skip;
                }
            } else {
                const quint64 diff = currWrite->end() - curr->clock;
                YjsStruct next = *curr;
                if (diff > 0) {
                    if (currWrite->isSkip())
                        currWrite->length -= diff; // keep the struct, it may hold more
                    else
                        next = curr->slice(diff);
                }
                if (!mergeInto(*currWrite, next)) {
                    writer.write(*currWrite, 0);
                    currWrite = std::move(next);
                    decoder->next();
                }
            }
        } else {
            currWrite = *decoder->curr();
            decoder->next();
        }
        // The fast path: this reader's own contiguous structs need no sorting.
        for (const YjsStruct *next = decoder->curr(); next && next->client == firstClient
             && next->clock == currWrite->end() && !next->isSkip();
             next = decoder->next()) {
            writer.write(*currWrite, 0);
            currWrite = *next;
        }
    }
    if (currWrite)
        writer.write(*currWrite, 0);

    Lib0Writer out;
    writer.finish(out);
    DeleteSet deletes;
    for (const auto &reader : owned)
        deletes.merge(reader->deleteSet());
    deletes.write(out);
    return out.take();
}

QByteArray diffUpdate(QByteArrayView update, const StateVector &vector)
{
    StructReader reader(update, true);
    LazyStructWriter writer;
    auto svClock = [&](quint64 client) {
        const auto found = vector.find(client);
        return found == vector.end() ? quint64(0) : found->second;
    };
    bool has = reader.next();
    while (has) {
        const YjsStruct &curr = reader.current();
        const quint64 client = curr.client;
        const quint64 known = svClock(client);
        if (curr.isSkip()) {
            has = reader.next(); // the first struct written must not be a Skip
            continue;
        }
        if (curr.end() > known) {
            writer.write(curr, known > curr.clock ? known - curr.clock : 0);
            has = reader.next();
            while (has && reader.current().client == client) {
                writer.write(reader.current(), 0);
                has = reader.next();
            }
        } else {
            while (has && reader.current().client == client && reader.current().end() <= known)
                has = reader.next();
        }
    }
    Lib0Writer out(update.size() + 8);
    writer.finish(out);
    std::map<quint64, std::vector<DeleteRange>> deletes;
    if (reader.failed() || !readRawDeleteSet(reader.reader(), &deletes))
        deletes.clear();
    out.varUint(deletes.size());
    for (auto it = deletes.rbegin(); it != deletes.rend(); ++it) {
        out.varUint(it->first);
        out.varUint(it->second.size());
        for (const DeleteRange &range : it->second) {
            out.varUint(range.clock);
            out.varUint(range.length);
        }
    }
    return out.take();
}

QByteArray stateVectorFromUpdate(QByteArrayView update)
{
    // encodeStateVectorFromUpdateV2: per client, the end of an unbroken run from clock 0, in the
    // order the update lists its clients (not sorted).
    StructReader reader(update, false);
    Lib0Writer entries;
    quint64 size = 0;
    if (reader.next()) {
        quint64 currClient = reader.current().client;
        bool stopCounting = reader.current().clock != 0;
        quint64 currClock = stopCounting ? 0 : reader.current().end();
        do {
            const YjsStruct &curr = reader.current();
            if (currClient != curr.client) {
                if (currClock != 0) {
                    ++size;
                    entries.varUint(currClient);
                    entries.varUint(currClock);
                }
                currClient = curr.client;
                currClock = 0;
                stopCounting = curr.clock != 0;
            }
            if (curr.isSkip())
                stopCounting = true;
            if (!stopCounting)
                currClock = curr.end();
        } while (reader.next());
        if (currClock != 0) {
            ++size;
            entries.varUint(currClient);
            entries.varUint(currClock);
        }
    }
    Lib0Writer out;
    out.varUint(size);
    out.bytes(entries.data());
    return out.take();
}

} // namespace canopy::yjs
