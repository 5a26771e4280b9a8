#include "LoroTestClient.h"

#include "crdt/elo/EloRecord.h"
#include "crdt/ephemeral/EphemeralState.h"
#include "protocol/loro/LoroProtocolCodec.h"

#include <QTest>

using canopy::LoroProtocolCodec;
using canopy::LoroProtocolMessage;

namespace {

void appendVarUint(QByteArray &out, quint64 value)
{
    do {
        quint8 byte = value & 0x7f;
        value >>= 7;
        if (value)
            byte |= 0x80;
        out.append(char(byte));
    } while (value);
}

void appendVarBytes(QByteArray &out, const QByteArray &bytes)
{
    appendVarUint(out, quint64(bytes.size()));
    out += bytes;
}

QByteArray ivAndCiphertext(const QByteArray &keyId)
{
    QByteArray out;
    appendVarBytes(out, keyId);
    appendVarBytes(out, QByteArray::fromHex("1e0000000000000000000002"));
    appendVarBytes(out, QByteArray(32, char(0x5a))); // stand-in ciphertext with its tag
    return out;
}

} // namespace

LoroTestClient::LoroTestClient(
    quint16 port, const QString &did, const QString &token, QObject *parent)
    : QObject(parent)
    , m_token(token.toUtf8())
{
    connect(&m_socket, &QWebSocket::binaryMessageReceived, this, [this](const QByteArray &frame) {
        if (auto message = LoroProtocolCodec::decode(frame))
            received.append(*message);
    });
    connect(&m_socket, &QWebSocket::textMessageReceived, this,
        [this](const QString &text) { texts.append(text); });
    connect(&m_socket, &QWebSocket::disconnected, this,
        [this] { closeCode = int(m_socket.closeCode()); });
    m_socket.open(QUrl(QStringLiteral("ws://127.0.0.1:%1/loro/as/%2").arg(port).arg(did)));
}

bool LoroTestClient::waitConnected(int timeoutMs)
{
    return QTest::qWaitFor([this] { return isConnected(); }, timeoutMs);
}

bool LoroTestClient::isConnected() const
{
    return m_socket.state() == QAbstractSocket::ConnectedState;
}

void LoroTestClient::sendJoin(
    const QByteArray &magic, const QByteArray &room, const QByteArray &version)
{
    LoroProtocolMessage message;
    message.magic = magic;
    message.roomId = room;
    message.type = LoroProtocolMessage::Type::JoinRequest;
    message.auth = m_token;
    message.version = version;
    m_socket.sendBinaryMessage(LoroProtocolCodec::encode(message));
}

bool LoroTestClient::join(
    const QByteArray &magic, const QByteArray &room, const QByteArray &version, int timeoutMs)
{
    sendJoin(magic, room, version);
    return QTest::qWaitFor(
        [&] {
            for (const LoroProtocolMessage &message : std::as_const(received)) {
                if (message.magic == magic && message.roomId == room
                    && message.type == LoroProtocolMessage::Type::JoinResponseOk)
                    return true;
            }
            return false;
        },
        timeoutMs);
}

QByteArray LoroTestClient::sendUpdate(
    const QByteArray &magic, const QByteArray &room, const QByteArray &update)
{
    const QByteArray batch = LoroProtocolCodec::randomBatchId();
    for (const QByteArray &frame : LoroProtocolCodec::encodeUpdate(magic, room, update, batch))
        m_socket.sendBinaryMessage(frame);
    return batch;
}

bool LoroTestClient::waitAck(const QByteArray &batchId, int timeoutMs)
{
    return QTest::qWaitFor(
        [&] {
            for (const LoroProtocolMessage &message : std::as_const(received)) {
                if (message.type == LoroProtocolMessage::Type::Ack && message.batchId == batchId)
                    return message.status == LoroProtocolMessage::AckStatus::Ok;
            }
            return false;
        },
        timeoutMs);
}

void LoroTestClient::leave(const QByteArray &magic, const QByteArray &room)
{
    LoroProtocolMessage message;
    message.magic = magic;
    message.roomId = room;
    message.type = LoroProtocolMessage::Type::Leave;
    m_socket.sendBinaryMessage(LoroProtocolCodec::encode(message));
}

void LoroTestClient::sendText(const QString &text)
{
    m_socket.sendTextMessage(text);
}

void LoroTestClient::close()
{
    m_socket.close();
}

QByteArray LoroTestClient::eloDeltaSpan(
    const QByteArray &peer, quint32 start, quint32 end, const QByteArray &keyId)
{
    QByteArray record(1, char(0x00)); // DeltaSpan
    appendVarBytes(record, peer);
    appendVarUint(record, start);
    appendVarUint(record, end);
    return record + ivAndCiphertext(keyId);
}

QByteArray LoroTestClient::eloSnapshot(
    const QList<QPair<QByteArray, quint32>> &version, const QByteArray &keyId)
{
    QByteArray record(1, char(0x01)); // Snapshot
    appendVarUint(record, quint64(version.size()));
    for (const auto &[peer, counter] : version) {
        appendVarBytes(record, peer);
        appendVarUint(record, counter);
    }
    return record + ivAndCiphertext(keyId);
}

QByteArray LoroTestClient::eloContainer(const QList<QByteArray> &records)
{
    return canopy::elo::encodeContainer(records);
}

QByteArray LoroTestClient::ephemeralEntry(
    const QByteArray &key, const QString &value, qint64 timestampMs)
{
    // postcard EncodedState {key: &str, value: Option<LoroValue>, timestamp: i64}
    QByteArray entry;
    appendVarBytes(entry, key);
    if (value.isNull()) {
        entry.append(char(0x00)); // None: a deletion
    } else {
        entry.append(char(0x01));
        entry.append(char(0x04)); // LoroValue::String
        appendVarBytes(entry, value.toUtf8());
    }
    appendVarUint(entry, quint64((timestampMs << 1) ^ (timestampMs >> 63))); // zigzag
    return entry;
}

QByteArray LoroTestClient::ephemeralUpdate(const QList<QByteArray> &entries)
{
    return canopy::ephemeral::encodeUpdate(entries);
}
