#pragma once

#include <QByteArray>
#include <QByteArrayView>

class QTcpSocket;

namespace canopy {

// Writes whole server frames (unmasked, FIN set) on the TCP connection under a QWebSocket.
//
// Why not QWebSocket::sendBinaryMessage: it copies every message twice (a detached copy for
// masking, then Qt's socket write buffer), so a fan-out to n subscribers costs n copies, and
// every connection keeps a 32 KiB write buffer whose pages fill up as frames pass through it.
// Here the frame goes straight to the kernel (one sendmsg with the header and the shared
// payload) whenever Qt has nothing queued for the socket; only what the kernel refuses is
// queued in Qt's buffer, by reference to the shared payload, so the order of frames holds.
class WebSocketFrameWriter final
{
public:
    // The header of one binary frame carrying `payloadSize` bytes (2, 4 or 10 bytes).
    static QByteArray binaryHeader(qint64 payloadSize);
    // A close frame: the code, then the reason cut to the 123 bytes a control frame allows
    // (at a UTF-8 character boundary).
    static QByteArray closeFrame(quint16 code, QByteArrayView reasonUtf8);

    // Sends one frame: `header` then `payload`. Returns the bytes the kernel took at once; the
    // rest waits in the socket's write buffer (see QAbstractSocket::bytesToWrite()).
    static qint64 write(QTcpSocket &socket, const QByteArray &header, const QByteArray &payload);
};

} // namespace canopy
