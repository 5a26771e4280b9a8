#include "protocol/sync1/SyncCodec.h"

#include "protocol/sync1/EntityId.h"

#include <memory>
#include <msgpack.h>
#include <optional>

namespace canopy {
namespace {

SyncCodecError fail(SyncCodecError::Code code, const QString &message)
{
    return SyncCodecError {code, message};
}

// msgpack-c allocates a container's slots from its declared count before reading them, some
// 24 bytes for each one-byte element. A frame that declares more elements than it has bytes
// left, or more than a Sync1 message can hold, is refused here, before the unpacker sees it.
std::optional<SyncCodecError> prescan(QByteArrayView data)
{
    using Code = SyncCodecError::Code;
    const auto notMsgpack = [] {
        return fail(Code::NotMsgpack, QStringLiteral("the frame is not one msgpack value"));
    };
    const auto *p = reinterpret_cast<const unsigned char *>(data.data());
    const qsizetype size = data.size();
    qsizetype pos = 0;
    quint64 pending = 1; // items still to read
    quint64 elements = 0; // items of every container so far
    auto take = [&](qsizetype n, quint64 &out) {
        if (size - pos < n)
            return false;
        out = 0;
        for (qsizetype i = 0; i < n; ++i)
            out = (out << 8) | p[pos + i];
        pos += n;
        return true;
    };
    auto skip = [&](quint64 n) {
        if (quint64(size - pos) < n)
            return false;
        pos += qsizetype(n);
        return true;
    };
    // A container of `n` elements (map entries count two): each takes a byte at least, and all
    // of them together stay within MaxElements.
    auto container = [&](quint64 n, bool array, bool root) -> std::optional<SyncCodecError> {
        if (n > quint64(size - pos))
            return notMsgpack();
        if (elements + n > SyncCodec::MaxElements) {
            // A root array is named as its smaller siblings are.
            if (root && array)
                return fail(
                    Code::NotAMap, QStringLiteral("the frame is a msgpack array, not a map"));
            return fail(Code::TooManyElements,
                QStringLiteral("the frame declares a msgpack %1 of %2 %3, past the %4 elements a "
                               "Sync1 message can hold")
                    .arg(array ? QStringLiteral("array") : QStringLiteral("map"),
                        QString::number(array ? n : n / 2),
                        array ? QStringLiteral("elements") : QStringLiteral("entries"),
                        QString::number(SyncCodec::MaxElements)));
        }
        elements += n;
        pending += n;
        return std::nullopt;
    };
    while (pending > 0) {
        const bool root = pos == 0;
        --pending;
        if (pos >= size)
            return notMsgpack();
        const unsigned char b = p[pos++];
        quint64 n = 0;
        std::optional<SyncCodecError> refused;
        bool ok = true;
        if (b <= 0x7f || b >= 0xe0 || b == 0xc0 || b == 0xc2 || b == 0xc3)
            continue;
        if ((b & 0xf0) == 0x80) { // fixmap
            refused = container(2 * quint64(b & 0x0f), false, root);
        } else if ((b & 0xf0) == 0x90) { // fixarray
            refused = container(b & 0x0f, true, root);
        } else if ((b & 0xe0) == 0xa0) { // fixstr
            ok = skip(b & 0x1f);
        } else {
            switch (b) {
            case 0xc4:
            case 0xd9: // bin8, str8
                ok = take(1, n) && skip(n);
                break;
            case 0xc5:
            case 0xda: // bin16, str16
                ok = take(2, n) && skip(n);
                break;
            case 0xc6:
            case 0xdb: // bin32, str32
                ok = take(4, n) && skip(n);
                break;
            case 0xc7: // ext8
                ok = take(1, n) && skip(n + 1);
                break;
            case 0xc8: // ext16
                ok = take(2, n) && skip(n + 1);
                break;
            case 0xc9: // ext32
                ok = take(4, n) && skip(n + 1);
                break;
            case 0xcc:
            case 0xd0:
                ok = skip(1);
                break;
            case 0xcd:
            case 0xd1:
            case 0xd4: // fixext1
                ok = skip(2);
                break;
            case 0xd5: // fixext2
                ok = skip(3);
                break;
            case 0xca:
            case 0xce:
            case 0xd2:
                ok = skip(4);
                break;
            case 0xd6: // fixext4
                ok = skip(5);
                break;
            case 0xcb:
            case 0xcf:
            case 0xd3:
                ok = skip(8);
                break;
            case 0xd7: // fixext8
                ok = skip(9);
                break;
            case 0xd8: // fixext16
                ok = skip(17);
                break;
            case 0xdc: // array16
                ok = take(2, n);
                if (ok)
                    refused = container(n, true, root);
                break;
            case 0xdd: // array32
                ok = take(4, n);
                if (ok)
                    refused = container(n, true, root);
                break;
            case 0xde: // map16
                ok = take(2, n);
                if (ok)
                    refused = container(2 * n, false, root);
                break;
            case 0xdf: // map32
                ok = take(4, n);
                if (ok)
                    refused = container(2 * n, false, root);
                break;
            default: // 0xc1 is never used
                ok = false;
            }
        }
        if (refused)
            return refused;
        if (!ok)
            return notMsgpack();
    }
    if (pos != size)
        return notMsgpack();
    return std::nullopt;
}

QString stringOf(const msgpack_object &o)
{
    return QString::fromUtf8(o.via.str.ptr, qsizetype(o.via.str.size));
}

const char *kindName(msgpack_object_type type)
{
    switch (type) {
    case MSGPACK_OBJECT_NIL:
        return "nil";
    case MSGPACK_OBJECT_BOOLEAN:
        return "bool";
    case MSGPACK_OBJECT_POSITIVE_INTEGER:
    case MSGPACK_OBJECT_NEGATIVE_INTEGER:
        return "integer";
    case MSGPACK_OBJECT_FLOAT32:
    case MSGPACK_OBJECT_FLOAT64:
        return "float";
    case MSGPACK_OBJECT_STR:
        return "str";
    case MSGPACK_OBJECT_ARRAY:
        return "array";
    case MSGPACK_OBJECT_MAP:
        return "map";
    case MSGPACK_OBJECT_BIN:
        return "bin";
    case MSGPACK_OBJECT_EXT:
        return "ext";
    }
    return "unknown";
}

struct Unpacked
{
    msgpack_unpacked value;
    Unpacked() { msgpack_unpacked_init(&value); }
    ~Unpacked() { msgpack_unpacked_destroy(&value); }
    Unpacked(const Unpacked &) = delete;
    Unpacked &operator=(const Unpacked &) = delete;
};

void packStr(msgpack_packer &pk, QByteArrayView text)
{
    msgpack_pack_str(&pk, size_t(text.size()));
    msgpack_pack_str_body(&pk, text.data(), size_t(text.size()));
}

int appendToByteArray(void *data, const char *buf, size_t len)
{
    static_cast<QByteArray *>(data)->append(buf, qsizetype(len));
    return 0;
}

} // namespace

QString SyncCodecError::codeName(Code code)
{
    switch (code) {
    case Code::NotMsgpack:
        return QStringLiteral("not-msgpack");
    case Code::NotAMap:
        return QStringLiteral("not-a-map");
    case Code::MissingField:
        return QStringLiteral("missing-field");
    case Code::WrongFieldType:
        return QStringLiteral("wrong-field-type");
    case Code::UnknownType:
        return QStringLiteral("unknown-type");
    case Code::BadEntityId:
        return QStringLiteral("bad-entity-id");
    case Code::TooManyElements:
        return QStringLiteral("too-many-elements");
    }
    return {};
}

Expected<SyncMessage, SyncCodecError> SyncCodec::decode(QByteArrayView frame)
{
    using Code = SyncCodecError::Code;
    if (auto refused = prescan(frame))
        return unexpected(*refused);

    Unpacked unpacked;
    size_t offset = 0;
    const msgpack_unpack_return ret
        = msgpack_unpack_next(&unpacked.value, frame.data(), size_t(frame.size()), &offset);
    if (ret != MSGPACK_UNPACK_SUCCESS || offset != size_t(frame.size()))
        return unexpected(
            fail(Code::NotMsgpack, QStringLiteral("the frame is not one msgpack value")));

    const msgpack_object &root = unpacked.value.data;
    if (root.type != MSGPACK_OBJECT_MAP) {
        return unexpected(fail(Code::NotAMap,
            QStringLiteral("the frame is a msgpack %1, not a map")
                .arg(QString::fromLatin1(kindName(root.type)))));
    }

    const msgpack_object *type = nullptr;
    const msgpack_object *entityId = nullptr;
    const msgpack_object *snapshot = nullptr;
    const msgpack_object *versionVector = nullptr;
    const msgpack_object *update = nullptr;
    for (uint32_t i = 0; i < root.via.map.size; ++i) {
        const msgpack_object_kv &kv = root.via.map.ptr[i];
        if (kv.key.type != MSGPACK_OBJECT_STR)
            continue; // keys of other kinds are no field of ours
        const QByteArrayView key(kv.key.via.str.ptr, qsizetype(kv.key.via.str.size));
        if (key == "type")
            type = &kv.val;
        else if (key == "entityId")
            entityId = &kv.val;
        else if (key == "snapshot")
            snapshot = &kv.val;
        else if (key == "versionVector")
            versionVector = &kv.val;
        else if (key == "update")
            update = &kv.val;
    }

    auto requireStr
        = [](const msgpack_object *o, const char *name) -> std::optional<SyncCodecError> {
        if (!o)
            return fail(Code::MissingField,
                QStringLiteral("field '%1' is missing").arg(QLatin1String(name)));
        if (o->type != MSGPACK_OBJECT_STR) {
            return fail(Code::WrongFieldType,
                QStringLiteral("field '%1' is a %2, not a str")
                    .arg(QLatin1String(name), QLatin1String(kindName(o->type))));
        }
        return std::nullopt;
    };
    auto requireBin
        = [](const msgpack_object *o, const char *name) -> std::optional<SyncCodecError> {
        if (!o)
            return fail(Code::MissingField,
                QStringLiteral("field '%1' is missing").arg(QLatin1String(name)));
        if (o->type != MSGPACK_OBJECT_BIN) {
            return fail(Code::WrongFieldType,
                QStringLiteral("field '%1' is a %2, not a bin")
                    .arg(QLatin1String(name), QLatin1String(kindName(o->type))));
        }
        return std::nullopt;
    };
    auto binOf = [](const msgpack_object *o) {
        return QByteArray(o->via.bin.ptr, qsizetype(o->via.bin.size));
    };

    if (auto error = requireStr(type, "type"))
        return unexpected(*error);
    const QByteArrayView typeName(type->via.str.ptr, qsizetype(type->via.str.size));

    SyncMessage message;
    if (typeName == "subscribe")
        message.type = SyncMessage::Type::Subscribe;
    else if (typeName == "unsubscribe")
        message.type = SyncMessage::Type::Unsubscribe;
    else if (typeName == "sendUpdate")
        message.type = SyncMessage::Type::SendUpdate;
    else if (typeName == "handleUpdate")
        message.type = SyncMessage::Type::HandleUpdate;
    else {
        return unexpected(fail(Code::UnknownType,
            QStringLiteral("unknown message type '%1'").arg(stringOf(*type).left(64))));
    }

    if (auto error = requireStr(entityId, "entityId"))
        return unexpected(*error);
    message.entityId = stringOf(*entityId);
    if (!EntityId::isValid(message.entityId)) {
        return unexpected(fail(Code::BadEntityId,
            QStringLiteral("entityId '%1' is not leaf: + 52 lowercase Crockford "
                           "base32 characters")
                .arg(message.entityId.left(80))));
    }

    switch (message.type) {
    case SyncMessage::Type::Subscribe:
        // The newest Leaf sends a version vector instead of a snapshot (protocol.md A1).
        if (versionVector) {
            if (auto error = requireBin(versionVector, "versionVector"))
                return unexpected(*error);
            message.payloadKind = SyncMessage::PayloadKind::VersionVector;
            message.payload = binOf(versionVector);
        } else {
            if (auto error = requireBin(snapshot, "snapshot"))
                return unexpected(*error);
            message.payloadKind = SyncMessage::PayloadKind::Snapshot;
            message.payload = binOf(snapshot);
        }
        break;
    case SyncMessage::Type::SendUpdate:
    case SyncMessage::Type::HandleUpdate:
        if (auto error = requireBin(update, "update"))
            return unexpected(*error);
        message.payloadKind = SyncMessage::PayloadKind::Update;
        message.payload = binOf(update);
        break;
    case SyncMessage::Type::Unsubscribe:
        break;
    }
    return message;
}

QByteArray SyncCodec::encode(const SyncMessage &message)
{
    QByteArray out;
    out.reserve(message.payload.size() + message.entityId.size() + 48);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &out, appendToByteArray);

    const QByteArray type = SyncMessage::typeName(message.type).toUtf8();
    const QByteArray entity = message.entityId.toUtf8();
    const bool hasPayload = message.payloadKind != SyncMessage::PayloadKind::None;
    msgpack_pack_map(&pk, hasPayload ? 3 : 2);
    packStr(pk, "type");
    packStr(pk, type);

    auto packPayload = [&] {
        QByteArrayView key;
        switch (message.payloadKind) {
        case SyncMessage::PayloadKind::Snapshot:
            key = "snapshot";
            break;
        case SyncMessage::PayloadKind::VersionVector:
            key = "versionVector";
            break;
        case SyncMessage::PayloadKind::Update:
            key = "update";
            break;
        case SyncMessage::PayloadKind::None:
            return;
        }
        packStr(pk, key);
        msgpack_pack_bin(&pk, size_t(message.payload.size()));
        msgpack_pack_bin_body(&pk, message.payload.constData(), size_t(message.payload.size()));
    };
    auto packEntity = [&] {
        packStr(pk, "entityId");
        packStr(pk, entity);
    };
    // @msgpack/msgpack keeps insertion order: subscribe/handleUpdate put the payload before
    // entityId, sendUpdate after it (protocol.md A3).
    if (message.type == SyncMessage::Type::SendUpdate
        || message.type == SyncMessage::Type::Unsubscribe) {
        packEntity();
        packPayload();
    } else {
        packPayload();
        packEntity();
    }
    return out;
}

QByteArray SyncCodec::encodeHandleUpdate(const QString &entityId, QByteArrayView update)
{
    SyncMessage message;
    message.type = SyncMessage::Type::HandleUpdate;
    message.entityId = entityId;
    message.payloadKind = SyncMessage::PayloadKind::Update;
    message.payload = update.toByteArray();
    return encode(message);
}

} // namespace canopy
