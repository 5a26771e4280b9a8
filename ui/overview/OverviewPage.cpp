#include "overview/OverviewPage.h"

#include "admin/AdminService.h"
#include "common/Format.h"
#include "host/Host.h"
#include "log/Metrics.h"
#include "overview/RateChart.h"
#include "overview/StatTile.h"
#include "overview/TlsPanel.h"
#include "sync/SessionRegistry.h"

#include <QAbstractItemModel>
#include <QFormLayout>
#include <QGridLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHostAddress>
#include <QLabel>
#include <QNetworkInterface>
#include <QScrollArea>
#include <QTimer>
#include <QVBoxLayout>

namespace canopy::ui {
namespace {

QLabel *selectableLabel(QWidget *parent)
{
    auto *label = new QLabel(parent);
    label->setTextInteractionFlags(Qt::TextSelectableByMouse | Qt::LinksAccessibleByMouse);
    // No word wrap: a wrapping label in a form row is sized for one line and cut off.
    label->setWordWrap(false);
    return label;
}

QLabel *banner(const QString &style, QWidget *parent)
{
    auto *label = new QLabel(parent);
    label->setWordWrap(true);
    label->setMargin(8);
    label->setStyleSheet(style);
    label->setTextFormat(Qt::RichText);
    label->hide();
    return label;
}

} // namespace

OverviewPage::OverviewPage(Models models, QWidget *parent)
    : QWidget(parent)
    , m_models(models)
    , m_devTokenBanner(banner(QStringLiteral("background:#fff4ce;color:#5c4300;border:1px solid "
                                             "#e0b400;border-radius:4px;"),
          this))
    , m_errorBanner(banner(QStringLiteral("background:#fde7e9;color:#7a1620;border:1px solid "
                                          "#d13438;border-radius:4px;"),
          this))
    , m_listening(selectableLabel(this))
    , m_publicUrl(selectableLabel(this))
    , m_did(selectableLabel(this))
    , m_dataDir(selectableLabel(this))
    , m_adminToken(selectableLabel(this))
    , m_tls(new TlsPanel(this))
    , m_connections(new StatTile(tr("Connections"), this))
    , m_documents(new StatTile(tr("Documents"), this))
    , m_tokens(new StatTile(tr("Tokens issued"), this))
    , m_bans(new StatTile(tr("Banned DIDs"), this))
    , m_frames(new StatTile(tr("Frames in / out"), this))
    , m_bytes(new StatTile(tr("Data in / out"), this))
    , m_connectionsChart(new RateChart(tr("Connections"), RateChart::Unit::Count, this))
    , m_framesChart(new RateChart(tr("Frames per second"), RateChart::Unit::PerSecond, this))
    , m_bytesChart(new RateChart(tr("Bytes per second"), RateChart::Unit::BytesPerSecond, this))
    , m_sampler(new QTimer(this))
{
    const QColor blue(0x1f, 0x5f, 0xa8);
    const QColor green(0x1e, 0x7b, 0x34);
    m_connectionsChart->addSeries(tr("Open sessions"), QColor(0x6b, 0x3f, 0xa0));
    m_framesChart->addSeries(tr("In"), blue);
    m_framesChart->addSeries(tr("Out"), green);
    m_bytesChart->addSeries(tr("In"), blue);
    m_bytesChart->addSeries(tr("Out"), green);

    auto *service = new QGroupBox(tr("Service"), this);
    auto *form = new QFormLayout(service);
    form->setFieldGrowthPolicy(QFormLayout::ExpandingFieldsGrow);
    form->addRow(tr("Listening:"), m_listening);
    form->addRow(tr("Public URL:"), m_publicUrl);
    form->addRow(tr("Service DID:"), m_did);
    form->addRow(tr("Data directory:"), m_dataDir);
    form->addRow(tr("Admin API token:"), m_adminToken);

    auto *tiles = new QGridLayout;
    tiles->setSpacing(8);
    const QList<StatTile *> all {m_connections, m_documents, m_tokens, m_bans, m_frames, m_bytes};
    for (int i = 0; i < all.size(); ++i)
        tiles->addWidget(all.at(i), 0, i);

    auto *charts = new QGridLayout;
    charts->setSpacing(8);
    charts->addWidget(m_connectionsChart, 0, 0);
    charts->addWidget(m_framesChart, 0, 1);
    charts->addWidget(m_bytesChart, 0, 2);

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_errorBanner);
    layout->addWidget(m_devTokenBanner);
    auto *top = new QHBoxLayout;
    top->addWidget(service, 3);
    top->addWidget(m_tls, 2);
    layout->addLayout(top);
    layout->addLayout(tiles);
    layout->addLayout(charts, 1);

    for (QAbstractItemModel *model :
        {models.sessions, models.documents, models.tokens, models.bans}) {
        connect(model, &QAbstractItemModel::rowsInserted, this, &OverviewPage::updateCounts);
        connect(model, &QAbstractItemModel::rowsRemoved, this, &OverviewPage::updateCounts);
        connect(model, &QAbstractItemModel::modelReset, this, &OverviewPage::updateCounts);
    }
    m_sampler->setInterval(1000);
    connect(m_sampler, &QTimer::timeout, this, &OverviewPage::sample);
    m_sampler->start();
    updateService();
    updateCounts();
}

void OverviewPage::setHost(Host *host)
{
    m_host = host;
    m_haveBaseline = false;
    if (host)
        setHostError({});
    if (host) {
        // The admin token's home is known only after the keychain answers.
        connect(
            host, &Host::adminTokenReady, this, &OverviewPage::updateService, Qt::UniqueConnection);
    }
    updateService();
    updateCounts();
}

void OverviewPage::setHostError(const QString &error)
{
    m_errorBanner->setText(error.isEmpty()
            ? QString()
            : tr("<b>The host is not running.</b> %1").arg(error.toHtmlEscaped()));
    m_errorBanner->setVisible(!error.isEmpty());
}

QString OverviewPage::listeningText() const
{
    return m_listening->text();
}

void OverviewPage::updateService()
{
    if (!m_host || m_host->port() == 0) {
        m_listening->setText(tr("not listening"));
        m_publicUrl->clear();
        m_did->clear();
        m_dataDir->clear();
        m_adminToken->clear();
        m_devTokenBanner->hide();
        m_tls->setInfo({});
        return;
    }
    const Config &config = m_host->config();
    const quint16 port = m_host->port();
    // A wildcard address serves every interface: list them, that is where clients connect.
    QStringList urls;
    const QHostAddress listen(config.listen);
    if (listen == QHostAddress::AnyIPv4 || listen == QHostAddress::AnyIPv6
        || listen == QHostAddress::Any) {
        for (const QHostAddress &address : QNetworkInterface::allAddresses()) {
            if (address.protocol() == QAbstractSocket::IPv6Protocol
                && (listen == QHostAddress::AnyIPv4 || !address.scopeId().isEmpty()))
                continue;
            const QString host = address.protocol() == QAbstractSocket::IPv6Protocol
                ? u'[' + address.toString() + u']'
                : address.toString();
            urls.append(QStringLiteral("%1://%2:%3/")
                            .arg(config.tls() ? QStringLiteral("https") : QStringLiteral("http"),
                                host, QString::number(port)));
        }
    } else {
        urls.append(m_host->listeningUrl());
    }
    QStringList lines;
    for (const QString &url : std::as_const(urls)) {
        QString ws = url;
        ws.replace(0, 4, QStringLiteral("ws")); // http -> ws, https -> wss
        lines.append(url.toHtmlEscaped() + QStringLiteral(" &nbsp;·&nbsp; ")
            + (ws + QStringLiteral("sync/as/&lt;did&gt;")));
    }
    m_listening->setTextFormat(Qt::RichText);
    m_listening->setText(lines.join(QStringLiteral("<br>")));
    m_publicUrl->setText(config.publicUrl.toString());
    m_did->setText(config.didDerived
            ? tr("%1 (derived from the public URL; set one in Settings)").arg(config.did)
            : config.did);
    m_dataDir->setText(config.dataDir);
    if (m_host->admin())
        m_tls->setInfo(m_host->admin()->tls());

    const QString source = m_host->adminTokenSource();
    if (source == u"keychain")
        m_adminToken->setText(tr("in the OS keychain (service “canopy”)"));
    else if (source == u"file")
        m_adminToken->setText(tr("in a file in the data directory (no keychain)"));
    else if (source == u"flag")
        m_adminToken->setText(tr("given on the command line or in Settings"));
    else
        m_adminToken->setText(tr("not available yet"));

    m_devTokenBanner->setText(
        tr("<b>An UNSAFE development token is set.</b> Anyone who knows it can connect as any "
           "DID. Use it only for local development; remove it in Settings before serving a "
           "network."));
    m_devTokenBanner->setVisible(!config.devToken.isEmpty());
}

void OverviewPage::updateCounts()
{
    m_connections->setValue(Format::count(m_models.sessions->rowCount()));
    m_documents->setValue(Format::count(m_models.documents->rowCount()));
    m_tokens->setValue(Format::count(m_models.tokens->rowCount()));
    m_bans->setValue(Format::count(m_models.bans->rowCount()));
}

void OverviewPage::sample()
{
    const QDateTime now = QDateTime::currentDateTime();
    AdminService *admin = m_host ? m_host->admin() : nullptr;
    if (!admin || !admin->parts().metrics || !admin->parts().sessions) {
        m_haveBaseline = false;
        m_connectionsChart->append(now, {0});
        m_framesChart->append(now, {0, 0});
        m_bytesChart->append(now, {0, 0});
        return;
    }
    const Metrics &metrics = *admin->parts().metrics;
    const quint64 frames[2] = {
        metrics.framesTotal(Metrics::Direction::In), metrics.framesTotal(Metrics::Direction::Out)};
    const quint64 bytes[2]
        = {metrics.bytesTotal(Metrics::Direction::In), metrics.bytesTotal(Metrics::Direction::Out)};
    const double connections = double(admin->parts().sessions->count());

    double frameRate[2] = {0, 0};
    double byteRate[2] = {0, 0};
    if (m_haveBaseline) {
        const double seconds = qMax<qint64>(1, m_lastSample.msecsTo(now)) / 1000.0;
        for (int d = 0; d < 2; ++d) {
            frameRate[d] = double(frames[d] - qMin(frames[d], m_lastFrames[d])) / seconds;
            byteRate[d] = double(bytes[d] - qMin(bytes[d], m_lastBytes[d])) / seconds;
        }
    }
    for (int d = 0; d < 2; ++d) {
        m_lastFrames[d] = frames[d];
        m_lastBytes[d] = bytes[d];
    }
    m_lastSample = now;
    m_haveBaseline = true;

    m_connectionsChart->append(now, {connections});
    m_framesChart->append(now, {frameRate[0], frameRate[1]});
    m_bytesChart->append(now, {byteRate[0], byteRate[1]});
    m_frames->setValue(
        Format::count(qint64(frames[0])) + QStringLiteral(" / ") + Format::count(qint64(frames[1])),
        tr("Frames received / sent since the host started"));
    m_bytes->setValue(
        Format::bytes(qint64(bytes[0])) + QStringLiteral(" / ") + Format::bytes(qint64(bytes[1])),
        tr("Bytes received / sent since the host started"));
    // The listening line can change (the port is known only after start); cheap to redo.
    if (m_listening->text() == tr("not listening"))
        updateService();
}

} // namespace canopy::ui
