// Frames written by WebSocketFrameWriter, read back by Qt's own WebSocket client over loopback:
// every size class of the length field, partial writes the kernel refuses, ordering behind data
// Qt still holds, and close frames with a reason cut at a character boundary.
#include "sync/WebSocketFrameWriter.h"

#include <QPointer>
#include <QRandomGenerator>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>
#include <QWebSocket>
#include <QWebSocketServer>

using namespace canopy;

class TestWebSocketFrameWriter final : public QObject
{
    Q_OBJECT

    // A WebSocket connection whose server side is the raw TCP socket, as the host holds it.
    struct Link
    {
        QTcpServer tcpServer;
        QWebSocketServer wsServer {QStringLiteral("test"), QWebSocketServer::NonSecureMode};
        QPointer<QTcpSocket> transport;
        QPointer<QWebSocket> serverSide;
        QWebSocket client;
        QList<QByteArray> received;

        // nextPendingConnection() hands the QWebSocket (and the TCP socket it took) to us.
        ~Link() { delete serverSide; }

        bool open()
        {
            if (!tcpServer.listen(QHostAddress::LocalHost, 0))
                return false;
            QObject::connect(&tcpServer, &QTcpServer::newConnection, &tcpServer, [this] {
                transport = tcpServer.nextPendingConnection();
                wsServer.handleConnection(transport);
            });
            QObject::connect(&wsServer, &QWebSocketServer::newConnection, &wsServer,
                [this] { serverSide = wsServer.nextPendingConnection(); });
            QObject::connect(&client, &QWebSocket::binaryMessageReceived, &client,
                [this](const QByteArray &message) { received.append(message); });
            client.open(QUrl(QStringLiteral("ws://127.0.0.1:%1/").arg(tcpServer.serverPort())));
            return QTest::qWaitFor(
                [this] { return serverSide && client.state() == QAbstractSocket::ConnectedState; });
        }
    };

    static QByteArray randomBytes(qsizetype size)
    {
        QByteArray bytes(size, Qt::Uninitialized);
        QRandomGenerator::global()->fillRange(reinterpret_cast<quint32 *>(bytes.data()), size / 4);
        return bytes;
    }

private Q_SLOTS:
    void headerSizeFollowsTheLengthClass_data()
    {
        QTest::addColumn<qint64>("payload");
        QTest::addColumn<int>("headerSize");
        QTest::newRow("empty") << qint64(0) << 2;
        QTest::newRow("125") << qint64(125) << 2;
        QTest::newRow("126") << qint64(126) << 4;
        QTest::newRow("65535") << qint64(65535) << 4;
        QTest::newRow("65536") << qint64(65536) << 10;
        QTest::newRow("4 GiB") << (qint64(1) << 32) << 10;
    }
    void headerSizeFollowsTheLengthClass()
    {
        QFETCH(qint64, payload);
        QFETCH(int, headerSize);
        const QByteArray header = WebSocketFrameWriter::binaryHeader(payload);
        QCOMPARE(header.size(), headerSize);
        QCOMPARE(quint8(header[0]), quint8(0x82)); // FIN, binary
        QCOMPARE(quint8(header[1]) & 0x80, 0); // never masked
    }

    void messagesOfEverySizeArriveWhole()
    {
        Link link;
        QVERIFY(link.open());
        QList<QByteArray> sent;
        for (const qsizetype size : {0, 1, 125, 126, 4096, 65535, 65536, 300000}) {
            sent.append(randomBytes(size));
            WebSocketFrameWriter::write(
                *link.transport, WebSocketFrameWriter::binaryHeader(size), sent.last());
        }
        QTRY_COMPARE(link.received.size(), sent.size());
        QCOMPARE(link.received, sent);
    }

    void whatTheKernelRefusesIsQueuedInOrder()
    {
        Link link;
        QVERIFY(link.open());
        link.transport->setSocketOption(QAbstractSocket::SendBufferSizeSocketOption, 4096);
        // The client cannot read before the event loop runs, so 8 MiB cannot all fit in the
        // kernel's buffers: part of it must wait in Qt's buffer, and what follows behind it.
        const QByteArray big = randomBytes(8 * 1024 * 1024);
        const QByteArray small = randomBytes(200);
        const qint64 taken = WebSocketFrameWriter::write(
            *link.transport, WebSocketFrameWriter::binaryHeader(big.size()), big);
        QVERIFY(taken < big.size());
        QCOMPARE(link.transport->bytesToWrite(), big.size() + 10 - taken);
        QCOMPARE(WebSocketFrameWriter::write(
                     *link.transport, WebSocketFrameWriter::binaryHeader(small.size()), small),
            0);
        QTRY_COMPARE_WITH_TIMEOUT(link.received.size(), 2, 20000);
        QCOMPARE(link.received.at(0).size(), big.size());
        QVERIFY(link.received.at(0) == big);
        QCOMPARE(link.received.at(1), small);
        QTRY_COMPARE(link.transport->bytesToWrite(), 0);
    }

    void framesWaitBehindWhatQtStillHolds()
    {
        Link link;
        QVERIFY(link.open());
        // A frame QWebSocket itself queued (not yet flushed) must leave first.
        const QByteArray first = randomBytes(50);
        link.serverSide->sendBinaryMessage(first);
        QVERIFY(link.transport->bytesToWrite() > 0);
        const QByteArray second = randomBytes(70);
        QCOMPARE(WebSocketFrameWriter::write(
                     *link.transport, WebSocketFrameWriter::binaryHeader(second.size()), second),
            0);
        QTRY_COMPARE(link.received.size(), 2);
        QCOMPARE(link.received.at(0), first);
        QCOMPARE(link.received.at(1), second);
    }

    void closeFrameCarriesCodeAndWholeCharacters()
    {
        Link link;
        QVERIFY(link.open());
        // 100 two-byte characters: 200 bytes, cut to at most 123 without splitting one.
        const QString reason = QString(100, QChar(0x00e9));
        const QByteArray frame = WebSocketFrameWriter::closeFrame(4403, reason.toUtf8());
        QCOMPARE(frame.size(), 4 + 122);
        WebSocketFrameWriter::write(*link.transport, frame, {});
        QSignalSpy closed(&link.client, &QWebSocket::disconnected);
        QTRY_COMPARE(closed.size(), 1);
        QCOMPARE(int(link.client.closeCode()), 4403);
        QCOMPARE(link.client.closeReason(), QString(61, QChar(0x00e9)));
    }
};

QTEST_GUILESS_MAIN(TestWebSocketFrameWriter)
#include "tst_websocketframewriter.moc"
