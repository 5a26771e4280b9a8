#include "sync/ConnectionDrain.h"

#include <cerrno>
#include <sys/socket.h>
#include <unistd.h>

#include <QSocketNotifier>
#include <QTimer>

namespace canopy {

void ConnectionDrain::start(int fd, int deadlineMs, qint64 budgetBytes)
{
    if (fd < 0)
        return;
    new ConnectionDrain(fd, deadlineMs, budgetBytes);
}

ConnectionDrain::ConnectionDrain(int fd, int deadlineMs, qint64 budgetBytes)
    : m_fd(fd)
    , m_budget(budgetBytes)
    , m_notifier(new QSocketNotifier(qintptr(fd), QSocketNotifier::Read, this))
    , m_deadline(new QTimer(this))
{
    // Everything Qt meant to send has gone out: our side ends here (FIN after the close frame).
    ::shutdown(m_fd, SHUT_WR);
    connect(m_notifier, &QSocketNotifier::activated, this, &ConnectionDrain::onReadable);
    m_deadline->setSingleShot(true);
    connect(m_deadline, &QTimer::timeout, this, &QObject::deleteLater);
    m_deadline->start(deadlineMs);
}

ConnectionDrain::~ConnectionDrain()
{
    m_notifier->setEnabled(false);
    ::close(m_fd);
}

void ConnectionDrain::onReadable()
{
    char buffer[65536];
    for (;;) {
        const ssize_t n = ::recv(m_fd, buffer, sizeof buffer, MSG_DONTWAIT);
        if (n > 0) {
            m_budget -= n;
            if (m_budget > 0)
                continue;
        } else if (n < 0 && (errno == EINTR)) {
            continue;
        } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            return;
        }
        // The peer closed, the connection failed or the budget is spent.
        m_notifier->setEnabled(false);
        deleteLater();
        return;
    }
}

} // namespace canopy
