#include "traffic/FrameDecoder.h"

#include "crdt/elo/EloRecord.h"
#include "crdt/ephemeral/EphemeralState.h"
#include "crdt/loro/LoroBlob.h"
#include "protocol/loro/LoroProtocolCodec.h"
#include "protocol/sync1/SyncCodec.h"

namespace canopy::ui {
namespace {

using Message = LoroProtocolMessage;

// A loro-protocol varUint (LEB128 of at most 5 bytes) at `pos`; false when it does not fit.
bool readVarUint(QByteArrayView bytes, qsizetype &pos, quint32 &value)
{
    quint64 out = 0;
    for (int i = 0; i < 5 && pos < bytes.size(); ++i) {
        const quint8 byte = quint8(bytes[pos++]);
        out |= quint64(byte & 0x7f) << (7 * i);
        if (!(byte & 0x80)) {
            value = quint32(out);
            return out <= 0xffffffffULL;
        }
    }
    return false;
}

// The document kinds this host serves, by magic (as LoroProtocolSession maps them).
QString kindOfMagic(QByteArrayView magic)
{
    if (magic == "%LOR")
        return QStringLiteral("loro");
    if (magic == "%ELO")
        return QStringLiteral("elo");
    if (magic == "%EPH")
        return QStringLiteral("eph");
    if (magic == "%EPS")
        return QStringLiteral("eps");
    if (magic == "%YJS")
        return QStringLiteral("yjs");
    if (magic == "%YAW")
        return QStringLiteral("yaw");
    return {};
}

FrameSummary summarizeLoro(const QByteArray &frame, bool text)
{
    if (text) {
        // Keepalive is the only text loro-protocol knows.
        if (frame == "ping")
            return {QStringLiteral("ping"), {}, {}};
        if (frame == "pong")
            return {QStringLiteral("pong"), {}, {}};
        return {QStringLiteral("text"), {}, {}};
    }
    QByteArray magic;
    quint8 type = 0;
    if (!LoroProtocolCodec::peekEnvelope(frame, &magic, &type))
        return {};
    FrameSummary out;
    out.magic = FrameDecoder::magicText(magic);
    // The envelope checked out, so the room id is a varUint length and that many bytes.
    qsizetype pos = 4;
    quint32 length = 0;
    if (readVarUint(frame, pos, length) && pos + qsizetype(length) <= frame.size())
        out.entityId = QString::fromUtf8(frame.constData() + pos, qsizetype(length));
    if (type <= quint8(Message::Type::Ack))
        out.type = Message::typeName(Message::Type(type));
    return out;
}

} // namespace

WireProtocol FrameDecoder::protocolOf(QStringView name)
{
    if (name == u"loro")
        return WireProtocol::Loro;
    if (name == u"y-websocket")
        return WireProtocol::YWebsocket;
    if (name == u"hocuspocus")
        return WireProtocol::Hocuspocus;
    return WireProtocol::Sync1;
}

QString FrameDecoder::protocolText(WireProtocol protocol)
{
    switch (protocol) {
    case WireProtocol::Sync1:
        return QStringLiteral("Sync1");
    case WireProtocol::Loro:
        return QStringLiteral("loro-protocol");
    case WireProtocol::YWebsocket:
        return QStringLiteral("y-websocket");
    case WireProtocol::Hocuspocus:
        return QStringLiteral("Hocuspocus");
    }
    return {};
}

FrameSummary FrameDecoder::summarize(
    const QByteArray &frame, bool text, WireProtocol protocol, bool fromHost)
{
    if (protocol == WireProtocol::Loro)
        return summarizeLoro(frame, text);
    if (protocol == WireProtocol::YWebsocket || protocol == WireProtocol::Hocuspocus) {
        // Neither protocol sends text frames.
        if (text)
            return {QStringLiteral("text"), {}, {}};
        FrameSummary out;
        out.type = YjsFrameDecoder::summarize(
            frame, protocol == WireProtocol::Hocuspocus, fromHost, &out.entityId);
        return out;
    }
    if (text)
        return {QStringLiteral("text"), {}, {}};
    const QHash<QString, QString> strings = MsgpackTree::topLevelStrings(frame);
    return {strings.value(QStringLiteral("type")), strings.value(QStringLiteral("entityId")), {}};
}

FrameDetail FrameDecoder::decode(
    const QByteArray &frame, bool text, WireProtocol protocol, bool fromHost)
{
    FrameDetail detail;
    detail.protocol = protocol;
    detail.text = text;
    detail.summary = summarize(frame, text, protocol, fromHost);
    if (text)
        return detail;
    if (protocol == WireProtocol::Loro) {
        detail.loro = decodeLoroProtocol(frame);
        return detail;
    }
    if (protocol == WireProtocol::YWebsocket) {
        detail.ymessage = YjsFrameDecoder::decodeYWebsocket(frame);
        return detail;
    }
    if (protocol == WireProtocol::Hocuspocus) {
        detail.ymessage = YjsFrameDecoder::decodeHocuspocus(frame, fromHost);
        return detail;
    }

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

LoroProtocolDetail FrameDecoder::decodeLoroProtocol(const QByteArray &frame)
{
    LoroProtocolDetail out;
    auto decoded = LoroProtocolCodec::decode(frame);
    if (!decoded) {
        out.error = LoroProtocolError::codeName(decoded.error().code) + QStringLiteral(": ")
            + decoded.error().message;
        return out;
    }
    out.decoded = true;
    out.message = std::move(*decoded);
    out.kind = kindOfMagic(out.message.magic);
    const Message &m = out.message;
    // Loro and ELO versions are Loro VersionVectors; ephemeral stores send none.
    const bool versioned = out.kind == u"loro" || out.kind == u"elo";
    auto describeVersion = [&](const QByteArray &version) {
        out.hasVersion = true;
        out.version = describeVersionVector(version);
    };
    // %YJS versions are Yjs state vectors (the joiner's, the host's).
    if (out.kind == u"yjs") {
        const QByteArray &version
            = m.type == Message::Type::JoinError ? m.receiverVersion : m.version;
        if ((m.type == Message::Type::JoinRequest || m.type == Message::Type::JoinResponseOk
                || m.type == Message::Type::JoinError)
            && !(m.type == Message::Type::JoinError && version.isEmpty())) {
            out.hasStateVector = true;
            out.stateVector = YjsFrameDecoder::describeStateVector(version);
        }
    }
    switch (m.type) {
    case Message::Type::JoinRequest: {
        if (versioned)
            describeVersion(m.version);
        // magic, room id, type, then the auth bytes: the hex view masks them.
        qsizetype pos = 4;
        quint32 length = 0;
        if (readVarUint(frame, pos, length)) {
            pos += qsizetype(length) + 1;
            if (readVarUint(frame, pos, length) && pos + qsizetype(length) <= frame.size()) {
                out.authOffset = pos;
                out.authSize = qsizetype(length);
            }
        }
        break;
    }
    case Message::Type::JoinResponseOk:
        if (versioned)
            describeVersion(m.version);
        break;
    case Message::Type::JoinError:
        if (versioned && !m.receiverVersion.isEmpty())
            describeVersion(m.receiverVersion);
        break;
    case Message::Type::DocUpdate:
        for (const QByteArray &update : m.updates) {
            if (out.kind == u"loro") {
                LoroPayload payload = describeLoro(update);
                payload.field
                    = payload.mode == 3 ? QStringLiteral("snapshot") : QStringLiteral("update");
                out.loroUpdates.append(std::move(payload));
            } else if (out.kind == u"elo") {
                out.eloUpdates.append(describeElo(update));
            } else if (out.kind == u"eph" || out.kind == u"eps") {
                out.ephemeralUpdates.append(describeEphemeral(update));
            } else if (out.kind == u"yjs") {
                out.yjsUpdates.append(YjsFrameDecoder::describeUpdate(update));
            } else if (out.kind == u"yaw") {
                out.awarenessUpdates.append(YjsFrameDecoder::describeAwareness(update));
            }
        }
        break;
    default:
        break;
    }
    return out;
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

EloPayload FrameDecoder::describeElo(const QByteArray &container)
{
    EloPayload out;
    out.size = container.size();
    auto records = elo::parseContainer(container);
    if (!records) {
        out.error = records.error().reason + QStringLiteral(": ") + records.error().message;
        return out;
    }
    out.parsed = true;
    out.records.reserve(records->size());
    for (const elo::EloRecord &record : std::as_const(*records)) {
        EloRecordView view;
        view.snapshot = record.kind == elo::EloRecord::Kind::Snapshot;
        view.peer = QString::fromUtf8(record.peerId);
        view.start = record.start;
        view.end = record.end;
        if (view.snapshot)
            view.version = elo::describeVersion(record.version);
        view.keyId = record.keyId;
        view.iv = record.iv;
        view.headerSize = record.headerSize;
        view.ciphertextSize = record.ciphertextSize;
        out.records.append(std::move(view));
    }
    return out;
}

EphemeralPayload FrameDecoder::describeEphemeral(const QByteArray &update)
{
    EphemeralPayload out;
    out.size = update.size();
    auto entries = ephemeral::parseUpdate(update);
    if (!entries) {
        out.error = entries.error().message;
        return out;
    }
    out.parsed = true;
    out.entries.reserve(entries->size());
    for (const ephemeral::EphemeralEntry &entry : std::as_const(*entries)) {
        EphemeralEntryView view;
        view.key = QString::fromUtf8(entry.key);
        view.deleted = !entry.present;
        if (entry.present)
            view.value = ephemeral::describeValue(entry.value);
        view.timestampMs = entry.timestampMs;
        out.entries.append(std::move(view));
    }
    return out;
}

QString FrameDecoder::batchIdText(const QByteArray &batchId)
{
    return QStringLiteral("0x") + QString::fromLatin1(batchId.toHex());
}

QString FrameDecoder::joinErrorName(quint8 code)
{
    switch (code) {
    case Message::JoinUnknown:
        return QStringLiteral("unknown");
    case Message::JoinVersionUnknown:
        return QStringLiteral("version_unknown");
    case Message::JoinAuthFailed:
        return QStringLiteral("auth_failed");
    case Message::JoinAppError:
        return QStringLiteral("app_error");
    }
    return QStringLiteral("0x%1").arg(code, 2, 16, QLatin1Char('0'));
}

QString FrameDecoder::roomErrorName(quint8 code)
{
    switch (code) {
    case Message::RoomRejoinSuggested:
        return QStringLiteral("rejoin_suggested");
    case Message::RoomEvicted:
        return QStringLiteral("evicted");
    case 0x7f:
        return QStringLiteral("app_error");
    }
    return QStringLiteral("0x%1").arg(code, 2, 16, QLatin1Char('0'));
}

QString FrameDecoder::magicText(QByteArrayView magic)
{
    // The spec's magics as literals: a summary per captured frame allocates nothing here.
    if (magic == "%LOR")
        return QStringLiteral("%LOR");
    if (magic == "%ELO")
        return QStringLiteral("%ELO");
    if (magic == "%EPH")
        return QStringLiteral("%EPH");
    if (magic == "%EPS")
        return QStringLiteral("%EPS");
    if (magic == "%YJS")
        return QStringLiteral("%YJS");
    if (magic == "%YAW")
        return QStringLiteral("%YAW");
    if (magic == "%FLO")
        return QStringLiteral("%FLO");
    QString out;
    for (const char c : magic)
        out += (c >= 0x20 && c < 0x7f) ? QChar(QLatin1Char(c)) : QChar(u'?');
    return out;
}

QString FrameDecoder::magicDescription(QByteArrayView magic)
{
    if (magic == "%LOR")
        return tr("Loro document");
    if (magic == "%ELO")
        return tr("end-to-end encrypted Loro document");
    if (magic == "%EPH")
        return tr("ephemeral store (presence, in memory)");
    if (magic == "%EPS")
        return tr("persisted ephemeral store");
    if (magic == "%YJS")
        return tr("Yjs document");
    if (magic == "%YAW")
        return tr("Yjs awareness (presence, in memory)");
    if (magic == "%FLO")
        return tr("Flock document (not served)");
    return tr("unknown magic");
}

QString FrameDecoder::hexDump(
    QByteArrayView bytes, qsizetype limit, qsizetype maskOffset, qsizetype maskSize)
{
    static const char digits[] = "0123456789abcdef";
    const qsizetype shown = qMin(bytes.size(), limit);
    QString out;
    out.reserve((shown / 16 + 1) * 80);
    for (qsizetype line = 0; line < shown; line += 16) {
        out += QStringLiteral("%1  ").arg(line, 8, 16, QLatin1Char('0'));
        QString ascii;
        for (qsizetype i = line; i < line + 16; ++i) {
            if (i < shown && i >= maskOffset && i < maskOffset + maskSize) {
                out += QStringLiteral("** ");
                ascii += u'*';
            } else if (i < shown) {
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
