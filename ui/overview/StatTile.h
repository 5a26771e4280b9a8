#pragma once

#include <QFrame>

class QLabel;

namespace canopy::ui {

// One figure on the overview: a large value over a short caption.
class StatTile final : public QFrame
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(StatTile)

public:
    explicit StatTile(const QString &caption, QWidget *parent = nullptr);

    void setValue(const QString &value, const QString &detail = {});
    QString value() const;

private:
    QLabel *m_value;
    QLabel *m_caption;
};

} // namespace canopy::ui
