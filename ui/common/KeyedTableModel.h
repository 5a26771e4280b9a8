#pragma once

#include <QAbstractTableModel>
#include <QHash>
#include <QList>

namespace canopy::ui {

// A table of rows with a stable key. replaceRows() brings the table to a fresh list with
// removals, in-place changes and appends instead of a reset, so a reload keeps the view's
// selection and scroll position. Row order is arrival order; views sort through a proxy.
template <typename Row> class KeyedTableModel : public QAbstractTableModel
{
public:
    int rowCount(const QModelIndex &parent = {}) const override
    {
        return parent.isValid() ? 0 : int(m_rows.size());
    }

    const Row &rowAt(int row) const { return m_rows.at(row); }
    const QList<Row> &rows() const { return m_rows; }

    int rowOf(const QString &key) const
    {
        for (int i = 0; i < m_rows.size(); ++i) {
            if (keyOf(m_rows.at(i)) == key)
                return i;
        }
        return -1;
    }

protected:
    using QAbstractTableModel::QAbstractTableModel;

    virtual QString keyOf(const Row &row) const = 0;
    virtual bool sameRow(const Row &a, const Row &b) const = 0;

    void replaceRows(const QList<Row> &fresh)
    {
        QHash<QString, qsizetype> freshIndex;
        freshIndex.reserve(fresh.size());
        for (qsizetype i = 0; i < fresh.size(); ++i)
            freshIndex.insert(keyOf(fresh.at(i)), i);

        // Removals from the back, one signal per contiguous run.
        for (qsizetype i = m_rows.size() - 1; i >= 0;) {
            if (freshIndex.contains(keyOf(m_rows.at(i)))) {
                --i;
                continue;
            }
            qsizetype first = i;
            while (first > 0 && !freshIndex.contains(keyOf(m_rows.at(first - 1))))
                --first;
            beginRemoveRows({}, int(first), int(i));
            m_rows.remove(first, i - first + 1);
            endRemoveRows();
            i = first - 1;
        }

        // In-place changes: one dataChanged spanning the changed rows.
        QHash<QString, bool> present;
        int top = -1;
        int bottom = -1;
        for (qsizetype i = 0; i < m_rows.size(); ++i) {
            const QString key = keyOf(m_rows.at(i));
            present.insert(key, true);
            const Row &next = fresh.at(freshIndex.value(key));
            if (!sameRow(m_rows.at(i), next)) {
                m_rows[i] = next;
                if (top < 0)
                    top = int(i);
                bottom = int(i);
            }
        }
        if (top >= 0)
            Q_EMIT this->dataChanged(this->index(top, 0), this->index(bottom, columnCount() - 1));

        QList<Row> added;
        for (const Row &row : fresh) {
            if (!present.contains(keyOf(row)))
                added.append(row);
        }
        if (!added.isEmpty()) {
            beginInsertRows({}, int(m_rows.size()), int(m_rows.size() + added.size() - 1));
            m_rows.append(added);
            endInsertRows();
        }
    }

    void clearRows()
    {
        if (m_rows.isEmpty())
            return;
        beginRemoveRows({}, 0, int(m_rows.size() - 1));
        m_rows.clear();
        endRemoveRows();
    }

    QList<Row> m_rows;
};

} // namespace canopy::ui
