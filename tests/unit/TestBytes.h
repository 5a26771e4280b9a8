#pragma once

#include "crdt/loro/ByteWriter.h"

#include <QByteArray>
#include <QStringView>

// Byte builders for the units' hand-made hostile inputs (everything else comes from fixtures the
// real libraries made): LEB128 as postcard and loro-protocol write it, and length-prefixed bytes.
namespace canopy::test {

inline QByteArray unhex(QStringView hex)
{
    return QByteArray::fromHex(hex.toLatin1());
}

inline QByteArray leb(quint64 value)
{
    QByteArray out;
    loro::appendLeb(out, value);
    return out;
}

inline QByteArray lebBytes(const QByteArray &bytes)
{
    QByteArray out = leb(quint64(bytes.size()));
    out += bytes;
    return out;
}

} // namespace canopy::test
