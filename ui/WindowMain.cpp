#include "WindowMain.h"

#include "AppIcon.h"
#include "HostSupervisor.h"
#include "MainWindow.h"
#include "TrayIcon.h"
#include "host/Host.h"
#include "util/ShutdownSignals.h"

#include <QApplication>
#include <QLibraryInfo>
#include <QLocale>
#include <QTimer>
#include <QTranslator>

namespace canopy {

namespace ui {

QTranslator *loadTranslation(const QLocale &locale, QObject *parent)
{
    auto *translator = new QTranslator(parent);
    if (!translator->load(
            locale, QStringLiteral("canopy"), QStringLiteral("_"), QStringLiteral(":/i18n"))) {
        delete translator;
        return nullptr;
    }
    // Qt's own dialog buttons ("Cancel", "Yes"), when the distribution ships them.
    auto *qt = new QTranslator(translator);
    if (qt->load(locale, QStringLiteral("qtbase"), QStringLiteral("_"),
            QLibraryInfo::path(QLibraryInfo::TranslationsPath)))
        QCoreApplication::installTranslator(qt);
    return translator;
}

} // namespace ui

int runWithWindow(QApplication &app, std::unique_ptr<Host> host)
{
    if (QTranslator *translator = ui::loadTranslation(QLocale(), &app))
        QCoreApplication::installTranslator(translator);
    QApplication::setWindowIcon(ui::AppIcon::application());
    // The window may close while the host keeps serving; only Quit ends the program.
    QApplication::setQuitOnLastWindowClosed(false);

    ui::HostSupervisor supervisor(std::move(host));
    ui::MainWindow window;
    ui::TrayIcon tray;
    window.setTrayAvailable(ui::TrayIcon::isAvailable());
    window.setConfig(supervisor.config());

    QObject::connect(&supervisor, &ui::HostSupervisor::hostChanged, &window, [&](Host *serving) {
        window.setHost(serving);
        tray.setHost(serving);
    });
    QObject::connect(
        &supervisor, &ui::HostSupervisor::startFailed, &window, [&](const QString &error) {
            window.setConfig(supervisor.config());
            window.setHostError(error);
            window.show();
            window.raise();
        });
    QObject::connect(
        &supervisor, &ui::HostSupervisor::keychainUnavailable, &window, [&](const QString &reason) {
            // Asked outside the host's signal, which may fire while it starts.
            QTimer::singleShot(0, &window, [&, reason] {
                if (window.askKeychainFallback(reason) && supervisor.host())
                    supervisor.host()->useSecretFile();
            });
        });
    QObject::connect(
        &window, &ui::MainWindow::restartRequested, &supervisor, &ui::HostSupervisor::restart);

    bool quitting = false;
    auto quit = [&] {
        if (quitting)
            return;
        quitting = true;
        window.setQuitting(true);
        supervisor.stop();
    };
    QObject::connect(
        &supervisor, &ui::HostSupervisor::stopped, &app, [] { QCoreApplication::exit(0); });
    QObject::connect(&window, &ui::MainWindow::quitRequested, &app, quit);
    QObject::connect(&tray, &ui::TrayIcon::quitRequested, &app, quit);
    QObject::connect(&tray, &ui::TrayIcon::showRequested, &window, [&window] {
        window.show();
        window.raise();
        window.activateWindow();
    });
    ShutdownSignals signals;
    QObject::connect(&signals, &ShutdownSignals::received, &app, quit);

    window.show();
    supervisor.start();
    const int code = app.exec();
    window.setHost(nullptr);
    return code;
}

} // namespace canopy
