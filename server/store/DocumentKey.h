#pragma once

#include <QHashFunctions>
#include <QString>

namespace canopy {

// A document is named within its kind: the same name under two kinds names two documents
// (loro-protocol rooms are (magic, room id) pairs). Sync1 entities are Loro documents.
struct DocumentKey
{
    QString kind; // "loro", "elo", "eph", "eps"
    QString name; // a Leaf EntityId or a room id (1-128 bytes of UTF-8)

    friend bool operator==(const DocumentKey &a, const DocumentKey &b)
    {
        return a.kind == b.kind && a.name == b.name;
    }
    friend bool operator!=(const DocumentKey &a, const DocumentKey &b) { return !(a == b); }
    friend bool operator<(const DocumentKey &a, const DocumentKey &b)
    {
        return a.kind != b.kind ? a.kind < b.kind : a.name < b.name;
    }
    friend size_t qHash(const DocumentKey &key, size_t seed = 0)
    {
        return qHashMulti(seed, key.kind, key.name);
    }
};

} // namespace canopy
