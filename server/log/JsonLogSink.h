#pragma once

#include "log/LogFields.h"

#include <QtGlobal>

namespace canopy {

// Writes every Qt log message to stderr as one JSON object a line:
// {"time","level","category","message", fields...}.
class JsonLogSink final
{
public:
    static void install();
    // Fields for the message being logged on this thread right now; EventLog sets them.
    static void setPendingFields(const LogFields *fields);
};

} // namespace canopy
