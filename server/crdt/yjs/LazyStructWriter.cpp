#include "crdt/yjs/LazyStructWriter.h"

#include "crdt/yjs/YjsStruct.h"

namespace canopy::yjs {

void LazyStructWriter::flush()
{
    if (m_written == 0)
        return;
    m_sections.append(Section {m_written, m_begin, m_body.size()});
    m_written = 0;
}

void LazyStructWriter::write(const YjsStruct &s, quint64 offset)
{
    if (m_written > 0 && m_client != s.client)
        flush();
    if (m_written == 0) {
        m_client = s.client;
        m_begin = m_body.size();
        m_body.varUint(s.client);
        m_body.varUint(s.clock + offset);
    }
    s.write(m_body, offset);
    ++m_written;
}

void LazyStructWriter::finish(Lib0Writer &out)
{
    flush();
    out.varUint(quint64(m_sections.size()));
    const QByteArray &body = m_body.data();
    for (const Section &section : m_sections) {
        out.varUint(section.written);
        out.bytes(QByteArrayView(body).sliced(section.begin, section.end - section.begin));
    }
}

} // namespace canopy::yjs
