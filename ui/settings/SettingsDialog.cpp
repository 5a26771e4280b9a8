#include "settings/SettingsDialog.h"

#include "config/ConfigLoader.h"

#include <limits>

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHostAddress>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSettings>
#include <QSpinBox>
#include <QToolButton>
#include <QVBoxLayout>

namespace canopy::ui {
namespace {

QString defaultPublicUrl(const Config &config)
{
    return ConfigLoader::defaultPublicUrl(config.port, config.tls()).toString();
}

QSpinBox *spin(int min, int max, const QString &suffix, QWidget *parent)
{
    auto *box = new QSpinBox(parent);
    box->setRange(min, max);
    box->setSuffix(suffix);
    box->setGroupSeparatorShown(true);
    return box;
}

bool isHttpUrl(const QString &text)
{
    const QUrl url(text, QUrl::StrictMode);
    return url.isValid() && (url.scheme() == u"http" || url.scheme() == u"https")
        && !url.host().isEmpty();
}

// Byte limits are edited in KiB or MiB. A value the operator did not touch keeps its exact
// byte count, so opening and closing the dialog never rounds a setting.
int toUnits(qint64 bytes, qint64 unit)
{
    return int(
        qBound(qint64(0), (bytes + unit / 2) / unit, qint64(std::numeric_limits<int>::max())));
}

qint64 fromUnits(const QSpinBox *box, qint64 original, qint64 unit)
{
    return box->value() == toUnits(original, unit) ? original : qint64(box->value()) * unit;
}

constexpr qint64 KiB = 1024;
constexpr qint64 MiB = 1024 * 1024;

// A secret field: hidden by default, with an eye toggle.
QWidget *secretRow(QLineEdit *edit, QWidget *parent)
{
    edit->setEchoMode(QLineEdit::Password);
    auto *show = new QToolButton(parent);
    show->setText(SettingsDialog::tr("Show"));
    show->setCheckable(true);
    QObject::connect(show, &QToolButton::toggled, edit,
        [edit](bool on) { edit->setEchoMode(on ? QLineEdit::Normal : QLineEdit::Password); });
    auto *row = new QWidget(parent);
    auto *layout = new QHBoxLayout(row);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(edit, 1);
    layout->addWidget(show);
    return row;
}

} // namespace

SettingsDialog::SettingsDialog(const Config &current, QWidget *parent)
    : QDialog(parent)
    , m_current(current)
    , m_dataDir(new QLineEdit(this))
    , m_did(new QLineEdit(this))
    , m_publicUrl(new QLineEdit(this))
    , m_listen(new QComboBox(this))
    , m_port(spin(1, 65535, {}, this))
    , m_maxMessageKiB(spin(1, 2 * 1024 * 1024, tr(" KiB"), this))
    , m_pingInterval(spin(1, 3600, tr(" s"), this))
    , m_tokenTtl(spin(1, 3600, tr(" s"), this))
    , m_plcUrl(new QLineEdit(this))
    , m_didCacheFresh(spin(0, 30 * 86400, tr(" s"), this))
    , m_didCacheMax(spin(0, 365 * 86400, tr(" s"), this))
    , m_maxConnections(spin(1, 1000000, {}, this))
    , m_maxConnectionsPerDid(spin(1, 1000000, {}, this))
    , m_maxSubscriptions(spin(1, 10000000, {}, this))
    , m_maxEntities(spin(0, 1000000000, {}, this))
    , m_maxEntityMiB(spin(0, 1024 * 1024, tr(" MiB"), this))
    , m_maxQueueKiB(spin(1, 1024 * 1024 * 1024, tr(" KiB"), this))
    , m_tokenRatePerIp(spin(1, 1000000, tr(" per minute"), this))
    , m_tokenRatePerDid(spin(1, 1000000, tr(" per minute"), this))
    , m_authFailureRatePerIp(spin(1, 1000000, tr(" per minute"), this))
    , m_devToken(new QLineEdit(this))
    , m_adminToken(new QLineEdit(this))
    , m_adminRemote(new QCheckBox(tr("Serve the admin API to other machines too"), this))
    , m_closeToBackground(
          new QCheckBox(tr("Closing the window keeps hosting in the background"), this))
    , m_problem(new QLabel(this))
    , m_restartNote(new QLabel(this))
{
    setWindowTitle(tr("Settings"));
    m_port->setGroupSeparatorShown(false);
    m_port->setMinimum(0);
    m_port->setSpecialValueText(tr("any free port"));
    for (QLineEdit *edit : {m_dataDir, m_did, m_publicUrl, m_plcUrl, m_devToken, m_adminToken})
        edit->setMinimumWidth(240);

    // Fill in; values that are only defaults show as placeholders, so they follow other edits.
    m_dataDir->setText(current.dataDir);
    m_did->setText(current.didDerived ? QString() : current.did);
    m_did->setPlaceholderText(tr("derived from the public URL (did:web:…)"));
    const bool defaultUrl = current.publicUrl.toString() == defaultPublicUrl(current);
    m_publicUrl->setText(defaultUrl ? QString() : current.publicUrl.toString());
    m_listen->setEditable(true);
    m_listen->addItems({QStringLiteral("127.0.0.1"), QStringLiteral("::1"),
        QStringLiteral("0.0.0.0"), QStringLiteral("::")});
    m_listen->setCurrentText(current.listen);
    m_port->setValue(current.port);
    m_maxMessageKiB->setValue(toUnits(current.maxMessageBytes, KiB));
    m_maxConnections->setValue(current.maxConnections);
    m_maxConnectionsPerDid->setValue(current.maxConnectionsPerDid);
    m_maxSubscriptions->setValue(current.maxSubscriptions);
    m_maxEntities->setValue(int(qMin<qint64>(current.maxEntities, 1000000000)));
    m_maxEntities->setSpecialValueText(tr("no cap"));
    m_maxEntityMiB->setValue(toUnits(current.maxEntityBytes, MiB));
    m_maxEntityMiB->setSpecialValueText(tr("no cap"));
    m_maxQueueKiB->setValue(toUnits(current.maxQueueBytes, KiB));
    m_tokenRatePerIp->setValue(current.tokenRatePerIp);
    m_tokenRatePerDid->setValue(current.tokenRatePerDid);
    m_authFailureRatePerIp->setValue(current.authFailureRatePerIp);
    m_pingInterval->setValue(current.pingIntervalSeconds);
    m_tokenTtl->setValue(current.tokenTtlSeconds);
    m_plcUrl->setText(current.plcUrl.toString());
    m_didCacheFresh->setValue(current.didCacheFreshSeconds);
    m_didCacheMax->setValue(current.didCacheMaxSeconds);
    m_devToken->setText(current.devToken);
    m_devToken->setPlaceholderText(tr("none (recommended)"));
    m_adminToken->setText(current.adminToken);
    m_adminToken->setPlaceholderText(tr("generated and kept in the OS keychain"));
    m_adminRemote->setChecked(current.adminRemote);
    m_closeToBackground->setChecked(
        QSettings().value(QLatin1String(CloseActionKey)).toString() != u"quit");

    auto *browse = new QPushButton(tr("Browse…"), this);
    connect(browse, &QPushButton::clicked, this, [this] {
        const QString dir
            = QFileDialog::getExistingDirectory(this, tr("Data directory"), m_dataDir->text());
        if (!dir.isEmpty())
            m_dataDir->setText(QDir::toNativeSeparators(dir));
    });
    auto *dataDirRow = new QWidget(this);
    auto *dataDirLayout = new QHBoxLayout(dataDirRow);
    dataDirLayout->setContentsMargins(0, 0, 0, 0);
    dataDirLayout->addWidget(m_dataDir, 1);
    dataDirLayout->addWidget(browse);

    auto *listener = new QGroupBox(tr("Listener"), this);
    auto *listenerForm = new QFormLayout(listener);
    listenerForm->addRow(tr("Listen on:"), m_listen);
    listenerForm->addRow(tr("Port:"), m_port);
    listenerForm->addRow(tr("Public URL:"), m_publicUrl);
    listenerForm->addRow(tr("Largest message:"), m_maxMessageKiB);
    listenerForm->addRow(tr("Ping interval:"), m_pingInterval);
    m_listen->setToolTip(tr("127.0.0.1 serves this machine only; 0.0.0.0 or :: serve the network"));

    auto *identity = new QGroupBox(tr("Identity"), this);
    auto *identityForm = new QFormLayout(identity);
    identityForm->addRow(tr("Service DID:"), m_did);
    identityForm->addRow(tr("PLC directory:"), m_plcUrl);
    identityForm->addRow(tr("DID cache fresh for:"), m_didCacheFresh);
    identityForm->addRow(tr("DID cache kept for:"), m_didCacheMax);
    identityForm->addRow(tr("Token lifetime:"), m_tokenTtl);

    auto *storage = new QGroupBox(tr("Storage and security"), this);
    auto *storageForm = new QFormLayout(storage);
    storageForm->addRow(tr("Data directory:"), dataDirRow);
    storageForm->addRow(tr("Dev token (UNSAFE):"), secretRow(m_devToken, this));
    storageForm->addRow(tr("Admin API token:"), secretRow(m_adminToken, this));
    storageForm->addRow(QString(), m_adminRemote);
    auto *secretNote
        = new QLabel(tr("Tokens entered here are saved in plain text in the settings "
                        "file. Leave the admin token empty to keep it in the keychain."),
            this);
    secretNote->setWordWrap(true);
    secretNote->setForegroundRole(QPalette::PlaceholderText);
    storageForm->addRow(secretNote);

    auto *limits = new QGroupBox(tr("Limits"), this);
    auto *limitsForm = new QFormLayout(limits);
    limitsForm->addRow(tr("Connections:"), m_maxConnections);
    limitsForm->addRow(tr("Connections per DID:"), m_maxConnectionsPerDid);
    limitsForm->addRow(tr("Subscriptions per session:"), m_maxSubscriptions);
    limitsForm->addRow(tr("Documents stored:"), m_maxEntities);
    limitsForm->addRow(tr("Size per document:"), m_maxEntityMiB);
    limitsForm->addRow(tr("Send queue per session:"), m_maxQueueKiB);
    limitsForm->addRow(tr("Token requests per IP:"), m_tokenRatePerIp);
    limitsForm->addRow(tr("Token requests per DID:"), m_tokenRatePerDid);
    limitsForm->addRow(tr("Failed token requests per IP:"), m_authFailureRatePerIp);
    m_maxConnectionsPerDid->setToolTip(tr("More are refused with HTTP 429"));
    m_maxConnections->setToolTip(tr("More are refused with HTTP 503"));
    m_maxQueueKiB->setToolTip(tr("A session that falls this far behind is closed with 1013"));

    auto *window = new QGroupBox(tr("Window"), this);
    auto *windowLayout = new QVBoxLayout(window);
    windowLayout->addWidget(m_closeToBackground);

    m_problem->setStyleSheet(QStringLiteral("color:#b02020;"));
    m_problem->setWordWrap(true);
    m_restartNote->setWordWrap(true);
    m_restartNote->setText(tr("These changes take effect when the listener restarts. Canopy "
                              "restarts it when you press OK; connected clients are "
                              "disconnected and reconnect."));

    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    m_ok = buttons->button(QDialogButtonBox::Ok);
    connect(buttons, &QDialogButtonBox::accepted, this, &SettingsDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

    auto *columns = new QHBoxLayout;
    auto *left = new QVBoxLayout;
    left->addWidget(listener);
    left->addWidget(identity);
    left->addWidget(window);
    left->addStretch(1);
    auto *right = new QVBoxLayout;
    right->addWidget(storage);
    right->addWidget(limits);
    right->addStretch(1);
    columns->addLayout(left, 1);
    columns->addLayout(right, 1);

    auto *layout = new QVBoxLayout(this);
    layout->addLayout(columns);
    layout->addWidget(m_problem);
    layout->addWidget(m_restartNote);
    layout->addWidget(buttons);

    for (QLineEdit *edit : {m_dataDir, m_did, m_publicUrl, m_plcUrl, m_devToken, m_adminToken})
        connect(edit, &QLineEdit::textChanged, this, &SettingsDialog::updateState);
    for (QSpinBox *box :
        {m_port, m_maxMessageKiB, m_pingInterval, m_tokenTtl, m_didCacheFresh, m_didCacheMax})
        connect(box, &QSpinBox::valueChanged, this, &SettingsDialog::updateState);
    connect(m_listen, &QComboBox::currentTextChanged, this, &SettingsDialog::updateState);
    connect(m_adminRemote, &QCheckBox::toggled, this, &SettingsDialog::updateState);
    updateState();
}

Config SettingsDialog::config() const
{
    Config c = m_current;
    c.dataDir = QDir::fromNativeSeparators(m_dataDir->text().trimmed());
    c.listen = m_listen->currentText().trimmed();
    c.port = quint16(m_port->value());
    c.maxMessageBytes = fromUnits(m_maxMessageKiB, m_current.maxMessageBytes, KiB);
    c.maxConnections = m_maxConnections->value();
    c.maxConnectionsPerDid = m_maxConnectionsPerDid->value();
    c.maxSubscriptions = m_maxSubscriptions->value();
    c.maxEntities = m_maxEntities->value() == int(qMin<qint64>(m_current.maxEntities, 1000000000))
        ? m_current.maxEntities
        : m_maxEntities->value();
    c.maxEntityBytes = fromUnits(m_maxEntityMiB, m_current.maxEntityBytes, MiB);
    c.maxQueueBytes = fromUnits(m_maxQueueKiB, m_current.maxQueueBytes, KiB);
    c.tokenRatePerIp = m_tokenRatePerIp->value();
    c.tokenRatePerDid = m_tokenRatePerDid->value();
    c.authFailureRatePerIp = m_authFailureRatePerIp->value();
    c.pingIntervalSeconds = m_pingInterval->value();
    c.tokenTtlSeconds = m_tokenTtl->value();
    c.plcUrl = QUrl(m_plcUrl->text().trimmed());
    c.didCacheFreshSeconds = m_didCacheFresh->value();
    c.didCacheMaxSeconds = m_didCacheMax->value();
    c.devToken = m_devToken->text();
    c.adminToken = m_adminToken->text();
    c.adminRemote = m_adminRemote->isChecked();
    const QString publicUrl = m_publicUrl->text().trimmed();
    c.publicUrl = QUrl(publicUrl.isEmpty() ? defaultPublicUrl(c) : publicUrl);
    const QString did = m_did->text().trimmed();
    c.didDerived = did.isEmpty();
    if (c.didDerived) {
        // As ConfigLoader derives it: did:web encodes a port as %3A.
        QString host = c.publicUrl.host(QUrl::FullyEncoded);
        if (c.publicUrl.port() != -1)
            host += QStringLiteral("%3A") + QString::number(c.publicUrl.port());
        c.did = QStringLiteral("did:web:") + host;
    } else {
        c.did = did;
    }
    return c;
}

QString SettingsDialog::validate() const
{
    const Config c = config();
    if (c.dataDir.isEmpty())
        return tr("The data directory must not be empty.");
    const QFileInfo dir(c.dataDir);
    if (dir.exists() && !dir.isDir())
        return tr("The data directory “%1” is a file.").arg(c.dataDir);
    if (QHostAddress(c.listen).isNull())
        return tr("“%1” is not an IP address to listen on.").arg(c.listen);
    if (!m_publicUrl->text().trimmed().isEmpty() && !isHttpUrl(m_publicUrl->text().trimmed()))
        return tr("The public URL must be an http(s) URL with a host.");
    if (!isHttpUrl(m_plcUrl->text().trimmed()))
        return tr("The PLC directory must be an http(s) URL with a host.");
    if (!c.didDerived && !ConfigLoader::isValidDid(c.did))
        return tr("“%1” is not a DID.").arg(c.did);
    if (c.didCacheMaxSeconds < c.didCacheFreshSeconds)
        return tr("The DID cache cannot keep entries for less time than they stay fresh.");
    return {};
}

bool SettingsDialog::needsRestart() const
{
    const Config c = config();
    const Config &o = m_current;
    return c.dataDir != o.dataDir || c.did != o.did || c.publicUrl != o.publicUrl
        || c.devToken != o.devToken || c.adminToken != o.adminToken
        || c.adminRemote != o.adminRemote || c.port != o.port || c.listen != o.listen
        || c.maxMessageBytes != o.maxMessageBytes || c.pingIntervalSeconds != o.pingIntervalSeconds
        || c.tokenTtlSeconds != o.tokenTtlSeconds || c.plcUrl != o.plcUrl
        || c.didCacheFreshSeconds != o.didCacheFreshSeconds
        || c.didCacheMaxSeconds != o.didCacheMaxSeconds || c.maxConnections != o.maxConnections
        || c.maxConnectionsPerDid != o.maxConnectionsPerDid
        || c.maxSubscriptions != o.maxSubscriptions || c.maxEntities != o.maxEntities
        || c.maxEntityBytes != o.maxEntityBytes || c.maxQueueBytes != o.maxQueueBytes
        || c.tokenRatePerIp != o.tokenRatePerIp || c.tokenRatePerDid != o.tokenRatePerDid
        || c.authFailureRatePerIp != o.authFailureRatePerIp;
}

void SettingsDialog::updateState()
{
    const QString problem = validate();
    m_problem->setText(problem);
    m_problem->setVisible(!problem.isEmpty());
    m_ok->setEnabled(problem.isEmpty());
    const bool restart = needsRestart();
    m_restartNote->setVisible(restart);
    m_ok->setText(restart ? tr("Apply and restart") : tr("OK"));
}

void SettingsDialog::save(const Config &config, QSettings &settings)
{
    const Config defaults;
    settings.beginGroup(QLatin1String(Group));
    auto put = [&settings](const char *key, const QVariant &value, bool isDefault) {
        if (isDefault)
            settings.remove(QLatin1String(key));
        else
            settings.setValue(QLatin1String(key), value);
    };
    put("data-dir", config.dataDir, config.dataDir.isEmpty());
    put("did", config.did, config.didDerived || config.did.isEmpty());
    put("public-url", config.publicUrl.toString(),
        config.publicUrl.isEmpty() || config.publicUrl.toString() == defaultPublicUrl(config));
    // Secrets never go into the settings file: the admin token lives in the keychain.
    settings.remove(QStringLiteral("dev-token"));
    settings.remove(QStringLiteral("admin-token"));
    put("admin-remote", config.adminRemote, config.adminRemote == defaults.adminRemote);
    put("port", config.port, config.port == defaults.port);
    put("listen", config.listen, config.listen == defaults.listen);
    put("max-message", config.maxMessageBytes, config.maxMessageBytes == defaults.maxMessageBytes);
    put("ping-interval", config.pingIntervalSeconds,
        config.pingIntervalSeconds == defaults.pingIntervalSeconds);
    put("token-ttl", config.tokenTtlSeconds, config.tokenTtlSeconds == defaults.tokenTtlSeconds);
    put("plc-url", config.plcUrl.toString(), config.plcUrl == defaults.plcUrl);
    put("did-cache-fresh", config.didCacheFreshSeconds,
        config.didCacheFreshSeconds == defaults.didCacheFreshSeconds);
    put("did-cache-max", config.didCacheMaxSeconds,
        config.didCacheMaxSeconds == defaults.didCacheMaxSeconds);
    put("max-connections", config.maxConnections, config.maxConnections == defaults.maxConnections);
    put("max-connections-per-did", config.maxConnectionsPerDid,
        config.maxConnectionsPerDid == defaults.maxConnectionsPerDid);
    put("max-subscriptions", config.maxSubscriptions,
        config.maxSubscriptions == defaults.maxSubscriptions);
    put("max-entities", config.maxEntities, config.maxEntities == defaults.maxEntities);
    put("max-entity-bytes", config.maxEntityBytes,
        config.maxEntityBytes == defaults.maxEntityBytes);
    put("max-queue-bytes", config.maxQueueBytes, config.maxQueueBytes == defaults.maxQueueBytes);
    put("token-rate-ip", config.tokenRatePerIp, config.tokenRatePerIp == defaults.tokenRatePerIp);
    put("token-rate-did", config.tokenRatePerDid,
        config.tokenRatePerDid == defaults.tokenRatePerDid);
    put("auth-failure-rate-ip", config.authFailureRatePerIp,
        config.authFailureRatePerIp == defaults.authFailureRatePerIp);
    settings.endGroup();
}

void SettingsDialog::accept()
{
    if (!validate().isEmpty())
        return;
    const Config edited = config();
    QSettings settings;
    save(edited, settings);
    settings.setValue(QLatin1String(CloseActionKey),
        m_closeToBackground->isChecked() ? QStringLiteral("background") : QStringLiteral("quit"));
    const bool restart = needsRestart();
    QDialog::accept();
    if (restart)
        Q_EMIT restartRequested(edited);
}

} // namespace canopy::ui
