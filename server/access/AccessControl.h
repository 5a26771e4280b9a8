#pragma once

#include "store/StoreError.h"
#include "util/Expected.h"

#include <memory>
#include <optional>

#include <QDateTime>
#include <QList>
#include <QObject>
#include <QString>

namespace canopy {

class BanList;
class Database;
class EventLog;

// What an identity may do with one document. Ordered: a stronger one includes the weaker.
enum class Permission
{
    None,
    Read,
    Write
};
QString permissionName(Permission permission); // "none", "read", "write"
std::optional<Permission> parsePermission(QStringView name);

// Who may connect at all (--access).
enum class AccessMode
{
    Open, // anyone with a token
    Members // only DIDs on the member list (access keys and the dev token are outside it)
};

struct Member
{
    QString did; // canonical (util/Did.h)
    QString note;
    QDateTime addedAt;
};

struct DocumentGrant
{
    QString identity; // a canonical DID or "key:<name>"
    Permission permission = Permission::Read; // Read or Write
};

// A document's rights: its owner (whose write created it; empty for a document that predates
// the record), the default for everyone else, and per-identity grants.
struct DocumentAccess
{
    QString owner;
    Permission defaultAccess = Permission::Write;
    QList<DocumentGrant> grants;
};

struct AccessKey
{
    QString name; // the identity is "key:<name>"
    QString scope; // an exact document id, or a prefix ending in '*'
    Permission permission = Permission::Read; // Read or Write
    QDateTime createdAt;
    QDateTime expiresAt; // null: never
};

struct IssuedAccessKey
{
    AccessKey key;
    QString value; // shown once; only its SHA-256 is stored
};

// The answer to "could this identity connect, read, write this document, and why?". `why`
// names the rule that decided, in a sentence an operator can read.
struct AccessDecision
{
    bool connect = false;
    bool read = false;
    bool write = false;
    QString why;

    Permission permission() const
    {
        return write ? Permission::Write : read ? Permission::Read : Permission::None;
    }
};

struct AccessError
{
    enum class Code
    {
        BadRequest, // a field is wrong: `message` names it
        NotFound,
        Conflict, // e.g. a key name already in use
        Store
    };
    Code code = Code::BadRequest;
    QString message;
};

// The one place that decides who may connect and what each identity may do with each document,
// for every protocol. Documents are named as the hub names them (DocumentKey::name: an EntityId
// or a room id); rights are per name, shared by every kind of that name (so presence in `%EPH`
// follows the `%LOR` document's read access). Identities are canonical DIDs or "key:<name>".
//
// Everything is persisted in the store and kept in memory, so a decision never waits on SQL.
// Every change is emitted at once; the hub and the session registry apply it to live sessions.
class AccessControl final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(AccessControl)

public:
    struct Settings
    {
        AccessMode mode = AccessMode::Open; // --access
        Permission documentDefault = Permission::Write; // --document-access, for new documents
    };
    static Expected<std::unique_ptr<AccessControl>, StoreError> open(
        Database &database, const Settings &settings);
    ~AccessControl() override;

    const Settings &settings() const;
    // The ban list decide() consults (bans win over everything); the host sets it once.
    void setBans(const BanList *bans);
    // Where what changes by itself (a key's expiry, a document's owner recorded at creation, a
    // failed write) is recorded as an event; the host sets it once.
    void setLog(EventLog *log);

    // Connecting. A DID may connect when the mode is open or it is a member; "key:<name>" when
    // the key exists and has not expired. The dev token is outside these rules (its caller
    // checks bans only) and acts as the DID it names for documents.
    bool mayConnect(const QString &identity) const;
    bool isMember(const QString &did) const;

    // Documents. An unknown document (not yet created) is judged by the default a new one would
    // get, with `identity` as its would-be owner: whoever may create it may write it.
    AccessDecision decide(const QString &identity, const QString &document) const;
    Permission permission(const QString &identity, const QString &document) const
    {
        return decide(identity, document).permission();
    }
    // Records the owner and the default of a document its first write creates; no-op if known.
    void documentCreated(const QString &document, const QString &identity);
    void documentDeleted(const QString &document);

    // An access key's identity when `value` is that key's and it is live (not expired).
    std::optional<QString> identityOfKey(const QString &name, const QString &value) const;

    // The operator's side (admin API and window). Each change is logged by the caller's
    // AdminService as an event (who, what, before -> after).
    QList<Member> members() const;
    Expected<Member, AccessError> addMember(const QString &did, const QString &note);
    Expected<void, AccessError> removeMember(const QString &did);

    std::optional<DocumentAccess> documentAccess(const QString &document) const;
    Expected<DocumentAccess, AccessError> setDocumentAccess(
        const QString &document, const DocumentAccess &access);

    QList<AccessKey> keys() const;
    Expected<IssuedAccessKey, AccessError> issueKey(const QString &name, const QString &scope,
        Permission permission, const QDateTime &expiresAt);
    Expected<void, AccessError> revokeKey(const QString &name);

Q_SIGNALS:
    // Something that may change decisions for `document` (empty: for any document) changed.
    void accessChanged(const QString &document);
    // These identities may no longer connect: their sessions are closed with 4403.
    void identityShutOut(const QString &identity);
    void membersChanged();
    void keysChanged();

private:
    void announceExpiries(); // identityShutOut for keys whose expiry passed; re-arms the timer
    struct Private;
    explicit AccessControl(std::unique_ptr<Private> d);
    std::unique_ptr<Private> d;
};

} // namespace canopy

Q_DECLARE_METATYPE(canopy::AccessDecision)
