#include "rooms/PresenceModel.h"

#include "common/FlushTimer.h"
#include "common/Format.h"

#include <QDateTime>
#include <QTimer>

namespace canopy::ui {

PresenceModel::PresenceModel(QObject *parent)
    : KeyedTableModel<PresenceRow>(parent)
    , m_flush(new FlushTimer([this] { reload(); }, this))
    , m_ticker(new QTimer(this))
    , m_clock([] { return QDateTime::currentMSecsSinceEpoch(); })
{
    m_ticker->setInterval(TickMs);
    connect(m_ticker, &QTimer::timeout, this, &PresenceModel::tick);
}

void PresenceModel::setAdmin(AdminService *admin)
{
    if (m_admin)
        disconnect(m_admin, nullptr, this, nullptr);
    m_flush->cancel();
    m_admin = admin;
    clearRows();
    if (admin) {
        connect(admin, &AdminService::presenceChanged, this,
            [this](const QString &kind, const QString &name) {
                if (kind == m_kind && name == m_name)
                    m_flush->schedule();
            });
    }
    reload();
}

void PresenceModel::setRoom(const QString &kind, const QString &name)
{
    if (kind == m_kind && name == m_name)
        return;
    m_flush->cancel();
    m_kind = kind;
    m_name = name;
    clearRows(); // another room's keys are not this one's
    reload();
}

void PresenceModel::reload()
{
    if (!m_admin || m_name.isEmpty()) {
        clearRows();
        updateTicker();
        return;
    }
    QList<PresenceRow> rows;
    for (const BlockInfo &entry : m_admin->presence(m_name, m_kind)) {
        PresenceRow row;
        row.key = entry.peer;
        // The core describes a deletion as "(deleted)"; a string value would come quoted.
        row.deleted = entry.detail == u"(deleted)";
        if (!row.deleted)
            row.value = entry.detail;
        row.timestampMs = entry.timestampMs;
        rows.append(row);
    }
    std::sort(rows.begin(), rows.end(),
        [](const PresenceRow &a, const PresenceRow &b) { return a.key < b.key; });
    replaceRows(rows);
    updateTicker();
}

void PresenceModel::updateTicker()
{
    if (m_name.isEmpty())
        m_ticker->stop();
    else if (!m_ticker->isActive())
        m_ticker->start();
}

void PresenceModel::tick()
{
    reload(); // entries expire without a signal
    if (!m_rows.isEmpty())
        Q_EMIT dataChanged(index(0, Age), index(int(m_rows.size()) - 1, Age));
}

qint64 PresenceModel::ageSeconds(const PresenceRow &row) const
{
    // The writer's clock, not ours: a peer running ahead shows as 0 s, never negative.
    return qMax<qint64>(0, (m_clock() - row.timestampMs) / 1000);
}

bool PresenceModel::sameRow(const PresenceRow &a, const PresenceRow &b) const
{
    return a.key == b.key && a.value == b.value && a.timestampMs == b.timestampMs
        && a.deleted == b.deleted;
}

int PresenceModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant PresenceModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const PresenceRow &r = m_rows.at(index.row());
    switch (role) {
    case AgeSecondsRole:
        return ageSeconds(r);
    case Qt::DisplayRole:
        switch (index.column()) {
        case Key:
            return r.key;
        case Age:
            return Format::duration(ageSeconds(r));
        case Deleted:
            return r.deleted ? tr("deleted") : QString();
        case Value:
            return r.value;
        }
        break;
    case SortRole:
        switch (index.column()) {
        case Age:
            return ageSeconds(r);
        case Deleted:
            return r.deleted;
        default:
            return data(index, Qt::DisplayRole);
        }
    case Qt::ToolTipRole:
        if (index.column() == Age)
            return tr("Written at %1 by the writer's clock")
                .arg(Format::dateTime(QDateTime::fromMSecsSinceEpoch(r.timestampMs, Qt::UTC)));
        if (index.column() == Value && !r.value.isEmpty())
            return r.value;
        if (index.column() == Deleted && r.deleted)
            return tr("A deletion, kept until it expires so late joiners learn of it");
        break;
    case Qt::TextAlignmentRole:
        if (index.column() == Age)
            return int(Qt::AlignRight | Qt::AlignVCenter);
        break;
    }
    return {};
}

QVariant PresenceModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case Key:
        return tr("Key");
    case Age:
        return tr("Age");
    case Deleted:
        return tr("Deleted");
    case Value:
        return tr("Value");
    }
    return {};
}

} // namespace canopy::ui
