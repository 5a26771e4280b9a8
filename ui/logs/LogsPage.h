#pragma once

#include <QWidget>

class QComboBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QTableView;

namespace canopy::ui {

class LogFilterModel;
class LogModel;

// The event log with level, category and DID filters, a text search, and export of what the
// filters let through (JSON lines, the same shape the headless host writes to stderr).
class LogsPage final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(LogsPage)

public:
    explicit LogsPage(LogModel *log, QWidget *parent = nullptr);

    QTableView *logView() const { return m_view; }
    LogFilterModel *filterModel() const { return m_proxy; }
    void setMinimumLevel(int rank);
    void setCategory(const QString &category);
    void setDidFilter(const QString &did);
    void setSearchText(const QString &text);

    bool exportTo(const QString &path, QString *error = nullptr) const; // the filtered rows
    void askExport();

Q_SIGNALS:
    void statusMessage(const QString &message);

private:
    void updateCategories(const QStringList &categories);
    void updateCount();

    LogModel *m_log;
    LogFilterModel *m_proxy;
    QTableView *m_view;
    QComboBox *m_level;
    QComboBox *m_category;
    QLineEdit *m_did;
    QLineEdit *m_search;
    QPushButton *m_export;
    QLabel *m_count;
    bool m_following = true;
};

} // namespace canopy::ui
