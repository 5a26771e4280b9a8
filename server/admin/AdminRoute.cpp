#include "admin/AdminRoute.h"

#include "admin/AdminRequest.h"
#include "admin/AdminService.h"
#include "http/HttpExchange.h"
#include "sync/SessionRegistry.h"
#include "util/Did.h"

#include <openssl/crypto.h>

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QPointer>
#include <QUrl>

namespace canopy {
namespace {

QString iso(const QDateTime &time)
{
    return time.isValid() ? time.toUTC().toString(Qt::ISODateWithMs) : QString();
}

QJsonValue isoOrNull(const QDateTime &time)
{
    return time.isValid() ? QJsonValue(iso(time)) : QJsonValue(QJsonValue::Null);
}

HttpResponse failure(const AdminError &error)
{
    return HttpResponse::error(error.httpStatus(), error.name(), error.message);
}

HttpResponse notFound(const HttpRequest &request)
{
    return HttpResponse::error(404, QStringLiteral("NotFound"),
        QStringLiteral("no admin route for %1 %2")
            .arg(QString::fromLatin1(request.method), request.path));
}

HttpResponse ok()
{
    return HttpResponse::json(200, QJsonObject {{QStringLiteral("ok"), true}});
}

QJsonObject sessionJson(const SessionInfo &s)
{
    QJsonObject o {
        {QStringLiteral("id"), s.id},
        {QStringLiteral("protocol"), s.protocol},
        {QStringLiteral("authenticated"), s.authenticated},
        {QStringLiteral("did"), s.did},
        {QStringLiteral("handle"),
            s.handle.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(s.handle)},
        {QStringLiteral("remote"), s.remote},
        {QStringLiteral("connectedAt"), iso(s.connectedAt)},
        {QStringLiteral("framesIn"), double(s.framesIn)},
        {QStringLiteral("framesOut"), double(s.framesOut)},
        {QStringLiteral("bytesIn"), double(s.bytesIn)},
        {QStringLiteral("bytesOut"), double(s.bytesOut)},
    };
    // Sync1 sessions keep the shape existing clients know (`subscriptions`); every session lists
    // its rooms with the permission it holds in each now.
    if (s.protocol == u"sync1")
        o.insert(QStringLiteral("subscriptions"), QJsonArray::fromStringList(s.subscriptions));
    QJsonArray rooms;
    for (const RoomInfo &room : s.rooms) {
        rooms.append(QJsonObject {{QStringLiteral("id"), room.id},
            {QStringLiteral("kind"), room.kind}, {QStringLiteral("permission"), room.permission}});
    }
    o.insert(QStringLiteral("rooms"), rooms);
    return o;
}

QJsonObject documentJson(const DocumentInfo &d)
{
    QJsonObject o {
        {QStringLiteral("id"), d.entityId},
        {QStringLiteral("kind"), d.kind},
        {QStringLiteral("entityId"), d.entityId},
        {QStringLiteral("blocks"), double(d.blocks)},
        {QStringLiteral("bytes"), double(d.bytes)},
        {QStringLiteral("peers"), double(d.peers)},
        {QStringLiteral("subscribers"), double(d.subscribers)},
        {QStringLiteral("updatedAt"), iso(d.updatedAt)},
        {QStringLiteral("lastWriter"),
            d.lastWriter.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(d.lastWriter)},
    };
    if (d.kind == u"yjs") {
        // Client ids are up to 2^53 and clocks too: keys are strings anyway, clocks exact in a
        // double.
        QJsonObject vector;
        for (const ClientClock &entry : d.stateVector)
            vector.insert(QString::number(entry.client), double(entry.clock));
        o.insert(QStringLiteral("clients"), double(d.peers));
        o.insert(QStringLiteral("updates"), double(d.blocks));
        o.insert(QStringLiteral("stateVector"), vector);
    }
    return o;
}

QJsonObject blockJson(const BlockInfo &b)
{
    return QJsonObject {
        // Peer ids are u64: as a string, so no JSON reader rounds them.
        {QStringLiteral("peer"), b.peer},
        {QStringLiteral("counterStart"), double(b.counterStart)},
        {QStringLiteral("counterEnd"), double(b.counterEnd)},
        {QStringLiteral("lamportStart"), double(b.lamportStart)},
        {QStringLiteral("lamportEnd"), double(b.lamportEnd)},
        {QStringLiteral("changes"), double(b.changes)},
        {QStringLiteral("size"), double(b.size)},
        {QStringLiteral("receivedAt"), iso(b.receivedAt)},
        {QStringLiteral("fromDid"),
            b.fromDid.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(b.fromDid)},
        {QStringLiteral("detail"),
            b.detail.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(b.detail)},
    };
}

// Several payloads (to be imported in order) travel as multipart/mixed, one part each.
HttpResponse exportResponse(const DocumentExport &exported)
{
    HttpResponse response;
    const QByteArray disposition = "attachment; filename=\"" + exported.fileName.toLatin1() + "\"";
    if (exported.payloads.size() == 1) {
        response.body = exported.payloads.front();
        response.setHeader("Content-Type", "application/octet-stream");
        response.setHeader("Content-Disposition", disposition);
        return response;
    }
    const QByteArray boundary = "canopy-export-" + QByteArray::number(exported.payloads.size());
    for (qsizetype i = 0; i < exported.payloads.size(); ++i) {
        response.body += "--" + boundary + "\r\nContent-Type: application/octet-stream\r\n"
            + "Content-Disposition: attachment; filename=\"" + exported.fileName.toLatin1() + "."
            + QByteArray::number(i + 1) + "\"\r\n\r\n";
        response.body += exported.payloads[i];
        response.body += "\r\n";
    }
    response.body += "--" + boundary + "--\r\n";
    response.setHeader("Content-Type", "multipart/mixed; boundary=" + boundary);
    return response;
}

QJsonObject tokenJson(const TokenRecord &t, const QDateTime &now)
{
    return QJsonObject {
        {QStringLiteral("id"), QString::number(t.id)},
        {QStringLiteral("did"), t.did},
        {QStringLiteral("issuedAt"), iso(t.issuedAt)},
        {QStringLiteral("expiresAt"), iso(t.expiresAt)},
        {QStringLiteral("state"), TokenRecord::stateName(t.state(now))},
        {QStringLiteral("session"),
            t.session.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(t.session)},
    };
}

QJsonObject banJson(const BanInfo &b)
{
    return QJsonObject {
        {QStringLiteral("did"), b.did},
        {QStringLiteral("reason"), b.reason},
        {QStringLiteral("since"), iso(b.since)},
        {QStringLiteral("until"), isoOrNull(b.until)},
    };
}

QJsonObject logJson(const LogEntry &e)
{
    QJsonObject o {
        {QStringLiteral("seq"), double(e.seq)},
        {QStringLiteral("time"), iso(e.time)},
        {QStringLiteral("level"), EventLog::levelName(e.level)},
        {QStringLiteral("category"), e.category},
        {QStringLiteral("message"), e.message},
    };
    for (const auto &[key, value] : e.fields) {
        if (!o.contains(key))
            o.insert(key, value);
    }
    return o;
}

QJsonValue stringOrNull(const QString &value)
{
    return value.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(value);
}

QJsonObject memberJson(const MemberInfo &m)
{
    return QJsonObject {
        {QStringLiteral("did"), m.did},
        {QStringLiteral("handle"), stringOrNull(m.handle)},
        {QStringLiteral("note"), m.note},
        {QStringLiteral("addedAt"), iso(m.addedAt)},
    };
}

QJsonObject documentAccessJson(const DocumentAccessInfo &a)
{
    QJsonArray grants;
    for (const GrantInfo &grant : a.grants) {
        grants.append(QJsonObject {{QStringLiteral("identity"), grant.identity},
            {QStringLiteral("permission"), grant.permission}});
    }
    return QJsonObject {
        {QStringLiteral("owner"), stringOrNull(a.owner)},
        {QStringLiteral("default"), a.defaultAccess},
        {QStringLiteral("grants"), grants},
    };
}

QJsonObject keyJson(const AccessKeyInfo &k)
{
    return QJsonObject {
        {QStringLiteral("name"), k.name},
        {QStringLiteral("identity"), QString(QStringLiteral("key:") + k.name)},
        {QStringLiteral("scope"), k.scope},
        {QStringLiteral("permission"), k.permission},
        {QStringLiteral("createdAt"), iso(k.createdAt)},
        {QStringLiteral("expiresAt"), isoOrNull(k.expiresAt)},
        {QStringLiteral("sessions"), k.sessions},
    };
}

QJsonObject backupJson(const BackupEntry &b)
{
    return QJsonObject {
        {QStringLiteral("file"), b.file},
        {QStringLiteral("bytes"), double(b.bytes)},
        {QStringLiteral("time"), iso(b.time)},
        {QStringLiteral("verified"), b.verified},
    };
}

// A DID in a path segment, as written (did:web:host%3A80) or percent-encoded whole, in its
// canonical spelling; what is not a DID goes on as sent, for the service to refuse by name.
QString didFromSegment(const QString &raw)
{
    auto did = Did::fromPathSegment(raw);
    return did ? *did : raw;
}

} // namespace

AdminRoute::AdminRoute(AdminService &admin, bool allowRemote)
    : m_admin(admin)
    , m_allowRemote(allowRemote)
{
}

bool AdminRoute::matches(const HttpRequest &request) const
{
    return request.rawPath == u"/metrics" || request.rawPath == u"/admin"
        || request.rawPath.startsWith(u"/admin/");
}

void AdminRoute::handle(HttpExchange &exchange)
{
    const HttpRequest &request = exchange.request();
    if (!m_allowRemote && !request.remoteAddress.isLoopback()
        && request.remoteAddress.toIPv4Address() >> 24 != 127) {
        exchange.respond(HttpResponse::error(403, QStringLiteral("Forbidden"),
            QStringLiteral(
                "the admin API answers only on loopback; start Canopy with --admin-remote")));
        return;
    }
    if (m_token.isEmpty()) {
        exchange.respond(HttpResponse::error(503, QStringLiteral("AdminTokenUnavailable"),
            QStringLiteral("the admin token is not available yet")));
        return;
    }
    const QByteArray authorization = request.header("authorization");
    const QByteArray given
        = authorization.startsWith("Bearer ") ? authorization.mid(7).trimmed() : QByteArray();
    const bool valid = given.size() == m_token.size()
        && CRYPTO_memcmp(given.constData(), m_token.constData(), size_t(given.size())) == 0;
    if (!valid) {
        exchange.respond(HttpResponse::error(401, QStringLiteral("AuthenticationRequired"),
            given.isEmpty() ? QStringLiteral("send Authorization: Bearer <admin token>")
                            : QStringLiteral("the admin token is not valid")));
        return;
    }
    // A backup answers once its copy is verified: later, from the worker's result.
    if (request.rawPath == u"/admin/backups" && request.method == "POST") {
        QPointer<HttpExchange> pending(&exchange);
        auto started = m_admin.backUpNow(
            &exchange, [pending](const Expected<BackupEntry, AdminError> &made) {
                if (pending)
                    pending->respond(
                        made ? HttpResponse::json(201, backupJson(*made)) : failure(made.error()));
            });
        if (!started)
            exchange.respond(failure(started.error()));
        return;
    }
    exchange.respond(route(request));
}

HttpResponse AdminRoute::route(const HttpRequest &request)
{
    const QByteArray &method = request.method;
    if (request.rawPath == u"/metrics") {
        if (method != "GET")
            return HttpResponse::error(
                405, QStringLiteral("MethodNotAllowed"), QStringLiteral("/metrics takes GET"));
        HttpResponse response;
        response.body = m_admin.metricsText().toUtf8();
        response.setHeader("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
        return response;
    }

    // Segments after /admin/, still percent-encoded (DIDs keep their escapes).
    const QStringList segments = request.rawPath.mid(7).split(u'/');
    const QString scope = segments.value(0);
    const qsizetype count = segments.size();
    const QDateTime now = QDateTime::currentDateTimeUtc();
    auto wrongMethod = [&] {
        return HttpResponse::error(405, QStringLiteral("MethodNotAllowed"),
            QStringLiteral("%1 does not take %2").arg(request.path, QString::fromLatin1(method)));
    };

    if (scope == u"sessions") {
        if (count == 1) {
            if (method != "GET")
                return wrongMethod();
            QJsonArray list;
            for (const SessionInfo &session : m_admin.sessions())
                list.append(sessionJson(session));
            return HttpResponse::json(200, QJsonObject {{QStringLiteral("sessions"), list}});
        }
        if (count == 2) {
            if (method != "GET")
                return wrongMethod();
            const auto session = m_admin.session(segments[1]);
            if (!session)
                return failure(AdminError {
                    AdminError::Code::NotFound, QStringLiteral("no session %1").arg(segments[1])});
            return HttpResponse::json(200, sessionJson(*session));
        }
        if (count == 3 && segments[2] == u"revoke") {
            if (method != "POST")
                return wrongMethod();
            auto revoked = m_admin.revokeSession(segments[1]);
            return revoked ? ok() : failure(revoked.error());
        }
        return notFound(request);
    }

    if (scope == u"documents") {
        if (count == 1) {
            if (method != "GET")
                return wrongMethod();
            auto documents = m_admin.documents();
            if (!documents)
                return failure(documents.error());
            QJsonArray list;
            for (const DocumentInfo &document : std::as_const(*documents))
                list.append(documentJson(document));
            return HttpResponse::json(200, QJsonObject {{QStringLiteral("documents"), list}});
        }
        const QString entityId = QUrl::fromPercentEncoding(segments[1].toLatin1());
        const QString kind = request.query.queryItemValue(QStringLiteral("kind"));
        if (count == 2 && method == "GET") {
            auto detail = m_admin.document(entityId, kind);
            if (!detail)
                return failure(detail.error());
            QJsonObject o = documentJson(detail->info);
            QJsonArray history;
            for (const BlockInfo &block : std::as_const(detail->blocks))
                history.append(blockJson(block));
            o.insert(QStringLiteral("history"), history);
            return HttpResponse::json(200, o);
        }
        if (count == 2 && method == "DELETE") {
            auto deleted = m_admin.deleteDocument(entityId, kind);
            return deleted ? ok() : failure(deleted.error());
        }
        if (count == 2)
            return wrongMethod();
        if (count == 3 && segments[2] == u"access") {
            if (method == "GET") {
                auto access = m_admin.documentAccess(entityId);
                if (!access)
                    return failure(access.error());
                return HttpResponse::json(200, documentAccessJson(*access));
            }
            if (method != "PUT")
                return wrongMethod();
            auto body = parseDocumentAccessRequest(request.body);
            if (!body)
                return failure(body.error());
            auto stored = m_admin.setDocumentAccess(entityId, *body, QStringLiteral("admin-api"));
            if (!stored)
                return failure(stored.error());
            return HttpResponse::json(200, documentAccessJson(*stored));
        }
        if (count == 3 && segments[2] == u"export") {
            if (method != "GET")
                return wrongMethod();
            auto exported = m_admin.exportDocument(entityId, kind);
            if (!exported)
                return failure(exported.error());
            return exportResponse(*exported);
        }
        return notFound(request);
    }

    if (scope == u"tokens") {
        if (count == 1 && method == "GET") {
            auto tokens = m_admin.tokens();
            if (!tokens)
                return failure(tokens.error());
            QJsonArray list;
            for (const TokenRecord &token : std::as_const(*tokens))
                list.append(tokenJson(token, now));
            return HttpResponse::json(200, QJsonObject {{QStringLiteral("tokens"), list}});
        }
        if (count == 1 && method == "POST") {
            auto body = parseIssueTokenRequest(request.body);
            if (!body)
                return failure(body.error());
            auto issued = m_admin.issueToken(body->did);
            if (!issued)
                return failure(issued.error());
            QJsonObject o = tokenJson(issued->record, now);
            o.insert(QStringLiteral("token"), issued->token); // shown this once
            return HttpResponse::json(200, o);
        }
        if (count == 1)
            return wrongMethod();
        if (count == 3 && segments[2] == u"revoke") {
            if (method != "POST")
                return wrongMethod();
            bool isNumber = false;
            const qint64 id = segments[1].toLongLong(&isNumber);
            if (!isNumber)
                return failure(AdminError {
                    AdminError::Code::NotFound, QStringLiteral("no token %1").arg(segments[1])});
            auto revoked = m_admin.revokeToken(id);
            return revoked ? ok() : failure(revoked.error());
        }
        return notFound(request);
    }

    if (scope == u"bans") {
        if (count == 1 && method == "GET") {
            auto bans = m_admin.bans();
            if (!bans)
                return failure(bans.error());
            QJsonArray list;
            for (const BanInfo &ban : std::as_const(*bans))
                list.append(banJson(ban));
            return HttpResponse::json(200, QJsonObject {{QStringLiteral("bans"), list}});
        }
        if (count == 1 && method == "POST") {
            auto body = parseBanRequest(request.body);
            if (!body)
                return failure(body.error());
            auto banned = m_admin.ban(body->did, body->reason, body->until);
            if (!banned)
                return failure(banned.error());
            return HttpResponse::json(200, banJson(*banned));
        }
        if (count == 1)
            return wrongMethod();
        if (count == 2) {
            if (method != "DELETE")
                return wrongMethod();
            auto lifted = m_admin.unban(didFromSegment(segments[1]));
            return lifted ? ok() : failure(lifted.error());
        }
        return notFound(request);
    }

    if (scope == u"members") {
        if (count == 1 && method == "GET") {
            QJsonArray list;
            for (const MemberInfo &member : m_admin.members())
                list.append(memberJson(member));
            return HttpResponse::json(200, QJsonObject {{QStringLiteral("members"), list}});
        }
        if (count == 1 && method == "POST") {
            auto body = parseMemberRequest(request.body);
            if (!body)
                return failure(body.error());
            auto added = m_admin.addMember(body->did, body->note, QStringLiteral("admin-api"));
            if (!added)
                return failure(added.error());
            return HttpResponse::json(200, memberJson(*added));
        }
        if (count == 1)
            return wrongMethod();
        if (count == 2) {
            if (method != "DELETE")
                return wrongMethod();
            auto removed
                = m_admin.removeMember(didFromSegment(segments[1]), QStringLiteral("admin-api"));
            return removed ? ok() : failure(removed.error());
        }
        return notFound(request);
    }

    if (scope == u"keys") {
        if (count == 1 && method == "GET") {
            QJsonArray list;
            for (const AccessKeyInfo &key : m_admin.accessKeys())
                list.append(keyJson(key));
            return HttpResponse::json(200, QJsonObject {{QStringLiteral("keys"), list}});
        }
        if (count == 1 && method == "POST") {
            auto body = parseIssueKeyRequest(request.body);
            if (!body)
                return failure(body.error());
            auto issued = m_admin.issueAccessKey(body->name, body->scope, body->permission,
                body->expiresAt, QStringLiteral("admin-api"));
            if (!issued)
                return failure(issued.error());
            QJsonObject o = keyJson(issued->key);
            o.insert(QStringLiteral("key"), issued->value); // shown this once
            return HttpResponse::json(201, o);
        }
        if (count == 1)
            return wrongMethod();
        if (count == 2) {
            if (method != "DELETE")
                return wrongMethod();
            auto revoked = m_admin.revokeAccessKey(
                QUrl::fromPercentEncoding(segments[1].toLatin1()), QStringLiteral("admin-api"));
            return revoked ? ok() : failure(revoked.error());
        }
        return notFound(request);
    }

    if (scope == u"access" && count == 2 && segments[1] == u"check") {
        if (method != "GET")
            return wrongMethod();
        const QString identity
            = request.query.queryItemValue(QStringLiteral("identity"), QUrl::FullyDecoded);
        const QString document
            = request.query.queryItemValue(QStringLiteral("document"), QUrl::FullyDecoded);
        if (identity.isEmpty()) {
            return failure(AdminError {AdminError::Code::BadRequest,
                QStringLiteral("'identity' must be given: a DID or key:<name>")});
        }
        if (document.isEmpty()) {
            return failure(AdminError {
                AdminError::Code::BadRequest, QStringLiteral("'document' must be given: an id")});
        }
        auto check = m_admin.checkAccess(identity, document);
        if (!check)
            return failure(check.error());
        return HttpResponse::json(200,
            QJsonObject {{QStringLiteral("connect"), check->connect},
                {QStringLiteral("read"), check->read}, {QStringLiteral("write"), check->write},
                {QStringLiteral("why"), check->why}});
    }

    if (scope == u"backups" && count == 1) {
        if (method != "GET")
            return wrongMethod(); // POST is answered in handle()
        // A backup dir that cannot be read lists nothing, and says why where nothing else did.
        auto backups = m_admin.backups();
        QJsonArray list;
        if (backups) {
            for (const BackupEntry &backup : std::as_const(*backups))
                list.append(backupJson(backup));
        }
        QString lastError = m_admin.backupStatus().lastError;
        if (!backups && lastError.isEmpty())
            lastError = backups.error().message;
        return HttpResponse::json(200,
            QJsonObject {{QStringLiteral("backups"), list},
                {QStringLiteral("lastError"), stringOrNull(lastError)}});
    }

    if (scope == u"log" && count == 1) {
        if (method != "GET")
            return wrongMethod();
        LogQuery query;
        const QString since = request.query.queryItemValue(QStringLiteral("since"));
        if (!since.isEmpty()) {
            bool isNumber = false;
            query.since = since.toULongLong(&isNumber);
            if (!isNumber)
                return failure(AdminError {AdminError::Code::BadRequest,
                    QStringLiteral("'since' must be a sequence number")});
        }
        query.level = request.query.queryItemValue(QStringLiteral("level"));
        if (!query.level.isEmpty() && EventLog::levelRank(query.level) < 0) {
            return failure(AdminError {AdminError::Code::BadRequest,
                QStringLiteral("'level' must be debug, info, warning or error")});
        }
        query.category
            = request.query.queryItemValue(QStringLiteral("category"), QUrl::FullyDecoded);
        query.did = request.query.queryItemValue(QStringLiteral("did"), QUrl::FullyDecoded);
        if (auto did = Did::canonical(query.did))
            query.did = *did; // log entries carry the canonical spelling
        QJsonArray entries;
        for (const LogEntry &entry : m_admin.log(query))
            entries.append(logJson(entry));
        return HttpResponse::json(200, QJsonObject {{QStringLiteral("entries"), entries}});
    }

    return notFound(request);
}

} // namespace canopy
