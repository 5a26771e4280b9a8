#include "admin/AdminRequest.h"

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

} // namespace canopy
