#pragma once

#include "admin/AdminService.h"

#include <QPointer>
#include <QWidget>

class QLabel;
class QPushButton;
class QSortFilterProxyModel;
class QTabWidget;
class QTableView;

namespace canopy::ui {

class BlocksModel;
class DocumentAccessTab;
class DocumentsModel;
class FlushTimer;

// Stored documents of every kind; the selected one's units below (Loro change blocks, ELO
// records, persisted ephemeral entries). Export writes what a fresh joiner would receive, one
// file per payload (see exportPaths); delete refuses while anyone is joined. A persisted
// ephemeral store's live entries are a click away on the Rooms page. The Access tab beside the
// history edits who may read and write the document.
class DocumentsPage final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(DocumentsPage)

public:
    static constexpr qint64 ProgressThresholdBytes = 1024 * 1024;
    enum DetailTab
    {
        HistoryTab,
        AccessTab
    };

    explicit DocumentsPage(DocumentsModel *documents, QWidget *parent = nullptr);

    void setAdmin(AdminService *admin);
    QTableView *documentsView() const { return m_view; }
    BlocksModel *blocksModel() const { return m_blocks; }
    QString selectedEntity() const; // the name
    QString selectedKind() const;
    bool selectDocument(const QString &name, const QString &kind);
    QPushButton *liveEntriesButton() const { return m_live; }
    QTabWidget *detailTabs() const { return m_detailTabs; }
    DocumentAccessTab *accessTab() const { return m_access; }

    // Without dialogs, for tests: export to `path` (progress shown only for large ones). A
    // document of several payloads (a Loro document founded by a shallow snapshot) is written
    // as several files named after `path`, see exportPaths.
    bool exportSelected(const QString &path);
    bool deleteSelected();

    // One file per payload: `path` itself for one; else "notes.1-snapshot.loro",
    // "notes.2-update.loro", ... beside it, numbered in the order to import them.
    static QStringList exportPaths(
        const QString &path, const QString &kind, const QList<QByteArray> &payloads);

Q_SIGNALS:
    void statusMessage(const QString &message);
    void exportFinished(bool ok, const QStringList &paths);
    // "Live entries" on a persisted ephemeral store: show it on the Rooms page.
    void showRoomRequested(const QString &kind, const QString &name);

private:
    void showDetail();
    void updateButtons();
    void askExport();
    void askDelete();
    bool writeExport(const DocumentExport &exported, const QString &path);

    QPointer<AdminService> m_admin;
    DocumentsModel *m_documents;
    BlocksModel *m_blocks;
    QSortFilterProxyModel *m_proxy;
    QSortFilterProxyModel *m_blocksProxy;
    QTableView *m_view;
    QTableView *m_blocksView;
    QLabel *m_detailTitle;
    QTabWidget *m_detailTabs;
    DocumentAccessTab *m_access;
    QPushButton *m_export;
    QPushButton *m_delete;
    QPushButton *m_live;
    FlushTimer *m_detailRefresh;
    QString m_shownEntity;
    QString m_shownKind;
};

} // namespace canopy::ui
