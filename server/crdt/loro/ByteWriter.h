#pragma once

#include <cstdint>

#include <QByteArray>

namespace canopy::loro {

// Unsigned LEB128, as postcard writes lengths and integers.
inline void appendLeb(QByteArray &out, quint64 value)
{
    do {
        quint8 byte = value & 0x7f;
        value >>= 7;
        if (value)
            byte |= 0x80;
        out.append(char(byte));
    } while (value);
}

inline void appendU32le(QByteArray &out, quint32 value)
{
    for (int i = 0; i < 4; ++i)
        out.append(char((value >> (8 * i)) & 0xff));
}

} // namespace canopy::loro
