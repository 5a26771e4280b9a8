#pragma once

#include <QByteArray>
#include <QList>
#include <QPair>

class QJsonObject;
class QString;

namespace canopy {

struct HttpResponse
{
    int status = 200;
    QList<QPair<QByteArray, QByteArray>> headers;
    QByteArray body;

    HttpResponse &setHeader(const QByteArray &name, const QByteArray &value);

    static HttpResponse json(int status, const QJsonObject &object);
    // The XRPC error body: {"error": name, "message": message}.
    static HttpResponse error(int status, const QString &name, const QString &message);
    static QByteArray reasonPhrase(int status);

    enum class Body
    {
        Included,
        Omitted // a HEAD answer: the GET's headers, Content-Length included, without the body
    };
    QByteArray serialize(Body body = Body::Included) const; // HTTP/1.1, Content-Length, close
};

} // namespace canopy
