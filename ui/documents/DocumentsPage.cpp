#include "documents/DocumentsPage.h"

#include "admin/AdminService.h"
#include "common/FlushTimer.h"
#include "common/Format.h"
#include "common/TableViews.h"
#include "documents/BlocksModel.h"
#include "documents/DocumentAccessTab.h"
#include "documents/DocumentExporter.h"
#include "documents/DocumentsModel.h"

#include <QApplication>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QLabel>
#include <QMessageBox>
#include <QProgressDialog>
#include <QPushButton>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTableView>
#include <QVBoxLayout>

namespace canopy::ui {
namespace {

// What one exported payload is, for its file name: a Loro blob says so in its header's mode.
QString payloadWhat(const QString &kind, const QByteArray &payload)
{
    if (kind == u"loro" && payload.size() >= 22 && payload.startsWith("loro")) {
        const int mode = (quint8(payload[20]) << 8) | quint8(payload[21]);
        return mode == 3 ? QStringLiteral("snapshot") : QStringLiteral("update");
    }
    return QStringLiteral("part");
}

QString fileFilter(const QString &kind)
{
    if (kind == u"elo")
        return DocumentsPage::tr("ELO record container (*.elo);;All files (*)");
    if (kind == u"eps")
        return DocumentsPage::tr("Ephemeral store update (*.eps);;All files (*)");
    if (kind == u"yjs")
        return DocumentsPage::tr("Yjs update, V1 (*.yjs);;All files (*)");
    return DocumentsPage::tr("Loro blob (*.loro);;All files (*)");
}

} // namespace

DocumentsPage::DocumentsPage(DocumentsModel *documents, QWidget *parent)
    : QWidget(parent)
    , m_documents(documents)
    , m_blocks(new BlocksModel(this))
    , m_proxy(new QSortFilterProxyModel(this))
    , m_blocksProxy(new QSortFilterProxyModel(this))
    , m_view(new QTableView(this))
    , m_blocksView(new QTableView(this))
    , m_detailTitle(new QLabel(this))
    , m_detailTabs(new QTabWidget(this))
    , m_access(new DocumentAccessTab(this))
    , m_export(new QPushButton(tr("Export…"), this))
    , m_delete(new QPushButton(tr("Delete…"), this))
    , m_live(new QPushButton(tr("Live entries"), this))
    , m_detailRefresh(new FlushTimer([this] { showDetail(); }, this, 500))
{
    m_proxy->setSourceModel(documents);
    m_proxy->setSortRole(DocumentsModel::SortRole);
    m_blocksProxy->setSourceModel(m_blocks);
    m_blocksProxy->setSortRole(BlocksModel::SortRole);
    TableViews::setUp(m_view, m_proxy);
    m_view->sortByColumn(DocumentsModel::LastChange, Qt::DescendingOrder);
    TableViews::setColumnWidths(m_view, {380, 160, 80, 70, 60, 90, 130});
    TableViews::setUp(m_blocksView, m_blocksProxy);
    m_blocksView->sortByColumn(BlocksModel::Received, Qt::AscendingOrder);
    TableViews::setColumnWidths(m_blocksView, {170, 100, 100, 70, 80, 120, 220});

    m_export->setToolTip(tr("Save the document as a fresh joiner would receive it: one file "
                            "per payload, numbered in the order to import them"));
    m_delete->setToolTip(tr("Delete the document and all its units from the store"));
    m_live->setToolTip(tr("Show the entries this store holds now, ticking, on the Rooms page"));
    connect(m_export, &QPushButton::clicked, this, &DocumentsPage::askExport);
    connect(m_delete, &QPushButton::clicked, this, &DocumentsPage::askDelete);
    connect(m_live, &QPushButton::clicked, this,
        [this] { Q_EMIT showRoomRequested(selectedKind(), selectedEntity()); });

    QFont bold = m_detailTitle->font();
    bold.setBold(true);
    m_detailTitle->setFont(bold);
    m_detailTitle->setTextInteractionFlags(Qt::TextSelectableByMouse);

    auto *bottom = new QWidget(this);
    auto *bottomLayout = new QVBoxLayout(bottom);
    bottomLayout->setContentsMargins(0, 0, 0, 0);
    auto *detailHeader = new QHBoxLayout;
    detailHeader->addWidget(m_detailTitle, 1);
    detailHeader->addWidget(m_live);
    detailHeader->addWidget(m_export);
    detailHeader->addWidget(m_delete);
    bottomLayout->addLayout(detailHeader);
    m_detailTabs->setDocumentMode(true);
    m_detailTabs->addTab(m_blocksView, tr("History"));
    m_detailTabs->addTab(m_access, tr("Access"));
    bottomLayout->addWidget(m_detailTabs);
    connect(m_access, &DocumentAccessTab::statusMessage, this, &DocumentsPage::statusMessage);

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
    m_access->setAdmin(admin);
    if (admin) {
        // The signal names the document, not its kind: a same-named one of another kind costs
        // one needless reload.
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

QString DocumentsPage::selectedKind() const
{
    const QModelIndexList rows = m_view->selectionModel()->selectedRows();
    return rows.isEmpty() ? QString() : rows.first().data(DocumentsModel::KindRole).toString();
}

bool DocumentsPage::selectDocument(const QString &name, const QString &kind)
{
    const int row = m_documents->rowOf(name, kind);
    if (row < 0)
        return false;
    const QModelIndex index = m_proxy->mapFromSource(m_documents->index(row, 0));
    m_view->setCurrentIndex(index);
    m_view->selectRow(index.row());
    m_view->scrollTo(index);
    return true;
}

void DocumentsPage::updateButtons()
{
    const bool selected = m_admin && !selectedEntity().isEmpty();
    m_export->setEnabled(selected);
    m_delete->setEnabled(selected);
    m_live->setVisible(selected && selectedKind() == u"eps");
}

void DocumentsPage::showDetail()
{
    updateButtons();
    const QString entity = selectedEntity();
    const QString kind = selectedKind();
    m_shownEntity = entity;
    m_shownKind = kind;
    m_access->setDocument(entity); // rights are per id, whatever the kind
    for (int column = 0; column < BlocksModel::ColumnCount; ++column)
        m_blocksView->setColumnHidden(
            column, !BlocksModel::columnApplies(column, kind.isEmpty() ? m_blocks->kind() : kind));
    if (entity.isEmpty() || !m_admin) {
        m_detailTitle->setText(tr("Select a document to see its history."));
        m_blocks->setBlocks({}, m_blocks->kind());
        return;
    }
    auto detail = m_admin->document(entity, kind);
    if (!detail) {
        m_detailTitle->setText(detail.error().message);
        m_blocks->setBlocks({}, kind);
        return;
    }
    const int units = int(detail->blocks.size());
    QString what;
    if (kind == u"elo")
        what = tr("%n record(s)", nullptr, units);
    else if (kind == u"eps")
        what = tr("%n entry(s)", nullptr, units);
    else if (kind == u"yjs")
        what = tr("%n stored update(s)", nullptr, units);
    else
        what = tr("%n block(s)", nullptr, units);
    QString title
        = tr("%1 · %2 — %3, %4")
              .arg(entity, DocumentsModel::kindName(kind), what, Format::bytes(detail->info.bytes));
    if (kind == u"yjs")
        title += QStringLiteral(" · ")
            + tr("%n client(s), state vector {%1}", nullptr, int(detail->info.peers))
                  .arg(DocumentsModel::stateVectorText(detail->info.stateVector));
    m_detailTitle->setText(title);
    m_blocks->setBlocks(detail->blocks, kind);
}

QStringList DocumentsPage::exportPaths(
    const QString &path, const QString &kind, const QList<QByteArray> &payloads)
{
    if (payloads.size() <= 1)
        return {path};
    const QFileInfo info(path);
    const QString suffix = info.suffix().isEmpty() ? kind : info.suffix();
    const QString stem = info.suffix().isEmpty() ? info.fileName() : info.completeBaseName();
    QStringList out;
    for (qsizetype i = 0; i < payloads.size(); ++i) {
        out.append(info.dir().filePath(
            QStringLiteral("%1.%2-%3.%4")
                .arg(stem, QString::number(i + 1), payloadWhat(kind, payloads.at(i)), suffix)));
    }
    return out;
}

void DocumentsPage::askExport()
{
    const QString entity = selectedEntity();
    const QString kind = selectedKind();
    if (!m_admin || entity.isEmpty())
        return;
    QApplication::setOverrideCursor(Qt::WaitCursor);
    auto exported = m_admin->exportDocument(entity, kind);
    QApplication::restoreOverrideCursor();
    if (!exported) {
        QMessageBox::warning(this, tr("Export document"), exported.error().message);
        return;
    }
    const QString dir = QStandardPaths::writableLocation(QStandardPaths::DocumentsLocation);
    const QString path = QFileDialog::getSaveFileName(this,
        exported->payloads.size() > 1
            ? tr("Export document (%n file(s), numbered)", nullptr, int(exported->payloads.size()))
            : tr("Export document"),
        dir + u'/' + exported->fileName, fileFilter(exported->kind));
    if (!path.isEmpty())
        writeExport(*exported, path);
}

bool DocumentsPage::exportSelected(const QString &path)
{
    const QString entity = selectedEntity();
    if (!m_admin || entity.isEmpty())
        return false;
    QApplication::setOverrideCursor(Qt::WaitCursor);
    auto exported = m_admin->exportDocument(entity, selectedKind());
    QApplication::restoreOverrideCursor();
    if (!exported) {
        QMessageBox::warning(this, tr("Export document"), exported.error().message);
        return false;
    }
    return writeExport(*exported, path);
}

bool DocumentsPage::writeExport(const DocumentExport &exported, const QString &path)
{
    if (exported.payloads.isEmpty()) {
        QMessageBox::warning(this, tr("Export document"), tr("The document is empty."));
        return false;
    }
    const QStringList paths = exportPaths(path, exported.kind, exported.payloads);
    QList<DocumentExporter::File> files;
    for (qsizetype i = 0; i < paths.size(); ++i)
        files.append({paths.at(i), exported.payloads.at(i)});
    auto *exporter = new DocumentExporter(this);
    if (!exporter->start(files)) {
        QMessageBox::warning(
            this, tr("Export document"), tr("Cannot write %1").arg(exporter->errorString()));
        exporter->deleteLater();
        return false;
    }
    const qint64 size = exporter->totalBytes();
    QProgressDialog *progress = nullptr;
    if (size >= ProgressThresholdBytes) {
        progress = new QProgressDialog(tr("Exporting %1…").arg(selectedEntity()), tr("Cancel"), 0,
            int(qMin<qint64>(size / 1024, std::numeric_limits<int>::max())), this);
        progress->setWindowTitle(tr("Export document"));
        progress->setMinimumDuration(300);
        progress->setAttribute(Qt::WA_DeleteOnClose);
        connect(progress, &QProgressDialog::canceled, exporter, &DocumentExporter::cancel);
        connect(exporter, &DocumentExporter::progress, progress,
            [progress](qint64 written, qint64) { progress->setValue(int(written / 1024)); });
    }
    connect(exporter, &DocumentExporter::finished, this,
        [this, exporter, progress = QPointer<QProgressDialog>(progress), paths, size](
            bool ok, const QString &error) {
            if (progress)
                progress->close();
            exporter->deleteLater();
            if (!ok) {
                Q_EMIT statusMessage(tr("Export failed: %1").arg(error));
            } else if (paths.size() == 1) {
                Q_EMIT statusMessage(
                    tr("Exported %1 to %2").arg(Format::bytes(size), paths.constFirst()));
            } else {
                QStringList names;
                for (const QString &file : paths)
                    names.append(QFileInfo(file).fileName());
                Q_EMIT statusMessage(
                    tr("Exported %1 as %n file(s); import them in this order: %2", nullptr,
                        int(paths.size()))
                        .arg(Format::bytes(size), names.join(QStringLiteral(", "))));
            }
            Q_EMIT exportFinished(ok, paths);
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
    auto deleted = m_admin->deleteDocument(entity, selectedKind());
    if (!deleted) {
        QMessageBox::warning(this, tr("Delete document"), deleted.error().message);
        return false;
    }
    Q_EMIT statusMessage(tr("%1 deleted").arg(entity));
    return true;
}

} // namespace canopy::ui
