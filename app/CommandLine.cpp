#include "CommandLine.h"

#include <cstdio>

#include "store/Database.h"

#include <QCommandLineParser>
#include <QDir>
#include <QFileInfo>
#include <QSettings>

#include <memory>
#include <QCoreApplication>
#include <QProcessEnvironment>

namespace canopy {
namespace {

void printLine(FILE *stream, const QString &line)
{
    const QByteArray bytes = line.toUtf8() + '\n';
    std::fwrite(bytes.constData(), 1, size_t(bytes.size()), stream);
}

} // namespace

CommandLine parseCommandLine(const QStringList &arguments, bool withSettings)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Canopy hosts Leaf Sync1 (Loro CRDT) sync for roomy-syncserver clients and keeps every "
        "document in SQLite.\nFlags beat environment variables."));
    parser.addHelpOption();
    parser.addVersionOption();
    parser.addOption(QCommandLineOption(
        QStringLiteral("headless"), QStringLiteral("Run the host without a window.")));
    parser.addOption(QCommandLineOption(QStringLiteral("check-database"),
        QStringLiteral("Run SQLite's integrity check on the data dir's database and exit (0: sound).")));
    ConfigLoader::addOptions(parser);

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
    auto config = ConfigLoader::load(parser, QProcessEnvironment::systemEnvironment(), settings.get());
    if (!config) {
        printLine(stderr, config.error().toString());
        result.action = CommandLine::Action::Exit;
        result.exitCode = 2;
        return result;
    }
    result.config = std::move(*config);
    result.config.headless = parser.isSet(QStringLiteral("headless"));
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
