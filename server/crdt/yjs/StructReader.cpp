#include "crdt/yjs/StructReader.h"

#include "crdt/yjs/ItemContentReader.h"
#include "crdt/yjs/Utf8Text.h"
#include "crdt/yjs/YjsUpdate.h"

namespace canopy::yjs {

StructReader::StructReader(QByteArrayView update, bool canonicalize)
    : m_reader(update)
    , m_canonicalize(canonicalize)
{
}

bool StructReader::fail(const QString &reason, const QString &message)
{
    m_done = true;
    m_error = YjsError {
        reason, QStringLiteral("%1 (byte %2)").arg(message, QString::number(m_reader.pos()))};
    return false;
}

bool StructReader::readFailed(const QString &what)
{
    if (m_reader.atEnd())
        return fail(QStringLiteral("truncated"), QStringLiteral("%1 runs past the end").arg(what));
    return fail(QStringLiteral("bad-varint"), QStringLiteral("%1 is not a varUint").arg(what));
}

std::optional<quint64> StructReader::uint(const QString &what)
{
    const auto value = m_reader.varUint();
    if (!value)
        readFailed(what);
    return value;
}

std::optional<QByteArrayView> StructReader::key(const QString &what)
{
    const auto length = uint(what);
    if (!length)
        return std::nullopt;
    if (*length > quint64(m_reader.remaining())) {
        fail(QStringLiteral("truncated"), QStringLiteral("%1 runs past the end").arg(what));
        return std::nullopt;
    }
    const auto text = m_reader.bytes(qsizetype(*length));
    if (!isUtf8(*text)) {
        fail(QStringLiteral("bad-utf8"), QStringLiteral("%1 is not UTF-8").arg(what));
        return std::nullopt;
    }
    return text;
}

bool StructReader::next()
{
    if (m_done)
        return false;
    if (!m_started) {
        m_started = true;
        const auto clients = uint(QStringLiteral("the client count"));
        if (!clients)
            return false;
        m_sectionsLeft = *clients;
    }
    m_opensSection = false;
    while (m_structsLeft == 0) {
        if (m_sectionsLeft == 0) {
            m_done = true;
            return false;
        }
        --m_sectionsLeft;
        ++m_section;
        const auto count = uint(QStringLiteral("the struct count"));
        const auto client = count ? uint(QStringLiteral("the client id")) : std::nullopt;
        const auto clock = client ? uint(QStringLiteral("the start clock")) : std::nullopt;
        if (!clock)
            return false;
        if (*clock > MaxClock)
            return fail(QStringLiteral("clock-overflow"),
                QStringLiteral("client %1 starts at clock %2, past %3")
                    .arg(QString::number(*client), QString::number(*clock),
                        QString::number(MaxClock)));
        m_structsLeft = *count;
        m_client = *client;
        m_clock = *clock;
        m_opensSection = true;
    }
    --m_structsLeft;
    m_structBegin = m_reader.pos();
    const auto info = m_reader.u8();
    if (!info)
        return readFailed(QStringLiteral("a struct"));
    m_current = YjsStruct();
    m_current.client = m_client;
    m_current.clock = m_clock;
    if (*info == 10 || (*info & 0x1f) == 0) {
        if (*info != 10 && *info != 0)
            return fail(QStringLiteral("bad-info"),
                QStringLiteral("a GC struct has flag bits (info %1)").arg(QString::number(*info)));
        m_current.kind = *info == 10 ? YjsStruct::Kind::Skip : YjsStruct::Kind::GC;
        const auto length = uint(QStringLiteral("a struct length"));
        if (!length)
            return false;
        m_current.length = *length;
    } else if (!readItem(*info)) {
        return false;
    }
    if (m_current.length == 0)
        return fail(QStringLiteral("empty-struct"),
            QStringLiteral("struct (%1, %2) has length 0")
                .arg(QString::number(m_client), QString::number(m_clock)));
    if (m_current.length > MaxClock - m_clock)
        return fail(QStringLiteral("clock-overflow"),
            QStringLiteral("client %1's structs run past clock %2")
                .arg(QString::number(m_client), QString::number(MaxClock)));
    m_clock += m_current.length;
    return true;
}

bool StructReader::readItem(quint8 info)
{
    const quint8 ref = info & 0x1f;
    if (ref > 9)
        return fail(QStringLiteral("unknown-content"),
            QStringLiteral("content ref %1 is unknown").arg(QString::number(ref)));
    YjsStruct &s = m_current;
    s.kind = YjsStruct::Kind::Item;
    if (info & 0x80) {
        const auto client = uint(QStringLiteral("the origin"));
        const auto clock = client ? uint(QStringLiteral("the origin")) : std::nullopt;
        if (!clock)
            return false;
        s.hasOrigin = true;
        s.origin = YjsId {*client, *clock};
    }
    if (info & 0x40) {
        const auto client = uint(QStringLiteral("the right origin"));
        const auto clock = client ? uint(QStringLiteral("the right origin")) : std::nullopt;
        if (!clock)
            return false;
        s.hasRightOrigin = true;
        s.rightOrigin = YjsId {*client, *clock};
    }
    if (!s.hasOrigin && !s.hasRightOrigin) {
        const auto parentInfo = uint(QStringLiteral("the parent info"));
        if (!parentInfo)
            return false;
        if (*parentInfo == 1) {
            const auto name = key(QStringLiteral("the parent's name"));
            if (!name)
                return false;
            s.parent = YjsStruct::Parent::Key;
            s.parentKey = *name;
        } else if (*parentInfo == 0) {
            const auto client = uint(QStringLiteral("the parent id"));
            const auto clock = client ? uint(QStringLiteral("the parent id")) : std::nullopt;
            if (!clock)
                return false;
            s.parent = YjsStruct::Parent::Id;
            s.parentId = YjsId {*client, *clock};
        } else {
            return fail(QStringLiteral("bad-parent"),
                QStringLiteral("parent info %1 is neither 0 nor 1")
                    .arg(QString::number(*parentInfo)));
        }
        if (info & 0x20) {
            const auto sub = key(QStringLiteral("the parentSub"));
            if (!sub)
                return false;
            s.hasParentSub = true;
            s.parentSub = *sub;
        }
    }
    auto content = readItemContent(m_reader, ref, m_canonicalize);
    if (!content)
        return fail(content.error().reason,
            QStringLiteral("item (%1, %2): %3")
                .arg(QString::number(m_client), QString::number(m_clock), content.error().message));
    s.content = std::move(*content);
    s.length = s.content.length();
    return true;
}

} // namespace canopy::yjs
