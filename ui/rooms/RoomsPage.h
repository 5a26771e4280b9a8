#pragma once

#include "admin/AdminService.h"

#include <QPointer>
#include <QWidget>

class QLabel;
class QPushButton;
class QSortFilterProxyModel;
class QTableView;

namespace canopy::ui {

class PresenceModel;
class RoomsModel;

// The rooms sessions hold now, of every kind and protocol, with their members. For an
// ephemeral room (%EPH presence, %EPS persisted store) the pane beside it lists the entries the
// host holds: key, value, age (ticking), deleted. Stored rooms link to the Documents page.
class RoomsPage final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(RoomsPage)

public:
    RoomsPage(RoomsModel *rooms, QWidget *parent = nullptr);

    void setAdmin(AdminService *admin);
    // Shows `name` of `kind`: selected in the list when someone holds it, else its entries
    // alone (a persisted store the host still has loaded).
    void selectRoom(const QString &kind, const QString &name);

    QTableView *roomsView() const { return m_view; }
    QTableView *presenceView() const { return m_presenceView; }
    PresenceModel *presenceModel() const { return m_presence; }
    QString detailTitle() const;
    QString membersText() const;

Q_SIGNALS:
    void showDocumentRequested(const QString &kind, const QString &name);

private:
    void showSelected();
    void showRoom(const QString &kind, const QString &name);
    void updateTitle();

    QPointer<AdminService> m_admin;
    RoomsModel *m_rooms;
    PresenceModel *m_presence;
    QSortFilterProxyModel *m_proxy;
    QSortFilterProxyModel *m_presenceProxy;
    QTableView *m_view;
    QTableView *m_presenceView;
    QLabel *m_title;
    QLabel *m_note;
    QLabel *m_members;
    QPushButton *m_document;
    QString m_kind; // the room shown
    QString m_name;
};

} // namespace canopy::ui
