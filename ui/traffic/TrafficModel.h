#pragma once

#include "admin/AdminService.h"
#include "admin/AdminTypes.h"
#include "traffic/FrameDecoder.h"

#include <deque>
#include <optional>

#include <QAbstractTableModel>
#include <QHash>
#include <QPointer>

namespace canopy::ui {

class FlushTimer;

// The live frame log: a ring buffer of the newest frames. Frames arrive one signal each (up to
// thousands a second) and are queued; a 100 ms flush moves the queue into the table in one
// insert and evicts the oldest rows in one removal. Whatever falls out, by count or by the byte
// budget, is counted as dropped. Paused, the table holds still while the queue keeps filling
// (up to the capacity; the overflow is dropped too). Each frame is summarised on arrival by the
// codec of its protocol (Sync1, loro-protocol, y-websocket or Hocuspocus), cheaply: the detail
// pane decodes in full.
class TrafficModel final : public QAbstractTableModel
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(TrafficModel)

public:
    static constexpr qsizetype DefaultCapacity = 20000;
    static constexpr qint64 DefaultByteBudget = 256LL * 1024 * 1024;
    // A larger frame keeps only its head: enough for the list and the hex view, not the blob.
    static constexpr qsizetype MaxFrameBytes = 8 * 1024 * 1024;

    enum Column
    {
        Time,
        Direction,
        Session,
        Did,
        Kind, // Sync1, the loro-protocol magic, y-websocket or Hocuspocus
        Type,
        Size,
        Entity, // last: the view stretches it
        ColumnCount
    };
    enum Role
    {
        DidRole = Qt::UserRole + 1,
        EntityRole,
        TypeRole,
        SeqRole,
        SortRole,
    };

    struct Row
    {
        TrafficFrame frame;
        WireProtocol protocol = WireProtocol::Sync1;
        FrameSummary summary;
        qsizetype size = 0; // on the wire; frame.bytes may hold less
        bool truncated = false;
    };

    explicit TrafficModel(QObject *parent = nullptr);

    void setAdmin(AdminService *admin); // frames already shown stay
    void setCapacity(qsizetype capacity);
    qsizetype capacity() const { return m_capacity; }
    void setByteBudget(qint64 bytes) { m_byteBudget = bytes; }

    void setPaused(bool paused);
    bool isPaused() const { return m_paused; }
    void clear();

    quint64 dropped() const { return m_dropped; }
    qsizetype pendingCount() const { return qsizetype(m_pending.size()); }
    const Row &rowAt(int row) const { return m_rows.at(size_t(row)); }
    // For a loro-protocol Fragment row: its batch's FragmentHeader (the same session, direction
    // and batch id), searched backwards among the rows held; nullopt when it has left the ring.
    std::optional<LoroProtocolMessage> fragmentHeaderFor(int row) const;

    // Public so tests and benchmarks can feed frames without a socket.
    void addFrame(const TrafficFrame &frame);
    void flush();

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(
        int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

Q_SIGNALS:
    void countsChanged(qsizetype shown, quint64 dropped);

private:
    void evictOldest(qsizetype count);
    // A y-websocket frame names no room and its session lists one only once joined: the room a
    // later frame of the same session carried names the earlier ones too.
    QString entityOf(const Row &row) const;

    QPointer<AdminService> m_admin;
    std::deque<Row> m_rows;
    std::deque<Row> m_pending;
    qsizetype m_capacity = DefaultCapacity;
    qint64 m_byteBudget = DefaultByteBudget;
    qint64 m_bytes = 0; // held by m_rows
    qint64 m_pendingBytes = 0;
    quint64 m_dropped = 0;
    bool m_paused = false;
    FlushTimer *m_flush;
    QHash<QString, QString> m_sessionRooms; // y-websocket session id -> its room
};

} // namespace canopy::ui
