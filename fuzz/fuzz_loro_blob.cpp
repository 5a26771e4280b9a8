// libFuzzer target: Loro export blobs taken apart without Loro (server/loro/LoroBlob.h):
// LoroBlob::parse (header, xxHash32 checksum, mode-4 update blocks, mode-3 snapshot sections,
// SSTables with their checksums and LZ4 frames), and on the same bytes the two inner parsers
// reachable on their own: parseChangeBlock and decodeVersionVector. Each rejects foreign bytes in
// its first few reads, so one target covers all three.
#include "crdt/loro/LoroBlob.h"

#include <cstddef>
#include <cstdint>

namespace loro = canopy::loro;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArrayView input(reinterpret_cast<const char *>(data), qsizetype(size));

    const auto blob = loro::LoroBlob::parse(input);
    if (blob) {
        for (const loro::ChangeBlock &block : blob->blocks) {
            if (block.counterEnd <= block.counterStart || block.changeCount == 0)
                __builtin_trap(); // parseChangeBlock promised a non-empty range
        }
        // What the relay does with an update it accepted: the blocks re-packed into a mode-4 blob
        // must parse again to the same blocks.
        if (blob->mode == loro::BlobMode::Update) {
            QList<QByteArrayView> views;
            for (const loro::ChangeBlock &block : blob->blocks)
                views.append(block.bytes);
            const auto again = loro::LoroBlob::parse(loro::encodeUpdateBlob(views));
            if (!again || again->blocks.size() != blob->blocks.size()
                || again->version != blob->version)
                __builtin_trap();
        }
    } else {
        (void)loro::describe(blob.error().code);
    }

    (void)loro::parseChangeBlock(input);

    const auto vv = loro::decodeVersionVector(input);
    if (vv) {
        // encode -> decode is the identity on the decoded value (the bytes need not match:
        // the decoder accepts non-minimal LEB128).
        const auto again = loro::decodeVersionVector(loro::encodeVersionVector(*vv));
        if (!again || *again != *vv)
            __builtin_trap();
    }
    return 0;
}
