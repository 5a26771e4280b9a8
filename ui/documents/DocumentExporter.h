#pragma once

#include <QByteArray>
#include <QList>
#include <QObject>
#include <QString>

class QSaveFile;

namespace canopy::ui {

// Writes an exported document to its files (one per payload) a chunk per event-loop turn, so a
// large one shows progress and can be cancelled while the host keeps serving. QSaveFile: every
// file is opened before the first byte is written and committed only after the last, so a
// cancelled or failed export leaves no half-written payload behind.
class DocumentExporter final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(DocumentExporter)

public:
    static constexpr qsizetype ChunkBytes = 1024 * 1024;

    struct File
    {
        QString path;
        QByteArray data;
    };

    explicit DocumentExporter(QObject *parent = nullptr);
    ~DocumentExporter() override;

    bool start(const QByteArray &data, const QString &path); // false: cannot open (see error)
    bool start(const QList<File> &files);
    void cancel();
    QString errorString() const { return m_error; }
    qint64 totalBytes() const { return m_total; }

Q_SIGNALS:
    void progress(qint64 written, qint64 total);
    void finished(bool ok, const QString &error);

private:
    void writeChunk();
    void abandon();

    QList<File> m_files;
    QList<QSaveFile *> m_open;
    qsizetype m_current = 0; // the file being written
    qsizetype m_written = 0; // of the current file
    qint64 m_done = 0; // of all files
    qint64 m_total = 0;
    QString m_error;
};

} // namespace canopy::ui
