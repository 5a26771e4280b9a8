#pragma once

#include "config/ConfigLoader.h"
#include "tls/TlsCredentials.h"

#include <optional>

namespace canopy {

// From the configuration to the credentials the port serves: --tls-cert/--tls-key as given,
// or --tls self-signed from the data dir. Failures are ConfigErrors naming the setting (the
// command line prints them and exits 2).
class TlsSetup final
{
public:
    struct Result
    {
        TlsCredentials credentials;
        bool created = false; // the self-signed pair was made just now
    };

    // What the configuration names, checked without creating anything (a self-signed pair not
    // made yet passes). Nothing to check without TLS.
    static Expected<void, ConfigError> check(const Config &config);
    // The credentials; for --tls self-signed the pair is made once. std::nullopt without TLS.
    static Expected<std::optional<Result>, ConfigError> prepare(const Config &config);
};

} // namespace canopy
