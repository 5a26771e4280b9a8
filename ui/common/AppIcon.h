#pragma once

#include <QIcon>

class QPainter;

namespace canopy::ui {

// The application icon, and the tray's variant with a status dot (green: serving, grey: not).
class AppIcon final
{
public:
    static QIcon application();
    static QIcon status(bool serving);
    // Draws the artwork; used once to produce resources/icons/*.png, and as a fallback.
    static QPixmap draw(int size);
    // The artwork itself, in a square of `size` units from the painter's origin: the package's
    // icons (PNGs of every size and the SVG, packaging/IconExport.cpp) are drawn by it too.
    static void paint(QPainter &painter, qreal size);
};

} // namespace canopy::ui
