#include "protocol/hocuspocus/HocuspocusDeparture.h"

#include "sync/DocumentHub.h"

namespace canopy {
namespace {

// A stand-in is never a member, so nothing is ever forwarded to it.
class NoForwardEncoder final : public ForwardEncoder
{
public:
    QList<QByteArray> encodeForward(
        const DocumentKey &, const QList<QByteArray> &, const QByteArray &) const override
    {
        return {};
    }
};

} // namespace

HocuspocusDeparture::HocuspocusDeparture(DocumentHub &hub, quint64 memberId, QString did)
    : m_hub(hub)
    , m_memberId(memberId)
    , m_did(std::move(did))
{
}

HocuspocusDeparture::~HocuspocusDeparture()
{
    m_hub.memberClosed(this);
}

const ForwardEncoder &HocuspocusDeparture::forwardEncoder() const
{
    static const NoForwardEncoder encoder;
    return encoder;
}

void HocuspocusDeparture::send(
    DocumentHub &hub, quint64 memberId, const QString &did, const QList<Removal> &removals)
{
    if (removals.isEmpty())
        return;
    auto *departure = new HocuspocusDeparture(hub, memberId, did);
    for (const Removal &removal : removals)
        (void)hub.update(departure, removal.document, {removal.update}, {}, false);
    // Posted after the hub's own flush (posted by update() above, or earlier): the batch is
    // delivered, forwards included, before the stand-in stops being live.
    // (Should the hub go first, at shutdown, the call is dropped with it.)
    QMetaObject::invokeMethod(
        &hub, [departure] { delete departure; }, Qt::QueuedConnection);
}

} // namespace canopy
