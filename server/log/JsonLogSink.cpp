#include "log/JsonLogSink.h"

#include "log/EventLog.h"

#include <cstdio>

#include <QDateTime>
#include <QJsonDocument>
#include <QJsonObject>

namespace canopy {
namespace {

thread_local const LogFields *t_pendingFields = nullptr;

void writeJsonLine(QtMsgType type, const QMessageLogContext &context, const QString &message)
{
    QJsonObject line;
    line.insert(
        QStringLiteral("time"), QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs));
    line.insert(QStringLiteral("level"), EventLog::levelName(type));
    line.insert(QStringLiteral("category"),
        QString::fromLatin1(context.category ? context.category : "default"));
    line.insert(QStringLiteral("message"), message);
    if (t_pendingFields) {
        for (const auto &[key, value] : *t_pendingFields)
            line.insert(key, value);
    }
    const QByteArray bytes = QJsonDocument(line).toJson(QJsonDocument::Compact) + '\n';
    std::fwrite(bytes.constData(), 1, size_t(bytes.size()), stderr);
    std::fflush(stderr);
}

} // namespace

void JsonLogSink::install()
{
    qInstallMessageHandler(writeJsonLine);
}

void JsonLogSink::setPendingFields(const LogFields *fields)
{
    t_pendingFields = fields;
}

} // namespace canopy
