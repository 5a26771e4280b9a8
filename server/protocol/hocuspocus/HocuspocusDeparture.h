#pragma once

#include "store/DocumentKey.h"
#include "sync/HubMember.h"

namespace canopy {

class DocumentHub;

// A session's last word after it closed: the removal of the awareness clients it introduced
// (H6.4: the clock unchanged, state null), sent through the hub so every member of the room,
// whatever its protocol, drops them at once instead of 30 s later. The hub forwards nothing
// from a member that has closed, so the removal comes from this stand-in, acting as the same
// identity, which lives until the hub's batch holding it was delivered.
class HocuspocusDeparture final : public HubMember
{
    Q_DISABLE_COPY_MOVE(HocuspocusDeparture)

public:
    struct Removal
    {
        DocumentKey document; // of kind "yaw"
        QByteArray update; // an awareness update of null states
    };

    // Hands the removals to the hub; the stand-in deletes itself after the next batch.
    static void send(
        DocumentHub &hub, quint64 memberId, const QString &did, const QList<Removal> &removals);
    ~HocuspocusDeparture() override;

    quint64 memberId() const override { return m_memberId; }
    QString memberDid() const override { return m_did; }
    const ForwardEncoder &forwardEncoder() const override;
    void deliverJoin(const DocumentKey &, const JoinAnswer &) override { }
    void deliverJoinFailure(const DocumentKey &, const QString &) override { }
    void deliverOutcome(const DocumentKey &, const QByteArray &, const UpdateOutcome &) override { }
    void deliverFrames(const QList<QByteArray> &) override { }

private:
    HocuspocusDeparture(DocumentHub &hub, quint64 memberId, QString did);

    DocumentHub &m_hub;
    quint64 m_memberId;
    QString m_did;
};

} // namespace canopy
