#pragma once

#include "tls/TlsInfo.h"

#include <QGroupBox>

class QLabel;
class QPushButton;

namespace canopy::ui {

// TLS on the overview: off (and how to turn it on), or the certificate the port serves — its
// SHA-256 fingerprint (what team members compare), names, validity — with a button that saves
// the certificate as PEM so they can trust it.
class TlsPanel final : public QGroupBox
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(TlsPanel)

public:
    explicit TlsPanel(QWidget *parent = nullptr);

    void setInfo(const TlsInfo &info);
    const TlsInfo &info() const { return m_info; }

    // Writes the certificate's PEM to `path` (readable by others: it is public); the error
    // says why not. The button asks for the path, then calls this.
    bool exportCertificate(const QString &path, QString *error);
    QString fingerprintText() const;
    QString statusText() const;
    QPushButton *exportButton() const { return m_export; }

private:
    void chooseExportPath();

    TlsInfo m_info;
    QLabel *m_state;
    QLabel *m_fingerprint;
    QLabel *m_names;
    QLabel *m_validity;
    QLabel *m_source;
    QLabel *m_status;
    QPushButton *m_copy;
    QPushButton *m_export;
    QWidget *m_details;
};

} // namespace canopy::ui
