#include "backups/BackupsPage.h"

#include "admin/AdminService.h"
#include "backups/BackupsModel.h"
#include "common/Format.h"
#include "common/TableViews.h"

#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QSortFilterProxyModel>
#include <QTableView>
#include <QTimer>
#include <QVBoxLayout>

namespace canopy::ui {

BackupsPage::BackupsPage(BackupsModel *backups, QWidget *parent)
    : QWidget(parent)
    , m_backups(backups)
    , m_proxy(new QSortFilterProxyModel(this))
    , m_settings(new QLabel(this))
    , m_lastSuccess(new QLabel(this))
    , m_lastFailure(new QLabel(this))
    , m_nextRun(new QLabel(this))
    , m_message(new QLabel(this))
    , m_backUp(new QPushButton(tr("Back up now"), this))
    , m_view(new QTableView(this))
    , m_restoreHint(new QLabel(this))
    , m_tick(new QTimer(this))
{
    m_proxy->setSourceModel(backups);
    m_proxy->setSortRole(BackupsModel::SortRole);
    TableViews::setUp(m_view, m_proxy);
    m_view->sortByColumn(BackupsModel::Time, Qt::DescendingOrder);
    TableViews::setColumnWidths(m_view, {180, 320, 100});

    for (QLabel *label : {m_settings, m_lastSuccess, m_lastFailure, m_nextRun, m_message}) {
        label->setWordWrap(true);
        label->setTextInteractionFlags(Qt::TextSelectableByMouse);
    }
    m_message->hide();
    m_backUp->setToolTip(tr("Copy the database into the backup dir now and verify the copy; "
                            "clients keep writing meanwhile"));
    m_restoreHint->setWordWrap(true);
    m_restoreHint->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_restoreHint->setText(tr("To restore a copy, stop Canopy and run <tt>canopy --restore "
                              "&lt;file&gt; --dry-run</tt> to see what it would replace, then "
                              "again without <tt>--dry-run</tt>. The database it replaces is "
                              "kept beside it."));
    connect(m_backUp, &QPushButton::clicked, this, &BackupsPage::backUpNow);
    connect(m_tick, &QTimer::timeout, this, &BackupsPage::updateStatus);
    m_tick->setInterval(1000);

    auto *statusBox = new QGroupBox(tr("Backups"), this);
    auto *form = new QFormLayout(statusBox);
    form->addRow(tr("Settings:"), m_settings);
    form->addRow(tr("Last success:"), m_lastSuccess);
    form->addRow(tr("Last failure:"), m_lastFailure);
    form->addRow(tr("Next run:"), m_nextRun);
    auto *buttonRow = new QHBoxLayout;
    buttonRow->addWidget(m_message, 1);
    buttonRow->addWidget(m_backUp);

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(statusBox);
    layout->addLayout(buttonRow);
    layout->addWidget(m_view, 1);
    layout->addWidget(m_restoreHint);
    updateStatus();
}

void BackupsPage::setAdmin(AdminService *admin)
{
    if (m_admin)
        disconnect(m_admin, nullptr, this, nullptr);
    m_admin = admin;
    m_message->hide();
    if (admin) {
        connect(admin, &AdminService::backupsChanged, this, &BackupsPage::updateStatus);
        m_tick->start();
    } else {
        m_tick->stop();
    }
    updateStatus();
}

void BackupsPage::updateStatus()
{
    if (!m_admin) {
        m_settings->setText(tr("The host is not running."));
        for (QLabel *label : {m_lastSuccess, m_lastFailure, m_nextRun})
            label->clear();
        m_backUp->setEnabled(false);
        return;
    }
    const BackupStatus status = m_admin->backupStatus();
    if (status.dir.isEmpty()) {
        m_settings->setText(tr("Off: start Canopy with --backup-dir (and --backup-interval for a "
                               "schedule) to keep verified copies of the database."));
    } else if (status.intervalSeconds > 0) {
        m_settings->setText(tr("Every %1 into %2, keeping the newest %3")
                                .arg(Format::duration(status.intervalSeconds), status.dir,
                                    QString::number(status.keep)));
    } else {
        m_settings->setText(tr("On demand into %1, keeping the newest %2")
                                .arg(status.dir, QString::number(status.keep)));
    }
    if (status.lastSuccess) {
        m_lastSuccess->setText(
            tr("%1: %2, %3")
                .arg(Format::dateTime(status.lastSuccess->time), status.lastSuccess->file,
                    Format::bytes(status.lastSuccess->bytes)));
    } else {
        m_lastSuccess->setText(tr("none since start-up"));
    }
    if (status.lastFailureAt.isValid()) {
        m_lastFailure->setText(
            tr("%1: %2").arg(Format::dateTime(status.lastFailureAt), status.lastFailure));
        // Red while it is the latest word; a later success makes it history.
        m_lastFailure->setStyleSheet(
            status.lastError.isEmpty() ? QString() : QStringLiteral("color: #b02020"));
    } else {
        m_lastFailure->setText(tr("none since start-up"));
        m_lastFailure->setStyleSheet(QString());
    }
    const QDateTime now = QDateTime::currentDateTimeUtc();
    if (status.running) {
        m_nextRun->setText(tr("running since %1").arg(Format::time(status.runningSince)));
    } else if (status.nextRun.isValid()) {
        m_nextRun->setText(tr("%1 (in %2)")
                               .arg(Format::dateTime(status.nextRun),
                                   Format::duration(qMax<qint64>(0, now.secsTo(status.nextRun)))));
    } else {
        m_nextRun->setText(status.dir.isEmpty() ? QString() : tr("on demand only"));
    }
    m_backUp->setEnabled(!status.dir.isEmpty() && !status.running);
}

bool BackupsPage::backUpNow()
{
    if (!m_admin) {
        showMessage(tr("The host is not running."), true);
        return false;
    }
    QPointer<BackupsPage> self(this);
    auto started = m_admin->backUpNow(this, [self](const Expected<BackupEntry, AdminError> &made) {
        if (!self)
            return;
        if (made) {
            self->showMessage(
                tr("Backed up to %1 (%2), verified").arg(made->file, Format::bytes(made->bytes)),
                false);
            Q_EMIT self->statusMessage(tr("Backup %1 made").arg(made->file));
        } else {
            self->showMessage(tr("The backup failed: %1").arg(made.error().message), true);
        }
    });
    if (!started) {
        showMessage(started.error().message, true);
        return false;
    }
    showMessage(tr("Backing up…"), false);
    updateStatus();
    return true;
}

void BackupsPage::showMessage(const QString &message, bool error)
{
    m_message->setText(message);
    m_message->setStyleSheet(error ? QStringLiteral("color: #b02020") : QString());
    m_message->setVisible(!message.isEmpty());
}

QString BackupsPage::settingsText() const
{
    return m_settings->text();
}

QString BackupsPage::lastSuccessText() const
{
    return m_lastSuccess->text();
}

QString BackupsPage::lastFailureText() const
{
    return m_lastFailure->text();
}

QString BackupsPage::nextRunText() const
{
    return m_nextRun->text();
}

QString BackupsPage::messageText() const
{
    return m_message->isHidden() ? QString() : m_message->text();
}

} // namespace canopy::ui
