#include "TrayIcon.h"

#include "common/AppIcon.h"
#include "host/Host.h"
#include "sync/SessionRegistry.h"

#include <QMenu>
#include <QSystemTrayIcon>
#include <QTimer>

namespace canopy::ui {

TrayIcon::TrayIcon(QObject *parent)
    : QObject(parent)
    , m_timer(new QTimer(this))
{
    if (isAvailable()) {
        m_menu = new QMenu;
        m_status = m_menu->addAction(QString());
        m_status->setEnabled(false);
        m_menu->addSeparator();
        connect(m_menu->addAction(tr("Show Canopy")), &QAction::triggered, this,
            &TrayIcon::showRequested);
        connect(m_menu->addAction(tr("Quit")), &QAction::triggered, this, &TrayIcon::quitRequested);
        m_tray = new QSystemTrayIcon(AppIcon::status(false), this);
        m_tray->setContextMenu(m_menu);
        connect(m_tray, &QSystemTrayIcon::activated, this,
            [this](QSystemTrayIcon::ActivationReason reason) {
                if (reason == QSystemTrayIcon::Trigger || reason == QSystemTrayIcon::DoubleClick)
                    Q_EMIT showRequested();
            });
        m_tray->show();
    }
    m_timer->setInterval(1000);
    connect(m_timer, &QTimer::timeout, this, &TrayIcon::update);
    m_timer->start();
    update();
}

TrayIcon::~TrayIcon()
{
    delete m_menu; // a QMenu cannot have a QObject parent
}

bool TrayIcon::isAvailable()
{
    return QSystemTrayIcon::isSystemTrayAvailable();
}

void TrayIcon::setHost(Host *host)
{
    m_host = host;
    update();
}

void TrayIcon::update()
{
    const bool serving = m_host && m_host->port() != 0 && m_host->sessions();
    const qsizetype connections = serving ? m_host->sessions()->count() : 0;
    const QString status = serving
        ? tr("Serving on port %1 · %n connection(s)", nullptr, int(connections)).arg(m_host->port())
        : tr("Not serving");
    m_toolTip = tr("Canopy — %1").arg(status);
    if (!m_tray)
        return;
    m_tray->setToolTip(m_toolTip);
    m_status->setText(status);
    if (m_shownState != int(serving)) {
        m_tray->setIcon(AppIcon::status(serving));
        m_shownState = int(serving);
    }
}

} // namespace canopy::ui
