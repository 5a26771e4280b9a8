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
    for (QSaveFile *file : std::as_const(m_open))
        file->cancelWriting();
}

bool DocumentExporter::start(const QByteArray &data, const QString &path)
{
    return start({File {path, data}});
}

bool DocumentExporter::start(const QList<File> &files)
{
    m_files = files;
    m_current = 0;
    m_written = 0;
    m_done = 0;
    m_total = 0;
    for (const File &file : files) {
        m_total += file.data.size();
        auto *out = new QSaveFile(file.path, this);
        m_open.append(out);
        if (!out->open(QIODevice::WriteOnly)) {
            m_error = QStringLiteral("%1: %2").arg(file.path, out->errorString());
            abandon();
            return false;
        }
    }
    QTimer::singleShot(0, this, &DocumentExporter::writeChunk);
    return true;
}

void DocumentExporter::abandon()
{
    for (QSaveFile *file : std::as_const(m_open)) {
        file->cancelWriting();
        file->deleteLater();
    }
    m_open.clear();
}

void DocumentExporter::cancel()
{
    if (m_open.isEmpty())
        return;
    abandon();
    Q_EMIT finished(false, tr("Cancelled"));
}

void DocumentExporter::writeChunk()
{
    if (m_open.isEmpty())
        return;
    const QByteArray &data = m_files.at(m_current).data;
    QSaveFile *file = m_open.at(m_current);
    const qsizetype n = qMin(ChunkBytes, data.size() - m_written);
    if (n > 0 && file->write(data.constData() + m_written, n) != n) {
        m_error = file->errorString();
        abandon();
        Q_EMIT finished(false, m_error);
        return;
    }
    m_written += n;
    m_done += n;
    Q_EMIT progress(m_done, m_total);
    if (m_written >= data.size() && m_current + 1 < m_files.size()) {
        ++m_current;
        m_written = 0;
    }
    if (m_done < m_total || m_written < m_files.at(m_current).data.size()) {
        QTimer::singleShot(0, this, &DocumentExporter::writeChunk);
        return;
    }
    // Everything written: commit in order (the first payload is the one imported first).
    bool ok = true;
    for (QSaveFile *out : std::as_const(m_open)) {
        if (ok && !out->commit()) {
            ok = false;
            m_error = QStringLiteral("%1: %2").arg(out->fileName(), out->errorString());
        } else if (!ok) {
            out->cancelWriting();
        }
        out->deleteLater();
    }
    m_open.clear();
    Q_EMIT finished(ok, ok ? QString() : m_error);
}

} // namespace canopy::ui
