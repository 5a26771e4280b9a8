#pragma once

#include "traffic/FrameDecoder.h"

#include <QWidget>

class QLabel;
class QPlainTextEdit;
class QTabWidget;
class QTreeWidget;
class QTreeWidgetItem;

namespace canopy::ui {

// The traffic detail pane for one frame of any protocol: the decoded message as a tree (Sync1:
// the msgpack map; loro-protocol: envelope and fields; y-websocket and Hocuspocus: document,
// message type, sync step, auth, stateless, SyncStatus), a hex view (tokens masked), and the
// payload as its kind reads it: Loro blobs (mode, checksum, per block the author peer, counter
// and lamport ranges), version vectors, ELO record headers, ephemeral entries, Yjs updates
// (structs by client and clock range, the delete set), state vectors and awareness states.
class FrameDetailView final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(FrameDetailView)

public:
    static constexpr qsizetype HexLimit = 64 * 1024; // more than this is not read by a person

    enum Tab
    {
        MessageTab,
        HexTab,
        PayloadTab
    };

    explicit FrameDetailView(QWidget *parent = nullptr);

    // `fragmentHeader`: for a loro-protocol Fragment, its batch's header when the list still
    // holds it (so the pane can say "fragment 2 of 3"). `fromHost`: the host sent the frame.
    void showFrame(const QByteArray &bytes, bool text, WireProtocol protocol, qsizetype wireSize,
        bool truncated, const LoroProtocolMessage *fragmentHeader = nullptr, bool fromHost = false);
    void clear();

    QString statusText() const;
    QTreeWidget *messageTree() const { return m_tree; }
    QTreeWidget *payloadTree() const { return m_payloadTree; }
    QString payloadSummary() const;
    QString hexText() const;
    QTabWidget *tabs() const { return m_tabs; }

private:
    void addNode(QTreeWidgetItem *parent, const MsgpackNode &node);
    void showSync1(const FrameDetail &detail);
    void showSync1Payload(const FrameDetail &detail);
    void showLoroMessage(const LoroProtocolDetail &detail, const LoroProtocolMessage *header);
    void showLoroPayload(const LoroProtocolDetail &detail);
    void showVersion(const LoroPayload &version, QStringList &lines);
    void showLoroBlobs(const QList<LoroPayload> &updates, QStringList &lines);
    void showEloRecords(const QList<EloPayload> &updates, QStringList &lines);
    void showEphemeral(const QList<EphemeralPayload> &updates, QStringList &lines);
    void showYMessage(const YMessageDetail &detail);
    void showYPayload(const YMessageDetail &detail);
    void showYjsUpdates(const QList<YjsUpdatePayload> &updates, QStringList &lines);
    void showStateVector(const YjsStateVectorPayload &vector, QStringList &lines);
    void showAwareness(const QList<YjsAwarenessPayload> &updates, QStringList &lines);

    QTabWidget *m_tabs;
    QLabel *m_status;
    QTreeWidget *m_tree;
    QPlainTextEdit *m_hex;
    QLabel *m_payload;
    QTreeWidget *m_payloadTree;
};

} // namespace canopy::ui
