#pragma once

#include <QObject>

class QSocketNotifier;
class QTimer;

namespace canopy {

// Keeps a connection open after Qt let go of it, so that the peer reads the close frame it was
// sent. Qt closes the TCP socket right after a close frame of its own (a message over the size
// limit, a protocol error); a peer still sending then gets a reset and reports 1006 instead of
// the code. The drain holds a duplicate of the socket, half-closes it, and reads and discards
// what still arrives until the peer closes, a byte budget is spent or a deadline passes.
class ConnectionDrain final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ConnectionDrain)

public:
    // Takes ownership of `fd` (a dup() of the connection); deletes itself when done.
    static void start(int fd, int deadlineMs, qint64 budgetBytes);

private:
    ConnectionDrain(int fd, int deadlineMs, qint64 budgetBytes);
    ~ConnectionDrain() override;
    void onReadable();

    int m_fd;
    qint64 m_budget;
    QSocketNotifier *m_notifier;
    QTimer *m_deadline;
};

} // namespace canopy
