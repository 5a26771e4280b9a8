#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QHash>
#include <QList>

namespace canopy {

class HocuspocusSession;

// Stateless messages (type 5) between the Hocuspocus sessions of one document. They are the
// application's own strings, no CRDT state, so they bypass the hub: the route keeps which
// document sessions are open (socket and key) per document name, and a payload one of them
// sends reaches all the others, each under its own key (H6.5).
class HocuspocusStatelessRelay final
{
    Q_DISABLE_COPY_MOVE(HocuspocusStatelessRelay)

public:
    HocuspocusStatelessRelay() = default;

    void add(const QByteArray &name, HocuspocusSession *session, const QByteArray &key);
    void remove(const QByteArray &name, const HocuspocusSession *session, const QByteArray &key);
    // Every document session of `name` but the sender's; how many received it.
    int relay(const QByteArray &name, const HocuspocusSession *from, const QByteArray &fromKey,
        QByteArrayView payload) const;
    qsizetype documentCount() const { return m_documents.size(); }

private:
    struct Entry
    {
        HocuspocusSession *session = nullptr;
        QByteArray key;
    };
    QHash<QByteArray, QList<Entry>> m_documents;
};

} // namespace canopy
