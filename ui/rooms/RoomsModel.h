#pragma once

#include "admin/AdminService.h"
#include "admin/AdminTypes.h"
#include "common/KeyedTableModel.h"

#include <QPointer>

namespace canopy::ui {

class FlushTimer;

// A live room: one document (of a kind) that sessions have joined now.
struct RoomRow
{
    QString kind; // "loro", "elo", "eph", "eps"
    QString name;
    QStringList members; // "did (protocol, permission)", one per joined session
    int writers = 0;
};

// Every room some session holds, of both protocols (a Sync1 subscription is a Loro room),
// gathered from the sessions' rooms. Joins, leaves, opens and closes mark it dirty; it is
// rebuilt at most ten times a second.
class RoomsModel final : public KeyedTableModel<RoomRow>
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(RoomsModel)

public:
    enum Column
    {
        Kind,
        Members,
        Room, // last: the view stretches it
        ColumnCount
    };
    enum Role
    {
        KindRole = Qt::UserRole + 1,
        NameRole,
        SortRole,
    };

    explicit RoomsModel(QObject *parent = nullptr);

    void setAdmin(AdminService *admin);
    void reload();
    int rowOf(const QString &kind, const QString &name) const;

    // Presence kinds, whose entries the page lists (Yjs awareness too).
    static bool isEphemeral(const QString &kind)
    {
        return kind == u"eph" || kind == u"eps" || kind == u"yaw";
    }

    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(
        int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

protected:
    QString keyOf(const RoomRow &row) const override { return row.kind + u'\n' + row.name; }
    bool sameRow(const RoomRow &a, const RoomRow &b) const override;

private:
    QPointer<AdminService> m_admin;
    FlushTimer *m_flush;
};

} // namespace canopy::ui
