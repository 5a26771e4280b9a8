#pragma once

#include <QList>
#include <QString>
#include <QStringList>

class QCommandLineOption;

namespace canopy {

// canopy(1) in roff, written from the very options the parser is given (so the manual cannot
// drift from --help): each option's names, value and help text, and the environment variable
// its help names ("[env NAME]").
class ManPage final
{
public:
    static QString render(const QList<QCommandLineOption> &options, const QString &description,
        const QString &version);
    // The long option names (without dashes) a page from `options` documents; --help, --help-all
    // and --version included.
    static QStringList documentedNames(const QList<QCommandLineOption> &options);
    // The option names --help lists (every "--name" at the start of an entry).
    static QStringList namesInHelp(const QString &helpText);
};

} // namespace canopy
