#pragma once

#include "util/Expected.h"

#include <cstdint>
#include <map>

#include <QByteArray>
#include <QByteArrayView>
#include <QList>
#include <QString>

namespace canopy::loro {

enum class LoroErrorCode
{
    TooShort, // shorter than the 22-byte header
    BadMagic, // does not start with "loro"
    BadChecksum, // xxHash32 of bytes 20.. does not match
    UnsupportedMode, // legacy modes 1/2, or 255
    UnknownMode, // any other mode value
    Truncated, // a length prefix runs past the end
    BadBlock, // a change block header that cannot be parsed
    BadSnapshot, // the three snapshot sections are malformed
    BadSstable, // SSTable magic, meta, block checksum or layout is wrong
    BadCompression, // an LZ4 frame that does not decompress
    BadVersionVector, // an encoded version vector that cannot be decoded
    TooLarge, // decompresses past the limits, or a unit no message can carry
};

struct LoroError
{
    LoroErrorCode code = LoroErrorCode::TooShort;
    QString message; // human readable, names the offending part and offset
};

template <typename T> using LoroExpected = Expected<T, LoroError>;

// peer -> exclusive end counter (the next counter), as Loro's VersionVector.
using VersionVector = std::map<quint64, quint32>;

enum class BlobMode : quint16
{
    Snapshot = 3,
    Update = 4,
};

// A change's dependency on another peer: that peer's changes up to `counter` (inclusive).
struct ChangeDependency
{
    quint64 peer = 0;
    quint32 counter = 0;
};

// One Loro change block (protocol.md B4): changes of exactly one author peer
// covering the contiguous counters [counterStart, counterEnd).
struct ChangeBlock
{
    quint64 peer = 0;
    quint32 counterStart = 0;
    quint32 counterEnd = 0; // exclusive
    quint32 lamportStart = 0;
    quint32 lamportEnd = 0; // exclusive envelope end: lamport_start + lamport_len
    quint32 changeCount = 0;
    QByteArray bytes; // the raw postcard-encoded block, as it travels in a mode-4 body
    // On other peers, the highest counter of each its changes depend on (set by parsing).
    QList<ChangeDependency> dependencies;
};

} // namespace canopy::loro
