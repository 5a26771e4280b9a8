#include "crdt/loro/Sstable.h"

#include "crdt/loro/ByteReader.h"
#include "crdt/loro/LoroFail.h"
#include "crdt/loro/Lz4Frame.h"

namespace canopy::loro {

namespace {

constexpr qsizetype HeaderSize = 5; // "LORO" + schema byte
constexpr qsizetype ChecksumSize = 4; // u32le xxh32 after every block and after the meta
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
                       .arg(QString::number(metaOffset), QString::number(HeaderSize),
                           QString::number(metaEnd - 8)));
    const QByteArrayView meta = data.sliced(metaOffset, metaEnd - metaOffset);
    const QByteArrayView entries = meta.sliced(4, meta.size() - 4 - ChecksumSize);
    if (loroXxh32(entries) != readU32le(meta, meta.size() - ChecksumSize))
        return bad(QStringLiteral("block meta checksum mismatch at offset %1")
                       .arg(base + metaEnd - ChecksumSize));

    t.m_metaOffset = metaOffset;
    t.m_count = readU32le(meta, 0);
    // Every block takes at least 7 bytes of meta (offset, key length, flags) and 5 of data
    // (a body byte and its checksum).
    if (t.m_count > quint64(entries.size() / 7)
        || t.m_count > quint64((metaOffset - HeaderSize) / (1 + ChecksumSize)))
        return bad(QStringLiteral("block count %1 does not fit a %2-byte meta and %3 bytes of data")
                       .arg(QString::number(t.m_count), QString::number(meta.size()),
                           QString::number(metaOffset - HeaderSize)));
    // Twice over the meta, keeping nothing: its entries first, then the blocks they lay out.
    if (auto read = t.walk({}, false); !read)
        return unexpected(read.error());
    if (auto laidOut = t.walk([](qsizetype, const Block &) { return LoroExpected<void> {}; }, true);
        !laidOut)
        return unexpected(laidOut.error());
    return t;
}

LoroExpected<void> SstableReader::walk(const BlockVisitor &each, bool verify) const
{
    const auto bad = [this](const QString &what) { return error(LoroErrorCode::BadSstable, what); };
    const qsizetype metaEnd = m_data.size() - 4;
    ByteReader m(
        m_data.sliced(m_metaOffset + 4, metaEnd - m_metaOffset - 4), m_base + m_metaOffset + 4);
    const auto readEntry = [&](quint32 i) -> LoroExpected<Block> {
        const qsizetype at = m.pos();
        Block block;
        const auto offset = m.u32le();
        const auto firstLen = offset ? m.u16le() : std::nullopt;
        const auto firstKey = firstLen ? m.bytes(*firstLen) : std::nullopt;
        const auto flags = firstKey ? m.u8() : std::nullopt;
        if (!flags)
            return bad(QStringLiteral("block meta entry %1 at offset %2 is truncated")
                           .arg(QString::number(i), QString::number(at)));
        block.begin = *offset;
        block.firstKey = *firstKey;
        block.large = *flags & LargeFlag;
        const quint8 compression = *flags & ~LargeFlag;
        if (compression != CompressionNone && compression != CompressionLz4)
            return bad(QStringLiteral("block %1 has unknown compression type %2")
                           .arg(QString::number(i), QString::number(compression)));
        block.lz4 = compression == CompressionLz4;
        if (!block.large) {
            const auto lastLen = m.u16le();
            const auto lastKey = lastLen ? m.bytes(*lastLen) : std::nullopt;
            if (!lastKey)
                return bad(QStringLiteral("block meta entry %1 at offset %2 is truncated")
                               .arg(QString::number(i), QString::number(at)));
            block.lastKey = *lastKey;
        }
        return block;
    };

    if (!each) {
        for (quint32 i = 0; i < m_count; ++i) {
            if (auto entry = readEntry(i); !entry)
                return unexpected(entry.error());
        }
        if (m.remaining() != ChecksumSize)
            return bad(QStringLiteral("%1 stray bytes after the block meta entries")
                           .arg(m.remaining() - ChecksumSize));
        return {};
    }

    // Blocks are written back to back from the header to the meta; each ends in its checksum.
    // A block's end is where the next one begins, so each entry is read one ahead.
    std::optional<Block> pending;
    qsizetype expected = HeaderSize;
    for (quint32 i = 0; i <= m_count; ++i) {
        std::optional<Block> next;
        if (i < m_count) {
            auto entry = readEntry(i);
            if (!entry)
                return unexpected(entry.error());
            next = std::move(*entry);
        }
        if (pending) {
            const qsizetype index = qsizetype(i) - 1;
            const qsizetype begin = pending->begin;
            const qsizetype end = next ? next->begin : m_metaOffset;
            if (begin != expected || end - begin <= ChecksumSize || end > m_metaOffset)
                return bad(QStringLiteral("block %1 spans [%2, %3), expected to start at %4")
                               .arg(QString::number(index), QString::number(begin),
                                   QString::number(end), QString::number(expected)));
            pending->end = end - ChecksumSize;
            if (verify
                && loroXxh32(m_data.sliced(pending->begin, pending->end - pending->begin))
                    != readU32le(m_data, pending->end))
                return bad(
                    QStringLiteral("block %1 checksum mismatch at offset %2")
                        .arg(QString::number(index), QString::number(m_base + pending->end)));
            if (auto r = each(index, *pending); !r)
                return r;
            expected = end;
        }
        pending = std::move(next);
    }
    if (expected != m_metaOffset)
        return bad(
            QStringLiteral("%1 stray bytes before the block meta").arg(m_metaOffset - expected));
    return {};
}

LoroExpected<void> SstableReader::forEach(const Visitor &visit, qsizetype *budget) const
{
    QByteArray previousKey;
    return walk(
        [&](qsizetype i, const Block &block) -> LoroExpected<void> {
            const QByteArrayView stored = m_data.sliced(block.begin, block.end - block.begin);
            QByteArray decompressed;
            QByteArrayView body = stored;
            if (block.lz4) {
                auto out = decompressLz4Frame(stored, *budget);
                if (!out)
                    return error(out.error().code,
                        QStringLiteral("block %1 at offset %2: ")
                                .arg(QString::number(i), QString::number(m_base + block.begin))
                            + out.error().message);
                decompressed = std::move(*out);
                *budget -= decompressed.size();
                body = decompressed;
            }
            if (block.large) {
                // One value whose key is the block's first key.
                if (!previousKey.isEmpty() && !(QByteArrayView(previousKey) < block.firstKey))
                    return error(LoroErrorCode::BadSstable,
                        QStringLiteral("block %1: keys out of order").arg(i));
                if (auto r = visit(block.firstKey, body); !r)
                    return r;
                previousKey = block.firstKey.toByteArray();
                return {};
            }
            return visitNormal(int(i), block, body, visit, previousKey);
        },
        false);
}

LoroExpected<void> SstableReader::visitNormal(int index, const Block &block, QByteArrayView body,
    const Visitor &visit, QByteArray &previousKey) const
{
    const auto bad = [&](const QString &what) {
        return error(LoroErrorCode::BadSstable,
            QStringLiteral("block %1 at offset %2: ")
                    .arg(QString::number(index), QString::number(m_base + block.begin))
                + what);
    };

    // Layout after decompression: entries | u16le offsets[count] | u16le count.
    if (body.size() < 2)
        return bad(QStringLiteral("no entry count"));
    ByteReader tail(body.sliced(body.size() - 2));
    const quint16 count = *tail.u16le();
    const qsizetype tableSize = 2 * qsizetype(count) + 2;
    if (count == 0 || tableSize > body.size())
        return bad(QStringLiteral("entry count %1 does not fit %2 bytes")
                       .arg(QString::number(count), QString::number(body.size())));
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
                           .arg(QString::number(i), QString::number(begin), QString::number(end),
                               QString::number(entriesEnd)));
        ByteReader entry(body.sliced(begin, end - begin), begin);
        if (i == 0) {
            // The first entry is a bare value: its key is the meta's first key.
            key = block.firstKey.toByteArray();
        } else {
            // Later keys share a prefix with the first key and store the rest.
            const auto common = entry.u8();
            const auto suffixLen = common ? entry.u16le() : std::nullopt;
            const auto suffix = suffixLen ? entry.bytes(*suffixLen) : std::nullopt;
            if (!suffix)
                return bad(QStringLiteral("entry %1 key is truncated").arg(i));
            if (*common > block.firstKey.size())
                return bad(QStringLiteral("entry %1 shares %2 bytes with a %3-byte first key")
                               .arg(QString::number(i), QString::number(*common),
                                   QString::number(block.firstKey.size())));
            key = block.firstKey.first(*common).toByteArray() + suffix->toByteArray();
        }
        if (!previousKey.isEmpty() && !(previousKey < key))
            return bad(QStringLiteral("entry %1: keys out of order").arg(i));
        if (auto r = visit(key, entry.rest()); !r)
            return r;
        previousKey = key;
        begin = end;
    }
    if (QByteArrayView(key) != block.lastKey)
        return bad(QStringLiteral("last key does not match the block meta"));
    return {};
}

} // namespace canopy::loro
