#pragma once

#include "admin/AdminService.h"
#include "backup/BackupEntry.h"
#include "common/KeyedTableModel.h"

#include <QPointer>

namespace canopy::ui {

// The copies in the backup dir, newest first as the admin service lists them; reloaded when a
// backup starts or ends (backupsChanged).
class BackupsModel final : public KeyedTableModel<BackupEntry>
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(BackupsModel)

public:
    enum Column
    {
        Time,
        File,
        Size,
        Verified,
        ColumnCount
    };
    enum Role
    {
        FileRole = Qt::UserRole + 1,
        SortRole,
    };

    explicit BackupsModel(QObject *parent = nullptr);

    void setAdmin(AdminService *admin);
    void reload();
    // Why the list could not be read; empty when it could.
    QString error() const { return m_error; }

    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(
        int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

protected:
    QString keyOf(const BackupEntry &row) const override { return row.file; }
    bool sameRow(const BackupEntry &a, const BackupEntry &b) const override;

private:
    QPointer<AdminService> m_admin;
    QString m_error;
};

} // namespace canopy::ui
