#include "CommandLine.h"
#include "RestoreCommand.h"
#include "host/Host.h"
#include "log/JsonLogSink.h"
#include "util/ShutdownSignals.h"

#include <cstdio>
#include <memory>
#include <sys/stat.h>

#include <QCoreApplication>
#include <QTimer>

#ifdef CANOPY_WITH_GUI
#include "WindowMain.h"

#include <QApplication>
#endif

namespace {

void setIdentity()
{
    QCoreApplication::setOrganizationName(QStringLiteral("Canopy"));
    QCoreApplication::setApplicationName(QStringLiteral("canopy"));
    QCoreApplication::setApplicationVersion(QStringLiteral(CANOPY_VERSION));
}

// A window needs a display; without one Canopy hosts headless.
bool wantsWindow(int argc, char *argv[])
{
#ifdef CANOPY_WITH_GUI
    for (int i = 1; i < argc; ++i) {
        const QByteArrayView arg(argv[i]);
        if (arg == "--headless" || arg == "--help" || arg == "-h" || arg == "--version"
            || arg == "-v" || arg == "--check-database" || arg == "--help-man"
            || arg.startsWith("--restore"))
            return false;
    }
    return qEnvironmentVariableIsSet("DISPLAY") || qEnvironmentVariableIsSet("WAYLAND_DISPLAY");
#else
    Q_UNUSED(argc);
    Q_UNUSED(argv);
    return false;
#endif
}

int runHeadless(const canopy::Config &config)
{
    canopy::JsonLogSink::install();
    canopy::Host host(config);
    QString error;
    if (!host.start(&error)) {
        const QByteArray line = "canopy: cannot start: " + error.toUtf8() + '\n';
        std::fwrite(line.constData(), 1, size_t(line.size()), stderr);
        return 1;
    }
    canopy::ShutdownSignals signals;
    QObject::connect(&signals, &canopy::ShutdownSignals::received, &host, [&host] {
        host.stop();
        // The promise is an exit within 10 s, whatever the peers do.
        QTimer::singleShot(9000, &host, [] { QCoreApplication::exit(0); });
    });
    QObject::connect(&host, &canopy::Host::stopped, &host, [] { QCoreApplication::exit(0); });
    return QCoreApplication::exec();
}

} // namespace

int main(int argc, char *argv[])
{
    // Whatever the host writes (the database and its -wal/-shm, SQLite's temporary files, the
    // admin-token fallback, exports) is its user's alone, even where a file's own code forgets.
    ::umask(077);
    const bool window = wantsWindow(argc, argv);
    std::unique_ptr<QCoreApplication> app;
#ifdef CANOPY_WITH_GUI
    if (window)
        app = std::make_unique<QApplication>(argc, argv);
#endif
    if (!app)
        app = std::make_unique<QCoreApplication>(argc, argv);
    setIdentity();

    // The window's saved settings sit below flags and environment; a headless server takes
    // only flags and environment, so a desktop's settings never leak into a deployment.
    const canopy::CommandLine commandLine
        = canopy::parseCommandLine(QCoreApplication::arguments(), window);
    if (commandLine.action == canopy::CommandLine::Action::Exit)
        return commandLine.exitCode;
    if (commandLine.action == canopy::CommandLine::Action::CheckDatabase)
        return canopy::checkDatabase(commandLine.config);
    if (commandLine.action == canopy::CommandLine::Action::Restore) {
        return canopy::restoreDatabase(
            commandLine.config, commandLine.restoreFile, commandLine.dryRun);
    }

    canopy::Config config = commandLine.config;
    config.headless = !window;
#ifdef CANOPY_WITH_GUI
    if (window) {
        return canopy::runWithWindow(
            static_cast<QApplication &>(*app), std::make_unique<canopy::Host>(config));
    }
#endif
    return runHeadless(config);
}
