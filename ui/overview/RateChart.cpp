#include "overview/RateChart.h"

#include <algorithm>
#include <cmath>

#include <QChart>
#include <QDateTimeAxis>
#include <QLegend>
#include <QLineSeries>
#include <QValueAxis>

namespace canopy::ui {

RateChart::RateChart(const QString &title, Unit unit, QWidget *parent)
    : QChartView(parent)
    , m_title(title)
    , m_unit(unit)
    , m_x(new QDateTimeAxis)
    , m_y(new QValueAxis)
{
    auto *chart = new QChart;
    chart->setTitle(title);
    chart->setMargins(QMargins(4, 4, 4, 4));
    chart->setBackgroundRoundness(4);
    chart->legend()->setAlignment(Qt::AlignBottom);
    chart->setAnimationOptions(QChart::NoAnimation);
    m_x->setFormat(QStringLiteral("HH:mm"));
    m_x->setTickCount(4);
    m_y->setLabelFormat(unit == Unit::Count ? QStringLiteral("%d") : QStringLiteral("%.3g"));
    m_y->setMin(0);
    m_y->setMax(unit == Unit::Count ? 4 : 10);
    m_y->setTickCount(5);
    chart->addAxis(m_x, Qt::AlignBottom);
    chart->addAxis(m_y, Qt::AlignLeft);
    setChart(chart);
    setRenderHint(QPainter::Antialiasing);
    setMinimumHeight(180);
    const QDateTime now = QDateTime::currentDateTime();
    m_x->setRange(now.addSecs(-MinimumSpanSeconds), now);
}

int RateChart::addSeries(const QString &name, const QColor &color)
{
    auto *series = new QLineSeries;
    series->setName(name);
    QPen pen(color);
    pen.setWidthF(1.6);
    series->setPen(pen);
    chart()->addSeries(series);
    series->attachAxis(m_x);
    series->attachAxis(m_y);
    m_series.append(series);
    m_values.append(QList<double>(m_times.size(), 0.0));
    chart()->legend()->setVisible(m_series.size() > 1);
    return int(m_series.size() - 1);
}

void RateChart::append(const QDateTime &at, const QList<double> &values)
{
    m_times.append(at);
    for (qsizetype i = 0; i < m_values.size(); ++i)
        m_values[i].append(i < values.size() ? values.at(i) : 0.0);
    // Keep one sample beyond the window so the line enters from the left edge.
    const QDateTime oldest = at.addSecs(-WindowSeconds - 1);
    qsizetype drop = 0;
    while (drop < m_times.size() && m_times.at(drop) < oldest)
        ++drop;
    if (drop > 0) {
        m_times.remove(0, drop);
        for (QList<double> &series : m_values)
            series.remove(0, drop);
    }
    redraw();
}

void RateChart::clear()
{
    m_times.clear();
    for (QList<double> &series : m_values)
        series.clear();
    redraw();
}

void RateChart::redraw()
{
    double peak = 0;
    for (const QList<double> &series : std::as_const(m_values)) {
        for (double v : series)
            peak = std::max(peak, v);
    }
    double scale = 1;
    QString unitName;
    switch (m_unit) {
    case Unit::Count:
        unitName = tr("connections");
        break;
    case Unit::PerSecond:
        unitName = tr("frames/s");
        break;
    case Unit::BytesPerSecond:
        if (peak >= 1024.0 * 1024) {
            scale = 1024.0 * 1024;
            unitName = tr("MiB/s");
        } else if (peak >= 1024.0) {
            scale = 1024.0;
            unitName = tr("KiB/s");
        } else {
            unitName = tr("B/s");
        }
        break;
    }
    m_y->setTitleText(unitName);
    for (qsizetype s = 0; s < m_series.size(); ++s) {
        QList<QPointF> points;
        points.reserve(m_times.size());
        for (qsizetype i = 0; i < m_times.size(); ++i)
            points.append(
                QPointF(qreal(m_times.at(i).toMSecsSinceEpoch()), m_values.at(s).at(i) / scale));
        m_series.at(s)->replace(points);
    }
    // A "nice" ceiling and tick count keep the labels round: multiples of four connections
    // (five ticks); 1, 2 or 5 times a power of ten for rates, split in fifths or quarters.
    const double top = peak / scale * 1.1;
    double ceiling = m_unit == Unit::Count ? 4 : 10;
    int ticks = 5;
    if (m_unit == Unit::Count) {
        ceiling = std::max(4.0, std::ceil(top / 4) * 4);
    } else {
        const double magnitude = top > 1 ? std::pow(10.0, std::floor(std::log10(top))) : 1.0;
        for (double step : {1.0, 2.0, 5.0, 10.0}) {
            if (step * magnitude >= top || step == 10.0) {
                ceiling = step * magnitude;
                ticks = step == 2.0 ? 5 : 6;
                break;
            }
        }
    }
    m_y->setTickCount(ticks);
    if (m_unit != Unit::Count)
        m_y->setLabelFormat(ceiling < 10 ? QStringLiteral("%.1f") : QStringLiteral("%.0f"));
    m_y->setRange(0, ceiling);
    // A young host spreads what it has over the width (at least a minute), so the first
    // minutes are not a sliver at the right edge.
    const QDateTime now = m_times.isEmpty() ? QDateTime::currentDateTime() : m_times.last();
    const qint64 span = m_times.isEmpty()
        ? MinimumSpanSeconds
        : qBound(qint64(MinimumSpanSeconds), m_times.first().secsTo(now), qint64(WindowSeconds));
    m_x->setRange(now.addSecs(-span), now);
    m_x->setFormat(span > 120 ? QStringLiteral("HH:mm") : QStringLiteral("HH:mm:ss"));
}

} // namespace canopy::ui
