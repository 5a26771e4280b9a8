#pragma once

#include "config/ConfigLoader.h"

#include <QStringList>

namespace canopy {

struct CommandLine
{
    enum class Action
    {
        Run,
        Exit,
        CheckDatabase,
        Restore
    };
    Action action = Action::Run;
    int exitCode = 0;
    Config config;
    QString restoreFile; // --restore <file>
    bool dryRun = false; // --dry-run: verify and report, change nothing
};

// Parses argv and the environment into a Config; --help and --version print and exit 0,
// invalid settings print one line and exit 2.
// `withSettings`: the window's saved settings (QSettings) apply below flags and environment.
CommandLine parseCommandLine(const QStringList &arguments, bool withSettings = false);

// --check-database: prints SQLite's integrity check of the data dir's database; 0 when sound.
int checkDatabase(const Config &config);

} // namespace canopy
