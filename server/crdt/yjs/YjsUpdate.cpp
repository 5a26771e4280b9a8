#include "crdt/yjs/YjsUpdate.h"

#include "crdt/yjs/Lib0Writer.h"
#include "crdt/yjs/StructReader.h"

namespace canopy::yjs {

namespace {

// The open run: structs [byteBegin, byteEnd) of the update, all of one client and contiguous.
struct OpenRun
{
    bool open = false;
    quint64 client = 0;
    quint64 start = 0;
    quint64 end = 0;
    quint64 count = 0;
    qsizetype byteBegin = 0;
    qsizetype byteEnd = 0;
};

void closeRun(OpenRun &run, QByteArrayView update, QList<StructRun> &runs)
{
    if (!run.open)
        return;
    const QByteArrayView structs = update.sliced(run.byteBegin, run.byteEnd - run.byteBegin);
    Lib0Writer w(structs.size() + 24);
    w.varUint(1);
    w.varUint(run.count);
    w.varUint(run.client);
    w.varUint(run.start);
    w.bytes(structs);
    w.varUint(0);
    runs.append(StructRun {run.client, run.start, run.end, w.take()});
    run = OpenRun();
}

} // namespace

Expected<SplitYjsUpdate, YjsError> splitUpdate(QByteArrayView update)
{
    StructReader reader(update, false);
    SplitYjsUpdate out;
    OpenRun run;
    while (reader.next()) {
        const YjsStruct &s = reader.current();
        if (reader.opensSection() || s.isSkip())
            closeRun(run, update, out.runs);
        if (s.isSkip())
            continue; // a Skip holds nothing: the run ends, the next one starts after it
        if (!run.open) {
            run.open = true;
            run.client = s.client;
            run.start = s.clock;
            run.byteBegin = reader.structBegin();
        }
        ++run.count;
        run.end = s.end();
        run.byteEnd = reader.structEnd();
    }
    if (reader.failed())
        return unexpected(reader.error());
    closeRun(run, update, out.runs);
    Lib0Reader &rest = reader.reader();
    auto deleteSet = DeleteSet::read(rest);
    if (!deleteSet)
        return unexpected(deleteSet.error());
    if (!rest.atEnd())
        return unexpected(YjsError {QStringLiteral("trailing-bytes"),
            QStringLiteral("%1 bytes follow the update's delete set").arg(rest.remaining())});
    out.deleteSet = std::move(*deleteSet);
    return out;
}

QByteArray deleteSetUpdate(const DeleteSet &deleteSet)
{
    Lib0Writer w;
    w.varUint(0);
    deleteSet.write(w);
    return w.take();
}

} // namespace canopy::yjs
