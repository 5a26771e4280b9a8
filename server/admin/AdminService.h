#pragma once

#include "admin/AdminTypes.h"
#include "auth/TokenIssuer.h"
#include "backup/BackupStatus.h"
#include "log/EventLog.h"
#include "tls/TlsInfo.h"
#include "util/Expected.h"

#include <functional>

#include <QObject>

namespace canopy {

class AccessControl;
class BackupScheduler;
class BanList;
class DidResolver;
class DocumentHub;
class Metrics;
class PeerSession;
class SessionRegistry;
class UnitStore;
struct DocumentKey;

struct LogQuery
{
    quint64 since = 0; // entries with seq > since
    QString level; // minimum level name: debug, info, warning, error
    QString category; // exact category, e.g. canopy.sync
    QString did; // entries whose did field equals this
    int limit = 1000;
};

// One set of operator operations over the running core: sessions, documents, tokens, bans, the
// event log and metrics. The window calls it in process; AdminRoute serves it as JSON. It reads
// the subsystems the host hands it and never reaches the host itself.
class AdminService final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(AdminService)

public:
    static constexpr int RevokedCloseCode = 4403;

    struct Parts
    {
        SessionRegistry *sessions;
        DocumentHub *hub;
        UnitStore *store;
        TokenIssuer *tokens;
        BanList *bans;
        AccessControl *access;
        DidResolver *resolver;
        EventLog *log;
        Metrics *metrics;
    };
    explicit AdminService(Parts parts, QObject *parent = nullptr);

    // Sessions
    QList<SessionInfo> sessions() const;
    std::optional<SessionInfo> session(const QString &id) const;
    Expected<void, AdminError> revokeSession(const QString &id); // closes with 4403

    // Documents, named within their kind. An empty `kind` picks the one document of that name
    // (a Loro one when several kinds share it).
    Expected<QList<DocumentInfo>, AdminError> documents() const;
    Expected<DocumentDetail, AdminError> document(
        const QString &name, const QString &kind = {}) const;
    Expected<DocumentExport, AdminError> exportDocument(
        const QString &name, const QString &kind = {}) const;
    // Conflict while someone is joined.
    Expected<void, AdminError> deleteDocument(const QString &name, const QString &kind = {});
    // What an in-memory room holds now: its ephemeral entries (presence), described.
    QList<BlockInfo> presence(const QString &name, const QString &kind) const;

    // Tokens
    Expected<QList<TokenRecord>, AdminError> tokens() const;
    Expected<void, AdminError> revokeToken(qint64 id);
    // A connection token for `did`, issued by the operator; the value is returned once.
    Expected<IssuedToken, AdminError> issueToken(const QString &did);

    // Bans: a ban closes the DID's live sockets with 4403 at once.
    Expected<QList<BanInfo>, AdminError> bans() const;
    Expected<BanInfo, AdminError> ban(
        const QString &did, const QString &reason, const QDateTime &until);
    Expected<void, AdminError> unban(const QString &did);

    // Access control (issue 11): members, each document's owner/default/grants, access keys,
    // and the simulator. Each change is an event in the log (who, what, before -> after); `actor`
    // names who made it ("admin-api", "window").
    // Who may connect at all: "open" (anyone with a token) or "members" (--access); and the
    // default access a new document gets (--document-access): "none", "read" or "write".
    QString accessMode() const;
    QString newDocumentAccess() const;
    QList<MemberInfo> members() const;
    Expected<MemberInfo, AdminError> addMember(
        const QString &did, const QString &note, const QString &actor);
    Expected<void, AdminError> removeMember(const QString &did, const QString &actor);
    Expected<DocumentAccessInfo, AdminError> documentAccess(const QString &document) const;
    Expected<DocumentAccessInfo, AdminError> setDocumentAccess(
        const QString &document, const DocumentAccessInfo &access, const QString &actor);
    QList<AccessKeyInfo> accessKeys() const;
    Expected<IssuedAccessKeyInfo, AdminError> issueAccessKey(const QString &name,
        const QString &scope, const QString &permission, const QDateTime &expiresAt,
        const QString &actor);
    Expected<void, AdminError> revokeAccessKey(const QString &name, const QString &actor);
    Expected<AccessCheck, AdminError> checkAccess(
        const QString &identity, const QString &document) const;

    // Event log and metrics
    QList<LogEntry> log(const LogQuery &query) const;
    QString metricsText() const; // Prometheus text exposition

    // Traffic capture costs a copy per frame; it runs only while someone watches.
    void setTrafficCapture(bool on);
    bool trafficCapture() const { return m_capture; }

    const Parts &parts() const { return m_parts; }

    // Backups (set once by the host): the copies in the backup dir (newest first), how the
    // scheduler is doing, and one now. backUpNow() answers at once with Conflict (no backup dir,
    // or one is running); otherwise `done` runs (in `context`'s thread) when the copy is verified
    // and renamed, or failed (Code::BackupFailed saying why).
    void setBackups(BackupScheduler *backups);
    Expected<QList<BackupEntry>, AdminError> backups() const;
    BackupStatus backupStatus() const;
    Expected<void, AdminError> backUpNow(
        QObject *context, std::function<void(const Expected<BackupEntry, AdminError> &)> done);

    // The certificate the port serves (enabled false: plain HTTP); set once by the host.
    TlsInfo tls() const { return m_tls; }
    void setTls(const TlsInfo &info) { m_tls = info; }

Q_SIGNALS:
    void sessionOpened(const canopy::SessionInfo &session);
    void sessionClosed(const QString &sessionId);
    void documentChanged(const QString &entityId); // units stored or the document deleted
    void sessionChanged(const QString &sessionId); // joined or left a room, authenticated
    void presenceChanged(const QString &kind, const QString &name);
    void tokensChanged();
    void bansChanged();
    void membersChanged();
    void accessKeysChanged();
    void documentAccessChanged(const QString &document); // empty: any document
    void logEntryAdded(const canopy::LogEntry &entry);
    void frameCaptured(const canopy::TrafficFrame &frame);
    void backupsChanged(); // a backup started or ended, or the next one was scheduled

private:
    void watchSession(PeerSession *session);
    SessionInfo infoOf(const PeerSession *session) const;
    Expected<DocumentKey, AdminError> resolve(const QString &name, const QString &kind) const;
    // What a kind adds to its listing (a Yjs document's clients and state vector).
    void describeKind(DocumentInfo &info) const;

    Parts m_parts;
    bool m_capture = false;
    quint64 m_frameSeq = 0;
    BackupScheduler *m_backups = nullptr;
    TlsInfo m_tls;
};

} // namespace canopy
