#pragma once

#include <QObject>

class QSocketNotifier;

namespace canopy {

// SIGTERM and SIGINT delivered into the event loop (self-pipe), so shutdown runs as normal code.
class ShutdownSignals final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ShutdownSignals)

public:
    explicit ShutdownSignals(QObject *parent = nullptr);
    ~ShutdownSignals() override;

Q_SIGNALS:
    void received(int signal);

private:
    QSocketNotifier *m_notifier = nullptr;
};

} // namespace canopy
