// libFuzzer target: what the admin API does with a request body (server/admin/AdminRoute.cpp,
// POST /admin/tokens and POST /admin/bans): QJsonDocument::fromJson, then typed field reads and
// QDateTime::fromString(..., Qt::ISODateWithMs) for "until".
//
// The route's own validation lives inside AdminRoute::route() and is not callable on its own, and
// this target must not copy it. Until a small function is exposed (see fuzz/README.md), it fuzzes
// the Qt calls that validation is made of: the JSON parser, the field accessors on whatever
// parsed, and the ISO date parser on every string value (so dates are fuzzed whether or not they
// sit under "until"), plus the date parser on the raw input.
#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QJsonParseError>

#include <cstddef>
#include <cstdint>

namespace {

void visit(const QJsonValue &value, int depth)
{
    if (depth > 64)
        return;
    switch (value.type()) {
    case QJsonValue::String: {
        const QDateTime time = QDateTime::fromString(value.toString(), Qt::ISODateWithMs);
        if (time.isValid())
            (void)time.toUTC().toString(Qt::ISODateWithMs); // as the route echoes it back
        break;
    }
    case QJsonValue::Array:
        for (const QJsonValue &item : value.toArray())
            visit(item, depth + 1);
        break;
    case QJsonValue::Object: {
        const QJsonObject object = value.toObject();
        for (auto it = object.begin(); it != object.end(); ++it)
            visit(it.value(), depth + 1);
        break;
    }
    default:
        (void)value.toDouble();
        break;
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    // A copy, as HttpExchange hands the route a QByteArray of its own.
    const QByteArray body(reinterpret_cast<const char *>(data), qsizetype(size));

    QJsonParseError error {};
    const QJsonDocument document = QJsonDocument::fromJson(body, &error);
    if (error.error != QJsonParseError::NoError) {
        (void)error.errorString(); // the 400 message quotes it
    } else if (document.isObject()) {
        const QJsonObject object = document.object();
        for (const QLatin1String field :
            {QLatin1String("did"), QLatin1String("reason"), QLatin1String("until")}) {
            const QJsonValue value = object.value(field);
            (void)value.isUndefined();
            (void)value.isNull();
            (void)value.toString();
        }
        visit(object, 0);
    } else if (document.isArray()) {
        visit(document.array(), 0);
    }

    const QString text = QString::fromUtf8(body);
    if (text.size() <= 64) // ISO times are short; longer inputs only slow the date parser down
        (void)QDateTime::fromString(text, Qt::ISODateWithMs);
    return 0;
}
