#include "sync/PeerSession.h"

#include "log/EventLog.h"
#include "log/LogCategories.h"
#include "log/Metrics.h"
#include "sync/ConnectionDrain.h"
#include "sync/DocumentHub.h"
#include "sync/WebSocketFrameWriter.h"

#include <sys/socket.h>
#include <unistd.h>

#include <QDateTime>
#include <QMetaMethod>
#include <QSslSocket>
#include <QTimer>
#include <QWebSocket>

namespace canopy {

namespace {
constexpr int kCloseGraceMs = 2000; // for the peer to answer our close frame
constexpr int kDrainGraceMs = 10000; // when frames are still queued ahead of the close frame
constexpr int kQtCloseDrainMs = 5000; // for a peer still sending when Qt closed on its own
// What the kernel may still hand over from a peer that is cut off: enough to notice its close.
constexpr qint64 kCutOffReadBufferBytes = 4096;
} // namespace

PeerSession::PeerSession(quint64 id, QWebSocket *socket, QString did, DocumentHub &hub,
    EventLog &log, const SessionLimits &limits, QObject *parent)
    : QObject(parent)
    , m_id(id)
    , m_socket(socket)
    , m_did(std::move(did))
    , m_hub(hub)
    , m_log(log)
    , m_limits(limits)
    , m_connectedAt(QDateTime::currentDateTimeUtc())
    , m_pingTimer(new QTimer(this))
{
    m_socket->setParent(this);
    // Qt closes with 1009 (message too big) by itself once a message passes these limits.
    m_socket->setMaxAllowedIncomingMessageSize(quint64(m_limits.maxMessageBytes));
    m_socket->setMaxAllowedIncomingFrameSize(quint64(m_limits.maxMessageBytes));
    connect(m_socket, &QWebSocket::binaryMessageReceived, this, &PeerSession::onBinaryMessage);
    connect(m_socket, &QWebSocket::textMessageReceived, this, &PeerSession::onTextMessage);
    connect(m_socket, &QWebSocket::disconnected, this, &PeerSession::onDisconnected);
    connect(m_socket, &QWebSocket::aboutToClose, this, &PeerSession::onQtClosing);
    connect(m_socket, &QWebSocket::pong, this, [this] {
        m_awaitingPong = false;
        m_missedPongs = 0;
    });
    connect(m_pingTimer, &QTimer::timeout, this, &PeerSession::onPingTick);
    m_pingTimer->start(m_limits.pingIntervalMs);
    m_pingTokens = m_limits.pingBurst;
    m_pingClock.start();
    watchPings();
}

void PeerSession::watchPings()
{
    // Qt answers every ping by itself, writing the pong to the transport whether the peer reads
    // or not, and Qt 6.4 has neither a switch for that nor a signal for a received ping. Its
    // frame parser, a child of the socket, does announce each one (after the pong is queued):
    // listening there lets pings be rate-limited and their pongs counted against the send
    // queue. Should a later Qt lack it, the queue is still checked after every read.
    static const QMetaMethod slot
        = staticMetaObject.method(staticMetaObject.indexOfSlot("onPingReceived()"));
    const QList<QObject *> children = m_socket->findChildren<QObject *>(Qt::FindDirectChildrenOnly);
    for (QObject *child : children) {
        const QMetaObject *meta = child->metaObject();
        const int signal = meta->indexOfSignal("pingReceived(QByteArray)");
        if (qstrcmp(meta->className(), "QWebSocketDataProcessor") == 0 && signal >= 0) {
            connect(child, meta->method(signal), this, slot);
            return;
        }
    }
    static bool warned = false;
    if (!std::exchange(warned, true))
        m_log.record(QtWarningMsg, lcSync(),
            QStringLiteral("this Qt does not announce received pings: they are not rate-limited"));
}

PeerSession::~PeerSession()
{
    if (!m_closed)
        m_hub.memberClosed(this); // the hub keys members by address only
    if (m_drainFd >= 0)
        ::close(m_drainFd);
}

void PeerSession::setTransport(QTcpSocket *transport)
{
    m_transport = transport;
    if (!transport)
        return;
    // Frames are whole messages written at once: Nagle would hold a small one (an answer's
    // second message) until the peer's delayed ACK, some 40 ms later.
    transport->setSocketOption(QAbstractSocket::LowDelayOption, 1);
    // Qt's own close (a message over the limit) ends with the transport: then the drain takes
    // over the duplicate kept in onQtClosing().
    connect(transport, &QAbstractSocket::disconnected, this, [this] {
        if (m_drainFd < 0)
            return;
        const qint64 budget = 2 * m_limits.maxMessageBytes + (1 << 20);
        ConnectionDrain::start(std::exchange(m_drainFd, -1), kQtCloseDrainMs, budget);
    });
    // Qt has handled what arrived (connected after Qt's own reader, so this runs second): what
    // it queued by itself, pongs and close replies, counts against the cap too.
    connect(transport, &QIODevice::readyRead, this, [this] {
        if (!m_closed && !m_closeSent)
            withinQueueLimit(0);
    });
}

QHostAddress PeerSession::remoteAddress() const
{
    return m_socket->peerAddress();
}

LogFields PeerSession::fields() const
{
    return {{QStringLiteral("session"), idString()}, {QStringLiteral("did"), m_did}};
}

void PeerSession::grantIdentity(const ConnectionGrant &grant)
{
    m_grant = grant;
    Q_EMIT authenticated(this);
}

void PeerSession::countIn(const QString &type, const QString &kind, qint64 bytes)
{
    if (m_metrics)
        m_metrics->countFrame(Metrics::Direction::In, protocolName(), kind, type, bytes);
}

bool PeerSession::admitOutgoing(qint64 bytes)
{
    if (m_closed || m_closeSent || m_socket->state() != QAbstractSocket::ConnectedState)
        return false;
    return withinQueueLimit(bytes);
}

qint64 PeerSession::queuedBytes() const
{
    if (!m_transport)
        return 0;
    // QSslSocket counts only what waits for encryption; what waits for the kernel, encrypted,
    // sits in its plain socket.
    const auto *tls = qobject_cast<const QSslSocket *>(m_transport.data());
    return m_transport->bytesToWrite() + (tls ? tls->encryptedBytesToWrite() : 0);
}

bool PeerSession::withinQueueLimit(qint64 adding)
{
    // A peer that does not read must not grow the host's memory without bound. Frames go to
    // the kernel directly while it takes them; what it refused waits in Qt's write buffer,
    // which is flushed before judging: only bytes the kernel still refuses count.
    if (!m_transport || queuedBytes() + adding <= m_limits.maxQueueBytes)
        return true;
    m_transport->flush();
    if (queuedBytes() + adding <= m_limits.maxQueueBytes)
        return true;
    LogFields queued = fields();
    queued.append({QStringLiteral("queued"), QString::number(queuedBytes())});
    m_log.record(
        QtWarningMsg, lcSync(), QStringLiteral("session closed: the peer does not read"), queued);
    if (m_metrics)
        m_metrics->countRefusal(QStringLiteral("send-queue-full"));
    stopReading();
    close(QWebSocketProtocol::CloseCode(1013), // try again later
        QStringLiteral("outgoing queue over %1 bytes: the peer is not reading")
            .arg(m_limits.maxQueueBytes),
        true);
    return false;
}

void PeerSession::stopReading()
{
    if (!m_transport)
        return;
    // Qt reads and answers frames by itself (pongs included). A peer cut off for breaking the
    // rules costs nothing more: Qt's reader lets go, what is buffered is dropped unread (which
    // also ends the read Qt may be in the middle of), and the kernel holds the rest back.
    QObject::disconnect(m_transport, &QIODevice::readyRead, m_socket, nullptr);
    m_transport->setReadBufferSize(kCutOffReadBufferBytes);
    m_transport->skip(m_transport->bytesAvailable());
}

void PeerSession::onPingReceived()
{
    if (m_closed)
        return;
    const qint64 now = m_pingClock.elapsed();
    m_pingTokens = std::min(double(m_limits.pingBurst),
        m_pingTokens + double(now - m_pingRefilledMs) * m_limits.pingsPerSecond / 1000.0);
    m_pingRefilledMs = now;
    if (m_pingTokens >= 1) {
        m_pingTokens -= 1;
    } else {
        if (m_metrics)
            m_metrics->countRefusal(QStringLiteral("ping-flood"));
        rejectFrame(QStringLiteral("ping-flood"),
            QStringLiteral("more than %1 pings a second").arg(m_limits.pingsPerSecond));
        if (m_closed)
            return;
    }
    // Qt has just queued the pong.
    withinQueueLimit(0);
}

void PeerSession::sendFrame(const QByteArray &frame)
{
    if (!admitOutgoing(frame.size()))
        return;
    if (m_transport && m_transport->state() == QAbstractSocket::ConnectedState)
        WebSocketFrameWriter::write(
            *m_transport, WebSocketFrameWriter::binaryHeader(frame.size()), frame);
    else
        m_socket->sendBinaryMessage(frame);
    ++m_traffic.framesOut;
    m_traffic.bytesOut += quint64(frame.size());
    if (m_metrics) {
        const FrameLabel label = labelOf(frame);
        m_metrics->countFrame(
            Metrics::Direction::Out, protocolName(), label.kind, label.type, frame.size());
    }
    Q_EMIT frameSent(this, frame);
}

void PeerSession::sendText(const QString &text)
{
    const QByteArray utf8 = text.toUtf8();
    if (!admitOutgoing(utf8.size()))
        return;
    m_socket->sendTextMessage(text);
    ++m_traffic.framesOut;
    m_traffic.bytesOut += quint64(utf8.size());
    if (m_metrics)
        m_metrics->countFrame(
            Metrics::Direction::Out, protocolName(), {}, QStringLiteral("text"), utf8.size());
    Q_EMIT textFrameSent(this, text);
}

void PeerSession::deliverFrames(const QList<QByteArray> &frames)
{
    for (const QByteArray &frame : frames)
        sendFrame(frame);
}

void PeerSession::evict(const QString &reason)
{
    close(QWebSocketProtocol::CloseCode(4403), reason, true);
}

void PeerSession::close(QWebSocketProtocol::CloseCode code, const QString &reason, bool cutOff)
{
    if (cutOff && !m_closed) {
        m_closed = true;
        m_hub.memberClosed(this);
    }
    if (m_socket->state() == QAbstractSocket::UnconnectedState || m_closeSent)
        return;
    m_closeSent = true;
    m_pingTimer->stop();
    // A peer that never answers the close handshake must not keep the session alive. One that
    // still has frames queued gets longer, so it can read them and then the close code.
    const auto abortLater = [this](int graceMs) {
        QTimer::singleShot(graceMs, m_socket, [socket = m_socket] { socket->abort(); });
    };

    // QWebSocket::close() closes the TCP socket right after its close frame; a peer still
    // sending then gets a reset and reports 1006 instead of our code. So the close frame goes
    // out on the transport directly, followed by a half-close, and the connection ends when the
    // peer answers (QWebSocket then finishes the handshake as for a peer-initiated close).
    if (!m_transport || m_transport->state() != QAbstractSocket::ConnectedState) {
        abortLater(kCloseGraceMs);
        m_socket->close(code, reason);
        return;
    }
    WebSocketFrameWriter::write(
        *m_transport, WebSocketFrameWriter::closeFrame(quint16(code), reason.toUtf8()), {});
    if (qobject_cast<QSslSocket *>(m_transport.data())) {
        // Under TLS the descriptor carries records, not frames: no half-close behind the TLS
        // session's back. The peer answers the close frame and Qt ends the connection then.
        m_transport->flush();
        abortLater(queuedBytes() == 0 ? kCloseGraceMs : kDrainGraceMs);
        return;
    }
    auto halfClose = [transport = m_transport] {
        if (transport && transport->bytesToWrite() == 0 && transport->socketDescriptor() >= 0)
            ::shutdown(int(transport->socketDescriptor()), SHUT_WR);
    };
    m_transport->flush();
    if (m_transport->bytesToWrite() == 0) {
        abortLater(kCloseGraceMs);
        halfClose();
    } else {
        abortLater(kDrainGraceMs);
        connect(m_transport, &QTcpSocket::bytesWritten, this, halfClose);
    }
}

void PeerSession::onQtClosing()
{
    // Qt is about to close the transport right after a close frame of its own. Keep a
    // duplicate of the connection so that the peer, possibly still sending a message that was
    // too big, can finish and read the close code (see ConnectionDrain).
    if (m_closeSent || m_drainFd >= 0 || !m_transport
        || m_transport->state() != QAbstractSocket::ConnectedState
        || m_transport->socketDescriptor() < 0)
        return;
    m_drainFd = ::dup(int(m_transport->socketDescriptor()));
    if (m_socket->closeCode() == QWebSocketProtocol::CloseCodeTooMuchData && m_metrics)
        m_metrics->countRefusal(QStringLiteral("max-message"));
}

void PeerSession::onBinaryMessage(const QByteArray &frame)
{
    if (m_closed)
        return;
    ++m_traffic.framesIn;
    m_traffic.bytesIn += quint64(frame.size());
    Q_EMIT frameReceived(this, frame);
    handleBinary(frame);
}

void PeerSession::onTextMessage(const QString &text)
{
    if (m_closed)
        return;
    ++m_traffic.framesIn;
    ++m_traffic.textFrames;
    m_traffic.bytesIn += quint64(text.toUtf8().size());
    Q_EMIT textFrameReceived(this, text);
    handleText(text);
}

void PeerSession::handleText(const QString &text)
{
    m_hub.countTextFrame();
    countIn(QStringLiteral("text"), {}, text.toUtf8().size());
    m_log.record(QtDebugMsg, lcSync(), QStringLiteral("text frame ignored"), fields());
}

void PeerSession::rejectFrame(const QString &reason, const QString &detail, LogFields extra)
{
    ++m_traffic.badFrames;
    m_hub.countBadFrame(reason);
    LogFields all = fields();
    all.append({QStringLiteral("reason"), reason});
    all.append(extra);
    m_log.record(QtWarningMsg, lcSync(), QStringLiteral("frame dropped: %1").arg(detail), all);

    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    m_badFrameTimes.append(now);
    while (!m_badFrameTimes.isEmpty() && m_badFrameTimes.front() <= now - 60000)
        m_badFrameTimes.removeFirst();
    if (m_badFrameTimes.size() > m_limits.badFramesPerMinute) {
        m_log.record(QtWarningMsg, lcSync(), QStringLiteral("session closed: too many bad frames"),
            fields());
        stopReading();
        close(QWebSocketProtocol::CloseCodePolicyViolated,
            QStringLiteral("more than %1 bad frames in a minute").arg(m_limits.badFramesPerMinute),
            true);
    }
}

void PeerSession::onPingTick()
{
    if (m_awaitingPong && ++m_missedPongs >= 2) {
        m_log.record(
            QtInfoMsg, lcSync(), QStringLiteral("session closed: missed two pongs"), fields());
        m_pingTimer->stop();
        close(QWebSocketProtocol::CloseCodeGoingAway, QStringLiteral("ping timeout"));
        return;
    }
    m_awaitingPong = true;
    m_socket->ping();
}

void PeerSession::onDisconnected()
{
    m_pingTimer->stop();
    const bool wasClosed = m_closed;
    m_closed = true;
    if (!wasClosed)
        m_hub.memberClosed(this);
    LogFields ended = fields();
    ended.append({QStringLiteral("code"), QString::number(int(m_socket->closeCode()))});
    m_log.record(QtInfoMsg, lcSync(), QStringLiteral("session ended"), ended);
    Q_EMIT closed(this);
}

} // namespace canopy
