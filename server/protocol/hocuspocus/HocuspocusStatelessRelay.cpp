#include "protocol/hocuspocus/HocuspocusStatelessRelay.h"

#include "protocol/hocuspocus/HocuspocusCodec.h"
#include "protocol/hocuspocus/HocuspocusSession.h"

namespace canopy {

void HocuspocusStatelessRelay::add(
    const QByteArray &name, HocuspocusSession *session, const QByteArray &key)
{
    m_documents[name].append(Entry {session, key});
}

void HocuspocusStatelessRelay::remove(
    const QByteArray &name, const HocuspocusSession *session, const QByteArray &key)
{
    const auto it = m_documents.find(name);
    if (it == m_documents.end())
        return;
    it->removeIf([&](const Entry &entry) { return entry.session == session && entry.key == key; });
    if (it->isEmpty())
        m_documents.erase(it);
}

int HocuspocusStatelessRelay::relay(const QByteArray &name, const HocuspocusSession *from,
    const QByteArray &fromKey, QByteArrayView payload) const
{
    const auto it = m_documents.constFind(name);
    if (it == m_documents.constEnd())
        return 0;
    // A recipient only sends: the list cannot change while it is walked, but a copy costs little.
    const QList<Entry> entries = *it;
    // Encoded once per key: without session-aware keys every recipient's key is the name.
    QHash<QByteArray, QByteArray> frames;
    int sent = 0;
    for (const Entry &entry : entries) {
        if (entry.session == from && entry.key == fromKey)
            continue;
        auto frame = frames.find(entry.key);
        if (frame == frames.end())
            frame = frames.insert(entry.key, HocuspocusCodec::stateless(entry.key, payload));
        entry.session->deliverStateless(entry.key, *frame);
        ++sent;
    }
    return sent;
}

} // namespace canopy
