#include "crdt/yjs/AwarenessUpdate.h"

#include "crdt/yjs/Lib0Reader.h"
#include "crdt/yjs/Lib0Writer.h"

#include <QJsonDocument>
#include <QJsonParseError>

namespace canopy::yjs {

namespace {

YjsError fail(const QString &reason, const QString &message)
{
    return YjsError {reason, message};
}

} // namespace

Expected<QList<AwarenessEntry>, YjsError> decodeAwareness(QByteArrayView update)
{
    Lib0Reader r(update);
    const auto count = r.varUint();
    if (!count)
        return unexpected(fail(QStringLiteral("truncated"),
            QStringLiteral("the awareness update has no entry count")));
    // Each entry takes at least 3 bytes: a count beyond that is a lie, not a reason to reserve.
    if (*count > quint64(r.remaining()) / 3)
        return unexpected(fail(QStringLiteral("truncated"),
            QStringLiteral("the awareness update claims %1 entries in %2 bytes")
                .arg(QString::number(*count), QString::number(r.remaining()))));
    QList<AwarenessEntry> entries;
    entries.reserve(qsizetype(*count));
    for (quint64 i = 0; i < *count; ++i) {
        const auto client = r.varUint();
        const auto clock = client ? r.varUint() : std::nullopt;
        const auto state = clock ? r.varString() : std::nullopt;
        if (!state)
            return unexpected(fail(QStringLiteral("truncated"),
                QStringLiteral("awareness entry %1 runs past the update").arg(i)));
        if (*state != "null") {
            QJsonParseError error;
            const QJsonDocument json = QJsonDocument::fromJson(state->toByteArray(), &error);
            if (error.error != QJsonParseError::NoError || json.isNull())
                return unexpected(fail(QStringLiteral("bad-awareness-state"),
                    QStringLiteral("the state of awareness client %1 is not JSON (an object, an "
                                   "array or null)")
                        .arg(*client)));
        }
        entries.append(AwarenessEntry {*client, *clock, state->toByteArray()});
    }
    if (!r.atEnd())
        return unexpected(fail(QStringLiteral("trailing-bytes"),
            QStringLiteral("%1 bytes follow the awareness update").arg(r.remaining())));
    return entries;
}

QByteArray encodeAwareness(const QList<AwarenessEntry> &entries)
{
    Lib0Writer w;
    w.varUint(quint64(entries.size()));
    for (const AwarenessEntry &entry : entries) {
        w.varUint(entry.client);
        w.varUint(entry.clock);
        w.varString(entry.state);
    }
    return w.take();
}

} // namespace canopy::yjs
