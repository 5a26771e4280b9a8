<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en_US" sourcelanguage="en">
<context>
    <name>FrameDecoder</name>
    <message numerus="yes">
        <source>… %n more byte(s) not shown</source>
        <translation>
            <numerusform>… %n more byte not shown</numerusform>
            <numerusform>… %n more bytes not shown</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>MsgpackTree</name>
    <message numerus="yes">
        <source>type %1, %n byte(s)</source>
        <translation>
            <numerusform>type %1, %n byte</numerusform>
            <numerusform>type %1, %n bytes</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n byte(s)</source>
        <translation>
            <numerusform>%n byte</numerusform>
            <numerusform>%n bytes</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n entries</source>
        <translation>
            <numerusform>%n entry</numerusform>
            <numerusform>%n entries</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n items</source>
        <translation>
            <numerusform>%n item</numerusform>
            <numerusform>%n items</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n byte(s) follow the first value</source>
        <translation>
            <numerusform>%n byte follow the first value</numerusform>
            <numerusform>%n bytes follow the first value</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>canopy::ui::DocumentsPage</name>
    <message numerus="yes">
        <source>%1 — %n block(s), %2</source>
        <translation>
            <numerusform>%1 — %n block, %2</numerusform>
            <numerusform>%1 — %n blocks, %2</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>canopy::ui::FrameDetailView</name>
    <message numerus="yes">
        <source>%n byte(s) on the wire</source>
        <translation>
            <numerusform>%n byte on the wire</numerusform>
            <numerusform>%n bytes on the wire</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>&lt;b&gt;versionVector&lt;/b&gt;, %n byte(s)</source>
        <translation>
            <numerusform>&lt;b&gt;versionVector&lt;/b&gt;, %n byte</numerusform>
            <numerusform>&lt;b&gt;versionVector&lt;/b&gt;, %n bytes</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n peer(s) known to the client</source>
        <translation>
            <numerusform>%n peer known to the client</numerusform>
            <numerusform>%n peers known to the client</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>&lt;b&gt;%1&lt;/b&gt;, %n byte(s)</source>
        <translation>
            <numerusform>&lt;b&gt;%1&lt;/b&gt;, %n byte</numerusform>
            <numerusform>&lt;b&gt;%1&lt;/b&gt;, %n bytes</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Parsed: %n change block(s)</source>
        <translation>
            <numerusform>Parsed: %n change block</numerusform>
            <numerusform>Parsed: %n change blocks</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>canopy::ui::LogsPage</name>
    <message numerus="yes">
        <source>Exported %n log entries to %1</source>
        <translation>
            <numerusform>Exported %n log entry to %1</numerusform>
            <numerusform>Exported %n log entries to %1</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>canopy::ui::MainWindow</name>
    <message numerus="yes">
        <source>Serving on %1 · %n connection(s)</source>
        <translation>
            <numerusform>Serving on %1 · %n connection</numerusform>
            <numerusform>Serving on %1 · %n connections</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>canopy::ui::SessionsModel</name>
    <message numerus="yes">
        <source>%n document(s)</source>
        <translation>
            <numerusform>%n document</numerusform>
            <numerusform>%n documents</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>canopy::ui::TrayIcon</name>
    <message numerus="yes">
        <source>Serving on port %1 · %n connection(s)</source>
        <translation>
            <numerusform>Serving on port %1 · %n connection</numerusform>
            <numerusform>Serving on port %1 · %n connections</numerusform>
        </translation>
    </message>
</context>
</TS>
