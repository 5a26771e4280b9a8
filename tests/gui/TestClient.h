#pragma once

#include <QByteArray>
#include <QList>
#include <QObject>
#include <QWebSocket>

// A Sync1 client over a real QWebSocket: /sync/as/<did> with subprotocols
// "authorization, <token>", frames built with the core's SyncCodec.
class TestClient final : public QObject
{
    Q_OBJECT

public:
    TestClient(quint16 port, const QString &did, const QString &token, QObject *parent = nullptr);

    bool waitConnected(int timeoutMs = 5000);
    bool isConnected() const;
    void subscribe(const QString &entityId); // with an empty version vector
    void subscribeWithSnapshot(const QString &entityId, const QByteArray &snapshot);
    void unsubscribe(const QString &entityId);
    void sendUpdate(const QString &entityId, const QByteArray &blob);
    void sendRaw(const QByteArray &frame);
    void sendText(const QString &text);
    void close();

    QList<QByteArray> received;
    int closeCode = -1;

private:
    QWebSocket m_socket;
};
