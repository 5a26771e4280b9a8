#pragma once

#include "admin/AdminService.h"
#include "admin/AdminTypes.h"
#include "common/KeyedTableModel.h"

#include <QPointer>

class QTimer;

namespace canopy::ui {

class FlushTimer;

// One row per stored document of any kind (Loro, ELO, persisted ephemeral store, Yjs: its blocks
// are stored updates, its peers clients, and its state vector is shown); a document is
// named within its kind, so the same name may show twice. A change marks the list dirty; reloading
// it is a store query, so bursts are folded into at most two reloads a second. Subscriber counts
// change without a document signal (sessions come and go), hence the slow periodic refresh as well.
class DocumentsModel final : public KeyedTableModel<DocumentInfo>
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(DocumentsModel)

public:
    static constexpr int ReloadIntervalMs = 500;
    static constexpr int RefreshIntervalMs = 5000;

    enum Column
    {
        Entity,
        Kind,
        Size,
        Blocks,
        Peers,
        Subscribers,
        LastChange,
        LastWriter,
        StateVector, // Yjs documents: client:clock, ...
        ColumnCount
    };
    enum Role
    {
        EntityIdRole = Qt::UserRole + 1, // the name
        KindRole, // "loro", "elo", "eps", "yjs"
        SortRole,
    };

    explicit DocumentsModel(QObject *parent = nullptr);

    void setAdmin(AdminService *admin);
    void reload();
    int rowOf(const QString &name, const QString &kind) const;

    static QString kindName(const QString &kind); // "Loro", "ELO (encrypted)", ...
    // "7:16, 9:3" (client:next clock); empty for no entry
    static QString stateVectorText(const QList<ClientClock> &vector);

    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(
        int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

Q_SIGNALS:
    void errorOccurred(const QString &message);

protected:
    QString keyOf(const DocumentInfo &row) const override
    {
        return row.kind + u'\n' + row.entityId;
    }
    bool sameRow(const DocumentInfo &a, const DocumentInfo &b) const override;

private:
    QPointer<AdminService> m_admin;
    FlushTimer *m_flush;
    QTimer *m_refresh;
};

} // namespace canopy::ui
