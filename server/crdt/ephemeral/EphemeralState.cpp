#include "crdt/ephemeral/EphemeralState.h"

#include "crdt/loro/ByteReader.h"
#include "crdt/loro/ByteWriter.h"

#include <cstring>

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonValue>
#include <QStringDecoder>

namespace canopy::ephemeral {
namespace {

using loro::ByteReader;

Unexpected<EphemeralError> bad(QString message)
{
    return unexpected(EphemeralError {std::move(message)});
}

qint64 unzigzag(quint64 v)
{
    return qint64(v >> 1) ^ -qint64(v & 1);
}

bool isUtf8(QByteArrayView bytes)
{
    QStringDecoder utf8(QStringDecoder::Utf8, QStringDecoder::Flag::Stateless);
    (void)QString(utf8(bytes));
    return !utf8.hasError();
}

// A JSON string literal of UTF-8 bytes (escapes and all).
QString quoted(QByteArrayView utf8)
{
    const QByteArray json
        = QJsonDocument(QJsonArray {QString::fromUtf8(utf8)}).toJson(QJsonDocument::Compact);
    return QString::fromUtf8(json.sliced(1, json.size() - 2));
}

// Walks one LoroValue (tags 0..8), describing it when `out` is given. The depth of nested
// lists and maps is bounded, so a crafted value cannot exhaust the stack.
bool walkValue(ByteReader &r, int depth, QString *out, qsizetype limit, QString *error)
{
    const auto emit = [&](const QString &text) {
        if (out && out->size() < limit)
            *out += text;
    };
    const auto tag = r.u8();
    if (!tag) {
        *error = QStringLiteral("a value runs past the update");
        return false;
    }
    switch (*tag) {
    case 0:
        emit(QStringLiteral("null"));
        return true;
    case 1: {
        const auto b = r.u8();
        if (!b || *b > 1) {
            *error = QStringLiteral("a bool that is neither 0 nor 1");
            return false;
        }
        emit(*b ? QStringLiteral("true") : QStringLiteral("false"));
        return true;
    }
    case 2: {
        const auto bits = r.u64le();
        if (!bits) {
            *error = QStringLiteral("a double runs past the update");
            return false;
        }
        double d;
        const quint64 raw = *bits;
        std::memcpy(&d, &raw, sizeof d);
        emit(QString::number(d, 'g', 17));
        return true;
    }
    case 3: {
        const auto v = r.leb();
        if (!v) {
            *error = QStringLiteral("a bad integer");
            return false;
        }
        emit(QString::number(unzigzag(*v)));
        return true;
    }
    case 4:
    case 8: {
        const auto bytes = r.lebBytes();
        if (!bytes) {
            *error = QStringLiteral("a string or binary runs past the update");
            return false;
        }
        if (*tag == 4) {
            if (!isUtf8(*bytes)) {
                *error = QStringLiteral("a string that is not UTF-8");
                return false;
            }
            if (out && out->size() < limit)
                *out += quoted(*bytes);
        } else {
            emit(QStringLiteral("<%1 bytes>").arg(bytes->size()));
        }
        return true;
    }
    case 5:
    case 6: {
        // Only lists and maps count towards loro's limit, as in its own check.
        if (depth > MaxValueDepth) {
            *error
                = QStringLiteral("lists and maps nested deeper than %1 levels").arg(MaxValueDepth);
            return false;
        }
        const auto n = r.leb();
        // Every element takes at least one byte: a larger count cannot be genuine.
        if (!n || *n > quint64(r.remaining())) {
            *error = QStringLiteral("a list or map count runs past the update");
            return false;
        }
        emit(*tag == 5 ? QStringLiteral("[") : QStringLiteral("{"));
        for (quint64 i = 0; i < *n; ++i) {
            if (i)
                emit(QStringLiteral(","));
            if (*tag == 6) {
                const auto key = r.lebBytes();
                if (!key || !isUtf8(*key)) {
                    *error = QStringLiteral("a map key runs past the update or is not UTF-8");
                    return false;
                }
                if (out && out->size() < limit)
                    *out += quoted(*key) + u':';
            }
            if (!walkValue(r, depth + 1, out, limit, error))
                return false;
        }
        emit(*tag == 5 ? QStringLiteral("]") : QStringLiteral("}"));
        return true;
    }
    case 7: {
        // ContainerID: 0 Root {name, type} | 1 Normal {peer, counter, type}.
        const auto variant = r.leb();
        bool ok = false;
        if (variant && *variant == 0) {
            const auto name = r.lebBytes();
            ok = name && r.u8().has_value();
            if (ok)
                emit(QStringLiteral("container(%1)").arg(QString::fromUtf8(*name)));
        } else if (variant && *variant == 1) {
            const auto peer = r.leb();
            const auto counter = peer ? r.leb() : std::nullopt;
            ok = counter && r.u8().has_value();
            if (ok)
                emit(QStringLiteral("container(%1@%2)")
                         .arg(QString::number(*peer), QString::number(unzigzag(*counter))));
        }
        if (!ok)
            *error = QStringLiteral("a bad container id");
        return ok;
    }
    default:
        *error = QStringLiteral("unknown value tag 0x%1").arg(*tag, 2, 16, QLatin1Char('0'));
        return false;
    }
}

Expected<EphemeralEntry, EphemeralError> readEntry(ByteReader &r)
{
    const qsizetype begin = r.pos();
    EphemeralEntry entry;
    const auto key = r.lebBytes();
    if (!key)
        return bad(QStringLiteral("an entry's key runs past the update"));
    if (key->size() > MaxKeyBytes)
        return bad(QStringLiteral("a key of %1 bytes (at most %2)")
                       .arg(QString::number(key->size()), QString::number(MaxKeyBytes)));
    if (!isUtf8(*key))
        return bad(QStringLiteral("a key that is not UTF-8"));
    entry.key = key->toByteArray();
    const auto option = r.u8();
    if (!option || *option > 1)
        return bad(QStringLiteral("the value of \"%1\" is neither None nor Some")
                       .arg(QString::fromUtf8(entry.key)));
    entry.present = *option == 1;
    if (entry.present) {
        const qsizetype valueAt = r.pos();
        QString error;
        if (!walkValue(r, 1, nullptr, 0, &error))
            return bad(
                QStringLiteral("the value of \"%1\": %2").arg(QString::fromUtf8(entry.key), error));
        entry.value = r.sliceFrom(valueAt).toByteArray();
    }
    const auto timestamp = r.leb();
    if (!timestamp)
        return bad(
            QStringLiteral("the timestamp of \"%1\" is missing").arg(QString::fromUtf8(entry.key)));
    entry.timestampMs = unzigzag(*timestamp);
    entry.bytes = r.sliceFrom(begin).toByteArray();
    return entry;
}

} // namespace

Expected<QList<EphemeralEntry>, EphemeralError> parseUpdate(QByteArrayView update)
{
    ByteReader r(update);
    const auto count = r.leb();
    // An entry takes at least 3 bytes (key length, option, timestamp).
    if (!count || *count > quint64(r.remaining() / 3 + 1))
        return bad(QStringLiteral("no entry count, or more entries than bytes"));
    // An entry is some 90 bytes in the list for 3 on the wire: reserved for a modest count
    // only, the list grows with the entries that really parse.
    QList<EphemeralEntry> out;
    out.reserve(qsizetype(qMin(*count, quint64(1024))));
    for (quint64 i = 0; i < *count; ++i) {
        auto entry = readEntry(r);
        if (!entry)
            return bad(
                QStringLiteral("entry %1: %2").arg(QString::number(i), entry.error().message));
        out.append(std::move(*entry));
    }
    if (!r.atEnd())
        return bad(QStringLiteral("%1 bytes after the last entry").arg(r.remaining()));
    return out;
}

Expected<EphemeralEntry, EphemeralError> parseEntry(QByteArrayView bytes)
{
    ByteReader r(bytes);
    auto entry = readEntry(r);
    if (entry && !r.atEnd())
        return bad(QStringLiteral("%1 bytes after the entry").arg(r.remaining()));
    return entry;
}

QByteArray encodeUpdate(const QList<QByteArray> &entries)
{
    QByteArray out;
    qsizetype size = 10;
    for (const QByteArray &entry : entries)
        size += entry.size();
    out.reserve(size);
    loro::appendLeb(out, quint64(entries.size()));
    for (const QByteArray &entry : entries)
        out += entry;
    return out;
}

QString describeValue(QByteArrayView value, qsizetype limit)
{
    ByteReader r(value);
    QString out;
    QString error;
    if (!walkValue(r, 1, &out, limit, &error))
        return error;
    if (out.size() > limit)
        out = out.left(limit) + u'…';
    return out;
}

} // namespace canopy::ephemeral
