#pragma once

#include <QChartView>
#include <QColor>
#include <QDateTime>
#include <QList>
#include <QPointF>

class QDateTimeAxis;
class QLineSeries;
class QValueAxis;

namespace canopy::ui {

// A small live line chart of the last few minutes: one sample per series per second. Points are
// replaced in one call per sample, so the chart costs one repaint a second.
class RateChart final : public QChartView
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(RateChart)

public:
    enum class Unit
    {
        Count, // connections: whole numbers
        PerSecond, // frames/s
        BytesPerSecond, // scaled to B/s, KiB/s or MiB/s as the window's peak needs
    };
    static constexpr int WindowSeconds = 300;
    static constexpr int MinimumSpanSeconds = 60;

    RateChart(const QString &title, Unit unit, QWidget *parent = nullptr);

    int addSeries(const QString &name, const QColor &color);
    void append(const QDateTime &at, const QList<double> &values); // one value per series
    void clear();
    qsizetype sampleCount() const { return m_times.size(); }

private:
    void redraw();

    QString m_title;
    Unit m_unit;
    QDateTimeAxis *m_x;
    QValueAxis *m_y;
    QList<QLineSeries *> m_series;
    QList<QList<double>> m_values; // per series, aligned with m_times
    QList<QDateTime> m_times;
};

} // namespace canopy::ui
