#include "WindowMain.h"

#include "HostSupervisor.h"
#include "MainWindow.h"
#include "TrayIcon.h"
#include "common/AppIcon.h"
#include "host/Host.h"
#include "secrets/SecretStore.h"
#include "util/ShutdownSignals.h"

#include <utility>

#include <QApplication>
#include <QLibraryInfo>
#include <QLocale>
#include <QMessageBox>
#include <QTimer>
#include <QTranslator>

namespace canopy {

namespace ui {

QTranslator *loadTranslation(const QLocale &locale, QObject *parent)
{
    auto *translator = new QTranslator(parent);
    // An installed translation (<prefix>/share/canopy/translations, the package's) is preferred
    // over the embedded one, so that a corrected file applies without a rebuild.
    const QString installed
        = QCoreApplication::applicationDirPath() + QStringLiteral("/../share/canopy/translations");
    if (!translator->load(locale, QStringLiteral("canopy"), QStringLiteral("_"), installed)
        && !translator->load(
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
    // A dev token set from the window lives in the keychain, never in the settings file; one
    // given by flag or environment wins and is not stored.
    const QString devTokenKey = QStringLiteral("dev-token");
    SecretStore devTokenStore(QStringLiteral("canopy"), supervisor.config().dataDir);
    auto devTokenNotKept = [&window](const QString &, const QString &reason) {
        QMessageBox::warning(&window,
            QCoreApplication::translate("canopy::ui::MainWindow", "Dev token"),
            QCoreApplication::translate("canopy::ui::MainWindow",
                "The keychain could not store the dev token (%1). It is in use now but will be "
                "forgotten when Canopy quits.")
                .arg(reason));
    };
    QObject::connect(
        &window, &ui::MainWindow::restartRequested, &supervisor, [&](const Config &config) {
            if (config.devToken != supervisor.config().devToken) {
                auto *saver
                    = new SecretStore(QStringLiteral("canopy"), config.dataDir, &supervisor);
                QObject::connect(saver, &SecretStore::written, saver, &QObject::deleteLater);
                for (auto failure : {&SecretStore::keychainUnavailable, &SecretStore::failed}) {
                    QObject::connect(saver, failure, &window,
                        [saver, devTokenNotKept](const QString &key, const QString &reason) {
                            devTokenNotKept(key, reason);
                            saver->deleteLater();
                        });
                }
                if (config.devToken.isEmpty())
                    saver->remove(devTokenKey);
                else
                    saver->write(devTokenKey, config.devToken);
            }
            supervisor.restart(config);
        });

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
    // The host starts once the keychain has answered about a stored dev token (or not at all).
    bool started = false;
    auto startHost = [&](const QString &devToken) {
        if (std::exchange(started, true))
            return;
        if (!devToken.isEmpty()) {
            Config config = supervisor.config();
            config.devToken = devToken;
            supervisor.configure(config);
            window.setConfig(supervisor.config());
        }
        supervisor.start();
    };
    if (supervisor.config().devToken.isEmpty()) {
        QObject::connect(&devTokenStore, &SecretStore::ready, &window,
            [&](const QString &, const QString &value, SecretStore::Backend) { startHost(value); });
        QObject::connect(&devTokenStore, &SecretStore::absent, &window, [&] { startHost({}); });
        QObject::connect(
            &devTokenStore, &SecretStore::keychainUnavailable, &window, [&] { startHost({}); });
        QObject::connect(&devTokenStore, &SecretStore::failed, &window, [&] { startHost({}); });
        QTimer::singleShot(10000, &window, [&] { startHost({}); });
        devTokenStore.load(devTokenKey);
    } else {
        startHost({});
    }
    const int code = app.exec();
    window.setHost(nullptr);
    return code;
}

} // namespace canopy
