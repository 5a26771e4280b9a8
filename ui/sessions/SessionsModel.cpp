#include "sessions/SessionsModel.h"

#include "admin/AdminService.h"
#include "common/FlushTimer.h"
#include "common/Format.h"

#include <QTimer>

namespace canopy::ui {

SessionsModel::SessionsModel(QObject *parent)
    : QAbstractTableModel(parent)
    , m_flush(new FlushTimer([this] { flush(); }, this))
    , m_refresh(new QTimer(this))
{
    m_refresh->setInterval(1000);
    connect(m_refresh, &QTimer::timeout, this, &SessionsModel::refresh);
}

void SessionsModel::setAdmin(AdminService *admin)
{
    if (m_admin)
        disconnect(m_admin, nullptr, this, nullptr);
    m_flush->cancel();
    m_opened.clear();
    m_closed.clear();

    beginResetModel();
    m_admin = admin;
    m_rows = admin ? admin->sessions() : QList<SessionInfo>();
    endResetModel();

    if (!admin) {
        m_refresh->stop();
        return;
    }
    connect(admin, &AdminService::sessionOpened, this, &SessionsModel::onOpened);
    connect(admin, &AdminService::sessionClosed, this, &SessionsModel::onClosed);
    m_refresh->start();
}

int SessionsModel::rowOf(const QString &sessionId) const
{
    for (int i = 0; i < m_rows.size(); ++i) {
        if (m_rows.at(i).id == sessionId)
            return i;
    }
    return -1;
}

void SessionsModel::onOpened(const SessionInfo &session)
{
    m_opened.append(session);
    m_flush->schedule();
}

void SessionsModel::onClosed(const QString &sessionId)
{
    // A session that opens and closes within one batch never shows.
    for (qsizetype i = 0; i < m_opened.size(); ++i) {
        if (m_opened.at(i).id == sessionId) {
            m_opened.removeAt(i);
            return;
        }
    }
    m_closed.insert(sessionId);
    m_flush->schedule();
}

void SessionsModel::flush()
{
    for (const QString &id : std::as_const(m_closed)) {
        const int row = rowOf(id);
        if (row < 0)
            continue;
        beginRemoveRows({}, row, row);
        m_rows.removeAt(row);
        endRemoveRows();
    }
    m_closed.clear();
    if (!m_opened.isEmpty()) {
        beginInsertRows({}, int(m_rows.size()), int(m_rows.size() + m_opened.size() - 1));
        m_rows.append(m_opened);
        endInsertRows();
        m_opened.clear();
    }
}

void SessionsModel::refresh()
{
    if (!m_admin || m_rows.isEmpty())
        return;
    int top = -1;
    int bottom = -1;
    for (const SessionInfo &fresh : m_admin->sessions()) {
        const int row = rowOf(fresh.id);
        if (row < 0)
            continue;
        SessionInfo &shown = m_rows[row];
        if (shown.subscriptions == fresh.subscriptions && shown.framesIn == fresh.framesIn
            && shown.framesOut == fresh.framesOut && shown.handle == fresh.handle)
            continue;
        shown = fresh;
        top = top < 0 ? row : qMin(top, row);
        bottom = qMax(bottom, row);
    }
    if (top >= 0)
        Q_EMIT dataChanged(index(top, Handle), index(bottom, Traffic));
}

int SessionsModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int SessionsModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant SessionsModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const SessionInfo &s = m_rows.at(index.row());
    switch (role) {
    case SessionIdRole:
        return s.id;
    case DidRole:
        return s.did;
    case Qt::DisplayRole:
        switch (index.column()) {
        case Did:
            return s.did;
        case Handle:
            return s.handle.isEmpty() ? QString() : QString(u'@' + s.handle);
        case Remote:
            return s.remote;
        case ConnectedSince:
            return Format::dateTime(s.connectedAt);
        case Subscriptions:
            if (s.subscriptions.isEmpty())
                return tr("none");
            if (s.subscriptions.size() == 1)
                return s.subscriptions.constFirst();
            return tr("%n document(s)", nullptr, int(s.subscriptions.size()));
        case Traffic:
            return tr("↓ %1 (%2)  ↑ %3 (%4)")
                .arg(Format::count(qint64(s.framesIn)), Format::bytes(qint64(s.bytesIn)),
                    Format::count(qint64(s.framesOut)), Format::bytes(qint64(s.bytesOut)));
        }
        break;
    case SortRole:
        switch (index.column()) {
        case ConnectedSince:
            return s.connectedAt;
        case Subscriptions:
            return int(s.subscriptions.size());
        case Traffic:
            return s.bytesIn + s.bytesOut;
        default:
            return data(index, Qt::DisplayRole);
        }
    case Qt::ToolTipRole:
        switch (index.column()) {
        case ConnectedSince:
            return tr("Connected for %1")
                .arg(Format::duration(s.connectedAt.secsTo(QDateTime::currentDateTimeUtc())));
        case Subscriptions:
            return s.subscriptions.isEmpty() ? QVariant() : s.subscriptions.join(u'\n');
        case Traffic:
            return tr("Received %1 frames, %2\nSent %3 frames, %4")
                .arg(Format::count(qint64(s.framesIn)), Format::bytes(qint64(s.bytesIn)),
                    Format::count(qint64(s.framesOut)), Format::bytes(qint64(s.bytesOut)));
        default:
            return tr("Session %1").arg(s.id);
        }
    }
    return {};
}

QVariant SessionsModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case Did:
        return tr("DID");
    case Handle:
        return tr("Handle");
    case Remote:
        return tr("Remote address");
    case ConnectedSince:
        return tr("Connected since");
    case Subscriptions:
        return tr("Subscriptions");
    case Traffic:
        return tr("Traffic");
    }
    return {};
}

} // namespace canopy::ui
