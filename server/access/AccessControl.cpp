#include "access/AccessControl.h"

#include "access/AccessKeyStore.h"
#include "access/AccessRules.h"
#include "access/DocumentAccessStore.h"
#include "access/MemberList.h"
#include "auth/BanList.h"
#include "auth/Base64Url.h"
#include "log/EventLog.h"
#include "log/LogCategories.h"

#include <limits>

#include <QRandomGenerator>
#include <QSet>
#include <QTimer>

namespace canopy {
namespace {

AccessError storeFailure(const StoreError &error)
{
    return AccessError {AccessError::Code::Store, error.message};
}

AccessError badRequest(QString message)
{
    return AccessError {AccessError::Code::BadRequest, std::move(message)};
}

// 32 bytes from the system CSPRNG (getrandom), base64url: 43 characters, a valid token in a
// Sec-WebSocket-Protocol value and in a loro-protocol join's auth.
QString newKeyValue()
{
    QByteArray bytes(32, Qt::Uninitialized);
    QRandomGenerator::system()->generate(
        reinterpret_cast<quint32 *>(bytes.data()), reinterpret_cast<quint32 *>(bytes.data() + 32));
    return QString::fromLatin1(auth::encodeBase64Url(bytes));
}

// Constant-time: the hash of a wrong guess says nothing by how long it takes to refuse.
bool sameHash(const QByteArray &a, const QByteArray &b)
{
    if (a.size() != b.size())
        return false;
    unsigned char diff = 0;
    for (qsizetype i = 0; i < a.size(); ++i)
        diff |= static_cast<unsigned char>(a[i] ^ b[i]);
    return diff == 0;
}

} // namespace

QString permissionName(Permission permission)
{
    switch (permission) {
    case Permission::None:
        return QStringLiteral("none");
    case Permission::Read:
        return QStringLiteral("read");
    case Permission::Write:
        return QStringLiteral("write");
    }
    return {};
}

std::optional<Permission> parsePermission(QStringView name)
{
    if (name == u"none")
        return Permission::None;
    if (name == u"read")
        return Permission::Read;
    if (name == u"write")
        return Permission::Write;
    return std::nullopt;
}

struct AccessControl::Private
{
    Settings settings;
    std::unique_ptr<MemberList> members;
    std::unique_ptr<DocumentAccessStore> documents;
    std::unique_ptr<AccessKeyStore> keys;
    const BanList *bans = nullptr;
    EventLog *log = nullptr;
    QTimer expiry; // fires at the next key expiry
    QSet<QString> expired; // keys whose expiry has been announced

    void record(QtMsgType level, const QString &message, const LogFields &fields) const
    {
        if (log) {
            log->record(level, lcAccess(), message, fields);
            return;
        }
        QStringList text;
        for (const auto &[key, value] : fields)
            text.append(key + u'=' + value);
        if (level == QtWarningMsg)
            qCWarning(lcAccess).noquote() << message << text.join(u' ');
        else
            qCInfo(lcAccess).noquote() << message << text.join(u' ');
    }

    AccessFacts facts(const QString &identity, const QString &document) const
    {
        AccessFacts f;
        f.identity = identity;
        f.document = document;
        f.mode = settings.mode;
        f.newDocumentDefault = settings.documentDefault;
        f.now = QDateTime::currentDateTimeUtc();
        if (bans) {
            if (auto ban = bans->activeBan(identity))
                f.banReason = ban->reason;
        }
        if (const auto name = AccessRules::keyNameOf(identity)) {
            if (const AccessKeyStore::Entry *entry = keys->find(*name))
                f.key = &entry->key;
        } else {
            f.member = members->contains(identity);
        }
        f.access = documents->find(document);
        return f;
    }
};

AccessControl::AccessControl(std::unique_ptr<Private> d)
    : d(std::move(d))
{
    this->d->expiry.setSingleShot(true);
    // A coarse timer may fire 5% late: a key expiring in an hour would live three minutes on.
    this->d->expiry.setTimerType(Qt::PreciseTimer);
    connect(&this->d->expiry, &QTimer::timeout, this, &AccessControl::announceExpiries);
    announceExpiries();
}

AccessControl::~AccessControl() = default;

Expected<std::unique_ptr<AccessControl>, StoreError> AccessControl::open(
    Database &database, const Settings &settings)
{
    auto d = std::make_unique<Private>();
    d->settings = settings;
    auto members = MemberList::open(database);
    if (!members)
        return unexpected(members.error());
    d->members = std::move(*members);
    auto documents = DocumentAccessStore::open(database);
    if (!documents)
        return unexpected(documents.error());
    d->documents = std::move(*documents);
    auto keys = AccessKeyStore::open(database);
    if (!keys)
        return unexpected(keys.error());
    d->keys = std::move(*keys);
    return std::unique_ptr<AccessControl>(new AccessControl(std::move(d)));
}

const AccessControl::Settings &AccessControl::settings() const
{
    return d->settings;
}

void AccessControl::setBans(const BanList *bans)
{
    d->bans = bans;
}

void AccessControl::setLog(EventLog *log)
{
    d->log = log;
}

bool AccessControl::mayConnect(const QString &identity) const
{
    if (const auto name = AccessRules::keyNameOf(identity)) {
        const AccessKeyStore::Entry *entry = d->keys->find(*name);
        return entry
            && (!entry->key.expiresAt.isValid()
                || entry->key.expiresAt > QDateTime::currentDateTimeUtc());
    }
    return d->settings.mode == AccessMode::Open || d->members->contains(identity);
}

bool AccessControl::isMember(const QString &did) const
{
    return d->members->contains(did);
}

AccessDecision AccessControl::decide(const QString &identity, const QString &document) const
{
    return AccessRules::decide(d->facts(identity, document));
}

void AccessControl::documentCreated(const QString &document, const QString &identity)
{
    const DocumentAccess *known = d->documents->find(document);
    if (known && !known->owner.isEmpty())
        return;
    // A document the operator provisioned before it existed keeps its default and grants; its
    // creator becomes its owner when the operator named none.
    DocumentAccess access = known ? *known : DocumentAccess {};
    if (!known)
        access.defaultAccess = d->settings.documentDefault;
    access.owner = identity;
    if (auto stored = d->documents->set(document, access); !stored) {
        d->record(QtWarningMsg, QStringLiteral("cannot record a document's owner"),
            {{QStringLiteral("entity"), document}, {QStringLiteral("did"), identity},
                {QStringLiteral("reason"), stored.error().message}});
        return;
    }
    d->record(QtInfoMsg, QStringLiteral("document owner recorded"),
        {{QStringLiteral("actor"), identity}, {QStringLiteral("target"), document},
            {QStringLiteral("entity"), document}, {QStringLiteral("did"), identity},
            {QStringLiteral("before"), QString()},
            {QStringLiteral("after"),
                QStringLiteral("{\"owner\":\"%1\",\"default\":\"%2\"}")
                    .arg(identity, permissionName(access.defaultAccess))}});
    Q_EMIT accessChanged(document);
}

void AccessControl::documentDeleted(const QString &document)
{
    auto removed = d->documents->remove(document);
    if (!removed) {
        d->record(QtWarningMsg, QStringLiteral("cannot forget a document's access"),
            {{QStringLiteral("entity"), document},
                {QStringLiteral("reason"), removed.error().message}});
        return;
    }
    if (*removed)
        Q_EMIT accessChanged(document);
}

std::optional<QString> AccessControl::identityOfKey(const QString &name, const QString &value) const
{
    const AccessKeyStore::Entry *entry = d->keys->find(name);
    if (!entry || value.isEmpty())
        return std::nullopt;
    if (!sameHash(entry->hash, AccessKeyStore::hashOf(value)))
        return std::nullopt;
    if (entry->key.expiresAt.isValid() && entry->key.expiresAt <= QDateTime::currentDateTimeUtc())
        return std::nullopt;
    return AccessRules::keyIdentity(name);
}

QList<Member> AccessControl::members() const
{
    return d->members->all();
}

Expected<Member, AccessError> AccessControl::addMember(const QString &did, const QString &note)
{
    auto added = d->members->add(did, note);
    if (!added)
        return unexpected(storeFailure(added.error()));
    Q_EMIT membersChanged();
    return *added;
}

Expected<void, AccessError> AccessControl::removeMember(const QString &did)
{
    auto removed = d->members->remove(did);
    if (!removed)
        return unexpected(storeFailure(removed.error()));
    if (!*removed) {
        return unexpected(
            AccessError {AccessError::Code::NotFound, did + QStringLiteral(" is not a member")});
    }
    Q_EMIT membersChanged();
    if (d->settings.mode == AccessMode::Members)
        Q_EMIT identityShutOut(did);
    return {};
}

std::optional<DocumentAccess> AccessControl::documentAccess(const QString &document) const
{
    if (const DocumentAccess *access = d->documents->find(document))
        return *access;
    return std::nullopt;
}

Expected<DocumentAccess, AccessError> AccessControl::setDocumentAccess(
    const QString &document, const DocumentAccess &given)
{
    DocumentAccess access = given;
    // One grant per identity: the last one named wins, as a PUT of a list would read.
    QList<DocumentGrant> grants;
    for (const DocumentGrant &grant : std::as_const(access.grants)) {
        if (grant.permission == Permission::None)
            return unexpected(badRequest(QStringLiteral("'grants' must give read or write")));
        const auto same = std::find_if(grants.begin(), grants.end(),
            [&](const DocumentGrant &g) { return g.identity == grant.identity; });
        if (same != grants.end())
            same->permission = grant.permission;
        else
            grants.append(grant);
    }
    access.grants = grants;
    if (auto stored = d->documents->set(document, access); !stored)
        return unexpected(storeFailure(stored.error()));
    Q_EMIT accessChanged(document);
    return access;
}

QList<AccessKey> AccessControl::keys() const
{
    return d->keys->all();
}

Expected<IssuedAccessKey, AccessError> AccessControl::issueKey(
    const QString &name, const QString &scope, Permission permission, const QDateTime &expiresAt)
{
    if (!AccessRules::isValidKeyName(name))
        return unexpected(
            badRequest(QStringLiteral("'name' must be 1-64 characters of A-Z a-z 0-9 . _ -")));
    if (!AccessRules::isValidScope(scope)) {
        return unexpected(
            badRequest(QStringLiteral("'scope' must be a document id, or a prefix ending in '*'")));
    }
    if (permission == Permission::None)
        return unexpected(badRequest(QStringLiteral("'permission' must be read or write")));
    const QDateTime now = QDateTime::currentDateTimeUtc();
    if (expiresAt.isValid() && expiresAt <= now)
        return unexpected(badRequest(QStringLiteral("'expiresAt' must be in the future")));
    if (d->keys->find(name)) {
        return unexpected(AccessError {AccessError::Code::Conflict,
            QStringLiteral("an access key named '%1' exists").arg(name)});
    }
    IssuedAccessKey issued;
    issued.key.name = name;
    issued.key.scope = scope;
    issued.key.permission = permission;
    // Stored to the millisecond: what is shown now is what a reload reads.
    issued.key.createdAt = QDateTime::fromMSecsSinceEpoch(now.toMSecsSinceEpoch(), Qt::UTC);
    if (expiresAt.isValid()) {
        issued.key.expiresAt
            = QDateTime::fromMSecsSinceEpoch(expiresAt.toMSecsSinceEpoch(), Qt::UTC);
    }
    issued.value = newKeyValue();
    if (auto stored = d->keys->add(issued.key, AccessKeyStore::hashOf(issued.value)); !stored)
        return unexpected(storeFailure(stored.error()));
    d->expired.remove(name);
    Q_EMIT keysChanged();
    announceExpiries();
    return issued;
}

Expected<void, AccessError> AccessControl::revokeKey(const QString &name)
{
    auto removed = d->keys->remove(name);
    if (!removed)
        return unexpected(storeFailure(removed.error()));
    if (!*removed) {
        return unexpected(AccessError {
            AccessError::Code::NotFound, QStringLiteral("no access key named '%1'").arg(name)});
    }
    d->expired.remove(name);
    Q_EMIT keysChanged();
    Q_EMIT identityShutOut(AccessRules::keyIdentity(name));
    announceExpiries();
    return {};
}

void AccessControl::announceExpiries()
{
    const QDateTime now = QDateTime::currentDateTimeUtc();
    qint64 nextMs = std::numeric_limits<qint64>::max();
    QStringList newlyExpired;
    for (const AccessKey &key : d->keys->all()) {
        if (!key.expiresAt.isValid())
            continue;
        const qint64 in = now.msecsTo(key.expiresAt);
        if (in > 0)
            nextMs = std::min(nextMs, in);
        else if (!d->expired.contains(key.name))
            newlyExpired.append(key.name);
    }
    // A timer's interval is an int: a far expiry is approached in steps of at most an hour.
    if (nextMs != std::numeric_limits<qint64>::max())
        d->expiry.start(int(std::min<qint64>(nextMs, 3600 * 1000)));
    else
        d->expiry.stop();
    for (const QString &name : std::as_const(newlyExpired)) {
        d->expired.insert(name);
        d->record(QtInfoMsg, QStringLiteral("access key expired"),
            {{QStringLiteral("actor"), QStringLiteral("host")},
                {QStringLiteral("target"), AccessRules::keyIdentity(name)},
                {QStringLiteral("reason"), QStringLiteral("key-expired")}});
        Q_EMIT identityShutOut(AccessRules::keyIdentity(name));
    }
    if (!newlyExpired.isEmpty())
        Q_EMIT keysChanged();
}

} // namespace canopy
