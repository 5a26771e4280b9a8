#pragma once

#include <QIcon>

namespace canopy::ui {

// The application icon, and the tray's variant with a status dot (green: serving, grey: not).
class AppIcon final
{
public:
    static QIcon application();
    static QIcon status(bool serving);
    // Draws the artwork; used once to produce resources/icons/*.png, and as a fallback.
    static QPixmap draw(int size);
};

} // namespace canopy::ui
