#pragma once

#include "host/Host.h"

#include <QObject>
#include <QPointer>

class QAction;
class QMenu;
class QSystemTrayIcon;
class QTimer;

namespace canopy::ui {

// The tray entry: status (serving or not, and the connection count) in the icon and tooltip,
// a menu to show the window or quit. Without a system tray it does nothing; the window then
// quits on close instead of hiding.
class TrayIcon final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(TrayIcon)

public:
    explicit TrayIcon(QObject *parent = nullptr);
    ~TrayIcon() override;

    static bool isAvailable();
    void setHost(Host *host);
    void update(); // the 1 s timer calls this
    QString toolTip() const { return m_toolTip; }

Q_SIGNALS:
    void showRequested();
    void quitRequested();

private:
    QPointer<Host> m_host;
    QSystemTrayIcon *m_tray = nullptr;
    QMenu *m_menu = nullptr;
    QAction *m_status = nullptr;
    QTimer *m_timer;
    QString m_toolTip;
    int m_shownState = -1; // serving, so the icon is redrawn only on change
};

} // namespace canopy::ui
