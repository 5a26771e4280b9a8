#include "tls/TlsSetup.h"

#include "secrets/SecretStore.h"
#include "tls/SelfSignedCertificate.h"

#include <QFileInfo>

namespace canopy {
namespace {

ConfigError errorOf(const Config &config, const TlsCredentials::Error &error)
{
    if (config.tlsSelfSigned)
        return ConfigError {QStringLiteral("tls"), error.message};
    return ConfigError {error.problem == TlsCredentials::Problem::Key ? QStringLiteral("tls-key")
                                                                      : QStringLiteral("tls-cert"),
        error.message};
}

Expected<TlsCredentials, ConfigError> loadSelfSigned(const Config &config)
{
    const QString certPath = SelfSignedCertificate::certPath(config.dataDir);
    const QString keyPath = SelfSignedCertificate::keyPath(config.dataDir);
    auto loaded = TlsCredentials::load(certPath, keyPath);
    if (!loaded) {
        ConfigError error = errorOf(config, loaded.error());
        // Ours to replace: say how.
        error.problem += QStringLiteral(" (remove %1 and %2 and a new pair is made; clients "
                                        "must then trust the new certificate)")
                             .arg(certPath, keyPath);
        return unexpected(error);
    }
    return std::move(*loaded);
}

} // namespace

Expected<void, ConfigError> TlsSetup::check(const Config &config)
{
    if (!config.tls())
        return {};
    if (config.tlsSelfSigned) {
        const QString certPath = SelfSignedCertificate::certPath(config.dataDir);
        const QString keyPath = SelfSignedCertificate::keyPath(config.dataDir);
        if (!QFileInfo::exists(certPath))
            return {}; // made at start-up
        if (!QFileInfo::exists(keyPath)) {
            return unexpected(ConfigError {QStringLiteral("tls"),
                QStringLiteral("%1 is there without its key %2; remove it and a new pair is made")
                    .arg(certPath, keyPath)});
        }
        if (auto trusted = SecretStore::checkFile(keyPath); !trusted)
            return unexpected(ConfigError {QStringLiteral("tls"), trusted.error()});
        if (auto loaded = loadSelfSigned(config); !loaded)
            return unexpected(loaded.error());
        return {};
    }
    if (auto loaded = TlsCredentials::load(config.tlsCert, config.tlsKey); !loaded)
        return unexpected(errorOf(config, loaded.error()));
    return {};
}

Expected<std::optional<TlsSetup::Result>, ConfigError> TlsSetup::prepare(const Config &config)
{
    if (!config.tls())
        return std::optional<Result>();
    if (!config.tlsSelfSigned) {
        auto loaded = TlsCredentials::load(config.tlsCert, config.tlsKey);
        if (!loaded)
            return unexpected(errorOf(config, loaded.error()));
        return std::optional<Result>(Result {std::move(*loaded), false});
    }
    auto files = SelfSignedCertificate::ensure(config.dataDir);
    if (!files)
        return unexpected(ConfigError {QStringLiteral("tls"), files.error()});
    auto loaded = loadSelfSigned(config);
    if (!loaded)
        return unexpected(loaded.error());
    Result result {std::move(*loaded), files->created};
    return std::optional<Result>(std::move(result));
}

} // namespace canopy
