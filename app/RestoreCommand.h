#pragma once

#include "config/Config.h"

namespace canopy {

// canopy --restore <file> [--dry-run]: verifies the backup, prints what it would replace and,
// without --dry-run, swaps it in. 0 when done (or verified, for a dry run); 2 with one line when
// refused (a missing, corrupt or too-new file, a host running on the data dir), nothing changed;
// 1 when the swap failed (undone).
int restoreDatabase(const Config &config, const QString &file, bool dryRun);

} // namespace canopy
