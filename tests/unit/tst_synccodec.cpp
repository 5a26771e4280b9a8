// Sync1 frames as @msgpack/msgpack writes them (tests/interop/fixtures/sync-frames.mjs).
#include "protocol/sync1/SyncCodec.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

using namespace canopy;

class TestSyncCodec final : public QObject
{
    Q_OBJECT

private:
    QJsonObject manifest()
    {
        const QString dir = qEnvironmentVariable("CANOPY_FIXTURES");
        if (dir.isEmpty())
            return {};
        QFile file(QDir(dir).filePath(QStringLiteral("sync/manifest.json")));
        if (!file.open(QIODevice::ReadOnly))
            return {};
        return QJsonDocument::fromJson(file.readAll()).object();
    }
    QByteArray frame(const QString &name)
    {
        QFile file(
            QDir(qEnvironmentVariable("CANOPY_FIXTURES")).filePath(QStringLiteral("sync/") + name));
        return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
    }
    static QString kindName(SyncMessage::PayloadKind kind)
    {
        switch (kind) {
        case SyncMessage::PayloadKind::None:
            return QStringLiteral("none");
        case SyncMessage::PayloadKind::Snapshot:
            return QStringLiteral("snapshot");
        case SyncMessage::PayloadKind::VersionVector:
            return QStringLiteral("versionVector");
        case SyncMessage::PayloadKind::Update:
            return QStringLiteral("update");
        }
        return {};
    }

private Q_SLOTS:
    void initTestCase()
    {
        if (qEnvironmentVariableIsEmpty("CANOPY_FIXTURES"))
            QFAIL("CANOPY_FIXTURES is not set: run through ctest, which generates the fixtures");
        QVERIFY2(!manifest().isEmpty(), "sync/manifest.json is missing or empty");
    }

    void decode_data()
    {
        QTest::addColumn<QString>("file");
        QTest::addColumn<QJsonObject>("expect");
        const QJsonArray cases = manifest().value(QStringLiteral("cases")).toArray();
        for (const QJsonValue &value : cases) {
            const QJsonObject c = value.toObject();
            QTest::newRow(qPrintable(c.value(QStringLiteral("name")).toString()))
                << c.value(QStringLiteral("file")).toString() << c;
        }
    }

    void decode()
    {
        QFETCH(QString, file);
        QFETCH(QJsonObject, expect);
        const QByteArray bytes = frame(file);
        const auto decoded = SyncCodec::decode(bytes);
        if (expect.value(QStringLiteral("ok")).toBool()) {
            QVERIFY2(
                decoded.has_value(), qPrintable(decoded ? QString() : decoded.error().message));
            QCOMPARE(SyncMessage::typeName(decoded->type),
                expect.value(QStringLiteral("type")).toString());
            QCOMPARE(decoded->entityId, expect.value(QStringLiteral("entityId")).toString());
            QCOMPARE(kindName(decoded->payloadKind),
                expect.value(QStringLiteral("payloadKind")).toString());
            QCOMPARE(decoded->payload.toHex(),
                expect.value(QStringLiteral("payload")).toString().toLatin1());
        } else {
            QVERIFY(!decoded.has_value());
            QCOMPARE(SyncCodecError::codeName(decoded.error().code),
                expect.value(QStringLiteral("error")).toString());
            QVERIFY(!decoded.error().message.isEmpty());
        }
    }

    void encodeMatchesJavaScript_data()
    {
        QTest::addColumn<QString>("entityId");
        QTest::addColumn<QByteArray>("update");
        QTest::addColumn<QByteArray>("expected");
        for (const QJsonValue &value : manifest().value(QStringLiteral("encodings")).toArray()) {
            const QJsonObject e = value.toObject();
            QTest::newRow(qPrintable(e.value(QStringLiteral("name")).toString()))
                << e.value(QStringLiteral("entityId")).toString()
                << QByteArray::fromHex(e.value(QStringLiteral("update")).toString().toLatin1())
                << QByteArray::fromHex(e.value(QStringLiteral("expected")).toString().toLatin1());
        }
    }

    void encodeMatchesJavaScript()
    {
        QFETCH(QString, entityId);
        QFETCH(QByteArray, update);
        QFETCH(QByteArray, expected);
        QCOMPARE(SyncCodec::encodeHandleUpdate(entityId, update).toHex(), expected.toHex());
    }

    void roundTrip_data()
    {
        QTest::addColumn<QString>("file");
        for (const QString &name : {QStringLiteral("subscribe-snapshot.bin"),
                 QStringLiteral("subscribe-vv.bin"), QStringLiteral("unsubscribe.bin"),
                 QStringLiteral("send-update.bin"), QStringLiteral("handle-update.bin")})
            QTest::newRow(qPrintable(name)) << name;
    }

    // Leaf's own key order, so re-encoding a decoded frame gives the same bytes.
    void roundTrip()
    {
        QFETCH(QString, file);
        const QByteArray bytes = frame(file);
        const auto decoded = SyncCodec::decode(bytes);
        QVERIFY(decoded.has_value());
        QCOMPARE(SyncCodec::encode(*decoded).toHex(), bytes.toHex());
    }

    // Every prefix and every single-byte corruption of a real frame decodes or fails cleanly.
    void truncationsAndCorruptionsNeverCrash()
    {
        const QByteArray bytes = frame(QStringLiteral("send-update.bin"));
        QVERIFY(!bytes.isEmpty());
        int failures = 0;
        for (qsizetype n = 0; n < bytes.size(); ++n) {
            const auto decoded = SyncCodec::decode(QByteArrayView(bytes).first(n));
            QVERIFY(!decoded.has_value());
            ++failures;
        }
        QCOMPARE(failures, int(bytes.size()));
        for (qsizetype i = 0; i < bytes.size(); ++i) {
            QByteArray corrupt = bytes;
            corrupt[i] = char(corrupt[i] ^ 0xff);
            const auto decoded = SyncCodec::decode(corrupt);
            if (!decoded)
                QVERIFY(!decoded.error().message.isEmpty());
        }
    }
};

QTEST_GUILESS_MAIN(TestSyncCodec)
#include "tst_synccodec.moc"
