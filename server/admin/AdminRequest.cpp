#include "admin/AdminRequest.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

namespace canopy {
namespace {

AdminError badRequest(const QString &message)
{
    return AdminError {AdminError::Code::BadRequest, message};
}

Expected<QJsonObject, AdminError> jsonObject(const QByteArray &body)
{
    QJsonParseError error {};
    const QJsonDocument document = QJsonDocument::fromJson(body, &error);
    if (error.error != QJsonParseError::NoError)
        return unexpected(
            badRequest(QStringLiteral("the body is not JSON: %1").arg(error.errorString())));
    if (!document.isObject())
        return unexpected(badRequest(QStringLiteral("the body is not a JSON object")));
    return document.object();
}

bool isAbsent(const QJsonValue &value)
{
    return value.isUndefined() || value.isNull();
}

// Field checks name the field as the body spells it.
Expected<QString, AdminError> requiredString(const QJsonObject &object, const QString &field)
{
    const QJsonValue value = object.value(field);
    if (!value.isString())
        return unexpected(badRequest(u'\'' + field + QStringLiteral("' must be a string")));
    return value.toString();
}

Expected<QString, AdminError> optionalString(const QJsonObject &object, const QString &field)
{
    const QJsonValue value = object.value(field);
    if (isAbsent(value))
        return QString();
    if (!value.isString()) {
        return unexpected(
            badRequest(u'\'' + field + QStringLiteral("' must be a string or absent")));
    }
    return value.toString();
}

} // namespace

Expected<IssueTokenRequest, AdminError> parseIssueTokenRequest(const QByteArray &body)
{
    auto object = jsonObject(body);
    if (!object)
        return unexpected(object.error());
    const QJsonValue did = object->value(QStringLiteral("did"));
    if (!did.isString())
        return unexpected(badRequest(QStringLiteral("'did' must be a string")));
    return IssueTokenRequest {did.toString()};
}

Expected<BanRequest, AdminError> parseBanRequest(const QByteArray &body)
{
    auto object = jsonObject(body);
    if (!object)
        return unexpected(object.error());
    const QJsonValue did = object->value(QStringLiteral("did"));
    const QJsonValue reason = object->value(QStringLiteral("reason"));
    const QJsonValue until = object->value(QStringLiteral("until"));
    if (!did.isString())
        return unexpected(badRequest(QStringLiteral("'did' must be a string")));
    if (!reason.isUndefined() && !reason.isNull() && !reason.isString())
        return unexpected(badRequest(QStringLiteral("'reason' must be a string")));
    BanRequest request {did.toString(), reason.toString(), {}};
    if (!until.isUndefined() && !until.isNull()) {
        if (until.isString())
            request.until = QDateTime::fromString(until.toString(), Qt::ISODateWithMs);
        if (!request.until.isValid())
            return unexpected(badRequest(QStringLiteral("'until' must be an ISO 8601 time")));
    }
    return request;
}

Expected<MemberRequest, AdminError> parseMemberRequest(const QByteArray &body)
{
    auto object = jsonObject(body);
    if (!object)
        return unexpected(object.error());
    auto did = requiredString(*object, QStringLiteral("did"));
    if (!did)
        return unexpected(did.error());
    auto note = optionalString(*object, QStringLiteral("note"));
    if (!note)
        return unexpected(note.error());
    return MemberRequest {*did, *note};
}

Expected<DocumentAccessInfo, AdminError> parseDocumentAccessRequest(const QByteArray &body)
{
    auto object = jsonObject(body);
    if (!object)
        return unexpected(object.error());
    DocumentAccessInfo access;
    auto owner = optionalString(*object, QStringLiteral("owner"));
    if (!owner)
        return unexpected(owner.error());
    access.owner = *owner;
    auto defaultAccess = requiredString(*object, QStringLiteral("default"));
    if (!defaultAccess)
        return unexpected(defaultAccess.error());
    access.defaultAccess = *defaultAccess;
    const QJsonValue grants = object->value(QStringLiteral("grants"));
    if (!grants.isArray()) {
        return unexpected(badRequest(
            QStringLiteral("'grants' must be an array of {\"identity\",\"permission\"}")));
    }
    const QJsonArray list = grants.toArray();
    for (qsizetype i = 0; i < list.size(); ++i) {
        const QString field = QStringLiteral("grants[%1]").arg(i);
        if (!list[i].isObject())
            return unexpected(badRequest(u'\'' + field + QStringLiteral("' must be an object")));
        const QJsonObject grant = list[i].toObject();
        auto identity = requiredString(grant, QStringLiteral("identity"));
        auto permission = requiredString(grant, QStringLiteral("permission"));
        if (!identity) {
            return unexpected(
                badRequest(u'\'' + field + QStringLiteral(".identity' must be a string")));
        }
        if (!permission) {
            return unexpected(
                badRequest(u'\'' + field + QStringLiteral(".permission' must be a string")));
        }
        access.grants.append(GrantInfo {*identity, *permission});
    }
    return access;
}

Expected<IssueKeyRequest, AdminError> parseIssueKeyRequest(const QByteArray &body)
{
    auto object = jsonObject(body);
    if (!object)
        return unexpected(object.error());
    IssueKeyRequest request;
    for (const auto &[field, target] : {std::pair {QStringLiteral("name"), &request.name},
             std::pair {QStringLiteral("scope"), &request.scope},
             std::pair {QStringLiteral("permission"), &request.permission}}) {
        auto value = requiredString(*object, field);
        if (!value)
            return unexpected(value.error());
        *target = *value;
    }
    const QJsonValue expiresAt = object->value(QStringLiteral("expiresAt"));
    if (!isAbsent(expiresAt)) {
        QDateTime time;
        if (expiresAt.isString())
            time = QDateTime::fromString(expiresAt.toString(), Qt::ISODateWithMs);
        // A time without a zone would be read in the host's local time: UTC is asked for.
        if (!time.isValid() || time.timeSpec() == Qt::LocalTime) {
            return unexpected(badRequest(QStringLiteral(
                "'expiresAt' must be an ISO 8601 time in UTC, e.g. 2030-01-31T12:00:00Z")));
        }
        request.expiresAt = time.toUTC();
    }
    return request;
}

} // namespace canopy
