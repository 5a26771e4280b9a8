#pragma once

#include "access/AccessControl.h"

#include <QHash>

namespace canopy {

// The host's members (--access members), persisted and kept whole in memory: a member check
// is a hash lookup. DIDs are stored in their canonical spelling; the caller canonicalizes.
class MemberList final
{
public:
    static Expected<std::unique_ptr<MemberList>, StoreError> open(Database &database);

    bool contains(const QString &did) const { return m_members.contains(did); }
    std::optional<Member> find(const QString &did) const;
    QList<Member> all() const; // oldest first
    // Adds the DID, or replaces the note of one already listed (keeping when it was added).
    Expected<Member, StoreError> add(const QString &did, const QString &note);
    Expected<bool, StoreError> remove(const QString &did); // false when it was not listed

private:
    explicit MemberList(Database &database);
    Database &m_database;
    QHash<QString, Member> m_members;
};

} // namespace canopy
