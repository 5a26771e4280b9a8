#include "crdt/loro/Sstable.h"

#include "crdt/loro/ByteReader.h"
#include "crdt/loro/LoroFail.h"
#include "crdt/loro/Lz4Frame.h"

namespace canopy::loro {

namespace {

constexpr qsizetype HeaderSize = 5; // "LORO" + schema byte
constexpr qsizetype ChecksumSize = 4; // u32le xxh32 after every block and after the meta
constexpr qsizetype MaxBlockOutput = 64 * 1024 * 1024;
constexpr qsizetype MaxTableOutput = 256 * 1024 * 1024;
constexpr quint8 LargeFlag = 0x80;
constexpr quint8 CompressionNone = 0;
constexpr quint8 CompressionLz4 = 1;

quint32 readU32le(QByteArrayView data, qsizetype at)
{
    ByteReader r(data.sliced(at, 4));
    return *r.u32le();
}

} // namespace

Unexpected<LoroError> SstableReader::error(LoroErrorCode code, const QString &what) const
{
    return fail(code, m_name + QStringLiteral(" sstable: ") + what);
}

LoroExpected<SstableReader> SstableReader::open(QByteArrayView data, QString name, qsizetype base)
{
    SstableReader t;
    t.m_data = data;
    t.m_name = std::move(name);
    t.m_base = base;
    const auto bad = [&t](const QString &what) { return t.error(LoroErrorCode::BadSstable, what); };

    if (data.size() < HeaderSize + 4)
        return bad(QStringLiteral("%1 bytes is too short").arg(data.size()));
    if (data.first(4) != QByteArrayView("LORO"))
        return bad(QStringLiteral("missing \"LORO\" magic at offset %1").arg(base));
    if (data[4] != 0)
        return bad(QStringLiteral("unknown schema version %1").arg(quint8(data[4])));

    const qsizetype metaEnd = data.size() - 4;
    const qsizetype metaOffset = readU32le(data, metaEnd);
    // The meta holds at least its count and its checksum.
    if (metaOffset < HeaderSize || metaOffset > metaEnd - 8)
        return bad(QStringLiteral("meta offset %1 outside [%2, %3]")
                       .arg(metaOffset)
                       .arg(HeaderSize)
                       .arg(metaEnd - 8));
    const QByteArrayView meta = data.sliced(metaOffset, metaEnd - metaOffset);
    const QByteArrayView entries = meta.sliced(4, meta.size() - 4 - ChecksumSize);
    if (loroXxh32(entries) != readU32le(meta, meta.size() - ChecksumSize))
        return bad(QStringLiteral("block meta checksum mismatch at offset %1")
                       .arg(base + metaEnd - ChecksumSize));

    ByteReader m(meta, base + metaOffset);
    const quint32 count = *m.u32le();
    // Every entry takes at least 7 bytes (offset, key length, flags).
    if (count > quint64(entries.size() / 7))
        return bad(QStringLiteral("block count %1 does not fit a %2-byte meta")
                       .arg(count)
                       .arg(meta.size()));
    QList<qsizetype> offsets;
    for (quint32 i = 0; i < count; ++i) {
        const qsizetype at = m.pos();
        Block block;
        const auto offset = m.u32le();
        const auto firstLen = offset ? m.u16le() : std::nullopt;
        const auto firstKey = firstLen ? m.bytes(*firstLen) : std::nullopt;
        const auto flags = firstKey ? m.u8() : std::nullopt;
        if (!flags)
            return bad(
                QStringLiteral("block meta entry %1 at offset %2 is truncated").arg(i).arg(at));
        block.firstKey = firstKey->toByteArray();
        block.large = *flags & LargeFlag;
        const quint8 compression = *flags & ~LargeFlag;
        if (compression != CompressionNone && compression != CompressionLz4)
            return bad(
                QStringLiteral("block %1 has unknown compression type %2").arg(i).arg(compression));
        block.lz4 = compression == CompressionLz4;
        if (!block.large) {
            const auto lastLen = m.u16le();
            const auto lastKey = lastLen ? m.bytes(*lastLen) : std::nullopt;
            if (!lastKey)
                return bad(
                    QStringLiteral("block meta entry %1 at offset %2 is truncated").arg(i).arg(at));
            block.lastKey = lastKey->toByteArray();
        }
        offsets.append(*offset);
        t.m_blocks.append(std::move(block));
    }
    if (m.remaining() != ChecksumSize)
        return bad(QStringLiteral("%1 stray bytes after the block meta entries")
                       .arg(m.remaining() - ChecksumSize));

    // Blocks are written back to back from the header to the meta; each ends in its checksum.
    for (qsizetype i = 0; i < t.m_blocks.size(); ++i) {
        const qsizetype begin = offsets[i];
        const qsizetype end = i + 1 < offsets.size() ? offsets[i + 1] : metaOffset;
        const qsizetype expected = i == 0 ? HeaderSize : t.m_blocks[i - 1].end + ChecksumSize;
        if (begin != expected || end - begin <= ChecksumSize || end > metaOffset)
            return bad(QStringLiteral("block %1 spans [%2, %3), expected to start at %4")
                           .arg(i)
                           .arg(begin)
                           .arg(end)
                           .arg(expected));
        Block &block = t.m_blocks[i];
        block.begin = begin;
        block.end = end - ChecksumSize;
        if (loroXxh32(data.sliced(block.begin, block.end - block.begin))
            != readU32le(data, block.end))
            return bad(QStringLiteral("block %1 checksum mismatch at offset %2")
                           .arg(i)
                           .arg(base + block.end));
    }
    const qsizetype dataEnd
        = t.m_blocks.isEmpty() ? HeaderSize : t.m_blocks.last().end + ChecksumSize;
    if (dataEnd != metaOffset)
        return bad(
            QStringLiteral("%1 stray bytes before the block meta").arg(metaOffset - dataEnd));
    return t;
}

LoroExpected<void> SstableReader::forEach(const Visitor &visit) const
{
    QByteArray previousKey;
    qsizetype budget = MaxTableOutput;
    for (qsizetype i = 0; i < m_blocks.size(); ++i) {
        const Block &block = m_blocks[i];
        const QByteArrayView stored = m_data.sliced(block.begin, block.end - block.begin);
        QByteArray decompressed;
        QByteArrayView body = stored;
        if (block.lz4) {
            auto out = decompressLz4Frame(stored, qMin(MaxBlockOutput, budget));
            if (!out)
                return error(LoroErrorCode::BadCompression,
                    QStringLiteral("block %1 at offset %2: ").arg(i).arg(m_base + block.begin)
                        + out.error().message);
            decompressed = std::move(*out);
            budget -= decompressed.size();
            body = decompressed;
        }
        if (block.large) {
            // One value whose key is the block's first key.
            if (!previousKey.isEmpty() && !(previousKey < block.firstKey))
                return error(LoroErrorCode::BadSstable,
                    QStringLiteral("block %1: keys out of order").arg(i));
            if (auto r = visit(block.firstKey, body); !r)
                return r;
            previousKey = block.firstKey;
            continue;
        }
        if (auto r = visitNormal(int(i), body, visit, previousKey); !r)
            return r;
    }
    return {};
}

LoroExpected<void> SstableReader::visitNormal(
    int index, QByteArrayView body, const Visitor &visit, QByteArray &previousKey) const
{
    const Block &block = m_blocks[index];
    const auto bad = [&](const QString &what) {
        return error(LoroErrorCode::BadSstable,
            QStringLiteral("block %1 at offset %2: ").arg(index).arg(m_base + block.begin) + what);
    };

    // Layout after decompression: entries | u16le offsets[count] | u16le count.
    if (body.size() < 2)
        return bad(QStringLiteral("no entry count"));
    ByteReader tail(body.sliced(body.size() - 2));
    const quint16 count = *tail.u16le();
    const qsizetype tableSize = 2 * qsizetype(count) + 2;
    if (count == 0 || tableSize > body.size())
        return bad(
            QStringLiteral("entry count %1 does not fit %2 bytes").arg(count).arg(body.size()));
    const qsizetype entriesEnd = body.size() - tableSize;
    ByteReader table(body.sliced(entriesEnd, tableSize - 2));

    qsizetype begin = *table.u16le();
    if (begin != 0)
        return bad(QStringLiteral("first entry does not start at 0"));
    QByteArray key;
    for (int i = 0; i < count; ++i) {
        const qsizetype end = i + 1 < count ? qsizetype(*table.u16le()) : entriesEnd;
        if (end < begin || end > entriesEnd)
            return bad(QStringLiteral("entry %1 spans [%2, %3) of %4")
                           .arg(i)
                           .arg(begin)
                           .arg(end)
                           .arg(entriesEnd));
        ByteReader entry(body.sliced(begin, end - begin), begin);
        if (i == 0) {
            // The first entry is a bare value: its key is the meta's first key.
            key = block.firstKey;
        } else {
            // Later keys share a prefix with the first key and store the rest.
            const auto common = entry.u8();
            const auto suffixLen = common ? entry.u16le() : std::nullopt;
            const auto suffix = suffixLen ? entry.bytes(*suffixLen) : std::nullopt;
            if (!suffix)
                return bad(QStringLiteral("entry %1 key is truncated").arg(i));
            if (*common > block.firstKey.size())
                return bad(QStringLiteral("entry %1 shares %2 bytes with a %3-byte first key")
                               .arg(i)
                               .arg(*common)
                               .arg(block.firstKey.size()));
            key = block.firstKey.first(*common) + suffix->toByteArray();
        }
        if (!previousKey.isEmpty() && !(previousKey < key))
            return bad(QStringLiteral("entry %1: keys out of order").arg(i));
        if (auto r = visit(key, entry.rest()); !r)
            return r;
        previousKey = key;
        begin = end;
    }
    if (key != block.lastKey)
        return bad(QStringLiteral("last key does not match the block meta"));
    return {};
}

} // namespace canopy::loro
