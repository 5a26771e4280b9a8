#pragma once

#include "admin/AdminService.h"
#include "admin/AdminTypes.h"

#include <QAbstractTableModel>
#include <QPointer>
#include <QSet>

class QTimer;

namespace canopy::ui {

class FlushTimer;

// One row per live socket, of either protocol. Opens, closes and room changes (joins, leaves, a
// loro-protocol session's authentication) arrive as admin signals and are applied in batches;
// traffic counters have no signal of their own and are re-read once a second.
class SessionsModel final : public QAbstractTableModel
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(SessionsModel)

public:
    enum Column
    {
        Did,
        Handle,
        Protocol,
        Remote,
        ConnectedSince,
        Rooms, // Sync1 subscriptions and loro-protocol rooms alike
        Traffic,
        ColumnCount
    };
    enum Role
    {
        SessionIdRole = Qt::UserRole + 1,
        DidRole,
        SortRole, // numbers and times as values, for the sort proxy
    };

    explicit SessionsModel(QObject *parent = nullptr);

    void setAdmin(AdminService *admin); // null: no host; the table empties
    AdminService *admin() const { return m_admin; }

    const SessionInfo &sessionAt(int row) const { return m_rows.at(row); }
    int rowOf(const QString &sessionId) const;

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(
        int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    void refresh(); // re-reads counters and rooms now

    // "Sync1", "loro-protocol", "y-websocket", "Hocuspocus"
    static QString protocolName(const QString &protocol);
    static QString roomsText(const SessionInfo &session);
    static QString roomsToolTip(const SessionInfo &session);

private:
    void onOpened(const SessionInfo &session);
    void onClosed(const QString &sessionId);
    void onChanged(const QString &sessionId);
    void flush();

    QPointer<AdminService> m_admin;
    QList<SessionInfo> m_rows;
    QList<SessionInfo> m_opened; // not yet shown
    QSet<QString> m_closed; // not yet removed
    QSet<QString> m_changed; // rooms or authentication changed; re-read at the next flush
    FlushTimer *m_flush;
    QTimer *m_refresh;
};

} // namespace canopy::ui
