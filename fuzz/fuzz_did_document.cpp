// libFuzzer target: DID documents as a PLC directory or did:web host serves them
// (server/auth/DidDocument.h). Input: the response body. The resolver parses a body against the
// DID it asked for; here that DID is the document's own "id" when it has a string one (so the
// fuzzer gets past the id check into verificationMethod and key parsing), else a fixed DID.
#include "auth/DidDocument.h"

#include <QJsonDocument>
#include <QJsonObject>

#include <cstddef>
#include <cstdint>

using canopy::auth::DidDocument;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArrayView json(reinterpret_cast<const char *>(data), qsizetype(size));

    QString did = QStringLiteral("did:plc:ewvi7nxzyoun6zhxrhs64oiz");
    const QJsonDocument peek = QJsonDocument::fromJson(json.toByteArray());
    if (const QJsonValue id = peek.object().value(QLatin1String("id")); id.isString())
        did = id.toString();

    const auto document = DidDocument::parse(json, did);
    if (document) {
        if (document->id != did)
            __builtin_trap();
        if (document->atprotoKey && document->atprotoKey->compressed.size() != 33)
            __builtin_trap(); // keys are always handed out compressed
        if (document->labelKey && document->labelKey->compressed.size() != 33)
            __builtin_trap();
    }
    return 0;
}
