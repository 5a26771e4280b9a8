#pragma once

#include "crdt/loro/LoroTypes.h"

#include <functional>

namespace canopy::loro {

// Reader for Loro's KV-store SSTable (protocol.md B5): "LORO" | schema 0 | data blocks |
// block meta | u32le meta offset. open() checks the layout and every checksum without
// decompressing; forEach() decompresses block by block and yields the entries in key order.
class SstableReader
{
public:
    using Visitor = std::function<LoroExpected<void>(QByteArrayView key, QByteArrayView value)>;

    // `name` ("oplog", "state") prefixes error messages; `base` is data's offset in the blob.
    static LoroExpected<SstableReader> open(QByteArrayView data, QString name, qsizetype base);

    qsizetype blockCount() const { return m_blocks.size(); }

    // Stops at, and returns, the first error of the visitor or of the data.
    LoroExpected<void> forEach(const Visitor &visit) const;

private:
    struct Block
    {
        qsizetype begin = 0; // stored body, relative to m_data
        qsizetype end = 0; // exclusive, before the u32 checksum
        QByteArray firstKey;
        QByteArray lastKey; // empty for large blocks
        bool large = false;
        bool lz4 = false;
    };

    Unexpected<LoroError> error(LoroErrorCode code, const QString &what) const;
    LoroExpected<void> visitNormal(
        int index, QByteArrayView body, const Visitor &visit, QByteArray &previousKey) const;

    QByteArrayView m_data;
    QString m_name;
    qsizetype m_base = 0;
    QList<Block> m_blocks;
};

} // namespace canopy::loro
