#pragma once

#include "auth/PublicKey.h"
#include "util/Expected.h"

#include <optional>

#include <QByteArray>
#include <QString>

namespace canopy::auth {

// The parts of a DID document an atproto verifier needs (atproto-auth.md 4.3).
struct DidDocument
{
    QString id;
    QString handle; // first alsoKnownAs "at://" entry, prefix stripped
    std::optional<PublicKey> atprotoKey; // verificationMethod "#atproto"
    std::optional<PublicKey> labelKey; // verificationMethod "#atproto_label"
    QString keyProblem; // why atprotoKey is absent, for the 401 message
    QByteArray json; // the document as served, compact

    // Parses and checks a document served for `expectedDid`: JSON object, "id" equal to the DID,
    // well-formed verificationMethod entries (string id, type, controller). Key lookup: the first
    // entry whose id is "#atproto" or "<did>#atproto", controller equal to the DID, type Multikey
    // or one of the two legacy types. A missing or unusable key is not an error here: atprotoKey
    // stays empty and keyProblem says why.
    static Expected<DidDocument, QString> parse(QByteArrayView json, const QString &expectedDid);
};

} // namespace canopy::auth
