#pragma once

#include "crdt/yjs/Lib0Writer.h"

#include <QList>

namespace canopy::yjs {

struct YjsStruct;

// yjs's LazyStructWriter: structs are appended one by one and grouped into one section per run
// of the same client, in the order written; finish() puts the counts in front.
class LazyStructWriter
{
public:
    void write(const YjsStruct &s, quint64 offset);
    // The structs section (`numClients`, then each section) appended to `out`.
    void finish(Lib0Writer &out);

private:
    void flush();

    struct Section
    {
        quint64 written = 0;
        qsizetype begin = 0;
        qsizetype end = 0;
    };
    Lib0Writer m_body; // every section's client, start clock and structs, back to back
    QList<Section> m_sections;
    quint64 m_client = 0;
    quint64 m_written = 0;
    qsizetype m_begin = 0;
};

} // namespace canopy::yjs
