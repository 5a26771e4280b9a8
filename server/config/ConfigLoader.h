#pragma once

#include "config/Config.h"
#include "util/Expected.h"

#include <QProcessEnvironment>
#include <QStringList>

class QCommandLineOption;
class QCommandLineParser;
class QSettings;

namespace canopy {

struct ConfigError
{
    QString setting; // the flag name without dashes, e.g. "port"
    QString problem;
    QString toString() const;
};

// Flags beat environment variables; the environment names are the original server's.
class ConfigLoader final
{
public:
    // Adds every option to the parser (so --help documents them).
    static void addOptions(QCommandLineParser &parser);
    // The same options, for the parser and for canopy(1).
    static QList<QCommandLineOption> options();
    // Reads the parsed options and the environment, validates, creates the data dir.
    static Expected<Config, ConfigError> load(const QCommandLineParser &parser,
        const QProcessEnvironment &env, const QSettings *settings = nullptr);

    static bool isValidDid(const QString &did);
    // http://localhost:<port>/, or https:// when the port speaks TLS.
    static QUrl defaultPublicUrl(quint16 port, bool tls);
};

} // namespace canopy
