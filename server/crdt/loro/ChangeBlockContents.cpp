#include "crdt/loro/ChangeBlockContents.h"

#include "crdt/loro/ByteReader.h"
#include "crdt/loro/LoroFail.h"

#include <limits>
#include <map>

namespace canopy::loro {
namespace {

// serde_columnar refuses longer runs ("Prevent bad data from causing oom loops").
constexpr quint64 kMaxRleCount = 1000000000;

Unexpected<LoroError> bad(const QString &what)
{
    return fail(LoroErrorCode::BadBlock, QStringLiteral("change block: ") + what);
}

// serde_columnar's AnyRle column of unsigned integers, as postcard writes it: an isize length
// (zigzag), positive for a run of the value that follows, negative for that many literals.
class RleReader
{
public:
    explicit RleReader(ByteReader &r)
        : m_r(r)
    {
    }

    // The next value; nullopt when the column ends or is malformed (see malformed()).
    std::optional<quint64> next()
    {
        if (m_remaining == 0 && !startRun())
            return std::nullopt;
        --m_remaining;
        if (!m_literal)
            return m_value;
        const auto v = m_r.leb();
        if (!v)
            m_malformed = true;
        return v;
    }

    // Adds every remaining value (runs by multiplication), stopping early past `cap`.
    std::optional<quint64> sumAll(quint64 cap)
    {
        quint64 sum = 0;
        while (!m_r.atEnd() || m_remaining > 0) {
            if (m_remaining == 0 && !startRun())
                return std::nullopt;
            // A forged run can claim more than 64 bits; saturating keeps the caller's cap check
            // true (caps are 32-bit counter spans).
            quint64 add = 0;
            if (!m_literal) {
                if (__builtin_mul_overflow(m_remaining, m_value, &add))
                    return std::numeric_limits<quint64>::max();
                m_remaining = 0;
            } else {
                const auto v = next();
                if (!v)
                    return std::nullopt;
                add = *v;
            }
            if (__builtin_add_overflow(sum, add, &sum))
                return std::numeric_limits<quint64>::max();
            if (sum > cap)
                return sum;
        }
        return sum;
    }

    bool malformed() const { return m_malformed; }

private:
    bool startRun()
    {
        const auto raw = m_r.leb();
        if (!raw) {
            m_malformed = !m_r.atEnd();
            return false;
        }
        const qint64 length = qint64(*raw >> 1) ^ -qint64(*raw & 1);
        const quint64 count = length < 0 ? quint64(-(length + 1)) + 1 : quint64(length);
        if (count == 0 || count > kMaxRleCount) {
            m_malformed = true;
            return false;
        }
        m_remaining = count;
        m_literal = length < 0;
        if (!m_literal) {
            const auto v = m_r.leb();
            if (!v) {
                m_malformed = true;
                return false;
            }
            m_value = *v;
        }
        return true;
    }

    ByteReader &m_r;
    quint64 m_remaining = 0;
    quint64 m_value = 0;
    bool m_literal = false;
    bool m_malformed = false;
};

// `n` values of an AnyRle column, each at most `max`.
bool readRle(ByteReader &r, quint64 n, quint64 max, QList<quint64> &out)
{
    RleReader column(r);
    out.reserve(qsizetype(n));
    for (quint64 i = 0; i < n; ++i) {
        const auto v = column.next();
        if (!v || *v > max)
            return false;
        out.append(*v);
    }
    return true;
}

// serde_columnar's BoolRle column: usize run lengths, alternating, starting with false.
bool readBools(ByteReader &r, quint64 n, QList<bool> &out)
{
    bool value = true;
    quint64 count = 0;
    out.reserve(qsizetype(n));
    while (quint64(out.size()) < n) {
        while (count == 0) {
            const auto c = r.leb();
            if (!c || *c > kMaxRleCount)
                return false;
            count = *c;
            value = !value;
        }
        const quint64 take = std::min<quint64>(count, n - quint64(out.size()));
        for (quint64 i = 0; i < take; ++i)
            out.append(value);
        count -= take;
    }
    return true;
}

// serde_columnar's DeltaOfDelta column (dependency counters, lamports): a postcard
// Option<i64> head, a byte saying how many bits of the last byte are used, then the
// deltas-of-deltas as a bit stream (0: the same delta again; 10 + 7 bits, 110 + 9, 1110 + 12,
// 11110 + 21 bits, each biased; 11111 + a raw 64-bit value). The next column starts at the byte
// after the last bit read.
class DeltaOfDeltaReader
{
public:
    // False when the head cannot be read.
    bool open(ByteReader &r)
    {
        const auto present = r.u8();
        if (!present || *present > 1)
            return false;
        if (*present == 1) {
            const auto zigzag = r.leb();
            if (!zigzag)
                return false;
            m_head = qint64(*zigzag >> 1) ^ -qint64(*zigzag & 1);
        }
        const auto lastBits = r.u8();
        if (!lastBits || *lastBits > 8)
            return false;
        m_bits = r.rest();
        m_r = &r;
        return true;
    }

    std::optional<qint64> next()
    {
        if (m_head) {
            m_value = *std::exchange(m_head, std::nullopt);
            return m_value;
        }
        const auto flag = bits(1);
        if (!flag)
            return std::nullopt;
        if (*flag == 1) {
            static constexpr struct
            {
                int width;
                qint64 bias;
            } kinds[] = {{7, 63}, {9, 255}, {12, 2047}, {21, (1 << 20) - 1}, {64, 0}};
            int kind = 0;
            while (kind < 4) {
                const auto more = bits(1);
                if (!more)
                    return std::nullopt;
                if (*more == 0)
                    break;
                ++kind;
            }
            const auto raw = bits(kinds[kind].width);
            if (!raw)
                return std::nullopt;
            // Forged deltas can push past 64 bits; that is malformed, not a wrap.
            if (__builtin_add_overflow(m_delta, qint64(*raw) - kinds[kind].bias, &m_delta))
                return std::nullopt;
        }
        if (__builtin_add_overflow(m_value, m_delta, &m_value))
            return std::nullopt;
        return m_value;
    }

    // Moves the reader past the bits read, to the next byte.
    void finish()
    {
        const qsizetype used = m_bit == 0 ? m_byte : m_byte + 1;
        (void)m_r->bytes(std::min(used, m_bits.size()));
    }

private:
    std::optional<quint64> bits(int count)
    {
        quint64 out = 0;
        for (int i = 0; i < count; ++i) {
            if (m_byte >= m_bits.size())
                return std::nullopt;
            out = out << 1 | ((quint8(m_bits[m_byte]) >> (7 - m_bit)) & 1);
            if (++m_bit == 8) {
                m_bit = 0;
                ++m_byte;
            }
        }
        return out;
    }

    ByteReader *m_r = nullptr;
    QByteArrayView m_bits;
    std::optional<qint64> m_head;
    qint64 m_value = 0;
    qint64 m_delta = 0;
    qsizetype m_byte = 0;
    int m_bit = 0;
};

// `n` values of a DeltaOfDelta column, each in [0, max].
bool readDeltaOfDelta(ByteReader &r, quint64 n, qint64 max, QList<quint64> &out)
{
    DeltaOfDeltaReader column;
    if (!column.open(r))
        return false;
    out.reserve(qsizetype(n));
    for (quint64 i = 0; i < n; ++i) {
        const auto v = column.next();
        if (!v || *v < 0 || *v > max)
            return false;
        out.append(quint64(*v));
    }
    column.finish();
    return true;
}

} // namespace

LoroExpected<void> verifyChangeBlock(const BlockClaims &claims, QByteArrayView header,
    QByteArrayView ops, QList<ChangeDependency> *dependencies)
{
    ByteReader h(header);
    const auto peerCount = h.leb();
    if (!peerCount || *peerCount == 0 || *peerCount > quint64(h.remaining() / 8))
        return bad(QStringLiteral("the peer table does not fit its header"));
    QList<quint64> peers;
    peers.reserve(qsizetype(*peerCount));
    for (quint64 i = 0; i < *peerCount; ++i)
        peers.append(*h.u64le());

    // Each change's length: n - 1 of them, the last is what is left of the claimed span. A
    // change takes at least one counter and one byte here, which bounds n by the input.
    const quint64 n = claims.changes;
    if (n > claims.counterLen || n - 1 > quint64(h.remaining()))
        return bad(QStringLiteral("%1 changes cannot fit %2 counters")
                       .arg(QString::number(n), QString::number(claims.counterLen)));
    quint64 lengthSum = 0;
    quint32 lastLength = 0;
    for (quint64 i = 0; i + 1 < n; ++i) {
        const auto length = h.leb32();
        if (!length || *length == 0)
            return bad(QStringLiteral("change %1 has no length").arg(i));
        lengthSum += *length;
    }
    if (lengthSum >= claims.counterLen)
        return bad(QStringLiteral("its changes' lengths reach past the claimed span of %1 counters")
                       .arg(claims.counterLen));
    lastLength = quint32(claims.counterLen - lengthSum);

    QList<bool> onSelf;
    QList<quint64> depCounts;
    if (!readBools(h, n, onSelf) || !readRle(h, n, peers.size(), depCounts))
        return bad(QStringLiteral("its dependency columns do not decode"));
    quint64 depTotal = 0;
    for (const quint64 count : std::as_const(depCounts))
        depTotal += count;
    // A dependency is at least two bytes unless a run repeats it; more than the header could
    // plausibly hold is a forgery.
    if (depTotal > quint64(header.size()) * 8)
        return bad(QStringLiteral("%1 dependencies in a %2-byte header")
                       .arg(QString::number(depTotal), QString::number(header.size())));
    QList<quint64> depPeers;
    QList<quint64> depCounters;
    if (!readRle(h, depTotal, quint64(peers.size() - 1), depPeers)
        || !readDeltaOfDelta(h, depTotal, INT32_MAX, depCounters))
        return bad(QStringLiteral("its dependencies do not decode"));

    // The lamports of all changes but the last (implied by the claimed envelope): from the
    // claimed start, never decreasing, inside the envelope.
    QList<quint64> lamports;
    if (!readDeltaOfDelta(h, n - 1, UINT32_MAX, lamports))
        return bad(QStringLiteral("its lamports do not decode"));
    const quint64 envelopeEnd = quint64(claims.lamportStart) + claims.lamportLen;
    quint64 lamport = claims.lamportStart;
    for (qsizetype i = 0; i < lamports.size(); ++i) {
        if ((i == 0 && lamports[i] != claims.lamportStart) || lamports[i] < lamport
            || lamports[i] >= envelopeEnd)
            return bad(
                QStringLiteral("its lamports leave the claimed envelope [%1, %2)")
                    .arg(QString::number(claims.lamportStart), QString::number(envelopeEnd)));
        lamport = lamports[i];
    }
    if (claims.lamportLen < lastLength
        || quint64(claims.lamportStart) + claims.lamportLen - lastLength < lamport)
        return bad(QStringLiteral("the claimed lamport envelope cannot hold its last change"));

    // The ops' lengths must add up to the claimed span: the ops field is serde_columnar's
    // struct of one field, a sequence of four columns (container, prop, value type, length);
    // only the last is read.
    ByteReader o(ops);
    const auto fields = o.leb();
    const auto columns = fields && *fields >= 1 ? o.leb() : std::nullopt;
    if (!columns || *columns < 4)
        return bad(QStringLiteral("its ops field holds no length column"));
    for (int i = 0; i < 3; ++i) {
        if (!o.lebBytes())
            return bad(QStringLiteral("its ops columns run past the field"));
    }
    const auto lengthColumn = o.lebBytes();
    if (!lengthColumn)
        return bad(QStringLiteral("its op-length column runs past the field"));
    ByteReader lengths(*lengthColumn);
    RleReader opLengths(lengths);
    const auto span = opLengths.sumAll(claims.counterLen);
    if (!span || opLengths.malformed())
        return bad(QStringLiteral("its op-length column does not decode"));
    if (*span != claims.counterLen)
        return bad(QStringLiteral("it claims %1 counters but its ops hold %2")
                       .arg(QString::number(claims.counterLen), QString::number(*span)));

    // The highest counter each other peer is depended on at: holding it means holding all
    // below it, since a peer's counters are contiguous.
    std::map<quint64, quint32> highest;
    for (qsizetype i = 0; i < depPeers.size(); ++i) {
        const quint64 peer = peers[qsizetype(depPeers[i])];
        if (peer == peers.front())
            continue; // on its own earlier counters: the gap rule covers those
        quint32 &counter = highest[peer];
        counter = std::max(counter, quint32(depCounters[i]));
    }
    dependencies->clear();
    for (const auto &[peer, counter] : highest)
        dependencies->append(ChangeDependency {peer, counter});
    if (!onSelf.isEmpty() && onSelf.front() && claims.counterStart == 0)
        return bad(QStringLiteral("its first change depends on a counter before 0"));
    return {};
}

} // namespace canopy::loro
