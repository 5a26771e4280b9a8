#pragma once

#include "crdt/loro/LoroTypes.h"

namespace canopy::loro {

// What taking one blob apart may cost. A snapshot's LZ4 blocks may decompress to at most
// `maxRatio` times the blob's size and to at most `maxOutputBytes` in all: the host's message
// limit (--max-message), since what it keeps it must be able to serve.
struct LoroLimits
{
    qsizetype maxOutputBytes = 32 * 1024 * 1024;
    qsizetype maxRatio = 64;
};

// A Loro export blob taken apart without linking Loro (protocol.md B1-B5).
struct LoroBlob
{
    BlobMode mode = BlobMode::Update;
    bool shallow = false; // mode 3 with a non-empty shallow-root-state section
    QList<ChangeBlock>
        blocks; // updates: the body's blocks; snapshots: the oplog's 12-byte-key values
    VersionVector version; // snapshots: the oplog "vv"; updates: max counterEnd per peer
    // Shallow snapshots: the oplog "sv", where the kept history starts (counters below each
    // entry live only in the shallow root state).
    VersionVector shallowStart;

    // Parses and verifies (magic, checksum, mode, every length, SSTable checksums, LZ4);
    // decompressing past `limits` is TooLarge.
    static LoroExpected<LoroBlob> parse(QByteArrayView data, const LoroLimits &limits = {});
};

// Reads fields 1-6 of a postcard change block (counters, lamports, change count, author peer).
LoroExpected<ChangeBlock> parseChangeBlock(QByteArrayView block);

// A mode-4 blob: 22-byte header with the xxHash32 checksum, then `LEB len + block` for each block.
// No blocks gives the 22-byte empty update.
QByteArray encodeUpdateBlob(const QList<QByteArrayView> &blocks);
// The same as several blobs of at most `maxBytes` each when one would be larger (a block past
// it travels alone), the blocks then in lamport order; `maxBytes` -1: one blob.
QList<QByteArray> encodeUpdateBlobs(QList<QByteArrayView> blocks, qsizetype maxBytes);
// The lamport_start field of a change block (0 when it cannot be read): a causal order.
quint32 lamportStartOf(QByteArrayView block);

// Postcard VersionVector (B6): LEB n, then n x (LEB peer, zigzag-LEB counter).
LoroExpected<VersionVector> decodeVersionVector(QByteArrayView data);
QByteArray encodeVersionVector(const VersionVector &vv);
// `vv` encoded in at most `maxBytes` (when the whole does not fit): the peers of `first` it holds,
// then the peers where it is ahead of `first`, as many as fit.
QByteArray encodeVersionVectorWithin(
    const VersionVector &vv, const VersionVector &first, qsizetype maxBytes);

QString describe(LoroErrorCode code); // a stable short name, e.g. "bad-checksum"

} // namespace canopy::loro
