#pragma once

#include <QByteArray>
#include <QHash>
#include <QList>

namespace canopy {

enum class Permission; // access/AccessControl.h

// One (socket, key) pair of a Hocuspocus socket (H3.1). Pending until its Auth is accepted: its
// other frames wait, in arrival order, since the provider sends SyncStep1 and its awareness
// right behind Auth and never repeats them. Then a document session, until CLOSE, eviction or
// the socket's end.
struct HocuspocusDocumentSession
{
    QByteArray key; // whole, as sent: every reply carries it
    QByteArray name; // the document: the key up to its first \0
    quint64 generation = 0; // tells a later session of the same key from this one
    bool established = false;

    // Pending: the frames that wait for the Auth answer.
    QList<QByteArray> pending;
    qint64 pendingBytes = 0;

    // Established.
    Permission permission {};
    QByteArray providerVersion;
    // One SyncStatus per SyncStep2 and Update, in message order: the tag of each, and its
    // answer once known (0 not applied, 1 applied; -1 while the hub decides).
    struct Status
    {
        quint64 tag = 0;
        int applied = -1;
    };
    QList<Status> statuses;
    // The awareness clients this session introduced, with each one's last clock: their
    // removal goes out when the session ends.
    QHash<quint64, quint64> awarenessClients;
};

} // namespace canopy
