#include "HostSupervisor.h"

#include "host/Host.h"

#include <utility>

#include <QTimer>

namespace canopy::ui {

HostSupervisor::HostSupervisor(std::unique_ptr<Host> host, QObject *parent)
    : QObject(parent)
{
    adopt(std::move(host));
}

HostSupervisor::~HostSupervisor() = default;

void HostSupervisor::adopt(std::unique_ptr<Host> host)
{
    m_host = std::move(host);
    m_running = false;
    if (!m_host)
        return;
    m_config = m_host->config();
    // Connected before start(): the keychain may answer while the host starts.
    connect(m_host.get(), &Host::keychainUnavailable, this, &HostSupervisor::keychainUnavailable);
}

Host *HostSupervisor::host() const
{
    return m_running ? m_host.get() : nullptr;
}

bool HostSupervisor::start()
{
    if (!m_host)
        m_host = std::make_unique<Host>(m_config);
    QString error;
    if (!m_host->start(&error)) {
        m_lastError = error;
        m_running = false;
        Q_EMIT startFailed(error);
        return false;
    }
    m_lastError.clear();
    m_running = true;
    Q_EMIT hostChanged(m_host.get());
    return true;
}

void HostSupervisor::stopCurrent(std::function<void()> then)
{
    m_afterStop = std::move(then);
    if (m_stopping)
        return; // the stop under way runs the latest continuation
    if (!m_host || !m_running) {
        // Not serving (never started, or failed): nothing to wind down.
        m_running = false;
        QTimer::singleShot(0, this, [this] {
            if (auto next = std::exchange(m_afterStop, {}))
                next();
        });
        return;
    }
    m_stopping = true;
    Q_EMIT hostChanged(nullptr); // views let go before the host goes
    Host *old = m_host.get();
    auto done = std::make_shared<bool>(false);
    auto finish = [this, done] {
        if (*done)
            return;
        *done = true;
        // Not inside the host's own signal: the host is deleted here.
        QTimer::singleShot(0, this, [this] {
            m_host.reset();
            m_running = false;
            m_stopping = false;
            if (auto next = std::exchange(m_afterStop, {}))
                next();
        });
    };
    connect(old, &Host::stopped, this, finish);
    QTimer::singleShot(StopTimeoutMs, this, finish);
    old->stop();
}

void HostSupervisor::restart(const Config &config)
{
    m_config = config;
    stopCurrent([this] {
        adopt(std::make_unique<Host>(m_config));
        start();
    });
}

void HostSupervisor::configure(const Config &config)
{
    if (m_running || m_stopping)
        return;
    adopt(std::make_unique<Host>(config));
}

void HostSupervisor::stop()
{
    stopCurrent([this] { Q_EMIT stopped(); });
}

} // namespace canopy::ui
