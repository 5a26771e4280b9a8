#pragma once

#include <QList>
#include <QPair>
#include <QString>

namespace canopy {

// Structured fields of one log line (did, session, entity, reason, ...), in the order given.
using LogFields = QList<QPair<QString, QString>>;

} // namespace canopy
