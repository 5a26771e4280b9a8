#pragma once

#include "admin/AdminService.h"

#include <QPointer>
#include <QWidget>

class QLabel;
class QPushButton;
class QSortFilterProxyModel;
class QTableView;

namespace canopy::ui {

class BlocksModel;
class DocumentsModel;
class FlushTimer;

// Stored documents; the selected one's block history below. Export writes one mode-4 Loro
// update blob holding the whole history; delete refuses while anyone is subscribed.
class DocumentsPage final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(DocumentsPage)

public:
    static constexpr qint64 ProgressThresholdBytes = 1024 * 1024;

    explicit DocumentsPage(DocumentsModel *documents, QWidget *parent = nullptr);

    void setAdmin(AdminService *admin);
    QTableView *documentsView() const { return m_view; }
    BlocksModel *blocksModel() const { return m_blocks; }
    QString selectedEntity() const;

    // Without dialogs, for tests: export to `path` (progress shown only for large ones).
    bool exportSelected(const QString &path);
    bool deleteSelected();

Q_SIGNALS:
    void statusMessage(const QString &message);
    void exportFinished(bool ok, const QString &path);

private:
    void showDetail();
    void updateButtons();
    void askExport();
    void askDelete();

    QPointer<AdminService> m_admin;
    DocumentsModel *m_documents;
    BlocksModel *m_blocks;
    QSortFilterProxyModel *m_proxy;
    QSortFilterProxyModel *m_blocksProxy;
    QTableView *m_view;
    QTableView *m_blocksView;
    QLabel *m_detailTitle;
    QPushButton *m_export;
    QPushButton *m_delete;
    FlushTimer *m_detailRefresh;
    QString m_shownEntity;
};

} // namespace canopy::ui
