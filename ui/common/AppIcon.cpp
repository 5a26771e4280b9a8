#include "common/AppIcon.h"

#include <QFile>
#include <QPainter>
#include <QPainterPath>
#include <QPixmap>

namespace canopy::ui {

QPixmap AppIcon::draw(int size)
{
    QPixmap pixmap(size, size);
    pixmap.fill(Qt::transparent);
    QPainter p(&pixmap);
    paint(p, size);
    return pixmap;
}

void AppIcon::paint(QPainter &p, qreal size)
{
    p.save();
    p.setRenderHint(QPainter::Antialiasing);
    const qreal s = size / 64.0;
    p.scale(s, s);
    // A rounded tile, a trunk, and three overlapping crowns: a canopy.
    QLinearGradient sky(0, 0, 0, 64);
    sky.setColorAt(0, QColor(0x2b, 0x7a, 0x4b));
    sky.setColorAt(1, QColor(0x1b, 0x4d, 0x30));
    p.setPen(Qt::NoPen);
    p.setBrush(sky);
    p.drawRoundedRect(QRectF(2, 2, 60, 60), 14, 14);
    p.setBrush(QColor(0x6b, 0x4a, 0x2b));
    p.drawRoundedRect(QRectF(29, 34, 6, 20), 2, 2);
    p.setBrush(QColor(0xa8, 0xe0, 0x8c));
    QPainterPath crown;
    crown.addEllipse(QPointF(20, 32), 11, 10);
    crown.addEllipse(QPointF(44, 32), 11, 10);
    crown.addEllipse(QPointF(32, 23), 14, 12);
    crown.setFillRule(Qt::WindingFill);
    p.drawPath(crown.simplified());
    // Sync links between the crowns.
    p.setPen(QPen(QColor(0x1b, 0x4d, 0x30), 2.2, Qt::SolidLine, Qt::RoundCap));
    p.drawLine(QPointF(21, 30), QPointF(32, 22));
    p.drawLine(QPointF(32, 22), QPointF(43, 30));
    p.setPen(Qt::NoPen);
    p.setBrush(QColor(0x1b, 0x4d, 0x30));
    for (const QPointF &node : {QPointF(21, 30), QPointF(32, 22), QPointF(43, 30)})
        p.drawEllipse(node, 3, 3);
    p.restore();
}

QIcon AppIcon::application()
{
    static const QIcon icon = [] {
        QIcon result;
        for (const char *path : {":/icons/canopy.png", ":/icons/canopy-32.png"}) {
            if (QFile::exists(QLatin1String(path)))
                result.addFile(QLatin1String(path));
        }
        if (result.isNull())
            result.addPixmap(draw(256));
        return result;
    }();
    return icon;
}

QIcon AppIcon::status(bool serving)
{
    QIcon icon;
    for (int size : {16, 22, 32, 48, 64}) {
        QPixmap pixmap = application().pixmap(size, size);
        QPainter p(&pixmap);
        p.setRenderHint(QPainter::Antialiasing);
        const qreal r = size * 0.2;
        const QPointF centre(size - r - 0.5, size - r - 0.5);
        p.setPen(QPen(Qt::white, qMax(1.0, size / 24.0)));
        p.setBrush(serving ? QColor(0x2e, 0xcc, 0x40) : QColor(0x99, 0x99, 0x99));
        p.drawEllipse(centre, r, r);
        p.end();
        icon.addPixmap(pixmap);
    }
    return icon;
}

} // namespace canopy::ui
