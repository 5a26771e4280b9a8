#pragma once

#include "admin/AdminService.h"
#include "auth/TokenIssuer.h"
#include "common/KeyedTableModel.h"

#include <functional>

#include <QPointer>
#include <QSet>

class QTimer;

namespace canopy::ui {

class FlushTimer;

// The token issuance history. Rows reload (batched) on tokensChanged; the countdown to expiry
// and the state are recomputed from the clock once a second, which is the only repaint an
// idle token list costs.
class TokensModel final : public KeyedTableModel<TokenRecord>
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(TokensModel)

public:
    enum Column
    {
        Id,
        Did,
        Issued,
        Expires,
        State,
        Session,
        ColumnCount
    };
    enum Role
    {
        TokenIdRole = Qt::UserRole + 1,
        StateRole, // TokenRecord::State as int
        SortRole,
    };

    explicit TokensModel(QObject *parent = nullptr);

    void setAdmin(AdminService *admin);
    void reload();
    // Tests pin the clock; the countdown is computed from it.
    void setClock(std::function<QDateTime()> now);

    static QString stateText(TokenRecord::State state);

    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(
        int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

Q_SIGNALS:
    void errorOccurred(const QString &message);

protected:
    QString keyOf(const TokenRecord &row) const override { return QString::number(row.id); }
    bool sameRow(const TokenRecord &a, const TokenRecord &b) const override;

private:
    void tick();

    QPointer<AdminService> m_admin;
    FlushTimer *m_flush;
    QTimer *m_tick;
    std::function<QDateTime()> m_now;
    QSet<qint64> m_counting; // unused at the last tick: they repaint until they settle
};

} // namespace canopy::ui
