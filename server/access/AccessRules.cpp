#include "access/AccessRules.h"

#include "util/Did.h"

namespace canopy {
namespace {

const QLatin1String kKeyPrefix("key:");

QString quoted(const QString &value)
{
    return u'\'' + value + u'\'';
}

AccessDecision decision(bool connect, Permission permission, QLatin1String rule, QString why)
{
    AccessDecision d;
    d.connect = connect;
    d.read = permission >= Permission::Read;
    d.write = permission == Permission::Write;
    d.why = rule + QLatin1String(": ") + why;
    return d;
}

// The document's own rules for a DID (or a key named in a grant, which never gets here).
AccessDecision documentRule(const AccessFacts &facts, bool connect)
{
    if (!facts.access) {
        return decision(connect, Permission::Write, QLatin1String("new-document"),
            QStringLiteral("%1 does not exist yet; %2 may create it and would own it "
                           "(others would get the default %3)")
                .arg(quoted(facts.document), facts.identity,
                    permissionName(facts.newDocumentDefault)));
    }
    const DocumentAccess &access = *facts.access;
    if (!access.owner.isEmpty() && access.owner == facts.identity) {
        return decision(connect, Permission::Write, QLatin1String("owner"),
            QStringLiteral("%1 owns %2").arg(facts.identity, quoted(facts.document)));
    }
    std::optional<Permission> grant;
    for (const DocumentGrant &g : access.grants) {
        if (g.identity == facts.identity)
            grant = g.permission;
    }
    if (grant && *grant > access.defaultAccess) {
        return decision(connect, *grant, QLatin1String("grant"),
            QStringLiteral("%1 is granted %2 on %3 (the default is %4)")
                .arg(facts.identity, permissionName(*grant), quoted(facts.document),
                    permissionName(access.defaultAccess)));
    }
    QString why = QStringLiteral("the default access of %1 is %2")
                      .arg(quoted(facts.document), permissionName(access.defaultAccess));
    if (grant)
        why += QStringLiteral(" (%1's grant of %2 adds nothing)")
                   .arg(facts.identity, permissionName(*grant));
    return decision(connect, access.defaultAccess, QLatin1String("default"), why);
}

} // namespace

namespace AccessRules {

AccessDecision decide(const AccessFacts &facts)
{
    if (facts.banReason) {
        QString why = facts.identity + QStringLiteral(" is banned");
        if (!facts.banReason->isEmpty())
            why += QStringLiteral(" (") + *facts.banReason + u')';
        return decision(false, Permission::None, QLatin1String("banned"), why);
    }
    if (const auto name = keyNameOf(facts.identity)) {
        if (!facts.key) {
            return decision(false, Permission::None, QLatin1String("unknown-key"),
                QStringLiteral("there is no access key named %1").arg(quoted(*name)));
        }
        const AccessKey &key = *facts.key;
        if (key.expiresAt.isValid() && key.expiresAt <= facts.now) {
            return decision(false, Permission::None, QLatin1String("key-expired"),
                QStringLiteral("access key %1 expired at %2")
                    .arg(quoted(*name), key.expiresAt.toUTC().toString(Qt::ISODate)));
        }
        if (!inScope(key.scope, facts.document)) {
            return decision(true, Permission::None, QLatin1String("key-out-of-scope"),
                QStringLiteral("%1 is outside the scope %3 of access key %2")
                    .arg(quoted(facts.document), quoted(*name), quoted(key.scope)));
        }
        return decision(true, key.permission, QLatin1String("key-scope"),
            QStringLiteral("%1 is within the scope %3 of access key %2, which gives %4")
                .arg(quoted(facts.document), quoted(*name), quoted(key.scope),
                    permissionName(key.permission)));
    }
    if (facts.mode == AccessMode::Members && !facts.member) {
        // It cannot connect; what it could do once connected (only the dev token can) follows.
        const AccessDecision rights = documentRule(facts, false);
        AccessDecision d = decision(false, rights.permission(), QLatin1String("not-a-member"),
            QStringLiteral(
                "%1 is not on the member list, so it cannot connect; the dev token, acting "
                "as it, would get (%2)")
                .arg(facts.identity, rights.why));
        return d;
    }
    return documentRule(facts, true);
}

std::optional<QString> keyNameOf(QStringView identity)
{
    if (!identity.startsWith(kKeyPrefix))
        return std::nullopt;
    return identity.mid(kKeyPrefix.size()).toString();
}

QString keyIdentity(const QString &name)
{
    return kKeyPrefix + name;
}

bool isValidKeyName(QStringView name)
{
    return Did::isKeyName(name); // one rule for the admin API and the upgrade paths
}

bool isValidScope(QStringView scope)
{
    if (scope.isEmpty() || scope.size() > 129)
        return false;
    const QStringView id = scope.endsWith(u'*') ? scope.chopped(1) : scope;
    if (!scope.endsWith(u'*') && id.toUtf8().size() > 128)
        return false;
    for (const QChar c : scope) {
        if (c.unicode() < 0x20 || c.unicode() == 0x7f)
            return false;
    }
    return true;
}

bool inScope(QStringView scope, QStringView document)
{
    if (scope.endsWith(u'*'))
        return document.startsWith(scope.chopped(1));
    return document == scope;
}

} // namespace AccessRules
} // namespace canopy
