#pragma once

#include <QString>

namespace canopy::yjs {

// Why bytes are not a Yjs V1 update (or state vector, delete set, awareness update): a stable
// kebab-case reason for logs and metrics ("truncated", "bad-varint", "unknown-content",
// "clock-overflow", "client-overflow", "trailing-bytes", ...) and a message naming the part.
struct YjsError
{
    QString reason;
    QString message;
};

} // namespace canopy::yjs
