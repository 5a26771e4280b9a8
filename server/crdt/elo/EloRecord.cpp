#include "crdt/elo/EloRecord.h"

#include "crdt/loro/ByteReader.h"
#include "crdt/loro/ByteWriter.h"

#include <QStringDecoder>

namespace canopy::elo {
namespace {

Unexpected<EloError> bad(QString reason, QString message)
{
    return unexpected(EloError {std::move(reason), std::move(message)});
}

} // namespace

Expected<EloRecord, EloError> parseRecord(QByteArrayView data)
{
    loro::ByteReader r(data);
    EloRecord out;
    const auto kind = r.u8();
    if (!kind)
        return bad(QStringLiteral("bad-record"), QStringLiteral("an empty record"));
    if (*kind > quint8(EloRecord::Kind::Snapshot))
        return bad(QStringLiteral("bad-record"),
            QStringLiteral("unknown ELO record kind 0x%1").arg(*kind, 2, 16, QLatin1Char('0')));
    out.kind = EloRecord::Kind(*kind);
    const auto truncated = [](const char *field) {
        return bad(QStringLiteral("bad-record"),
            QStringLiteral("the record header's %1 runs past the record")
                .arg(QLatin1StringView(field)));
    };
    if (out.kind == EloRecord::Kind::DeltaSpan) {
        const auto peer = r.varBytes32();
        if (!peer)
            return truncated("peer id");
        if (peer->size() > MaxPeerIdBytes)
            return bad(QStringLiteral("bad-record"),
                QStringLiteral("a peer id of %1 bytes (at most %2)")
                    .arg(QString::number(peer->size()), QString::number(MaxPeerIdBytes)));
        out.peerId = peer->toByteArray();
        const auto start = r.varUint32();
        const auto end = start ? r.varUint32() : std::nullopt;
        if (!end)
            return truncated("span");
        if (*end <= *start)
            return bad(QStringLiteral("bad-record"),
                QStringLiteral("a DeltaSpan of [%1, %2) is empty")
                    .arg(QString::number(*start), QString::number(*end)));
        out.start = *start;
        out.end = *end;
    } else {
        const auto count = r.varUint32();
        if (!count)
            return truncated("version count");
        if (*count > MaxVersionEntries)
            return bad(QStringLiteral("bad-record"),
                QStringLiteral("a snapshot version of %1 entries (at most %2)")
                    .arg(QString::number(*count), QString::number(MaxVersionEntries)));
        for (quint32 i = 0; i < *count; ++i) {
            const auto peer = r.varBytes32();
            const auto counter = peer ? r.varUint32() : std::nullopt;
            if (!counter)
                return truncated("version");
            if (peer->size() > MaxPeerIdBytes)
                return bad(QStringLiteral("bad-record"),
                    QStringLiteral("a peer id of %1 bytes (at most %2)")
                        .arg(QString::number(peer->size()), QString::number(MaxPeerIdBytes)));
            out.version.append({peer->toByteArray(), *counter});
        }
    }
    const auto keyId = r.varBytes32();
    if (!keyId)
        return truncated("key id");
    if (keyId->size() > MaxKeyIdBytes)
        return bad(QStringLiteral("bad-record"),
            QStringLiteral("a key id of %1 bytes (at most %2)")
                .arg(QString::number(keyId->size()), QString::number(MaxKeyIdBytes)));
    QStringDecoder utf8(QStringDecoder::Utf8, QStringDecoder::Flag::Stateless);
    out.keyId = utf8(*keyId);
    if (utf8.hasError())
        return bad(QStringLiteral("bad-record"), QStringLiteral("the key id is not UTF-8"));
    const auto iv = r.varBytes32();
    if (!iv)
        return truncated("iv");
    if (iv->size() != IvBytes)
        return bad(QStringLiteral("bad-record"),
            QStringLiteral("an iv of %1 bytes (AES-GCM takes %2)")
                .arg(QString::number(iv->size()), QString::number(IvBytes)));
    out.iv = iv->toByteArray();
    out.headerSize = r.pos();
    const auto ciphertext = r.varBytes32();
    if (!ciphertext)
        return truncated("ciphertext");
    if (ciphertext->size() < TagBytes)
        return bad(QStringLiteral("bad-record"),
            QStringLiteral("a ciphertext of %1 bytes cannot hold the 16-byte tag")
                .arg(ciphertext->size()));
    out.ciphertextSize = ciphertext->size();
    if (!r.atEnd())
        return bad(QStringLiteral("bad-record"),
            QStringLiteral("%1 bytes after the ciphertext").arg(r.remaining()));
    out.bytes = data.toByteArray();
    return out;
}

Expected<QList<EloRecord>, EloError> parseContainer(QByteArrayView container)
{
    loro::ByteReader r(container);
    const auto count = r.varUint32();
    if (!count)
        return bad(QStringLiteral("bad-container"), QStringLiteral("no record count"));
    // Every record takes at least its length byte and a kind byte.
    if (qint64(*count) > r.remaining() / 2)
        return bad(QStringLiteral("bad-container"),
            QStringLiteral("%1 records cannot fit in %2 bytes")
                .arg(QString::number(*count), QString::number(r.remaining())));
    // A record that parses takes at least 34 bytes (length, kind, an empty peer and span or an
    // empty version, key id, the 12-byte IV and a 16-byte tag with their lengths); the list,
    // some 150 bytes a record, is reserved for no more than that many.
    constexpr qint64 MinRecordBytes = 34;
    QList<EloRecord> out;
    out.reserve(qMin(qint64(*count), r.remaining() / MinRecordBytes));
    for (quint32 i = 0; i < *count; ++i) {
        const auto record = r.varBytes32();
        if (!record)
            return bad(QStringLiteral("bad-container"),
                QStringLiteral("record %1 runs past the container").arg(i));
        auto parsed = parseRecord(*record);
        if (!parsed)
            return bad(parsed.error().reason,
                QStringLiteral("record %1: %2").arg(QString::number(i), parsed.error().message));
        out.append(std::move(*parsed));
    }
    if (!r.atEnd())
        return bad(QStringLiteral("bad-container"),
            QStringLiteral("%1 bytes after the last record").arg(r.remaining()));
    return out;
}

QByteArray encodeContainer(const QList<QByteArray> &records)
{
    qsizetype size = 5;
    for (const QByteArray &record : records)
        size += 5 + record.size();
    QByteArray out;
    out.reserve(size);
    loro::appendLeb(out, quint64(records.size()));
    for (const QByteArray &record : records) {
        loro::appendLeb(out, quint64(record.size()));
        out += record;
    }
    return out;
}

QString describeVersion(const QList<EloRecord::VersionEntry> &version)
{
    QStringList parts;
    for (const EloRecord::VersionEntry &entry : version)
        parts.append(QStringLiteral("%1:%2").arg(
            QString::fromUtf8(entry.peerId), QString::number(entry.counter)));
    return u'{' + parts.join(QStringLiteral(", ")) + u'}';
}

} // namespace canopy::elo
