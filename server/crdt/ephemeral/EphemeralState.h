#pragma once

#include "util/Expected.h"

#include <QByteArray>
#include <QList>
#include <QString>

namespace canopy::ephemeral {

// One entry of a Loro EphemeralStore update (loro-protocol.md §4.3): postcard
// `EncodedState {key: &str, value: Option<LoroValue>, timestamp: i64}`.
struct EphemeralEntry
{
    QByteArray key; // UTF-8
    bool present = false; // false: a deletion (kept as a tombstone until it expires)
    QByteArray value; // the LoroValue's bytes, when present
    qint64 timestampMs = 0; // the writer's wall clock
    QByteArray bytes; // the whole entry as encoded, re-sent as it came
};

struct EphemeralError
{
    QString message;
};

constexpr int MaxValueDepth = 512; // loro's EPHEMERAL_VALUE_MAX_DEPTH
constexpr qsizetype MaxKeyBytes = 4096;

// An update: varint count, then that many entries. Every value is walked (postcard has no
// lengths around values), so a malformed or too deep one refuses the whole update.
Expected<QList<EphemeralEntry>, EphemeralError> parseUpdate(QByteArrayView update);
// One entry as it is stored (the bytes of EphemeralEntry::bytes).
Expected<EphemeralEntry, EphemeralError> parseEntry(QByteArrayView entry);
QByteArray encodeUpdate(const QList<QByteArray> &entries);
// A value for people: JSON-like, at most `limit` characters.
QString describeValue(QByteArrayView value, qsizetype limit = 200);

} // namespace canopy::ephemeral
