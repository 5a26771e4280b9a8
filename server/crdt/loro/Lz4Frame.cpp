#include "crdt/loro/Lz4Frame.h"

#include "crdt/loro/LoroFail.h"

#include <lz4frame.h>
#include <memory>

namespace canopy::loro {

namespace {

struct DctxDeleter
{
    void operator()(LZ4F_dctx *ctx) const { LZ4F_freeDecompressionContext(ctx); }
};

} // namespace

LoroExpected<QByteArray> decompressLz4Frame(QByteArrayView frame, qsizetype limit)
{
    LZ4F_dctx *raw = nullptr;
    if (LZ4F_isError(LZ4F_createDecompressionContext(&raw, LZ4F_VERSION)))
        return fail(LoroErrorCode::BadCompression, QStringLiteral("lz4: cannot create a context"));
    const std::unique_ptr<LZ4F_dctx, DctxDeleter> ctx(raw);

    // Grow geometrically instead of trusting any size the frame header claims.
    QByteArray out;
    out.resize(qMin(limit, qMax(qsizetype(64 * 1024), frame.size() * 4)));
    qsizetype produced = 0;
    qsizetype consumed = 0;
    for (;;) {
        if (produced == out.size()) {
            if (out.size() >= limit)
                return fail(LoroErrorCode::TooLarge,
                    QStringLiteral("lz4: output exceeds the %1-byte limit").arg(limit));
            out.resize(qMin(limit, out.size() * 2));
        }
        size_t dstSize = size_t(out.size() - produced);
        size_t srcSize = size_t(frame.size() - consumed);
        const size_t hint = LZ4F_decompress(
            ctx.get(), out.data() + produced, &dstSize, frame.data() + consumed, &srcSize, nullptr);
        if (LZ4F_isError(hint))
            return fail(LoroErrorCode::BadCompression,
                QStringLiteral("lz4: %1 near input offset %2")
                    .arg(QLatin1StringView(LZ4F_getErrorName(hint)), QString::number(consumed)));
        produced += qsizetype(dstSize);
        consumed += qsizetype(srcSize);
        // hint 0: a frame just ended; with no input left that is a clean finish.
        if (hint == 0 && consumed == frame.size())
            break;
        // No progress with room to spare means the input ran out mid-frame.
        if (dstSize == 0 && srcSize == 0 && produced < out.size())
            return fail(LoroErrorCode::BadCompression,
                QStringLiteral("lz4: frame truncated after %1 input bytes").arg(consumed));
    }
    out.truncate(produced);
    return out;
}

} // namespace canopy::loro
