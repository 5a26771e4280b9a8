#include "access/MemberList.h"

#include "store/Database.h"

#include <algorithm>

#include <QSqlQuery>
#include <QVariant>

namespace canopy {

MemberList::MemberList(Database &database)
    : m_database(database)
{
}

Expected<std::unique_ptr<MemberList>, StoreError> MemberList::open(Database &database)
{
    std::unique_ptr<MemberList> list(new MemberList(database));
    QSqlQuery query(database.handle());
    query.prepare(QStringLiteral("SELECT did, note, added_at FROM members"));
    if (auto ok = Database::exec(query, "load members"); !ok)
        return unexpected(ok.error());
    while (query.next()) {
        Member member;
        member.did = query.value(0).toString();
        member.note = query.value(1).toString();
        member.addedAt = QDateTime::fromMSecsSinceEpoch(query.value(2).toLongLong(), Qt::UTC);
        list->m_members.insert(member.did, member);
    }
    return list;
}

std::optional<Member> MemberList::find(const QString &did) const
{
    const auto it = m_members.constFind(did);
    if (it == m_members.constEnd())
        return std::nullopt;
    return *it;
}

QList<Member> MemberList::all() const
{
    QList<Member> members = m_members.values();
    std::sort(members.begin(), members.end(), [](const Member &a, const Member &b) {
        return a.addedAt != b.addedAt ? a.addedAt < b.addedAt : a.did < b.did;
    });
    return members;
}

Expected<Member, StoreError> MemberList::add(const QString &did, const QString &note)
{
    Member member {did, note, QDateTime::currentDateTimeUtc()};
    if (const auto it = m_members.constFind(did); it != m_members.constEnd())
        member.addedAt = it->addedAt;
    QSqlQuery query(m_database.handle());
    query.prepare(QStringLiteral("INSERT INTO members(did, note, added_at) VALUES (?, ?, ?) "
                                 "ON CONFLICT(did) DO UPDATE SET note = excluded.note"));
    query.addBindValue(did);
    query.addBindValue(note.isNull() ? QStringLiteral("") : note);
    query.addBindValue(member.addedAt.toMSecsSinceEpoch());
    if (auto ok = Database::exec(query, "store member"); !ok)
        return unexpected(ok.error());
    m_members.insert(did, member);
    return member;
}

Expected<bool, StoreError> MemberList::remove(const QString &did)
{
    QSqlQuery query(m_database.handle());
    query.prepare(QStringLiteral("DELETE FROM members WHERE did = ?"));
    query.addBindValue(did);
    if (auto ok = Database::exec(query, "remove member"); !ok)
        return unexpected(ok.error());
    return m_members.remove(did) > 0;
}

} // namespace canopy
