#include "documents/DocumentsPage.h"

#include "admin/AdminService.h"
#include "common/FlushTimer.h"
#include "common/Format.h"
#include "common/TableViews.h"
#include "documents/BlocksModel.h"
#include "documents/DocumentExporter.h"
#include "documents/DocumentsModel.h"

#include <QApplication>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QLabel>
#include <QMessageBox>
#include <QProgressDialog>
#include <QPushButton>
#include <QSaveFile>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QStandardPaths>
#include <QTableView>
#include <QVBoxLayout>

namespace canopy::ui {

DocumentsPage::DocumentsPage(DocumentsModel *documents, QWidget *parent)
    : QWidget(parent)
    , m_documents(documents)
    , m_blocks(new BlocksModel(this))
    , m_proxy(new QSortFilterProxyModel(this))
    , m_blocksProxy(new QSortFilterProxyModel(this))
    , m_view(new QTableView(this))
    , m_blocksView(new QTableView(this))
    , m_detailTitle(new QLabel(this))
    , m_export(new QPushButton(tr("Export…"), this))
    , m_delete(new QPushButton(tr("Delete…"), this))
    , m_detailRefresh(new FlushTimer([this] { showDetail(); }, this, 500))
{
    m_proxy->setSourceModel(documents);
    m_proxy->setSortRole(DocumentsModel::SortRole);
    m_blocksProxy->setSourceModel(m_blocks);
    m_blocksProxy->setSortRole(BlocksModel::SortRole);
    TableViews::setUp(m_view, m_proxy);
    m_view->sortByColumn(DocumentsModel::LastChange, Qt::DescendingOrder);
    TableViews::setColumnWidths(m_view, {420, 80, 70, 60, 90, 130});
    TableViews::setUp(m_blocksView, m_blocksProxy);
    m_blocksView->sortByColumn(BlocksModel::Received, Qt::AscendingOrder);
    TableViews::setColumnWidths(m_blocksView, {170, 110, 110, 80, 80, 130});

    m_export->setToolTip(tr("Save the whole history as one Loro update blob (.loro)"));
    m_delete->setToolTip(tr("Delete the document and all its blocks from the store"));
    connect(m_export, &QPushButton::clicked, this, &DocumentsPage::askExport);
    connect(m_delete, &QPushButton::clicked, this, &DocumentsPage::askDelete);

    QFont bold = m_detailTitle->font();
    bold.setBold(true);
    m_detailTitle->setFont(bold);
    m_detailTitle->setTextInteractionFlags(Qt::TextSelectableByMouse);

    auto *bottom = new QWidget(this);
    auto *bottomLayout = new QVBoxLayout(bottom);
    bottomLayout->setContentsMargins(0, 0, 0, 0);
    auto *detailHeader = new QHBoxLayout;
    detailHeader->addWidget(m_detailTitle, 1);
    detailHeader->addWidget(m_export);
    detailHeader->addWidget(m_delete);
    bottomLayout->addLayout(detailHeader);
    bottomLayout->addWidget(m_blocksView);

    auto *splitter = new QSplitter(Qt::Vertical, this);
    splitter->addWidget(m_view);
    splitter->addWidget(bottom);
    splitter->setStretchFactor(0, 1);
    splitter->setStretchFactor(1, 1);
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(splitter);

    connect(m_view->selectionModel(), &QItemSelectionModel::selectionChanged, this,
        &DocumentsPage::showDetail);
    connect(m_proxy, &QAbstractItemModel::rowsRemoved, this, &DocumentsPage::showDetail);
    connect(m_proxy, &QAbstractItemModel::modelReset, this, &DocumentsPage::showDetail);
    showDetail();
}

void DocumentsPage::setAdmin(AdminService *admin)
{
    if (m_admin)
        disconnect(m_admin, nullptr, this, nullptr);
    m_admin = admin;
    if (admin) {
        connect(admin, &AdminService::documentChanged, this, [this](const QString &entityId) {
            if (entityId == m_shownEntity)
                m_detailRefresh->schedule();
        });
    }
    showDetail();
}

QString DocumentsPage::selectedEntity() const
{
    const QModelIndexList rows = m_view->selectionModel()->selectedRows();
    return rows.isEmpty() ? QString() : rows.first().data(DocumentsModel::EntityIdRole).toString();
}

void DocumentsPage::updateButtons()
{
    const bool selected = m_admin && !selectedEntity().isEmpty();
    m_export->setEnabled(selected);
    m_delete->setEnabled(selected);
}

void DocumentsPage::showDetail()
{
    updateButtons();
    const QString entity = selectedEntity();
    m_shownEntity = entity;
    if (entity.isEmpty() || !m_admin) {
        m_detailTitle->setText(tr("Select a document to see its block history."));
        m_blocks->setBlocks({});
        return;
    }
    auto detail = m_admin->document(entity);
    if (!detail) {
        m_detailTitle->setText(detail.error().message);
        m_blocks->setBlocks({});
        return;
    }
    m_detailTitle->setText(tr("%1 — %n block(s), %2", nullptr, int(detail->blocks.size()))
                               .arg(entity, Format::bytes(detail->info.bytes)));
    m_blocks->setBlocks(detail->blocks);
}

void DocumentsPage::askExport()
{
    const QString entity = selectedEntity();
    if (entity.isEmpty())
        return;
    const QString dir = QStandardPaths::writableLocation(QStandardPaths::DocumentsLocation);
    const QString suggested
        = dir + u'/' + entity.mid(entity.indexOf(u':') + 1) + QStringLiteral(".loro");
    const QString path = QFileDialog::getSaveFileName(
        this, tr("Export document"), suggested, tr("Loro update blob (*.loro);;All files (*)"));
    if (!path.isEmpty())
        exportSelected(path);
}

bool DocumentsPage::exportSelected(const QString &path)
{
    const QString entity = selectedEntity();
    if (!m_admin || entity.isEmpty())
        return false;
    QByteArray blob;
    {
        QApplication::setOverrideCursor(Qt::WaitCursor);
        auto exported = m_admin->exportDocument(entity);
        QApplication::restoreOverrideCursor();
        if (!exported) {
            QMessageBox::warning(this, tr("Export document"), exported.error().message);
            return false;
        }
        if (exported->payloads.isEmpty()) {
            QMessageBox::warning(this, tr("Export document"), tr("The document is empty."));
            return false;
        }
        blob = exported->payloads.front();
        // A shallow root with later changes is two imports: the later ones go beside it.
        for (qsizetype i = 1; i < exported->payloads.size(); ++i) {
            QSaveFile extra(QStringLiteral("%1.%2").arg(path).arg(i + 1));
            if (!extra.open(QIODevice::WriteOnly) || extra.write(exported->payloads[i]) < 0
                || !extra.commit()) {
                QMessageBox::warning(this, tr("Export document"),
                    tr("Cannot write %1: %2").arg(extra.fileName(), extra.errorString()));
                return false;
            }
        }
    }
    auto *exporter = new DocumentExporter(this);
    if (!exporter->start(blob, path)) {
        QMessageBox::warning(this, tr("Export document"),
            tr("Cannot write %1: %2").arg(path, exporter->errorString()));
        exporter->deleteLater();
        return false;
    }
    QProgressDialog *progress = nullptr;
    if (blob.size() >= ProgressThresholdBytes) {
        progress = new QProgressDialog(tr("Exporting %1…").arg(entity), tr("Cancel"), 0,
            int(qMin<qint64>(blob.size() / 1024, std::numeric_limits<int>::max())), this);
        progress->setWindowTitle(tr("Export document"));
        progress->setMinimumDuration(300);
        progress->setAttribute(Qt::WA_DeleteOnClose);
        connect(progress, &QProgressDialog::canceled, exporter, &DocumentExporter::cancel);
        connect(exporter, &DocumentExporter::progress, progress,
            [progress](qint64 written, qint64) { progress->setValue(int(written / 1024)); });
    }
    connect(exporter, &DocumentExporter::finished, this,
        [this, exporter, progress = QPointer<QProgressDialog>(progress), path, size = blob.size()](
            bool ok, const QString &error) {
            if (progress)
                progress->close();
            exporter->deleteLater();
            if (ok)
                Q_EMIT statusMessage(tr("Exported %1 to %2").arg(Format::bytes(size), path));
            else
                Q_EMIT statusMessage(tr("Export failed: %1").arg(error));
            Q_EMIT exportFinished(ok, path);
        });
    return true;
}

void DocumentsPage::askDelete()
{
    const QString entity = selectedEntity();
    if (entity.isEmpty())
        return;
    const auto answer = QMessageBox::warning(this, tr("Delete document"),
        tr("Delete %1 and its whole history from this host? Clients that still hold the "
           "document can upload it again.")
            .arg(entity),
        QMessageBox::Yes | QMessageBox::Cancel, QMessageBox::Cancel);
    if (answer == QMessageBox::Yes)
        deleteSelected();
}

bool DocumentsPage::deleteSelected()
{
    const QString entity = selectedEntity();
    if (!m_admin || entity.isEmpty())
        return false;
    auto deleted = m_admin->deleteDocument(entity);
    if (!deleted) {
        QMessageBox::warning(this, tr("Delete document"), deleted.error().message);
        return false;
    }
    Q_EMIT statusMessage(tr("%1 deleted").arg(entity));
    return true;
}

} // namespace canopy::ui
