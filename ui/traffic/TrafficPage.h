#pragma once

#include <QWidget>

class QComboBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QTableView;

namespace canopy::ui {

class FrameDetailView;
class TrafficFilterModel;
class TrafficModel;

// The live frame log: pausable, filterable, with a detail pane for the selected frame. While
// new rows arrive the view follows the tail, unless the operator scrolled away from it.
class TrafficPage final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(TrafficPage)

public:
    explicit TrafficPage(TrafficModel *traffic, QWidget *parent = nullptr);

    QTableView *trafficView() const { return m_view; }
    TrafficFilterModel *filterModel() const { return m_proxy; }
    FrameDetailView *detailView() const { return m_detail; }
    QPushButton *pauseButton() const { return m_pause; }
    QString countsText() const;

    void setDidFilter(const QString &did);
    void setEntityFilter(const QString &entity);
    void setTypeFilter(const QString &type);

private:
    void updateCounts();
    void showSelected();

    TrafficModel *m_traffic;
    TrafficFilterModel *m_proxy;
    QTableView *m_view;
    FrameDetailView *m_detail;
    QPushButton *m_pause;
    QPushButton *m_clear;
    QLineEdit *m_did;
    QLineEdit *m_entity;
    QComboBox *m_type;
    QLabel *m_counts;
    bool m_following = true;
};

} // namespace canopy::ui
