#include "tokens/TokensModel.h"

#include "admin/AdminService.h"
#include "common/FlushTimer.h"
#include "common/Format.h"

#include <QBrush>
#include <QColor>
#include <QTimer>

namespace canopy::ui {

TokensModel::TokensModel(QObject *parent)
    : KeyedTableModel<TokenRecord>(parent)
    , m_flush(new FlushTimer([this] { reload(); }, this))
    , m_tick(new QTimer(this))
    , m_now([] { return QDateTime::currentDateTimeUtc(); })
{
    m_tick->setInterval(1000);
    connect(m_tick, &QTimer::timeout, this, &TokensModel::tick);
}

void TokensModel::setAdmin(AdminService *admin)
{
    if (m_admin)
        disconnect(m_admin, nullptr, this, nullptr);
    m_flush->cancel();
    m_admin = admin;
    clearRows();
    if (!admin) {
        m_tick->stop();
        return;
    }
    connect(admin, &AdminService::tokensChanged, m_flush, &FlushTimer::schedule);
    m_tick->start();
    reload();
}

void TokensModel::reload()
{
    if (!m_admin)
        return;
    auto tokens = m_admin->tokens();
    if (!tokens) {
        Q_EMIT errorOccurred(tokens.error().message);
        return;
    }
    replaceRows(*tokens);
    for (const TokenRecord &t : std::as_const(m_rows)) {
        if (t.state(m_now()) == TokenRecord::State::Unused)
            m_counting.insert(t.id);
    }
}

void TokensModel::setClock(std::function<QDateTime()> now)
{
    m_now = std::move(now);
    tick();
}

void TokensModel::tick()
{
    // Only unused tokens count down. A token repaints while unused and once more on the tick
    // that finds it used, expired or revoked; settled rows cost nothing.
    const QDateTime now = m_now();
    int top = -1;
    int bottom = -1;
    QSet<qint64> counting;
    for (int i = 0; i < m_rows.size(); ++i) {
        const TokenRecord &t = m_rows.at(i);
        const bool unused = t.state(now) == TokenRecord::State::Unused;
        if (unused)
            counting.insert(t.id);
        if (!unused && !m_counting.contains(t.id))
            continue;
        top = top < 0 ? i : top;
        bottom = i;
    }
    m_counting = counting;
    if (top >= 0)
        Q_EMIT dataChanged(index(top, Expires), index(bottom, State));
}

bool TokensModel::sameRow(const TokenRecord &a, const TokenRecord &b) const
{
    return a.id == b.id && a.did == b.did && a.issuedAt == b.issuedAt && a.expiresAt == b.expiresAt
        && a.usedAt == b.usedAt && a.session == b.session && a.revokedAt == b.revokedAt;
}

QString TokensModel::stateText(TokenRecord::State state)
{
    switch (state) {
    case TokenRecord::State::Unused:
        return tr("unused");
    case TokenRecord::State::Used:
        return tr("used");
    case TokenRecord::State::Expired:
        return tr("expired");
    case TokenRecord::State::Revoked:
        return tr("revoked");
    }
    return {};
}

int TokensModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant TokensModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const TokenRecord &t = m_rows.at(index.row());
    const QDateTime now = m_now();
    const TokenRecord::State state = t.state(now);
    switch (role) {
    case TokenIdRole:
        return t.id;
    case StateRole:
        return int(state);
    case Qt::DisplayRole:
        switch (index.column()) {
        case Id:
            return t.id;
        case Did:
            return t.did;
        case Issued:
            return Format::dateTime(t.issuedAt);
        case Expires:
            if (state == TokenRecord::State::Unused)
                return tr("in %1").arg(Format::duration(now.secsTo(t.expiresAt)));
            return Format::dateTime(t.expiresAt);
        case State:
            return stateText(state);
        case Session:
            return t.session;
        }
        break;
    case SortRole:
        switch (index.column()) {
        case Id:
            return t.id;
        case Issued:
            return t.issuedAt;
        case Expires:
            return t.expiresAt;
        case State:
            return int(state);
        default:
            return data(index, Qt::DisplayRole);
        }
    case Qt::ForegroundRole:
        if (index.column() == State) {
            switch (state) {
            case TokenRecord::State::Unused:
                return QBrush(QColor(0x1e, 0x7b, 0x34));
            case TokenRecord::State::Revoked:
                return QBrush(QColor(0xb0, 0x20, 0x20));
            default:
                break;
            }
        }
        break;
    case Qt::ToolTipRole:
        if (index.column() == State && t.usedAt.isValid())
            return tr("Used %1").arg(Format::dateTime(t.usedAt));
        if (index.column() == State && t.revokedAt.isValid())
            return tr("Revoked %1").arg(Format::dateTime(t.revokedAt));
        if (index.column() == Expires)
            return Format::dateTime(t.expiresAt);
        break;
    }
    return {};
}

QVariant TokensModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case Id:
        return tr("#");
    case Did:
        return tr("DID");
    case Issued:
        return tr("Issued");
    case Expires:
        return tr("Expires");
    case State:
        return tr("State");
    case Session:
        return tr("Session");
    }
    return {};
}

} // namespace canopy::ui
