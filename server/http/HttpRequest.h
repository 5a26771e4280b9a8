#pragma once

#include <QByteArray>
#include <QHostAddress>
#include <QList>
#include <QPair>
#include <QString>
#include <QUrlQuery>

namespace canopy {

struct HttpRequest
{
    QByteArray method;
    QByteArray target; // as sent: path and query
    QByteArray version;
    QString path; // percent-decoded path
    QString rawPath; // the path as sent (DIDs keep their own %3A escapes)
    QUrlQuery query;
    QList<QPair<QByteArray, QByteArray>> headers; // names lower-cased, values trimmed
    qsizetype longestLine = 0; // bytes of the head's longest line, CRLF excluded
    qint64 contentLength = -1; // Content-Length, checked by the parser; -1 when absent
    QByteArray body;
    QHostAddress remoteAddress;
    quint16 remotePort = 0;

    QByteArray header(QByteArrayView name) const; // first value; empty when absent
    bool hasHeader(QByteArrayView name) const;
    // True when a comma-separated header (Connection, Upgrade) lists the token, case-insensitively.
    bool headerHasToken(QByteArrayView name, QByteArrayView token) const;
    bool isWebSocketUpgrade() const;
};

} // namespace canopy
