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
    <name>canopy::ui::DocumentsModel</name>
    <message numerus="yes">
        <source>%n stored update(s): runs of one client&apos;s structs, and delete sets</source>
        <translation>
            <numerusform>%n stored update: runs of one client&apos;s structs, and delete sets</numerusform>
            <numerusform>%n stored updates: runs of one client&apos;s structs, and delete sets</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n Yjs client(s)</source>
        <translation>
            <numerusform>%n Yjs client</numerusform>
            <numerusform>%n Yjs clients</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>canopy::ui::DocumentsPage</name>
    <message numerus="yes">
        <source>%n record(s)</source>
        <translation>
            <numerusform>%n record</numerusform>
            <numerusform>%n records</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n entry(s)</source>
        <translation>
            <numerusform>%n entry</numerusform>
            <numerusform>%n entries</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n block(s)</source>
        <translation>
            <numerusform>%n block</numerusform>
            <numerusform>%n blocks</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Export document (%n file(s), numbered)</source>
        <translation>
            <numerusform>Export document (%n file)</numerusform>
            <numerusform>Export document (%n files, numbered)</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Exported %1 as %n file(s); import them in this order: %2</source>
        <translation>
            <numerusform>Exported %1 as %n file: %2</numerusform>
            <numerusform>Exported %1 as %n files; import them in this order: %2</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n stored update(s)</source>
        <translation>
            <numerusform>%n stored update</numerusform>
            <numerusform>%n stored updates</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n client(s), state vector {%1}</source>
        <translation>
            <numerusform>%n client, state vector {%1}</numerusform>
            <numerusform>%n clients, state vector {%1}</numerusform>
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
    <message numerus="yes">
        <source>%n byte(s)</source>
        <translation>
            <numerusform>%n byte</numerusform>
            <numerusform>%n bytes</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>version vector of %n peer(s)</source>
        <translation>
            <numerusform>version vector of %n peer</numerusform>
            <numerusform>version vector of %n peers</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n byte(s), masked in the hex view: it holds a token</source>
        <translation>
            <numerusform>%n byte, masked in the hex view: it holds a token</numerusform>
            <numerusform>%n bytes, masked in the hex view: they hold a token</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n update(s)</source>
        <translation>
            <numerusform>%n update</numerusform>
            <numerusform>%n updates</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n change block(s)</source>
        <translation>
            <numerusform>%n change block</numerusform>
            <numerusform>%n change blocks</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n ELO record(s)</source>
        <translation>
            <numerusform>%n ELO record</numerusform>
            <numerusform>%n ELO records</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n entry(s)</source>
        <translation>
            <numerusform>%n entry</numerusform>
            <numerusform>%n entries</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%1 (%n byte(s))</source>
        <translation>
            <numerusform>%1 (%n byte)</numerusform>
            <numerusform>%1 (%n bytes)</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n peer(s) known to the sender</source>
        <translation>
            <numerusform>%n peer known to the sender</numerusform>
            <numerusform>%n peers known to the sender</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>&lt;b&gt;ELO container&lt;/b&gt;, %n byte(s)</source>
        <translation>
            <numerusform>&lt;b&gt;ELO container&lt;/b&gt;, %n byte</numerusform>
            <numerusform>&lt;b&gt;ELO container&lt;/b&gt;, %n bytes</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n record(s); their plaintext headers below, the ciphertext stays opaque</source>
        <translation>
            <numerusform>%n record; its plaintext header below, the ciphertext stays opaque</numerusform>
            <numerusform>%n records; their plaintext headers below, the ciphertext stays opaque</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>&lt;b&gt;ephemeral update&lt;/b&gt;, %n byte(s)</source>
        <translation>
            <numerusform>&lt;b&gt;ephemeral update&lt;/b&gt;, %n byte</numerusform>
            <numerusform>&lt;b&gt;ephemeral update&lt;/b&gt;, %n bytes</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n struct(s)</source>
        <translation>
            <numerusform>%n struct</numerusform>
            <numerusform>%n structs</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n deletion range(s)</source>
        <translation>
            <numerusform>%n deletion range</numerusform>
            <numerusform>%n deletion ranges</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>state vector of %n client(s)</source>
        <translation>
            <numerusform>state vector of %n client</numerusform>
            <numerusform>state vector of %n clients</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n awareness entry(s)</source>
        <translation>
            <numerusform>%n awareness entry</numerusform>
            <numerusform>%n awareness entries</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>clocks %1, %n struct(s)</source>
        <translation>
            <numerusform>clocks %1, %n struct</numerusform>
            <numerusform>clocks %1, %n structs</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n byte(s), masked in the hex view</source>
        <translation>
            <numerusform>%n byte, masked in the hex view</numerusform>
            <numerusform>%n bytes, masked in the hex view</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>&lt;b&gt;Yjs update (V1)&lt;/b&gt;, %n byte(s)</source>
        <translation>
            <numerusform>&lt;b&gt;Yjs update (V1)&lt;/b&gt;, %n byte</numerusform>
            <numerusform>&lt;b&gt;Yjs update (V1)&lt;/b&gt;, %n bytes</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n range(s)</source>
        <translation>
            <numerusform>%n range</numerusform>
            <numerusform>%n ranges</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>&lt;b&gt;state vector&lt;/b&gt;, %n byte(s)</source>
        <translation>
            <numerusform>&lt;b&gt;state vector&lt;/b&gt;, %n byte</numerusform>
            <numerusform>&lt;b&gt;state vector&lt;/b&gt;, %n bytes</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n client(s) known to the sender</source>
        <translation>
            <numerusform>%n client known to the sender</numerusform>
            <numerusform>%n clients known to the sender</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>&lt;b&gt;awareness update&lt;/b&gt;, %n byte(s)</source>
        <translation>
            <numerusform>&lt;b&gt;awareness update&lt;/b&gt;, %n byte</numerusform>
            <numerusform>&lt;b&gt;awareness update&lt;/b&gt;, %n bytes</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n byte(s) after the fields the host reads: kept, ignored</source>
        <translation>
            <numerusform>%n byte after the fields the host reads: kept, ignored</numerusform>
            <numerusform>%n bytes after the fields the host reads: kept, ignored</numerusform>
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
    <name>canopy::ui::RoomsPage</name>
    <message numerus="yes">
        <source>%n entry(s)</source>
        <translation>
            <numerusform>%n entry</numerusform>
            <numerusform>%n entries</numerusform>
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
    <message numerus="yes">
        <source>%n room(s): %1</source>
        <translation>
            <numerusform>%n room: %1</numerusform>
            <numerusform>%n rooms: %1</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>, %n read-only</source>
        <translation>
            <numerusform>, %n read-only</numerusform>
            <numerusform>, %n read-only</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>canopy::ui::TlsPanel</name>
    <message numerus="yes">
        <source>until %1 — expires in %n day(s)</source>
        <translation>
            <numerusform>until %1 — expires in %n day</numerusform>
            <numerusform>until %1 — expires in %n days</numerusform>
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
