#pragma once

#include "store/DocumentKey.h"

#include <QByteArray>
#include <QList>
#include <QString>

namespace canopy {

enum class Permission; // access/AccessControl.h

// How a joiner's join ends: the host's version of the document, then the payloads that bring
// it up to date, to be imported in order (none when it lacks nothing). `nothing` is the kind's
// "nothing new" payload, for protocols that must always answer.
struct JoinAnswer
{
    QByteArray version;
    QList<QByteArray> payloads;
    QByteArray nothing;
    Permission permission {}; // what the member may do in the document now (Read or Write)
};

// How an update ended, once the batch holding it was committed (or refused before that).
struct UpdateOutcome
{
    enum class Status
    {
        Stored, // committed, or nothing in it was new
        Refused, // invalid, or over a cap: nothing of it was stored
        StoreFailed, // the commit failed; the sender may try again
    };
    Status status = Status::Stored;
    QString reason; // for Refused: the stable reason name
    QString message;
};

// Encodes what the hub forwards, once per wire protocol: every member speaking the protocol
// receives the same frames.
class ForwardEncoder
{
public:
    virtual ~ForwardEncoder() = default;
    // `tag`: the sender's batch id where its protocol has one, else empty.
    virtual QList<QByteArray> encodeForward(const DocumentKey &document,
        const QList<QByteArray> &payloads, const QByteArray &tag) const = 0;
};

// What the hub knows of a session: a recipient. It never parses the session's frames, and the
// session never reaches into a document's engine.
class HubMember
{
public:
    virtual ~HubMember() = default;
    virtual quint64 memberId() const = 0; // unique for the host's lifetime
    // The identity the document's rights are judged for: a DID or "key:<name>".
    virtual QString memberDid() const = 0;
    virtual const ForwardEncoder &forwardEncoder() const = 0;
    // How long the host's version in a join answer may be (its protocol carries it in one
    // message); -1: no limit.
    virtual qsizetype versionBudget() const { return -1; }

    virtual void deliverJoin(const DocumentKey &document, const JoinAnswer &answer) = 0;
    // The host cannot read the document to answer: answering with less would be a lie.
    virtual void deliverJoinFailure(const DocumentKey &document, const QString &message) = 0;
    virtual void deliverOutcome(
        const DocumentKey &document, const QByteArray &tag, const UpdateOutcome &outcome)
        = 0;
    virtual void deliverFrames(const QList<QByteArray> &frames) = 0;
    // The member may no longer read the document: its membership has ended (the hub forgot
    // it); `reason` says why, for the peer and the log.
    virtual void deliverEviction(const DocumentKey &document, const QString &reason)
    {
        Q_UNUSED(document);
        Q_UNUSED(reason);
    }
    // What the member may do in the document changed (Read <-> Write); it stays a member.
    virtual void deliverPermissionChange(const DocumentKey &document, Permission permission)
    {
        Q_UNUSED(document);
        Q_UNUSED(permission);
    }
};

} // namespace canopy
