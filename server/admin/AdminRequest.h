#pragma once

#include "admin/AdminTypes.h"
#include "util/Expected.h"

#include <QByteArray>
#include <QDateTime>
#include <QString>

namespace canopy {

// The bodies the admin API accepts, checked field by field before anything acts on them.
struct IssueTokenRequest
{
    QString did;
};

struct BanRequest
{
    QString did;
    QString reason; // empty when absent
    QDateTime until; // invalid: no end
};

// POST /admin/members {"did","note"?}
struct MemberRequest
{
    QString did;
    QString note; // empty when absent
};

// POST /admin/keys {"name","scope","permission","expiresAt"?}
struct IssueKeyRequest
{
    QString name;
    QString scope;
    QString permission;
    QDateTime expiresAt; // invalid: never; else UTC
};

Expected<IssueTokenRequest, AdminError> parseIssueTokenRequest(const QByteArray &body);
Expected<BanRequest, AdminError> parseBanRequest(const QByteArray &body);
Expected<MemberRequest, AdminError> parseMemberRequest(const QByteArray &body);
// PUT /admin/documents/<id>/access {"owner","default","grants":[{"identity","permission"}]}:
// "default" and "grants" are required (a PUT replaces all three); "owner" may be null or absent.
Expected<DocumentAccessInfo, AdminError> parseDocumentAccessRequest(const QByteArray &body);
Expected<IssueKeyRequest, AdminError> parseIssueKeyRequest(const QByteArray &body);

} // namespace canopy
