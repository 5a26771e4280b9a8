// The window's Yjs views (issue 13): the traffic view's decoding of y-websocket, Hocuspocus and
// loro-protocol %YJS/%YAW frames made by the real providers (fixtures.yjstraffic runs a real
// WebsocketProvider and HocuspocusProvider against a stand-in server and writes what yjs, lib0 and
// y-protocols say each frame holds), the token mask, the traffic list, the sessions' protocol
// names, and a Yjs document written to a real in-process host over %YJS: its row (updates,
// clients, state vector), history, export and delete.
#include "GuiTestHost.h"
#include "LoroTestClient.h"
#include "WindowMain.h"
#include "admin/AdminService.h"
#include "documents/BlocksModel.h"
#include "documents/DocumentsModel.h"
#include "documents/DocumentsPage.h"
#include "protocol/hocuspocus/HocuspocusCodec.h"
#include "protocol/loro/LoroProtocolCodec.h"
#include "rooms/PresenceModel.h"
#include "rooms/RoomsModel.h"
#include "sessions/SessionsModel.h"
#include "traffic/FrameDecoder.h"
#include "traffic/FrameDetailView.h"
#include "traffic/TrafficModel.h"

#include <QAbstractItemModelTester>
#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLocale>
#include <QRandomGenerator>
#include <QSet>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>
#include <QTranslator>
#include <QTreeWidget>
#include <QTreeWidgetItemIterator>
#include <QWebSocket>
#include <QWebSocketHandshakeOptions>

using namespace canopy;
using namespace canopy::ui;

namespace {

const QString TestDid = QStringLiteral("did:plc:yjsviews");

QJsonObject loadFixture()
{
    QFile file(QDir(GuiTestHost::fixtureDir()).filePath(QStringLiteral("yjs-traffic/frames.json")));
    if (!file.open(QIODevice::ReadOnly))
        return {};
    return QJsonDocument::fromJson(file.readAll()).object();
}

QByteArray bytesOf(const QJsonValue &value)
{
    return QByteArray::fromHex(value.toString().toLatin1());
}

quint64 u64(const QJsonValue &value)
{
    return quint64(value.toDouble());
}

// An empty string when `got` is what yjs's decodeUpdate said of the same bytes, else what differs.
QString compareUpdate(const YjsUpdatePayload &got, const QJsonObject &want)
{
    if (!got.parsed)
        return QStringLiteral("not parsed: ") + got.error;
    const QJsonArray clients = want.value(u"clients").toArray();
    if (got.clients.size() != clients.size())
        return QStringLiteral("%1 client runs, yjs read %2")
            .arg(QString::number(got.clients.size()), QString::number(clients.size()));
    for (qsizetype i = 0; i < clients.size(); ++i) {
        const QJsonObject run = clients.at(i).toObject();
        const yjs::ClientRunView &mine = got.clients.at(i);
        if (mine.client != u64(run.value(u"client")) || mine.start != u64(run.value(u"start"))
            || mine.end != u64(run.value(u"end")))
            return QStringLiteral("run %1: client %2 [%3, %4), yjs: %5")
                .arg(QString::number(i), QString::number(mine.client), QString::number(mine.start),
                    QString::number(mine.end),
                    QString::fromUtf8(QJsonDocument(run).toJson(QJsonDocument::Compact)));
        const QJsonArray structs = run.value(u"structs").toArray();
        if (mine.structs.size() != structs.size())
            return QStringLiteral("run %1: %2 structs, yjs read %3")
                .arg(QString::number(i), QString::number(mine.structs.size()),
                    QString::number(structs.size()));
        for (qsizetype j = 0; j < structs.size(); ++j) {
            const QJsonObject s = structs.at(j).toObject();
            const yjs::StructView &v = mine.structs.at(j);
            if (v.kind != s.value(u"kind").toString() || v.clock != u64(s.value(u"clock"))
                || v.length != u64(s.value(u"length"))
                || (v.kind == u"Item" && v.content != s.value(u"content").toString()))
                return QStringLiteral("run %1 struct %2: %3 %4 at %5 (%6), yjs: %7")
                    .arg(QString::number(i), QString::number(j), v.kind, v.content,
                        QString::number(v.clock), QString::number(v.length),
                        QString::fromUtf8(QJsonDocument(s).toJson(QJsonDocument::Compact)));
        }
    }
    const QJsonArray deletes = want.value(u"deletes").toArray();
    if (qsizetype(got.deleteSet.clients().size()) != deletes.size())
        return QStringLiteral("deletes of %1 clients, yjs read %2")
            .arg(QString::number(got.deleteSet.clients().size()), QString::number(deletes.size()));
    qsizetype i = 0;
    for (const auto &[client, ranges] : got.deleteSet.clients()) {
        const QJsonObject d = deletes.at(i++).toObject();
        const QJsonArray wantRanges = d.value(u"ranges").toArray();
        if (client != u64(d.value(u"client")) || ranges.size() != wantRanges.size())
            return QStringLiteral("deletes of client %1").arg(QString::number(client));
        for (qsizetype r = 0; r < ranges.size(); ++r) {
            const QJsonObject range = wantRanges.at(r).toObject();
            if (ranges.at(r).clock != u64(range.value(u"clock"))
                || ranges.at(r).length != u64(range.value(u"length")))
                return QStringLiteral("delete range %1 of client %2")
                    .arg(QString::number(r), QString::number(client));
        }
    }
    return {};
}

QString compareStateVector(const YjsStateVectorPayload &got, const QJsonArray &want)
{
    if (!got.parsed)
        return QStringLiteral("not parsed: ") + got.error;
    if (qsizetype(got.vector.size()) != want.size())
        return QStringLiteral("%1 clients, yjs read %2")
            .arg(QString::number(got.vector.size()), QString::number(want.size()));
    qsizetype i = 0;
    for (const auto &[client, clock] : got.vector) { // ascending, as the fixture sorts them
        const QJsonObject entry = want.at(i++).toObject();
        if (client != u64(entry.value(u"client")) || clock != u64(entry.value(u"clock")))
            return QStringLiteral("client %1 at %2")
                .arg(QString::number(client), QString::number(clock));
    }
    return {};
}

QString compareAwareness(const YjsAwarenessPayload &got, const QJsonArray &want)
{
    if (!got.parsed)
        return QStringLiteral("not parsed: ") + got.error;
    if (got.entries.size() != want.size())
        return QStringLiteral("%1 entries, y-protocols wrote %2")
            .arg(QString::number(got.entries.size()), QString::number(want.size()));
    for (qsizetype i = 0; i < want.size(); ++i) {
        const QJsonObject entry = want.at(i).toObject();
        const yjs::AwarenessEntry &mine = got.entries.at(i);
        if (mine.client != u64(entry.value(u"client")) || mine.clock != u64(entry.value(u"clock"))
            || QString::fromUtf8(mine.state) != entry.value(u"state").toString())
            return QStringLiteral("entry %1: client %2 clock %3 %4")
                .arg(QString::number(i), QString::number(mine.client), QString::number(mine.clock),
                    QString::fromUtf8(mine.state));
    }
    return {};
}

// Everything the fixture says of one y-websocket or Hocuspocus frame, against the decoder.
QString compareMessage(const YMessageDetail &got, const QJsonObject &want)
{
    if (!got.decoded)
        return QStringLiteral("not decoded: ") + got.error;
    if (got.typeName != want.value(u"summary").toString())
        return QStringLiteral("type %1, expected %2")
            .arg(got.typeName, want.value(u"summary").toString());
    if (got.type != u64(want.value(u"type")))
        return QStringLiteral("type number %1").arg(QString::number(got.type));
    if (want.contains(u"document") && got.document != want.value(u"document").toString())
        return QStringLiteral("document %1").arg(got.document);
    if (want.contains(u"stateVector"))
        return compareStateVector(got.stateVector, want.value(u"stateVector").toArray());
    if (want.contains(u"update")) {
        if (got.update.size != qsizetype(want.value(u"size").toDouble()))
            return QStringLiteral("update of %1 bytes").arg(QString::number(got.update.size));
        return compareUpdate(got.update, want.value(u"update").toObject());
    }
    if (want.contains(u"awareness"))
        return compareAwareness(got.awareness, want.value(u"awareness").toArray());
    if (want.contains(u"authType") && got.authType != u64(want.value(u"authType")))
        return QStringLiteral("auth type %1").arg(QString::number(got.authType));
    if (want.contains(u"text") && got.text != want.value(u"text").toString())
        return QStringLiteral("text %1").arg(got.text);
    if (want.contains(u"providerVersion")
        && got.providerVersion != want.value(u"providerVersion").toString())
        return QStringLiteral("provider version %1").arg(got.providerVersion);
    if (want.contains(u"tokenOffset")
        && (got.tokenOffset != qsizetype(want.value(u"tokenOffset").toDouble())
            || got.tokenSize != qsizetype(want.value(u"tokenSize").toDouble())))
        return QStringLiteral("token at %1, %2 bytes")
            .arg(QString::number(got.tokenOffset), QString::number(got.tokenSize));
    if (want.contains(u"status") && got.status != qint64(want.value(u"status").toDouble()))
        return QStringLiteral("status %1").arg(QString::number(got.status));
    return {};
}

QStringList treeFields(QTreeWidget *tree)
{
    QStringList out;
    for (QTreeWidgetItemIterator it(tree); *it; ++it)
        out.append((*it)->text(0) + u'=' + (*it)->text(1) + u'=' + (*it)->text(2));
    return out;
}

QStringList payloadRows(QTreeWidget *tree)
{
    QStringList out;
    for (QTreeWidgetItemIterator it(tree); *it; ++it) {
        QStringList columns;
        for (int c = 0; c < tree->columnCount(); ++c)
            columns.append((*it)->text(c));
        out.append(columns.join(u'|'));
    }
    return out;
}

bool hasRowStarting(const QStringList &rows, const QString &prefix)
{
    return std::any_of(
        rows.cbegin(), rows.cend(), [&](const QString &row) { return row.startsWith(prefix); });
}

QAbstractItemModelTester *tester(QAbstractItemModel *model, QObject *parent)
{
    return new QAbstractItemModelTester(
        model, QAbstractItemModelTester::FailureReportingMode::QtTest, parent);
}

QString cell(const QAbstractItemModel &model, int row, int column)
{
    return model.index(row, column).data().toString();
}

} // namespace

class TestYjsViews final : public QObject
{
    Q_OBJECT

public:
    static void initMain() { QStandardPaths::setTestModeEnabled(true); }

private Q_SLOTS:
    void initTestCase();
    void yWebsocketFramesDecode_data();
    void yWebsocketFramesDecode();
    void hocuspocusFramesDecode_data();
    void hocuspocusFramesDecode();
    void loroProtocolYjsPayloads();
    void detailViewFieldsAndTokenMask();
    void trafficListNamesProtocolAndRoom();
    void hostileFramesNeverCrash();
    void sessionProtocolNames();
    void yjsDocumentOnTheDocumentsPage();
    void awarenessOnTheRoomsPage();
    void liveYWebsocketAndHocuspocusSessions();

private:
    QJsonObject m_fixture;
};

void TestYjsViews::initTestCase()
{
    // English plural forms ("2 structs"), as the window loads them.
    QLocale::setDefault(QLocale(QLocale::English, QLocale::UnitedStates));
    QTranslator *english = loadTranslation(QLocale(QLocale::English, QLocale::UnitedStates), this);
    QVERIFY2(english, "canopy_en.qm is embedded");
    QCoreApplication::installTranslator(english);
    m_fixture = loadFixture();
}

void TestYjsViews::yWebsocketFramesDecode_data()
{
    QTest::addColumn<QByteArray>("frame");
    QTest::addColumn<QJsonObject>("expect");
    for (const QJsonValue &value : m_fixture.value(u"ywebsocket").toArray()) {
        const QJsonObject f = value.toObject();
        QTest::newRow(qPrintable(f.value(u"name").toString()))
            << bytesOf(f.value(u"hex")) << f.value(u"expect").toObject();
    }
}

void TestYjsViews::yWebsocketFramesDecode()
{
    if (m_fixture.isEmpty())
        QSKIP("no fixtures: run through ctest so fixtures.yjstraffic makes them");
    QFETCH(QByteArray, frame);
    QFETCH(QJsonObject, expect);
    const FrameDetail detail = FrameDecoder::decode(frame, false, WireProtocol::YWebsocket);
    const QString mismatch = compareMessage(detail.ymessage, expect);
    QVERIFY2(mismatch.isEmpty(), qPrintable(mismatch));
    // The list's cheap summary names the same type; a y-websocket frame names no room.
    QCOMPARE(detail.summary.type, expect.value(u"summary").toString());
    QVERIFY(detail.summary.entityId.isEmpty());
}

void TestYjsViews::hocuspocusFramesDecode_data()
{
    QTest::addColumn<QByteArray>("frame");
    QTest::addColumn<bool>("fromHost");
    QTest::addColumn<QJsonObject>("expect");
    for (const QJsonValue &value : m_fixture.value(u"hocuspocus").toArray()) {
        const QJsonObject f = value.toObject();
        // "out": what the stand-in server sent, as the host would.
        QTest::newRow(qPrintable(f.value(u"name").toString()))
            << bytesOf(f.value(u"hex")) << (f.value(u"dir").toString() == u"out")
            << f.value(u"expect").toObject();
    }
}

void TestYjsViews::hocuspocusFramesDecode()
{
    if (m_fixture.isEmpty())
        QSKIP("no fixtures: run through ctest so fixtures.yjstraffic makes them");
    QFETCH(QByteArray, frame);
    QFETCH(bool, fromHost);
    QFETCH(QJsonObject, expect);
    const FrameDetail detail
        = FrameDecoder::decode(frame, false, WireProtocol::Hocuspocus, fromHost);
    const QString mismatch = compareMessage(detail.ymessage, expect);
    QVERIFY2(mismatch.isEmpty(), qPrintable(mismatch));
    QCOMPARE(detail.summary.type, expect.value(u"summary").toString());
    QCOMPARE(detail.summary.entityId, expect.value(u"document").toString());
}

void TestYjsViews::loroProtocolYjsPayloads()
{
    if (m_fixture.isEmpty())
        QSKIP("no fixtures: run through ctest so fixtures.yjstraffic makes them");
    const QJsonArray frames = m_fixture.value(u"loro").toArray();
    QCOMPARE(frames.size(), 4);
    for (const QJsonValue &value : frames) {
        const QJsonObject f = value.toObject();
        const QJsonObject expect = f.value(u"expect").toObject();
        const QString name = f.value(u"name").toString();
        const LoroProtocolDetail got = FrameDecoder::decodeLoroProtocol(bytesOf(f.value(u"hex")));
        QVERIFY2(got.decoded, qPrintable(name + u' ' + got.error));
        QCOMPARE(got.kind, expect.value(u"kind").toString());
        QCOMPARE(LoroProtocolMessage::typeName(got.message.type), expect.value(u"type").toString());
        if (expect.contains(u"stateVector")) {
            QVERIFY(got.hasStateVector);
            QVERIFY(!got.hasVersion); // not read as a Loro version vector
            const QString mismatch
                = compareStateVector(got.stateVector, expect.value(u"stateVector").toArray());
            QVERIFY2(mismatch.isEmpty(), qPrintable(name + u' ' + mismatch));
        }
        if (expect.contains(u"authSize"))
            QCOMPARE(got.authSize, qsizetype(expect.value(u"authSize").toDouble()));
        const QJsonArray updates = expect.value(u"updates").toArray();
        QCOMPARE(got.yjsUpdates.size(), updates.size());
        for (qsizetype i = 0; i < updates.size(); ++i) {
            const QString mismatch = compareUpdate(got.yjsUpdates.at(i), updates.at(i).toObject());
            QVERIFY2(mismatch.isEmpty(), qPrintable(name + u' ' + mismatch));
        }
        const QJsonArray awareness = expect.value(u"awareness").toArray();
        QCOMPARE(got.awarenessUpdates.size(), awareness.size());
        for (qsizetype i = 0; i < awareness.size(); ++i) {
            const QString mismatch
                = compareAwareness(got.awarenessUpdates.at(i), awareness.at(i).toArray());
            QVERIFY2(mismatch.isEmpty(), qPrintable(name + u' ' + mismatch));
        }
    }
    QCOMPARE(FrameDecoder::magicDescription("%YAW"),
        QStringLiteral("Yjs awareness (presence, in memory)"));
}

void TestYjsViews::detailViewFieldsAndTokenMask()
{
    if (m_fixture.isEmpty())
        QSKIP("no fixtures: run through ctest so fixtures.yjstraffic makes them");
    auto frame = [this](const char *group, const char *name) {
        for (const QJsonValue &value : m_fixture.value(QLatin1String(group)).toArray()) {
            if (value.toObject().value(u"name").toString() == QLatin1String(name))
                return bytesOf(value.toObject().value(u"hex"));
        }
        return QByteArray();
    };
    FrameDetailView view;

    // Hocuspocus's Auth carries the token: the hex view shows neither its bytes nor its text.
    const QByteArray auth = frame("hocuspocus", "provider auth");
    const QString token = m_fixture.value(u"token").toString();
    QVERIFY(!auth.isEmpty() && auth.contains(token.toLatin1()));
    view.showFrame(auth, false, WireProtocol::Hocuspocus, auth.size(), false);
    const QString hex = view.hexText();
    QVERIFY2(!hex.contains(token.left(8)), qPrintable(hex));
    QVERIFY(!hex.contains(QStringLiteral("66 69 78 74"))); // "fixt", the token's first bytes
    QCOMPARE(hex.count(QStringLiteral("** ")), token.size());
    QVERIFY(hex.contains(QStringLiteral("4.8.0"))); // the provider version after it is not masked
    QStringList fields = treeFields(view.messageTree());
    QVERIFY2(fields.contains(QStringLiteral("document=varString=notes")),
        qPrintable(fields.join(u'\n')));
    QVERIFY(fields.contains(QStringLiteral("type=varUint=auth (2)")));
    QVERIFY(fields.contains(QStringLiteral("auth type=varUint=token (0)")));
    QVERIFY(fields.contains(
        QStringLiteral("token=varString=%1 bytes, masked in the hex view").arg(token.size())));
    QVERIFY(fields.contains(QStringLiteral("provider version=varString=4.8.0")));
    QVERIFY(!fields.join(u'\n').contains(token));
    QVERIFY2(
        view.statusText().contains(QStringLiteral("a valid Hocuspocus auth for document “notes”")),
        qPrintable(view.statusText()));

    // A frame cut inside its token still masks what there is of it.
    const QByteArray cut = auth.left(auth.indexOf(token.toLatin1()) + 10);
    view.showFrame(cut, false, WireProtocol::Hocuspocus, cut.size(), false);
    QVERIFY2(view.statusText().contains(QStringLiteral("not a valid Hocuspocus message")),
        qPrintable(view.statusText()));
    QCOMPARE(view.hexText().count(QStringLiteral("** ")), 10);

    // A y-websocket update of the editing trace: structs by client and clock range.
    const QByteArray update = frame("ywebsocket", "server update 3");
    view.showFrame(update, false, WireProtocol::YWebsocket, update.size(), false);
    fields = treeFields(view.messageTree());
    QVERIFY2(fields.contains(QStringLiteral("sync step=varUint=update (2)")),
        qPrintable(fields.join(u'\n')));
    QVERIFY(fields.contains(QStringLiteral("client 7=structs=clocks 6–10, 2 structs")));
    QStringList rows = payloadRows(view.payloadTree());
    QVERIFY2(
        rows.contains(QStringLiteral("client 7|6–10|5|2 structs|")), qPrintable(rows.join(u'\n')));
    QVERIFY(hasRowStarting(rows, QStringLiteral("Item|6–9|4|Any|")));
    QVERIFY(hasRowStarting(rows, QStringLiteral("Item|10|1|Binary|")));
    QVERIFY2(view.payloadSummary().contains(QStringLiteral("Structs: 2 in 1 client run(s)")),
        qPrintable(view.payloadSummary()));

    // A deletion: the delete set, per client.
    const QByteArray deletion = frame("ywebsocket", "server update 8");
    view.showFrame(deletion, false, WireProtocol::YWebsocket, deletion.size(), false);
    rows = payloadRows(view.payloadTree());
    QVERIFY2(rows.contains(QStringLiteral("delete set|||1 range|")), qPrintable(rows.join(u'\n')));
    QVERIFY(rows.contains(QStringLiteral("client 7|1–2|2|deleted|")));

    // Awareness: each state as its JSON.
    const QByteArray awareness = frame("ywebsocket", "client awareness (all states)");
    view.showFrame(awareness, false, WireProtocol::YWebsocket, awareness.size(), false);
    rows = payloadRows(view.payloadTree());
    QVERIFY2(
        rows.contains(QStringLiteral("11|1|{\"user\":{\"name\":\"Ann\",\"color\":\"#30bced\"}}")),
        qPrintable(rows.join(u'\n')));
    const QByteArray removal = frame("ywebsocket", "client awareness removal");
    view.showFrame(removal, false, WireProtocol::YWebsocket, removal.size(), false);
    QVERIFY(
        payloadRows(view.payloadTree()).contains(QStringLiteral("11|2|null (the client left)")));

    // SyncStep1: the state vector.
    const QByteArray step1 = frame("hocuspocus", "server syncStep1");
    view.showFrame(step1, false, WireProtocol::Hocuspocus, step1.size(), false, nullptr, true);
    QVERIFY(payloadRows(view.payloadTree()).contains(QStringLiteral("4|2")));

    // Hocuspocus's own messages.
    const QByteArray status = frame("hocuspocus", "server syncStatus");
    view.showFrame(status, false, WireProtocol::Hocuspocus, status.size(), false, nullptr, true);
    QVERIFY(treeFields(view.messageTree())
                .contains(QStringLiteral("status=varInt=1 (applied: committed)")));
    const QByteArray close = frame("hocuspocus", "server close");
    view.showFrame(close, false, WireProtocol::Hocuspocus, close.size(), false, nullptr, true);
    QVERIFY(treeFields(view.messageTree())
                .contains(QStringLiteral("reason=varString=provider_initiated")));
    const QByteArray stateless = frame("hocuspocus", "provider stateless");
    view.showFrame(stateless, false, WireProtocol::Hocuspocus, stateless.size(), false);
    QVERIFY(treeFields(view.messageTree())
                .contains(QStringLiteral("payload=varString={\"cursor\":3}")));
    const QByteArray ping = frame("hocuspocus", "server ping");
    view.showFrame(ping, false, WireProtocol::Hocuspocus, ping.size(), false, nullptr, true);
    QVERIFY(treeFields(view.messageTree()).contains(QStringLiteral("type=u8=ping (9)")));

    // A %YJS join over loro-protocol: the state vector, the auth masked as for %LOR.
    const QByteArray join = frame("loro", "yjs joinRequest");
    view.showFrame(join, false, WireProtocol::Loro, join.size(), false);
    QVERIFY(!view.hexText().contains(QStringLiteral("loro-tok")));
    QVERIFY2(treeFields(view.messageTree())
                 .contains(QStringLiteral("version=varBytes=5 bytes: state vector of 2 clients")),
        qPrintable(treeFields(view.messageTree()).join(u'\n')));
    QVERIFY(payloadRows(view.payloadTree()).contains(QStringLiteral("7|16")));
    const QByteArray docUpdate = frame("loro", "yjs docUpdate");
    view.showFrame(docUpdate, false, WireProtocol::Loro, docUpdate.size(), false);
    QVERIFY2(view.payloadSummary().contains(QStringLiteral("Update 1 of 2")),
        qPrintable(view.payloadSummary()));
    QVERIFY(hasRowStarting(
        payloadRows(view.payloadTree()), QStringLiteral("client 9|0–2|3|1 struct|")));
}

void TestYjsViews::trafficListNamesProtocolAndRoom()
{
    if (m_fixture.isEmpty())
        QSKIP("no fixtures: run through ctest so fixtures.yjstraffic makes them");
    TrafficModel model;
    tester(&model, this);
    quint64 seq = 0;
    auto add = [&](const QString &protocol, const QJsonObject &f) {
        TrafficFrame frame;
        frame.seq = ++seq;
        frame.time = QDateTime::currentDateTimeUtc();
        frame.direction = f.value(u"dir").toString() == u"in" ? TrafficFrame::Direction::In
                                                              : TrafficFrame::Direction::Out;
        frame.sessionId = protocol;
        frame.did = TestDid;
        frame.protocol = protocol;
        if (protocol == u"y-websocket")
            frame.room = QStringLiteral("notes");
        frame.bytes = bytesOf(f.value(u"hex"));
        model.addFrame(frame);
    };
    const QJsonArray yws = m_fixture.value(u"ywebsocket").toArray();
    const QJsonArray hp = m_fixture.value(u"hocuspocus").toArray();
    for (const QJsonValue &f : yws)
        add(QStringLiteral("y-websocket"), f.toObject());
    for (const QJsonValue &f : hp)
        add(QStringLiteral("hocuspocus"), f.toObject());
    model.flush();
    QCOMPARE(model.rowCount(), int(yws.size() + hp.size()));
    for (int row = 0; row < model.rowCount(); ++row) {
        const bool hocuspocus = row >= yws.size();
        const QJsonObject f = (hocuspocus ? hp.at(row - yws.size()) : yws.at(row)).toObject();
        const QJsonObject expect = f.value(u"expect").toObject();
        QCOMPARE(cell(model, row, TrafficModel::Kind),
            hocuspocus ? QStringLiteral("Hocuspocus") : QStringLiteral("y-websocket"));
        QCOMPARE(cell(model, row, TrafficModel::Type), expect.value(u"summary").toString());
        // y-websocket frames carry the session's room; Hocuspocus frames name their document.
        QCOMPARE(cell(model, row, TrafficModel::Entity),
            hocuspocus ? expect.value(u"document").toString() : QStringLiteral("notes"));
    }
    // A frame neither protocol can read is shown as such, not as another protocol's.
    TrafficFrame junk;
    junk.seq = ++seq;
    junk.protocol = QStringLiteral("y-websocket");
    junk.bytes = QByteArray::fromHex("ff");
    model.addFrame(junk);
    model.flush();
    QCOMPARE(
        cell(model, model.rowCount() - 1, TrafficModel::Type), QStringLiteral("(not y-websocket)"));
}

void TestYjsViews::hostileFramesNeverCrash()
{
    if (m_fixture.isEmpty())
        QSKIP("no fixtures: run through ctest so fixtures.yjstraffic makes them");
    // Every prefix of every real frame, and each with random bytes flipped: a decode or a
    // reason, never a crash (the codecs underneath are fuzzed too: fuzz_ywebsocket_frame,
    // fuzz_hocuspocus_frame, fuzz_yjs_update).
    QRandomGenerator random(13);
    FrameDetailView view;
    int refused = 0;
    for (const char *group : {"ywebsocket", "hocuspocus"}) {
        const WireProtocol protocol = QLatin1String(group) == QLatin1String("hocuspocus")
            ? WireProtocol::Hocuspocus
            : WireProtocol::YWebsocket;
        for (const QJsonValue &value : m_fixture.value(QLatin1String(group)).toArray()) {
            const QByteArray frame = bytesOf(value.toObject().value(u"hex"));
            for (qsizetype n = 0; n < frame.size(); ++n) {
                for (const bool fromHost : {false, true}) {
                    const FrameDetail cut
                        = FrameDecoder::decode(frame.left(n), false, protocol, fromHost);
                    if (!cut.ymessage.decoded) {
                        ++refused;
                        QVERIFY(!cut.ymessage.error.isEmpty());
                    }
                    (void)FrameDecoder::summarize(frame.left(n), false, protocol, fromHost);
                }
            }
            for (int round = 0; round < 20; ++round) {
                QByteArray mangled = frame;
                for (int flips = 0; flips < 3; ++flips)
                    mangled[random.bounded(int(mangled.size()))] = char(random.bounded(256));
                view.showFrame(mangled, false, protocol, mangled.size(), false, nullptr, round % 2);
            }
        }
    }
    QVERIFY(refused > 100);
    const FrameDetail empty = FrameDecoder::decode({}, false, WireProtocol::Hocuspocus);
    QVERIFY(!empty.ymessage.decoded);
    QVERIFY2(empty.ymessage.error.startsWith(QStringLiteral("bad-key")),
        qPrintable(empty.ymessage.error));
    // A y-websocket frame of a type y-protocols does not know, and one with bytes left over.
    QVERIFY(FrameDecoder::decode(QByteArray::fromHex("05"), false, WireProtocol::YWebsocket)
                .ymessage.error.startsWith(QStringLiteral("unknown-message-type")));
    QVERIFY(FrameDecoder::decode(QByteArray::fromHex("0000010000"), false, WireProtocol::YWebsocket)
                .ymessage.error.startsWith(QStringLiteral("trailing-bytes")));
}

void TestYjsViews::sessionProtocolNames()
{
    QCOMPARE(
        SessionsModel::protocolName(QStringLiteral("y-websocket")), QStringLiteral("y-websocket"));
    QCOMPARE(
        SessionsModel::protocolName(QStringLiteral("hocuspocus")), QStringLiteral("Hocuspocus"));
    QCOMPARE(SessionsModel::protocolName(QStringLiteral("loro")), QStringLiteral("loro-protocol"));
    QCOMPARE(FrameDecoder::protocolOf(u"y-websocket"), WireProtocol::YWebsocket);
    QCOMPARE(FrameDecoder::protocolOf(u"hocuspocus"), WireProtocol::Hocuspocus);
    QCOMPARE(FrameDecoder::protocolOf(u"sync1"), WireProtocol::Sync1);
}

void TestYjsViews::yjsDocumentOnTheDocumentsPage()
{
    if (m_fixture.isEmpty())
        QSKIP("no fixtures: run through ctest so fixtures.yjstraffic makes them");
    const QJsonObject trace = m_fixture.value(u"trace").toObject();
    GuiTestHost test;
    QVERIFY2(test.ok(), qPrintable(test.error()));
    AdminService *admin = test.host().admin();
    admin->setTrafficCapture(true);
    TrafficModel traffic;
    traffic.setAdmin(admin);

    // The editing trace's updates, one DocUpdate each, over loro-protocol %YJS.
    LoroTestClient client(test.port(), TestDid, QString::fromLatin1(GuiTestHost::DevToken));
    QVERIFY(client.waitConnected());
    QVERIFY(client.join("%YJS", "notes", QByteArray::fromHex("00")));
    for (const QJsonValue &update : trace.value(u"updates").toArray()) {
        const QByteArray batch = client.sendUpdate("%YJS", "notes", bytesOf(update));
        QVERIFY(client.waitAck(batch));
    }

    DocumentsModel documents;
    tester(&documents, this);
    documents.setAdmin(admin);
    DocumentsPage page(&documents);
    page.setAdmin(admin);
    QTRY_VERIFY(documents.rowOf(QStringLiteral("notes"), QStringLiteral("yjs")) >= 0);
    const int row = documents.rowOf(QStringLiteral("notes"), QStringLiteral("yjs"));
    QCOMPARE(cell(documents, row, DocumentsModel::Kind), QStringLiteral("Yjs"));
    // Its state vector as yjs computes it for the same updates, client:clock ascending.
    QStringList vector;
    for (const QJsonValue &entry : trace.value(u"stateVector").toArray())
        vector.append(
            QStringLiteral("%1:%2").arg(QString::number(u64(entry.toObject().value(u"client"))),
                QString::number(u64(entry.toObject().value(u"clock")))));
    QCOMPARE(cell(documents, row, DocumentsModel::StateVector), vector.join(QStringLiteral(", ")));
    QCOMPARE(cell(documents, row, DocumentsModel::Peers), QStringLiteral("2")); // clients 7 and 9
    QCOMPARE(cell(documents, row, DocumentsModel::Subscribers), QStringLiteral("1"));

    // The history: stored updates by client and clock range, with who sent them.
    QVERIFY(page.selectDocument(QStringLiteral("notes"), QStringLiteral("yjs")));
    BlocksModel *blocks = page.blocksModel();
    QTRY_VERIFY(blocks->rowCount() > 0);
    QCOMPARE(
        blocks->headerData(BlocksModel::Peer, Qt::Horizontal).toString(), QStringLiteral("Client"));
    QCOMPARE(blocks->headerData(BlocksModel::Counters, Qt::Horizontal).toString(),
        QStringLiteral("Clocks"));
    QVERIFY(BlocksModel::columnApplies(BlocksModel::Changes, QStringLiteral("yjs")));
    QVERIFY(!BlocksModel::columnApplies(BlocksModel::Lamports, QStringLiteral("yjs")));
    QSet<QString> clients;
    qint64 bytes = 0;
    for (int i = 0; i < blocks->rowCount(); ++i) {
        const BlockInfo &b = blocks->blockAt(i);
        clients.insert(b.peer);
        QCOMPARE(b.fromDid, TestDid);
        QVERIFY(b.size > 0);
        QVERIFY(b.receivedAt.isValid());
        bytes += b.size;
    }
    QVERIFY2(clients.contains(QStringLiteral("7")) && clients.contains(QStringLiteral("9")),
        qPrintable(QStringList(clients.values()).join(u',')));
    QCOMPARE(cell(*blocks, 0, BlocksModel::Peer), blocks->blockAt(0).peer); // decimal, as is

    // Export: one V1 update, byte for byte what Y.mergeUpdates makes of the same updates.
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("notes.yjs"));
    QSignalSpy exported(&page, &DocumentsPage::exportFinished);
    QVERIFY(page.exportSelected(path));
    QTRY_COMPARE(exported.count(), 1);
    QVERIFY(exported.first().at(0).toBool());
    QFile file(path);
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QByteArray merged = file.readAll();
    const YjsUpdatePayload described = YjsFrameDecoder::describeUpdate(merged);
    QVERIFY2(described.parsed, qPrintable(described.error));
    QCOMPARE(merged.toHex(), trace.value(u"merged").toString().toLatin1());

    // The traffic view read the %YJS frames with their Yjs payloads.
    traffic.flush();
    bool sawUpdate = false;
    for (int i = 0; i < traffic.rowCount(); ++i) {
        const TrafficModel::Row &r = traffic.rowAt(i);
        if (r.summary.magic != u"%YJS" || r.summary.type != u"docUpdate")
            continue;
        const LoroProtocolDetail d = FrameDecoder::decodeLoroProtocol(r.frame.bytes);
        QVERIFY(d.decoded);
        QCOMPARE(d.kind, QStringLiteral("yjs"));
        QCOMPARE(d.yjsUpdates.size(), 1);
        QVERIFY2(d.yjsUpdates.first().parsed, qPrintable(d.yjsUpdates.first().error));
        sawUpdate = true;
    }
    QVERIFY(sawUpdate);

    // Delete refuses while the client is joined, then works.
    QVERIFY(!admin->deleteDocument(QStringLiteral("notes"), QStringLiteral("yjs")));
    client.leave("%YJS", "notes");
    QTRY_COMPARE(test.host().admin()->documents()->front().subscribers, qint64(0));
    QVERIFY(admin->deleteDocument(QStringLiteral("notes"), QStringLiteral("yjs")));
    documents.reload();
    QCOMPARE(documents.rowOf(QStringLiteral("notes"), QStringLiteral("yjs")), -1);
}

void TestYjsViews::awarenessOnTheRoomsPage()
{
    if (m_fixture.isEmpty())
        QSKIP("no fixtures: run through ctest so fixtures.yjstraffic makes them");
    QByteArray update; // the awareness update a real WebsocketProvider sent
    for (const QJsonValue &value : m_fixture.value(u"loro").toArray()) {
        if (value.toObject().value(u"name").toString() == u"yaw docUpdate") {
            const auto decoded = LoroProtocolCodec::decode(bytesOf(value.toObject().value(u"hex")));
            QVERIFY(decoded && decoded->updates.size() == 1);
            update = decoded->updates.first();
        }
    }
    QVERIFY(!update.isEmpty());
    GuiTestHost test;
    QVERIFY2(test.ok(), qPrintable(test.error()));
    AdminService *admin = test.host().admin();
    RoomsModel rooms;
    tester(&rooms, this);
    rooms.setAdmin(admin);
    PresenceModel presence;
    tester(&presence, this);
    presence.setAdmin(admin);

    LoroTestClient client(test.port(), TestDid, QString::fromLatin1(GuiTestHost::DevToken));
    QVERIFY(client.waitConnected());
    QVERIFY(client.join("%YAW", "notes", {}));
    QVERIFY(client.waitAck(client.sendUpdate("%YAW", "notes", update)));
    QTRY_VERIFY(rooms.rowOf(QStringLiteral("yaw"), QStringLiteral("notes")) >= 0);
    QVERIFY(RoomsModel::isEphemeral(QStringLiteral("yaw")));
    QCOMPARE(DocumentsModel::kindName(QStringLiteral("yaw")), QStringLiteral("Yjs awareness"));
    presence.setRoom(QStringLiteral("yaw"), QStringLiteral("notes"));
    QTRY_COMPARE(presence.rowCount(), 1);
    // Client 11 at clock 1, its state as the provider wrote it.
    QCOMPARE(cell(presence, 0, PresenceModel::Key), QStringLiteral("11"));
    const QString value = cell(presence, 0, PresenceModel::Value);
    QVERIFY2(value.contains(QStringLiteral("clock 1"))
            && value.contains(QStringLiteral("{\"user\":{\"name\":\"Ann\"")),
        qPrintable(value));
    // Memory only: the room and its states are gone with its last member.
    client.leave("%YAW", "notes");
    QTRY_COMPARE(presence.rowCount(), 0);
}

void TestYjsViews::liveYWebsocketAndHocuspocusSessions()
{
    GuiTestHost test;
    QVERIFY2(test.ok(), qPrintable(test.error()));
    AdminService *admin = test.host().admin();
    admin->setTrafficCapture(true);
    TrafficModel traffic;
    tester(&traffic, this);
    traffic.setAdmin(admin);
    SessionsModel sessions;
    tester(&sessions, this);
    sessions.setAdmin(admin);
    const QString token = QString::fromLatin1(GuiTestHost::DevToken);
    const QString base = QStringLiteral("ws://127.0.0.1:%1").arg(test.port());

    // y-websocket: the token in the subprotocol, the room in the path; a SyncStep1 of an empty doc.
    QWebSocket yws;
    QWebSocketHandshakeOptions options;
    options.setSubprotocols({QStringLiteral("authorization"), token});
    yws.open(QNetworkRequest(
                 QUrl(base + QStringLiteral("/yjs/as/") + TestDid + QStringLiteral("/notes"))),
        options);
    QTRY_COMPARE(yws.state(), QAbstractSocket::ConnectedState);
    yws.sendBinaryMessage(QByteArray::fromHex("00000100"));
    // Hocuspocus: an Auth with the token, then a SyncStep1, for document "notes".
    QWebSocket hp;
    hp.open(QUrl(base + QStringLiteral("/hocuspocus/as/") + TestDid));
    QTRY_COMPARE(hp.state(), QAbstractSocket::ConnectedState);
    HocuspocusMessage auth;
    auth.key = "notes";
    auth.type = HocuspocusMessage::Type::Auth;
    auth.authType = HocuspocusMessage::AuthType::Token;
    auth.token = token.toUtf8();
    auth.hasProviderVersion = true;
    auth.providerVersion = "4.8.0";
    const QByteArray authFrame
        = HocuspocusCodec::encode(auth, HocuspocusMessage::Direction::FromProvider);
    hp.sendBinaryMessage(authFrame);
    hp.sendBinaryMessage(HocuspocusCodec::sync("notes", 0, QByteArray::fromHex("00")));

    auto rowsOf = [&](const QString &kind) {
        QStringList out;
        traffic.flush();
        for (int row = 0; row < traffic.rowCount(); ++row) {
            if (cell(traffic, row, TrafficModel::Kind) == kind)
                out.append(cell(traffic, row, TrafficModel::Direction).right(3).trimmed() + u' '
                    + cell(traffic, row, TrafficModel::Type) + u' '
                    + cell(traffic, row, TrafficModel::Entity));
        }
        return out;
    };
    // The host's answers in both protocols, each frame under its session's protocol and room.
    QTRY_VERIFY2(
        rowsOf(QStringLiteral("y-websocket")).contains(QStringLiteral("out syncStep2 notes")),
        qPrintable(rowsOf(QStringLiteral("y-websocket")).join(u'|')));
    QVERIFY2(rowsOf(QStringLiteral("y-websocket")).contains(QStringLiteral("in syncStep1 notes")),
        qPrintable(rowsOf(QStringLiteral("y-websocket")).join(u'|')));
    QVERIFY(rowsOf(QStringLiteral("y-websocket")).contains(QStringLiteral("out syncStep1 notes")));
    QTRY_VERIFY2(
        rowsOf(QStringLiteral("Hocuspocus")).contains(QStringLiteral("out authenticated notes")),
        qPrintable(rowsOf(QStringLiteral("Hocuspocus")).join(u'|')));
    QVERIFY(rowsOf(QStringLiteral("Hocuspocus")).contains(QStringLiteral("in auth notes")));
    QTRY_VERIFY(
        rowsOf(QStringLiteral("Hocuspocus")).contains(QStringLiteral("out syncStep2 notes")));

    // The captured Auth shows its fields, never the token.
    FrameDetailView view;
    for (int row = 0; row < traffic.rowCount(); ++row) {
        const TrafficModel::Row &r = traffic.rowAt(row);
        if (r.protocol != WireProtocol::Hocuspocus || r.summary.type != u"auth")
            continue;
        QCOMPARE(r.frame.bytes, authFrame);
        view.showFrame(r.frame.bytes, r.frame.text, r.protocol, r.size, r.truncated, nullptr,
            r.frame.direction == TrafficFrame::Direction::Out);
        QVERIFY(!view.hexText().contains(token.left(6)));
        QCOMPARE(view.hexText().count(QStringLiteral("** ")), token.toUtf8().size());
    }

    // The sessions page names both protocols.
    QTRY_COMPARE(sessions.rowCount(), 2);
    QStringList protocols;
    for (int row = 0; row < sessions.rowCount(); ++row)
        protocols.append(cell(sessions, row, SessionsModel::Protocol));
    protocols.sort();
    QCOMPARE(
        protocols, (QStringList {QStringLiteral("Hocuspocus"), QStringLiteral("y-websocket")}));
    yws.close();
    hp.close();
}

QTEST_MAIN(TestYjsViews)
#include "tst_yjsviews.moc"
