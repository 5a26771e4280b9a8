#pragma once

#include "util/Expected.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QCoreApplication>
#include <QHash>
#include <QList>
#include <QString>

namespace canopy::ui {

// One decoded msgpack value, for display: scalars carry their text, bin/ext their bytes,
// arrays and maps their children (a map child's `key` is the entry's key as text).
struct MsgpackNode
{
    enum class Kind
    {
        Nil,
        Bool,
        Integer,
        Float,
        Str,
        Bin,
        Array,
        Map,
        Ext
    };
    Kind kind = Kind::Nil;
    QString key;
    QString text;
    QByteArray bytes;
    QList<MsgpackNode> children;
};

// A small msgpack reader for the traffic view. The core's codec answers "is this a Sync1
// message"; the operator also wants to see what an invalid frame holds, so this one decodes any
// msgpack, within limits on depth and element count so a hostile frame cannot stall the window.
class MsgpackTree final
{
    Q_DECLARE_TR_FUNCTIONS(MsgpackTree)

public:
    static constexpr int MaxDepth = 32;
    static constexpr int MaxNodes = 20000;

    static Expected<MsgpackNode, QString> parse(QByteArrayView data);
    // The string-valued entries of a top-level map, skipping everything else without copying:
    // cheap enough to run on every captured frame.
    static QHash<QString, QString> topLevelStrings(QByteArrayView data);
    static QString kindName(MsgpackNode::Kind kind);
};

} // namespace canopy::ui
