#include "common/FlushTimer.h"

#include <QTimer>

namespace canopy::ui {

FlushTimer::FlushTimer(std::function<void()> flush, QObject *parent, int intervalMs)
    : QObject(parent)
    , m_flush(std::move(flush))
    , m_timer(new QTimer(this))
{
    m_timer->setSingleShot(true);
    m_timer->setInterval(intervalMs);
    connect(m_timer, &QTimer::timeout, this, [this] { m_flush(); });
}

void FlushTimer::schedule()
{
    if (!m_timer->isActive())
        m_timer->start();
}

void FlushTimer::flushNow()
{
    m_timer->stop();
    m_flush();
}

void FlushTimer::cancel()
{
    m_timer->stop();
}

bool FlushTimer::isPending() const
{
    return m_timer->isActive();
}

} // namespace canopy::ui
