#include "crdt/yjs/ItemContentReader.h"

#include "crdt/yjs/JsJson.h"
#include "crdt/yjs/Lib0Any.h"
#include "crdt/yjs/Lib0Reader.h"
#include "crdt/yjs/Lib0Writer.h"
#include "crdt/yjs/Utf8Text.h"

namespace canopy::yjs {

namespace {

class ContentParser
{
public:
    ContentParser(Lib0Reader &reader, quint8 ref, bool canonicalize)
        : r(reader)
        , m_ref(ref)
        , m_canonicalize(canonicalize)
    {
    }

    Expected<ItemContent, YjsError> run()
    {
        const qsizetype start = r.pos();
        quint64 length = 1;
        Lib0Writer w; // the canonical form, written as we go (used only when it differs)
        switch (m_ref) {
        case 1: { // Deleted
            const auto len = uint("the deleted length");
            if (!len)
                return fail();
            length = *len;
            w.varUint(length);
            break;
        }
        case 2: { // JSON (legacy): n strings, each JSON text or "undefined"
            const auto count = uint("the JSON count");
            if (!count)
                return fail();
            if (*count > quint64(r.remaining()))
                return refuse(QStringLiteral("truncated"),
                    QStringLiteral("claims %1 JSON values").arg(QString::number(*count)));
            length = *count;
            w.varUint(length);
            for (quint64 i = 0; i < *count; ++i) {
                const auto text = string("a JSON value");
                if (!text)
                    return fail();
                if (*text == "undefined") {
                    w.varString(*text);
                } else if (!json(*text, w)) {
                    return fail();
                }
            }
            break;
        }
        case 3: { // Binary
            const auto bytes = bytesField();
            if (!bytes)
                return fail();
            w.varBytes(*bytes);
            break;
        }
        case 4: { // String, measured in UTF-16 code units
            const auto text = string("the string");
            if (!text)
                return fail();
            length = utf16Length(*text).value_or(0);
            w.varString(*text);
            break;
        }
        case 5: { // Embed: JSON
            const auto text = string("the embed");
            if (!text || !json(*text, w))
                return fail();
            break;
        }
        case 6: { // Format: key, JSON value
            const auto key = string("the format key");
            if (!key)
                return fail();
            w.varString(*key);
            const auto value = string("the format value");
            if (!value || !json(*value, w))
                return fail();
            break;
        }
        case 7: { // Type
            const auto typeRef = uint("the type ref");
            if (!typeRef)
                return fail();
            if (*typeRef > 6)
                return refuse(QStringLiteral("unknown-type"),
                    QStringLiteral("type ref %1 is not a Yjs type").arg(QString::number(*typeRef)));
            w.varUint(*typeRef);
            if (*typeRef == 3 || *typeRef == 5) { // XmlElement's nodeName, XmlHook's hookName
                const auto name = string("the XML name");
                if (!name)
                    return fail();
                w.varString(*name);
            }
            break;
        }
        case 8: { // Any: n values
            const auto count = uint("the value count");
            if (!count)
                return fail();
            if (*count > quint64(r.remaining()))
                return refuse(QStringLiteral("truncated"),
                    QStringLiteral("claims %1 values").arg(QString::number(*count)));
            length = *count;
            w.varUint(length);
            for (quint64 i = 0; i < *count; ++i) {
                if (!any(w))
                    return fail();
            }
            break;
        }
        case 9: { // Doc: guid, options
            const auto guid = string("the subdocument guid");
            if (!guid)
                return fail();
            w.varString(*guid);
            if (!docOptions(w))
                return fail();
            break;
        }
        default:
            return refuse(QStringLiteral("unknown-content"),
                QStringLiteral("content ref %1 is unknown").arg(QString::number(m_ref)));
        }
        if (length == 0)
            return refuse(QStringLiteral("empty-struct"), QStringLiteral("the content is empty"));
        const QByteArrayView read = r.sliceFrom(start);
        if (m_canonical || !m_canonicalize)
            return ItemContent(m_ref, length, read);
        return ItemContent(m_ref, length, w.take());
    }

private:
    Lib0Reader &r;
    quint8 m_ref;
    bool m_canonicalize;
    bool m_canonical = true;
    std::optional<YjsError> m_error;

    Unexpected<YjsError> fail() { return unexpected(*m_error); }
    Unexpected<YjsError> refuse(const QString &reason, const QString &message)
    {
        m_error = YjsError {reason, message};
        return fail();
    }
    bool set(const QString &reason, const QString &message)
    {
        m_error = YjsError {reason, message};
        return false;
    }
    bool readFailed(const QString &what)
    {
        if (r.atEnd())
            return set(
                QStringLiteral("truncated"), QStringLiteral("%1 runs past the end").arg(what));
        return set(QStringLiteral("bad-varint"), QStringLiteral("%1 is not a varUint").arg(what));
    }

    std::optional<quint64> uint(const char *what)
    {
        const auto value = readUintNoting(r, &m_canonical);
        if (!value)
            readFailed(QString::fromLatin1(what));
        return value;
    }

    std::optional<QByteArrayView> bytesField()
    {
        const auto length = uint("the binary length");
        if (!length)
            return std::nullopt;
        if (*length > quint64(r.remaining())) {
            set(QStringLiteral("truncated"), QStringLiteral("the binary runs past the end"));
            return std::nullopt;
        }
        return r.bytes(qsizetype(*length));
    }

    std::optional<QByteArrayView> string(const char *what)
    {
        const QString name = QString::fromLatin1(what);
        const auto length = uint(what);
        if (!length)
            return std::nullopt;
        if (*length > quint64(r.remaining())) {
            set(QStringLiteral("truncated"), QStringLiteral("%1 runs past the end").arg(name));
            return std::nullopt;
        }
        const auto text = r.bytes(qsizetype(*length));
        if (!isUtf8(*text)) {
            set(QStringLiteral("bad-utf8"), QStringLiteral("%1 is not UTF-8").arg(name));
            return std::nullopt;
        }
        return text;
    }

    bool json(QByteArrayView text, Lib0Writer &w)
    {
        const Canonical verdict = checkJson(text);
        if (verdict == Canonical::Invalid)
            return set(QStringLiteral("bad-json"), QStringLiteral("a JSON value does not parse"));
        if (verdict == Canonical::Rewrite) {
            m_canonical = false;
            if (m_canonicalize) {
                w.varString(rewriteJson(text).value_or(QByteArray()));
                return true;
            }
        }
        w.varString(text);
        return true;
    }

    bool any(Lib0Writer &w)
    {
        const qsizetype start = r.pos();
        const Canonical verdict = checkAny(r);
        if (verdict == Canonical::Invalid) {
            if (r.atEnd())
                return set(
                    QStringLiteral("truncated"), QStringLiteral("a value runs past the end"));
            return set(QStringLiteral("bad-any"),
                QStringLiteral("a value is not a lib0 Any (unknown tag, bad UTF-8, nesting past "
                               "%1 or a __proto__ key)")
                    .arg(MaxAnyDepth));
        }
        const QByteArrayView bytes = r.sliceFrom(start);
        if (verdict == Canonical::Rewrite) {
            m_canonical = false;
            if (m_canonicalize) {
                Lib0Reader again(bytes);
                writeAnyValue(w, readAnyValue(again).value_or(AnyValue()));
                return true;
            }
        }
        w.bytes(bytes);
        return true;
    }

    // ContentDoc keeps only what `new Doc({guid, ...opts})` makes of the options: {gc: false} when
    // gc is given and falsy, {autoLoad: true} when truthy, {meta} when neither null nor undefined.
    bool docOptions(Lib0Writer &w)
    {
        const qsizetype start = r.pos();
        const Canonical verdict = checkAny(r);
        if (verdict == Canonical::Invalid)
            return set(QStringLiteral("bad-subdoc"),
                QStringLiteral("the subdocument options are not a lib0 Any"));
        const QByteArrayView bytes = r.sliceFrom(start);
        Lib0Reader again(bytes);
        const std::optional<AnyValue> opts = readAnyValue(again);
        using T = AnyValue::Type;
        if (!opts || opts->type == T::Null || opts->type == T::Undefined)
            return set(QStringLiteral("bad-subdoc"),
                QStringLiteral("the subdocument has no options (yjs reads opts.shouldLoad)"));
        AnyValue out;
        out.type = T::Object;
        if (opts->type == T::Object) {
            const AnyValue *gc = nullptr;
            const AnyValue *autoLoad = nullptr;
            const AnyValue *meta = nullptr;
            for (std::size_t i = 0; i < opts->keys.size(); ++i) {
                const QByteArrayView key = opts->keys[i];
                const AnyValue &value = opts->items[i];
                if (key == "guid")
                    return set(QStringLiteral("bad-subdoc"),
                        QStringLiteral("the subdocument options name a guid"));
                if (key == "gc")
                    gc = &value;
                else if (key == "autoLoad")
                    autoLoad = &value;
                else if (key == "meta")
                    meta = &value;
            }
            if (gc && gc->type != T::Undefined && !gc->truthy()) {
                AnyValue no;
                no.type = T::False;
                out.keys.push_back("gc");
                out.items.push_back(no);
            }
            if (autoLoad && autoLoad->truthy()) {
                AnyValue yes;
                yes.type = T::True;
                out.keys.push_back("autoLoad");
                out.items.push_back(yes);
            }
            if (meta && meta->type != T::Undefined && meta->type != T::Null) {
                out.keys.push_back("meta");
                out.items.push_back(*meta);
            }
        }
        Lib0Writer canonical;
        writeAnyValue(canonical, out);
        if (canonical.data() != bytes)
            m_canonical = false;
        w.bytes(canonical.data());
        return true;
    }
};

} // namespace

Expected<ItemContent, YjsError> readItemContent(Lib0Reader &reader, quint8 ref, bool canonicalize)
{
    return ContentParser(reader, ref, canonicalize).run();
}

} // namespace canopy::yjs
