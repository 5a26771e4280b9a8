#pragma once

#include <QByteArray>
#include <QByteArrayView>

namespace canopy::yjs {

// Appends lib0 encodings (the writing half of Lib0Reader).
class Lib0Writer
{
public:
    Lib0Writer() = default;
    explicit Lib0Writer(qsizetype reserve) { m_out.reserve(reserve); }

    void u8(quint8 value) { m_out.append(char(value)); }

    void varUint(quint64 value)
    {
        while (value > 0x7f) {
            m_out.append(char(0x80 | (value & 0x7f)));
            value >>= 7;
        }
        m_out.append(char(value));
    }

    void varInt(qint64 value)
    {
        const bool negative = value < 0;
        quint64 magnitude = negative ? quint64(0) - quint64(value) : quint64(value);
        m_out.append(
            char((magnitude > 0x3f ? 0x80 : 0) | (negative ? 0x40 : 0) | (magnitude & 0x3f)));
        magnitude >>= 6;
        while (magnitude > 0) {
            m_out.append(char((magnitude > 0x7f ? 0x80 : 0) | (magnitude & 0x7f)));
            magnitude >>= 7;
        }
    }

    void bytes(QByteArrayView data) { m_out.append(data); }

    void varBytes(QByteArrayView data)
    {
        varUint(quint64(data.size()));
        m_out.append(data);
    }

    void varString(QByteArrayView utf8) { varBytes(utf8); }

    qsizetype size() const { return m_out.size(); }
    const QByteArray &data() const { return m_out; }
    QByteArray take() { return std::move(m_out); }

private:
    QByteArray m_out;
};

} // namespace canopy::yjs
