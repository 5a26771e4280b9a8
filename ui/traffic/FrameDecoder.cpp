#include "traffic/FrameDecoder.h"

#include "crdt/loro/LoroBlob.h"
#include "protocol/sync1/SyncCodec.h"

namespace canopy::ui {

FrameSummary FrameDecoder::summarize(const QByteArray &frame, bool text)
{
    if (text)
        return {QStringLiteral("text"), {}};
    const QHash<QString, QString> strings = MsgpackTree::topLevelStrings(frame);
    return {strings.value(QStringLiteral("type")), strings.value(QStringLiteral("entityId"))};
}

FrameDetail FrameDecoder::decode(const QByteArray &frame, bool text)
{
    FrameDetail detail;
    detail.text = text;
    detail.summary = summarize(frame, text);
    if (text)
        return detail;

    auto tree = MsgpackTree::parse(frame);
    detail.msgpackOk = bool(tree);
    if (tree)
        detail.tree = std::move(*tree);
    else
        detail.msgpackError = tree.error();

    auto message = SyncCodec::decode(frame);
    if (!message) {
        detail.syncError = SyncCodecError::codeName(message.error().code) + QStringLiteral(": ")
            + message.error().message;
        return detail;
    }
    switch (message->payloadKind) {
    case SyncMessage::PayloadKind::None:
        break;
    case SyncMessage::PayloadKind::VersionVector:
        detail.hasPayload = true;
        detail.payload = describeVersionVector(message->payload);
        break;
    case SyncMessage::PayloadKind::Snapshot:
    case SyncMessage::PayloadKind::Update:
        detail.hasPayload = true;
        detail.payload = describeLoro(message->payload);
        detail.payload.field = message->payloadKind == SyncMessage::PayloadKind::Snapshot
            ? QStringLiteral("snapshot")
            : QStringLiteral("update");
        break;
    }
    return detail;
}

LoroPayload FrameDecoder::describeLoro(const QByteArray &blob)
{
    LoroPayload out;
    out.size = blob.size();
    // The header is "loro", 16 bytes (the checksum in the last four), then a big-endian u16
    // mode: read it directly so a blob that fails later still shows its mode.
    if (blob.size() >= 22)
        out.mode = (quint8(blob[20]) << 8) | quint8(blob[21]);
    auto parsed = loro::LoroBlob::parse(blob);
    if (parsed) {
        out.parsed = true;
        out.checksum = LoroPayload::Checksum::Valid;
        out.mode = int(parsed->mode);
        out.shallow = parsed->shallow;
        out.version = parsed->version;
        out.blocks.reserve(parsed->blocks.size());
        for (const loro::ChangeBlock &block : std::as_const(parsed->blocks)) {
            out.blocks.append({block.peer, block.counterStart, block.counterEnd, block.lamportStart,
                block.lamportEnd, block.changeCount, block.bytes.size()});
        }
    } else {
        const loro::LoroErrorCode code = parsed.error().code;
        switch (code) {
        case loro::LoroErrorCode::TooShort:
        case loro::LoroErrorCode::BadMagic:
            out.checksum = LoroPayload::Checksum::NotChecked;
            break;
        case loro::LoroErrorCode::BadChecksum:
            out.checksum = LoroPayload::Checksum::Mismatch;
            break;
        default:
            // Every later stage runs only after the checksum matched.
            out.checksum = LoroPayload::Checksum::Valid;
            break;
        }
        out.error = loro::describe(code) + QStringLiteral(": ") + parsed.error().message;
    }
    out.modeName = modeName(out.mode, out.shallow);
    return out;
}

LoroPayload FrameDecoder::describeVersionVector(const QByteArray &encoded)
{
    LoroPayload out;
    out.field = QStringLiteral("versionVector");
    out.size = encoded.size();
    auto version = loro::decodeVersionVector(encoded);
    if (version) {
        out.parsed = true;
        out.version = *version;
    } else {
        out.error
            = loro::describe(version.error().code) + QStringLiteral(": ") + version.error().message;
    }
    return out;
}

QString FrameDecoder::hexDump(QByteArrayView bytes, qsizetype limit)
{
    static const char digits[] = "0123456789abcdef";
    const qsizetype shown = qMin(bytes.size(), limit);
    QString out;
    out.reserve((shown / 16 + 1) * 80);
    for (qsizetype line = 0; line < shown; line += 16) {
        out += QStringLiteral("%1  ").arg(line, 8, 16, QLatin1Char('0'));
        QString ascii;
        for (qsizetype i = line; i < line + 16; ++i) {
            if (i < shown) {
                const quint8 b = quint8(bytes[i]);
                out += QLatin1Char(digits[b >> 4]);
                out += QLatin1Char(digits[b & 0xf]);
                out += u' ';
                ascii += (b >= 0x20 && b < 0x7f) ? QLatin1Char(char(b)) : QLatin1Char('.');
            } else {
                out += QStringLiteral("   ");
            }
            if (i == line + 7)
                out += u' ';
        }
        out += u' ' + ascii + u'\n';
    }
    if (shown < bytes.size())
        out += tr("… %n more byte(s) not shown", nullptr, int(bytes.size() - shown));
    return out;
}

QString FrameDecoder::modeName(int mode, bool shallow)
{
    switch (mode) {
    case -1:
        return tr("unknown (no header)");
    case 1:
    case 2:
        return tr("legacy (%1), not supported").arg(mode);
    case 3:
        return shallow ? tr("shallow snapshot (3)") : tr("snapshot (3)");
    case 4:
        return tr("update (4)");
    default:
        return tr("unknown (%1)").arg(mode);
    }
}

QString FrameDecoder::checksumText(LoroPayload::Checksum checksum)
{
    switch (checksum) {
    case LoroPayload::Checksum::NotChecked:
        return tr("not checked");
    case LoroPayload::Checksum::Valid:
        return tr("valid (xxHash32)");
    case LoroPayload::Checksum::Mismatch:
        return tr("mismatch");
    }
    return {};
}

} // namespace canopy::ui
