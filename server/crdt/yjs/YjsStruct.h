#pragma once

#include <QByteArray>
#include <QByteArrayView>

namespace canopy::yjs {

class Lib0Writer;

struct YjsId
{
    quint64 client = 0;
    quint64 clock = 0;
};

// An Item's content, kept as the bytes yjs would write for it (everything after the Item's
// header): a view into the update it was read from, or bytes of its own once re-encoded or sliced.
class ItemContent
{
public:
    ItemContent() = default;
    ItemContent(quint8 ref, quint64 length, QByteArrayView payload)
        : m_ref(ref)
        , m_length(length)
        , m_view(payload)
    {
    }
    ItemContent(quint8 ref, quint64 length, QByteArray owned)
        : m_ref(ref)
        , m_length(length)
        , m_owned(std::move(owned))
        , m_usesOwned(true)
    {
    }

    quint8 ref() const { return m_ref; }
    quint64 length() const { return m_length; }
    QByteArrayView payload() const { return m_usesOwned ? QByteArrayView(m_owned) : m_view; }

    // ContentX.splice(diff)'s right part: what remains after the first `diff` clock units
    // (Deleted, JSON, String, Any; contents of length 1 are never cut).
    ItemContent tail(quint64 diff) const;

private:
    quint8 m_ref = 0;
    quint64 m_length = 0;
    QByteArrayView m_view;
    QByteArray m_owned;
    bool m_usesOwned = false;
};

// One struct of a V1 update as yjs's LazyStructReader holds it: what it reads is what it writes
// back. An Item read with an origin has no parent and no parentSub (they are not written then),
// so its 0x20 bit is lost when it is written again.
struct YjsStruct
{
    enum class Kind : quint8
    {
        GC,
        Skip,
        Item
    };
    enum class Parent : quint8
    {
        FromOrigins,
        Key,
        Id
    };

    Kind kind = Kind::GC;
    quint64 client = 0;
    quint64 clock = 0;
    quint64 length = 0;

    bool hasOrigin = false;
    bool hasRightOrigin = false;
    YjsId origin;
    YjsId rightOrigin;
    Parent parent = Parent::FromOrigins;
    QByteArrayView parentKey; // Parent::Key: a root type's name
    YjsId parentId; // Parent::Id: the Item whose ContentType is the parent
    bool hasParentSub = false;
    QByteArrayView parentSub;
    ItemContent content;

    quint64 end() const { return clock + length; }
    bool isSkip() const { return kind == Kind::Skip; }

    // yjs's sliceStruct: the part from clock + diff on (0 < diff < length). An Item's slice gets
    // the origin (client, clock + diff - 1); its rightOrigin, parent and parentSub are kept.
    YjsStruct slice(quint64 diff) const;
    // struct.write(encoder, offset): the struct from clock + offset on.
    void write(Lib0Writer &writer, quint64 offset = 0) const;
};

} // namespace canopy::yjs
