#include "crdt/loro/ByteReader.h"
#include "crdt/loro/ChangeBlockContents.h"
#include "crdt/loro/LoroBlob.h"
#include "crdt/loro/LoroFail.h"

namespace canopy::loro {

namespace {

Unexpected<LoroError> badBlock(const char *what, qsizetype offset)
{
    return fail(LoroErrorCode::BadBlock,
        QStringLiteral("change block: %1 at offset %2")
            .arg(QLatin1StringView(what), QString::number(offset)));
}

// Names of the postcard byte-string fields that follow the header (protocol.md B4, fields 7-13).
constexpr const char *TrailingFields[]
    = {"change_meta", "cids", "keys", "positions", "ops", "delete_start_ids", "values"};

} // namespace

LoroExpected<ChangeBlock> parseChangeBlock(QByteArrayView block)
{
    ByteReader r(block);
    quint32 fields[5];
    constexpr const char *names[5]
        = {"counter_start", "counter_len", "lamport_start", "lamport_len", "n_changes"};
    for (int i = 0; i < 5; ++i) {
        const qsizetype at = r.pos();
        const auto v = r.leb32();
        if (!v)
            return badBlock(names[i], at);
        fields[i] = *v;
    }
    const auto [counterStart, counterLen, lamportStart, lamportLen, changes] = fields;
    if (counterLen == 0)
        return badBlock("counter_len 0", 0);
    if (changes == 0)
        return badBlock("n_changes 0", 0);
    // Loro counters are i32 and lamports u32: a range past those is not a real block.
    if (quint64(counterStart) + counterLen > quint64(INT32_MAX))
        return badBlock("counter range overflows i32", 0);
    if (quint64(lamportStart) + lamportLen > quint64(UINT32_MAX))
        return badBlock("lamport range overflows u32", 0);

    const qsizetype headerAt = r.pos();
    const auto header = r.lebBytes();
    if (!header)
        return badBlock("header length runs past the block", headerAt);
    ByteReader h(*header, headerAt);
    const auto peerCount = h.leb();
    if (!peerCount || *peerCount == 0)
        return badBlock("header peer_num missing or 0", h.pos());
    if (*peerCount > quint64(h.remaining() / 8))
        return badBlock("header peer table runs past the header", h.pos());
    const auto author = h.u64le();
    if (!author)
        return badBlock("header author peer", h.pos());

    // The remaining fields are framed; of them only the ops are read (their lengths).
    // Bytes after field 13 are accepted, as postcard (and so Loro) ignores them.
    QByteArrayView opsField;
    for (const char *name : TrailingFields) {
        const qsizetype at = r.pos();
        const auto field = r.lebBytes();
        if (!field)
            return fail(LoroErrorCode::BadBlock,
                QStringLiteral("change block: field %1 at offset %2 runs past the block")
                    .arg(QLatin1StringView(name), QString::number(at)));
        if (qstrcmp(name, "ops") == 0)
            opsField = *field;
    }
    // What the block claims is checked against what it holds before anyone trusts it.
    QList<ChangeDependency> dependencies;
    if (auto verified = verifyChangeBlock(
            BlockClaims {counterStart, counterLen, lamportStart, lamportLen, changes}, *header,
            opsField, &dependencies);
        !verified)
        return unexpected(verified.error());

    ChangeBlock out;
    out.peer = *author;
    out.counterStart = counterStart;
    out.counterEnd = counterStart + counterLen;
    out.lamportStart = lamportStart;
    out.lamportEnd = lamportStart + lamportLen;
    out.changeCount = changes;
    out.bytes = block.toByteArray();
    out.dependencies = std::move(dependencies);
    return out;
}

} // namespace canopy::loro
