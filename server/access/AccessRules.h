#pragma once

#include "access/AccessControl.h"

namespace canopy {

// What one decision depends on, gathered by AccessControl from its lists (and by the simulator
// from the ban list too). Pure data: the rules below read nothing else.
struct AccessFacts
{
    QString identity; // a canonical DID or "key:<name>"
    QString document;
    AccessMode mode = AccessMode::Open;
    Permission newDocumentDefault = Permission::Write; // --document-access
    std::optional<QString> banReason; // set: the identity is banned
    bool member = false;
    const AccessKey *key = nullptr; // the key a "key:<name>" identity names; null: none
    QDateTime now;
    const DocumentAccess *access = nullptr; // null: the document has not been created
};

// The rules, in the order that decides (the simulator's `why` names the one that did, as
// "<rule>: <sentence>"):
//   banned            a ban wins over everything
//   unknown-key       "key:<name>" names no key
//   key-expired       the key's expiresAt has passed
//   not-a-member      members mode and the DID is not on the list: it cannot connect; its
//                     document rights are still given (the dev token acts as it)
//   key-out-of-scope  the document is outside the key's scope: nothing
//   key-scope         within the scope: the key's permission, whatever the document says
//   owner             the owner writes
//   grant / default   the stronger of the document's grant and default (default when equal)
//   new-document      not created yet: whoever may connect creates and owns it, so writes
namespace AccessRules {

AccessDecision decide(const AccessFacts &facts);

// "key:<name>" -> name; nullopt for anything else (a DID).
std::optional<QString> keyNameOf(QStringView identity);
QString keyIdentity(const QString &name);
// 1-64 characters of [A-Za-z0-9._-]: safe unescaped in /sync/as/key:<name> and in logs.
bool isValidKeyName(QStringView name);
// An exact document id, or a prefix ending in '*' ("*" alone: every document). Only a final
// '*' is special. 1-129 characters (a document id is at most 128 bytes).
bool isValidScope(QStringView scope);
bool inScope(QStringView scope, QStringView document);

} // namespace AccessRules
} // namespace canopy
