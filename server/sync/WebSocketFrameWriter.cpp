#include "sync/WebSocketFrameWriter.h"

#include <cerrno>
#include <sys/socket.h>
#include <sys/uio.h>

#include <QSslSocket>
#include <QTcpSocket>

namespace canopy {

QByteArray WebSocketFrameWriter::binaryHeader(qint64 payloadSize)
{
    QByteArray header;
    header.reserve(10);
    header.append(char(0x82)); // FIN + binary; a server never masks
    if (payloadSize < 126) {
        header.append(char(payloadSize));
    } else if (payloadSize <= 0xffff) {
        header.append(char(126));
        header.append(char((payloadSize >> 8) & 0xff));
        header.append(char(payloadSize & 0xff));
    } else {
        header.append(char(127));
        for (int shift = 56; shift >= 0; shift -= 8)
            header.append(char((quint64(payloadSize) >> shift) & 0xff));
    }
    return header;
}

QByteArray WebSocketFrameWriter::closeFrame(quint16 code, QByteArrayView reasonUtf8)
{
    qsizetype length = qMin<qsizetype>(reasonUtf8.size(), 123);
    // Never split a UTF-8 sequence: back up over continuation bytes.
    if (length < reasonUtf8.size()) {
        while (length > 0 && (quint8(reasonUtf8[length]) & 0xc0) == 0x80)
            --length;
    }
    QByteArray frame;
    frame.reserve(4 + length);
    frame.append(char(0x88)); // FIN + close
    frame.append(char(2 + length));
    frame.append(char(code >> 8));
    frame.append(char(code & 0xff));
    frame.append(reasonUtf8.first(length));
    return frame;
}

qint64 WebSocketFrameWriter::write(
    QTcpSocket &socket, const QByteArray &header, const QByteArray &payload)
{
    const qint64 total = header.size() + payload.size();
    qint64 sent = 0;
    // Anything already queued must leave first, so only an idle socket is written directly;
    // a TLS socket never is (its descriptor carries encrypted records).
    if (socket.bytesToWrite() == 0 && socket.socketDescriptor() >= 0
        && !qobject_cast<QSslSocket *>(&socket)) {
        iovec parts[2] = {{const_cast<char *>(header.constData()), size_t(header.size())},
            {const_cast<char *>(payload.constData()), size_t(payload.size())}};
        msghdr message {};
        message.msg_iov = parts;
        message.msg_iovlen = payload.isEmpty() ? 1 : 2;
        ssize_t written;
        do {
            written = ::sendmsg(int(socket.socketDescriptor()), &message, MSG_NOSIGNAL);
        } while (written < 0 && errno == EINTR);
        // On EAGAIN everything is queued below; on a broken connection too, and Qt's own
        // write attempt then reports the error and disconnects the socket as usual.
        if (written > 0)
            sent = written;
    }
    if (sent < header.size()) {
        socket.write(sent == 0 ? header : header.sliced(sent));
        socket.write(payload); // by reference: Qt shares a QByteArray of 4 KiB or more
    } else if (sent < total) {
        const qint64 offset = sent - header.size();
        socket.write(offset == 0 ? payload : payload.sliced(offset));
    }
    return sent;
}

} // namespace canopy
