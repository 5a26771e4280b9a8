#pragma once

#include "traffic/FrameDecoder.h"

#include <QWidget>

class QLabel;
class QPlainTextEdit;
class QTabWidget;
class QTreeWidget;
class QTreeWidgetItem;

namespace canopy::ui {

// The traffic detail pane: the decoded msgpack tree, a hex view, and for Loro payloads the
// mode, checksum state and per block the author peer, counter and lamport ranges and changes.
class FrameDetailView final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(FrameDetailView)

public:
    static constexpr qsizetype HexLimit = 64 * 1024; // more than this is not read by a person

    explicit FrameDetailView(QWidget *parent = nullptr);

    void showFrame(const QByteArray &bytes, bool text, qsizetype wireSize, bool truncated);
    void clear();

    QTreeWidget *messageTree() const { return m_tree; }
    QTreeWidget *blocksTree() const { return m_blocks; }
    QString loroSummary() const;
    QTabWidget *tabs() const { return m_tabs; }

private:
    void addNode(QTreeWidgetItem *parent, const MsgpackNode &node);
    void showPayload(const FrameDetail &detail);

    QTabWidget *m_tabs;
    QLabel *m_status;
    QTreeWidget *m_tree;
    QPlainTextEdit *m_hex;
    QLabel *m_loro;
    QTreeWidget *m_blocks;
};

} // namespace canopy::ui
