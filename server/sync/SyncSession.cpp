#include "sync/SyncSession.h"

#include "log/EventLog.h"
#include "log/LogCategories.h"
#include "log/Metrics.h"
#include "loro/LoroBlob.h"
#include "sync/EntityHub.h"
#include "sync/SyncCodec.h"
#include "sync/WebSocketFrameWriter.h"

#include <sys/socket.h>

#include <QDateTime>
#include <QTimer>
#include <QWebSocket>

namespace canopy {

namespace {
constexpr int kCloseGraceMs = 2000; // for the peer to answer our close frame
constexpr int kDrainGraceMs = 10000; // when frames are still queued ahead of the close frame
} // namespace

SyncSession::SyncSession(quint64 id, QWebSocket *socket, ConnectionGrant grant, EntityHub &hub,
    EventLog &log, const SessionLimits &limits, QObject *parent)
    : QObject(parent)
    , m_id(id)
    , m_socket(socket)
    , m_grant(std::move(grant))
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
    connect(m_socket, &QWebSocket::binaryMessageReceived, this, &SyncSession::onBinaryMessage);
    connect(m_socket, &QWebSocket::textMessageReceived, this, &SyncSession::onTextMessage);
    connect(m_socket, &QWebSocket::disconnected, this, &SyncSession::onDisconnected);
    connect(m_socket, &QWebSocket::pong, this, [this] {
        m_awaitingPong = false;
        m_missedPongs = 0;
    });
    connect(m_pingTimer, &QTimer::timeout, this, &SyncSession::onPingTick);
    m_pingTimer->start(m_limits.pingIntervalMs);
}

SyncSession::~SyncSession()
{
    if (!m_closed)
        m_hub.sessionClosed(this);
}

QHostAddress SyncSession::remoteAddress() const
{
    return m_socket->peerAddress();
}

void SyncSession::sendFrame(const QByteArray &frame)
{
    if (m_closed || m_closeSent || m_socket->state() != QAbstractSocket::ConnectedState)
        return;
    // A peer that does not read must not grow the host's memory without bound. Frames go to
    // the kernel directly while it takes them; what it refused waits in Qt's write buffer,
    // which is flushed before judging: only bytes the kernel still refuses count.
    if (m_transport && m_transport->bytesToWrite() + frame.size() > m_limits.maxQueueBytes)
        m_transport->flush();
    if (m_transport && m_transport->bytesToWrite() + frame.size() > m_limits.maxQueueBytes) {
        m_log.record(QtWarningMsg, lcSync(),
            QStringLiteral("session closed: the peer does not read"),
            {{QStringLiteral("session"), idString()}, {QStringLiteral("did"), m_grant.did},
                {QStringLiteral("queued"), QString::number(m_transport->bytesToWrite())}});
        if (m_metrics)
            m_metrics->countRefusal(QStringLiteral("send-queue-full"));
        close(QWebSocketProtocol::CloseCode(1013), // try again later
            QStringLiteral("outgoing queue over %1 bytes: the peer is not reading")
                .arg(m_limits.maxQueueBytes),
            true);
        return;
    }
    if (m_transport && m_transport->state() == QAbstractSocket::ConnectedState)
        WebSocketFrameWriter::write(
            *m_transport, WebSocketFrameWriter::binaryHeader(frame.size()), frame);
    else
        m_socket->sendBinaryMessage(frame);
    ++m_traffic.framesOut;
    m_traffic.bytesOut += quint64(frame.size());
    if (m_metrics)
        m_metrics->countFrame(
            Metrics::Direction::Out, QStringLiteral("handleUpdate"), frame.size());
    Q_EMIT frameSent(this, frame);
}

void SyncSession::close(QWebSocketProtocol::CloseCode code, const QString &reason, bool cutOff)
{
    if (cutOff && !m_closed) {
        m_closed = true;
        m_hub.sessionClosed(this);
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

void SyncSession::onBinaryMessage(const QByteArray &frame)
{
    if (m_closed)
        return;
    ++m_traffic.framesIn;
    m_traffic.bytesIn += quint64(frame.size());
    Q_EMIT frameReceived(this, frame);

    auto decoded = SyncCodec::decode(frame);
    if (m_metrics) {
        m_metrics->countFrame(Metrics::Direction::In,
            decoded ? SyncMessage::typeName(decoded->type) : QStringLiteral("invalid"),
            frame.size());
    }
    if (!decoded) {
        rejectFrame(SyncCodecError::codeName(decoded.error().code), decoded.error().message);
        return;
    }
    const SyncMessage &message = *decoded;
    switch (message.type) {
    case SyncMessage::Type::Subscribe:
        if (!m_subscriptions.contains(message.entityId)
            && m_subscriptions.size() >= m_limits.maxSubscriptions) {
            m_log.record(QtWarningMsg, lcSync(),
                QStringLiteral(
                    "subscribe refused: the session holds its maximum of %1 subscriptions")
                    .arg(m_limits.maxSubscriptions),
                {{QStringLiteral("session"), idString()}, {QStringLiteral("did"), m_grant.did},
                    {QStringLiteral("entity"), message.entityId}});
            if (m_metrics)
                m_metrics->countRefusal(QStringLiteral("max-subscriptions"));
            return;
        }
        if (message.payloadKind == SyncMessage::PayloadKind::VersionVector) {
            auto version = loro::decodeVersionVector(message.payload);
            if (!version) {
                rejectFrame(loro::describe(version.error().code), version.error().message,
                    message.entityId);
                return;
            }
            m_hub.subscribe(this, message.entityId, *version, {});
        } else {
            auto blob = loro::LoroBlob::parse(message.payload);
            if (!blob) {
                rejectFrame(
                    loro::describe(blob.error().code), blob.error().message, message.entityId);
                return;
            }
            m_hub.subscribe(this, message.entityId, blob->version, std::move(blob->blocks));
        }
        return;
    case SyncMessage::Type::Unsubscribe:
        m_hub.unsubscribe(this, message.entityId);
        return;
    case SyncMessage::Type::SendUpdate: {
        auto blob = loro::LoroBlob::parse(message.payload);
        if (!blob) {
            rejectFrame(loro::describe(blob.error().code), blob.error().message, message.entityId);
            return;
        }
        m_hub.sendUpdate(this, message.entityId, std::move(blob->blocks));
        return;
    }
    case SyncMessage::Type::HandleUpdate:
        rejectFrame(QStringLiteral("unexpected-type"),
            QStringLiteral("handleUpdate is sent by the host, not to it"), message.entityId);
        return;
    }
}

void SyncSession::onTextMessage(const QString &text)
{
    if (m_closed)
        return;
    // The original ignores text frames; so does Canopy, but it counts them.
    ++m_traffic.framesIn;
    ++m_traffic.textFrames;
    m_traffic.bytesIn += quint64(text.size());
    m_hub.countTextFrame();
    if (m_metrics)
        m_metrics->countFrame(Metrics::Direction::In, QStringLiteral("text"), text.toUtf8().size());
    Q_EMIT textFrameReceived(this, text);
    m_log.record(QtDebugMsg, lcSync(), QStringLiteral("text frame ignored"),
        {{QStringLiteral("session"), idString()}, {QStringLiteral("did"), m_grant.did}});
}

void SyncSession::rejectFrame(const QString &reason, const QString &detail, const QString &entityId)
{
    ++m_traffic.badFrames;
    m_hub.countBadFrame(reason);
    LogFields fields {{QStringLiteral("session"), idString()}, {QStringLiteral("did"), m_grant.did},
        {QStringLiteral("reason"), reason}};
    if (!entityId.isEmpty())
        fields.append({QStringLiteral("entity"), entityId});
    m_log.record(QtWarningMsg, lcSync(), QStringLiteral("frame dropped: %1").arg(detail), fields);

    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    m_badFrameTimes.append(now);
    while (!m_badFrameTimes.isEmpty() && m_badFrameTimes.front() <= now - 60000)
        m_badFrameTimes.removeFirst();
    if (m_badFrameTimes.size() > m_limits.badFramesPerMinute) {
        m_log.record(QtWarningMsg, lcSync(), QStringLiteral("session closed: too many bad frames"),
            {{QStringLiteral("session"), idString()}, {QStringLiteral("did"), m_grant.did}});
        close(QWebSocketProtocol::CloseCodePolicyViolated,
            QStringLiteral("more than %1 bad frames in a minute").arg(m_limits.badFramesPerMinute),
            true);
    }
}

void SyncSession::onPingTick()
{
    if (m_awaitingPong && ++m_missedPongs >= 2) {
        m_log.record(QtInfoMsg, lcSync(), QStringLiteral("session closed: missed two pongs"),
            {{QStringLiteral("session"), idString()}, {QStringLiteral("did"), m_grant.did}});
        m_pingTimer->stop();
        close(QWebSocketProtocol::CloseCodeGoingAway, QStringLiteral("ping timeout"));
        return;
    }
    m_awaitingPong = true;
    m_socket->ping();
}

void SyncSession::onDisconnected()
{
    m_pingTimer->stop();
    const bool wasClosed = m_closed;
    m_closed = true;
    if (!wasClosed)
        m_hub.sessionClosed(this);
    m_log.record(QtInfoMsg, lcSync(), QStringLiteral("session ended"),
        {{QStringLiteral("session"), idString()}, {QStringLiteral("did"), m_grant.did},
            {QStringLiteral("code"), QString::number(int(m_socket->closeCode()))}});
    Q_EMIT closed(this);
}

} // namespace canopy
