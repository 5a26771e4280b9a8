#pragma once

#include "crdt/yjs/DeleteSet.h"
#include "crdt/yjs/YjsError.h"
#include "util/Expected.h"

#include <QList>
#include <QString>

namespace canopy::yjs {

// One struct as the operator sees it (traffic view, document history).
struct StructView
{
    quint64 client = 0;
    quint64 clock = 0;
    quint64 length = 0;
    QString kind; // "Item", "GC" or "Skip"
    QString content; // Item: "String", "Deleted", "JSON", "Binary", "Embed", "Format", "Type",
                     // "Any", "Doc"
    QString detail; // short, e.g. "\"hello\"", "YMap", "key bold"; origins and the parent name
};

// One client's run of structs in an update.
struct ClientRunView
{
    quint64 client = 0;
    quint64 start = 0;
    quint64 end = 0; // exclusive
    QList<StructView> structs;
};

struct UpdateView
{
    QList<ClientRunView> clients; // in the order written
    DeleteSet deleteSet;
};

// Decodes a V1 update for display; refuses what splitUpdate refuses.
Expected<UpdateView, YjsError> describeUpdate(QByteArrayView update, qsizetype maxStructs = 1000);

} // namespace canopy::yjs
