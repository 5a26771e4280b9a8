#pragma once

#include <memory>

class QApplication;
class QLocale;
class QObject;
class QTranslator;

namespace canopy {

class Host;

// The window's entry point, called by app/main.cpp when a display is available.
//
// Contract:
//  - main() creates the QApplication (organisation and application names set, as for the
//    headless run), parses the command line into a Config (ConfigLoader folds in QSettings
//    group "server", see ui/settings/SettingsDialog.h) and constructs the Host from it WITHOUT
//    starting it.
//  - runWithWindow() takes the host, installs the translation for the system locale, starts
//    the host, and shows the window and the tray icon. A host that cannot start does not end
//    the program: the window says why and offers Settings (a restart with new settings).
//  - Closing the window keeps hosting when a tray exists (asked once, remembered); File > Quit,
//    the tray's Quit, SIGINT and SIGTERM stop the host gracefully and then leave the event loop.
//  - Returns the exit code: 0 after a normal quit.
int runWithWindow(QApplication &app, std::unique_ptr<Host> host);

namespace ui {

// Loads canopy_<lang>.qm for `locale` from the embedded resources (and Qt's own strings when
// installed); null for English or when no translation exists.
QTranslator *loadTranslation(const QLocale &locale, QObject *parent);

} // namespace ui

} // namespace canopy
