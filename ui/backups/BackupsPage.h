#pragma once

#include "admin/AdminService.h"

#include <QPointer>
#include <QWidget>

class QLabel;
class QPushButton;
class QSortFilterProxyModel;
class QTableView;
class QTimer;

namespace canopy::ui {

class BackupsModel;

// Backups as the operator checks them: where they go and how often, the last success (when,
// which file, how large), the last failure and why, the next run, the copies in the backup dir,
// and "Back up now". Restoring one is `canopy --restore <file>` with the host stopped: the page
// says so rather than stopping the host under its clients.
class BackupsPage final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(BackupsPage)

public:
    explicit BackupsPage(BackupsModel *backups, QWidget *parent = nullptr);

    void setAdmin(AdminService *admin);
    QTableView *backupsView() const { return m_view; }
    QPushButton *backUpButton() const { return m_backUp; }
    // What the labels say, for tests.
    QString settingsText() const;
    QString lastSuccessText() const;
    QString lastFailureText() const;
    QString nextRunText() const;
    QString messageText() const;

    // "Back up now"; false (with the reason shown) when the host refuses to start one.
    bool backUpNow();

Q_SIGNALS:
    void statusMessage(const QString &message);

private:
    void updateStatus();
    void showMessage(const QString &message, bool error);

    QPointer<AdminService> m_admin;
    BackupsModel *m_backups;
    QSortFilterProxyModel *m_proxy;
    QLabel *m_settings;
    QLabel *m_lastSuccess;
    QLabel *m_lastFailure;
    QLabel *m_nextRun;
    QLabel *m_message;
    QPushButton *m_backUp;
    QTableView *m_view;
    QLabel *m_restoreHint;
    QTimer *m_tick; // "in 3 min 20 s" counts down
};

} // namespace canopy::ui
