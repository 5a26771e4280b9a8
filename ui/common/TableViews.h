#pragma once

#include <QList>

class QAbstractItemModel;
class QTableView;

namespace canopy::ui {

// The one look every table shares: row selection, fixed row heights (so 20 000 rows lay out in
// constant time), sorting through the proxy, last column stretched.
class TableViews final
{
public:
    static void setUp(QTableView *view, QAbstractItemModel *model, bool sortable = true);
    static void setColumnWidths(QTableView *view, const QList<int> &widths);
};

} // namespace canopy::ui
