#include "rooms/RoomsPage.h"

#include "common/TableViews.h"
#include "documents/DocumentsModel.h"
#include "rooms/PresenceModel.h"
#include "rooms/RoomsModel.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QTableView>
#include <QVBoxLayout>

namespace canopy::ui {

RoomsPage::RoomsPage(RoomsModel *rooms, QWidget *parent)
    : QWidget(parent)
    , m_rooms(rooms)
    , m_presence(new PresenceModel(this))
    , m_proxy(new QSortFilterProxyModel(this))
    , m_presenceProxy(new QSortFilterProxyModel(this))
    , m_view(new QTableView(this))
    , m_presenceView(new QTableView(this))
    , m_title(new QLabel(this))
    , m_note(new QLabel(this))
    , m_members(new QLabel(this))
    , m_document(new QPushButton(tr("Show document"), this))
{
    m_proxy->setSourceModel(rooms);
    m_proxy->setSortRole(RoomsModel::SortRole);
    m_presenceProxy->setSourceModel(m_presence);
    m_presenceProxy->setSortRole(PresenceModel::SortRole);
    TableViews::setUp(m_view, m_proxy);
    m_view->sortByColumn(RoomsModel::Kind, Qt::AscendingOrder);
    TableViews::setColumnWidths(m_view, {150, 80});
    TableViews::setUp(m_presenceView, m_presenceProxy);
    m_presenceView->sortByColumn(PresenceModel::Key, Qt::AscendingOrder);
    TableViews::setColumnWidths(m_presenceView, {200, 80, 80});

    QFont bold = m_title->font();
    bold.setBold(true);
    m_title->setFont(bold);
    m_title->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_note->setWordWrap(true);
    m_members->setWordWrap(true);
    m_members->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_document->setToolTip(tr("The stored document of this room, on the Documents page"));
    connect(m_document, &QPushButton::clicked, this,
        [this] { Q_EMIT showDocumentRequested(m_kind, m_name); });

    auto *right = new QWidget(this);
    auto *rightLayout = new QVBoxLayout(right);
    rightLayout->setContentsMargins(0, 0, 0, 0);
    auto *header = new QHBoxLayout;
    header->addWidget(m_title, 1);
    header->addWidget(m_document);
    rightLayout->addLayout(header);
    rightLayout->addWidget(m_note);
    rightLayout->addWidget(m_members);
    rightLayout->addWidget(m_presenceView, 1);

    auto *splitter = new QSplitter(Qt::Horizontal, this);
    splitter->addWidget(m_view);
    splitter->addWidget(right);
    splitter->setStretchFactor(0, 2);
    splitter->setStretchFactor(1, 3);
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(splitter);

    connect(m_view->selectionModel(), &QItemSelectionModel::selectionChanged, this,
        &RoomsPage::showSelected);
    // The title counts the entries and says whether anyone holds the room.
    for (QAbstractItemModel *model : {static_cast<QAbstractItemModel *>(m_presence),
             static_cast<QAbstractItemModel *>(m_rooms)}) {
        connect(model, &QAbstractItemModel::rowsInserted, this, &RoomsPage::updateTitle);
        connect(model, &QAbstractItemModel::rowsRemoved, this, &RoomsPage::updateTitle);
        connect(model, &QAbstractItemModel::modelReset, this, &RoomsPage::updateTitle);
    }
    showRoom({}, {});
}

void RoomsPage::setAdmin(AdminService *admin)
{
    m_admin = admin;
    m_presence->setAdmin(admin);
    if (!admin)
        showRoom({}, {});
}

QString RoomsPage::detailTitle() const
{
    return m_title->text();
}

QString RoomsPage::membersText() const
{
    return m_members->text();
}

void RoomsPage::selectRoom(const QString &kind, const QString &name)
{
    m_rooms->reload(); // a join of a moment ago may still wait for its flush
    const int row = m_rooms->rowOf(kind, name);
    if (row >= 0) {
        const QModelIndex index = m_proxy->mapFromSource(m_rooms->index(row, 0));
        m_view->setCurrentIndex(index);
        m_view->selectRow(index.row());
        m_view->scrollTo(index);
    } else {
        m_view->clearSelection();
    }
    showRoom(kind, name);
}

void RoomsPage::showSelected()
{
    const QModelIndexList rows = m_view->selectionModel()->selectedRows();
    if (rows.isEmpty())
        return; // keep what selectRoom() may have shown without a row
    showRoom(rows.first().data(RoomsModel::KindRole).toString(),
        rows.first().data(RoomsModel::NameRole).toString());
}

void RoomsPage::showRoom(const QString &kind, const QString &name)
{
    const bool ephemeral = RoomsModel::isEphemeral(kind);
    m_presence->setRoom(ephemeral ? kind : QString(), ephemeral ? name : QString());
    m_presenceView->setVisible(ephemeral);
    // %EPH and Yjs awareness live in memory only; the others are stored documents.
    m_document->setVisible(!name.isEmpty() && kind != u"eph" && kind != u"yaw");
    if (name.isEmpty()) {
        m_note->setText(tr("Select a room. An ephemeral one (presence) lists the entries its "
                           "members broadcast, as the host holds them now."));
    } else if (!ephemeral) {
        m_note->setText(tr("A stored document: its history is on the Documents page."));
    } else {
        if (kind == u"yaw")
            m_note->setText(tr("Yjs awareness: each client's latest state (by its clock), in "
                               "memory only. A state not renewed within 30 s expires; a client's "
                               "states leave with its connection."));
        else
            m_note->setText(kind == u"eph"
                    ? tr("Presence: each member's entries, merged per key, in memory only. An "
                         "entry not refreshed within its timeout expires.")
                    : tr("A persisted ephemeral store: the latest entry per key, kept for "
                         "members that join later."));
    }
    m_kind = kind;
    m_name = name;
    updateTitle();
}

void RoomsPage::updateTitle()
{
    const int row = m_rooms->rowOf(m_kind, m_name);
    m_members->setText(row < 0
            ? QString()
            : tr("Members: %1").arg(m_rooms->rowAt(row).members.join(QStringLiteral("; "))));
    m_members->setVisible(row >= 0);
    if (m_name.isEmpty()) {
        m_title->setText(tr("No room selected"));
        return;
    }
    QString text = tr("%1 · %2").arg(m_name, DocumentsModel::kindName(m_kind));
    if (RoomsModel::isEphemeral(m_kind))
        text += QStringLiteral(" — ") + tr("%n entry(s)", nullptr, m_presence->rowCount());
    if (row < 0)
        text += QStringLiteral(" — ") + tr("nobody has joined it now");
    m_title->setText(text);
}

} // namespace canopy::ui
