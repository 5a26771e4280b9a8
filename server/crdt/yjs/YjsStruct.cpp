#include "crdt/yjs/YjsStruct.h"

#include "crdt/yjs/Lib0Any.h"
#include "crdt/yjs/Lib0Reader.h"
#include "crdt/yjs/Lib0Writer.h"
#include "crdt/yjs/Utf8Text.h"

namespace canopy::yjs {

namespace {

constexpr quint8 RefDeleted = 1;
constexpr quint8 RefJson = 2;
constexpr quint8 RefString = 4;
constexpr quint8 RefAny = 8;

} // namespace

ItemContent ItemContent::tail(quint64 diff) const
{
    if (diff == 0 || diff >= m_length)
        return *this;
    Lib0Reader r(payload());
    Lib0Writer w;
    switch (m_ref) {
    case RefDeleted:
        w.varUint(m_length - diff);
        break;
    case RefString: {
        const auto text = r.varString();
        w.varString(utf16Tail(text.value_or(QByteArrayView()), diff));
        break;
    }
    case RefJson:
    case RefAny: {
        // The payload was read whole before, so skipping its elements cannot fail.
        (void)r.varUint();
        for (quint64 i = 0; i < diff && !r.atEnd(); ++i) {
            if (m_ref == RefJson)
                (void)r.varString();
            else
                (void)checkAny(r);
        }
        w.varUint(m_length - diff);
        w.bytes(r.rest());
        break;
    }
    default:
        return *this; // length-1 contents are never cut
    }
    return ItemContent(m_ref, m_length - diff, w.take());
}

YjsStruct YjsStruct::slice(quint64 diff) const
{
    YjsStruct right = *this;
    right.clock = clock + diff;
    right.length = length - diff;
    if (kind == Kind::Item) {
        right.hasOrigin = true;
        right.origin = YjsId {client, clock + diff - 1};
        right.content = content.tail(diff);
    }
    return right;
}

void YjsStruct::write(Lib0Writer &w, quint64 offset) const
{
    if (offset > 0 && kind == Kind::Item) {
        slice(offset).write(w, 0);
        return;
    }
    switch (kind) {
    case Kind::GC:
        w.u8(0);
        w.varUint(length - offset);
        return;
    case Kind::Skip:
        w.u8(10);
        w.varUint(length - offset);
        return;
    case Kind::Item:
        break;
    }
    w.u8(quint8((content.ref() & 0x1f) | (hasOrigin ? 0x80 : 0) | (hasRightOrigin ? 0x40 : 0)
        | (hasParentSub ? 0x20 : 0)));
    if (hasOrigin) {
        w.varUint(origin.client);
        w.varUint(origin.clock);
    }
    if (hasRightOrigin) {
        w.varUint(rightOrigin.client);
        w.varUint(rightOrigin.clock);
    }
    if (!hasOrigin && !hasRightOrigin) {
        if (parent == Parent::Key) {
            w.varUint(1);
            w.varString(parentKey);
        } else {
            w.varUint(0);
            w.varUint(parentId.client);
            w.varUint(parentId.clock);
        }
        if (hasParentSub)
            w.varString(parentSub);
    }
    w.bytes(content.payload());
}

} // namespace canopy::yjs
