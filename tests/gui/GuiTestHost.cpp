#include "GuiTestHost.h"

#include "crdt/loro/LoroBlob.h"

#include <QDir>
#include <QFile>

GuiTestHost::GuiTestHost()
    : m_config(makeConfig(m_dir.path()))
    , m_host(std::make_unique<canopy::Host>(m_config))
{
    m_started = m_dir.isValid() && m_host->start(&m_error);
}

GuiTestHost::~GuiTestHost() = default;

canopy::Config GuiTestHost::makeConfig(const QString &dataDir)
{
    canopy::Config config;
    config.dataDir = dataDir;
    config.port = 0;
    config.listen = QStringLiteral("127.0.0.1");
    config.devToken = QString::fromLatin1(DevToken);
    config.publicUrl = QUrl(QStringLiteral("http://localhost:8095/"));
    config.did = QStringLiteral("did:web:localhost%3A8095");
    config.didDerived = true;
    // Tests must not wait on a keychain daemon that a CI runner does not have.
    config.adminToken = QStringLiteral("gui-test-admin-token");
    config.headless = true;
    return config;
}

QString GuiTestHost::entityId(int seed)
{
    static const char alphabet[] = "0123456789abcdefghjkmnpqrstvwxyz";
    QString id = QStringLiteral("leaf:");
    quint32 state = quint32(seed) * 2654435761u + 12345u;
    for (int i = 0; i < 52; ++i) {
        state = state * 1103515245u + 12345u;
        id += QLatin1Char(alphabet[(state >> 16) % 32]);
    }
    return id;
}

QString GuiTestHost::fixtureDir()
{
    QString dir = qEnvironmentVariable("CANOPY_FIXTURES");
    if (dir.isEmpty())
        dir = QStringLiteral(CANOPY_SCREENSHOT_DIR "/../fixtures");
    return dir;
}

QByteArray GuiTestHost::fixture(const QString &name)
{
    QFile file(QDir(fixtureDir()).filePath(name + QStringLiteral(".bin")));
    if (!file.open(QIODevice::ReadOnly))
        return {};
    return file.readAll();
}

QByteArray GuiTestHost::update(const QString &name)
{
    const QByteArray blob = fixture(name);
    return blob.isEmpty() ? canopy::loro::encodeUpdateBlob({}) : blob;
}
