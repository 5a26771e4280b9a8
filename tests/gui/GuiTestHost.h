#pragma once

#include "config/Config.h"
#include "host/Host.h"

#include <memory>

#include <QByteArray>
#include <QStringList>
#include <QTemporaryDir>

// A real canopy::Host for GUI tests: a temporary data directory, port 0 on 127.0.0.1 and a dev
// token, started in the constructor (check ok()). Also the test data: Loro blobs made by the
// real loro-crdt (the ctest fixtures) and valid entity ids.
class GuiTestHost final
{
public:
    static constexpr const char *DevToken = "gui-test-dev-token";

    GuiTestHost();
    ~GuiTestHost();

    bool ok() const { return m_started; }
    QString error() const { return m_error; }
    canopy::Host &host() { return *m_host; }
    canopy::Config config() const { return m_config; }
    quint16 port() const { return m_host->port(); }

    static canopy::Config makeConfig(const QString &dataDir);
    // "leaf:" + 52 Crockford base32 characters, distinct per seed.
    static QString entityId(int seed);
    // A fixture blob by name ("update-a", "update-team-full", ...); empty when the fixtures were
    // not generated (then update() falls back to the empty 22-byte update).
    static QByteArray fixture(const QString &name);
    static QByteArray update(const QString &name);
    static QString fixtureDir();

private:
    QTemporaryDir m_dir;
    canopy::Config m_config;
    std::unique_ptr<canopy::Host> m_host;
    QString m_error;
    bool m_started = false;
};
