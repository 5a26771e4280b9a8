#pragma once

#include "protocol/loro/LoroProtocolMessage.h"

#include <QByteArray>
#include <QList>
#include <QObject>
#include <QWebSocket>

// A loro-protocol v1 client over a real QWebSocket: /loro/as/<did> without a subprotocol, the
// token as each JoinRequest's auth, frames built with the core's LoroProtocolCodec. Also the
// payloads the tests send for kinds without fixtures: ELO records and ephemeral updates, encoded
// by hand as the spec lays them out (loro-protocol.md §4.3, §4.5).
class LoroTestClient final : public QObject
{
    Q_OBJECT

public:
    LoroTestClient(
        quint16 port, const QString &did, const QString &token, QObject *parent = nullptr);

    bool waitConnected(int timeoutMs = 5000);
    bool isConnected() const;
    // JoinRequest with the token as auth; true once the host answered JoinResponseOk.
    bool join(const QByteArray &magic, const QByteArray &room, const QByteArray &version = {},
        int timeoutMs = 5000);
    void sendJoin(const QByteArray &magic, const QByteArray &room, const QByteArray &version = {});
    // One DocUpdate (or fragments) with a fresh batch id; returns the batch id.
    QByteArray sendUpdate(
        const QByteArray &magic, const QByteArray &room, const QByteArray &update);
    // True once the host acknowledged `batchId` with status ok.
    bool waitAck(const QByteArray &batchId, int timeoutMs = 5000);
    void leave(const QByteArray &magic, const QByteArray &room);
    void sendText(const QString &text);
    void close();

    // ELO: one DeltaSpan record for `peer` (decimal Loro peer id) over [start, end), with a
    // fixed iv and 32 bytes of stand-in ciphertext.
    static QByteArray eloDeltaSpan(
        const QByteArray &peer, quint32 start, quint32 end, const QByteArray &keyId);
    static QByteArray eloSnapshot(
        const QList<QPair<QByteArray, quint32>> &version, const QByteArray &keyId);
    static QByteArray eloContainer(const QList<QByteArray> &records);
    // Ephemeral: one entry whose value is a string (or a deletion when `value` is null).
    static QByteArray ephemeralEntry(
        const QByteArray &key, const QString &value, qint64 timestampMs);
    static QByteArray ephemeralUpdate(const QList<QByteArray> &entries);

    QList<canopy::LoroProtocolMessage> received;
    QStringList texts;
    int closeCode = -1;

private:
    QWebSocket m_socket;
    QByteArray m_token;
};
