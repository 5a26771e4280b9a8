#include "TestClient.h"

#include "crdt/loro/LoroBlob.h"
#include "protocol/sync1/SyncCodec.h"

#include <QSignalSpy>
#include <QTest>
#include <QWebSocketHandshakeOptions>

TestClient::TestClient(quint16 port, const QString &did, const QString &token, QObject *parent)
    : QObject(parent)
{
    connect(&m_socket, &QWebSocket::binaryMessageReceived, this,
        [this](const QByteArray &frame) { received.append(frame); });
    connect(&m_socket, &QWebSocket::disconnected, this,
        [this] { closeCode = int(m_socket.closeCode()); });
    QWebSocketHandshakeOptions options;
    options.setSubprotocols({QStringLiteral("authorization"), token});
    m_socket.open(QUrl(QStringLiteral("ws://127.0.0.1:%1/sync/as/%2").arg(port).arg(did)), options);
}

bool TestClient::waitConnected(int timeoutMs)
{
    return QTest::qWaitFor([this] { return isConnected(); }, timeoutMs);
}

bool TestClient::isConnected() const
{
    return m_socket.state() == QAbstractSocket::ConnectedState;
}

void TestClient::subscribe(const QString &entityId)
{
    canopy::SyncMessage message;
    message.type = canopy::SyncMessage::Type::Subscribe;
    message.entityId = entityId;
    message.payloadKind = canopy::SyncMessage::PayloadKind::VersionVector;
    message.payload = canopy::loro::encodeVersionVector({});
    sendRaw(canopy::SyncCodec::encode(message));
}

void TestClient::subscribeWithSnapshot(const QString &entityId, const QByteArray &snapshot)
{
    canopy::SyncMessage message;
    message.type = canopy::SyncMessage::Type::Subscribe;
    message.entityId = entityId;
    message.payloadKind = canopy::SyncMessage::PayloadKind::Snapshot;
    message.payload = snapshot;
    sendRaw(canopy::SyncCodec::encode(message));
}

void TestClient::unsubscribe(const QString &entityId)
{
    canopy::SyncMessage message;
    message.type = canopy::SyncMessage::Type::Unsubscribe;
    message.entityId = entityId;
    sendRaw(canopy::SyncCodec::encode(message));
}

void TestClient::sendUpdate(const QString &entityId, const QByteArray &blob)
{
    canopy::SyncMessage message;
    message.type = canopy::SyncMessage::Type::SendUpdate;
    message.entityId = entityId;
    message.payloadKind = canopy::SyncMessage::PayloadKind::Update;
    message.payload = blob;
    sendRaw(canopy::SyncCodec::encode(message));
}

void TestClient::sendRaw(const QByteArray &frame)
{
    m_socket.sendBinaryMessage(frame);
}

void TestClient::sendText(const QString &text)
{
    m_socket.sendTextMessage(text);
}

void TestClient::close()
{
    m_socket.close();
}
