#pragma once

#include "config/Config.h"

#include <QDialog>

class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QSettings;
class QSpinBox;

namespace canopy::ui {

// Edits everything the command line can set. Values persist in QSettings, group "server",
// one key per flag name ("port", "data-dir", ...); ConfigLoader reads them below flags and
// environment. Every setting is read when the host starts, so any change restarts the listener:
// the dialog says so, and on OK emits restartRequested with the new configuration.
class SettingsDialog final : public QDialog
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(SettingsDialog)

public:
    static constexpr const char *Group = "server";
    static constexpr const char *CloseActionKey = "window/closeAction"; // "background" | "quit"

    explicit SettingsDialog(const Config &current, QWidget *parent = nullptr);

    // The edited configuration (derived values filled in as ConfigLoader would).
    Config config() const;
    // Empty when valid; otherwise names the first bad field.
    QString validate() const;
    bool needsRestart() const;

    // Writes the values that differ from the defaults and removes the others.
    static void save(const Config &config, QSettings &settings);

    void accept() override;

Q_SIGNALS:
    void restartRequested(const canopy::Config &config);

private:
    void updateState();

    Config m_current;
    QLineEdit *m_dataDir;
    QLineEdit *m_did;
    QLineEdit *m_publicUrl;
    QComboBox *m_listen;
    QSpinBox *m_port;
    QSpinBox *m_maxMessageKiB;
    QSpinBox *m_pingInterval;
    QSpinBox *m_tokenTtl;
    QLineEdit *m_plcUrl;
    QSpinBox *m_didCacheFresh;
    QSpinBox *m_didCacheMax;
    QSpinBox *m_maxConnections;
    QSpinBox *m_maxConnectionsPerDid;
    QSpinBox *m_maxSubscriptions;
    QSpinBox *m_maxEntities;
    QSpinBox *m_maxEntityMiB;
    QSpinBox *m_maxQueueKiB;
    QSpinBox *m_tokenRatePerIp;
    QSpinBox *m_tokenRatePerDid;
    QSpinBox *m_authFailureRatePerIp;
    QLineEdit *m_devToken;
    QLineEdit *m_adminToken;
    QCheckBox *m_adminRemote;
    QCheckBox *m_closeToBackground;
    QLabel *m_problem;
    QLabel *m_restartNote;
    QPushButton *m_ok;
};

} // namespace canopy::ui
