#include "traffic/TrafficPage.h"

#include "common/Format.h"
#include "common/TableViews.h"
#include "traffic/FrameDetailView.h"
#include "traffic/TrafficFilterModel.h"
#include "traffic/TrafficModel.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QScrollBar>
#include <QSplitter>
#include <QStandardItemModel>
#include <QTableView>
#include <QTimer>
#include <QVBoxLayout>

namespace canopy::ui {

TrafficPage::TrafficPage(TrafficModel *traffic, QWidget *parent)
    : QWidget(parent)
    , m_traffic(traffic)
    , m_proxy(new TrafficFilterModel(this))
    , m_view(new QTableView(this))
    , m_detail(new FrameDetailView(this))
    , m_pause(new QPushButton(tr("Pause"), this))
    , m_clear(new QPushButton(tr("Clear"), this))
    , m_did(new QLineEdit(this))
    , m_entity(new QLineEdit(this))
    , m_type(new QComboBox(this))
    , m_counts(new QLabel(this))
{
    m_proxy->setSourceModel(traffic);
    // Sorting would reorder 20 000 rows ten times a second; the log stays in arrival order.
    TableViews::setUp(m_view, m_proxy, false);
    TableViews::setColumnWidths(m_view, {100, 70, 60, 240, 60, 120, 80});

    m_pause->setCheckable(true);
    m_pause->setToolTip(tr("Hold the list still; frames keep being captured meanwhile"));
    connect(m_pause, &QPushButton::toggled, this, [this](bool paused) {
        m_traffic->setPaused(paused);
        m_pause->setText(paused ? tr("Resume") : tr("Pause"));
        updateCounts();
    });
    connect(m_clear, &QPushButton::clicked, this, [this] {
        m_traffic->clear();
        m_detail->clear();
    });

    m_did->setPlaceholderText(tr("DID"));
    m_did->setClearButtonEnabled(true);
    m_entity->setPlaceholderText(tr("Entity or room"));
    m_entity->setClearButtonEnabled(true);
    m_type->addItem(tr("All messages"), QString());
    // The message types of every protocol, each under a heading that cannot be chosen.
    auto *types = qobject_cast<QStandardItemModel *>(m_type->model());
    auto addSection
        = [this, types](const QString &heading, std::initializer_list<const char *> names) {
              m_type->insertSeparator(m_type->count());
              m_type->addItem(heading);
              if (QStandardItem *item = types ? types->item(m_type->count() - 1) : nullptr) {
                  item->setEnabled(false);
                  QFont bold = item->font();
                  bold.setBold(true);
                  item->setFont(bold);
              }
              for (const char *name : names)
                  m_type->addItem(QString::fromLatin1(name), QString::fromLatin1(name));
          };
    addSection(QStringLiteral("Sync1"),
        {"subscribe", "unsubscribe", "sendUpdate", "handleUpdate", "text"});
    addSection(QStringLiteral("loro-protocol"),
        {"joinRequest", "joinResponseOk", "joinError", "docUpdate", "fragmentHeader", "fragment",
            "roomError", "leave", "ack", "ping", "pong"});
    addSection(QStringLiteral("y-websocket, Hocuspocus"),
        {"syncStep1", "syncStep2", "update", "awareness", "queryAwareness", "auth", "authenticated",
            "permissionDenied", "tokenRequest", "stateless", "close", "syncStatus"});
    connect(m_did, &QLineEdit::textChanged, m_proxy, &TrafficFilterModel::setDid);
    connect(m_entity, &QLineEdit::textChanged, m_proxy, &TrafficFilterModel::setEntity);
    connect(m_type, &QComboBox::currentIndexChanged, this,
        [this] { m_proxy->setType(m_type->currentData().toString()); });

    auto *bar = new QHBoxLayout;
    bar->addWidget(m_pause);
    bar->addWidget(m_clear);
    bar->addSpacing(12);
    bar->addWidget(new QLabel(tr("Filter:"), this));
    bar->addWidget(m_did, 2);
    bar->addWidget(m_entity, 3);
    bar->addWidget(m_type, 1);
    bar->addSpacing(12);
    bar->addWidget(m_counts);

    auto *splitter = new QSplitter(Qt::Vertical, this);
    splitter->addWidget(m_view);
    splitter->addWidget(m_detail);
    splitter->setStretchFactor(0, 3);
    splitter->setStretchFactor(1, 2);

    auto *layout = new QVBoxLayout(this);
    layout->addLayout(bar);
    layout->addWidget(splitter, 1);

    // Follow the tail only while the operator is at the bottom.
    connect(m_view->verticalScrollBar(), &QScrollBar::valueChanged, this,
        [this](int value) { m_following = value >= m_view->verticalScrollBar()->maximum() - 2; });
    connect(m_proxy, &QAbstractItemModel::rowsInserted, this, [this] {
        if (m_following && !m_traffic->isPaused())
            m_view->scrollToBottom();
        updateCounts();
    });
    connect(m_traffic, &TrafficModel::countsChanged, this, &TrafficPage::updateCounts);
    connect(m_proxy, &QAbstractItemModel::rowsRemoved, this, &TrafficPage::updateCounts);
    connect(m_proxy, &QAbstractItemModel::modelReset, this, &TrafficPage::updateCounts);
    // Paused, the model emits nothing; the waiting count still moves, twice a second.
    auto *pausedTicker = new QTimer(this);
    pausedTicker->setInterval(500);
    connect(pausedTicker, &QTimer::timeout, this, &TrafficPage::updateCounts);
    connect(m_pause, &QPushButton::toggled, pausedTicker,
        [pausedTicker](bool paused) { paused ? pausedTicker->start() : pausedTicker->stop(); });
    connect(m_view->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
        &TrafficPage::showSelected);
    updateCounts();
}

QString TrafficPage::countsText() const
{
    return m_counts->text();
}

void TrafficPage::setDidFilter(const QString &did)
{
    m_did->setText(did);
}

void TrafficPage::setEntityFilter(const QString &entity)
{
    m_entity->setText(entity);
}

void TrafficPage::setTypeFilter(const QString &type)
{
    const int index = m_type->findData(type);
    m_type->setCurrentIndex(index < 0 ? 0 : index);
}

void TrafficPage::updateCounts()
{
    QString text
        = tr("%1 of %2 frames kept")
              .arg(Format::count(m_traffic->rowCount()), Format::count(m_traffic->capacity()));
    if (m_proxy->isFiltering())
        text = tr("%1 shown · ").arg(Format::count(m_proxy->rowCount())) + text;
    if (m_traffic->dropped() > 0)
        text += tr(" · %1 dropped").arg(Format::count(qint64(m_traffic->dropped())));
    if (m_traffic->isPaused() && m_traffic->pendingCount() > 0)
        text += tr(" · %1 waiting").arg(Format::count(m_traffic->pendingCount()));
    m_counts->setText(text);
}

void TrafficPage::showSelected()
{
    const QModelIndex current = m_proxy->mapToSource(m_view->currentIndex());
    if (!current.isValid()) {
        m_detail->clear();
        return;
    }
    const TrafficModel::Row &row = m_traffic->rowAt(current.row());
    std::optional<LoroProtocolMessage> header;
    if (row.summary.type == u"fragment")
        header = m_traffic->fragmentHeaderFor(current.row());
    m_detail->showFrame(row.frame.bytes, row.frame.text, row.protocol, row.size, row.truncated,
        header ? &*header : nullptr, row.frame.direction == TrafficFrame::Direction::Out);
}

} // namespace canopy::ui
