#pragma once

#include <QByteArray>
#include <QObject>

class QSaveFile;

namespace canopy::ui {

// Writes an exported document to a file a chunk per event-loop turn, so a large one shows
// progress and can be cancelled while the host keeps serving. QSaveFile: a cancelled or failed
// export never leaves half a blob behind.
class DocumentExporter final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(DocumentExporter)

public:
    static constexpr qsizetype ChunkBytes = 1024 * 1024;

    explicit DocumentExporter(QObject *parent = nullptr);
    ~DocumentExporter() override;

    bool start(const QByteArray &data, const QString &path); // false: cannot open (see error)
    void cancel();
    QString errorString() const { return m_error; }

Q_SIGNALS:
    void progress(qint64 written, qint64 total);
    void finished(bool ok, const QString &error);

private:
    void writeChunk();

    QByteArray m_data;
    QSaveFile *m_file = nullptr;
    qsizetype m_written = 0;
    QString m_error;
};

} // namespace canopy::ui
