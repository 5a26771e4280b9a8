#include "CommandLine.h"
#include "host/Host.h"
#include "log/JsonLogSink.h"
#include "util/ShutdownSignals.h"

#include <cstdio>

#include <QCoreApplication>
#include <QTimer>

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setOrganizationName(QStringLiteral("Canopy"));
    QCoreApplication::setApplicationName(QStringLiteral("canopy"));
    QCoreApplication::setApplicationVersion(QStringLiteral(CANOPY_VERSION));

    const canopy::CommandLine commandLine = canopy::parseCommandLine(QCoreApplication::arguments());
    if (commandLine.action == canopy::CommandLine::Action::Exit)
        return commandLine.exitCode;
    if (commandLine.action == canopy::CommandLine::Action::CheckDatabase)
        return canopy::checkDatabase(commandLine.config);

    // Until the window exists, every run is headless: JSON lines on stderr.
    canopy::JsonLogSink::install();

    canopy::Config config = commandLine.config;
    config.headless = true; // until the window exists
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
    QObject::connect(&host, &canopy::Host::stopped, &app, [] { QCoreApplication::exit(0); });
    return app.exec();
}
