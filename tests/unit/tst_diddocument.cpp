// DID documents as an atproto verifier reads them (atproto-auth.md 4.2-4.4): schema checks, the
// #atproto / #atproto_label keys in Multikey and legacy form, the handle.
#include "auth/DidDocument.h"
#include "auth/KeyCodec.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

#ifndef CANOPY_SOURCE_DIR
#define CANOPY_SOURCE_DIR "/work/main"
#endif

using namespace canopy;
using namespace canopy::auth;

namespace {

const QString VectorsPath
    = QStringLiteral(CANOPY_SOURCE_DIR "/tests/unit/data/atproto-auth-vectors.json");

const QLatin1String Did("did:plc:r5eav7permut7wpqvxz4yrp4");
const QLatin1String K256Multibase("zQ3shokFTS3brHcDQrn82RUDfCZESWL1ZdCEJwekUDPQiYBme");
const QLatin1String P256Multibase("zDnaeTiq1PdzvZXUaMdezchcMJQpBdH2VN4pgrrEhMCCbmwSb");
// The same secp256k1 key as K256Multibase, legacy form (@did-plc/server 0.0.1, 4.4).
const QLatin1String K256Legacy("zQBL1VZCdC6hs61fqgwdoNjwh93UBcTg7imvRF9qShKfHR4DQ4RjKyqupL4f2mKduhz"
                               "F5SzWzDbxKgGwnTsN2zSkg");

QJsonObject method(
    const QString &id, const QString &type, const QString &controller, const QString &multibase)
{
    QJsonObject m {{QStringLiteral("id"), id}, {QStringLiteral("type"), type},
        {QStringLiteral("controller"), controller}};
    if (!multibase.isNull())
        m.insert(QStringLiteral("publicKeyMultibase"), multibase);
    return m;
}

QJsonObject multikey(const QString &id, const QString &multibase)
{
    return method(id, QStringLiteral("Multikey"), Did, multibase);
}

QByteArray document(const QJsonArray &methods, const QJsonArray &alsoKnownAs = {})
{
    QJsonObject doc {
        {QStringLiteral("@context"), QJsonArray {QStringLiteral("https://www.w3.org/ns/did/v1")}},
        {QStringLiteral("id"), Did}, {QStringLiteral("verificationMethod"), methods}};
    if (!alsoKnownAs.isEmpty())
        doc.insert(QStringLiteral("alsoKnownAs"), alsoKnownAs);
    return QJsonDocument(doc).toJson();
}

// JSON written with single quotes, which the literals here never contain otherwise.
QByteArray json(const char *text)
{
    return QByteArray(text).replace('\'', '"');
}

QString didKey(const QLatin1String &multibase)
{
    return QString(QStringLiteral("did:key:") + multibase);
}

} // namespace

class TestDidDocument final : public QObject
{
    Q_OBJECT

private:
    QJsonObject m_vectors;

private Q_SLOTS:
    void initTestCase()
    {
        QFile file(VectorsPath);
        if (!file.open(QIODevice::ReadOnly))
            QFAIL(qPrintable(QStringLiteral("vectors file missing: ") + VectorsPath));
        m_vectors = QJsonDocument::fromJson(file.readAll()).object();
        QVERIFY(!m_vectors.isEmpty());
    }

    // The two documents embedded in the vectors file.
    void vectorDocuments_data()
    {
        QTest::addColumn<QString>("did");
        QTest::addColumn<QString>("handle");
        QTest::addColumn<QString>("keyAlg");
        QTest::newRow("did:plc secp256k1")
            << QString(Did) << QStringLiteral("alice.example.test") << QStringLiteral("ES256K");
        QTest::newRow("did:web P-256")
            << QStringLiteral("did:web:p256.example.test") << QStringLiteral("p256.example.test")
            << QStringLiteral("ES256");
    }

    void vectorDocuments()
    {
        QFETCH(QString, did);
        QFETCH(QString, handle);
        QFETCH(QString, keyAlg);
        const QJsonObject doc
            = m_vectors.value(QLatin1String("didDocs")).toObject().value(did).toObject();
        QVERIFY(!doc.isEmpty());
        const QByteArray json = QJsonDocument(doc).toJson();
        const Expected<DidDocument, QString> parsed = DidDocument::parse(json, did);
        QVERIFY2(parsed.has_value(), qPrintable(parsed.has_value() ? QString() : parsed.error()));
        QCOMPARE(parsed->id, did);
        QCOMPARE(parsed->handle, handle);
        QVERIFY2(parsed->atprotoKey.has_value(), qPrintable(parsed->keyProblem));
        QCOMPARE(parsed->keyProblem, QString());
        QCOMPARE(parsed->atprotoKey->jwtAlg(), keyAlg);
        const QString expectedKey = m_vectors.value(QLatin1String("keys"))
                                        .toObject()
                                        .value(keyAlg)
                                        .toObject()
                                        .value(QLatin1String("didKey"))
                                        .toString();
        QCOMPARE(formatDidKey(*parsed->atprotoKey), expectedKey);
        QVERIFY(!parsed->labelKey.has_value());
        QCOMPARE(parsed->json, QJsonDocument(doc).toJson(QJsonDocument::Compact));
        // The same document for another DID is refused.
        QVERIFY(!DidDocument::parse(json, QStringLiteral("did:plc:aaaaaaaaaaaaaaaaaaaaaaaa"))
                     .has_value());
    }

    // Documents that parse; the key outcome varies.
    void keys_data()
    {
        QTest::addColumn<QByteArray>("json");
        QTest::addColumn<QString>("atprotoKey"); // did:key, or empty
        QTest::addColumn<QString>("keyProblem"); // substring expected when the key is absent
        QTest::addColumn<QString>("labelKey"); // did:key, or empty
        const QString did(Did);
        const QString abs = did + QStringLiteral("#atproto");
        const QString rel = QStringLiteral("#atproto");
        const QString k1 = QStringLiteral("EcdsaSecp256k1VerificationKey2019");
        const QString r1 = QStringLiteral("EcdsaSecp256r1VerificationKey2019");

        QTest::newRow("Multikey, absolute id") << document({multikey(abs, K256Multibase)})
                                               << didKey(K256Multibase) << QString() << QString();
        QTest::newRow("Multikey, relative id") << document({multikey(rel, P256Multibase)})
                                               << didKey(P256Multibase) << QString() << QString();
        QTest::newRow("legacy secp256k1 (4.4)") << document({method(rel, k1, did, K256Legacy)})
                                                << didKey(K256Multibase) << QString() << QString();
        {
            const KeyExpected<PublicKey> p256 = parseMultikey(QString(P256Multibase));
            QVERIFY(p256.has_value());
            QTest::newRow("legacy P-256 uncompressed")
                << document({method(
                       abs, r1, did, QLatin1Char('z') + encodeBase58btc(uncompressedPoint(*p256)))})
                << didKey(P256Multibase) << QString() << QString();
        }
        QTest::newRow("legacy type with a Multikey value")
            << document({method(rel, k1, did, K256Multibase)}) << QString()
            << QStringLiteral("#atproto key: legacy key value carries a multicodec prefix")
            << QString();
        QTest::newRow("no verificationMethod")
            << json("{'id':'did:plc:r5eav7permut7wpqvxz4yrp4'}") << QString()
            << QStringLiteral("no #atproto verification method") << QString();
        QTest::newRow("empty verificationMethod")
            << document({}) << QString() << QStringLiteral("no #atproto verification method")
            << QString();
        QTest::newRow("only another key")
            << document({multikey(did + QStringLiteral("#other"), K256Multibase)}) << QString()
            << QStringLiteral("no #atproto verification method") << QString();
        QTest::newRow("id of another DID") << document(
            {multikey(QStringLiteral("did:plc:bbbbbbbbbbbbbbbbbbbbbbbb#atproto"), K256Multibase)})
                                           << QString()
                                           << QStringLiteral("no #atproto verification method")
                                           << QString();
        QTest::newRow("id without #")
            << document({multikey(QStringLiteral("atproto"), K256Multibase)}) << QString()
            << QStringLiteral("no #atproto verification method") << QString();
        QTest::newRow("JsonWebKey2020")
            << document({method(abs, QStringLiteral("JsonWebKey2020"), did, QString())})
            << QString()
            << QStringLiteral("verification method #atproto has unsupported type JsonWebKey2020")
            << QString();
        QTest::newRow("controller differs")
            << document({method(abs, QStringLiteral("Multikey"),
                   QStringLiteral("did:web:evil.example"), K256Multibase)})
            << QString() << QStringLiteral("controller does not match the DID") << QString();
        QTest::newRow("no publicKeyMultibase") << document({multikey(abs, QString())}) << QString()
                                               << QStringLiteral("publicKeyMultibase") << QString();
        QTest::newRow("ed25519 Multikey")
            << document({multikey(
                   abs, QStringLiteral("z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"))})
            << QString() << QStringLiteral("#atproto key: unsupported multicodec 0xed (ed25519)")
            << QString();
        QTest::newRow("uncompressed Multikey")
            << document({multikey(abs,
                   QLatin1Char('z')
                       + encodeBase58btc(QByteArray(QByteArray::fromHex("e701")
                           + QByteArray::fromHex("04874c15c7fda20e539c6e5ba573c139884c35"
                                                 "1188799f5458b4b41f7924f235cd3b61004c81"
                                                 "9bbba0decca169b63e6c7002119ed81f79c6a7"
                                                 "54d5f16add6b9f01"))))})
            << QString() << QStringLiteral("#atproto key: ") << QString();
        QTest::newRow("first #atproto entry decides")
            << document({method(abs, QStringLiteral("JsonWebKey2020"), did, QString()),
                   multikey(rel, K256Multibase)})
            << QString() << QStringLiteral("unsupported type JsonWebKey2020") << QString();
        QTest::newRow("later duplicates ignored")
            << document({multikey(rel, K256Multibase), multikey(abs, P256Multibase)})
            << didKey(K256Multibase) << QString() << QString();
        QTest::newRow("label key as well")
            << document({multikey(abs, K256Multibase),
                   multikey(did + QStringLiteral("#atproto_label"), P256Multibase)})
            << didKey(K256Multibase) << QString() << didKey(P256Multibase);
        QTest::newRow("label key only")
            << document({multikey(QStringLiteral("#atproto_label"), P256Multibase)}) << QString()
            << QStringLiteral("no #atproto verification method") << didKey(P256Multibase);
        QTest::newRow("bad label key is no error")
            << document({multikey(abs, K256Multibase),
                   multikey(QStringLiteral("#atproto_label"), QStringLiteral("zzz"))})
            << didKey(K256Multibase) << QString() << QString();
    }

    void keys()
    {
        QFETCH(QByteArray, json);
        QFETCH(QString, atprotoKey);
        QFETCH(QString, keyProblem);
        QFETCH(QString, labelKey);
        const Expected<DidDocument, QString> parsed = DidDocument::parse(json, QString(Did));
        QVERIFY2(parsed.has_value(), qPrintable(parsed.has_value() ? QString() : parsed.error()));
        if (atprotoKey.isEmpty()) {
            QVERIFY(!parsed->atprotoKey.has_value());
            QVERIFY2(parsed->keyProblem.contains(keyProblem), qPrintable(parsed->keyProblem));
        } else {
            QVERIFY2(parsed->atprotoKey.has_value(), qPrintable(parsed->keyProblem));
            QCOMPARE(formatDidKey(*parsed->atprotoKey), atprotoKey);
            QCOMPARE(parsed->keyProblem, QString());
        }
        QCOMPARE(parsed->labelKey.has_value(), !labelKey.isEmpty());
        if (parsed->labelKey)
            QCOMPARE(formatDidKey(*parsed->labelKey), labelKey);
    }

    void handle_data()
    {
        QTest::addColumn<QJsonArray>("alsoKnownAs");
        QTest::addColumn<QString>("handle");
        QTest::newRow("none") << QJsonArray() << QString();
        QTest::newRow("one") << QJsonArray {QStringLiteral("at://alice.example.test")}
                             << QStringLiteral("alice.example.test");
        QTest::newRow("first at:// wins") << QJsonArray {QStringLiteral("https://alice.example"),
            QStringLiteral("at://first.example"), QStringLiteral("at://second.example")}
                                          << QStringLiteral("first.example");
        QTest::newRow("no at://") << QJsonArray {QStringLiteral("leaf://x"),
            QStringLiteral("AT://x")}
                                  << QString();
    }

    void handle()
    {
        QFETCH(QJsonArray, alsoKnownAs);
        QFETCH(QString, handle);
        const Expected<DidDocument, QString> parsed = DidDocument::parse(
            document({multikey(QStringLiteral("#atproto"), K256Multibase)}, alsoKnownAs),
            QString(Did));
        QVERIFY(parsed.has_value());
        QCOMPARE(parsed->handle, handle);
    }

    // Documents refused as a whole.
    void refused_data()
    {
        QTest::addColumn<QByteArray>("json");
        const QString did(Did);
        QTest::newRow("empty") << QByteArray();
        QTest::newRow("not JSON") << QByteArray("<html>not found</html>");
        QTest::newRow("truncated")
            << document({multikey(did + QStringLiteral("#atproto"), K256Multibase)}).chopped(3);
        QTest::newRow("array") << json("[{'id':'did:plc:r5eav7permut7wpqvxz4yrp4'}]");
        QTest::newRow("string") << json("'did:plc:r5eav7permut7wpqvxz4yrp4'");
        QTest::newRow("null") << QByteArray("null");
        QTest::newRow("id missing") << json("{'verificationMethod':[]}");
        QTest::newRow("id not a string") << json("{'id':5}");
        QTest::newRow("id of another DID") << json("{'id':'did:plc:bbbbbbbbbbbbbbbbbbbbbbbb'}");
        QTest::newRow("id with fragment") << json("{'id':'did:plc:r5eav7permut7wpqvxz4yrp4#x'}");
        QTest::newRow("id other case") << json("{'id':'did:plc:R5EAV7PERMUT7WPQVXZ4YRP4'}");
        QTest::newRow("verificationMethod not an array")
            << json("{'id':'did:plc:r5eav7permut7wpqvxz4yrp4','verificationMethod':{}}");
        QTest::newRow("verificationMethod entry not an object")
            << json("{'id':'did:plc:r5eav7permut7wpqvxz4yrp4','verificationMethod':['x']}");
        QJsonObject noController = multikey(did + QStringLiteral("#atproto"), K256Multibase);
        noController.remove(QStringLiteral("controller"));
        QTest::newRow("entry without controller") << document({noController});
        QJsonObject noType = multikey(did + QStringLiteral("#atproto"), K256Multibase);
        noType.remove(QStringLiteral("type"));
        QTest::newRow("entry without type") << document({noType});
        QJsonObject numericId = multikey(did + QStringLiteral("#atproto"), K256Multibase);
        numericId.insert(QStringLiteral("id"), 1);
        QTest::newRow("entry with numeric id") << document({numericId});
        // An unrelated entry still has to be well formed (reference schema).
        QJsonObject other = multikey(did + QStringLiteral("#other"), K256Multibase);
        other.remove(QStringLiteral("controller"));
        QTest::newRow("unrelated entry without controller")
            << document({multikey(did + QStringLiteral("#atproto"), K256Multibase), other});
        QTest::newRow("alsoKnownAs not an array")
            << json("{'id':'did:plc:r5eav7permut7wpqvxz4yrp4','alsoKnownAs':'at://x'}");
        QTest::newRow("alsoKnownAs with a number")
            << json("{'id':'did:plc:r5eav7permut7wpqvxz4yrp4','alsoKnownAs':['at://x',1]}");
    }

    void refused()
    {
        QFETCH(QByteArray, json);
        const Expected<DidDocument, QString> parsed = DidDocument::parse(json, QString(Did));
        QVERIFY(!parsed.has_value());
        QVERIFY(!parsed.error().isEmpty());
    }

    void idMismatchNamesBoth()
    {
        const Expected<DidDocument, QString> parsed = DidDocument::parse(
            json("{'id':'did:web:a.example'}"), QStringLiteral("did:web:b.example"));
        QVERIFY(!parsed.has_value());
        QVERIFY2(parsed.error().contains(QLatin1String("did:web:a.example"))
                && parsed.error().contains(QLatin1String("did:web:b.example")),
            qPrintable(parsed.error()));
    }
};

QTEST_GUILESS_MAIN(TestDidDocument)
#include "tst_diddocument.moc"
