#include "documents/DocumentExporter.h"

#include <QSaveFile>
#include <QTimer>

namespace canopy::ui {

DocumentExporter::DocumentExporter(QObject *parent)
    : QObject(parent)
{
}

DocumentExporter::~DocumentExporter()
{
    if (m_file)
        m_file->cancelWriting();
}

bool DocumentExporter::start(const QByteArray &data, const QString &path)
{
    m_data = data;
    m_written = 0;
    m_file = new QSaveFile(path, this);
    if (!m_file->open(QIODevice::WriteOnly)) {
        m_error = m_file->errorString();
        delete m_file;
        m_file = nullptr;
        return false;
    }
    QTimer::singleShot(0, this, &DocumentExporter::writeChunk);
    return true;
}

void DocumentExporter::cancel()
{
    if (!m_file)
        return;
    m_file->cancelWriting();
    m_file->deleteLater();
    m_file = nullptr;
    Q_EMIT finished(false, tr("Cancelled"));
}

void DocumentExporter::writeChunk()
{
    if (!m_file)
        return;
    const qsizetype n = qMin(ChunkBytes, m_data.size() - m_written);
    if (n > 0 && m_file->write(m_data.constData() + m_written, n) != n) {
        m_error = m_file->errorString();
        m_file->cancelWriting();
        m_file->deleteLater();
        m_file = nullptr;
        Q_EMIT finished(false, m_error);
        return;
    }
    m_written += n;
    Q_EMIT progress(m_written, m_data.size());
    if (m_written < m_data.size()) {
        QTimer::singleShot(0, this, &DocumentExporter::writeChunk);
        return;
    }
    const bool ok = m_file->commit();
    if (!ok)
        m_error = m_file->errorString();
    m_file->deleteLater();
    m_file = nullptr;
    Q_EMIT finished(ok, ok ? QString() : m_error);
}

} // namespace canopy::ui
