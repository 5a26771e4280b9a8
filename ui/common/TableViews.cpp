#include "common/TableViews.h"

#include <QHeaderView>
#include <QTableView>

namespace canopy::ui {

void TableViews::setUp(QTableView *view, QAbstractItemModel *model, bool sortable)
{
    view->setModel(model);
    view->setSelectionBehavior(QAbstractItemView::SelectRows);
    view->setSelectionMode(QAbstractItemView::SingleSelection);
    view->setAlternatingRowColors(true);
    view->setSortingEnabled(sortable);
    view->setWordWrap(false);
    view->setTextElideMode(Qt::ElideMiddle); // DIDs and entity ids differ at both ends
    view->setEditTriggers(QAbstractItemView::NoEditTriggers);
    view->verticalHeader()->hide();
    // Never ResizeToContents: it measures every row on every change.
    view->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    view->verticalHeader()->setDefaultSectionSize(view->fontMetrics().height() + 8);
    view->horizontalHeader()->setStretchLastSection(true);
    view->horizontalHeader()->setHighlightSections(false);
}

void TableViews::setColumnWidths(QTableView *view, const QList<int> &widths)
{
    for (int i = 0; i < widths.size(); ++i)
        view->setColumnWidth(i, widths.at(i));
}

} // namespace canopy::ui
