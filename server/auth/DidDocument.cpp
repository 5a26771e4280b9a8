#include "auth/DidDocument.h"

#include "auth/KeyCodec.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QJsonParseError>

namespace canopy::auth {

namespace {

struct KeyLookup
{
    std::optional<PublicKey> key;
    QString problem;
};

// The first verificationMethod whose id is "#<keyId>" or "<did>#<keyId>" decides (atproto-auth.md
// 4.3); later entries with the same id are not consulted.
KeyLookup lookupKey(const QJsonArray &methods, const QString &did, const QString &keyId)
{
    const QString relative = QLatin1Char('#') + keyId;
    const QString absolute = did + relative;
    for (const QJsonValue &value : methods) {
        const QJsonObject method = value.toObject();
        const QString id = method.value(QLatin1String("id")).toString();
        if (id != relative && id != absolute)
            continue;
        const QString type = method.value(QLatin1String("type")).toString();
        if (method.value(QLatin1String("controller")).toString() != did)
            return {std::nullopt,
                QStringLiteral("verification method %1: controller does not match "
                               "the DID")
                    .arg(relative)};
        const bool multikey = type == QLatin1String("Multikey");
        const bool legacy = type == QLatin1String("EcdsaSecp256k1VerificationKey2019")
            || type == QLatin1String("EcdsaSecp256r1VerificationKey2019");
        if (!multikey && !legacy) {
            return {std::nullopt,
                QStringLiteral("verification method %1 has unsupported type %2")
                    .arg(relative, type)};
        }
        const QJsonValue multibase = method.value(QLatin1String("publicKeyMultibase"));
        if (!multibase.isString()) {
            return {std::nullopt,
                QStringLiteral("verification method %1 has no publicKeyMultibase").arg(relative)};
        }
        KeyExpected<PublicKey> key = multikey ? parseMultikey(multibase.toString())
                                              : parseLegacyKey(type, multibase.toString());
        if (!key)
            return {std::nullopt, relative + QStringLiteral(" key: ") + key.error().message};
        return {*key, QString()};
    }
    return {std::nullopt, QStringLiteral("no %1 verification method").arg(relative)};
}

} // namespace

Expected<DidDocument, QString> DidDocument::parse(QByteArrayView json, const QString &expectedDid)
{
    QJsonParseError error {};
    const QJsonDocument document = QJsonDocument::fromJson(json.toByteArray(), &error);
    if (error.error != QJsonParseError::NoError)
        return unexpected(QStringLiteral("DID document is not JSON: ") + error.errorString());
    if (!document.isObject())
        return unexpected(QStringLiteral("DID document is not a JSON object"));
    const QJsonObject object = document.object();

    const QJsonValue id = object.value(QLatin1String("id"));
    if (!id.isString())
        return unexpected(QStringLiteral("DID document has no string id"));
    if (id.toString() != expectedDid) {
        return unexpected(QStringLiteral("DID document id \"%1\" does not match the DID \"%2\"")
                              .arg(id.toString(), expectedDid));
    }

    DidDocument result;
    result.id = expectedDid;

    // Same loose schema as the reference: alsoKnownAs string[], verificationMethod entries with
    // string id, type and controller; anything else rejects the whole document.
    const QJsonValue alsoKnownAs = object.value(QLatin1String("alsoKnownAs"));
    if (!alsoKnownAs.isUndefined()) {
        if (!alsoKnownAs.isArray())
            return unexpected(QStringLiteral("DID document alsoKnownAs is not an array"));
        for (const QJsonValue &entry : alsoKnownAs.toArray()) {
            if (!entry.isString())
                return unexpected(QStringLiteral("DID document alsoKnownAs holds a non-string"));
            const QString aka = entry.toString();
            if (result.handle.isEmpty() && aka.startsWith(QLatin1String("at://")))
                result.handle = aka.sliced(5);
        }
    }

    const QJsonValue methodsValue = object.value(QLatin1String("verificationMethod"));
    QJsonArray methods;
    if (!methodsValue.isUndefined()) {
        if (!methodsValue.isArray())
            return unexpected(QStringLiteral("DID document verificationMethod is not an array"));
        methods = methodsValue.toArray();
    }
    for (qsizetype i = 0; i < methods.size(); ++i) {
        const QJsonObject method = methods.at(i).toObject();
        for (const QLatin1String field :
            {QLatin1String("id"), QLatin1String("type"), QLatin1String("controller")}) {
            if (!method.value(field).isString()) {
                return unexpected(
                    QStringLiteral("DID document verificationMethod[%1] lacks a string %2")
                        .arg(QString::number(i), field));
            }
        }
    }

    KeyLookup atproto = lookupKey(methods, expectedDid, QStringLiteral("atproto"));
    result.atprotoKey = std::move(atproto.key);
    result.keyProblem = std::move(atproto.problem);
    result.labelKey = lookupKey(methods, expectedDid, QStringLiteral("atproto_label")).key;
    result.json = document.toJson(QJsonDocument::Compact);
    return result;
}

} // namespace canopy::auth
