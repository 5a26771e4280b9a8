#include "overview/StatTile.h"

#include <QLabel>
#include <QVBoxLayout>

namespace canopy::ui {

StatTile::StatTile(const QString &caption, QWidget *parent)
    : QFrame(parent)
    , m_value(new QLabel(QStringLiteral("–"), this))
    , m_caption(new QLabel(caption, this))
{
    setFrameShape(QFrame::StyledPanel);
    setObjectName(QStringLiteral("statTile"));
    QFont big = m_value->font();
    big.setPointSizeF(big.pointSizeF() * 1.6);
    big.setBold(true);
    m_value->setFont(big);
    m_caption->setForegroundRole(QPalette::PlaceholderText);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(12, 8, 12, 8);
    layout->setSpacing(2);
    layout->addWidget(m_value);
    layout->addWidget(m_caption);
}

void StatTile::setValue(const QString &value, const QString &detail)
{
    m_value->setText(value);
    setToolTip(detail);
}

QString StatTile::value() const
{
    return m_value->text();
}

} // namespace canopy::ui
