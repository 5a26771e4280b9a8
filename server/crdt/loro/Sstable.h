#pragma once

#include "crdt/loro/LoroTypes.h"

#include <functional>

namespace canopy::loro {

// Reader for Loro's KV-store SSTable (protocol.md B5): "LORO" | schema 0 | data blocks |
// block meta | u32le meta offset. open() checks the layout and every checksum without
// decompressing; forEach() decompresses block by block and yields the entries in key order.
// Neither keeps anything per block: the meta is walked again each time, so a meta declaring
// millions of blocks costs time in proportion to its bytes, never memory.
class SstableReader
{
public:
    using Visitor = std::function<LoroExpected<void>(QByteArrayView key, QByteArrayView value)>;

    // `name` ("oplog", "state") prefixes error messages; `base` is data's offset in the blob.
    static LoroExpected<SstableReader> open(QByteArrayView data, QString name, qsizetype base);

    qsizetype blockCount() const { return m_count; }

    // Stops at, and returns, the first error of the visitor or of the data. LZ4 blocks may
    // decompress to `*budget` bytes in all (TooLarge past it); what they used is taken off it.
    LoroExpected<void> forEach(const Visitor &visit, qsizetype *budget) const;

private:
    struct Block
    {
        qsizetype begin = 0; // stored body, relative to m_data
        qsizetype end = 0; // exclusive, before the u32 checksum
        QByteArrayView firstKey;
        QByteArrayView lastKey; // empty for large blocks
        bool large = false;
        bool lz4 = false;
    };
    using BlockVisitor = std::function<LoroExpected<void>(qsizetype index, const Block &block)>;

    Unexpected<LoroError> error(LoroErrorCode code, const QString &what) const;
    // Reads the meta's entries in order; `each` gets every block with its span (checked to lie
    // back to back from the header to the meta), after its checksum when `verify`.
    LoroExpected<void> walk(const BlockVisitor &each, bool verify) const;
    LoroExpected<void> visitNormal(int index, const Block &block, QByteArrayView body,
        const Visitor &visit, QByteArray &previousKey) const;

    QByteArrayView m_data;
    QString m_name;
    qsizetype m_base = 0;
    qsizetype m_metaOffset = 0;
    quint32 m_count = 0;
};

} // namespace canopy::loro
