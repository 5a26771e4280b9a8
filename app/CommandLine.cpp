#include "CommandLine.h"

#include "config/ManPage.h"
#include "secrets/SecretStore.h"
#include "store/Database.h"
#include "tls/TlsSetup.h"

#include <cstdio>
#include <memory>

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>
#include <QProcessEnvironment>
#include <QSettings>

namespace canopy {
namespace {

void printLine(FILE *stream, const QString &line)
{
    const QByteArray bytes = line.toUtf8() + '\n';
    std::fwrite(bytes.constData(), 1, size_t(bytes.size()), stream);
}

const QString kDescription = QStringLiteral(
    "Canopy hosts Leaf Sync1 (Loro CRDT) sync for roomy-syncserver clients and keeps every "
    "document in SQLite.\nFlags beat environment variables.");

// Every option of --help (Qt adds -h, --help-all and -v), and so of canopy(1): add new ones
// here or to ConfigLoader's table, never to the parser alone (--help-man refuses to run then).
QList<QCommandLineOption> commandLineOptions()
{
    QList<QCommandLineOption> options {
        QCommandLineOption(
            QStringLiteral("headless"), QStringLiteral("Run the host without a window.")),
        QCommandLineOption(QStringLiteral("check-database"),
            QStringLiteral(
                "Run SQLite's integrity check on the data dir's database and exit (0: sound).")),
        QCommandLineOption(QStringLiteral("restore"),
            QStringLiteral("Put a backup in place of the data dir's database, with the host "
                           "stopped: verify it, print what it would replace, swap it in (the "
                           "replaced database is kept beside it) and exit. Exit 2 for a missing, "
                           "corrupt or too-new file, or while a host runs on the data dir."),
            QStringLiteral("file")),
        QCommandLineOption(QStringLiteral("dry-run"),
            QStringLiteral("With --restore: verify and print, change nothing.")),
    };
    options += ConfigLoader::options();
    // The build writes the package's man page with it.
    QCommandLineOption helpMan(QStringLiteral("help-man"),
        QStringLiteral("Print the manual page canopy(1) in roff and exit."));
    helpMan.setFlags(QCommandLineOption::HiddenFromHelp);
    options.append(helpMan);
    return options;
}

// --help-man: the page, or exit 1 when --help lists an option the page would not document.
int printManPage(const QCommandLineParser &parser)
{
    const QList<QCommandLineOption> options = commandLineOptions();
    const QStringList documented = ManPage::documentedNames(options);
    for (const QString &name : ManPage::namesInHelp(parser.helpText())) {
        if (!documented.contains(name)) {
            printLine(stderr,
                QStringLiteral("canopy: --%1 is in --help but not in the manual page; add it to "
                               "commandLineOptions() (app/CommandLine.cpp) or ConfigLoader's "
                               "table")
                    .arg(name));
            return 1;
        }
    }
    printLine(stdout,
        ManPage::render(options, kDescription, QCoreApplication::applicationVersion()).chopped(1));
    return 0;
}

} // namespace

CommandLine parseCommandLine(const QStringList &arguments, bool withSettings)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(kDescription);
    parser.addHelpOption();
    parser.addVersionOption();
    parser.addOptions(commandLineOptions());

    CommandLine result;
    if (!parser.parse(arguments)) {
        printLine(stderr, QStringLiteral("canopy: %1").arg(parser.errorText()));
        result.action = CommandLine::Action::Exit;
        result.exitCode = 2;
        return result;
    }
    if (parser.isSet(QStringLiteral("help"))) {
        printLine(stdout, parser.helpText());
        result.action = CommandLine::Action::Exit;
        return result;
    }
    if (parser.isSet(QStringLiteral("help-man"))) {
        result.action = CommandLine::Action::Exit;
        result.exitCode = printManPage(parser);
        return result;
    }
    if (parser.isSet(QStringLiteral("version"))) {
        printLine(stdout, QStringLiteral("canopy %1").arg(QCoreApplication::applicationVersion()));
        result.action = CommandLine::Action::Exit;
        return result;
    }
    if (!parser.positionalArguments().isEmpty()) {
        printLine(stderr,
            QStringLiteral("canopy: unexpected argument '%1'")
                .arg(parser.positionalArguments().constFirst()));
        result.action = CommandLine::Action::Exit;
        result.exitCode = 2;
        return result;
    }

    std::unique_ptr<QSettings> settings;
    if (withSettings)
        settings = std::make_unique<QSettings>();
    auto config
        = ConfigLoader::load(parser, QProcessEnvironment::systemEnvironment(), settings.get());
    if (!config) {
        printLine(stderr, config.error().toString());
        result.action = CommandLine::Action::Exit;
        result.exitCode = 2;
        return result;
    }
    result.config = std::move(*config);
    result.config.headless = parser.isSet(QStringLiteral("headless"));
    if (parser.isSet(QStringLiteral("restore"))) {
        result.action = CommandLine::Action::Restore;
        result.restoreFile = parser.value(QStringLiteral("restore"));
        result.dryRun = parser.isSet(QStringLiteral("dry-run"));
        return result;
    }
    if (parser.isSet(QStringLiteral("dry-run"))) {
        printLine(stderr, QStringLiteral("canopy: --dry-run goes with --restore <file>"));
        result.action = CommandLine::Action::Exit;
        result.exitCode = 2;
        return result;
    }
    // A fallback admin-token file the host would trust must be one only this user could have
    // written; anything else there (a symbolic link, another user's file, a loose mode) stops
    // start-up before it is read, whether or not a keychain answers later.
    if (result.config.adminToken.isEmpty() && !parser.isSet(QStringLiteral("check-database"))) {
        const QString path = QDir(result.config.dataDir).filePath(QStringLiteral("admin-token"));
        if (auto trusted = SecretStore::checkFile(path); !trusted) {
            printLine(stderr,
                QStringLiteral("canopy: refusing the admin token file: ") + trusted.error());
            result.action = CommandLine::Action::Exit;
            result.exitCode = 2;
            return result;
        }
    }
    // Unreadable or garbage PEM, a key that is not the certificate's, a certificate not valid
    // now: one line and exit 2 before anything listens (a self-signed pair is made later).
    if (result.config.tls() && !parser.isSet(QStringLiteral("check-database"))) {
        if (auto tls = TlsSetup::check(result.config); !tls) {
            printLine(stderr, tls.error().toString());
            result.action = CommandLine::Action::Exit;
            result.exitCode = 2;
            return result;
        }
    }
    if (parser.isSet(QStringLiteral("check-database")))
        result.action = CommandLine::Action::CheckDatabase;
    return result;
}

int checkDatabase(const Config &config)
{
    const QString path = QDir(config.dataDir).filePath(QStringLiteral("canopy.sqlite"));
    if (!QFileInfo::exists(path)) {
        printLine(stderr, QStringLiteral("canopy: no database at %1").arg(path));
        return 1;
    }
    auto database = Database::open(path);
    if (!database) {
        printLine(stderr, QStringLiteral("canopy: %1").arg(database.error().message));
        return 1;
    }
    auto findings = (*database)->integrityCheck();
    if (!findings) {
        printLine(stderr, QStringLiteral("canopy: %1").arg(findings.error().message));
        return 1;
    }
    for (const QString &line : std::as_const(*findings))
        printLine(stdout, line);
    return *findings == QStringList {QStringLiteral("ok")} ? 0 : 1;
}

} // namespace canopy
