#include "overview/TlsPanel.h"

#include "common/Format.h"

#include <QApplication>
#include <QClipboard>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QFontDatabase>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QSaveFile>
#include <QVBoxLayout>

namespace canopy::ui {
namespace {

QLabel *selectable(QWidget *parent)
{
    auto *label = new QLabel(parent);
    label->setTextInteractionFlags(Qt::TextSelectableByMouse);
    return label;
}

// 32 bytes as two lines of 16: the whole fingerprint stays readable without a wide window.
QString twoLines(const QString &fingerprint)
{
    const qsizetype half = fingerprint.size() / 2;
    if (fingerprint.size() != 95 || fingerprint.at(half) != u':')
        return fingerprint;
    return fingerprint.first(half) + u'\n' + fingerprint.sliced(half + 1);
}

// A few names a line: a form row does not wrap (see OverviewPage).
QString nameLines(const QStringList &names)
{
    QStringList lines;
    for (qsizetype i = 0; i < names.size(); i += 3)
        lines.append(names.mid(i, 3).join(QStringLiteral(", ")));
    return lines.join(u'\n');
}

} // namespace

TlsPanel::TlsPanel(QWidget *parent)
    : QGroupBox(tr("TLS"), parent)
    , m_state(new QLabel(this))
    , m_fingerprint(selectable(this))
    , m_names(selectable(this))
    , m_validity(new QLabel(this))
    , m_source(selectable(this))
    , m_status(new QLabel(this))
    , m_copy(new QPushButton(tr("Copy fingerprint"), this))
    , m_export(new QPushButton(tr("Export certificate…"), this))
    , m_details(new QWidget(this))
{
    m_state->setWordWrap(true);
    m_state->setTextFormat(Qt::RichText);
    m_status->setWordWrap(true);
    m_fingerprint->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_fingerprint->setObjectName(QStringLiteral("tlsFingerprint"));
    m_export->setObjectName(QStringLiteral("tlsExport"));
    m_export->setToolTip(tr("Save the certificate (PEM) for team members to trust"));

    auto *form = new QFormLayout(m_details);
    form->setContentsMargins(0, 0, 0, 0);
    form->addRow(tr("Fingerprint (SHA-256):"), m_fingerprint);
    form->addRow(tr("Names:"), m_names);
    form->addRow(tr("Valid:"), m_validity);
    form->addRow(tr("Certificate:"), m_source);

    auto *buttons = new QHBoxLayout;
    buttons->addWidget(m_copy);
    buttons->addWidget(m_export);
    buttons->addStretch(1);

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_state);
    layout->addWidget(m_details);
    layout->addLayout(buttons);
    layout->addWidget(m_status);
    layout->addStretch(1);

    connect(m_copy, &QPushButton::clicked, this,
        [this] { QApplication::clipboard()->setText(m_info.fingerprint); });
    connect(m_export, &QPushButton::clicked, this, &TlsPanel::chooseExportPath);
    setInfo({});
}

void TlsPanel::setInfo(const TlsInfo &info)
{
    m_info = info;
    m_status->clear();
    m_details->setVisible(info.enabled);
    m_copy->setVisible(info.enabled);
    m_export->setVisible(info.enabled);
    if (!info.enabled) {
        m_state->setText(tr("Off: clients connect over plain http:// and ws://, and tokens and "
                            "documents cross the network readable. Start the host with "
                            "<nobr>--tls self-signed</nobr>, or with <nobr>--tls-cert</nobr> and "
                            "<nobr>--tls-key</nobr>."));
        m_fingerprint->clear();
        m_names->clear();
        m_validity->clear();
        m_source->clear();
        return;
    }
    m_state->setText(info.selfSigned
            ? tr("On (https://, wss://), with a certificate this host made. Team members trust "
                 "it once: compare the fingerprint, or give them the exported certificate.")
            : tr("On (https://, wss://), with the certificate given on the command line."));
    m_fingerprint->setText(twoLines(info.fingerprint));
    m_names->setText(nameLines(info.subjectNames));
    const qint64 daysLeft = QDateTime::currentDateTimeUtc().daysTo(info.expiry);
    m_validity->setText(daysLeft < 30
            ? tr("until %1 — expires in %n day(s)", nullptr, int(qMax<qint64>(0, daysLeft)))
                  .arg(Format::dateTime(info.expiry))
            : tr("until %1").arg(Format::dateTime(info.expiry)));
    m_validity->setStyleSheet(
        daysLeft < 30 ? QStringLiteral("color:#a4262c;font-weight:bold;") : QString());
    m_source->setText(info.certificatePath);
}

QString TlsPanel::fingerprintText() const
{
    return m_fingerprint->text();
}

QString TlsPanel::statusText() const
{
    return m_status->text();
}

bool TlsPanel::exportCertificate(const QString &path, QString *error)
{
    QSaveFile file(path);
    const bool written = m_info.enabled && file.open(QIODevice::WriteOnly)
        && file.write(m_info.certificatePem) == m_info.certificatePem.size() && file.commit();
    if (!written) {
        *error = m_info.enabled ? file.errorString() : tr("TLS is off: there is no certificate");
        m_status->setText(tr("Not saved: %1").arg(*error));
        return false;
    }
    // A certificate is public; the host's umask would keep it to its owner.
    QFile::setPermissions(path,
        QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ReadGroup
            | QFileDevice::ReadOther);
    m_status->setText(tr("Saved to %1").arg(QDir::toNativeSeparators(path)));
    return true;
}

void TlsPanel::chooseExportPath()
{
    const QString suggested = QDir::home().filePath(QStringLiteral("canopy-certificate.pem"));
    const QString path = QFileDialog::getSaveFileName(this, tr("Export certificate"), suggested,
        tr("PEM certificate (*.pem *.crt);;All files (*)"));
    if (path.isEmpty())
        return;
    QString error;
    exportCertificate(path, &error);
}

} // namespace canopy::ui
