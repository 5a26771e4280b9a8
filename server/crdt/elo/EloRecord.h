#pragma once

#include "util/Expected.h"

#include <QByteArray>
#include <QList>
#include <QString>

namespace canopy::elo {

// The plaintext header of one end-to-end encrypted Loro record (protocol-e2ee.md; loro-
// protocol.md §4.5). The host never holds a key: it reads only what the header says.
struct EloRecord
{
    enum class Kind : quint8
    {
        DeltaSpan = 0x00, // the changes of one peer over [start, end)
        Snapshot = 0x01, // a whole document at `version`
    };
    struct VersionEntry
    {
        QByteArray peerId;
        quint32 counter = 0;
    };

    Kind kind = Kind::DeltaSpan;
    QByteArray peerId; // DeltaSpan: the Loro peer id, as EloAdaptor writes it in decimal ASCII
    quint32 start = 0; // DeltaSpan, inclusive
    quint32 end = 0; // DeltaSpan, exclusive
    QList<VersionEntry> version; // Snapshot, sorted by peer id bytes
    QString keyId;
    QByteArray iv; // 12 bytes
    qsizetype headerSize = 0; // the header is the AES-GCM associated data
    qsizetype ciphertextSize = 0; // with its 16-byte tag
    QByteArray bytes; // the whole record, as stored and served
};

struct EloError
{
    QString reason; // stable: "bad-container", "bad-record", ...
    QString message;
};

// Limits the host enforces on headers (the spec's recommendations, as the reference server).
constexpr qsizetype MaxPeerIdBytes = 64;
constexpr qsizetype MaxKeyIdBytes = 64;
constexpr qsizetype IvBytes = 12;
constexpr qsizetype TagBytes = 16;
constexpr quint32 MaxVersionEntries = 1024;

// One record: header fields checked, ciphertext framed; trailing bytes refused.
Expected<EloRecord, EloError> parseRecord(QByteArrayView record);
// A container (each DocUpdate entry): varUint N, then N x varBytes record.
Expected<QList<EloRecord>, EloError> parseContainer(QByteArrayView container);
QByteArray encodeContainer(const QList<QByteArray> &records);
// A snapshot record's version as a Loro VersionVector would hold it: decimal peer ids only.
QString describeVersion(const QList<EloRecord::VersionEntry> &version);

} // namespace canopy::elo
