#pragma once

#include "crdt/yjs/Lib0Reader.h"
#include "crdt/yjs/YjsError.h"
#include "crdt/yjs/YjsStruct.h"

#include <optional>

namespace canopy::yjs {

// yjs's LazyStructReader over the struct section of a V1 update: one struct at a time, every
// field checked (see splitUpdate). After the last struct, pos() is where the delete set starts.
class StructReader
{
public:
    // `canonicalize`: contents are carried as yjs would write them (see readItemContent).
    StructReader(QByteArrayView update, bool canonicalize);

    // Moves to the next struct; false at the end of the section or at the first error.
    bool next();
    const YjsStruct &current() const { return m_current; }
    // The current struct's bytes in the update, and whether it opens a client's section.
    qsizetype structBegin() const { return m_structBegin; }
    qsizetype structEnd() const { return m_reader.pos(); }
    bool opensSection() const { return m_opensSection; }

    bool failed() const { return m_error.has_value(); }
    const YjsError &error() const { return *m_error; }
    Lib0Reader &reader() { return m_reader; }

private:
    bool fail(const QString &reason, const QString &message);
    bool readFailed(const QString &what);
    std::optional<quint64> uint(const QString &what);
    std::optional<QByteArrayView> key(const QString &what);
    bool readItem(quint8 info);

    Lib0Reader m_reader;
    bool m_canonicalize;
    bool m_started = false;
    bool m_done = false;
    quint64 m_sectionsLeft = 0;
    quint64 m_structsLeft = 0;
    quint64 m_section = 0;
    quint64 m_client = 0;
    quint64 m_clock = 0;
    bool m_opensSection = false;
    qsizetype m_structBegin = 0;
    YjsStruct m_current;
    std::optional<YjsError> m_error;
};

} // namespace canopy::yjs
