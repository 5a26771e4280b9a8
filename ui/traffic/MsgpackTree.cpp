#include "traffic/MsgpackTree.h"

#include <cstring>

#include <QLocale>

namespace canopy::ui {
namespace {

class Reader
{
public:
    explicit Reader(QByteArrayView data)
        : m_data(data)
    {
    }

    qsizetype pos() const { return m_pos; }
    bool atEnd() const { return m_pos >= m_data.size(); }
    const QString &error() const { return m_error; }

    bool fail(const QString &message)
    {
        if (m_error.isEmpty())
            m_error = message;
        return false;
    }

    bool u8(quint8 &out)
    {
        if (m_pos >= m_data.size())
            return fail(MsgpackTree::tr("truncated at byte %1").arg(m_pos));
        out = quint8(m_data[m_pos++]);
        return true;
    }

    bool be(int n, quint64 &out)
    {
        if (m_data.size() - m_pos < n)
            return fail(MsgpackTree::tr("truncated at byte %1").arg(m_pos));
        out = 0;
        for (int i = 0; i < n; ++i)
            out = (out << 8) | quint8(m_data[m_pos + i]);
        m_pos += n;
        return true;
    }

    bool take(quint64 n, QByteArrayView &out)
    {
        if (quint64(m_data.size() - m_pos) < n)
            return fail(MsgpackTree::tr("a length at byte %1 runs past the end").arg(m_pos));
        out = m_data.sliced(m_pos, qsizetype(n));
        m_pos += qsizetype(n);
        return true;
    }

    // Reads the header byte of one value: its kind and, for containers and strings, the length.
    bool header(MsgpackNode::Kind &kind, quint64 &length, quint64 &scalar, qint8 &extType)
    {
        using Kind = MsgpackNode::Kind;
        quint8 b = 0;
        if (!u8(b))
            return false;
        length = 0;
        scalar = 0;
        if (b <= 0x7f) {
            kind = Kind::Integer;
            scalar = b;
            return true;
        }
        if (b >= 0xe0) {
            kind = Kind::Integer;
            scalar = quint64(qint64(qint8(b)));
            m_negative = true;
            return true;
        }
        m_negative = false;
        if ((b & 0xf0) == 0x80) {
            kind = Kind::Map;
            length = b & 0x0f;
            return true;
        }
        if ((b & 0xf0) == 0x90) {
            kind = Kind::Array;
            length = b & 0x0f;
            return true;
        }
        if ((b & 0xe0) == 0xa0) {
            kind = Kind::Str;
            length = b & 0x1f;
            return true;
        }
        switch (b) {
        case 0xc0:
            kind = Kind::Nil;
            return true;
        case 0xc2:
        case 0xc3:
            kind = Kind::Bool;
            scalar = b == 0xc3;
            return true;
        case 0xc4:
        case 0xc5:
        case 0xc6:
            kind = Kind::Bin;
            return be(1 << (b - 0xc4), length);
        case 0xc7:
        case 0xc8:
        case 0xc9: {
            kind = Kind::Ext;
            if (!be(1 << (b - 0xc7), length))
                return false;
            quint8 type = 0;
            if (!u8(type))
                return false;
            extType = qint8(type);
            return true;
        }
        case 0xca:
            kind = Kind::Float;
            m_float32 = true;
            return be(4, scalar);
        case 0xcb:
            kind = Kind::Float;
            m_float32 = false;
            return be(8, scalar);
        case 0xcc:
        case 0xcd:
        case 0xce:
        case 0xcf:
            kind = Kind::Integer;
            return be(1 << (b - 0xcc), scalar);
        case 0xd0:
        case 0xd1:
        case 0xd2:
        case 0xd3: {
            kind = Kind::Integer;
            const int n = 1 << (b - 0xd0);
            if (!be(n, scalar))
                return false;
            // Sign-extend from n bytes.
            const int shift = 64 - 8 * n;
            scalar = quint64(qint64(scalar << shift) >> shift);
            m_negative = qint64(scalar) < 0;
            return true;
        }
        case 0xd4:
        case 0xd5:
        case 0xd6:
        case 0xd7:
        case 0xd8: {
            kind = Kind::Ext;
            length = quint64(1) << (b - 0xd4);
            quint8 type = 0;
            if (!u8(type))
                return false;
            extType = qint8(type);
            return true;
        }
        case 0xd9:
        case 0xda:
        case 0xdb:
            kind = Kind::Str;
            return be(1 << (b - 0xd9), length);
        case 0xdc:
        case 0xdd:
            kind = Kind::Array;
            return be(b == 0xdc ? 2 : 4, length);
        case 0xde:
        case 0xdf:
            kind = Kind::Map;
            return be(b == 0xde ? 2 : 4, length);
        }
        return fail(
            MsgpackTree::tr("byte 0x%1 at %2 starts no msgpack value")
                .arg(QString::number(b, 16).rightJustified(2, u'0'), QString::number(m_pos - 1)));
    }

    bool negative() const { return m_negative; }
    bool float32() const { return m_float32; }

    bool value(MsgpackNode &node, int depth, int &budget)
    {
        using Kind = MsgpackNode::Kind;
        if (depth > MsgpackTree::MaxDepth)
            return fail(MsgpackTree::tr("nested deeper than %1 levels").arg(MsgpackTree::MaxDepth));
        if (--budget < 0)
            return fail(MsgpackTree::tr("more than %1 values").arg(MsgpackTree::MaxNodes));
        quint64 length = 0;
        quint64 scalar = 0;
        qint8 extType = 0;
        if (!header(node.kind, length, scalar, extType))
            return false;
        switch (node.kind) {
        case Kind::Nil:
            node.text = QStringLiteral("nil");
            return true;
        case Kind::Bool:
            node.text = scalar ? QStringLiteral("true") : QStringLiteral("false");
            return true;
        case Kind::Integer:
            node.text = negative() ? QString::number(qint64(scalar)) : QString::number(scalar);
            return true;
        case Kind::Float: {
            double d = 0;
            if (float32()) {
                const quint32 bits = quint32(scalar);
                float f = 0;
                std::memcpy(&f, &bits, sizeof f);
                d = f;
            } else {
                std::memcpy(&d, &scalar, sizeof d);
            }
            node.text = QString::number(d, 'g', 17);
            return true;
        }
        case Kind::Str: {
            QByteArrayView bytes;
            if (!take(length, bytes))
                return false;
            node.text = QString::fromUtf8(bytes);
            return true;
        }
        case Kind::Bin:
        case Kind::Ext: {
            QByteArrayView bytes;
            if (!take(length, bytes))
                return false;
            node.bytes = bytes.toByteArray();
            node.text = node.kind == Kind::Ext
                ? MsgpackTree::tr("type %1, %n byte(s)", nullptr, int(bytes.size())).arg(extType)
                : MsgpackTree::tr("%n byte(s)", nullptr, int(bytes.size()));
            return true;
        }
        case Kind::Array:
        case Kind::Map: {
            const bool map = node.kind == Kind::Map;
            // Each element takes at least one byte: a larger count is a lie, refused up front.
            if (length * (map ? 2 : 1) > quint64(m_data.size() - m_pos))
                return fail(MsgpackTree::tr("a container at byte %1 claims more elements than "
                                            "there are bytes")
                                .arg(m_pos));
            node.children.reserve(qsizetype(length));
            for (quint64 i = 0; i < length; ++i) {
                MsgpackNode child;
                if (map) {
                    MsgpackNode key;
                    if (!value(key, depth + 1, budget))
                        return false;
                    if (!value(child, depth + 1, budget))
                        return false;
                    child.key = key.kind == Kind::Str ? key.text : u'<' + key.text + u'>';
                } else {
                    if (!value(child, depth + 1, budget))
                        return false;
                    child.key = QStringLiteral("[%1]").arg(i);
                }
                node.children.append(std::move(child));
            }
            node.text = map ? MsgpackTree::tr("%n entries", nullptr, int(length))
                            : MsgpackTree::tr("%n items", nullptr, int(length));
            return true;
        }
        }
        return false;
    }

    // Skips one value without building anything; used for the per-frame summary.
    bool skip(int depth)
    {
        using Kind = MsgpackNode::Kind;
        if (depth > MsgpackTree::MaxDepth)
            return false;
        Kind kind;
        quint64 length = 0;
        quint64 scalar = 0;
        qint8 extType = 0;
        if (!header(kind, length, scalar, extType))
            return false;
        QByteArrayView ignored;
        switch (kind) {
        case Kind::Str:
        case Kind::Bin:
        case Kind::Ext:
            return take(length, ignored);
        case Kind::Array:
        case Kind::Map: {
            const quint64 items = kind == Kind::Map ? 2 * length : length;
            if (items > quint64(m_data.size() - m_pos))
                return false;
            for (quint64 i = 0; i < items; ++i) {
                if (!skip(depth + 1))
                    return false;
            }
            return true;
        }
        default:
            return true;
        }
    }

private:
    QByteArrayView m_data;
    qsizetype m_pos = 0;
    QString m_error;
    bool m_negative = false;
    bool m_float32 = false;
};

} // namespace

Expected<MsgpackNode, QString> MsgpackTree::parse(QByteArrayView data)
{
    Reader reader(data);
    MsgpackNode root;
    int budget = MaxNodes;
    if (!reader.value(root, 0, budget))
        return unexpected(reader.error());
    if (!reader.atEnd()) {
        return unexpected(
            tr("%n byte(s) follow the first value", nullptr, int(data.size() - reader.pos())));
    }
    return root;
}

QHash<QString, QString> MsgpackTree::topLevelStrings(QByteArrayView data)
{
    using Kind = MsgpackNode::Kind;
    QHash<QString, QString> out;
    Reader reader(data);
    Kind kind;
    quint64 length = 0;
    quint64 scalar = 0;
    qint8 extType = 0;
    if (!reader.header(kind, length, scalar, extType) || kind != Kind::Map)
        return out;
    // Reads a string at the reader, or skips whatever else is there without copying it.
    auto stringOrSkip = [&reader](QString &text) {
        Reader peek = reader;
        Kind next;
        quint64 n = 0;
        quint64 v = 0;
        qint8 e = 0;
        if (!peek.header(next, n, v, e))
            return false;
        if (next != Kind::Str) {
            text.clear();
            return reader.skip(0);
        }
        MsgpackNode node;
        int budget = 1;
        if (!reader.value(node, 0, budget))
            return false;
        text = node.text;
        return true;
    };
    for (quint64 i = 0; i < length; ++i) {
        QString key;
        QString value;
        if (!stringOrSkip(key) || !stringOrSkip(value))
            return out;
        if (!key.isEmpty() && !value.isNull())
            out.insert(key, value);
    }
    return out;
}

QString MsgpackTree::kindName(MsgpackNode::Kind kind)
{
    switch (kind) {
    case MsgpackNode::Kind::Nil:
        return QStringLiteral("nil");
    case MsgpackNode::Kind::Bool:
        return QStringLiteral("bool");
    case MsgpackNode::Kind::Integer:
        return QStringLiteral("int");
    case MsgpackNode::Kind::Float:
        return QStringLiteral("float");
    case MsgpackNode::Kind::Str:
        return QStringLiteral("str");
    case MsgpackNode::Kind::Bin:
        return QStringLiteral("bin");
    case MsgpackNode::Kind::Array:
        return QStringLiteral("array");
    case MsgpackNode::Kind::Map:
        return QStringLiteral("map");
    case MsgpackNode::Kind::Ext:
        return QStringLiteral("ext");
    }
    return {};
}

} // namespace canopy::ui
