#include "crdt/yjs/UpdateDescription.h"

#include "crdt/yjs/JsJson.h"
#include "crdt/yjs/Lib0Any.h"
#include "crdt/yjs/Lib0Reader.h"
#include "crdt/yjs/StructReader.h"

#include <algorithm>
#include <cmath>

namespace canopy::yjs {

namespace {

constexpr qsizetype MaxDetail = 60;

QString clip(QString text)
{
    if (text.size() > MaxDetail) {
        text.truncate(MaxDetail - 1);
        text.append(QChar(0x2026)); // …
    }
    return text;
}

QString quoted(QByteArrayView utf8)
{
    QString text = QString::fromUtf8(utf8.first(std::min<qsizetype>(utf8.size(), MaxDetail * 4)));
    text.replace(u'\\', QStringLiteral("\\\\")).replace(u'"', QStringLiteral("\\\""));
    text.replace(u'\n', QStringLiteral("\\n"));
    return clip(u'"' + text + u'"');
}

// A short JSON-like rendering of an Any, for the eye only.
void render(const AnyValue &v, QString &out)
{
    using T = AnyValue::Type;
    if (out.size() > MaxDetail)
        return;
    switch (v.type) {
    case T::Undefined:
        out += u"undefined";
        break;
    case T::Null:
        out += u"null";
        break;
    case T::False:
        out += u"false";
        break;
    case T::True:
        out += u"true";
        break;
    case T::Number:
        out += std::isfinite(v.number) ? QString::fromLatin1(jsNumberText(v.number))
                                       : QString::number(v.number);
        break;
    case T::BigInt:
        out += QString::number(v.bigint) + u'n';
        break;
    case T::String:
        out += quoted(v.bytes);
        break;
    case T::Bytes:
        out += QStringLiteral("<%1 bytes>").arg(v.bytes.size());
        break;
    case T::Array:
        out += u'[';
        for (std::size_t i = 0; i < v.items.size(); ++i) {
            if (i)
                out += u',';
            render(v.items[i], out);
        }
        out += u']';
        break;
    case T::Object:
        out += u'{';
        for (std::size_t i = 0; i < v.keys.size(); ++i) {
            if (i)
                out += u',';
            out += quoted(v.keys[i]) + u':';
            render(v.items[i], out);
        }
        out += u'}';
        break;
    }
}

QString typeName(quint64 typeRef)
{
    static const char *const names[]
        = {"YArray", "YMap", "YText", "YXmlElement", "YXmlFragment", "YXmlHook", "YXmlText"};
    return typeRef < 7 ? QString::fromLatin1(names[typeRef])
                       : QStringLiteral("type %1").arg(typeRef);
}

void describeContent(const ItemContent &content, StructView &view)
{
    Lib0Reader r(content.payload());
    switch (content.ref()) {
    case 1:
        view.content = QStringLiteral("Deleted");
        view.detail = QStringLiteral("%1 deleted").arg(content.length());
        break;
    case 2: {
        view.content = QStringLiteral("JSON");
        (void)r.varUint();
        QStringList values;
        for (quint64 i = 0; i < content.length() && i < 4; ++i)
            values.append(QString::fromUtf8(r.varString().value_or(QByteArrayView())));
        view.detail = clip(values.join(u", "));
        break;
    }
    case 3:
        view.content = QStringLiteral("Binary");
        view.detail
            = QStringLiteral("%1 bytes").arg(r.varBytes().value_or(QByteArrayView()).size());
        break;
    case 4:
        view.content = QStringLiteral("String");
        view.detail = quoted(r.varString().value_or(QByteArrayView()));
        break;
    case 5:
        view.content = QStringLiteral("Embed");
        view.detail = clip(QString::fromUtf8(r.varString().value_or(QByteArrayView())));
        break;
    case 6: {
        view.content = QStringLiteral("Format");
        const QString key = QString::fromUtf8(r.varString().value_or(QByteArrayView()));
        const QString value = QString::fromUtf8(r.varString().value_or(QByteArrayView()));
        view.detail = clip(QStringLiteral("%1 %2").arg(key, value));
        break;
    }
    case 7: {
        view.content = QStringLiteral("Type");
        const quint64 typeRef = r.varUint().value_or(0);
        view.detail = typeName(typeRef);
        if (typeRef == 3 || typeRef == 5)
            view.detail += u' ' + quoted(r.varString().value_or(QByteArrayView()));
        break;
    }
    case 8: {
        view.content = QStringLiteral("Any");
        (void)r.varUint();
        QString out;
        for (quint64 i = 0; i < content.length() && out.size() <= MaxDetail; ++i) {
            const auto value = readAnyValue(r);
            if (!value)
                break;
            if (i)
                out += u", ";
            render(*value, out);
        }
        view.detail = clip(out);
        break;
    }
    case 9:
        view.content = QStringLiteral("Doc");
        view.detail = QStringLiteral("guid ") + quoted(r.varString().value_or(QByteArrayView()));
        break;
    default:
        break;
    }
}

QString idText(const YjsId &id)
{
    return QStringLiteral("%1:%2").arg(QString::number(id.client), QString::number(id.clock));
}

} // namespace

Expected<UpdateView, YjsError> describeUpdate(QByteArrayView update, qsizetype maxStructs)
{
    StructReader reader(update, false);
    UpdateView view;
    qsizetype kept = 0;
    while (reader.next()) {
        const YjsStruct &s = reader.current();
        if (reader.opensSection())
            view.clients.append(ClientRunView {s.client, s.clock, s.clock, {}});
        ClientRunView &run = view.clients.last();
        run.end = s.end();
        if (kept >= maxStructs)
            continue; // still read on: the whole update must be valid
        ++kept;
        StructView item;
        item.client = s.client;
        item.clock = s.clock;
        item.length = s.length;
        switch (s.kind) {
        case YjsStruct::Kind::GC:
            item.kind = QStringLiteral("GC");
            break;
        case YjsStruct::Kind::Skip:
            item.kind = QStringLiteral("Skip");
            break;
        case YjsStruct::Kind::Item: {
            item.kind = QStringLiteral("Item");
            describeContent(s.content, item);
            QStringList where;
            if (s.parent == YjsStruct::Parent::Key)
                where.append(QStringLiteral("in ") + quoted(s.parentKey));
            else if (s.parent == YjsStruct::Parent::Id)
                where.append(QStringLiteral("in ") + idText(s.parentId));
            if (s.hasParentSub)
                where.append(QStringLiteral("key ") + quoted(s.parentSub));
            if (s.hasOrigin)
                where.append(QStringLiteral("after ") + idText(s.origin));
            if (s.hasRightOrigin)
                where.append(QStringLiteral("before ") + idText(s.rightOrigin));
            if (!where.isEmpty())
                item.detail += (item.detail.isEmpty() ? QString() : QStringLiteral("; "))
                    + where.join(u", ");
            break;
        }
        }
        run.structs.append(item);
    }
    if (reader.failed())
        return unexpected(reader.error());
    Lib0Reader &rest = reader.reader();
    auto deletes = DeleteSet::read(rest);
    if (!deletes)
        return unexpected(deletes.error());
    if (!rest.atEnd())
        return unexpected(YjsError {QStringLiteral("trailing-bytes"),
            QStringLiteral("%1 bytes follow the update's delete set").arg(rest.remaining())});
    view.deleteSet = std::move(*deletes);
    return view;
}

} // namespace canopy::yjs
