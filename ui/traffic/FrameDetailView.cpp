#include "traffic/FrameDetailView.h"

#include "common/Format.h"

#include <QFontDatabase>
#include <QHeaderView>
#include <QLabel>
#include <QPlainTextEdit>
#include <QTabWidget>
#include <QTreeWidget>
#include <QVBoxLayout>

namespace canopy::ui {

FrameDetailView::FrameDetailView(QWidget *parent)
    : QWidget(parent)
    , m_tabs(new QTabWidget(this))
    , m_status(new QLabel(this))
    , m_tree(new QTreeWidget(this))
    , m_hex(new QPlainTextEdit(this))
    , m_loro(new QLabel(this))
    , m_blocks(new QTreeWidget(this))
{
    const QFont fixed = QFontDatabase::systemFont(QFontDatabase::FixedFont);
    m_status->setWordWrap(true);
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);

    m_tree->setHeaderLabels({tr("Key"), tr("Type"), tr("Value")});
    m_tree->setUniformRowHeights(true);
    m_tree->header()->resizeSection(0, 180);
    m_tree->header()->resizeSection(1, 70);

    m_hex->setReadOnly(true);
    m_hex->setFont(fixed);
    m_hex->setLineWrapMode(QPlainTextEdit::NoWrap);

    m_loro->setWordWrap(true);
    m_loro->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_loro->setAlignment(Qt::AlignTop | Qt::AlignLeft);
    m_blocks->setHeaderLabels(
        {tr("Author peer"), tr("Counters"), tr("Lamports"), tr("Changes"), tr("Size")});
    m_blocks->setRootIsDecorated(false);
    m_blocks->setUniformRowHeights(true);
    m_blocks->header()->resizeSection(0, 170);

    auto *loroPage = new QWidget(this);
    auto *loroLayout = new QVBoxLayout(loroPage);
    loroLayout->setContentsMargins(4, 4, 4, 4);
    loroLayout->addWidget(m_loro);
    loroLayout->addWidget(m_blocks, 1);

    m_tabs->addTab(m_tree, tr("Message"));
    m_tabs->addTab(m_hex, tr("Hex"));
    m_tabs->addTab(loroPage, tr("Loro"));

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_status);
    layout->addWidget(m_tabs, 1);
    clear();
}

void FrameDetailView::clear()
{
    m_status->setText(tr("Select a frame to see what it carries."));
    m_tree->clear();
    m_hex->clear();
    m_loro->clear();
    m_blocks->clear();
}

QString FrameDetailView::loroSummary() const
{
    return m_loro->text();
}

void FrameDetailView::addNode(QTreeWidgetItem *parent, const MsgpackNode &node)
{
    auto *item = new QTreeWidgetItem(parent);
    item->setText(0, node.key);
    item->setText(1, MsgpackTree::kindName(node.kind));
    QString value = node.text;
    if (node.kind == MsgpackNode::Kind::Bin || node.kind == MsgpackNode::Kind::Ext) {
        // The first bytes identify a payload ("loro" magic); the hex tab has the rest.
        value += QStringLiteral("  ") + QString::fromLatin1(node.bytes.left(24).toHex(' '));
        if (node.bytes.size() > 24)
            value += QStringLiteral(" …");
    }
    item->setText(2, value);
    for (const MsgpackNode &child : node.children)
        addNode(item, child);
}

void FrameDetailView::showFrame(
    const QByteArray &bytes, bool text, qsizetype wireSize, bool truncated)
{
    m_tree->clear();
    m_blocks->clear();
    const FrameDetail detail = FrameDecoder::decode(bytes, text);

    QStringList status;
    status.append(tr("%n byte(s) on the wire", nullptr, int(wireSize)));
    if (truncated)
        status.append(tr("only the first %1 were kept").arg(Format::bytes(bytes.size())));
    if (text)
        status.append(tr("a text frame: Sync1 ignores these"));
    else if (!detail.syncError.isEmpty())
        status.append(tr("not a valid Sync1 message (%1)").arg(detail.syncError));
    else
        status.append(tr("a valid Sync1 %1 message").arg(detail.summary.type));
    m_status->setText(status.join(QStringLiteral(" · ")));

    if (text) {
        auto *item = new QTreeWidgetItem(m_tree);
        item->setText(0, tr("(text)"));
        item->setText(1, QStringLiteral("str"));
        item->setText(2, QString::fromUtf8(bytes.left(4096)));
    } else if (detail.msgpackOk) {
        auto *root = new QTreeWidgetItem(m_tree);
        root->setText(0, tr("(frame)"));
        root->setText(1, MsgpackTree::kindName(detail.tree.kind));
        root->setText(2, detail.tree.text);
        for (const MsgpackNode &child : detail.tree.children)
            addNode(root, child);
        m_tree->expandToDepth(1);
    } else {
        auto *item = new QTreeWidgetItem(m_tree);
        item->setText(0, tr("(not msgpack)"));
        item->setText(2, detail.msgpackError);
    }

    m_hex->setPlainText(FrameDecoder::hexDump(bytes, HexLimit));
    showPayload(detail);
}

void FrameDetailView::showPayload(const FrameDetail &detail)
{
    if (!detail.hasPayload) {
        m_loro->setText(tr("This message carries no Loro payload."));
        return;
    }
    const LoroPayload &p = detail.payload;
    QStringList lines;
    if (p.field == u"versionVector") {
        lines.append(tr("<b>versionVector</b>, %n byte(s)", nullptr, int(p.size)));
        if (!p.parsed)
            lines.append(tr("Cannot decode: %1").arg(p.error.toHtmlEscaped()));
        else
            lines.append(tr("%n peer(s) known to the client", nullptr, int(p.version.size())));
        for (const auto &[peer, counter] : p.version) {
            auto *item = new QTreeWidgetItem(m_blocks);
            item->setText(0, Format::peer(peer));
            item->setText(1, tr("up to %1").arg(counter));
        }
        m_loro->setText(lines.join(QStringLiteral("<br>")));
        return;
    }
    lines.append(tr("<b>%1</b>, %n byte(s)", nullptr, int(p.size)).arg(p.field));
    lines.append(tr("Mode: %1").arg(p.modeName));
    lines.append(tr("Checksum: %1").arg(FrameDecoder::checksumText(p.checksum)));
    if (p.parsed) {
        lines.append(tr("Parsed: %n change block(s)", nullptr, int(p.blocks.size())));
    } else {
        lines.append(
            tr("<span style='color:#b02020'>Parse failed: %1</span>").arg(p.error.toHtmlEscaped()));
    }
    m_loro->setText(lines.join(QStringLiteral("<br>")));
    // Ranges are half-open in the format; shown inclusive, as people count.
    auto range = [](quint32 start, quint32 end) {
        return end <= start + 1 ? QString::number(start)
                                : QStringLiteral("%1–%2").arg(start).arg(end - 1);
    };
    for (const LoroBlockRange &block : p.blocks) {
        auto *item = new QTreeWidgetItem(m_blocks);
        item->setText(0, Format::peer(block.peer));
        item->setToolTip(0, QString::number(block.peer));
        item->setText(1, range(block.counterStart, block.counterEnd));
        item->setText(2, range(block.lamportStart, block.lamportEnd));
        item->setText(3, QString::number(block.changeCount));
        item->setText(4, Format::bytes(block.size));
    }
}

} // namespace canopy::ui
