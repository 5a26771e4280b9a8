#include "crdt/loro/ByteReader.h"
#include "crdt/loro/ByteWriter.h"
#include "crdt/loro/LoroBlob.h"
#include "crdt/loro/LoroFail.h"

namespace canopy::loro {

LoroExpected<VersionVector> decodeVersionVector(QByteArrayView data)
{
    ByteReader r(data);
    const auto count = r.leb();
    if (!count)
        return fail(LoroErrorCode::BadVersionVector,
            QStringLiteral("version vector: bad or missing entry count"));
    // Each entry takes at least two bytes, so a larger count cannot be genuine.
    if (*count > quint64(r.remaining() / 2))
        return fail(LoroErrorCode::BadVersionVector,
            QStringLiteral("version vector: entry count %1 exceeds the %2 bytes left")
                .arg(QString::number(*count), QString::number(r.remaining())));

    VersionVector vv;
    for (quint64 i = 0; i < *count; ++i) {
        const qsizetype at = r.pos();
        const auto peer = r.leb();
        const auto zigzag = peer ? r.leb32() : std::nullopt;
        if (!zigzag)
            return fail(LoroErrorCode::BadVersionVector,
                QStringLiteral("version vector: entry %1 at offset %2 is truncated")
                    .arg(QString::number(i), QString::number(at)));
        // Postcard stores the i32 counter zigzagged; Loro counters are never negative.
        if (*zigzag & 1)
            return fail(LoroErrorCode::BadVersionVector,
                QStringLiteral("version vector: entry %1 at offset %2 has a negative counter")
                    .arg(QString::number(i), QString::number(at)));
        if (!vv.emplace(*peer, *zigzag >> 1).second)
            return fail(LoroErrorCode::BadVersionVector,
                QStringLiteral("version vector: peer %1 appears twice").arg(*peer));
    }
    if (!r.atEnd())
        return fail(LoroErrorCode::BadVersionVector,
            QStringLiteral("version vector: %1 trailing bytes at offset %2")
                .arg(QString::number(r.remaining()), QString::number(r.pos())));
    return vv;
}

QByteArray encodeVersionVector(const VersionVector &vv)
{
    QByteArray out;
    appendLeb(out, vv.size());
    for (const auto &[peer, counter] : vv) {
        appendLeb(out, peer);
        // Zigzag of a non-negative i32; counters beyond INT32_MAX cannot occur in Loro.
        appendLeb(out, quint64(qMin(counter, quint32(INT32_MAX))) << 1);
    }
    return out;
}

QByteArray encodeVersionVectorWithin(
    const VersionVector &vv, const VersionVector &first, qsizetype maxBytes)
{
    QByteArray whole = encodeVersionVector(vv);
    if (maxBytes < 0 || whole.size() <= maxBytes)
        return whole;
    const auto entrySize = [](quint64 peer, quint32 counter) {
        QByteArray entry;
        appendLeb(entry, peer);
        appendLeb(entry, quint64(qMin(counter, quint32(INT32_MAX))) << 1);
        return entry.size();
    };
    VersionVector kept;
    qsizetype size = 10; // the count's LEB, at most
    const auto keep = [&](quint64 peer, quint32 counter) {
        const qsizetype more = entrySize(peer, counter);
        if (size + more > maxBytes)
            return false;
        kept.emplace(peer, counter);
        size += more;
        return true;
    };
    // The joiner's own peers decide what it pushes; those it lacks keep it from counting
    // itself synced before the answer arrives.
    for (const auto &[peer, counter] : first) {
        const auto held = vv.find(peer);
        if (held != vv.end() && !keep(peer, held->second))
            break;
    }
    for (const auto &[peer, counter] : vv) {
        const auto known = first.find(peer);
        if ((known == first.end() || known->second < counter) && !kept.count(peer)
            && !keep(peer, counter))
            break;
    }
    return encodeVersionVector(kept);
}

} // namespace canopy::loro
