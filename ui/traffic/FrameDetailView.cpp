#include "traffic/FrameDetailView.h"

#include "common/Format.h"

#include <QDateTime>
#include <QFontDatabase>
#include <QHeaderView>
#include <QLabel>
#include <QPlainTextEdit>
#include <QTabWidget>
#include <QTreeWidget>
#include <QVBoxLayout>

namespace canopy::ui {
namespace {

using Message = LoroProtocolMessage;

// Ranges are half-open in the formats; shown inclusive, as people count.
QString range(quint32 start, quint32 end)
{
    return end <= start + 1
        ? QString::number(start)
        : QStringLiteral("%1–%2").arg(QString::number(start), QString::number(end - 1));
}

QTreeWidgetItem *addField(QTreeWidgetItem *parent, const QString &key, const QString &type,
    const QString &value, const QString &toolTip = {})
{
    auto *item = new QTreeWidgetItem(parent);
    item->setText(0, key);
    item->setText(1, type);
    item->setText(2, value);
    if (!toolTip.isEmpty())
        item->setToolTip(2, toolTip);
    return item;
}

QString hexCode(quint8 code)
{
    return QStringLiteral("0x%1").arg(code, 2, 16, QLatin1Char('0'));
}

QString firstBytes(const QByteArray &bytes)
{
    QString out = QString::fromLatin1(bytes.left(24).toHex(' '));
    if (bytes.size() > 24)
        out += QStringLiteral(" …");
    return out;
}

QString timestampText(qint64 ms)
{
    return Format::dateTime(QDateTime::fromMSecsSinceEpoch(ms, Qt::UTC));
}

// Yjs clocks are up to 2^53; the same inclusive display as range().
QString clockRange(quint64 start, quint64 end)
{
    return end <= start + 1
        ? QString::number(start)
        : QStringLiteral("%1–%2").arg(QString::number(start), QString::number(end - 1));
}

QString deleteRangesText(const QList<yjs::DeleteRange> &ranges)
{
    QStringList parts;
    for (const yjs::DeleteRange &r : ranges)
        parts.append(clockRange(r.clock, r.clock + r.length));
    return parts.join(QStringLiteral(", "));
}

// One V1 update in a line: what the Message tab says of a payload.
QString updateBrief(const YjsUpdatePayload &p)
{
    if (!p.parsed)
        return p.error;
    return FrameDetailView::tr("%n struct(s)", nullptr, int(p.structCount())) + QStringLiteral(", ")
        + FrameDetailView::tr("%n deletion range(s)", nullptr, int(p.deleteSet.rangeCount()));
}

QString stateVectorBrief(const YjsStateVectorPayload &p)
{
    if (!p.parsed)
        return p.error;
    return FrameDetailView::tr("state vector of %n client(s)", nullptr, int(p.vector.size()));
}

QString awarenessBrief(const YjsAwarenessPayload &p)
{
    if (!p.parsed)
        return p.error;
    return FrameDetailView::tr("%n awareness entry(s)", nullptr, int(p.entries.size()));
}

QString authTypeText(const YMessageDetail &m)
{
    if (!m.hocuspocus)
        return m.authType == 0 ? QStringLiteral("permission denied (0)")
                               : QStringLiteral("%1").arg(QString::number(m.authType));
    switch (m.authType) {
    case 0:
        return m.typeName == u"tokenRequest" ? QStringLiteral("token request (0)")
                                             : QStringLiteral("token (0)");
    case 1:
        return QStringLiteral("permission denied (1)");
    case 2:
        return QStringLiteral("authenticated (2)");
    }
    return QString::number(m.authType);
}

} // namespace

FrameDetailView::FrameDetailView(QWidget *parent)
    : QWidget(parent)
    , m_tabs(new QTabWidget(this))
    , m_status(new QLabel(this))
    , m_tree(new QTreeWidget(this))
    , m_hex(new QPlainTextEdit(this))
    , m_payload(new QLabel(this))
    , m_payloadTree(new QTreeWidget(this))
{
    const QFont fixed = QFontDatabase::systemFont(QFontDatabase::FixedFont);
    m_status->setWordWrap(true);
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);

    m_tree->setHeaderLabels({tr("Key"), tr("Type"), tr("Value")});
    m_tree->setUniformRowHeights(true);
    m_tree->header()->resizeSection(0, 180);
    m_tree->header()->resizeSection(1, 100);

    m_hex->setReadOnly(true);
    m_hex->setFont(fixed);
    m_hex->setLineWrapMode(QPlainTextEdit::NoWrap);

    m_payload->setWordWrap(true);
    m_payload->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_payload->setAlignment(Qt::AlignTop | Qt::AlignLeft);
    m_payloadTree->setUniformRowHeights(true);

    auto *payloadPage = new QWidget(this);
    auto *payloadLayout = new QVBoxLayout(payloadPage);
    payloadLayout->setContentsMargins(4, 4, 4, 4);
    payloadLayout->addWidget(m_payload);
    payloadLayout->addWidget(m_payloadTree, 1);

    m_tabs->addTab(m_tree, tr("Message"));
    m_tabs->addTab(m_hex, tr("Hex"));
    m_tabs->addTab(payloadPage, tr("Payload"));

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
    m_payload->clear();
    m_payloadTree->clear();
}

QString FrameDetailView::statusText() const
{
    return m_status->text();
}

QString FrameDetailView::payloadSummary() const
{
    return m_payload->text();
}

QString FrameDetailView::hexText() const
{
    return m_hex->toPlainText();
}

void FrameDetailView::addNode(QTreeWidgetItem *parent, const MsgpackNode &node)
{
    auto *item = new QTreeWidgetItem(parent);
    item->setText(0, node.key);
    item->setText(1, MsgpackTree::kindName(node.kind));
    QString value = node.text;
    if (node.kind == MsgpackNode::Kind::Bin || node.kind == MsgpackNode::Kind::Ext) {
        // The first bytes identify a payload ("loro" magic); the hex tab has the rest.
        value += QStringLiteral("  ") + firstBytes(node.bytes);
    }
    item->setText(2, value);
    for (const MsgpackNode &child : node.children)
        addNode(item, child);
}

void FrameDetailView::showFrame(const QByteArray &bytes, bool text, WireProtocol protocol,
    qsizetype wireSize, bool truncated, const LoroProtocolMessage *fragmentHeader, bool fromHost)
{
    m_tree->clear();
    m_payloadTree->clear();
    m_payload->clear();
    const FrameDetail detail = FrameDecoder::decode(bytes, text, protocol, fromHost);
    const bool loro = protocol == WireProtocol::Loro;
    const bool yjs = protocol == WireProtocol::YWebsocket || protocol == WireProtocol::Hocuspocus;
    const QString protocolText = FrameDecoder::protocolText(protocol);

    QStringList status;
    status.append(tr("%n byte(s) on the wire", nullptr, int(wireSize)));
    if (truncated)
        status.append(tr("only the first %1 were kept").arg(Format::bytes(bytes.size())));
    if (text && loro) {
        if (detail.summary.type == u"text")
            status.append(tr("a text frame that is not a keepalive: loro-protocol ignores it"));
        else
            status.append(tr("a loro-protocol keepalive (%1)").arg(detail.summary.type));
    } else if (text && yjs) {
        status.append(tr("a text frame: %1 sends none").arg(protocolText));
    } else if (text) {
        status.append(tr("a text frame: Sync1 ignores these"));
    } else if (yjs && !detail.ymessage.decoded) {
        status.append(tr("not a valid %1 message (%2)").arg(protocolText, detail.ymessage.error));
    } else if (yjs && !detail.ymessage.document.isEmpty()) {
        status.append(tr("a valid %1 %2 for document “%3”")
                          .arg(protocolText, detail.ymessage.typeName, detail.ymessage.document));
    } else if (yjs) {
        status.append(tr("a valid %1 %2 message").arg(protocolText, detail.ymessage.typeName));
    } else if (loro && !detail.loro.decoded) {
        status.append(tr("not a valid loro-protocol message (%1)").arg(detail.loro.error));
    } else if (loro) {
        const Message &m = detail.loro.message;
        QString line = tr("a valid loro-protocol %1 for %2 room “%3”")
                           .arg(Message::typeName(m.type), FrameDecoder::magicText(m.magic),
                               QString::fromUtf8(m.roomId));
        if (detail.loro.kind.isEmpty())
            line += u' ' + tr("(a kind this host does not serve)");
        status.append(line);
    } else if (!detail.syncError.isEmpty()) {
        status.append(tr("not a valid Sync1 message (%1)").arg(detail.syncError));
    } else {
        status.append(tr("a valid Sync1 %1 message").arg(detail.summary.type));
    }
    m_status->setText(status.join(QStringLiteral(" · ")));

    if (text) {
        auto *item = new QTreeWidgetItem(m_tree);
        item->setText(0, tr("(text)"));
        item->setText(1, QStringLiteral("str"));
        item->setText(2, QString::fromUtf8(bytes.left(4096)));
    } else if (loro) {
        showLoroMessage(detail.loro, fragmentHeader);
    } else if (yjs) {
        showYMessage(detail.ymessage);
    } else {
        showSync1(detail);
    }

    // A token must not end up in a screenshot: loro-protocol's join auth, Hocuspocus's Auth.
    const qsizetype maskOffset = yjs ? detail.ymessage.tokenOffset : detail.loro.authOffset;
    const qsizetype maskSize = yjs ? detail.ymessage.tokenSize : detail.loro.authSize;
    m_hex->setPlainText(FrameDecoder::hexDump(bytes, HexLimit, maskOffset, maskSize));
    if (loro)
        showLoroPayload(detail.loro);
    else if (yjs && !text)
        showYPayload(detail.ymessage);
    else if (yjs)
        m_payload->setText(tr("This message carries no document payload."));
    else
        showSync1Payload(detail);
}

void FrameDetailView::showSync1(const FrameDetail &detail)
{
    if (detail.msgpackOk) {
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
}

void FrameDetailView::showSync1Payload(const FrameDetail &detail)
{
    m_payloadTree->setRootIsDecorated(false);
    if (!detail.hasPayload) {
        m_payloadTree->setHeaderLabels({tr("Author peer"), tr("Counters")});
        m_payload->setText(tr("This message carries no Loro payload."));
        return;
    }
    QStringList lines;
    if (detail.payload.field == u"versionVector")
        showVersion(detail.payload, lines);
    else
        showLoroBlobs({detail.payload}, lines);
    m_payload->setText(lines.join(QStringLiteral("<br>")));
}

void FrameDetailView::showLoroMessage(
    const LoroProtocolDetail &detail, const LoroProtocolMessage *header)
{
    if (!detail.decoded) {
        auto *item = new QTreeWidgetItem(m_tree);
        item->setText(0, tr("(not loro-protocol)"));
        item->setText(2, detail.error);
        item->setToolTip(2, detail.error);
        new QTreeWidgetItem(m_tree, {tr("(bytes)"), QString(), tr("see the Hex tab")});
        return;
    }
    const Message &m = detail.message;
    const QString room = QString::fromUtf8(m.roomId);
    auto *root = new QTreeWidgetItem(m_tree);
    root->setText(0, tr("(frame)"));
    root->setText(1, QStringLiteral("loro-protocol"));
    root->setText(2,
        QStringLiteral("%1 · %2 · %3")
            .arg(Message::typeName(m.type), FrameDecoder::magicText(m.magic), room));
    addField(root, tr("magic"), QStringLiteral("4 bytes"),
        QStringLiteral("%1 — %2").arg(
            FrameDecoder::magicText(m.magic), FrameDecoder::magicDescription(m.magic)));
    addField(root, tr("room"), QStringLiteral("varString"), room);
    addField(root, tr("type"), QStringLiteral("u8"),
        QStringLiteral("%1 (%2)").arg(Message::typeName(m.type), hexCode(quint8(m.type))));

    auto versionField = [&](const QString &key, const QByteArray &version) {
        QString value = tr("%n byte(s)", nullptr, int(version.size()));
        if (detail.hasVersion && detail.version.parsed)
            value += QStringLiteral(": ")
                + tr("version vector of %n peer(s)", nullptr, int(detail.version.version.size()));
        else if (detail.hasVersion)
            value += QStringLiteral(": ") + detail.version.error;
        if (detail.hasStateVector)
            value = tr("%n byte(s)", nullptr, int(version.size())) + QStringLiteral(": ")
                + stateVectorBrief(detail.stateVector);
        QTreeWidgetItem *item = addField(root, key, QStringLiteral("varBytes"), value);
        if (detail.hasStateVector) {
            for (const auto &[client, clock] : detail.stateVector.vector)
                addField(item, tr("client %1").arg(QString::number(client)),
                    QStringLiteral("client"), tr("clocks below %1").arg(QString::number(clock)));
        }
        if (detail.hasVersion) {
            for (const auto &[peer, counter] : detail.version.version)
                addField(item, Format::peer(peer), QStringLiteral("peer"),
                    tr("counters below %1").arg(counter), QString::number(peer));
        }
    };
    const QString batch = FrameDecoder::batchIdText(m.batchId);
    switch (m.type) {
    case Message::Type::JoinRequest:
        addField(root, tr("auth"), QStringLiteral("varBytes"),
            tr("%n byte(s), masked in the hex view: it holds a token", nullptr,
                int(m.auth.size())));
        versionField(tr("version"), m.version);
        break;
    case Message::Type::JoinResponseOk:
        addField(root, tr("permission"), QStringLiteral("varString"), m.permission);
        versionField(tr("version"), m.version);
        addField(root, tr("extra"), QStringLiteral("varBytes"),
            tr("%n byte(s)", nullptr, int(m.extra.size())) + QStringLiteral("  ")
                + firstBytes(m.extra));
        break;
    case Message::Type::JoinError:
        addField(root, tr("code"), QStringLiteral("u8"),
            QStringLiteral("%1 (%2)").arg(FrameDecoder::joinErrorName(m.code), hexCode(m.code)));
        addField(root, tr("message"), QStringLiteral("varString"), m.message, m.message);
        if (!m.receiverVersion.isEmpty())
            versionField(tr("receiverVersion"), m.receiverVersion);
        if (!m.appCode.isEmpty())
            addField(root, tr("appCode"), QStringLiteral("varString"), m.appCode);
        break;
    case Message::Type::DocUpdate: {
        QTreeWidgetItem *updates = addField(root, tr("updates"), QStringLiteral("varUint"),
            tr("%n update(s)", nullptr, int(m.updates.size())));
        for (qsizetype i = 0; i < m.updates.size(); ++i) {
            QString value = tr("%n byte(s)", nullptr, int(m.updates.at(i).size()));
            if (i < detail.loroUpdates.size()) {
                const LoroPayload &p = detail.loroUpdates.at(i);
                value += QStringLiteral(": ") + p.modeName + QStringLiteral(", ")
                    + (p.parsed ? tr("%n change block(s)", nullptr, int(p.blocks.size()))
                                : p.error);
            } else if (i < detail.eloUpdates.size()) {
                const EloPayload &p = detail.eloUpdates.at(i);
                value += QStringLiteral(": ")
                    + (p.parsed ? tr("%n ELO record(s)", nullptr, int(p.records.size())) : p.error);
            } else if (i < detail.ephemeralUpdates.size()) {
                const EphemeralPayload &p = detail.ephemeralUpdates.at(i);
                value += QStringLiteral(": ")
                    + (p.parsed ? tr("%n entry(s)", nullptr, int(p.entries.size())) : p.error);
            } else if (i < detail.yjsUpdates.size()) {
                value += QStringLiteral(": ") + tr("V1 update, ")
                    + updateBrief(detail.yjsUpdates.at(i));
            } else if (i < detail.awarenessUpdates.size()) {
                value += QStringLiteral(": ") + awarenessBrief(detail.awarenessUpdates.at(i));
            }
            addField(updates, QStringLiteral("[%1]").arg(i), QStringLiteral("varBytes"), value,
                firstBytes(m.updates.at(i)));
        }
        addField(root, tr("batch id"), QStringLiteral("8 bytes"), batch);
        break;
    }
    case Message::Type::FragmentHeader:
        addField(root, tr("batch id"), QStringLiteral("8 bytes"), batch);
        addField(root, tr("fragment count"), QStringLiteral("varUint"),
            QString::number(m.fragmentCount));
        addField(root, tr("total size"), QStringLiteral("varUint"),
            tr("%1 (%n byte(s))", nullptr, int(m.totalSize)).arg(Format::bytes(m.totalSize)));
        break;
    case Message::Type::Fragment: {
        addField(root, tr("batch id"), QStringLiteral("8 bytes"), batch);
        QString index = QString::number(m.index);
        if (header)
            index += QStringLiteral(" — ")
                + tr("fragment %1 of %2, %3 in all")
                      .arg(QString::number(m.index + 1), QString::number(header->fragmentCount),
                          Format::bytes(header->totalSize));
        else
            index += QStringLiteral(" — ") + tr("its header is no longer in the list");
        addField(root, tr("index"), QStringLiteral("varUint"), index);
        addField(root, tr("fragment"), QStringLiteral("varBytes"),
            tr("%n byte(s)", nullptr, int(m.fragment.size())) + QStringLiteral("  ")
                + firstBytes(m.fragment));
        break;
    }
    case Message::Type::RoomError:
        addField(root, tr("code"), QStringLiteral("u8"),
            QStringLiteral("%1 (%2)").arg(FrameDecoder::roomErrorName(m.code), hexCode(m.code)));
        addField(root, tr("message"), QStringLiteral("varString"), m.message, m.message);
        break;
    case Message::Type::Leave:
        break;
    case Message::Type::Ack:
        addField(root, tr("batch id"), QStringLiteral("8 bytes"), batch,
            tr("the batch this acknowledges"));
        addField(root, tr("status"), QStringLiteral("u8"),
            QStringLiteral("%1 (%2)").arg(
                Message::statusName(m.status), hexCode(quint8(m.status))));
        break;
    }
    m_tree->expandToDepth(1);
}

void FrameDetailView::showLoroPayload(const LoroProtocolDetail &detail)
{
    m_payloadTree->setRootIsDecorated(false);
    QStringList lines;
    if (detail.decoded && detail.message.type == Message::Type::DocUpdate) {
        // Which room and batch the payload below belongs to, without a look at the Message tab.
        lines.append(tr("%1 room “%2”, batch %3")
                         .arg(FrameDecoder::magicText(detail.message.magic),
                             QString::fromUtf8(detail.message.roomId).toHtmlEscaped(),
                             FrameDecoder::batchIdText(detail.message.batchId)));
    }
    if (!detail.loroUpdates.isEmpty())
        showLoroBlobs(detail.loroUpdates, lines);
    else if (!detail.eloUpdates.isEmpty())
        showEloRecords(detail.eloUpdates, lines);
    else if (!detail.ephemeralUpdates.isEmpty())
        showEphemeral(detail.ephemeralUpdates, lines);
    else if (!detail.yjsUpdates.isEmpty())
        showYjsUpdates(detail.yjsUpdates, lines);
    else if (!detail.awarenessUpdates.isEmpty())
        showAwareness(detail.awarenessUpdates, lines);
    else if (detail.hasStateVector)
        showStateVector(detail.stateVector, lines);
    else if (detail.hasVersion)
        showVersion(detail.version, lines);
    else
        lines.append(tr("This message carries no document payload."));
    m_payload->setText(lines.join(QStringLiteral("<br>")));
}

void FrameDetailView::showVersion(const LoroPayload &version, QStringList &lines)
{
    m_payloadTree->setHeaderLabels({tr("Author peer"), tr("Counters")});
    m_payloadTree->header()->resizeSection(0, 170);
    lines.append(tr("<b>versionVector</b>, %n byte(s)", nullptr, int(version.size)));
    if (!version.parsed)
        lines.append(tr("Cannot decode: %1").arg(version.error.toHtmlEscaped()));
    else
        lines.append(tr("%n peer(s) known to the sender", nullptr, int(version.version.size())));
    for (const auto &[peer, counter] : version.version) {
        auto *item = new QTreeWidgetItem(m_payloadTree);
        item->setText(0, Format::peer(peer));
        item->setToolTip(0, QString::number(peer));
        item->setText(1, tr("up to %1").arg(counter));
    }
}

void FrameDetailView::showLoroBlobs(const QList<LoroPayload> &updates, QStringList &lines)
{
    m_payloadTree->setHeaderLabels(
        {tr("Author peer"), tr("Counters"), tr("Lamports"), tr("Changes"), tr("Size")});
    m_payloadTree->header()->resizeSection(0, 170);
    const bool several = updates.size() > 1;
    m_payloadTree->setRootIsDecorated(several);
    for (qsizetype i = 0; i < updates.size(); ++i) {
        const LoroPayload &p = updates.at(i);
        QString head = tr("<b>%1</b>, %n byte(s)", nullptr, int(p.size)).arg(p.field);
        if (several)
            head = tr("Update %1 of %2: ")
                       .arg(QString::number(i + 1), QString::number(updates.size()))
                + head;
        lines.append(head);
        lines.append(tr("Mode: %1").arg(p.modeName));
        lines.append(tr("Checksum: %1").arg(FrameDecoder::checksumText(p.checksum)));
        if (p.parsed)
            lines.append(tr("Parsed: %n change block(s)", nullptr, int(p.blocks.size())));
        else
            lines.append(tr("<span style='color:#b02020'>Parse failed: %1</span>")
                             .arg(p.error.toHtmlEscaped()));
        QTreeWidgetItem *group = nullptr;
        if (several) {
            group = new QTreeWidgetItem(m_payloadTree);
            group->setText(0, tr("update %1").arg(i + 1));
            group->setText(1, p.modeName);
            group->setText(4, Format::bytes(p.size));
            group->setExpanded(true);
        }
        for (const LoroBlockRange &block : p.blocks) {
            auto *item = group ? new QTreeWidgetItem(group) : new QTreeWidgetItem(m_payloadTree);
            item->setText(0, Format::peer(block.peer));
            item->setToolTip(0, QString::number(block.peer));
            item->setText(1, range(block.counterStart, block.counterEnd));
            item->setText(2, range(block.lamportStart, block.lamportEnd));
            item->setText(3, QString::number(block.changeCount));
            item->setText(4, Format::bytes(block.size));
        }
    }
}

void FrameDetailView::showEloRecords(const QList<EloPayload> &updates, QStringList &lines)
{
    m_payloadTree->setHeaderLabels({tr("Record"), tr("Peer"), tr("Span or version"), tr("Key id"),
        tr("IV"), tr("Ciphertext")});
    m_payloadTree->header()->resizeSection(0, 90);
    m_payloadTree->header()->resizeSection(1, 170);
    m_payloadTree->header()->resizeSection(2, 150);
    m_payloadTree->header()->resizeSection(4, 220);
    const bool several = updates.size() > 1;
    m_payloadTree->setRootIsDecorated(several);
    for (qsizetype i = 0; i < updates.size(); ++i) {
        const EloPayload &p = updates.at(i);
        QString head = tr("<b>ELO container</b>, %n byte(s)", nullptr, int(p.size));
        if (several)
            head = tr("Update %1 of %2: ")
                       .arg(QString::number(i + 1), QString::number(updates.size()))
                + head;
        lines.append(head);
        if (p.parsed)
            lines.append(
                tr("%n record(s); their plaintext headers below, the ciphertext stays opaque",
                    nullptr, int(p.records.size())));
        else
            lines.append(tr("<span style='color:#b02020'>Cannot read the records: %1</span>")
                             .arg(p.error.toHtmlEscaped()));
        QTreeWidgetItem *group = nullptr;
        if (several) {
            group = new QTreeWidgetItem(m_payloadTree);
            group->setText(0, tr("update %1").arg(i + 1));
            group->setExpanded(true);
        }
        for (const EloRecordView &record : p.records) {
            auto *item = group ? new QTreeWidgetItem(group) : new QTreeWidgetItem(m_payloadTree);
            item->setText(0, record.snapshot ? tr("Snapshot") : tr("DeltaSpan"));
            item->setText(1, record.snapshot ? QString() : Format::peer(record.peer));
            item->setToolTip(1, record.peer);
            item->setText(2, record.snapshot ? record.version : range(record.start, record.end));
            item->setToolTip(2, record.snapshot ? record.version : QString());
            item->setText(3, record.keyId);
            item->setText(4, QString::fromLatin1(record.iv.toHex()));
            item->setText(5, Format::bytes(record.ciphertextSize));
            item->setToolTip(5,
                tr("%1 bytes of ciphertext with its tag, after a %2-byte header")
                    .arg(QString::number(record.ciphertextSize),
                        QString::number(record.headerSize)));
        }
    }
}

void FrameDetailView::showEphemeral(const QList<EphemeralPayload> &updates, QStringList &lines)
{
    m_payloadTree->setHeaderLabels({tr("Key"), tr("Value"), tr("Timestamp"), tr("Deleted")});
    m_payloadTree->header()->resizeSection(0, 170);
    m_payloadTree->header()->resizeSection(1, 260);
    m_payloadTree->header()->resizeSection(2, 150);
    const bool several = updates.size() > 1;
    m_payloadTree->setRootIsDecorated(several);
    for (qsizetype i = 0; i < updates.size(); ++i) {
        const EphemeralPayload &p = updates.at(i);
        QString head = tr("<b>ephemeral update</b>, %n byte(s)", nullptr, int(p.size));
        if (several)
            head = tr("Update %1 of %2: ")
                       .arg(QString::number(i + 1), QString::number(updates.size()))
                + head;
        lines.append(head);
        if (p.parsed)
            lines.append(tr("%n entry(s)", nullptr, int(p.entries.size())));
        else
            lines.append(tr("<span style='color:#b02020'>Cannot read the entries: %1</span>")
                             .arg(p.error.toHtmlEscaped()));
        QTreeWidgetItem *group = nullptr;
        if (several) {
            group = new QTreeWidgetItem(m_payloadTree);
            group->setText(0, tr("update %1").arg(i + 1));
            group->setExpanded(true);
        }
        for (const EphemeralEntryView &entry : p.entries) {
            auto *item = group ? new QTreeWidgetItem(group) : new QTreeWidgetItem(m_payloadTree);
            item->setText(0, entry.key);
            item->setText(1, entry.value);
            item->setToolTip(1, entry.value);
            item->setText(2, timestampText(entry.timestampMs));
            item->setToolTip(2, QString::number(entry.timestampMs));
            item->setText(3, entry.deleted ? tr("deleted") : QString());
        }
    }
}

void FrameDetailView::showYMessage(const YMessageDetail &m)
{
    auto *root = new QTreeWidgetItem(m_tree);
    root->setText(0, tr("(frame)"));
    root->setText(1, m.hocuspocus ? QStringLiteral("Hocuspocus") : QStringLiteral("y-websocket"));
    root->setText(2,
        m.document.isEmpty() ? m.typeName : QStringLiteral("%1 · %2").arg(m.typeName, m.document));
    if (!m.decoded && m.typeName.isEmpty() && m.key.isEmpty()) {
        addField(root, tr("(not decoded)"), QString(), m.error, m.error);
        m_tree->expandToDepth(1);
        return;
    }
    if (m.hocuspocus && m.type != 9 && m.type != 10) {
        addField(root, tr("document"), QStringLiteral("varString"), m.document);
        if (m.key != m.document) // a session-aware key: document \0 session
            addField(root, tr("key"), QStringLiteral("varString"), m.key,
                tr("the document name, a NUL, then the provider's session id"));
    }
    QString typeName = m.hocuspocus ? YjsFrameDecoder::hocuspocusTypeName(m.type)
                                    : YjsFrameDecoder::yWebsocketTypeName(m.type);
    if (typeName.isEmpty())
        typeName = tr("unknown");
    addField(root, tr("type"),
        m.hocuspocus && (m.type == 9 || m.type == 10) ? QStringLiteral("u8")
                                                      : QStringLiteral("varUint"),
        QStringLiteral("%1 (%2)").arg(typeName, QString::number(m.type)));
    if (m.hasSync) {
        addField(root, tr("sync step"), QStringLiteral("varUint"),
            QStringLiteral("%1 (%2)").arg(
                yprotocols::SyncMessage::stepName(m.step), QString::number(int(m.step))));
        const bool step1 = m.step == yprotocols::SyncStep::Step1;
        const qsizetype size = step1 ? m.stateVector.size : m.update.size;
        QTreeWidgetItem *data = addField(root, tr("data"), QStringLiteral("varUint8Array"),
            tr("%n byte(s)", nullptr, int(size)) + QStringLiteral(": ")
                + (step1 ? stateVectorBrief(m.stateVector)
                         : tr("V1 update, ") + updateBrief(m.update)));
        if (step1) {
            for (const auto &[client, clock] : m.stateVector.vector)
                addField(data, tr("client %1").arg(QString::number(client)),
                    QStringLiteral("client"), tr("clocks below %1").arg(QString::number(clock)));
        } else {
            for (const yjs::ClientRunView &run : m.update.clients)
                addField(data, tr("client %1").arg(QString::number(run.client)),
                    QStringLiteral("structs"),
                    tr("clocks %1, %n struct(s)", nullptr, int(run.structs.size()))
                        .arg(clockRange(run.start, run.end)));
            for (const auto &[client, ranges] : m.update.deleteSet.clients())
                addField(data, tr("deleted of %1").arg(QString::number(client)),
                    QStringLiteral("delete set"), deleteRangesText(ranges));
        }
    }
    if (m.hasAwareness) {
        QTreeWidgetItem *update
            = addField(root, tr("awareness update"), QStringLiteral("varUint8Array"),
                tr("%n byte(s)", nullptr, int(m.awareness.size)) + QStringLiteral(": ")
                    + awarenessBrief(m.awareness));
        for (const yjs::AwarenessEntry &entry : m.awareness.entries) {
            const QString state = QString::fromUtf8(entry.state);
            addField(update, tr("client %1").arg(QString::number(entry.client)),
                tr("clock %1").arg(QString::number(entry.clock)),
                entry.removed() ? tr("null (the client left)") : state, state);
        }
    }
    if (m.type == 2 && (m.decoded || m.authType != 0 || m.tokenOffset >= 0)) {
        addField(root, tr("auth type"), QStringLiteral("varUint"), authTypeText(m));
        if (m.tokenOffset >= 0)
            addField(root, tr("token"), QStringLiteral("varString"),
                tr("%n byte(s), masked in the hex view", nullptr, int(m.tokenSize)));
        if (!m.providerVersion.isEmpty())
            addField(root, tr("provider version"), QStringLiteral("varString"), m.providerVersion);
        if (m.hasText)
            addField(root, m.authType == 2 ? tr("scope") : tr("reason"),
                QStringLiteral("varString"), m.text, m.text);
    } else if (m.hasText) {
        addField(root, m.type == 7 ? tr("reason") : tr("payload"), QStringLiteral("varString"),
            m.text, m.text);
    }
    if (m.hocuspocus && m.type == 8 && m.decoded)
        addField(root, tr("status"), QStringLiteral("varInt"),
            m.status == 1 ? tr("1 (applied: committed)") : tr("%1 (not applied)").arg(m.status));
    if (m.trailing > 0)
        addField(root, tr("(trailing)"), QStringLiteral("bytes"),
            tr("%n byte(s) after the fields the host reads: kept, ignored", nullptr,
                int(m.trailing)));
    if (!m.decoded)
        addField(root, tr("(error)"), QString(), m.error, m.error);
    m_tree->expandToDepth(1);
}

void FrameDetailView::showYPayload(const YMessageDetail &m)
{
    m_payloadTree->setRootIsDecorated(false);
    QStringList lines;
    if (!m.document.isEmpty())
        lines.append(tr("Document “%1”").arg(m.document.toHtmlEscaped()));
    if (m.hasSync && m.step == yprotocols::SyncStep::Step1)
        showStateVector(m.stateVector, lines);
    else if (m.hasSync)
        showYjsUpdates({m.update}, lines);
    else if (m.hasAwareness)
        showAwareness({m.awareness}, lines);
    else
        lines.append(tr("This message carries no document payload."));
    m_payload->setText(lines.join(QStringLiteral("<br>")));
}

void FrameDetailView::showYjsUpdates(const QList<YjsUpdatePayload> &updates, QStringList &lines)
{
    m_payloadTree->setColumnCount(5); // a header of fewer labels would keep a wider one's columns
    m_payloadTree->setHeaderLabels(
        {tr("Client or struct"), tr("Clocks"), tr("Length"), tr("Content"), tr("Detail")});
    m_payloadTree->header()->resizeSection(0, 170);
    m_payloadTree->header()->resizeSection(1, 110);
    m_payloadTree->setRootIsDecorated(true);
    const bool several = updates.size() > 1;
    for (qsizetype i = 0; i < updates.size(); ++i) {
        const YjsUpdatePayload &p = updates.at(i);
        QString head = tr("<b>Yjs update (V1)</b>, %n byte(s)", nullptr, int(p.size));
        if (several)
            head = tr("Update %1 of %2: ")
                       .arg(QString::number(i + 1), QString::number(updates.size()))
                + head;
        lines.append(head);
        if (!p.parsed) {
            lines.append(tr("<span style='color:#b02020'>Cannot decode: %1</span>")
                             .arg(p.error.toHtmlEscaped()));
            continue;
        }
        lines.append(tr("Structs: %1 in %2 client run(s)")
                         .arg(QString::number(p.structCount()), QString::number(p.clients.size())));
        lines.append(tr("Delete set: %1 range(s) of %2 client(s)")
                         .arg(QString::number(p.deleteSet.rangeCount()),
                             QString::number(p.deleteSet.clients().size())));
        QTreeWidgetItem *group = nullptr;
        if (several) {
            group = new QTreeWidgetItem(m_payloadTree);
            group->setText(0, tr("update %1").arg(i + 1));
            group->setText(4, Format::bytes(p.size));
            group->setExpanded(true);
        }
        auto topLevel = [&] {
            return group ? new QTreeWidgetItem(group) : new QTreeWidgetItem(m_payloadTree);
        };
        for (const yjs::ClientRunView &run : p.clients) {
            QTreeWidgetItem *item = topLevel();
            item->setText(0, tr("client %1").arg(QString::number(run.client)));
            item->setText(1, clockRange(run.start, run.end));
            item->setText(2, QString::number(run.end - run.start));
            item->setText(3, tr("%n struct(s)", nullptr, int(run.structs.size())));
            for (const yjs::StructView &view : run.structs) {
                auto *child = new QTreeWidgetItem(item);
                child->setText(0, view.kind);
                child->setText(1, clockRange(view.clock, view.clock + view.length));
                child->setText(2, QString::number(view.length));
                child->setText(3, view.content);
                child->setText(4, view.detail);
                child->setToolTip(4, view.detail);
            }
            item->setExpanded(run.structs.size() <= 20);
        }
        if (!p.deleteSet.isEmpty()) {
            QTreeWidgetItem *deleted = topLevel();
            deleted->setText(0, tr("delete set"));
            deleted->setText(3, tr("%n range(s)", nullptr, int(p.deleteSet.rangeCount())));
            for (const auto &[client, ranges] : p.deleteSet.clients()) {
                auto *child = new QTreeWidgetItem(deleted);
                child->setText(0, tr("client %1").arg(QString::number(client)));
                child->setText(1, deleteRangesText(ranges));
                quint64 length = 0;
                for (const yjs::DeleteRange &r : ranges)
                    length += r.length;
                child->setText(2, QString::number(length));
                child->setText(3, tr("deleted"));
            }
            deleted->setExpanded(true);
        }
    }
}

void FrameDetailView::showStateVector(const YjsStateVectorPayload &vector, QStringList &lines)
{
    m_payloadTree->setColumnCount(2);
    m_payloadTree->setHeaderLabels({tr("Client"), tr("Next clock")});
    m_payloadTree->header()->resizeSection(0, 170);
    lines.append(tr("<b>state vector</b>, %n byte(s)", nullptr, int(vector.size)));
    if (!vector.parsed)
        lines.append(tr("Cannot decode: %1").arg(vector.error.toHtmlEscaped()));
    else
        lines.append(tr("%n client(s) known to the sender", nullptr, int(vector.vector.size())));
    for (const auto &[client, clock] : vector.vector) {
        auto *item = new QTreeWidgetItem(m_payloadTree);
        item->setText(0, QString::number(client));
        item->setText(1, QString::number(clock));
    }
}

void FrameDetailView::showAwareness(const QList<YjsAwarenessPayload> &updates, QStringList &lines)
{
    m_payloadTree->setColumnCount(3);
    m_payloadTree->setHeaderLabels({tr("Client"), tr("Clock"), tr("State (JSON)")});
    m_payloadTree->header()->resizeSection(0, 170);
    m_payloadTree->header()->resizeSection(1, 70);
    const bool several = updates.size() > 1;
    m_payloadTree->setRootIsDecorated(several);
    for (qsizetype i = 0; i < updates.size(); ++i) {
        const YjsAwarenessPayload &p = updates.at(i);
        QString head = tr("<b>awareness update</b>, %n byte(s)", nullptr, int(p.size));
        if (several)
            head = tr("Update %1 of %2: ")
                       .arg(QString::number(i + 1), QString::number(updates.size()))
                + head;
        lines.append(head);
        if (p.parsed)
            lines.append(tr("%n entry(s)", nullptr, int(p.entries.size())));
        else
            lines.append(tr("<span style='color:#b02020'>Cannot read the entries: %1</span>")
                             .arg(p.error.toHtmlEscaped()));
        QTreeWidgetItem *group = nullptr;
        if (several) {
            group = new QTreeWidgetItem(m_payloadTree);
            group->setText(0, tr("update %1").arg(i + 1));
            group->setExpanded(true);
        }
        for (const yjs::AwarenessEntry &entry : p.entries) {
            auto *item = group ? new QTreeWidgetItem(group) : new QTreeWidgetItem(m_payloadTree);
            const QString state = QString::fromUtf8(entry.state);
            item->setText(0, QString::number(entry.client));
            item->setText(1, QString::number(entry.clock));
            item->setText(2, entry.removed() ? tr("null (the client left)") : state);
            item->setToolTip(2, state);
        }
    }
}

} // namespace canopy::ui
