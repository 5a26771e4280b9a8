#include "logs/LogsPage.h"

#include "common/Format.h"
#include "common/TableViews.h"
#include "logs/LogFilterModel.h"
#include "logs/LogModel.h"

#include <QComboBox>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPushButton>
#include <QSaveFile>
#include <QScrollBar>
#include <QStandardPaths>
#include <QTableView>
#include <QVBoxLayout>

namespace canopy::ui {

LogsPage::LogsPage(LogModel *log, QWidget *parent)
    : QWidget(parent)
    , m_log(log)
    , m_proxy(new LogFilterModel(this))
    , m_view(new QTableView(this))
    , m_level(new QComboBox(this))
    , m_category(new QComboBox(this))
    , m_did(new QLineEdit(this))
    , m_search(new QLineEdit(this))
    , m_export(new QPushButton(tr("Export…"), this))
    , m_count(new QLabel(this))
{
    m_proxy->setSourceModel(log);
    TableViews::setUp(m_view, m_proxy, false);
    TableViews::setColumnWidths(m_view, {100, 70, 120, 220, 320});

    // Minimum level, as LogModel ranks them.
    m_level->addItem(tr("Debug and above"), 0);
    m_level->addItem(tr("Info and above"), 1);
    m_level->addItem(tr("Warnings and errors"), 2);
    m_level->addItem(tr("Errors only"), 3);
    m_level->setCurrentIndex(1);
    m_proxy->setMinimumLevel(1);
    m_category->addItem(tr("All categories"), QString());
    m_category->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    m_did->setPlaceholderText(tr("DID"));
    m_did->setClearButtonEnabled(true);
    m_search->setPlaceholderText(tr("Search messages and details…"));
    m_search->setClearButtonEnabled(true);

    connect(m_level, &QComboBox::currentIndexChanged, this,
        [this] { m_proxy->setMinimumLevel(m_level->currentData().toInt()); });
    connect(m_category, &QComboBox::currentIndexChanged, this,
        [this] { m_proxy->setCategory(m_category->currentData().toString()); });
    connect(m_did, &QLineEdit::textChanged, m_proxy, &LogFilterModel::setDid);
    connect(m_search, &QLineEdit::textChanged, m_proxy, &LogFilterModel::setSearchText);
    connect(m_export, &QPushButton::clicked, this, &LogsPage::askExport);
    connect(log, &LogModel::categoriesChanged, this, &LogsPage::updateCategories);
    updateCategories(log->categories());

    auto *bar = new QHBoxLayout;
    bar->addWidget(m_level);
    bar->addWidget(m_category);
    bar->addWidget(m_did, 2);
    bar->addWidget(m_search, 3);
    bar->addWidget(m_count);
    bar->addWidget(m_export);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(bar);
    layout->addWidget(m_view, 1);

    connect(m_view->verticalScrollBar(), &QScrollBar::valueChanged, this,
        [this](int value) { m_following = value >= m_view->verticalScrollBar()->maximum() - 2; });
    connect(m_proxy, &QAbstractItemModel::rowsInserted, this, [this] {
        if (m_following)
            m_view->scrollToBottom();
        updateCount();
    });
    connect(m_proxy, &QAbstractItemModel::rowsRemoved, this, &LogsPage::updateCount);
    connect(m_proxy, &QAbstractItemModel::modelReset, this, &LogsPage::updateCount);
    connect(m_proxy, &QAbstractItemModel::layoutChanged, this, &LogsPage::updateCount);
    updateCount();
}

void LogsPage::setMinimumLevel(int rank)
{
    const int index = m_level->findData(rank);
    if (index >= 0)
        m_level->setCurrentIndex(index);
}

void LogsPage::setCategory(const QString &category)
{
    const int index = m_category->findData(category);
    m_category->setCurrentIndex(index < 0 ? 0 : index);
}

void LogsPage::setDidFilter(const QString &did)
{
    m_did->setText(did);
}

void LogsPage::setSearchText(const QString &text)
{
    m_search->setText(text);
}

void LogsPage::updateCategories(const QStringList &categories)
{
    const QString current = m_category->currentData().toString();
    const QSignalBlocker blocker(m_category);
    while (m_category->count() > 1)
        m_category->removeItem(1);
    for (const QString &category : categories)
        m_category->addItem(category, category);
    const int index = m_category->findData(current);
    m_category->setCurrentIndex(index < 0 ? 0 : index);
}

void LogsPage::updateCount()
{
    m_count->setText(
        tr("%1 of %2").arg(Format::count(m_proxy->rowCount()), Format::count(m_log->rowCount())));
}

bool LogsPage::exportTo(const QString &path, QString *error) const
{
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly)) {
        if (error)
            *error = file.errorString();
        return false;
    }
    for (int row = 0; row < m_proxy->rowCount(); ++row) {
        const QModelIndex source = m_proxy->mapToSource(m_proxy->index(row, 0));
        const LogEntry &entry = m_log->entryAt(source.row());
        QJsonObject line {
            {QStringLiteral("time"), entry.time.toUTC().toString(Qt::ISODateWithMs)},
            {QStringLiteral("level"), EventLog::levelName(entry.level)},
            {QStringLiteral("category"), entry.category},
            {QStringLiteral("message"), entry.message},
        };
        for (const auto &field : entry.fields)
            line.insert(field.first, field.second);
        file.write(QJsonDocument(line).toJson(QJsonDocument::Compact));
        file.write("\n");
    }
    if (!file.commit()) {
        if (error)
            *error = file.errorString();
        return false;
    }
    return true;
}

void LogsPage::askExport()
{
    const QString dir = QStandardPaths::writableLocation(QStandardPaths::DocumentsLocation);
    const QString path = QFileDialog::getSaveFileName(this, tr("Export log"),
        dir + QStringLiteral("/canopy-log.jsonl"), tr("JSON lines (*.jsonl);;All files (*)"));
    if (path.isEmpty())
        return;
    QString error;
    if (!exportTo(path, &error)) {
        QMessageBox::warning(this, tr("Export log"), tr("Cannot write %1: %2").arg(path, error));
        return;
    }
    Q_EMIT statusMessage(
        tr("Exported %n log entries to %1", nullptr, m_proxy->rowCount()).arg(path));
}

} // namespace canopy::ui
