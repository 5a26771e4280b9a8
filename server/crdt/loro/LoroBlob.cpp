#include "crdt/loro/LoroBlob.h"

#include "crdt/loro/ByteReader.h"
#include "crdt/loro/ByteWriter.h"
#include "crdt/loro/LoroFail.h"
#include "crdt/loro/Sstable.h"

#include <algorithm>

namespace canopy::loro {

namespace {

constexpr qsizetype HeaderSize = 22;
constexpr qsizetype ChecksumOffset = 16;
constexpr qsizetype HashedFrom = 20; // the checksum covers the mode and the body

QString hex(QByteArrayView bytes)
{
    return QString::fromLatin1(bytes.toByteArray().toHex());
}

LoroExpected<void> parseUpdateBody(QByteArrayView body, LoroBlob &blob)
{
    ByteReader r(body, HeaderSize);
    for (int index = 0; !r.atEnd(); ++index) {
        const qsizetype at = r.pos();
        const auto block = r.lebBytes();
        if (!block)
            return fail(LoroErrorCode::Truncated,
                QStringLiteral("update block %1 at offset %2: length runs past the end")
                    .arg(QString::number(index), QString::number(at)));
        auto parsed = parseChangeBlock(*block);
        if (!parsed)
            return fail(parsed.error().code,
                QStringLiteral("update block %1 at offset %2: ")
                        .arg(QString::number(index), QString::number(at))
                    + parsed.error().message);
        quint32 &end = blob.version[parsed->peer];
        end = qMax(end, parsed->counterEnd);
        blob.blocks.append(std::move(*parsed));
    }
    return {};
}

LoroExpected<void> parseOplog(
    QByteArrayView oplog, qsizetype base, qsizetype *budget, LoroBlob &blob)
{
    auto table = SstableReader::open(oplog, QStringLiteral("oplog"), base);
    if (!table)
        return fail(table.error().code, table.error().message);
    bool haveVersion = false;
    auto visited = table->forEach(
        [&](QByteArrayView key, QByteArrayView value) -> LoroExpected<void> {
            if (key.size() == 12) {
                // Change block keyed by its first ID: peer u64 BE, counter i32 BE.
                ByteReader k(key);
                quint64 peer = 0;
                for (int i = 0; i < 8; ++i)
                    peer = peer << 8 | *k.u8();
                quint32 counter = 0;
                for (int i = 0; i < 4; ++i)
                    counter = counter << 8 | *k.u8();
                auto block = parseChangeBlock(value);
                if (!block)
                    return fail(block.error().code,
                        QStringLiteral("oplog key %1: ").arg(hex(key)) + block.error().message);
                if (block->peer != peer || block->counterStart != counter)
                    return fail(LoroErrorCode::BadSnapshot,
                        QStringLiteral("oplog key %1 holds the block of %2@%3")
                            .arg(hex(key), QString::number(block->peer),
                                QString::number(block->counterStart)));
                blob.blocks.append(std::move(*block));
            } else if (key == QByteArrayView("vv") || key == QByteArrayView("sv")) {
                auto vv = decodeVersionVector(value);
                if (!vv)
                    return fail(vv.error().code,
                        QStringLiteral("oplog \"%1\": ").arg(QLatin1StringView(key))
                            + vv.error().message);
                if (key == QByteArrayView("vv")) {
                    blob.version = std::move(*vv);
                    haveVersion = true;
                } else {
                    blob.shallowStart = std::move(*vv);
                }
            }
            // "fr" and "sf" (frontiers, shallow start frontiers) are not needed by a relay.
            return {};
        },
        budget);
    if (!visited)
        return visited;
    if (!haveVersion)
        return fail(LoroErrorCode::BadSnapshot, QStringLiteral("oplog has no \"vv\" entry"));
    return {};
}

LoroExpected<void> parseSnapshotBody(QByteArrayView body, qsizetype budget, LoroBlob &blob)
{
    ByteReader r(body, HeaderSize);
    constexpr const char *names[3] = {"oplog", "state", "shallow root state"};
    QByteArrayView sections[3];
    qsizetype offsets[3] = {};
    for (int i = 0; i < 3; ++i) {
        const qsizetype at = r.pos();
        const auto length = r.u32le();
        const auto section = length ? r.bytes(qsizetype(*length)) : std::nullopt;
        if (!section)
            return fail(LoroErrorCode::Truncated,
                QStringLiteral("snapshot %1 section at offset %2 runs past the end")
                    .arg(QLatin1StringView(names[i]), QString::number(at)));
        sections[i] = *section;
        offsets[i] = at + 4;
    }
    if (!r.atEnd())
        return fail(LoroErrorCode::BadSnapshot,
            QStringLiteral("snapshot has %1 trailing bytes at offset %2")
                .arg(QString::number(r.remaining()), QString::number(r.pos())));
    if (sections[0].isEmpty())
        return fail(LoroErrorCode::BadSnapshot, QStringLiteral("snapshot oplog section is empty"));

    if (auto oplog = parseOplog(sections[0], offsets[0], &budget, blob); !oplog)
        return oplog;
    // The state tables are not read, but a corrupt one would make Loro reject the blob,
    // so their layout and checksums are verified too. "E" marks an absent state.
    const QString stateNames[2] = {QStringLiteral("state"), QStringLiteral("shallow root state")};
    for (int i = 1; i < 3; ++i) {
        if (sections[i].isEmpty() || sections[i] == QByteArrayView("E"))
            continue;
        if (auto table = SstableReader::open(sections[i], stateNames[i - 1], offsets[i]); !table)
            return fail(table.error().code, table.error().message);
    }
    blob.shallow = !sections[2].isEmpty();
    return {};
}

} // namespace

LoroExpected<LoroBlob> LoroBlob::parse(QByteArrayView data, const LoroLimits &limits)
{
    if (data.size() < HeaderSize)
        return fail(LoroErrorCode::TooShort,
            QStringLiteral("blob of %1 bytes is shorter than the 22-byte header").arg(data.size()));
    if (data.first(4) != QByteArrayView("loro"))
        return fail(LoroErrorCode::BadMagic,
            QStringLiteral("blob starts with %1, not \"loro\"").arg(hex(data.first(4))));

    // The mode is checked before the checksum: legacy modes carry an MD5 there instead.
    const quint16 mode = quint16(quint8(data[20]) << 8 | quint8(data[21]));
    if (mode == 1 || mode == 2 || mode == 255)
        return fail(LoroErrorCode::UnsupportedMode,
            QStringLiteral("encode mode %1 is not supported by Loro 1.x").arg(mode));
    if (mode != quint16(BlobMode::Snapshot) && mode != quint16(BlobMode::Update))
        return fail(LoroErrorCode::UnknownMode, QStringLiteral("unknown encode mode %1").arg(mode));

    ByteReader stored(data.sliced(ChecksumOffset, 4));
    const quint32 expected = *stored.u32le();
    const quint32 actual = loroXxh32(data.sliced(HashedFrom));
    if (expected != actual)
        return fail(LoroErrorCode::BadChecksum,
            QStringLiteral("header checksum %1 does not match xxh32 %2 of bytes 20..%3")
                .arg(QString::number(expected, 16).rightJustified(8, u'0'),
                    QString::number(actual, 16).rightJustified(8, u'0'),
                    QString::number(data.size())));

    LoroBlob blob;
    blob.mode = BlobMode(mode);
    const QByteArrayView body = data.sliced(HeaderSize);
    // A zero-filled LZ4 block inflates some 250 times: what a blob may decompress to is
    // bounded by its own size and by what the host could ever serve.
    const qsizetype budget = qMin(limits.maxOutputBytes, limits.maxRatio * data.size());
    auto parsed = blob.mode == BlobMode::Update ? parseUpdateBody(body, blob)
                                                : parseSnapshotBody(body, budget, blob);
    if (!parsed && parsed.error().code == LoroErrorCode::TooLarge)
        return fail(LoroErrorCode::TooLarge,
            QStringLiteral("the snapshot decompresses past %1 bytes (at most %2 times its %3 "
                           "bytes, and at most the %4-byte message limit): %5")
                .arg(QString::number(budget), QString::number(limits.maxRatio),
                    QString::number(data.size()), QString::number(limits.maxOutputBytes),
                    parsed.error().message));
    if (!parsed)
        return fail(parsed.error().code, parsed.error().message);
    return blob;
}

QList<QByteArray> encodeUpdateBlobs(QList<QByteArrayView> blocks, qsizetype maxBytes)
{
    qsizetype total = HeaderSize;
    for (const QByteArrayView block : std::as_const(blocks))
        total += 10 + block.size();
    if (maxBytes < 0 || total <= maxBytes)
        return {encodeUpdateBlob(blocks)};
    // Each part is imported on its own: in lamport order, what a block depends on comes in an
    // earlier part (or the same), so little of each part waits in Loro's pending queue.
    std::stable_sort(blocks.begin(), blocks.end(),
        [](QByteArrayView a, QByteArrayView b) { return lamportStartOf(a) < lamportStartOf(b); });
    QList<QByteArray> out;
    QList<QByteArrayView> part;
    qsizetype size = HeaderSize;
    for (const QByteArrayView block : std::as_const(blocks)) {
        QByteArray length;
        appendLeb(length, quint64(block.size()));
        const qsizetype more = length.size() + block.size();
        if (maxBytes >= 0 && !part.isEmpty() && size + more > maxBytes) {
            out.append(encodeUpdateBlob(part));
            part.clear();
            size = HeaderSize;
        }
        part.append(block);
        size += more;
    }
    if (!part.isEmpty() || out.isEmpty())
        out.append(encodeUpdateBlob(part));
    return out;
}

quint32 lamportStartOf(QByteArrayView block)
{
    ByteReader r(block);
    (void)r.leb32(); // counter_start
    (void)r.leb32(); // counter_len
    return r.leb32().value_or(0);
}

QByteArray encodeUpdateBlob(const QList<QByteArrayView> &blocks)
{
    qsizetype size = HeaderSize;
    for (const QByteArrayView block : blocks)
        size += 10 + block.size();
    QByteArray out;
    out.reserve(size);
    out.append("loro", 4);
    out.append(16, '\0'); // 12 reserved bytes, then the checksum filled in below
    out.append(char(0));
    out.append(char(BlobMode::Update));
    for (const QByteArrayView block : blocks) {
        appendLeb(out, quint64(block.size()));
        out.append(block);
    }
    const quint32 checksum = loroXxh32(QByteArrayView(out).sliced(HashedFrom));
    for (int i = 0; i < 4; ++i)
        out[ChecksumOffset + i] = char((checksum >> (8 * i)) & 0xff);
    return out;
}

} // namespace canopy::loro
