#include "config/ConfigLoader.h"

#include "util/Did.h"
#include "util/Duration.h"

#include <cerrno>
#include <cstring>
#include <functional>
#include <sys/stat.h>
#include <unistd.h>

#include <QCommandLineParser>
#include <QDir>
#include <QFileInfo>
#include <QHostAddress>
#include <QScopeGuard>
#include <QSettings>
#include <QStandardPaths>
#include <QTemporaryFile>

namespace canopy {
namespace {

struct OptionSpec
{
    const char *name;
    const char *env;
    const char *valueName;
    const char *help;
};

// One table: flag, environment variable, help text.
const OptionSpec kOptions[] = {
    {"admin-token", "ADMIN_TOKEN", "token",
        "Bearer token for the admin API and /metrics. Default: one generated on first run and kept "
        "in the OS keychain (or, without one, in <data-dir>/admin-token)."},
    {"data-dir", "DATA_DIR", "dir",
        "Directory for the SQLite database. Default: the platform's app data directory."},
    {"did", "DID", "did",
        "The service DID. Default: did:web: + host of the public URL (a warning is logged)."},
    {"public-url", "PUBLIC_URL", "url",
        "Public URL of this host. Default: http://localhost:<port>/."},
    {"dev-token", "UNSAFE_DEV_TOKEN", "token",
        "UNSAFE: a token that opens /sync/as/<any DID>. For development only."},
    {"port", "PORT", "port", "TCP port to listen on (1-65535). Default: 8095."},
    {"listen", "LISTEN", "address",
        "Address to listen on. Default: 127.0.0.1 (serving a LAN is an explicit choice)."},
    {"max-message", "MAX_MESSAGE_BYTES", "bytes",
        "Largest WebSocket message accepted, in bytes. Default: 33554432 (32 MiB)."},
    {"ping-interval", "PING_INTERVAL", "seconds",
        "Seconds between WebSocket pings; a peer that misses two pongs is closed. Default: 30."},
    {"max-connections", "MAX_CONNECTIONS", "n",
        "Open sync connections in total; more are refused with 503. Default: 4096."},
    {"max-connections-per-did", "MAX_CONNECTIONS_PER_DID", "n",
        "Open sync connections per DID; more are refused with 429. Default: 16."},
    {"max-unauthenticated", "MAX_UNAUTHENTICATED", "n",
        "Connections that have not finished authenticating (from accept until the upgrade or the "
        "first successful join), in total; more are refused with 503. Default: 1024."},
    {"max-unauthenticated-per-ip", "MAX_UNAUTHENTICATED_PER_IP", "n",
        "Connections that have not finished authenticating, per IP address; more are refused with "
        "429. Default: 64."},
    {"max-subscriptions", "MAX_SUBSCRIPTIONS", "n",
        "Subscriptions per session; more are refused (the frame is dropped). Default: 1000."},
    {"max-entities", "MAX_ENTITIES", "n", "Documents this host stores; 0 for no cap. Default: 0."},
    {"max-entity-bytes", "MAX_ENTITY_BYTES", "bytes",
        "Stored bytes per document; 0 for no cap. Default: 0."},
    {"max-queue-bytes", "MAX_QUEUE_BYTES", "bytes",
        "Unsent bytes a session may have queued before it is closed with 1013. Default: 67108864."},
    {"token-rate-ip", "TOKEN_RATE_IP", "per-minute",
        "Token requests per minute per IP address (burst the same); more get 429. Default: 300."},
    {"token-rate-did", "TOKEN_RATE_DID", "per-minute",
        "Token requests per minute per DID (burst the same); more get 429. Default: 60."},
    {"auth-failure-rate-ip", "AUTH_FAILURE_RATE_IP", "per-minute",
        "Failed token requests per minute per IP address before the IP gets 429. Default: 200."},
    {"token-ttl", "TOKEN_TTL", "seconds",
        "Lifetime of a connection token from /xrpc/chat.roomy.v0.sync.token. Default: 30."},
    {"plc-url", "PLC_URL", "url", "The did:plc directory. Default: https://plc.directory."},
    {"did-cache-fresh", "DID_CACHE_FRESH", "seconds",
        "A cached DID document younger than this is used without a request. Default: 3600."},
    {"did-cache-max", "DID_CACHE_MAX", "seconds",
        "A cached DID document older than this is fetched again before use; between the two it "
        "is used while a refresh runs. Default: 86400."},
    {"access", "ACCESS", "open|members",
        "Who may connect: open (anyone who obtains a token) or members (only DIDs on the member "
        "list; access keys and the dev token are outside it). Default: open."},
    {"document-access", "DOCUMENT_ACCESS", "none|read|write",
        "What everyone but the owner (and those granted more) may do with a new document. "
        "Default: write."},
    {"tls-cert", "TLS_CERT", "file",
        "PEM certificate (chain) to serve TLS with; needs --tls-key. The port then speaks only "
        "TLS (https://, wss://). Default: none (plain http:// and ws://)."},
    {"tls-key", "TLS_KEY", "file", "PEM private key of --tls-cert (unencrypted)."},
    {"tls", "TLS", "self-signed",
        "self-signed: serve TLS with a certificate made once in the data dir (P-256; localhost, "
        "this host's name and LAN addresses; 825 days); its SHA-256 fingerprint is logged."},
    {"backup-dir", "BACKUP_DIR", "dir",
        "Directory for backups of the database (canopy-<UTC time>.sqlite, each verified with "
        "PRAGMA integrity_check). Default: none (no backups)."},
    {"backup-interval", "BACKUP_INTERVAL", "duration",
        "Time between backups: seconds, or a number with s, m, h or d (e.g. 6h); needs "
        "--backup-dir. Default: off (backups only on demand)."},
    {"backup-keep", "BACKUP_KEEP", "n",
        "Verified backups kept; older ones are deleted after each successful backup. Default: "
        "24."},
};

// Below flags and environment: the window's saved settings (group "server"), when given.
thread_local const QSettings *t_settings = nullptr;

QString optionValue(
    const QCommandLineParser &parser, const QProcessEnvironment &env, const OptionSpec &spec)
{
    const QString name = QString::fromLatin1(spec.name);
    if (parser.isSet(name))
        return parser.value(name);
    const QString fromEnv = env.value(QString::fromLatin1(spec.env));
    if (!fromEnv.isEmpty() || !t_settings)
        return fromEnv;
    // Secrets are never read from the settings file.
    if (name == u"dev-token" || name == u"admin-token")
        return {};
    return t_settings->value(QStringLiteral("server/") + name).toString();
}

const OptionSpec &spec(const char *name)
{
    for (const auto &option : kOptions) {
        if (qstrcmp(option.name, name) == 0)
            return option;
    }
    Q_UNREACHABLE();
}

Expected<qint64, ConfigError> parseInteger(
    const QString &text, const char *setting, qint64 min, qint64 max)
{
    bool ok = false;
    const qint64 value = text.trimmed().toLongLong(&ok);
    if (!ok || value < min || value > max) {
        return unexpected(ConfigError {QString::fromLatin1(setting),
            QStringLiteral("'%1' is not a whole number from %2 to %3")
                .arg(text, QString::number(min), QString::number(max))});
    }
    return value;
}

Expected<void, ConfigError> prepareDataDir(const QString &path, int *looseMode)
{
    const QString setting = QStringLiteral("data-dir");
    QFileInfo info(path);
    if (info.exists() && !info.isDir())
        return unexpected(
            ConfigError {setting, QStringLiteral("'%1' is not a directory").arg(path)});
    const bool existed = info.exists();
    if (!QDir().mkpath(path))
        return unexpected(ConfigError {setting, QStringLiteral("cannot create '%1'").arg(path)});
    // Private (0700): the database, its WAL and the admin-token fallback live here. A directory
    // someone else owns, or a shared sticky one like /tmp, is refused rather than changed.
    struct stat st
    {
    };
    const QByteArray native = QFile::encodeName(path);
    if (::stat(native.constData(), &st) != 0) {
        return unexpected(ConfigError {setting,
            QStringLiteral("cannot inspect '%1': %2")
                .arg(path, QString::fromLocal8Bit(std::strerror(errno)))});
    }
    if (st.st_uid != ::geteuid()) {
        return unexpected(ConfigError {setting,
            QStringLiteral("'%1' belongs to uid %2, not to the user running canopy (uid %3)")
                .arg(path, QString::number(st.st_uid), QString::number(::geteuid()))});
    }
    if (st.st_mode & S_ISVTX) {
        return unexpected(ConfigError {setting,
            QStringLiteral("'%1' is a shared sticky directory; give canopy a directory of its own")
                .arg(path)});
    }
    if ((st.st_mode & 07777) != 0700) {
        if (::chmod(native.constData(), 0700) != 0) {
            return unexpected(ConfigError {setting,
                QStringLiteral("cannot make '%1' private (mode 0700): %2")
                    .arg(path, QString::fromLocal8Bit(std::strerror(errno)))});
        }
        if (existed && looseMode)
            *looseMode = int(st.st_mode & 07777);
    }
    // Writability is only known by writing.
    QTemporaryFile probe(QDir(path).filePath(QStringLiteral(".canopy-write-test-XXXXXX")));
    if (!probe.open() || probe.write("x", 1) != 1 || !probe.flush()) {
        return unexpected(ConfigError {setting, QStringLiteral("'%1' is not writable").arg(path)});
    }
    return {};
}

// Backups hold what the database holds: the dir is private (0700) like the data dir.
Expected<void, ConfigError> prepareBackupDir(const QString &path)
{
    const QString setting = QStringLiteral("backup-dir");
    const QFileInfo info(path);
    if (info.exists() && !info.isDir())
        return unexpected(
            ConfigError {setting, QStringLiteral("'%1' is not a directory").arg(path)});
    if (!info.exists()) {
        if (!QDir().mkpath(path))
            return unexpected(
                ConfigError {setting, QStringLiteral("cannot create '%1'").arg(path)});
        if (::chmod(QFile::encodeName(path).constData(), 0700) != 0) {
            return unexpected(ConfigError {setting,
                QStringLiteral("cannot make '%1' private (mode 0700): %2")
                    .arg(path, QString::fromLocal8Bit(std::strerror(errno)))});
        }
    }
    return {};
}

} // namespace

QString ConfigError::toString() const
{
    return QStringLiteral("canopy: invalid setting %1: %2").arg(setting, problem);
}

void ConfigLoader::addOptions(QCommandLineParser &parser)
{
    parser.addOptions(options());
}

QList<QCommandLineOption> ConfigLoader::options()
{
    QList<QCommandLineOption> result;
    for (const auto &option : kOptions) {
        result.append(QCommandLineOption(QString::fromLatin1(option.name),
            QStringLiteral("%1 [env %2]")
                .arg(QString::fromLatin1(option.help), QString::fromLatin1(option.env)),
            QString::fromLatin1(option.valueName)));
    }
    result.append(QCommandLineOption(QStringLiteral("admin-remote"),
        QStringLiteral("Serve the admin API to non-loopback peers too. [env ADMIN_REMOTE=1]")));
    result.append(QCommandLineOption(QStringLiteral("allow-loopback-did-web"),
        QStringLiteral("Resolve did:web hosts at loopback, private, link-local and unspecified "
                       "addresses too (tests, LAN labs); otherwise they are refused without a "
                       "request. [env ALLOW_LOOPBACK_DID_WEB=1]")));
    return result;
}

QUrl ConfigLoader::defaultPublicUrl(quint16 port, bool tls)
{
    return QUrl(
        QStringLiteral("%1://localhost:%2/")
            .arg(tls ? QStringLiteral("https") : QStringLiteral("http"), QString::number(port)));
}

bool ConfigLoader::isValidDid(const QString &did)
{
    // The whole string, by the one canonical form every DID is compared in (util/Did.h).
    return Did::isValid(did);
}

Expected<Config, ConfigError> ConfigLoader::load(
    const QCommandLineParser &parser, const QProcessEnvironment &env, const QSettings *settings)
{
    t_settings = settings;
    const auto reset = qScopeGuard([] { t_settings = nullptr; });
    Config config;

    const QString portText = optionValue(parser, env, spec("port"));
    if (!portText.isEmpty()) {
        auto port = parseInteger(portText, "port", 1, 65535);
        if (!port)
            return unexpected(port.error());
        config.port = quint16(*port);
    }

    const QString listen = optionValue(parser, env, spec("listen"));
    if (!listen.isEmpty()) {
        QHostAddress address;
        if (!address.setAddress(listen.trimmed())) {
            return unexpected(ConfigError {
                QStringLiteral("listen"), QStringLiteral("'%1' is not an IP address").arg(listen)});
        }
        config.listen = listen.trimmed();
    }

    const QString maxMessage = optionValue(parser, env, spec("max-message"));
    if (!maxMessage.isEmpty()) {
        auto bytes = parseInteger(maxMessage, "max-message", 1024, qint64(1) << 31);
        if (!bytes)
            return unexpected(bytes.error());
        config.maxMessageBytes = *bytes;
    }

    const QString ping = optionValue(parser, env, spec("ping-interval"));
    if (!ping.isEmpty()) {
        auto seconds = parseInteger(ping, "ping-interval", 1, 3600);
        if (!seconds)
            return unexpected(seconds.error());
        config.pingIntervalSeconds = int(*seconds);
    }

    struct IntegerSetting
    {
        const char *name;
        qint64 min;
        qint64 max;
        std::function<void(qint64)> set;
    };
    const qint64 tb = qint64(1) << 40;
    const IntegerSetting integers[] = {
        {"token-ttl", 1, 3600, [&](qint64 v) { config.tokenTtlSeconds = int(v); }},
        {"did-cache-fresh", 0, 30 * 86400, [&](qint64 v) { config.didCacheFreshSeconds = int(v); }},
        {"did-cache-max", 0, 365 * 86400, [&](qint64 v) { config.didCacheMaxSeconds = int(v); }},
        {"max-connections", 1, 1000000, [&](qint64 v) { config.maxConnections = int(v); }},
        {"max-connections-per-did", 1, 1000000,
            [&](qint64 v) { config.maxConnectionsPerDid = int(v); }},
        {"max-unauthenticated", 1, 1000000, [&](qint64 v) { config.maxUnauthenticated = int(v); }},
        {"max-unauthenticated-per-ip", 1, 1000000,
            [&](qint64 v) { config.maxUnauthenticatedPerIp = int(v); }},
        {"max-subscriptions", 1, 10000000, [&](qint64 v) { config.maxSubscriptions = int(v); }},
        {"max-entities", 0, 1000000000, [&](qint64 v) { config.maxEntities = v; }},
        {"max-entity-bytes", 0, tb, [&](qint64 v) { config.maxEntityBytes = v; }},
        {"max-queue-bytes", 1024, tb, [&](qint64 v) { config.maxQueueBytes = v; }},
        {"token-rate-ip", 1, 1000000, [&](qint64 v) { config.tokenRatePerIp = int(v); }},
        {"token-rate-did", 1, 1000000, [&](qint64 v) { config.tokenRatePerDid = int(v); }},
        {"auth-failure-rate-ip", 1, 1000000,
            [&](qint64 v) { config.authFailureRatePerIp = int(v); }},
    };
    for (const IntegerSetting &setting : integers) {
        const QString text = optionValue(parser, env, spec(setting.name));
        if (text.isEmpty())
            continue;
        auto value = parseInteger(text, setting.name, setting.min, setting.max);
        if (!value)
            return unexpected(value.error());
        setting.set(*value);
    }
    if (config.didCacheMaxSeconds < config.didCacheFreshSeconds) {
        return unexpected(ConfigError {QStringLiteral("did-cache-max"),
            QStringLiteral("must not be shorter than did-cache-fresh (%1 s)")
                .arg(config.didCacheFreshSeconds)});
    }

    const QString plcUrl = optionValue(parser, env, spec("plc-url"));
    if (!plcUrl.isEmpty()) {
        const QUrl url(plcUrl, QUrl::StrictMode);
        if (!url.isValid() || (url.scheme() != u"http" && url.scheme() != u"https")
            || url.host().isEmpty()) {
            return unexpected(ConfigError {QStringLiteral("plc-url"),
                QStringLiteral("'%1' is not an http(s) URL with a host").arg(plcUrl)});
        }
        config.plcUrl = url;
    }

    // TLS before the public URL, whose scheme follows it.
    config.tlsCert = optionValue(parser, env, spec("tls-cert"));
    config.tlsKey = optionValue(parser, env, spec("tls-key"));
    if (const QString tls = optionValue(parser, env, spec("tls")); !tls.isEmpty()) {
        if (tls != u"self-signed") {
            return unexpected(ConfigError {QStringLiteral("tls"),
                QStringLiteral("'%1' is not self-signed (give PEM files with --tls-cert and "
                               "--tls-key instead)")
                    .arg(tls)});
        }
        if (!config.tlsCert.isEmpty() || !config.tlsKey.isEmpty()) {
            return unexpected(ConfigError {QStringLiteral("tls"),
                QStringLiteral("self-signed and --tls-cert/--tls-key exclude each other")});
        }
        config.tlsSelfSigned = true;
    }
    if (config.tlsCert.isEmpty() != config.tlsKey.isEmpty()) {
        return unexpected(config.tlsCert.isEmpty()
                ? ConfigError {QStringLiteral("tls-cert"),
                    QStringLiteral("missing: --tls-key needs the certificate it belongs to")}
                : ConfigError {QStringLiteral("tls-key"),
                    QStringLiteral("missing: --tls-cert needs its private key")});
    }

    const QString publicUrl = optionValue(parser, env, spec("public-url"));
    if (publicUrl.isEmpty()) {
        config.publicUrl = defaultPublicUrl(config.port, config.tls());
    } else if (config.tls() && QUrl(publicUrl).scheme() == u"http") {
        return unexpected(ConfigError {QStringLiteral("public-url"),
            QStringLiteral("'%1' is plain http, but with TLS this port speaks only https")
                .arg(publicUrl)});
    } else {
        const QUrl url(publicUrl, QUrl::StrictMode);
        if (!url.isValid() || (url.scheme() != u"http" && url.scheme() != u"https")
            || url.host().isEmpty()) {
            return unexpected(ConfigError {QStringLiteral("public-url"),
                QStringLiteral("'%1' is not an http(s) URL with a host").arg(publicUrl)});
        }
        config.publicUrl = url;
    }

    const QString did = optionValue(parser, env, spec("did"));
    if (did.isEmpty()) {
        // did:web encodes a port as %3A (the did:web method spec).
        QString host = config.publicUrl.host(QUrl::FullyEncoded);
        if (config.publicUrl.port() != -1)
            host += QStringLiteral("%3A") + QString::number(config.publicUrl.port());
        config.did = QStringLiteral("did:web:") + host;
        config.didDerived = true;
    } else if (!isValidDid(did.trimmed())) {
        return unexpected(
            ConfigError {QStringLiteral("did"), QStringLiteral("'%1' is not a DID").arg(did)});
    } else {
        config.did = did.trimmed();
    }

    config.devToken = optionValue(parser, env, spec("dev-token"));
    config.adminToken = optionValue(parser, env, spec("admin-token"));
    if (parser.isSet(QStringLiteral("admin-remote"))) {
        config.adminRemote = true;
    } else if (settings && env.value(QStringLiteral("ADMIN_REMOTE")).isEmpty()
        && settings->contains(QStringLiteral("server/admin-remote"))) {
        config.adminRemote = settings->value(QStringLiteral("server/admin-remote")).toBool();
    } else if (const QString remote = env.value(QStringLiteral("ADMIN_REMOTE"));
               !remote.isEmpty()) {
        if (remote != u"1" && remote != u"0" && remote != u"true" && remote != u"false") {
            return unexpected(ConfigError {QStringLiteral("admin-remote"),
                QStringLiteral("ADMIN_REMOTE='%1' is not 1, 0, true or false").arg(remote)});
        }
        config.adminRemote = remote == u"1" || remote == u"true";
    }

    if (parser.isSet(QStringLiteral("allow-loopback-did-web"))) {
        config.allowLoopbackDidWeb = true;
    } else if (const QString allow = env.value(QStringLiteral("ALLOW_LOOPBACK_DID_WEB"));
               !allow.isEmpty()) {
        if (allow != u"1" && allow != u"0" && allow != u"true" && allow != u"false") {
            return unexpected(ConfigError {QStringLiteral("allow-loopback-did-web"),
                QStringLiteral("ALLOW_LOOPBACK_DID_WEB='%1' is not 1, 0, true or false")
                    .arg(allow)});
        }
        config.allowLoopbackDidWeb = allow == u"1" || allow == u"true";
    }

    if (const QString access = optionValue(parser, env, spec("access")); !access.isEmpty()) {
        if (access != u"open" && access != u"members") {
            return unexpected(ConfigError {QStringLiteral("access"),
                QStringLiteral("'%1' is not open or members").arg(access)});
        }
        config.access = access;
    }
    if (const QString documentAccess = optionValue(parser, env, spec("document-access"));
        !documentAccess.isEmpty()) {
        if (documentAccess != u"none" && documentAccess != u"read" && documentAccess != u"write") {
            return unexpected(ConfigError {QStringLiteral("document-access"),
                QStringLiteral("'%1' is not none, read or write").arg(documentAccess)});
        }
        config.documentAccess = documentAccess;
    }

    QString dataDir = optionValue(parser, env, spec("data-dir"));
    if (dataDir.isEmpty())
        dataDir = QStandardPaths::writableLocation(QStandardPaths::AppDataLocation);
    if (dataDir.isEmpty()) {
        return unexpected(ConfigError {
            QStringLiteral("data-dir"), QStringLiteral("no application data directory is known")});
    }
    if (auto prepared = prepareDataDir(dataDir, &config.dataDirLooseMode); !prepared)
        return unexpected(prepared.error());
    config.dataDir = QDir(dataDir).absolutePath();

    if (const QString keep = optionValue(parser, env, spec("backup-keep")); !keep.isEmpty()) {
        auto value = parseInteger(keep, "backup-keep", 1, 100000);
        if (!value)
            return unexpected(value.error());
        config.backupKeep = int(*value);
    }
    if (const QString interval = optionValue(parser, env, spec("backup-interval"));
        !interval.isEmpty() && interval != u"off" && interval != u"0") {
        const auto seconds = Duration::parseSeconds(interval);
        if (!seconds || *seconds < 1 || *seconds > 365 * 86400) {
            return unexpected(ConfigError {QStringLiteral("backup-interval"),
                QStringLiteral("'%1' is not a time from 1s to 365d: seconds, or a whole number "
                               "with s, m, h or d")
                    .arg(interval)});
        }
        config.backupIntervalSeconds = *seconds;
    }
    if (const QString backupDir = optionValue(parser, env, spec("backup-dir"));
        !backupDir.isEmpty()) {
        if (auto prepared = prepareBackupDir(backupDir); !prepared)
            return unexpected(prepared.error());
        config.backupDir = QDir(backupDir).absolutePath();
    } else if (config.backupIntervalSeconds > 0) {
        return unexpected(ConfigError {QStringLiteral("backup-interval"),
            QStringLiteral("needs --backup-dir (where the backups go)")});
    }

    return config;
}

} // namespace canopy
