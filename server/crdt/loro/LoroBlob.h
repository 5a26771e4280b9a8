#pragma once

#include "crdt/loro/LoroTypes.h"

namespace canopy::loro {

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

    // Parses and verifies (magic, checksum, mode, every length, SSTable checksums, LZ4).
    static LoroExpected<LoroBlob> parse(QByteArrayView data);
};

// Reads fields 1-6 of a postcard change block (counters, lamports, change count, author peer).
LoroExpected<ChangeBlock> parseChangeBlock(QByteArrayView block);

// A mode-4 blob: 22-byte header with the xxHash32 checksum, then `LEB len + block` for each block.
// No blocks gives the 22-byte empty update.
QByteArray encodeUpdateBlob(const QList<QByteArrayView> &blocks);

// Postcard VersionVector (B6): LEB n, then n x (LEB peer, zigzag-LEB counter).
LoroExpected<VersionVector> decodeVersionVector(QByteArrayView data);
QByteArray encodeVersionVector(const VersionVector &vv);
// `vv` encoded in at most `maxBytes` (when the whole does not fit): the peers of `first` it holds,
// then the peers where it is ahead of `first`, as many as fit.
QByteArray encodeVersionVectorWithin(
    const VersionVector &vv, const VersionVector &first, qsizetype maxBytes);

QString describe(LoroErrorCode code); // a stable short name, e.g. "bad-checksum"

} // namespace canopy::loro
