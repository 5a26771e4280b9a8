#pragma once

#include <functional>

#include <QObject>

class QTimer;

namespace canopy::ui {

// Coalesces bursts of core signals into at most one model update per interval: the first event
// of a burst arms the timer and the rest only queue, so 10 000 frames a second cost ten
// repaints, not ten thousand. An idle model keeps no timer running.
class FlushTimer final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(FlushTimer)

public:
    static constexpr int DefaultIntervalMs = 100;

    FlushTimer(std::function<void()> flush, QObject *parent, int intervalMs = DefaultIntervalMs);

    void schedule(); // arms the timer unless it already runs
    void flushNow(); // runs the flush at once (tests, teardown)
    void cancel();
    bool isPending() const;

private:
    std::function<void()> m_flush;
    QTimer *m_timer;
};

} // namespace canopy::ui
