#include "sync/DocumentHub.h"

#include "access/AccessControl.h"
#include "log/EventLog.h"
#include "log/LogCategories.h"
#include "log/Metrics.h"
#include "util/Did.h"

#include <sys/resource.h>
#include <utility>

#include <QDateTime>
#include <QElapsedTimer>
#include <QThreadPool>
#include <QTimer>

namespace canopy {
namespace {

constexpr int kSweepMs = 1000; // ephemeral entries expire on a one-second grain

StoredUnit storedOf(const crdt::Unit &unit, qint64 nowMs, const QString &did)
{
    StoredUnit out;
    out.peer = unit.peer;
    out.start = unit.start;
    out.end = unit.end;
    out.meta = unit.meta;
    out.data = unit.data;
    out.size = unit.data.size();
    out.receivedAtMs = nowMs;
    out.fromDid = did;
    return out;
}

// A blob that decompresses past its limits (64 times its size, --max-message) is refused by a
// limit, as a message over --max-message is: counted with the host's other refusals too.
void countLimitRefusal(Metrics *metrics, const crdt::Refusal &refusal)
{
    if (metrics && refusal.reason == u"too-large")
        metrics->countRefusal(refusal.reason);
}

crdt::Unit unitOf(StoredUnit stored)
{
    crdt::Unit out;
    out.peer = std::move(stored.peer);
    out.start = stored.start;
    out.end = stored.end;
    out.meta = std::move(stored.meta);
    out.data = std::move(stored.data);
    return out;
}

} // namespace

DocumentHub::DocumentHub(UnitStore &store, EventLog &log, int idleSeconds, QObject *parent)
    : QObject(parent)
    , m_store(store)
    , m_log(log)
    , m_idleMs(idleSeconds * 1000)
    , m_sweepTimer(new QTimer(this))
    , m_compactor(std::make_unique<QThreadPool>())
{
    // One merge at a time, niced: compaction must not take the event loop's core.
    m_compactor->setMaxThreadCount(1);
    connect(m_sweepTimer, &QTimer::timeout, this, [this] {
        expireHeld();
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        if (now - m_lastIdleSweepMs >= std::max(1000, m_idleMs / 2)) {
            m_lastIdleSweepMs = now;
            releaseIdleDocuments();
        }
    });
    m_sweepTimer->start(kSweepMs);
}

DocumentHub::~DocumentHub()
{
    // A compaction still running finds no hub to hand its result to: it is dropped unstored.
    m_compactor->clear();
    m_compactor->waitForDone();
    flush();
}

void DocumentHub::startCompaction(const DocumentKey &key)
{
    const auto it = m_documents.constFind(key);
    if (it == m_documents.constEnd() || (*it)->compacting || (*it)->stale)
        return;
    const std::shared_ptr<Document> document = *it;
    const QList<crdt::Unit> planned = document->index->compaction();
    if (planned.isEmpty())
        return;
    // Only the planned units are read: a document's large units stay where they are.
    QList<UnitRemoval> wanted;
    wanted.reserve(planned.size());
    for (const crdt::Unit &unit : planned)
        wanted.append(UnitRemoval {key, unit.peer, unit.start, unit.end});
    auto stored = m_store.loadUnits(key, wanted);
    if (!stored) {
        m_log.record(QtWarningMsg, lcStore(),
            QStringLiteral("cannot read the document to compact it: %1")
                .arg(stored.error().message),
            {{QStringLiteral("entity"), key.name}, {QStringLiteral("kind"), key.kind}});
        return;
    }
    QList<crdt::Unit> units;
    units.reserve(stored->size());
    for (StoredUnit &unit : *stored)
        units.append(unitOf(std::move(unit)));
    if (units.size() != planned.size())
        return; // the index and the store disagree: the next load settles it
    document->compacting = true;
    const std::shared_ptr<crdt::DocumentEngine> engine = m_engines.value(key.kind);
    const std::weak_ptr<Document> weak = document;
    m_compactor->start([this, engine, weak, key, units = std::move(units)] {
        // Thread priorities do nothing under SCHED_OTHER; the thread's nice value does.
        ::setpriority(PRIO_PROCESS, 0, 10);
        QElapsedTimer timer;
        timer.start();
        auto merged = engine->compact(units);
        const qint64 elapsedMs = timer.elapsed();
        QMetaObject::invokeMethod(
            this,
            [this, weak, key, units, merged = std::move(merged), elapsedMs]() mutable {
                finishCompaction(key, weak, units, std::move(merged), elapsedMs);
            },
            Qt::QueuedConnection);
    });
}

void DocumentHub::finishCompaction(const DocumentKey &key, const std::weak_ptr<Document> &weak,
    const QList<crdt::Unit> &consumed, Expected<QList<crdt::Unit>, crdt::Refusal> merged,
    qint64 elapsedMs)
{
    const std::shared_ptr<Document> document = weak.lock();
    // Dropped, deleted or reloaded meanwhile: what was merged may no longer be what is stored.
    if (!document || m_documents.value(key) != document || document->stale)
        return;
    document->compacting = false;
    const LogFields where {
        {QStringLiteral("entity"), key.name}, {QStringLiteral("kind"), key.kind}};
    if (!merged) {
        m_log.record(QtWarningMsg, lcStore(),
            QStringLiteral("cannot compact the document: %1").arg(merged.error().message), where);
        return;
    }
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    QList<UnitRemoval> removals;
    removals.reserve(consumed.size());
    qint64 before = 0;
    for (const crdt::Unit &unit : consumed) {
        removals.append(UnitRemoval {key, unit.peer, unit.start, unit.end});
        before += unit.data.size();
    }
    QList<UnitWrite> writes;
    writes.reserve(merged->size());
    qint64 after = 0;
    for (const crdt::Unit &unit : std::as_const(*merged)) {
        // Each author key stays bound to the identity that first wrote it.
        writes.append(UnitWrite {key, storedOf(unit, now, document->owners.value(unit.peer))});
        after += unit.data.size();
    }
    auto written = m_store.write(writes, removals);
    if (!written) {
        m_log.record(QtWarningMsg, lcStore(),
            QStringLiteral("compaction not stored: %1").arg(written.error().message), where);
        return;
    }
    document->index->compacted(consumed, *merged);
    ++m_counters.compactions;
    LogFields fields = where;
    fields.append({QStringLiteral("units"),
        QStringLiteral("%1 -> %2")
            .arg(QString::number(consumed.size()), QString::number(merged->size()))});
    fields.append({QStringLiteral("bytes"),
        QStringLiteral("%1 -> %2").arg(QString::number(before), QString::number(after))});
    fields.append({QStringLiteral("ms"), QString::number(elapsedMs)});
    m_log.record(QtDebugMsg, lcStore(), QStringLiteral("document compacted"), fields);
}

void DocumentHub::addEngine(std::unique_ptr<crdt::DocumentEngine> engine)
{
    const QString kind = engine->kind();
    m_engines.insert(kind, std::shared_ptr<crdt::DocumentEngine>(std::move(engine)));
}

const crdt::DocumentEngine *DocumentHub::engine(const QString &kind) const
{
    return m_engines.value(kind).get();
}

QStringList DocumentHub::kinds() const
{
    QStringList out = m_engines.keys();
    out.sort();
    return out;
}

void DocumentHub::setAccess(AccessControl *access)
{
    if (m_access)
        disconnect(m_access, nullptr, this, nullptr);
    m_access = access;
    // Direct: live members follow a change in the very turn it is made.
    if (m_access)
        connect(m_access, &AccessControl::accessChanged, this, &DocumentHub::reevaluate);
}

DocumentHub::Judgement DocumentHub::judge(const HubMember *member, const DocumentKey &key) const
{
    if (!m_access)
        return {Permission::Write, {}, {}};
    const QString identity = member->memberDid();
    const AccessDecision decision = m_access->decide(identity, key.name);
    Judgement out {decision.permission(), {}, decision.why};
    const crdt::DocumentEngine *engine = m_engines.value(key.kind).get();
    if (out.permission == Permission::Read && engine && engine->ephemeral())
        out.permission = Permission::Write; // presence: whoever may read may show it
    if (out.permission == Permission::None) {
        // A live key within its scope always reads: a key that reads nothing is outside it.
        out.reason = !Did::isKeyIdentity(identity) ? QStringLiteral("access-denied")
            : decision.connect                     ? QStringLiteral("key-out-of-scope")
                                                   : QStringLiteral("key-expired");
    }
    return out;
}

Permission DocumentHub::memberPermission(const HubMember *member, const DocumentKey &document) const
{
    const auto it = m_documents.constFind(document);
    if (it == m_documents.constEnd())
        return Permission::None;
    return (*it)->permissions.value(const_cast<HubMember *>(member), Permission::None);
}

void DocumentHub::reevaluate(const QString &name)
{
    struct Change
    {
        HubMember *member;
        quint64 id;
        DocumentKey document;
        Judgement judged;
    };
    QList<Change> changes;
    const auto judgeMembers = [&](const DocumentKey &key, const Document &document) {
        for (auto member = document.members.cbegin(); member != document.members.cend(); ++member) {
            if (!isLive(member.key(), member.value()))
                continue;
            Judgement judged = judge(member.key(), key);
            if (judged.permission != document.permissions.value(member.key(), Permission::None))
                changes.append({member.key(), member.value(), key, std::move(judged)});
        }
    };
    if (name.isEmpty()) {
        for (auto it = m_documents.cbegin(); it != m_documents.cend(); ++it)
            judgeMembers(it.key(), **it);
    } else {
        // One look-up per kind, not a walk over every loaded document.
        for (auto kind = m_engines.cbegin(); kind != m_engines.cend(); ++kind) {
            const DocumentKey key {kind.key(), name};
            if (const auto it = m_documents.constFind(key); it != m_documents.cend())
                judgeMembers(key, **it);
        }
    }
    // Applied after the walk: a member told of one change may leave or close before the next.
    for (const Change &change : std::as_const(changes)) {
        const auto it = m_documents.find(change.document);
        if (!isLive(change.member, change.id) || it == m_documents.end()
            || !(*it)->members.contains(change.member))
            continue;
        if (change.judged.permission == Permission::None) {
            leave(change.member, change.document);
            change.member->deliverEviction(change.document,
                QStringLiteral("%1 may no longer read %2: %3")
                    .arg(change.member->memberDid(), change.document.name, change.judged.why));
            continue;
        }
        (*it)->permissions.insert(change.member, change.judged.permission);
        change.member->deliverPermissionChange(change.document, change.judged.permission);
    }
}

bool DocumentHub::isLive(HubMember *member, quint64 id) const
{
    const auto it = m_live.constFind(member);
    return it != m_live.constEnd() && *it == id;
}

bool DocumentHub::isMember(const HubMember *member, const DocumentKey &document) const
{
    const auto it = m_documents.constFind(document);
    return it != m_documents.constEnd() && (*it)->members.contains(const_cast<HubMember *>(member));
}

qsizetype DocumentHub::memberCount(const DocumentKey &document) const
{
    const auto it = m_documents.constFind(document);
    return it == m_documents.constEnd() ? 0 : (*it)->members.size();
}

QList<crdt::UnitDescription> DocumentHub::heldUnits(const DocumentKey &document) const
{
    QList<crdt::UnitDescription> out;
    const auto it = m_documents.constFind(document);
    if (it == m_documents.constEnd())
        return out;
    for (const crdt::Unit &unit : (*it)->index->held())
        out.append((*it)->engine->describe(unit));
    return out;
}

DocumentHub::Document *DocumentHub::document(const DocumentKey &key, crdt::Refusal *why)
{
    auto &slot = m_documents[key];
    if (!slot) {
        const crdt::DocumentEngine *kind = m_engines.value(key.kind).get();
        if (!kind) {
            m_documents.remove(key);
            *why = {QStringLiteral("unknown-kind"),
                QStringLiteral("this host does not serve documents of kind %1").arg(key.kind)};
            return nullptr;
        }
        auto loaded = std::make_shared<Document>();
        loaded->engine = kind;
        if (!load(key, *loaded)) {
            m_documents.remove(key);
            *why = {QStringLiteral("store-unavailable"),
                QStringLiteral("the host cannot read the document from its storage")};
            return nullptr;
        }
        slot = std::move(loaded);
    } else if (slot->stale && !load(key, *slot)) {
        *why = {QStringLiteral("store-unavailable"),
            QStringLiteral("the host cannot read the document from its storage")};
        return nullptr;
    }
    slot->lastUsedMs = QDateTime::currentMSecsSinceEpoch();
    return slot.get();
}

bool DocumentHub::load(const DocumentKey &key, Document &document)
{
    auto index = document.engine->createIndex();
    if (document.engine->persistent()) {
        auto units = m_store.load(key, document.engine->loadsData());
        if (!units) {
            document.stale = true;
            ++m_counters.storeFailures;
            m_log.record(QtCriticalMsg, lcStore(),
                QStringLiteral("cannot load document: %1").arg(units.error().message),
                {{QStringLiteral("entity"), key.name}, {QStringLiteral("kind"), key.kind}});
            return false;
        }
        QHash<QString, QString> dids; // one copy of each identity for the whole document
        document.owners.clear();
        for (StoredUnit &stored : *units) {
            const qint64 size = stored.size;
            // Ascending by (peer, start): a peer's first row holds its first counters.
            if (!stored.fromDid.isEmpty() && !document.owners.contains(stored.peer)) {
                const QString &did = *dids.insert(stored.fromDid, stored.fromDid);
                document.owners.insert(stored.peer, did);
            }
            index->addStored(unitOf(std::move(stored)), size);
        }
    }
    document.index = std::move(index);
    document.stale = false;
    return true;
}

Expected<crdt::Admission, crdt::Refusal> DocumentHub::admit(HubMember *member,
    const DocumentKey &key, Document &document, QList<crdt::Unit> units, bool readOnly)
{
    const bool persistent = document.engine->persistent();
    // A new document counts against the cap before anything of it is taken.
    const bool isNew = persistent && document.index->unitCount() == 0;
    if (isNew && m_limits.maxEntities > 0 && !units.isEmpty()) {
        if (m_storedDocuments < 0) {
            auto count = m_store.documentCount();
            m_storedDocuments = count ? *count : 0;
        }
        if (m_storedDocuments + m_newDocumentsPending >= m_limits.maxEntities) {
            if (m_metrics)
                m_metrics->countRefusal(QStringLiteral("max-entities"));
            return unexpected(crdt::Refusal {QStringLiteral("max-entities"),
                QStringLiteral("the host stores its maximum of %1 documents")
                    .arg(m_limits.maxEntities)});
        }
    }
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    const QString sender = member ? member->memberDid() : QString();
    const auto mayExtend = [&document, &sender](const QByteArray &peer) {
        const auto owner = document.owners.constFind(peer);
        return owner == document.owners.constEnd() || *owner == sender;
    };
    auto admission = document.index->admit(std::move(units),
        crdt::AdmitContext {now, persistent ? m_limits.maxEntityBytes : 0, mayExtend, readOnly});
    if (!admission) {
        if (m_metrics
            && (admission.error().reason == u"max-entity-bytes"
                || admission.error().reason == u"permission-denied"))
            m_metrics->countRefusal(admission.error().reason);
        return admission;
    }
    m_counters.duplicateUnits += quint64(admission->duplicates);
    if (!sender.isEmpty()) {
        for (const crdt::Unit &unit : std::as_const(admission->fresh)) {
            if (!unit.peer.isEmpty() && !document.owners.contains(unit.peer))
                document.owners.insert(unit.peer, sender);
        }
    }
    if (!persistent) {
        if (!admission->fresh.isEmpty())
            Q_EMIT heldUnitsChanged(key);
        return admission;
    }
    if (isNew && !admission->fresh.isEmpty()) {
        ++m_newDocumentsPending;
        // Its owner, once committed: the first writer of its content (presence creates nothing).
        if (!document.engine->ephemeral() && !sender.isEmpty() && !m_creating.contains(key.name))
            m_creating.insert(key.name, sender);
    }
    for (const crdt::Unit &unit : std::as_const(admission->superseded))
        m_removals.append(UnitRemoval {key, unit.peer, unit.start, unit.end});
    for (const crdt::Unit &unit : std::as_const(admission->fresh))
        m_writes.append(UnitWrite {key, storedOf(unit, now, sender)});
    if (document.engine->loadsData() && !admission->fresh.isEmpty())
        Q_EMIT heldUnitsChanged(key);
    return admission;
}

Expected<void, crdt::Refusal> DocumentHub::join(HubMember *member, const DocumentKey &key,
    const JoinRequest &request, std::optional<crdt::Refusal> *stateRefusal)
{
    const Judgement judged = judge(member, key);
    if (judged.permission == Permission::None) {
        if (m_metrics)
            m_metrics->countRefusal(judged.reason);
        return unexpected(crdt::Refusal {judged.reason,
            QStringLiteral("%1 may not read %2: %3")
                .arg(member->memberDid(), key.name, judged.why)});
    }
    crdt::Refusal why;
    Document *doc = document(key, &why);
    if (!doc)
        return unexpected(why);
    crdt::PeerVersion version;
    QList<crdt::Unit> brought;
    if (request.state) {
        auto split = doc->engine->split(*request.state);
        if (!split) {
            crdt::Refusal refusal = split.error();
            refusal.malformed = true;
            countLimitRefusal(m_metrics, refusal);
            return unexpected(refusal);
        }
        brought = std::move(split->units);
        if (split->holderVersion)
            version = std::move(*split->holderVersion);
    } else {
        auto decoded = doc->engine->decodeVersion(request.version);
        if (!decoded)
            return unexpected(crdt::Refusal {QStringLiteral("version-unknown"),
                QStringLiteral("the version cannot be read: %1").arg(decoded.error().message),
                true});
        version = std::move(*decoded);
    }

    m_live.insert(member, member->memberId());
    doc->members.insert(member, member->memberId());
    doc->permissions.insert(member, judged.permission);
    m_memberships[member].insert(key);
    if (!brought.isEmpty()) {
        // A reader's state may bring nothing new: what it holds beyond the host is refused.
        auto admission
            = admit(member, key, *doc, std::move(brought), judged.permission != Permission::Write);
        if (!admission) {
            if (stateRefusal)
                *stateRefusal = admission.error();
        } else if (!admission->fresh.isEmpty()) {
            Event forward;
            forward.type = Event::Type::Forward;
            forward.member = member;
            forward.memberId = member->memberId();
            forward.document = key;
            forward.units = std::move(admission->fresh);
            m_events.append(std::move(forward));
        }
    }
    Event answer;
    answer.type = Event::Type::Join;
    answer.member = member;
    answer.memberId = member->memberId();
    answer.document = key;
    answer.version = std::move(version);
    m_events.append(std::move(answer));
    scheduleFlush();
    return {};
}

void DocumentHub::removeMember(HubMember *member, const DocumentKey &key)
{
    const auto it = m_documents.find(key);
    if (it == m_documents.end())
        return;
    (*it)->members.remove(member);
    (*it)->permissions.remove(member);
    // Memory-only state lives only while someone is in the room.
    if ((*it)->members.isEmpty() && !(*it)->engine->persistent()) {
        m_documents.erase(it);
        Q_EMIT heldUnitsChanged(key);
    }
}

void DocumentHub::leave(HubMember *member, const DocumentKey &document)
{
    const auto it = m_memberships.find(member);
    if (it != m_memberships.end())
        it->remove(document);
    removeMember(member, document);
}

void DocumentHub::memberClosed(HubMember *member)
{
    const QSet<DocumentKey> joined = m_memberships.take(member);
    for (const DocumentKey &key : joined)
        removeMember(member, key);
    m_live.remove(member);
}

Expected<void, crdt::Refusal> DocumentHub::update(HubMember *member, const DocumentKey &key,
    const QList<QByteArray> &updates, const QByteArray &tag, bool wantsOutcome)
{
    m_live.insert(member, member->memberId());
    Event outcome;
    outcome.type = Event::Type::Outcome;
    outcome.member = member;
    outcome.memberId = member->memberId();
    outcome.document = key;
    outcome.tag = tag;
    const auto refuse = [&](const crdt::Refusal &refusal) -> Expected<void, crdt::Refusal> {
        if (wantsOutcome) {
            outcome.outcome = UpdateOutcome {refusal.reason == u"store-unavailable"
                    ? UpdateOutcome::Status::StoreFailed
                    : UpdateOutcome::Status::Refused,
                refusal.reason, refusal.message};
            m_events.append(std::move(outcome));
            scheduleFlush();
        }
        return unexpected(refusal);
    };

    // A member's permission is kept current by reevaluate(); anyone else is judged now.
    const auto loaded = m_documents.constFind(key);
    const bool joined = loaded != m_documents.constEnd() && (*loaded)->permissions.contains(member);
    Judgement judged
        = joined ? Judgement {(*loaded)->permissions.value(member), {}, {}} : judge(member, key);
    // A reader's update that holds nothing new is no write (a Hocuspocus provider answers the
    // host's SyncStep1 with what it holds): the index refuses whatever it would add.
    const bool readOnly = joined && judged.permission == Permission::Read;
    if (judged.permission != Permission::Write && !readOnly) {
        if (!joined && judged.permission == Permission::None)
            judged.why = QStringLiteral("it may not even read it: ") + judged.why;
        const QString reason = judged.reason.startsWith(u"key-")
            ? judged.reason
            : QStringLiteral("permission-denied");
        if (m_metrics)
            m_metrics->countRefusal(reason);
        return refuse(crdt::Refusal {reason,
            judged.why.isEmpty()
                ? QStringLiteral("%1 may only read %2").arg(member->memberDid(), key.name)
                : QStringLiteral("%1 may not write %2: %3")
                      .arg(member->memberDid(), key.name, judged.why)});
    }
    crdt::Refusal why;
    Document *doc = document(key, &why);
    if (!doc)
        return refuse(why);
    QList<crdt::Unit> units;
    for (qsizetype i = 0; i < updates.size(); ++i) {
        auto split = doc->engine->split(updates[i]);
        if (!split) {
            crdt::Refusal refusal = split.error();
            refusal.malformed = true;
            countLimitRefusal(m_metrics, refusal);
            if (updates.size() > 1)
                refusal.message
                    = QStringLiteral("update %1: %2").arg(QString::number(i), refusal.message);
            return refuse(refusal);
        }
        units.append(std::move(split->units));
    }
    auto admission = admit(member, key, *doc, std::move(units), readOnly);
    if (!admission)
        return refuse(admission.error());

    const bool fresh = !admission->fresh.isEmpty();
    if (wantsOutcome) {
        outcome.wrote = doc->engine->persistent() && (fresh || !admission->superseded.isEmpty());
        m_events.append(std::move(outcome));
    }
    if (fresh) {
        Event forward;
        forward.type = Event::Type::Forward;
        forward.member = member;
        forward.memberId = member->memberId();
        forward.document = key;
        forward.tag = tag;
        forward.units = std::move(admission->fresh);
        m_events.append(std::move(forward));
    }
    if (wantsOutcome || fresh)
        scheduleFlush();
    return {};
}

QByteArray DocumentHub::currentVersion(const DocumentKey &key, qsizetype maxBytes)
{
    crdt::Refusal why;
    Document *doc = document(key, &why);
    return doc ? doc->index->versionWithin({}, maxBytes) : QByteArray();
}

void DocumentHub::scheduleFlush()
{
    if (m_flushScheduled)
        return;
    m_flushScheduled = true;
    // Queued: every frame already read in this turn joins the same transaction.
    QMetaObject::invokeMethod(this, &DocumentHub::flush, Qt::QueuedConnection);
}

void DocumentHub::flush()
{
    m_flushScheduled = false;
    const qint64 newDocuments = std::exchange(m_newDocumentsPending, 0);
    const QList<UnitWrite> writes = std::exchange(m_writes, {});
    const QList<UnitRemoval> removals = std::exchange(m_removals, {});
    const QList<Event> events = std::exchange(m_events, {});
    const QHash<QString, QString> creating = std::exchange(m_creating, {});

    bool failed = false;
    if (!writes.isEmpty() || !removals.isEmpty()) {
        QElapsedTimer commitTime;
        commitTime.start();
        auto written = m_store.write(writes, removals);
        if (m_metrics)
            m_metrics->observeCommit(double(commitTime.nsecsElapsed()) / 1e9);
        if (written) {
            m_counters.unitsStored += quint64(writes.size());
            QHash<DocumentKey, QPair<int, QString>> perDocument; // count, last writer
            for (const UnitWrite &write : writes) {
                auto &entry = perDocument[write.document];
                ++entry.first;
                entry.second = write.unit.fromDid;
                ++m_counters.unitsStoredByKind[write.document.kind];
            }
            if (m_storedDocuments >= 0)
                m_storedDocuments += newDocuments;
            for (auto it = perDocument.cbegin(); it != perDocument.cend(); ++it) {
                Q_EMIT unitsStored(it.key(), it.value().first, it.value().second);
                startCompaction(it.key());
            }
            // The owner is on record before anything of the batch is delivered; members that
            // joined the document before it existed are judged again by its new rights.
            if (m_access) {
                for (auto it = creating.cbegin(); it != creating.cend(); ++it) {
                    m_access->documentCreated(it.key(), it.value());
                    reevaluate(it.key());
                }
            }
        } else {
            // Nothing was stored, so nothing may be acknowledged as stored or forwarded, and
            // the indexes forget what they admitted: a peer sending it again must see it kept.
            failed = true;
            ++m_counters.storeFailures;
            if (m_metrics)
                m_metrics->countStoreFailure();
            QSet<DocumentKey> touched;
            for (const UnitWrite &write : writes)
                touched.insert(write.document);
            for (const UnitRemoval &removal : removals)
                touched.insert(removal.document);
            for (const DocumentKey &key : std::as_const(touched)) {
                if (auto it = m_documents.find(key); it != m_documents.end())
                    load(key, **it);
                m_log.record(QtCriticalMsg, lcStore(),
                    QStringLiteral("update not stored: %1").arg(written.error().message),
                    {{QStringLiteral("entity"), key.name}, {QStringLiteral("kind"), key.kind}});
            }
            Q_EMIT storeFailed(written.error().message);
        }
    }

    // A member answered in this batch already holds everything the batch brought.
    QSet<QPair<quint64, DocumentKey>> answered;
    for (const Event &event : events) {
        if (event.type == Event::Type::Join)
            answered.insert({event.memberId, event.document});
    }
    for (const Event &event : events) {
        // What a member sent just before it closed is still forwarded: it was committed.
        if (event.type != Event::Type::Forward && !isLive(event.member, event.memberId))
            continue;
        const auto it = m_documents.find(event.document);
        switch (event.type) {
        case Event::Type::Join:
            if (it != m_documents.end() && (*it)->members.contains(event.member))
                answerJoin(event, **it);
            break;
        case Event::Type::Outcome: {
            UpdateOutcome outcome = event.outcome;
            if (failed && event.wrote)
                outcome = UpdateOutcome {UpdateOutcome::Status::StoreFailed,
                    QStringLiteral("store-failed"),
                    QStringLiteral("the host could not store the update; send it again")};
            event.member->deliverOutcome(event.document, event.tag, outcome);
            break;
        }
        case Event::Type::Forward:
            if (it == m_documents.end() || (failed && (*it)->engine->persistent()))
                break;
            forward(event, **it, answered);
            break;
        }
    }
}

void DocumentHub::answerJoin(const Event &event, Document &document)
{
    const crdt::UnitQuery query = document.index->lacking(event.version);
    QList<crdt::Unit> read;
    const auto fail = [&](const StoreError &error) {
        // Answering with less than the host holds would tell the peer it is up to date.
        ++m_counters.storeFailures;
        m_log.record(QtCriticalMsg, lcStore(),
            QStringLiteral("cannot read the document to answer a joiner: %1").arg(error.message),
            {{QStringLiteral("entity"), event.document.name},
                {QStringLiteral("kind"), event.document.kind},
                {QStringLiteral("session"), QString::number(event.memberId)}});
        event.member->deliverJoinFailure(
            event.document, QStringLiteral("the host cannot read the document from its storage"));
    };
    if (document.engine->persistent() && !query.isEmpty()) {
        if (query.all) {
            auto all = m_store.load(event.document, true);
            if (!all)
                return fail(all.error());
            for (StoredUnit &stored : *all)
                read.append(unitOf(std::move(stored)));
        } else {
            for (const auto &[peer, counter] : query.from) {
                auto units = m_store.loadFrom(event.document, peer, counter);
                if (!units)
                    return fail(units.error());
                for (StoredUnit &stored : *units)
                    read.append(unitOf(std::move(stored)));
            }
        }
    }
    JoinAnswer answer;
    answer.version = document.index->versionWithin(event.version, event.member->versionBudget());
    answer.payloads = document.index->answer(std::move(read), event.version);
    answer.nothing = document.engine->encode({}).value(0);
    answer.permission = document.permissions.value(event.member, Permission::Write);
    event.member->deliverJoin(event.document, answer);
}

void DocumentHub::forward(
    const Event &event, Document &document, QSet<QPair<quint64, DocumentKey>> &answered)
{
    QList<QByteArray> payloads; // encoded once, wrapped once per protocol
    QHash<const ForwardEncoder *, QList<QByteArray>> frames;
    // A member may close while it is served: walk a copy.
    const QHash<HubMember *, quint64> members = document.members;
    for (auto it = members.cbegin(); it != members.cend(); ++it) {
        HubMember *recipient = it.key();
        if (it.value() == event.memberId || answered.contains({it.value(), event.document}))
            continue;
        if (!isLive(recipient, it.value()))
            continue;
        if (payloads.isEmpty())
            payloads = document.engine->encode(event.units);
        const ForwardEncoder *encoder = &recipient->forwardEncoder();
        auto cached = frames.find(encoder);
        if (cached == frames.end())
            cached = frames.insert(
                encoder, encoder->encodeForward(event.document, payloads, event.tag));
        recipient->deliverFrames(*cached);
    }
}

void DocumentHub::expireHeld()
{
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    for (auto it = m_documents.begin(); it != m_documents.end(); ++it) {
        const QList<crdt::Unit> expired = (*it)->index->expire(now);
        if (expired.isEmpty())
            continue;
        if ((*it)->engine->persistent()) {
            for (const crdt::Unit &unit : expired)
                m_removals.append(UnitRemoval {it.key(), unit.peer, unit.start, unit.end});
            scheduleFlush();
        }
        Q_EMIT heldUnitsChanged(it.key());
    }
}

void DocumentHub::dropDocument(const DocumentKey &document)
{
    flush();
    m_documents.remove(document);
}

void DocumentHub::releaseIdleDocuments(bool all)
{
    if (m_flushScheduled)
        return; // admitted units are in the indexes but not yet in the store
    const qint64 cutoff = QDateTime::currentMSecsSinceEpoch() - m_idleMs;
    for (auto it = m_documents.begin(); it != m_documents.end();) {
        const Document &state = **it;
        if (state.members.isEmpty() && state.engine->persistent()
            && (all || state.lastUsedMs <= cutoff))
            it = m_documents.erase(it);
        else
            ++it;
    }
}

} // namespace canopy
