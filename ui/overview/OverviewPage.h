#pragma once

#include "host/Host.h"

#include <QDateTime>
#include <QPointer>
#include <QWidget>

class QLabel;
class QAbstractItemModel;
class QTimer;

namespace canopy::ui {

class RateChart;
class StatTile;
class TlsPanel;

// Where the host listens, who it is, warnings, counts, and live charts of connections,
// frames/s and bytes/s over the last five minutes (sampled once a second from the metrics).
class OverviewPage final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(OverviewPage)

public:
    struct Models
    {
        QAbstractItemModel *sessions;
        QAbstractItemModel *documents;
        QAbstractItemModel *tokens;
        QAbstractItemModel *bans;
    };

    OverviewPage(Models models, QWidget *parent = nullptr);

    void setHost(Host *host);
    void setHostError(const QString &error); // empty: no error
    void sample(); // one chart sample now (the timer calls it every second)

    RateChart *connectionsChart() const { return m_connectionsChart; }
    TlsPanel *tlsPanel() const { return m_tls; }
    QString listeningText() const;

private:
    void updateService();
    void updateCounts();

    Models m_models;
    QPointer<Host> m_host;
    QLabel *m_devTokenBanner;
    QLabel *m_errorBanner;
    QLabel *m_listening;
    QLabel *m_publicUrl;
    QLabel *m_did;
    QLabel *m_dataDir;
    QLabel *m_adminToken;
    TlsPanel *m_tls;
    StatTile *m_connections;
    StatTile *m_documents;
    StatTile *m_tokens;
    StatTile *m_bans;
    StatTile *m_frames;
    StatTile *m_bytes;
    RateChart *m_connectionsChart;
    RateChart *m_framesChart;
    RateChart *m_bytesChart;
    QTimer *m_sampler;
    // Totals at the previous sample; rates are the difference. Invalid after a host swap.
    bool m_haveBaseline = false;
    quint64 m_lastFrames[2] = {0, 0};
    quint64 m_lastBytes[2] = {0, 0};
    QDateTime m_lastSample;
};

} // namespace canopy::ui
