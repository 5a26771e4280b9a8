// The Yjs document kind (YjsEngine + YjsDocumentIndex) as the hub drives it, on the editing traces
// the real yjs produced (tests/interop/fixtures/yjs-fixtures.mjs): every update split and admitted
// in arrival order (or shuffled, as offline clients deliver them), the units kept in a list as the
// store would keep them. What a joiner receives for each state vector must be byte for byte
// Y.diffUpdate(Y.mergeUpdates(updates), sv), before and after compaction; the state vector must be
// what yjs computes; re-sent content is a duplicate; readers may re-send but not add; client ids
// stay with their first writer.
#include "crdt/yjs/StateVector.h"
#include "crdt/yjs/UpdateMerge.h"
#include "crdt/yjs/YjsDocumentIndex.h"
#include "crdt/yjs/YjsEngine.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

using namespace canopy;
using namespace canopy::yjs;

namespace {

QByteArray bytesOf(const QJsonValue &value)
{
    return QByteArray::fromHex(value.toString().toLatin1());
}

// One document as the hub holds it: the engine's index and the units a store would keep.
struct Document
{
    YjsEngine engine;
    std::unique_ptr<crdt::DocumentIndex> index = engine.createIndex();
    QList<crdt::Unit> stored;
    qsizetype fresh = 0;
    qsizetype duplicates = 0;

    Expected<crdt::Admission, crdt::Refusal> admit(
        const QByteArray &update, const crdt::AdmitContext &context = crdt::AdmitContext {})
    {
        auto split = engine.split(update);
        if (!split)
            return unexpected(split.error());
        auto admission = index->admit(split->units, context);
        if (admission) {
            stored += admission->fresh;
            fresh += admission->fresh.size();
            duplicates += admission->duplicates;
        }
        return admission;
    }

    // What the hub reads from the store for a UnitQuery.
    QList<crdt::Unit> read(const crdt::UnitQuery &query) const
    {
        if (query.all)
            return stored;
        QList<crdt::Unit> out;
        for (const auto &[peer, counter] : query.from) {
            for (const crdt::Unit &unit : stored) {
                if (unit.peer == peer && unit.end > counter)
                    out.append(unit);
            }
        }
        return out;
    }

    QByteArray answer(const QByteArray &vector) const
    {
        const auto version = engine.decodeVersion(vector);
        if (!version)
            return QByteArray("unreadable: ") + version.error().message.toUtf8();
        const QList<QByteArray> payloads = index->answer(read(index->lacking(*version)), *version);
        return payloads.size() == 1 ? payloads.front() : QByteArray("not one payload");
    }

    // As the hub does: the planned units merged, stored in place of exactly those.
    void compact()
    {
        const QList<crdt::Unit> planned = index->compaction();
        if (planned.isEmpty())
            return;
        const auto isPlanned = [&](const crdt::Unit &unit) {
            return std::any_of(planned.begin(), planned.end(), [&](const crdt::Unit &p) {
                return p.peer == unit.peer && p.start == unit.start && p.end == unit.end;
            });
        };
        QList<crdt::Unit> consumed;
        QList<crdt::Unit> kept;
        for (const crdt::Unit &unit : std::as_const(stored))
            (isPlanned(unit) ? consumed : kept).append(unit);
        QCOMPARE(consumed.size(), planned.size());
        auto merged = engine.compact(consumed);
        QVERIFY2(merged, qPrintable(merged ? QString() : merged.error().message));
        QVERIFY(merged->size() < consumed.size());
        index->compacted(consumed, *merged);
        stored = kept + *merged;
    }
};

} // namespace

class TestYjsEngine final : public QObject
{
    Q_OBJECT

    QJsonObject m_manifest;

    QJsonArray traces() const { return m_manifest.value(QStringLiteral("traces")).toArray(); }

private Q_SLOTS:
    void initTestCase()
    {
        const QString dir = qEnvironmentVariable("CANOPY_FIXTURES");
        QVERIFY2(!dir.isEmpty(), "CANOPY_FIXTURES is not set (ctest runs fixtures.generate)");
        QFile file(QDir(dir).filePath(QStringLiteral("yjs/manifest.json")));
        QVERIFY2(file.open(QIODevice::ReadOnly),
            qPrintable(file.fileName() + QStringLiteral(" is missing")));
        m_manifest = QJsonDocument::fromJson(file.readAll()).object();
        QVERIFY(traces().size() >= 3);
    }

    void answersAreWhatYjsComputes_data()
    {
        QTest::addColumn<int>("trace");
        QTest::addColumn<bool>("compacting");
        for (int i = 0; i < traces().size(); ++i) {
            const QString name = traces().at(i).toObject().value(QStringLiteral("name")).toString();
            QTest::newRow(qPrintable(name)) << i << false;
            QTest::newRow(qPrintable(name + QStringLiteral(", compacting"))) << i << true;
        }
    }

    // Every update in arrival order; then each state vector's answer against Y.diffUpdate.
    void answersAreWhatYjsComputes()
    {
        QFETCH(int, trace);
        QFETCH(bool, compacting);
        const QJsonObject t = traces().at(trace).toObject();
        Document doc;
        int compactions = 0;
        for (const QJsonValue &update : t.value(QStringLiteral("updates")).toArray()) {
            const auto admitted = doc.admit(bytesOf(update));
            QVERIFY2(admitted, qPrintable(admitted ? QString() : admitted.error().message));
            if (compacting && !doc.index->compaction().isEmpty()) {
                doc.compact();
                ++compactions;
            }
        }
        if (compacting) {
            QVERIFY(compactions > 1);
            qInfo("%lld units after %d compactions", qlonglong(doc.stored.size()), compactions);
            // Bounded: a few units per size tier and client, whatever the history's length.
            const qsizetype clients = t.value(QStringLiteral("clients")).toArray().size();
            QVERIFY2(doc.stored.size() <= 12 * (YjsDocumentIndex::UnitsPerTier + clients),
                qPrintable(
                    QStringLiteral("%1 units after %2 updates")
                        .arg(QString::number(doc.stored.size()),
                            QString::number(t.value(QStringLiteral("updates")).toArray().size()))));
        }
        QCOMPARE(doc.index->version().toHex(),
            t.value(QStringLiteral("svFromMerged")).toString().toLatin1());
        for (const QJsonValue &value : t.value(QStringLiteral("diffs")).toArray()) {
            const QJsonObject diff = value.toObject();
            const QByteArray vector = bytesOf(diff.value(QStringLiteral("sv")));
            QCOMPARE(doc.answer(vector).toHex(),
                diff.value(QStringLiteral("merged")).toString().toLatin1());
        }
        // A fresh joiner (no state vector at all) gets the whole document.
        QCOMPARE(doc.answer({}), doc.answer(QByteArray(1, '\0')));
        // The operator's export is the merged document: cut at nothing it is the fresh answer.
        const QByteArray exported = doc.index->exportAll(doc.stored).value(0);
        QCOMPARE(diffUpdate(exported, {}).toHex(), doc.answer({}).toHex());
    }

    // Offline clients deliver out of order: the runs differ, the document does not.
    void outOfOrderDeliveryConverges_data()
    {
        QTest::addColumn<int>("trace");
        for (int i = 0; i < traces().size(); ++i)
            QTest::newRow(
                qPrintable(traces().at(i).toObject().value(QStringLiteral("name")).toString()))
                << i;
    }

    void outOfOrderDeliveryConverges()
    {
        QFETCH(int, trace);
        const QJsonObject t = traces().at(trace).toObject();
        const QJsonArray updates = t.value(QStringLiteral("updates")).toArray();
        Document doc;
        for (const QJsonValue &index : t.value(QStringLiteral("shuffledOrder")).toArray())
            QVERIFY(doc.admit(bytesOf(updates.at(index.toInt()))));
        const QByteArray merged = bytesOf(t.value(QStringLiteral("mergedShuffled")));
        QCOMPARE(doc.answer({}).toHex(), diffUpdate(merged, {}).toHex());
        QCOMPARE(doc.index->version().toHex(), stateVectorFromUpdate(merged).toHex());
    }

    // Everything again, and a document's full state (GCs where the updates had Items): nothing
    // new, nothing stored; a reader may send it, but not a change.
    void resentContentIsADuplicate()
    {
        const QJsonObject t = traces().at(0).toObject();
        const QJsonArray updates = t.value(QStringLiteral("updates")).toArray();
        Document doc;
        for (const QJsonValue &update : updates)
            QVERIFY(doc.admit(bytesOf(update)));
        const qsizetype kept = doc.stored.size();
        crdt::AdmitContext reader;
        reader.readOnly = true;
        for (const QJsonValue &update : updates) {
            const auto again = doc.admit(bytesOf(update), reader);
            QVERIFY(again);
            QVERIFY(again->fresh.isEmpty());
        }
        for (const QJsonValue &state : t.value(QStringLiteral("fullStates")).toArray()) {
            const auto again = doc.admit(bytesOf(state), reader);
            QVERIFY2(again, qPrintable(again ? QString() : again.error().message));
            QVERIFY(again->fresh.isEmpty());
        }
        QCOMPARE(doc.stored.size(), kept);

        // A reader's new change is refused whole and changes nothing.
        Document partial;
        QVERIFY(partial.admit(bytesOf(updates.at(0))));
        const QByteArray before = partial.index->version();
        const auto refused = partial.admit(bytesOf(updates.at(1)), reader);
        QVERIFY(!refused);
        QCOMPARE(refused.error().reason, QStringLiteral("permission-denied"));
        QCOMPARE(partial.index->version(), before);
        QCOMPARE(partial.stored.size(), 1);
    }

    // An update that starts inside clocks the host holds is kept from where they end.
    void overlappingRunsAreCut()
    {
        const QJsonObject t = traces().at(0).toObject();
        const QJsonArray updates = t.value(QStringLiteral("updates")).toArray();
        Document doc;
        const int half = int(updates.size() / 2);
        for (int i = 0; i < half; ++i)
            QVERIFY(doc.admit(bytesOf(updates.at(i))));
        // A full state overlaps everything held so far and brings the rest.
        const QByteArray state = bytesOf(t.value(QStringLiteral("fullStates")).toArray().at(0));
        const auto admitted = doc.admit(state);
        QVERIFY(admitted);
        for (const crdt::Unit &unit : admitted->fresh) {
            if (unit.peer.isEmpty())
                continue;
            // Each new run starts past what was held of its client at the time.
            QVERIFY(unit.start < unit.end);
        }
        for (const QJsonValue &update : updates)
            QVERIFY(doc.admit(bytesOf(update)));
        QCOMPARE(doc.index->version().toHex(), stateVectorFromUpdate(state).toHex());
    }

    // A client id belongs to the identity that first wrote it: its new clocks from another are
    // refused, what is held passes.
    void clientIdsStayWithTheirFirstWriter()
    {
        const QJsonArray updates
            = traces().at(0).toObject().value(QStringLiteral("updates")).toArray();
        Document doc;
        QVERIFY(doc.admit(bytesOf(updates.at(0))));
        const QByteArray owned = doc.stored.front().peer;
        crdt::AdmitContext other;
        other.mayExtend = [&](const QByteArray &peer) { return peer != owned; };
        QVERIFY(doc.admit(bytesOf(updates.at(0)), other)); // held: a duplicate
        bool refusedOne = false;
        for (int i = 1; i < updates.size() && !refusedOne; ++i) {
            auto split = doc.engine.split(bytesOf(updates.at(i)));
            QVERIFY(split);
            bool extendsOwned = false;
            for (const crdt::Unit &unit : split->units)
                extendsOwned |= unit.peer == owned;
            if (!extendsOwned)
                continue;
            const auto refused = doc.admit(bytesOf(updates.at(i)), other);
            QVERIFY(!refused);
            QCOMPARE(refused.error().reason, QStringLiteral("peer-bound"));
            refusedOne = true;
        }
        QVERIFY(refusedOne);
    }

    // Bad bytes are refused with the codec's reason; a V2 update is named as such.
    void refusals()
    {
        YjsEngine engine;
        const auto truncated = engine.split(QByteArray::fromHex("0101010004010174"));
        QVERIFY(!truncated);
        QVERIFY(!truncated.error().reason.isEmpty());
        // Y.encodeStateAsUpdateV2 of an empty document.
        const auto v2 = engine.split(QByteArray::fromHex("00000000000001000000000000"));
        QVERIFY(!v2);
        QCOMPARE(v2.error().reason, QStringLiteral("yjs-v2-unsupported"));
        QVERIFY(!engine.decodeVersion(QByteArray::fromHex("0201")));
    }
};

QTEST_GUILESS_MAIN(TestYjsEngine)
#include "tst_yjsengine.moc"
