// Key encodings for atproto signing keys (atproto-auth.md 4.1, 4.2): base58btc, multibase,
// Multikey / did:key, legacy verification-method values, point (de)compression.
#include "auth/KeyCodec.h"

#include <QTest>

using namespace canopy::auth;

Q_DECLARE_METATYPE(canopy::auth::Curve)

namespace {

// The interop keys used by the JWT vectors (atproto-auth-vectors.json).
const QLatin1String K256DidKey("did:key:zQ3shokFTS3brHcDQrn82RUDfCZESWL1ZdCEJwekUDPQiYBme");
const QLatin1String P256DidKey("did:key:zDnaeTiq1PdzvZXUaMdezchcMJQpBdH2VN4pgrrEhMCCbmwSb");

// Compressed points of those keys (multicodec stripped).
const QByteArray K256Compressed
    = QByteArray::fromHex("03874c15c7fda20e539c6e5ba573c139884c351188799f5458b4b41f7924f235cd");
const QByteArray P256Compressed
    = QByteArray::fromHex("0230e4d86041888fcce87bc49a07f35e25612425a2545aafa08b649c981cfa8104");

// The spec's same-key pair (4.2): a legacy uncompressed value and its Multikey form.
const QLatin1String SpecLegacy(
    "zQYEBzXeuTM9UR3rfvNag6L3RNAs5pQZyYPsomTsgQhsxLdEgCrPTLgFna8yqCnxPpNT7DBk6"
    "Ym3dgPKNu86vt9GR");
const QLatin1String SpecMultikey("zQ3shXjHeiBuRCKmM36cuYnm7YEMzhGnCmCyW92sRJ9pribSF");

QString zBase58(const QByteArray &bytes)
{
    return QLatin1Char('z') + encodeBase58btc(bytes);
}

} // namespace

class TestKeyCodec final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void base58_data()
    {
        QTest::addColumn<QByteArray>("bytes");
        QTest::addColumn<QString>("text");
        // Bitcoin Core's base58_encode_decode.json.
        const struct
        {
            const char *hex;
            const char *text;
        } rows[] = {
            {"", ""},
            {"61", "2g"},
            {"626262", "a3gV"},
            {"636363", "aPEr"},
            {"73696d706c792061206c6f6e6720737472696e67", "2cFupjhnEsSn59qHXstmK2ffpLv2"},
            {"00eb15231dfceb60925886b67d065299925915aeb172c06647",
                "1NS17iag9jJgTHD1VXjvLCEnZuQ3rJDE9L"},
            {"516b6fcd0f", "ABnLTmg"},
            {"bf4f89001e670274dd", "3SEo3LWLoPntC"},
            {"572e4794", "3EFU7m"},
            {"ecac89cad93923c02321", "EJDM8drfXA6uyA"},
            {"10c8511e", "Rt5zm"},
            {"00000000000000000000", "1111111111"},
            {"00", "1"},
            {"0000ff", "115Q"},
            {"000111d38e5fc9071ffcd20b4a763cc9ae4f252bb4e48fd66a835e252ada93ff480d6dd43dc62a641155"
             "a5",
                "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"},
        };
        for (const auto &row : rows) {
            QTest::addRow("%s", *row.text ? row.text : "(empty)")
                << QByteArray::fromHex(row.hex) << QString::fromLatin1(row.text);
        }
    }

    void base58()
    {
        QFETCH(QByteArray, bytes);
        QFETCH(QString, text);
        QCOMPARE(encodeBase58btc(bytes), text);
        const KeyExpected<QByteArray> decoded = decodeBase58btc(text);
        QVERIFY2(decoded.has_value(),
            qPrintable(decoded.has_value() ? QString() : decoded.error().message));
        QCOMPARE(*decoded, bytes);
    }

    void base58Invalid_data()
    {
        QTest::addColumn<QString>("text");
        QTest::newRow("zero") << QStringLiteral("0");
        QTest::newRow("capital O") << QStringLiteral("O");
        QTest::newRow("capital I") << QStringLiteral("I");
        QTest::newRow("lowercase l") << QStringLiteral("l");
        QTest::newRow("zero inside") << QStringLiteral("2cFupjhnEsSn590qHXs");
        QTest::newRow("space") << QStringLiteral("a3g V");
        QTest::newRow("plus") << QStringLiteral("a3g+");
        QTest::newRow("non-ascii") << QString::fromUtf8("a3g\xc3\xa9");
        QTest::newRow("nul") << QString(QChar(0));
        QTest::newRow("too long") << QString(5000, QLatin1Char('z'));
    }

    void base58Invalid()
    {
        QFETCH(QString, text);
        const KeyExpected<QByteArray> decoded = decodeBase58btc(text);
        QVERIFY(!decoded.has_value());
        QVERIFY(!decoded.error().message.isEmpty());
    }

    void base58RoundTrip()
    {
        // Every length up to 70 with leading zeros and 0xff runs.
        for (int length = 0; length <= 70; ++length) {
            for (int zeros = 0; zeros <= qMin(length, 3); ++zeros) {
                QByteArray bytes(zeros, '\0');
                for (int i = zeros; i < length; ++i)
                    bytes.append(char((i * 37 + length) & 0xff));
                const KeyExpected<QByteArray> decoded = decodeBase58btc(encodeBase58btc(bytes));
                QVERIFY(decoded.has_value());
                QCOMPARE(*decoded, bytes);
            }
        }
    }

    void multibase_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<bool>("ok");
        QTest::addColumn<QByteArray>("bytes");
        QTest::newRow("z base58btc") << QStringLiteral("z2g") << true << QByteArray("a");
        QTest::newRow("z empty body") << QStringLiteral("z") << true << QByteArray();
        QTest::newRow("empty") << QString() << false << QByteArray();
        QTest::newRow("f base16") << QStringLiteral("f61") << false << QByteArray();
        QTest::newRow("b base32") << QStringLiteral("bme") << false << QByteArray();
        QTest::newRow("m base64") << QStringLiteral("mYQ") << false << QByteArray();
        QTest::newRow("u base64url") << QStringLiteral("uYQ") << false << QByteArray();
        QTest::newRow("Z uppercase") << QStringLiteral("Z2g") << false << QByteArray();
        QTest::newRow("z bad char") << QStringLiteral("z0") << false << QByteArray();
    }

    void multibase()
    {
        QFETCH(QString, text);
        QFETCH(bool, ok);
        QFETCH(QByteArray, bytes);
        const KeyExpected<QByteArray> decoded = decodeMultibase(text);
        QCOMPARE(decoded.has_value(), ok);
        if (ok)
            QCOMPARE(*decoded, bytes);
    }

    void multikey_data()
    {
        QTest::addColumn<QString>("value");
        QTest::addColumn<bool>("ok");
        QTest::addColumn<Curve>("curve");
        QTest::addColumn<QByteArray>("compressed");
        QTest::addColumn<QString>("errorContains");

        QTest::newRow("secp256k1") << QString(K256DidKey).mid(8) << true << Curve::Secp256k1
                                   << K256Compressed << QString();
        QTest::newRow("P-256") << QString(P256DidKey).mid(8) << true << Curve::P256
                               << P256Compressed << QString();
        QTest::newRow("spec secp256k1")
            << QString(SpecMultikey) << true << Curve::Secp256k1
            << QByteArray::fromHex("029951fea6921a35a4c9386dae5c27ecdb052ed"
                                   "f760556938e7961caefae53b1d8")
            << QString();
        // did:key spec example (ed25519): refused by name.
        QTest::newRow("ed25519") << QStringLiteral(
            "z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK")
                                 << false << Curve::Secp256k1 << QByteArray()
                                 << QStringLiteral("ed25519");
        // Uncompressed point after a valid multicodec.
        const QByteArray uncompressed
            = QByteArray::fromHex("04874c15c7fda20e539c6e5ba573c139884c351188799f5458b4b41f7924f235"
                                  "cd3b61004c819bbba0decca1"
                                  "69b63e6c7002119ed81f79c6a754d5f16add6b9f01");
        QTest::newRow("uncompressed secp256k1")
            << zBase58(QByteArray::fromHex("e701") + uncompressed) << false << Curve::Secp256k1
            << QByteArray() << QStringLiteral("33-byte");
        QTest::newRow("wrong multibase prefix") << QString(QLatin1Char('f')
            + QString::fromLatin1(QByteArray::fromHex("e701").append(K256Compressed).toHex()))
                                                << false << Curve::Secp256k1 << QByteArray()
                                                << QStringLiteral("multibase");
        QTest::newRow("no multicodec") << zBase58(K256Compressed) << false << Curve::Secp256k1
                                       << QByteArray() << QStringLiteral("multicodec");
        QTest::newRow("P-384 codec")
            << zBase58(QByteArray::fromHex("8124") + P256Compressed) << false << Curve::P256
            << QByteArray() << QStringLiteral("0x1201");
        QTest::newRow("non-canonical varint")
            << zBase58(QByteArray::fromHex("e78100") + K256Compressed) << false << Curve::Secp256k1
            << QByteArray() << QStringLiteral("varint");
        QTest::newRow("truncated varint")
            << zBase58(QByteArray::fromHex("e7")) << false << Curve::Secp256k1 << QByteArray()
            << QStringLiteral("truncated");
        QTest::newRow("empty") << QStringLiteral("z") << false << Curve::Secp256k1 << QByteArray()
                               << QStringLiteral("truncated");
        QTest::newRow("short point")
            << zBase58(QByteArray::fromHex("e701") + K256Compressed.chopped(1)) << false
            << Curve::Secp256k1 << QByteArray() << QStringLiteral("32 bytes");
        QTest::newRow("trailing byte")
            << zBase58(QByteArray::fromHex("8024") + P256Compressed + '\0') << false << Curve::P256
            << QByteArray() << QStringLiteral("34 bytes");
        // x = 1 has no y on P-256.
        QTest::newRow("off-curve P-256")
            << zBase58(QByteArray::fromHex("802403") + QByteArray(31, '\0') + '\x01') << false
            << Curve::P256 << QByteArray() << QStringLiteral("not a point");
        // x = 5 has no y on secp256k1 (x^3 + 7 is a non-residue).
        QTest::newRow("off-curve secp256k1")
            << zBase58(QByteArray::fromHex("e70102") + QByteArray(31, '\0') + '\x05') << false
            << Curve::Secp256k1 << QByteArray() << QStringLiteral("not a point");
        QTest::newRow("x beyond the field")
            << zBase58(QByteArray::fromHex("e70102") + QByteArray(32, '\xff')) << false
            << Curve::Secp256k1 << QByteArray() << QStringLiteral("not a point");
        QTest::newRow("bad point prefix")
            << zBase58(QByteArray::fromHex("e70104") + K256Compressed.mid(1)) << false
            << Curve::Secp256k1 << QByteArray() << QStringLiteral("prefix");
    }

    void multikey()
    {
        QFETCH(QString, value);
        QFETCH(bool, ok);
        QFETCH(Curve, curve);
        QFETCH(QByteArray, compressed);
        QFETCH(QString, errorContains);
        const KeyExpected<PublicKey> key = parseMultikey(value);
        QCOMPARE(key.has_value(), ok);
        if (ok) {
            QCOMPARE(key->curve, curve);
            QCOMPARE(key->compressed, compressed);
            QCOMPARE(formatMultikey(*key), value);
            const KeyExpected<PublicKey> viaDidKey
                = parseDidKey(QString(QStringLiteral("did:key:") + value));
            QVERIFY(viaDidKey.has_value());
            QCOMPARE(*viaDidKey, *key);
            QCOMPARE(formatDidKey(*key), QString(QStringLiteral("did:key:") + value));
        } else {
            QVERIFY2(key.error().message.contains(errorContains), qPrintable(key.error().message));
        }
    }

    void didKey_data()
    {
        QTest::addColumn<QString>("didKey");
        QTest::addColumn<bool>("ok");
        QTest::newRow("secp256k1") << QString(K256DidKey) << true;
        QTest::newRow("P-256") << QString(P256DidKey) << true;
        QTest::newRow("no prefix") << QString(K256DidKey).mid(8) << false;
        QTest::newRow("prefix only") << QStringLiteral("did:key:") << false;
        QTest::newRow("uppercase method")
            << QString(QStringLiteral("did:KEY:") + QString(K256DidKey).mid(8)) << false;
        QTest::newRow("did:plc") << QStringLiteral("did:plc:r5eav7permut7wpqvxz4yrp4") << false;
        QTest::newRow("ed25519") << QStringLiteral(
            "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK")
                                 << false;
    }

    void didKey()
    {
        QFETCH(QString, didKey);
        QFETCH(bool, ok);
        const KeyExpected<PublicKey> key = parseDidKey(didKey);
        QCOMPARE(key.has_value(), ok);
        if (ok) {
            QCOMPARE(formatDidKey(*key), didKey);
            QCOMPARE(key->jwtAlg(),
                didKey.startsWith(QLatin1String("did:key:zQ3s")) ? QStringLiteral("ES256K")
                                                                 : QStringLiteral("ES256"));
        }
    }

    void legacyKey_data()
    {
        QTest::addColumn<QString>("type");
        QTest::addColumn<QString>("value");
        QTest::addColumn<QString>("didKey"); // empty: refused
        const QString k1 = QStringLiteral("EcdsaSecp256k1VerificationKey2019");
        const QString r1 = QStringLiteral("EcdsaSecp256r1VerificationKey2019");

        // atproto-auth.md 4.2: the spec's legacy and Multikey examples are the same key.
        QTest::newRow("spec legacy == spec Multikey")
            << k1 << QString(SpecLegacy) << QString(QStringLiteral("did:key:") + SpecMultikey);
        // atproto-auth.md 4.4: the legacy doc of the vector issuer.
        QTest::newRow("vector issuer legacy")
            << k1
            << QStringLiteral(
                   "zQBL1VZCdC6hs61fqgwdoNjwh93UBcTg7imvRF9qShKfHR4DQ4RjKyqupL4f2mKduhzF5SzWzD"
                   "bxKgGwnTsN2zSkg")
            << QString(K256DidKey);
        QTest::newRow("secp256k1 compressed raw")
            << k1 << zBase58(K256Compressed) << QString(K256DidKey);
        QTest::newRow("P-256 compressed raw")
            << r1 << zBase58(P256Compressed) << QString(P256DidKey);
        const KeyExpected<PublicKey> p256 = parseDidKey(QString(P256DidKey));
        QTest::newRow("P-256 uncompressed raw")
            << r1 << zBase58(p256.has_value() ? uncompressedPoint(*p256) : QByteArray())
            << QString(P256DidKey);
        QTest::newRow("Multikey value under a legacy type (35 bytes)")
            << k1 << QString(K256DidKey).mid(8) << QString();
        QTest::newRow("P-256 Multikey value under the r1 type")
            << r1 << QString(P256DidKey).mid(8) << QString();
        QTest::newRow("unknown type")
            << QStringLiteral("JsonWebKey2020") << zBase58(K256Compressed) << QString();
        QTest::newRow("k1 vs r1 spelling") << QStringLiteral("EcdsaSecp256p1VerificationKey2019")
                                           << zBase58(P256Compressed) << QString();
        QTest::newRow("non-z multibase")
            << k1 << QString(QLatin1Char('f') + QString::fromLatin1(K256Compressed.toHex()))
            << QString();
        QTest::newRow("wrong length") << k1 << zBase58(K256Compressed.left(20)) << QString();
        QTest::newRow("off-curve P-256")
            << r1 << zBase58(QByteArray::fromHex("02") + QByteArray(31, '\0') + '\x01')
            << QString();
    }

    void legacyKey()
    {
        QFETCH(QString, type);
        QFETCH(QString, value);
        QFETCH(QString, didKey);
        const KeyExpected<PublicKey> key = parseLegacyKey(type, value);
        QCOMPARE(key.has_value(), !didKey.isEmpty());
        if (key.has_value())
            QCOMPARE(formatDidKey(*key), didKey);
        else
            QVERIFY(!key.error().message.isEmpty());
    }

    void pointRoundTrip_data()
    {
        QTest::addColumn<Curve>("curve");
        QTest::addColumn<QByteArray>("compressed");
        QTest::newRow("secp256k1 (03)") << Curve::Secp256k1 << K256Compressed;
        QTest::newRow("P-256 (02)") << Curve::P256 << P256Compressed;
        QTest::newRow("spec secp256k1 (02)")
            << Curve::Secp256k1
            << QByteArray::fromHex(
                   "029951fea6921a35a4c9386dae5c27ecdb052edf760556938e7961caefae53b1d8");
    }

    void pointRoundTrip()
    {
        QFETCH(Curve, curve);
        QFETCH(QByteArray, compressed);
        const KeyExpected<PublicKey> key = publicKeyFromPoint(curve, compressed);
        QVERIFY(key.has_value());
        QCOMPARE(key->compressed, compressed);
        const QByteArray full = uncompressedPoint(*key);
        QCOMPARE(full.size(), 65);
        QCOMPARE(full.at(0), '\x04');
        QCOMPARE(full.mid(1, 32), compressed.mid(1));
        // The y parity in the uncompressed form is what the prefix said.
        QCOMPARE(int(full.at(64)) & 1, compressed.at(0) == '\x03' ? 1 : 0);
        const KeyExpected<PublicKey> again = publicKeyFromPoint(curve, full);
        QVERIFY(again.has_value());
        QCOMPARE(*again, *key);

        // Same x with the wrong y: off the curve.
        QByteArray wrongY = full;
        wrongY[64] = char(wrongY.at(64) ^ 0x01);
        QVERIFY(!publicKeyFromPoint(curve, wrongY).has_value());
        // Flipping the parity bit gives the negated point: still a valid key, different bytes.
        QByteArray negated = compressed;
        negated[0] = compressed.at(0) == '\x02' ? '\x03' : '\x02';
        const KeyExpected<PublicKey> other = publicKeyFromPoint(curve, negated);
        QVERIFY(other.has_value());
        QVERIFY(other->compressed != compressed);
    }

    void pointRefused_data()
    {
        QTest::addColumn<Curve>("curve");
        QTest::addColumn<QByteArray>("point");
        QTest::newRow("empty") << Curve::Secp256k1 << QByteArray();
        QTest::newRow("infinity") << Curve::P256 << QByteArray(1, '\0');
        QTest::newRow("32 bytes") << Curve::Secp256k1 << K256Compressed.mid(1);
        QTest::newRow("33 bytes, 04 prefix")
            << Curve::Secp256k1 << QByteArray(QByteArray("\x04") + K256Compressed.mid(1));
        QTest::newRow("65 bytes, 02 prefix")
            << Curve::Secp256k1 << QByteArray(QByteArray("\x02") + QByteArray(64, '\x01'));
        QTest::newRow("hybrid 06 prefix")
            << Curve::Secp256k1 << QByteArray(QByteArray("\x06") + QByteArray(64, '\x01'));
        QTest::newRow("off-curve x secp256k1")
            << Curve::Secp256k1
            << QByteArray(QByteArray::fromHex("02") + QByteArray(31, '\0') + '\x05');
        QTest::newRow("off-curve x P-256")
            << Curve::P256 << QByteArray(QByteArray::fromHex("03") + QByteArray(31, '\0') + '\x01');
        QTest::newRow("x = p")
            << Curve::P256
            << QByteArray::fromHex(
                   "02ffffffff00000001000000000000000000000000ffffffffffffffffffffffff");
        QTest::newRow("uncompressed zeros")
            << Curve::P256 << QByteArray(QByteArray("\x04") + QByteArray(64, '\0'));
    }

    void pointRefused()
    {
        QFETCH(Curve, curve);
        QFETCH(QByteArray, point);
        const KeyExpected<PublicKey> key = publicKeyFromPoint(curve, point);
        QVERIFY(!key.has_value());
        QVERIFY(!key.error().message.isEmpty());
    }

    void uncompressedPointOfBadKey()
    {
        QVERIFY(uncompressedPoint(PublicKey {Curve::P256, QByteArray()}).isEmpty());
        QVERIFY(uncompressedPoint(
            PublicKey {Curve::Secp256k1,
                QByteArray(QByteArray::fromHex("02") + QByteArray(31, '\0') + '\x05')})
                    .isEmpty());
    }
};

QTEST_GUILESS_MAIN(TestKeyCodec)
#include "tst_keycodec.moc"
