#include "protocol/loro/LoroProtocolCodec.h"

#include "crdt/loro/ByteReader.h"
#include "crdt/loro/ByteWriter.h"

#include <algorithm>
#include <openssl/rand.h>

#include <QStringDecoder>

namespace canopy {
namespace {

using Code = LoroProtocolError::Code;
using Message = LoroProtocolMessage;

Unexpected<LoroProtocolError> fail(Code code, QString message)
{
    return unexpected(LoroProtocolError {code, std::move(message)});
}

// A cursor over untrusted bytes; each read either succeeds or records the first error.
class Reader
{
public:
    explicit Reader(QByteArrayView data)
        : m_data(data)
    {
    }

    qsizetype pos() const { return m_pos; }
    qsizetype remaining() const { return m_data.size() - m_pos; }
    bool failed() const { return m_error.has_value(); }
    LoroProtocolError error() const { return *m_error; }

    quint8 u8(const char *what)
    {
        if (failed())
            return 0;
        if (remaining() < 1) {
            truncated(what);
            return 0;
        }
        return quint8(m_data[m_pos++]);
    }

    // loro-protocol's varUint (at most 5 bytes, 32 bits).
    quint32 varUint(const char *what)
    {
        if (failed())
            return 0;
        loro::ByteReader r(m_data.sliced(m_pos));
        if (const auto value = r.varUint32()) {
            m_pos += r.pos();
            return *value;
        }
        // Cut short by the end of the frame, or too long for 32 bits?
        const QByteArrayView rest = m_data.sliced(m_pos);
        if (rest.size() < 5
            && std::all_of(rest.begin(), rest.end(), [](char c) { return c & 0x80; }))
            truncated(what);
        else
            setError(Code::BadVarUint,
                QStringLiteral("%1 at offset %2 is not a varUint of at most 32 bits")
                    .arg(QLatin1StringView(what), QString::number(m_pos)));
        return 0;
    }

    QByteArrayView bytes(qsizetype n, const char *what)
    {
        if (failed())
            return {};
        if (n > remaining()) {
            truncated(what);
            return {};
        }
        const QByteArrayView out = m_data.sliced(m_pos, n);
        m_pos += n;
        return out;
    }

    QByteArrayView varBytes(const char *what)
    {
        const quint32 n = varUint(what);
        return bytes(qsizetype(n), what);
    }

    QString varString(const char *what)
    {
        const QByteArrayView raw = varBytes(what);
        if (failed())
            return {};
        QStringDecoder utf8(QStringDecoder::Utf8, QStringDecoder::Flag::Stateless);
        QString text = utf8(raw);
        if (utf8.hasError()) {
            setError(Code::BadUtf8, QStringLiteral("%1 is not UTF-8").arg(QLatin1StringView(what)));
            return {};
        }
        return text;
    }

    void setError(Code code, QString message)
    {
        if (!failed())
            m_error = LoroProtocolError {code, std::move(message)};
    }

private:
    void truncated(const char *what)
    {
        setError(Code::Truncated,
            QStringLiteral("%1 at offset %2 runs past the end of the %3-byte frame")
                .arg(QLatin1StringView(what), QString::number(m_pos),
                    QString::number(m_data.size())));
    }

    QByteArrayView m_data;
    qsizetype m_pos = 0;
    std::optional<LoroProtocolError> m_error;
};

void appendVarUint(QByteArray &out, quint32 value)
{
    loro::appendLeb(out, value);
}

void appendVarBytes(QByteArray &out, QByteArrayView bytes)
{
    appendVarUint(out, quint32(bytes.size()));
    out.append(bytes);
}

void appendEnvelope(
    QByteArray &out, const QByteArray &magic, const QByteArray &room, Message::Type type)
{
    out.append(magic.left(4));
    if (magic.size() < 4)
        out.append(4 - magic.size(), '\0');
    appendVarBytes(out, room);
    out.append(char(quint8(type)));
}

// The envelope's size: magic, room id with its length, type.
qsizetype envelopeSize(const QByteArray &room)
{
    QByteArray length;
    appendVarUint(length, quint32(room.size()));
    return 4 + length.size() + room.size() + 1;
}

} // namespace

QString LoroProtocolError::codeName(Code code)
{
    switch (code) {
    case Code::Truncated:
        return QStringLiteral("truncated");
    case Code::BadVarUint:
        return QStringLiteral("bad-varuint");
    case Code::RoomIdTooLong:
        return QStringLiteral("room-id-too-long");
    case Code::BadUtf8:
        return QStringLiteral("bad-utf8");
    case Code::UnknownType:
        return QStringLiteral("unknown-type");
    case Code::TrailingBytes:
        return QStringLiteral("trailing-bytes");
    case Code::BadPermission:
        return QStringLiteral("bad-permission");
    case Code::TooManyUpdates:
        return QStringLiteral("too-many-updates");
    }
    return QStringLiteral("invalid");
}

QString LoroProtocolMessage::typeName(Type type)
{
    switch (type) {
    case Type::JoinRequest:
        return QStringLiteral("joinRequest");
    case Type::JoinResponseOk:
        return QStringLiteral("joinResponseOk");
    case Type::JoinError:
        return QStringLiteral("joinError");
    case Type::DocUpdate:
        return QStringLiteral("docUpdate");
    case Type::FragmentHeader:
        return QStringLiteral("fragmentHeader");
    case Type::Fragment:
        return QStringLiteral("fragment");
    case Type::RoomError:
        return QStringLiteral("roomError");
    case Type::Leave:
        return QStringLiteral("leave");
    case Type::Ack:
        return QStringLiteral("ack");
    }
    return QStringLiteral("invalid");
}

QString LoroProtocolMessage::statusName(AckStatus status)
{
    switch (status) {
    case AckStatus::Ok:
        return QStringLiteral("ok");
    case AckStatus::Unknown:
        return QStringLiteral("unknown");
    case AckStatus::PermissionDenied:
        return QStringLiteral("permission_denied");
    case AckStatus::InvalidUpdate:
        return QStringLiteral("invalid_update");
    case AckStatus::PayloadTooLarge:
        return QStringLiteral("payload_too_large");
    case AckStatus::RateLimited:
        return QStringLiteral("rate_limited");
    case AckStatus::FragmentTimeout:
        return QStringLiteral("fragment_timeout");
    case AckStatus::AppError:
        return QStringLiteral("app_error");
    }
    return QStringLiteral("unknown");
}

bool LoroProtocolCodec::peekEnvelope(QByteArrayView frame, QByteArray *magic, quint8 *type)
{
    Reader r(frame);
    const QByteArrayView m = r.bytes(4, "magic");
    const QByteArrayView room = r.varBytes("room id");
    const quint8 t = r.u8("message type");
    if (r.failed() || room.size() > Message::MaxRoomIdBytes)
        return false;
    *magic = m.toByteArray();
    *type = t;
    return true;
}

Expected<LoroProtocolMessage, LoroProtocolError> LoroProtocolCodec::decode(QByteArrayView frame)
{
    Reader r(frame);
    Message m;
    m.magic = r.bytes(4, "magic").toByteArray();
    const quint32 roomLength = r.varUint("room id length");
    if (!r.failed() && roomLength > Message::MaxRoomIdBytes)
        return fail(Code::RoomIdTooLong,
            QStringLiteral("room id of %1 bytes is over the 128-byte limit").arg(roomLength));
    const QByteArrayView room = r.bytes(qsizetype(roomLength), "room id");
    if (!r.failed()) {
        QStringDecoder utf8(QStringDecoder::Utf8, QStringDecoder::Flag::Stateless);
        (void)QString(utf8(room));
        if (utf8.hasError())
            return fail(Code::BadUtf8, QStringLiteral("room id is not UTF-8"));
    }
    m.roomId = room.toByteArray();
    const quint8 type = r.u8("message type");
    if (r.failed())
        return unexpected(r.error());
    if (type > quint8(Message::Type::Ack))
        return fail(Code::UnknownType,
            QStringLiteral("unknown message type 0x%1").arg(type, 2, 16, QLatin1Char('0')));
    m.type = Message::Type(type);

    bool closed = false; // the spec refuses trailing bytes for this type
    switch (m.type) {
    case Message::Type::JoinRequest:
        m.auth = r.varBytes("auth").toByteArray();
        m.version = r.varBytes("version").toByteArray();
        break;
    case Message::Type::JoinResponseOk:
        m.permission = r.varString("permission");
        m.version = r.varBytes("version").toByteArray();
        m.extra = r.varBytes("extra").toByteArray();
        if (!r.failed() && m.permission != u"read" && m.permission != u"write")
            return fail(Code::BadPermission,
                QStringLiteral("permission \"%1\" is neither read nor write")
                    .arg(m.permission.left(32)));
        break;
    case Message::Type::JoinError:
        m.code = r.u8("error code");
        m.message = r.varString("message");
        if (!r.failed() && r.remaining() > 0) {
            if (m.code == Message::JoinVersionUnknown)
                m.receiverVersion = r.varBytes("receiver version").toByteArray();
            else if (m.code == Message::JoinAppError)
                m.appCode = r.varString("app code");
        }
        break;
    case Message::Type::DocUpdate: {
        const quint32 count = r.varUint("update count");
        // Each update takes at least its length byte.
        if (!r.failed() && qint64(count) > r.remaining())
            return fail(Code::Truncated,
                QStringLiteral("%1 updates cannot fit in the %2 bytes left")
                    .arg(QString::number(count), QString::number(r.remaining())));
        if (count > LoroProtocolCodec::MaxUpdates)
            return fail(Code::TooManyUpdates,
                QStringLiteral("a DocUpdate of %1 updates (at most %2)")
                    .arg(QString::number(count), QString::number(LoroProtocolCodec::MaxUpdates)));
        m.updates.reserve(qsizetype(count));
        for (quint32 i = 0; i < count && !r.failed(); ++i)
            m.updates.append(r.varBytes("update").toByteArray());
        m.batchId = r.bytes(Message::BatchIdBytes, "batch id").toByteArray();
        closed = true;
        break;
    }
    case Message::Type::FragmentHeader:
        m.batchId = r.bytes(Message::BatchIdBytes, "batch id").toByteArray();
        m.fragmentCount = r.varUint("fragment count");
        m.totalSize = r.varUint("total size");
        closed = true;
        break;
    case Message::Type::Fragment:
        m.batchId = r.bytes(Message::BatchIdBytes, "batch id").toByteArray();
        m.index = r.varUint("fragment index");
        m.fragment = r.varBytes("fragment").toByteArray();
        closed = true;
        break;
    case Message::Type::RoomError:
        m.code = r.u8("error code");
        m.message = r.varString("message");
        break;
    case Message::Type::Leave:
        break;
    case Message::Type::Ack:
        m.batchId = r.bytes(Message::BatchIdBytes, "acknowledged batch id").toByteArray();
        m.status = Message::AckStatus(r.u8("status"));
        closed = true;
        break;
    }
    if (r.failed())
        return unexpected(r.error());
    if (closed && r.remaining() > 0)
        return fail(Code::TrailingBytes,
            QStringLiteral("%1 trailing bytes after the %2")
                .arg(QString::number(r.remaining()), Message::typeName(m.type)));
    return m;
}

QByteArray LoroProtocolCodec::encode(const LoroProtocolMessage &m)
{
    QByteArray out;
    qsizetype size = envelopeSize(m.roomId) + 32 + m.auth.size() + m.version.size() + m.extra.size()
        + m.fragment.size() + m.message.size() * 3;
    for (const QByteArray &update : m.updates)
        size += 5 + update.size();
    out.reserve(size);
    appendEnvelope(out, m.magic, m.roomId, m.type);
    switch (m.type) {
    case Message::Type::JoinRequest:
        appendVarBytes(out, m.auth);
        appendVarBytes(out, m.version);
        break;
    case Message::Type::JoinResponseOk:
        appendVarBytes(out, m.permission.toUtf8());
        appendVarBytes(out, m.version);
        appendVarBytes(out, m.extra);
        break;
    case Message::Type::JoinError:
        out.append(char(m.code));
        appendVarBytes(out, m.message.toUtf8());
        if (m.code == Message::JoinVersionUnknown)
            appendVarBytes(out, m.receiverVersion);
        else if (m.code == Message::JoinAppError && !m.appCode.isEmpty())
            appendVarBytes(out, m.appCode.toUtf8());
        break;
    case Message::Type::DocUpdate:
        appendVarUint(out, quint32(m.updates.size()));
        for (const QByteArray &update : m.updates)
            appendVarBytes(out, update);
        out.append(m.batchId.left(Message::BatchIdBytes));
        break;
    case Message::Type::FragmentHeader:
        out.append(m.batchId.left(Message::BatchIdBytes));
        appendVarUint(out, m.fragmentCount);
        appendVarUint(out, m.totalSize);
        break;
    case Message::Type::Fragment:
        out.append(m.batchId.left(Message::BatchIdBytes));
        appendVarUint(out, m.index);
        appendVarBytes(out, m.fragment);
        break;
    case Message::Type::RoomError:
        out.append(char(m.code));
        appendVarBytes(out, m.message.toUtf8());
        break;
    case Message::Type::Leave:
        break;
    case Message::Type::Ack:
        out.append(m.batchId.left(Message::BatchIdBytes));
        out.append(char(quint8(m.status)));
        break;
    }
    return out;
}

QByteArray LoroProtocolCodec::randomBatchId()
{
    QByteArray id(Message::BatchIdBytes, Qt::Uninitialized);
    if (RAND_bytes(reinterpret_cast<unsigned char *>(id.data()), int(id.size())) != 1)
        id.fill('\0'); // a batch id names a batch to its receiver; it is not a secret
    return id;
}

QList<QByteArray> LoroProtocolCodec::encodeUpdate(const QByteArray &magic, const QByteArray &roomId,
    const QByteArray &update, const QByteArray &batchId)
{
    Message m;
    m.magic = magic;
    m.roomId = roomId;
    m.batchId = batchId;
    // The DocUpdate's overhead: envelope, count (1 byte), the update's length (at most 5 bytes)
    // and the batch id.
    const qsizetype overhead = envelopeSize(roomId) + 1 + 5 + Message::BatchIdBytes;
    if (overhead + update.size() <= Message::MaxMessageBytes) {
        m.type = Message::Type::DocUpdate;
        m.updates = {update};
        return {encode(m)};
    }
    const qsizetype count = (update.size() + Message::FragmentBytes - 1) / Message::FragmentBytes;
    QList<QByteArray> out;
    out.reserve(count + 1);
    m.type = Message::Type::FragmentHeader;
    m.fragmentCount = quint32(count);
    m.totalSize = quint32(update.size());
    out.append(encode(m));
    m.type = Message::Type::Fragment;
    for (qsizetype i = 0; i < count; ++i) {
        m.index = quint32(i);
        m.fragment = update.mid(i * Message::FragmentBytes, Message::FragmentBytes);
        out.append(encode(m));
    }
    return out;
}

} // namespace canopy
