#pragma once

#include "crdt/yjs/Canonical.h"

#include <optional>

#include <QByteArray>
#include <QByteArrayView>

namespace canopy::yjs {

// JSON text as yjs keeps it: ContentJSON, ContentEmbed and ContentFormat values are read with
// JSON.parse and written with JSON.stringify. These give V8's answers on UTF-8 text that is
// already known to be UTF-8.

// Invalid where JSON.parse throws (or nesting passes MaxAnyDepth), Yes when JSON.stringify gives
// the text back unchanged, Rewrite otherwise.
Canonical checkJson(QByteArrayView text);
// JSON.stringify(JSON.parse(text)); nullopt where checkJson says Invalid.
std::optional<QByteArray> rewriteJson(QByteArrayView text);
// Number.prototype.toString for a finite double ("1e+21", "0.000001", "1e-7", "-5").
QByteArray jsNumberText(double value);

} // namespace canopy::yjs
