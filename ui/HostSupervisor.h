#pragma once

#include "config/Config.h"

#include <functional>
#include <memory>

#include <QObject>

namespace canopy {
class Host;
}

namespace canopy::ui {

// Owns the running host and replaces it when the settings change: the old host stops
// gracefully (sessions closed with 1001, pending blocks flushed) before the new one binds the
// port. Announces every swap with hostChanged(); null while none serves.
class HostSupervisor final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(HostSupervisor)

public:
    static constexpr int StopTimeoutMs = 9000; // the host promises 5 s; never hang on it

    explicit HostSupervisor(std::unique_ptr<Host> host, QObject *parent = nullptr);
    ~HostSupervisor() override;

    bool start(); // starts the host given or last configured; false: see lastError()
    void restart(const Config &config);
    // Before start(): the host to start gets this configuration instead.
    void configure(const Config &config);
    void stop(); // graceful; stopped() follows
    Host *host() const; // the serving host, or null
    const Config &config() const { return m_config; }
    QString lastError() const { return m_lastError; }
    bool isBusy() const { return m_stopping; }

Q_SIGNALS:
    void hostChanged(canopy::Host *host);
    void startFailed(const QString &error);
    void keychainUnavailable(const QString &reason);
    void stopped();

private:
    void stopCurrent(std::function<void()> then);
    void adopt(std::unique_ptr<Host> host);

    std::unique_ptr<Host> m_host;
    Config m_config;
    QString m_lastError;
    bool m_running = false;
    bool m_stopping = false;
    std::function<void()> m_afterStop; // the latest request wins (a Quit during a restart)
};

} // namespace canopy::ui
