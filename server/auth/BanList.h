#pragma once

#include "store/StoreError.h"
#include "util/Expected.h"

#include <QDateTime>
#include <QHash>
#include <QObject>

namespace canopy {

class Database;

struct Ban
{
    QString did;
    QString reason;
    QDateTime since;
    QDateTime until; // null: until lifted

    bool isActive(const QDateTime &now) const { return !until.isValid() || until > now; }
};

// Banned DIDs, persisted; checked by the token exchange and the upgrade route. A ban whose
// `until` has passed no longer applies. DIDs are kept and looked up in their canonical spelling
// (util/Did.h), so no other spelling of a banned DID slips past.
class BanList final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(BanList)

public:
    static Expected<std::unique_ptr<BanList>, StoreError> open(Database &database);

    std::optional<Ban> activeBan(const QString &did) const;
    QList<Ban> all() const;
    Expected<Ban, StoreError> ban(
        const QString &did, const QString &reason, const QDateTime &until);
    Expected<bool, StoreError> unban(const QString &did); // false when there was no ban

Q_SIGNALS:
    void banned(const canopy::Ban &ban);
    void unbanned(const QString &did);

private:
    explicit BanList(Database &database);
    static QString spelling(const QString &did); // canonical, or as given when it is no DID
    Database &m_database;
    QHash<QString, Ban> m_bans; // few; kept whole in memory, written through
};

} // namespace canopy
