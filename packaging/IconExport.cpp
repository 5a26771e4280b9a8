// Writes the package's icons into a hicolor theme tree: canopy.png at every size a desktop asks
// for and the scalable canopy.svg, all drawn by the window's own AppIcon::paint, so the
// installed icons are the window's icon.
//   canopy_icons <dir>   ->  <dir>/hicolor/<n>x<n>/apps/canopy.png,
//   <dir>/hicolor/scalable/apps/canopy.svg

#include "common/AppIcon.h"

#include <cstdio>

#include <QDir>
#include <QFile>
#include <QImage>
#include <QPainter>
#include <QRegularExpression>
#include <QSvgGenerator>

namespace {

constexpr int kSizes[] = {16, 22, 24, 32, 48, 64, 128, 256, 512};

bool fail(const QString &message)
{
    const QByteArray line = "canopy_icons: " + message.toUtf8() + '\n';
    std::fwrite(line.constData(), 1, size_t(line.size()), stderr);
    return false;
}

bool writePng(const QDir &theme, int size)
{
    const QString folder = QStringLiteral("%1x%1/apps").arg(size);
    if (!theme.mkpath(folder))
        return fail(QStringLiteral("cannot create %1").arg(theme.filePath(folder)));
    // QImage, not QPixmap: no display (nor QGuiApplication) is needed.
    QImage image(size, size, QImage::Format_ARGB32_Premultiplied);
    image.fill(Qt::transparent);
    QPainter painter(&image);
    canopy::ui::AppIcon::paint(painter, size);
    painter.end();
    const QString path = theme.filePath(folder + QStringLiteral("/canopy.png"));
    if (!image.save(path, "PNG"))
        return fail(QStringLiteral("cannot write %1").arg(path));
    return true;
}

bool writeSvg(const QDir &theme)
{
    const QString folder = QStringLiteral("scalable/apps");
    if (!theme.mkpath(folder))
        return fail(QStringLiteral("cannot create %1").arg(theme.filePath(folder)));
    const QString path = theme.filePath(folder + QStringLiteral("/canopy.svg"));
    QSvgGenerator svg;
    svg.setFileName(path);
    svg.setSize(QSize(64, 64));
    svg.setViewBox(QRect(0, 0, 64, 64));
    svg.setTitle(QStringLiteral("Canopy"));
    svg.setDescription(QStringLiteral("The Canopy application icon"));
    QPainter painter;
    if (!painter.begin(&svg))
        return fail(QStringLiteral("cannot write %1").arg(path));
    canopy::ui::AppIcon::paint(painter, 64);
    if (!painter.end())
        return fail(QStringLiteral("cannot write %1").arg(path));
    // QSvgGenerator writes the painter's font on every group, as font-size="-1" without a
    // font database; the icon holds no text, and Qt's own SVG renderer warns about the size.
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return fail(QStringLiteral("cannot read %1").arg(path));
    QString text = QString::fromUtf8(file.readAll());
    file.close();
    static const QRegularExpression font(QStringLiteral(
        "\\s*font-family=\"[^\"]*\"\\s+font-size=\"[^\"]*\"\\s+font-weight=\"[^\"]*\"\\s+"
        "font-style=\"[^\"]*\"\\s*"));
    text.replace(font, QStringLiteral(" "));
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate) || file.write(text.toUtf8()) < 0)
        return fail(QStringLiteral("cannot write %1").arg(path));
    return true;
}

} // namespace

int main(int argc, char *argv[])
{
    if (argc != 2) {
        fail(QStringLiteral("usage: canopy_icons <output dir>"));
        return 2;
    }
    const QDir theme(QDir(QString::fromLocal8Bit(argv[1])).filePath(QStringLiteral("hicolor")));
    if (!QDir().mkpath(theme.path())) {
        fail(QStringLiteral("cannot create %1").arg(theme.path()));
        return 1;
    }
    for (int size : kSizes) {
        if (!writePng(theme, size))
            return 1;
    }
    return writeSvg(theme) ? 0 : 1;
}
