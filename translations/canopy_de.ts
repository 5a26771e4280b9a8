<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="de_DE" sourcelanguage="en">
<context>
    <name>Format</name>
    <message>
        <source>%1/s</source>
        <translation>%1/s</translation>
    </message>
    <message>
        <source>%1 s</source>
        <translation>%1 s</translation>
    </message>
    <message>
        <source>%1 min %2 s</source>
        <translation>%1 min %2 s</translation>
    </message>
    <message>
        <source>%1 h %2 min</source>
        <translation>%1 h %2 min</translation>
    </message>
    <message>
        <source>%1 d %2 h</source>
        <translation>%1 d %2 h</translation>
    </message>
</context>
<context>
    <name>FrameDecoder</name>
    <message numerus="yes">
        <source>… %n more byte(s) not shown</source>
        <translation>
            <numerusform>… %n weiteres Byte nicht angezeigt</numerusform>
            <numerusform>… %n weitere Bytes nicht angezeigt</numerusform>
        </translation>
    </message>
    <message>
        <source>unknown (no header)</source>
        <translation>unbekannt (kein Header)</translation>
    </message>
    <message>
        <source>legacy (%1), not supported</source>
        <translation>veraltet (%1), nicht unterstützt</translation>
    </message>
    <message>
        <source>shallow snapshot (3)</source>
        <translation>flacher Snapshot (3)</translation>
    </message>
    <message>
        <source>snapshot (3)</source>
        <translation>Snapshot (3)</translation>
    </message>
    <message>
        <source>update (4)</source>
        <translation>Update (4)</translation>
    </message>
    <message>
        <source>unknown (%1)</source>
        <translation>unbekannt (%1)</translation>
    </message>
    <message>
        <source>not checked</source>
        <translation>nicht geprüft</translation>
    </message>
    <message>
        <source>valid (xxHash32)</source>
        <translation>gültig (xxHash32)</translation>
    </message>
    <message>
        <source>mismatch</source>
        <translation>stimmt nicht überein</translation>
    </message>
    <message>
        <source>Loro document</source>
        <translation>Loro-Dokument</translation>
    </message>
    <message>
        <source>end-to-end encrypted Loro document</source>
        <translation>Ende-zu-Ende-verschlüsseltes Loro-Dokument</translation>
    </message>
    <message>
        <source>ephemeral store (presence, in memory)</source>
        <translation>flüchtiger Speicher (Präsenz, nur im Arbeitsspeicher)</translation>
    </message>
    <message>
        <source>persisted ephemeral store</source>
        <translation>gespeicherter flüchtiger Speicher</translation>
    </message>
    <message>
        <source>Flock document (not served)</source>
        <translation>Flock-Dokument (nicht bedient)</translation>
    </message>
    <message>
        <source>unknown magic</source>
        <translation>unbekannte Kennung</translation>
    </message>
    <message>
        <source>Yjs document</source>
        <translation>Yjs-Dokument</translation>
    </message>
    <message>
        <source>Yjs awareness (presence, in memory)</source>
        <translation>Yjs-Awareness (Präsenz, nur im Arbeitsspeicher)</translation>
    </message>
</context>
<context>
    <name>MsgpackTree</name>
    <message>
        <source>truncated at byte %1</source>
        <translation>abgeschnitten bei Byte %1</translation>
    </message>
    <message>
        <source>a length at byte %1 runs past the end</source>
        <translation>eine Länge bei Byte %1 reicht über das Ende hinaus</translation>
    </message>
    <message>
        <source>byte 0x%1 at %2 starts no msgpack value</source>
        <translation>Byte 0x%1 bei %2 beginnt keinen msgpack-Wert</translation>
    </message>
    <message>
        <source>nested deeper than %1 levels</source>
        <translation>tiefer als %1 Ebenen verschachtelt</translation>
    </message>
    <message>
        <source>more than %1 values</source>
        <translation>mehr als %1 Werte</translation>
    </message>
    <message numerus="yes">
        <source>type %1, %n byte(s)</source>
        <translation>
            <numerusform>Typ %1, %n Byte</numerusform>
            <numerusform>Typ %1, %n Bytes</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n byte(s)</source>
        <translation>
            <numerusform>%n Byte</numerusform>
            <numerusform>%n Bytes</numerusform>
        </translation>
    </message>
    <message>
        <source>a container at byte %1 claims more elements than there are bytes</source>
        <translation>ein Container bei Byte %1 gibt mehr Elemente an, als Bytes vorhanden sind</translation>
    </message>
    <message numerus="yes">
        <source>%n entries</source>
        <translation>
            <numerusform>%n Eintrag</numerusform>
            <numerusform>%n Einträge</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n items</source>
        <translation>
            <numerusform>%n Element</numerusform>
            <numerusform>%n Elemente</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n byte(s) follow the first value</source>
        <translation>
            <numerusform>%n Byte folgt auf den ersten Wert</numerusform>
            <numerusform>%n Bytes folgen auf den ersten Wert</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>canopy::ui::AccessChecker</name>
    <message>
        <source>Check</source>
        <translation>Prüfen</translation>
    </message>
    <message>
        <source>did:plc:… or key:&lt;name&gt;</source>
        <translation>did:plc:… oder key:&lt;Name&gt;</translation>
    </message>
    <message>
        <source>a document id: leaf:… or a room id</source>
        <translation>eine Dokument-ID: leaf:… oder eine Raum-ID</translation>
    </message>
    <message>
        <source>Ask the host&apos;s own rules, as a client connecting now would meet them</source>
        <translation>Die Regeln des Hosts selbst fragen, so wie ein Client sie beim Verbinden jetzt anträfe</translation>
    </message>
    <message>
        <source>Can</source>
        <translation>Darf</translation>
    </message>
    <message>
        <source>use</source>
        <translation>auf</translation>
    </message>
    <message>
        <source>The host is not running.</source>
        <translation>Der Host läuft nicht.</translation>
    </message>
    <message>
        <source>Enter an identity: a DID (did:method:identifier) or key:&lt;name&gt;.</source>
        <translation>Geben Sie eine Identität ein: eine DID (did:methode:kennung) oder key:&lt;Name&gt;.</translation>
    </message>
    <message>
        <source>Enter a document id.</source>
        <translation>Geben Sie eine Dokument-ID ein.</translation>
    </message>
    <message>
        <source>connect</source>
        <translation>verbinden</translation>
    </message>
    <message>
        <source>read</source>
        <translation>lesen</translation>
    </message>
    <message>
        <source>write</source>
        <translation>schreiben</translation>
    </message>
    <message>
        <source>Why: %1</source>
        <translation>Warum: %1</translation>
    </message>
    <message>
        <source>Enter an identity and a document, then Check: the answer names the rule that decided.</source>
        <translation>Geben Sie eine Identität und ein Dokument ein, dann Prüfen: Die Antwort nennt die Regel, die entschieden hat.</translation>
    </message>
</context>
<context>
    <name>canopy::ui::BackupsModel</name>
    <message>
        <source>yes</source>
        <translation>ja</translation>
    </message>
    <message>
        <source>no: not whole</source>
        <translation>nein: nicht vollständig</translation>
    </message>
    <message>
        <source>Passed SQLite&apos;s integrity check when it was made, and is still whole</source>
        <translation>Hat beim Anlegen die Integritätsprüfung von SQLite bestanden und ist noch vollständig</translation>
    </message>
    <message>
        <source>Shorter or longer than its header says: not Canopy&apos;s copy as it was made</source>
        <translation>Kürzer oder länger, als ihr Kopf angibt: nicht mehr Canopys Kopie, wie sie angelegt wurde</translation>
    </message>
    <message>
        <source>%1 bytes</source>
        <translation>%1 Bytes</translation>
    </message>
    <message>
        <source>Taken</source>
        <translation>Angelegt</translation>
    </message>
    <message>
        <source>File</source>
        <translation>Datei</translation>
    </message>
    <message>
        <source>Size</source>
        <translation>Größe</translation>
    </message>
    <message>
        <source>Verified</source>
        <translation>Geprüft</translation>
    </message>
</context>
<context>
    <name>canopy::ui::BackupsPage</name>
    <message>
        <source>Back up now</source>
        <translation>Jetzt sichern</translation>
    </message>
    <message>
        <source>Copy the database into the backup dir now and verify the copy; clients keep writing meanwhile</source>
        <translation>Die Datenbank jetzt ins Sicherungsverzeichnis kopieren und die Kopie prüfen; Clients schreiben währenddessen weiter</translation>
    </message>
    <message>
        <source>To restore a copy, stop Canopy and run &lt;tt&gt;canopy --restore &amp;lt;file&amp;gt; --dry-run&lt;/tt&gt; to see what it would replace, then again without &lt;tt&gt;--dry-run&lt;/tt&gt;. The database it replaces is kept beside it.</source>
        <translation>Um eine Kopie wiederherzustellen, beenden Sie Canopy und führen &lt;tt&gt;canopy --restore &amp;lt;file&amp;gt; --dry-run&lt;/tt&gt; aus, um zu sehen, was sie ersetzen würde, dann noch einmal ohne &lt;tt&gt;--dry-run&lt;/tt&gt;. Die ersetzte Datenbank bleibt daneben erhalten.</translation>
    </message>
    <message>
        <source>Backups</source>
        <translation>Sicherungen</translation>
    </message>
    <message>
        <source>Settings:</source>
        <translation>Einstellungen:</translation>
    </message>
    <message>
        <source>Last success:</source>
        <translation>Letzter Erfolg:</translation>
    </message>
    <message>
        <source>Last failure:</source>
        <translation>Letzter Fehlschlag:</translation>
    </message>
    <message>
        <source>Next run:</source>
        <translation>Nächster Lauf:</translation>
    </message>
    <message>
        <source>The host is not running.</source>
        <translation>Der Host läuft nicht.</translation>
    </message>
    <message>
        <source>Off: start Canopy with --backup-dir (and --backup-interval for a schedule) to keep verified copies of the database.</source>
        <translation>Aus: Starten Sie Canopy mit --backup-dir (und --backup-interval für einen Zeitplan), um geprüfte Kopien der Datenbank zu behalten.</translation>
    </message>
    <message>
        <source>Every %1 into %2, keeping the newest %3</source>
        <translation>Alle %1 nach %2, die neuesten %3 bleiben</translation>
    </message>
    <message>
        <source>On demand into %1, keeping the newest %2</source>
        <translation>Auf Anforderung nach %1, die neuesten %2 bleiben</translation>
    </message>
    <message>
        <source>%1: %2, %3</source>
        <translation>%1: %2, %3</translation>
    </message>
    <message>
        <source>none since start-up</source>
        <translation>keine seit dem Start</translation>
    </message>
    <message>
        <source>%1: %2</source>
        <translation>%1: %2</translation>
    </message>
    <message>
        <source>running since %1</source>
        <translation>läuft seit %1</translation>
    </message>
    <message>
        <source>%1 (in %2)</source>
        <translation>%1 (in %2)</translation>
    </message>
    <message>
        <source>on demand only</source>
        <translation>nur auf Anforderung</translation>
    </message>
    <message>
        <source>Backed up to %1 (%2), verified</source>
        <translation>Gesichert nach %1 (%2), geprüft</translation>
    </message>
    <message>
        <source>Backup %1 made</source>
        <translation>Sicherung %1 angelegt</translation>
    </message>
    <message>
        <source>The backup failed: %1</source>
        <translation>Die Sicherung ist fehlgeschlagen: %1</translation>
    </message>
    <message>
        <source>Backing up…</source>
        <translation>Wird gesichert…</translation>
    </message>
</context>
<context>
    <name>canopy::ui::BanDialog</name>
    <message>
        <source>Ban DID</source>
        <translation>DID sperren</translation>
    </message>
    <message>
        <source>Shown in the event log, e.g. “flooding”</source>
        <translation>Erscheint im Ereignisprotokoll, z. B. „Flooding“</translation>
    </message>
    <message>
        <source>1 hour</source>
        <translation>1 Stunde</translation>
    </message>
    <message>
        <source>1 day</source>
        <translation>1 Tag</translation>
    </message>
    <message>
        <source>1 week</source>
        <translation>1 Woche</translation>
    </message>
    <message>
        <source>30 days</source>
        <translation>30 Tage</translation>
    </message>
    <message>
        <source>Until lifted</source>
        <translation>Bis zur Aufhebung</translation>
    </message>
    <message>
        <source>Ban</source>
        <translation>Sperren</translation>
    </message>
    <message>
        <source>DID:</source>
        <translation>DID:</translation>
    </message>
    <message>
        <source>Reason:</source>
        <translation>Grund:</translation>
    </message>
    <message>
        <source>Duration:</source>
        <translation>Dauer:</translation>
    </message>
    <message>
        <source>The DID&apos;s open sessions are closed at once, and it cannot connect or get tokens until the ban ends.</source>
        <translation>Die offenen Sitzungen der DID werden sofort geschlossen; bis zum Ende der Sperre kann sie sich weder verbinden noch Tokens erhalten.</translation>
    </message>
</context>
<context>
    <name>canopy::ui::BansModel</name>
    <message>
        <source>until lifted</source>
        <translation>bis zur Aufhebung</translation>
    </message>
    <message>
        <source>DID</source>
        <translation>DID</translation>
    </message>
    <message>
        <source>Reason</source>
        <translation>Grund</translation>
    </message>
    <message>
        <source>Since</source>
        <translation>Seit</translation>
    </message>
    <message>
        <source>Until</source>
        <translation>Bis</translation>
    </message>
</context>
<context>
    <name>canopy::ui::BlocksModel</name>
    <message>
        <source>Peer %1</source>
        <translation>Peer %1</translation>
    </message>
    <message>
        <source>Author peer</source>
        <translation>Autor-Peer</translation>
    </message>
    <message>
        <source>Counters</source>
        <translation>Zähler</translation>
    </message>
    <message>
        <source>Lamports</source>
        <translation>Lamport-Zeiten</translation>
    </message>
    <message>
        <source>Changes</source>
        <translation>Änderungen</translation>
    </message>
    <message>
        <source>Size</source>
        <translation>Größe</translation>
    </message>
    <message>
        <source>Received</source>
        <translation>Empfangen</translation>
    </message>
    <message>
        <source>From</source>
        <translation>Von</translation>
    </message>
    <message>
        <source>Key %1</source>
        <translation>Schlüssel %1</translation>
    </message>
    <message>
        <source>Key</source>
        <translation>Schlüssel</translation>
    </message>
    <message>
        <source>Record header</source>
        <translation>Datensatz-Header</translation>
    </message>
    <message>
        <source>Value</source>
        <translation>Wert</translation>
    </message>
    <message>
        <source>Detail</source>
        <translation>Detail</translation>
    </message>
    <message>
        <source>Client %1</source>
        <translation>Client %1</translation>
    </message>
    <message>
        <source>Client</source>
        <translation>Client</translation>
    </message>
    <message>
        <source>Clocks</source>
        <translation>Uhren</translation>
    </message>
    <message>
        <source>Structs</source>
        <translation>Structs</translation>
    </message>
</context>
<context>
    <name>canopy::ui::DocumentAccessTab</name>
    <message>
        <source>Grant</source>
        <translation>Gewähren</translation>
    </message>
    <message>
        <source>Remove grant</source>
        <translation>Freigabe entfernen</translation>
    </message>
    <message>
        <source>Apply</source>
        <translation>Übernehmen</translation>
    </message>
    <message>
        <source>Revert</source>
        <translation>Verwerfen</translation>
    </message>
    <message>
        <source>none recorded (a document older than the record)</source>
        <translation>keiner verzeichnet (ein Dokument, älter als die Aufzeichnung)</translation>
    </message>
    <message>
        <source>The owner always may write. Recorded from the write that created the document; change it to hand the document over.</source>
        <translation>Der Eigentümer darf immer schreiben. Verzeichnet aus dem Schreibvorgang, der das Dokument angelegt hat; ändern Sie ihn, um das Dokument zu übergeben.</translation>
    </message>
    <message>
        <source>none: only the owner and grants</source>
        <translation>keiner: nur der Eigentümer und Freigaben</translation>
    </message>
    <message>
        <source>read: everyone may read</source>
        <translation>lesen: alle dürfen lesen</translation>
    </message>
    <message>
        <source>write: everyone may read and write</source>
        <translation>schreiben: alle dürfen lesen und schreiben</translation>
    </message>
    <message>
        <source>What every identity that is neither the owner nor granted more may do; a grant only adds to it</source>
        <translation>Was jede Identität darf, die weder Eigentümer ist noch mehr freigegeben bekam; eine Freigabe fügt nur hinzu</translation>
    </message>
    <message>
        <source>did:plc:… or key:&lt;name&gt;</source>
        <translation>did:plc:… oder key:&lt;Name&gt;</translation>
    </message>
    <message>
        <source>read</source>
        <translation>lesen</translation>
    </message>
    <message>
        <source>write</source>
        <translation>schreiben</translation>
    </message>
    <message>
        <source>Replace the document&apos;s owner, default and grants; live sessions follow at once</source>
        <translation>Eigentümer, Standard und Freigaben des Dokuments ersetzen; laufende Sitzungen folgen sofort</translation>
    </message>
    <message>
        <source>Drop the edits and show what the host holds</source>
        <translation>Die Änderungen verwerfen und zeigen, was der Host hält</translation>
    </message>
    <message>
        <source>Owner:</source>
        <translation>Eigentümer:</translation>
    </message>
    <message>
        <source>Default access:</source>
        <translation>Standardzugriff:</translation>
    </message>
    <message>
        <source>Can X write this document, and why?</source>
        <translation>Darf X dieses Dokument schreiben, und warum?</translation>
    </message>
    <message>
        <source>The host&apos;s record changed meanwhile: Apply replaces it with this form, Revert shows it.</source>
        <translation>Der Eintrag des Hosts hat sich inzwischen geändert: Übernehmen ersetzt ihn durch dieses Formular, Verwerfen zeigt ihn.</translation>
    </message>
    <message>
        <source>Select a document to see who may read and write it.</source>
        <translation>Wählen Sie ein Dokument, um zu sehen, wer es lesen und schreiben darf.</translation>
    </message>
    <message>
        <source>The host is not running.</source>
        <translation>Der Host läuft nicht.</translation>
    </message>
    <message>
        <source>Who may read and write %1, on every protocol and for every kind of that id. The owner always may write; everyone else gets the stronger of the default and their grant.</source>
        <translation>Wer %1 lesen und schreiben darf, über jedes Protokoll und für jede Art dieser ID. Der Eigentümer darf immer schreiben; alle anderen erhalten das Stärkere aus Standard und ihrer Freigabe.</translation>
    </message>
    <message>
        <source>No rights are recorded for this document yet: it has the default a new document gets (%1). Apply records them.</source>
        <translation>Für dieses Dokument sind noch keine Rechte verzeichnet: Es hat den Standard, den ein neues Dokument erhält (%1). Übernehmen verzeichnet sie.</translation>
    </message>
    <message>
        <source>Enter the identity to grant: a DID (did:method:identifier) or key:&lt;name&gt;.</source>
        <translation>Geben Sie die Identität ein, der Sie etwas freigeben: eine DID (did:methode:kennung) oder key:&lt;Name&gt;.</translation>
    </message>
    <message>
        <source>“%1” is neither a DID (did:method:identifier) nor an access key (key:&lt;name&gt;).</source>
        <translation>„%1“ ist weder eine DID (did:methode:kennung) noch ein Zugangsschlüssel (key:&lt;Name&gt;).</translation>
    </message>
    <message>
        <source>%1 now has %2; Apply to send it.</source>
        <translation>%1 hat jetzt %2; Übernehmen sendet es.</translation>
    </message>
    <message>
        <source>%1 granted %2; Apply to send it.</source>
        <translation>%1 erhält %2; Übernehmen sendet es.</translation>
    </message>
    <message>
        <source>Grant of %1 removed; Apply to send it.</source>
        <translation>Freigabe für %1 entfernt; Übernehmen sendet es.</translation>
    </message>
    <message>
        <source>Not applied: %1</source>
        <translation>Nicht übernommen: %1</translation>
    </message>
    <message>
        <source>Applied: live sessions follow the new rights.</source>
        <translation>Übernommen: Laufende Sitzungen folgen den neuen Rechten.</translation>
    </message>
    <message>
        <source>Access to %1 changed</source>
        <translation>Zugriff auf %1 geändert</translation>
    </message>
</context>
<context>
    <name>canopy::ui::DocumentExporter</name>
    <message>
        <source>Cancelled</source>
        <translation>Abgebrochen</translation>
    </message>
</context>
<context>
    <name>canopy::ui::DocumentsModel</name>
    <message>
        <source>%1 bytes</source>
        <translation>%1 Bytes</translation>
    </message>
    <message>
        <source>Size</source>
        <translation>Größe</translation>
    </message>
    <message>
        <source>Blocks</source>
        <translation>Blöcke</translation>
    </message>
    <message>
        <source>Peers</source>
        <translation>Peers</translation>
    </message>
    <message>
        <source>Subscribers</source>
        <translation>Abonnenten</translation>
    </message>
    <message>
        <source>Last change</source>
        <translation>Letzte Änderung</translation>
    </message>
    <message>
        <source>Last writer</source>
        <translation>Zuletzt geschrieben von</translation>
    </message>
    <message>
        <source>Loro</source>
        <translation>Loro</translation>
    </message>
    <message>
        <source>ELO (encrypted)</source>
        <translation>ELO (verschlüsselt)</translation>
    </message>
    <message>
        <source>ephemeral (persisted)</source>
        <translation>flüchtig (gespeichert)</translation>
    </message>
    <message>
        <source>ephemeral</source>
        <translation>flüchtig</translation>
    </message>
    <message>
        <source>Loro change blocks, from Sync1 (leaf: entities) or loro-protocol %LOR</source>
        <translation>Loro-Änderungsblöcke, aus Sync1 (leaf:-Entitäten) oder loro-protocol %LOR</translation>
    </message>
    <message>
        <source>End-to-end encrypted Loro records (%ELO): the host reads only their plaintext headers</source>
        <translation>Ende-zu-Ende-verschlüsselte Loro-Datensätze (%ELO): Der Host liest nur ihre Klartext-Header</translation>
    </message>
    <message>
        <source>A persisted ephemeral store (%EPS): the latest entry per key</source>
        <translation>Ein gespeicherter flüchtiger Speicher (%EPS): der neueste Eintrag je Schlüssel</translation>
    </message>
    <message>
        <source>Document</source>
        <translation>Dokument</translation>
    </message>
    <message>
        <source>Kind</source>
        <translation>Art</translation>
    </message>
    <message>
        <source>Yjs</source>
        <translation>Yjs</translation>
    </message>
    <message>
        <source>A Yjs document (y-websocket, Hocuspocus, loro-protocol %YJS): stored V1 updates, merged in the background</source>
        <translation>Ein Yjs-Dokument (y-websocket, Hocuspocus, loro-protocol %YJS): gespeicherte V1-Updates, im Hintergrund zusammengeführt</translation>
    </message>
    <message numerus="yes">
        <source>%n stored update(s): runs of one client&apos;s structs, and delete sets</source>
        <translation>
            <numerusform>%n gespeichertes Update: Folgen von Structs eines Clients und Löschmengen</numerusform>
            <numerusform>%n gespeicherte Updates: Folgen von Structs eines Clients und Löschmengen</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n Yjs client(s)</source>
        <translation>
            <numerusform>%n Yjs-Client</numerusform>
            <numerusform>%n Yjs-Clients</numerusform>
        </translation>
    </message>
    <message>
        <source>client %1: clocks below %2</source>
        <translation>Client %1: Uhren unter %2</translation>
    </message>
    <message>
        <source>State vector</source>
        <translation>Zustandsvektor</translation>
    </message>
    <message>
        <source>Yjs awareness</source>
        <translation>Yjs-Awareness</translation>
    </message>
</context>
<context>
    <name>canopy::ui::DocumentsPage</name>
    <message>
        <source>Export…</source>
        <translation>Exportieren …</translation>
    </message>
    <message>
        <source>Delete…</source>
        <translation>Löschen …</translation>
    </message>
    <message>
        <source>Export document</source>
        <translation>Dokument exportieren</translation>
    </message>
    <message>
        <source>Exporting %1…</source>
        <translation>%1 wird exportiert …</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Abbrechen</translation>
    </message>
    <message>
        <source>Exported %1 to %2</source>
        <translation>%1 nach %2 exportiert</translation>
    </message>
    <message>
        <source>Export failed: %1</source>
        <translation>Export fehlgeschlagen: %1</translation>
    </message>
    <message>
        <source>Delete document</source>
        <translation>Dokument löschen</translation>
    </message>
    <message>
        <source>Delete %1 and its whole history from this host? Clients that still hold the document can upload it again.</source>
        <translation>%1 mit seiner gesamten Historie von diesem Host löschen? Clients, die das Dokument noch haben, können es erneut hochladen.</translation>
    </message>
    <message>
        <source>%1 deleted</source>
        <translation>%1 gelöscht</translation>
    </message>
    <message>
        <source>ELO record container (*.elo);;All files (*)</source>
        <translation>ELO-Datensatzcontainer (*.elo);;Alle Dateien (*)</translation>
    </message>
    <message>
        <source>Ephemeral store update (*.eps);;All files (*)</source>
        <translation>Update eines flüchtigen Speichers (*.eps);;Alle Dateien (*)</translation>
    </message>
    <message>
        <source>Loro blob (*.loro);;All files (*)</source>
        <translation>Loro-Blob (*.loro);;Alle Dateien (*)</translation>
    </message>
    <message>
        <source>Live entries</source>
        <translation>Aktuelle Einträge</translation>
    </message>
    <message>
        <source>Save the document as a fresh joiner would receive it: one file per payload, numbered in the order to import them</source>
        <translation>Das Dokument so speichern, wie ein neu Beitretender es erhielte: eine Datei je Nutzlast, in der Reihenfolge des Imports nummeriert</translation>
    </message>
    <message>
        <source>Delete the document and all its units from the store</source>
        <translation>Das Dokument mit allen Einheiten aus dem Speicher löschen</translation>
    </message>
    <message>
        <source>Show the entries this store holds now, ticking, on the Rooms page</source>
        <translation>Die Einträge, die dieser Speicher jetzt hält, live auf der Seite „Räume“ zeigen</translation>
    </message>
    <message>
        <source>Select a document to see its history.</source>
        <translation>Wählen Sie ein Dokument, um seine Historie zu sehen.</translation>
    </message>
    <message numerus="yes">
        <source>%n record(s)</source>
        <translation>
            <numerusform>%n Datensatz</numerusform>
            <numerusform>%n Datensätze</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n entry(s)</source>
        <translation>
            <numerusform>%n Eintrag</numerusform>
            <numerusform>%n Einträge</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n block(s)</source>
        <translation>
            <numerusform>%n Block</numerusform>
            <numerusform>%n Blöcke</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Export document (%n file(s), numbered)</source>
        <translation>
            <numerusform>Dokument exportieren (%n Datei)</numerusform>
            <numerusform>Dokument exportieren (%n Dateien, nummeriert)</numerusform>
        </translation>
    </message>
    <message>
        <source>The document is empty.</source>
        <translation>Das Dokument ist leer.</translation>
    </message>
    <message>
        <source>Cannot write %1</source>
        <translation>%1 kann nicht geschrieben werden</translation>
    </message>
    <message numerus="yes">
        <source>Exported %1 as %n file(s); import them in this order: %2</source>
        <translation>
            <numerusform>%1 als %n Datei exportiert: %2</numerusform>
            <numerusform>%1 als %n Dateien exportiert; in dieser Reihenfolge importieren: %2</numerusform>
        </translation>
    </message>
    <message>
        <source>%1 · %2 — %3, %4</source>
        <translation>%1 · %2 — %3, %4</translation>
    </message>
    <message>
        <source>History</source>
        <translation>Historie</translation>
    </message>
    <message>
        <source>Access</source>
        <translation>Zugriff</translation>
    </message>
    <message>
        <source>Yjs update, V1 (*.yjs);;All files (*)</source>
        <translation>Yjs-Update, V1 (*.yjs);;Alle Dateien (*)</translation>
    </message>
    <message numerus="yes">
        <source>%n stored update(s)</source>
        <translation>
            <numerusform>%n gespeichertes Update</numerusform>
            <numerusform>%n gespeicherte Updates</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n client(s), state vector {%1}</source>
        <translation>
            <numerusform>%n Client, Zustandsvektor {%1}</numerusform>
            <numerusform>%n Clients, Zustandsvektor {%1}</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>canopy::ui::FrameDetailView</name>
    <message>
        <source>Key</source>
        <translation>Schlüssel</translation>
    </message>
    <message>
        <source>Type</source>
        <translation>Typ</translation>
    </message>
    <message>
        <source>Value</source>
        <translation>Wert</translation>
    </message>
    <message>
        <source>Author peer</source>
        <translation>Autor-Peer</translation>
    </message>
    <message>
        <source>Counters</source>
        <translation>Zähler</translation>
    </message>
    <message>
        <source>Lamports</source>
        <translation>Lamport-Zeiten</translation>
    </message>
    <message>
        <source>Changes</source>
        <translation>Änderungen</translation>
    </message>
    <message>
        <source>Size</source>
        <translation>Größe</translation>
    </message>
    <message>
        <source>Message</source>
        <translation>Nachricht</translation>
    </message>
    <message>
        <source>Hex</source>
        <translation>Hex</translation>
    </message>
    <message>
        <source>Select a frame to see what it carries.</source>
        <translation>Wählen Sie einen Frame, um seinen Inhalt zu sehen.</translation>
    </message>
    <message numerus="yes">
        <source>%n byte(s) on the wire</source>
        <translation>
            <numerusform>%n Byte auf der Leitung</numerusform>
            <numerusform>%n Bytes auf der Leitung</numerusform>
        </translation>
    </message>
    <message>
        <source>only the first %1 were kept</source>
        <translation>nur die ersten %1 wurden behalten</translation>
    </message>
    <message>
        <source>a text frame: Sync1 ignores these</source>
        <translation>ein Text-Frame: Sync1 ignoriert diese</translation>
    </message>
    <message>
        <source>not a valid Sync1 message (%1)</source>
        <translation>keine gültige Sync1-Nachricht (%1)</translation>
    </message>
    <message>
        <source>a valid Sync1 %1 message</source>
        <translation>eine gültige Sync1-Nachricht vom Typ %1</translation>
    </message>
    <message>
        <source>(text)</source>
        <translation>(Text)</translation>
    </message>
    <message>
        <source>(frame)</source>
        <translation>(Frame)</translation>
    </message>
    <message>
        <source>(not msgpack)</source>
        <translation>(kein msgpack)</translation>
    </message>
    <message>
        <source>This message carries no Loro payload.</source>
        <translation>Diese Nachricht enthält keine Loro-Nutzdaten.</translation>
    </message>
    <message numerus="yes">
        <source>&lt;b&gt;versionVector&lt;/b&gt;, %n byte(s)</source>
        <translation>
            <numerusform>&lt;b&gt;versionVector&lt;/b&gt;, %n Byte</numerusform>
            <numerusform>&lt;b&gt;versionVector&lt;/b&gt;, %n Bytes</numerusform>
        </translation>
    </message>
    <message>
        <source>Cannot decode: %1</source>
        <translation>Nicht dekodierbar: %1</translation>
    </message>
    <message>
        <source>up to %1</source>
        <translation>bis %1</translation>
    </message>
    <message numerus="yes">
        <source>&lt;b&gt;%1&lt;/b&gt;, %n byte(s)</source>
        <translation>
            <numerusform>&lt;b&gt;%1&lt;/b&gt;, %n Byte</numerusform>
            <numerusform>&lt;b&gt;%1&lt;/b&gt;, %n Bytes</numerusform>
        </translation>
    </message>
    <message>
        <source>Mode: %1</source>
        <translation>Modus: %1</translation>
    </message>
    <message>
        <source>Checksum: %1</source>
        <translation>Prüfsumme: %1</translation>
    </message>
    <message numerus="yes">
        <source>Parsed: %n change block(s)</source>
        <translation>
            <numerusform>Gelesen: %n Änderungsblock</numerusform>
            <numerusform>Gelesen: %n Änderungsblöcke</numerusform>
        </translation>
    </message>
    <message>
        <source>&lt;span style=&apos;color:#b02020&apos;&gt;Parse failed: %1&lt;/span&gt;</source>
        <translation>&lt;span style=&apos;color:#b02020&apos;&gt;Lesen fehlgeschlagen: %1&lt;/span&gt;</translation>
    </message>
    <message>
        <source>Payload</source>
        <translation>Nutzlast</translation>
    </message>
    <message>
        <source>a text frame that is not a keepalive: loro-protocol ignores it</source>
        <translation>ein Text-Frame, der kein Keepalive ist: loro-protocol ignoriert ihn</translation>
    </message>
    <message>
        <source>a loro-protocol keepalive (%1)</source>
        <translation>ein loro-protocol-Keepalive (%1)</translation>
    </message>
    <message>
        <source>not a valid loro-protocol message (%1)</source>
        <translation>keine gültige loro-protocol-Nachricht (%1)</translation>
    </message>
    <message>
        <source>a valid loro-protocol %1 for %2 room “%3”</source>
        <translation>ein gültiges loro-protocol-%1 für %2-Raum „%3“</translation>
    </message>
    <message>
        <source>(a kind this host does not serve)</source>
        <translation>(eine Art, die dieser Host nicht bedient)</translation>
    </message>
    <message>
        <source>(not loro-protocol)</source>
        <translation>(kein loro-protocol)</translation>
    </message>
    <message>
        <source>(bytes)</source>
        <translation>(Bytes)</translation>
    </message>
    <message>
        <source>see the Hex tab</source>
        <translation>siehe Reiter „Hex“</translation>
    </message>
    <message>
        <source>magic</source>
        <translation>Kennung</translation>
    </message>
    <message>
        <source>room</source>
        <translation>Raum</translation>
    </message>
    <message>
        <source>type</source>
        <translation>Typ</translation>
    </message>
    <message numerus="yes">
        <source>%n byte(s)</source>
        <translation>
            <numerusform>%n Byte</numerusform>
            <numerusform>%n Bytes</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>version vector of %n peer(s)</source>
        <translation>
            <numerusform>Versionsvektor mit %n Peer</numerusform>
            <numerusform>Versionsvektor mit %n Peers</numerusform>
        </translation>
    </message>
    <message>
        <source>counters below %1</source>
        <translation>Zähler unter %1</translation>
    </message>
    <message>
        <source>auth</source>
        <translation>Anmeldung</translation>
    </message>
    <message numerus="yes">
        <source>%n byte(s), masked in the hex view: it holds a token</source>
        <translation>
            <numerusform>%n Byte, in der Hex-Ansicht verdeckt: enthält ein Token</numerusform>
            <numerusform>%n Bytes, in der Hex-Ansicht verdeckt: enthält ein Token</numerusform>
        </translation>
    </message>
    <message>
        <source>version</source>
        <translation>Version</translation>
    </message>
    <message>
        <source>permission</source>
        <translation>Berechtigung</translation>
    </message>
    <message>
        <source>extra</source>
        <translation>Zusatz</translation>
    </message>
    <message>
        <source>code</source>
        <translation>Code</translation>
    </message>
    <message>
        <source>message</source>
        <translation>Meldung</translation>
    </message>
    <message>
        <source>receiverVersion</source>
        <translation>Empfängerversion</translation>
    </message>
    <message>
        <source>appCode</source>
        <translation>App-Code</translation>
    </message>
    <message>
        <source>updates</source>
        <translation>Updates</translation>
    </message>
    <message numerus="yes">
        <source>%n update(s)</source>
        <translation>
            <numerusform>%n Update</numerusform>
            <numerusform>%n Updates</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n change block(s)</source>
        <translation>
            <numerusform>%n Änderungsblock</numerusform>
            <numerusform>%n Änderungsblöcke</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n ELO record(s)</source>
        <translation>
            <numerusform>%n ELO-Datensatz</numerusform>
            <numerusform>%n ELO-Datensätze</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n entry(s)</source>
        <translation>
            <numerusform>%n Eintrag</numerusform>
            <numerusform>%n Einträge</numerusform>
        </translation>
    </message>
    <message>
        <source>batch id</source>
        <translation>Batch-ID</translation>
    </message>
    <message>
        <source>fragment count</source>
        <translation>Anzahl Fragmente</translation>
    </message>
    <message>
        <source>total size</source>
        <translation>Gesamtgröße</translation>
    </message>
    <message numerus="yes">
        <source>%1 (%n byte(s))</source>
        <translation>
            <numerusform>%1 (%n Byte)</numerusform>
            <numerusform>%1 (%n Bytes)</numerusform>
        </translation>
    </message>
    <message>
        <source>fragment %1 of %2, %3 in all</source>
        <translation>Fragment %1 von %2, insgesamt %3</translation>
    </message>
    <message>
        <source>its header is no longer in the list</source>
        <translation>sein Header ist nicht mehr in der Liste</translation>
    </message>
    <message>
        <source>index</source>
        <translation>Index</translation>
    </message>
    <message>
        <source>fragment</source>
        <translation>Fragment</translation>
    </message>
    <message>
        <source>the batch this acknowledges</source>
        <translation>der Batch, den dies bestätigt</translation>
    </message>
    <message>
        <source>status</source>
        <translation>Status</translation>
    </message>
    <message>
        <source>This message carries no document payload.</source>
        <translation>Diese Nachricht trägt keine Dokument-Nutzlast.</translation>
    </message>
    <message numerus="yes">
        <source>%n peer(s) known to the sender</source>
        <translation>
            <numerusform>%n Peer ist dem Sender bekannt</numerusform>
            <numerusform>%n Peers sind dem Sender bekannt</numerusform>
        </translation>
    </message>
    <message>
        <source>Update %1 of %2: </source>
        <translation>Update %1 von %2: </translation>
    </message>
    <message>
        <source>update %1</source>
        <translation>Update %1</translation>
    </message>
    <message>
        <source>Record</source>
        <translation>Datensatz</translation>
    </message>
    <message>
        <source>Peer</source>
        <translation>Peer</translation>
    </message>
    <message>
        <source>Span or version</source>
        <translation>Spanne oder Version</translation>
    </message>
    <message>
        <source>Key id</source>
        <translation>Schlüssel-ID</translation>
    </message>
    <message>
        <source>IV</source>
        <translation>IV</translation>
    </message>
    <message>
        <source>Ciphertext</source>
        <translation>Geheimtext</translation>
    </message>
    <message numerus="yes">
        <source>&lt;b&gt;ELO container&lt;/b&gt;, %n byte(s)</source>
        <translation>
            <numerusform>&lt;b&gt;ELO-Container&lt;/b&gt;, %n Byte</numerusform>
            <numerusform>&lt;b&gt;ELO-Container&lt;/b&gt;, %n Bytes</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n record(s); their plaintext headers below, the ciphertext stays opaque</source>
        <translation>
            <numerusform>%n Datensatz; unten sein Klartext-Header, der Geheimtext bleibt undurchsichtig</numerusform>
            <numerusform>%n Datensätze; unten ihre Klartext-Header, der Geheimtext bleibt undurchsichtig</numerusform>
        </translation>
    </message>
    <message>
        <source>&lt;span style=&apos;color:#b02020&apos;&gt;Cannot read the records: %1&lt;/span&gt;</source>
        <translation>&lt;span style=&apos;color:#b02020&apos;&gt;Die Datensätze sind nicht lesbar: %1&lt;/span&gt;</translation>
    </message>
    <message>
        <source>Snapshot</source>
        <translation>Snapshot</translation>
    </message>
    <message>
        <source>DeltaSpan</source>
        <translation>DeltaSpan</translation>
    </message>
    <message>
        <source>%1 bytes of ciphertext with its tag, after a %2-byte header</source>
        <translation>%1 Bytes Geheimtext mit Tag, nach einem Header von %2 Bytes</translation>
    </message>
    <message>
        <source>Timestamp</source>
        <translation>Zeitstempel</translation>
    </message>
    <message>
        <source>Deleted</source>
        <translation>Gelöscht</translation>
    </message>
    <message numerus="yes">
        <source>&lt;b&gt;ephemeral update&lt;/b&gt;, %n byte(s)</source>
        <translation>
            <numerusform>&lt;b&gt;flüchtiges Update&lt;/b&gt;, %n Byte</numerusform>
            <numerusform>&lt;b&gt;flüchtiges Update&lt;/b&gt;, %n Bytes</numerusform>
        </translation>
    </message>
    <message>
        <source>&lt;span style=&apos;color:#b02020&apos;&gt;Cannot read the entries: %1&lt;/span&gt;</source>
        <translation>&lt;span style=&apos;color:#b02020&apos;&gt;Die Einträge sind nicht lesbar: %1&lt;/span&gt;</translation>
    </message>
    <message>
        <source>deleted</source>
        <translation>gelöscht</translation>
    </message>
    <message>
        <source>%1 room “%2”, batch %3</source>
        <translation>%1-Raum „%2“, Batch %3</translation>
    </message>
    <message numerus="yes">
        <source>%n struct(s)</source>
        <translation>
            <numerusform>%n Struct</numerusform>
            <numerusform>%n Structs</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n deletion range(s)</source>
        <translation>
            <numerusform>%n Löschbereich</numerusform>
            <numerusform>%n Löschbereiche</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>state vector of %n client(s)</source>
        <translation>
            <numerusform>Zustandsvektor mit %n Client</numerusform>
            <numerusform>Zustandsvektor mit %n Clients</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n awareness entry(s)</source>
        <translation>
            <numerusform>%n Awareness-Eintrag</numerusform>
            <numerusform>%n Awareness-Einträge</numerusform>
        </translation>
    </message>
    <message>
        <source>a text frame: %1 sends none</source>
        <translation>ein Text-Frame: %1 sendet keine</translation>
    </message>
    <message>
        <source>not a valid %1 message (%2)</source>
        <translation>keine gültige %1-Nachricht (%2)</translation>
    </message>
    <message>
        <source>a valid %1 %2 for document “%3”</source>
        <translation>eine gültige %1-Nachricht %2 für das Dokument „%3“</translation>
    </message>
    <message>
        <source>a valid %1 %2 message</source>
        <translation>eine gültige %1-Nachricht vom Typ %2</translation>
    </message>
    <message>
        <source>client %1</source>
        <translation>Client %1</translation>
    </message>
    <message>
        <source>clocks below %1</source>
        <translation>Uhren unter %1</translation>
    </message>
    <message>
        <source>V1 update, </source>
        <translation>V1-Update, </translation>
    </message>
    <message>
        <source>(not decoded)</source>
        <translation>(nicht dekodiert)</translation>
    </message>
    <message>
        <source>document</source>
        <translation>Dokument</translation>
    </message>
    <message>
        <source>key</source>
        <translation>Schlüssel</translation>
    </message>
    <message>
        <source>the document name, a NUL, then the provider&apos;s session id</source>
        <translation>der Dokumentname, ein NUL, dann die Sitzungs-ID des Providers</translation>
    </message>
    <message>
        <source>unknown</source>
        <translation>unbekannt</translation>
    </message>
    <message>
        <source>sync step</source>
        <translation>Sync-Schritt</translation>
    </message>
    <message>
        <source>data</source>
        <translation>Daten</translation>
    </message>
    <message numerus="yes">
        <source>clocks %1, %n struct(s)</source>
        <translation>
            <numerusform>Uhren %1, %n Struct</numerusform>
            <numerusform>Uhren %1, %n Structs</numerusform>
        </translation>
    </message>
    <message>
        <source>deleted of %1</source>
        <translation>gelöscht von %1</translation>
    </message>
    <message>
        <source>awareness update</source>
        <translation>Awareness-Update</translation>
    </message>
    <message>
        <source>clock %1</source>
        <translation>Uhr %1</translation>
    </message>
    <message>
        <source>null (the client left)</source>
        <translation>null (der Client ist gegangen)</translation>
    </message>
    <message>
        <source>auth type</source>
        <translation>Auth-Typ</translation>
    </message>
    <message>
        <source>token</source>
        <translation>Token</translation>
    </message>
    <message numerus="yes">
        <source>%n byte(s), masked in the hex view</source>
        <translation>
            <numerusform>%n Byte, in der Hex-Ansicht maskiert</numerusform>
            <numerusform>%n Bytes, in der Hex-Ansicht maskiert</numerusform>
        </translation>
    </message>
    <message>
        <source>provider version</source>
        <translation>Provider-Version</translation>
    </message>
    <message>
        <source>scope</source>
        <translation>Umfang</translation>
    </message>
    <message>
        <source>reason</source>
        <translation>Grund</translation>
    </message>
    <message>
        <source>payload</source>
        <translation>Nutzlast</translation>
    </message>
    <message>
        <source>1 (applied: committed)</source>
        <translation>1 (angewendet: gespeichert)</translation>
    </message>
    <message>
        <source>%1 (not applied)</source>
        <translation>%1 (nicht angewendet)</translation>
    </message>
    <message>
        <source>(trailing)</source>
        <translation>(angehängt)</translation>
    </message>
    <message numerus="yes">
        <source>%n byte(s) after the fields the host reads: kept, ignored</source>
        <translation>
            <numerusform>%n Byte nach den Feldern, die der Host liest: behalten, ignoriert</numerusform>
            <numerusform>%n Bytes nach den Feldern, die der Host liest: behalten, ignoriert</numerusform>
        </translation>
    </message>
    <message>
        <source>(error)</source>
        <translation>(Fehler)</translation>
    </message>
    <message>
        <source>Document “%1”</source>
        <translation>Dokument „%1“</translation>
    </message>
    <message>
        <source>Client or struct</source>
        <translation>Client oder Struct</translation>
    </message>
    <message>
        <source>Clocks</source>
        <translation>Uhren</translation>
    </message>
    <message>
        <source>Length</source>
        <translation>Länge</translation>
    </message>
    <message>
        <source>Content</source>
        <translation>Inhalt</translation>
    </message>
    <message>
        <source>Detail</source>
        <translation>Detail</translation>
    </message>
    <message numerus="yes">
        <source>&lt;b&gt;Yjs update (V1)&lt;/b&gt;, %n byte(s)</source>
        <translation>
            <numerusform>&lt;b&gt;Yjs-Update (V1)&lt;/b&gt;, %n Byte</numerusform>
            <numerusform>&lt;b&gt;Yjs-Update (V1)&lt;/b&gt;, %n Bytes</numerusform>
        </translation>
    </message>
    <message>
        <source>&lt;span style=&apos;color:#b02020&apos;&gt;Cannot decode: %1&lt;/span&gt;</source>
        <translation>&lt;span style=&apos;color:#b02020&apos;&gt;Nicht dekodierbar: %1&lt;/span&gt;</translation>
    </message>
    <message>
        <source>Structs: %1 in %2 client run(s)</source>
        <translation>Structs: %1 in %2 Client-Folge(n)</translation>
    </message>
    <message>
        <source>Delete set: %1 range(s) of %2 client(s)</source>
        <translation>Löschmenge: %1 Bereich(e) von %2 Client(s)</translation>
    </message>
    <message>
        <source>delete set</source>
        <translation>Löschmenge</translation>
    </message>
    <message numerus="yes">
        <source>%n range(s)</source>
        <translation>
            <numerusform>%n Bereich</numerusform>
            <numerusform>%n Bereiche</numerusform>
        </translation>
    </message>
    <message>
        <source>Client</source>
        <translation>Client</translation>
    </message>
    <message>
        <source>Next clock</source>
        <translation>Nächste Uhr</translation>
    </message>
    <message numerus="yes">
        <source>&lt;b&gt;state vector&lt;/b&gt;, %n byte(s)</source>
        <translation>
            <numerusform>&lt;b&gt;Zustandsvektor&lt;/b&gt;, %n Byte</numerusform>
            <numerusform>&lt;b&gt;Zustandsvektor&lt;/b&gt;, %n Bytes</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n client(s) known to the sender</source>
        <translation>
            <numerusform>%n Client ist dem Sender bekannt</numerusform>
            <numerusform>%n Clients sind dem Sender bekannt</numerusform>
        </translation>
    </message>
    <message>
        <source>Clock</source>
        <translation>Uhr</translation>
    </message>
    <message>
        <source>State (JSON)</source>
        <translation>Zustand (JSON)</translation>
    </message>
    <message numerus="yes">
        <source>&lt;b&gt;awareness update&lt;/b&gt;, %n byte(s)</source>
        <translation>
            <numerusform>&lt;b&gt;Awareness-Update&lt;/b&gt;, %n Byte</numerusform>
            <numerusform>&lt;b&gt;Awareness-Update&lt;/b&gt;, %n Bytes</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>canopy::ui::GrantsModel</name>
    <message>
        <source>May read and write, whatever the default</source>
        <translation>Darf lesen und schreiben, unabhängig vom Standard</translation>
    </message>
    <message>
        <source>May read, whatever the default; writes only if the default allows it</source>
        <translation>Darf lesen, unabhängig vom Standard; schreibt nur, wenn der Standard es erlaubt</translation>
    </message>
    <message>
        <source>Identity</source>
        <translation>Identität</translation>
    </message>
    <message>
        <source>Permission</source>
        <translation>Berechtigung</translation>
    </message>
</context>
<context>
    <name>canopy::ui::IssueKeyDialog</name>
    <message>
        <source>Expires</source>
        <translation>Läuft ab</translation>
    </message>
    <message>
        <source>Issue</source>
        <translation>Ausstellen</translation>
    </message>
    <message>
        <source>Copy</source>
        <translation>Kopieren</translation>
    </message>
    <message>
        <source>Issue an access key</source>
        <translation>Zugangsschlüssel ausstellen</translation>
    </message>
    <message>
        <source>e.g. kiosk-1 (letters, digits, . _ -)</source>
        <translation>z. B. kiosk-1 (Buchstaben, Ziffern, . _ -)</translation>
    </message>
    <message>
        <source>a document id, or a prefix ending in * (e.g. team/*)</source>
        <translation>eine Dokument-ID oder ein Präfix mit * am Ende (z. B. team/*)</translation>
    </message>
    <message>
        <source>read</source>
        <translation>lesen</translation>
    </message>
    <message>
        <source>write</source>
        <translation>schreiben</translation>
    </message>
    <message>
        <source>The key appears here once</source>
        <translation>Der Schlüssel erscheint hier ein einziges Mal</translation>
    </message>
    <message>
        <source>Copied</source>
        <translation>Kopiert</translation>
    </message>
    <message>
        <source>An access key lets an application without AT Protocol connect as the identity key:&lt;name&gt; (/sync/as/key:&lt;name&gt;, /loro/as/key:&lt;name&gt;), as often as it likes until the key expires or is revoked. Within its scope it may do what its permission says, whatever the documents&apos; defaults; outside it, nothing.</source>
        <translation>Mit einem Zugangsschlüssel verbindet sich eine Anwendung ohne AT Protocol als Identität key:&lt;Name&gt; (/sync/as/key:&lt;Name&gt;, /loro/as/key:&lt;Name&gt;), so oft sie will, bis der Schlüssel abläuft oder widerrufen wird. Innerhalb seines Geltungsbereichs darf sie, was seine Berechtigung sagt, unabhängig von den Standards der Dokumente; außerhalb nichts.</translation>
    </message>
    <message>
        <source>Name:</source>
        <translation>Name:</translation>
    </message>
    <message>
        <source>Scope:</source>
        <translation>Geltungsbereich:</translation>
    </message>
    <message>
        <source>Permission:</source>
        <translation>Berechtigung:</translation>
    </message>
    <message>
        <source>Lifetime:</source>
        <translation>Gültigkeit:</translation>
    </message>
    <message>
        <source>Key:</source>
        <translation>Schlüssel:</translation>
    </message>
    <message>
        <source>The host is not running.</source>
        <translation>Der Host läuft nicht.</translation>
    </message>
    <message>
        <source>Could not issue the key: %1</source>
        <translation>Der Schlüssel konnte nicht ausgestellt werden: %1</translation>
    </message>
    <message>
        <source>&lt;b&gt;Copy it now: this is the only time it is shown.&lt;/b&gt; Only its hash is kept, so it cannot be shown again; a lost key is revoked and a new one issued.</source>
        <translation>&lt;b&gt;Jetzt kopieren: Er wird nur dieses eine Mal angezeigt.&lt;/b&gt; Nur sein Hash wird aufbewahrt, daher kann er nicht erneut angezeigt werden; ein verlorener Schlüssel wird widerrufen und ein neuer ausgestellt.</translation>
    </message>
</context>
<context>
    <name>canopy::ui::IssueTokenDialog</name>
    <message>
        <source>Issue</source>
        <translation>Ausstellen</translation>
    </message>
    <message>
        <source>Copy</source>
        <translation>Kopieren</translation>
    </message>
    <message>
        <source>Issue a dev token</source>
        <translation>Entwickler-Token ausstellen</translation>
    </message>
    <message>
        <source>The token appears here once</source>
        <translation>Das Token erscheint hier ein einziges Mal</translation>
    </message>
    <message>
        <source>Copied</source>
        <translation>Kopiert</translation>
    </message>
    <message>
        <source>A connection token opens one /sync/as/&lt;DID&gt; connection for the DID it is issued to, within its lifetime.</source>
        <translation>Ein Verbindungstoken öffnet innerhalb seiner Gültigkeit eine /sync/as/&lt;DID&gt;-Verbindung für die DID, für die es ausgestellt wurde.</translation>
    </message>
    <message>
        <source>DID:</source>
        <translation>DID:</translation>
    </message>
    <message>
        <source>Token:</source>
        <translation>Token:</translation>
    </message>
    <message>
        <source>“%1” is not a DID (did:method:identifier).</source>
        <translation>„%1“ ist keine DID (did:methode:kennung).</translation>
    </message>
    <message>
        <source>The host is not running.</source>
        <translation>Der Host läuft nicht.</translation>
    </message>
    <message>
        <source>Could not issue a token: %1</source>
        <translation>Token konnte nicht ausgestellt werden: %1</translation>
    </message>
    <message>
        <source>&lt;b&gt;Copy it now: this is the only time it is shown.&lt;/b&gt; It expires in %1 and works once.</source>
        <translation>&lt;b&gt;Jetzt kopieren: Es wird nur dieses eine Mal angezeigt.&lt;/b&gt; Es läuft in %1 ab und gilt für eine Verbindung.</translation>
    </message>
</context>
<context>
    <name>canopy::ui::KeysModel</name>
    <message>
        <source>never</source>
        <translation>nie</translation>
    </message>
    <message>
        <source>expired %1</source>
        <translation>abgelaufen %1</translation>
    </message>
    <message>
        <source>Connects as the identity key:%1, on /sync/as/key:%1 and /loro/as/key:%1</source>
        <translation>Verbindet sich als Identität key:%1, über /sync/as/key:%1 und /loro/as/key:%1</translation>
    </message>
    <message>
        <source>Every document</source>
        <translation>Jedes Dokument</translation>
    </message>
    <message>
        <source>Every document whose id starts with “%1”</source>
        <translation>Jedes Dokument, dessen ID mit „%1“ beginnt</translation>
    </message>
    <message>
        <source>Only the document “%1”</source>
        <translation>Nur das Dokument „%1“</translation>
    </message>
    <message>
        <source>Reads and writes within its scope, whatever the documents&apos; defaults</source>
        <translation>Liest und schreibt innerhalb seines Geltungsbereichs, unabhängig von den Standards der Dokumente</translation>
    </message>
    <message>
        <source>Reads within its scope, whatever the documents&apos; defaults; writes nothing</source>
        <translation>Liest innerhalb seines Geltungsbereichs, unabhängig von den Standards der Dokumente; schreibt nichts</translation>
    </message>
    <message>
        <source>Valid until revoked</source>
        <translation>Gültig bis zum Widerruf</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>Name</translation>
    </message>
    <message>
        <source>Scope</source>
        <translation>Geltungsbereich</translation>
    </message>
    <message>
        <source>Permission</source>
        <translation>Berechtigung</translation>
    </message>
    <message>
        <source>Created</source>
        <translation>Erstellt</translation>
    </message>
    <message>
        <source>Expires</source>
        <translation>Läuft ab</translation>
    </message>
    <message>
        <source>Live sessions</source>
        <translation>Laufende Sitzungen</translation>
    </message>
</context>
<context>
    <name>canopy::ui::KeysPage</name>
    <message>
        <source>Revoke…</source>
        <translation>Widerrufen …</translation>
    </message>
    <message>
        <source>Issue a key…</source>
        <translation>Schlüssel ausstellen …</translation>
    </message>
    <message>
        <source>Keys let applications without AT Protocol connect as key:&lt;name&gt;. Only their hashes are stored; they are not subject to the member list.</source>
        <translation>Mit Schlüsseln verbinden sich Anwendungen ohne AT Protocol als key:&lt;Name&gt;. Nur ihre Hashes werden gespeichert; die Mitgliederliste gilt für sie nicht.</translation>
    </message>
    <message>
        <source>The key stops working at once and its live sessions close (4403)</source>
        <translation>Der Schlüssel gilt sofort nicht mehr, und seine laufenden Sitzungen werden geschlossen (4403)</translation>
    </message>
    <message>
        <source>Access key %1 issued</source>
        <translation>Zugangsschlüssel %1 ausgestellt</translation>
    </message>
    <message>
        <source>Revoke access key</source>
        <translation>Zugangsschlüssel widerrufen</translation>
    </message>
    <message>
        <source>Revoke the key “%1”? It stops working at once, its live sessions close, and it leaves the list; this cannot be undone.</source>
        <translation>Den Schlüssel „%1“ widerrufen? Er gilt sofort nicht mehr, seine laufenden Sitzungen werden geschlossen und er verschwindet aus der Liste; das lässt sich nicht rückgängig machen.</translation>
    </message>
    <message>
        <source>Access key %1 revoked</source>
        <translation>Zugangsschlüssel %1 widerrufen</translation>
    </message>
</context>
<context>
    <name>canopy::ui::LogModel</name>
    <message>
        <source>debug</source>
        <translation>Debug</translation>
    </message>
    <message>
        <source>info</source>
        <translation>Info</translation>
    </message>
    <message>
        <source>warning</source>
        <translation>Warnung</translation>
    </message>
    <message>
        <source>error</source>
        <translation>Fehler</translation>
    </message>
    <message>
        <source>Time</source>
        <translation>Zeit</translation>
    </message>
    <message>
        <source>Level</source>
        <translation>Stufe</translation>
    </message>
    <message>
        <source>Category</source>
        <translation>Kategorie</translation>
    </message>
    <message>
        <source>DID</source>
        <translation>DID</translation>
    </message>
    <message>
        <source>Message</source>
        <translation>Nachricht</translation>
    </message>
    <message>
        <source>Details</source>
        <translation>Details</translation>
    </message>
</context>
<context>
    <name>canopy::ui::LogsPage</name>
    <message>
        <source>Export…</source>
        <translation>Exportieren …</translation>
    </message>
    <message>
        <source>Debug and above</source>
        <translation>Debug und höher</translation>
    </message>
    <message>
        <source>Info and above</source>
        <translation>Info und höher</translation>
    </message>
    <message>
        <source>Warnings and errors</source>
        <translation>Warnungen und Fehler</translation>
    </message>
    <message>
        <source>Errors only</source>
        <translation>Nur Fehler</translation>
    </message>
    <message>
        <source>All categories</source>
        <translation>Alle Kategorien</translation>
    </message>
    <message>
        <source>DID</source>
        <translation>DID</translation>
    </message>
    <message>
        <source>Search messages and details…</source>
        <translation>Nachrichten und Details durchsuchen …</translation>
    </message>
    <message>
        <source>%1 of %2</source>
        <translation>%1 von %2</translation>
    </message>
    <message>
        <source>Export log</source>
        <translation>Protokoll exportieren</translation>
    </message>
    <message>
        <source>JSON lines (*.jsonl);;All files (*)</source>
        <translation>JSON-Zeilen (*.jsonl);;Alle Dateien (*)</translation>
    </message>
    <message>
        <source>Cannot write %1: %2</source>
        <translation>%1 kann nicht geschrieben werden: %2</translation>
    </message>
    <message numerus="yes">
        <source>Exported %n log entries to %1</source>
        <translation>
            <numerusform>%n Protokolleintrag nach %1 exportiert</numerusform>
            <numerusform>%n Protokolleinträge nach %1 exportiert</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>canopy::ui::MainWindow</name>
    <message>
        <source>Canopy</source>
        <translation>Canopy</translation>
    </message>
    <message>
        <source>Overview</source>
        <translation>Übersicht</translation>
    </message>
    <message>
        <source>Sessions</source>
        <translation>Sitzungen</translation>
    </message>
    <message>
        <source>Documents</source>
        <translation>Dokumente</translation>
    </message>
    <message>
        <source>Tokens</source>
        <translation>Tokens</translation>
    </message>
    <message>
        <source>Traffic</source>
        <translation>Datenverkehr</translation>
    </message>
    <message>
        <source>Logs</source>
        <translation>Protokoll</translation>
    </message>
    <message>
        <source>Backups</source>
        <translation>Sicherungen</translation>
    </message>
    <message>
        <source>&amp;File</source>
        <translation>&amp;Datei</translation>
    </message>
    <message>
        <source>&amp;Settings…</source>
        <translation>&amp;Einstellungen …</translation>
    </message>
    <message>
        <source>&amp;Export log…</source>
        <translation>Protokoll &amp;exportieren …</translation>
    </message>
    <message>
        <source>&amp;Close window</source>
        <translation>Fenster &amp;schließen</translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation>&amp;Beenden</translation>
    </message>
    <message>
        <source>&amp;View</source>
        <translation>&amp;Ansicht</translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation>&amp;Hilfe</translation>
    </message>
    <message>
        <source>&amp;About Canopy</source>
        <translation>Ü&amp;ber Canopy</translation>
    </message>
    <message>
        <source>About Canopy</source>
        <translation>Über Canopy</translation>
    </message>
    <message>
        <source>The host could not start: %1</source>
        <translation>Der Host konnte nicht starten: %1</translation>
    </message>
    <message>
        <source>Restarting the listener…</source>
        <translation>Der Server wird neu gestartet …</translation>
    </message>
    <message>
        <source>No keychain</source>
        <translation>Kein Schlüsselbund</translation>
    </message>
    <message>
        <source>Canopy could not reach the system keychain (%1) to keep the admin API token.

Keep it in a file in the data directory instead, readable only by you? Without it the admin API stays unavailable until the next start.</source>
        <translation>Canopy konnte den Schlüsselbund des Systems (%1) nicht erreichen, um das Token der Admin-API abzulegen.

Stattdessen in einer Datei im Datenverzeichnis speichern, die nur Sie lesen können? Ohne Token bleibt die Admin-API bis zum nächsten Start nicht verfügbar.</translation>
    </message>
    <message>
        <source>Not serving</source>
        <translation>Nicht in Betrieb</translation>
    </message>
    <message numerus="yes">
        <source>Serving on %1 · %n connection(s)</source>
        <translation>
            <numerusform>In Betrieb auf %1 · %n Verbindung</numerusform>
            <numerusform>In Betrieb auf %1 · %n Verbindungen</numerusform>
        </translation>
    </message>
    <message>
        <source>Close Canopy</source>
        <translation>Canopy schließen</translation>
    </message>
    <message>
        <source>Keep hosting in the background when the window is closed? Clients stay connected, and the tray icon brings the window back.

Canopy remembers your answer; you can change it in Settings.</source>
        <translation>Soll Canopy im Hintergrund weiterlaufen, wenn das Fenster geschlossen wird? Clients bleiben verbunden, und das Symbol im Infobereich holt das Fenster zurück.

Canopy merkt sich Ihre Antwort; Sie können sie in den Einstellungen ändern.</translation>
    </message>
    <message>
        <source>Keep hosting</source>
        <translation>Weiterlaufen lassen</translation>
    </message>
    <message>
        <source>Quit Canopy</source>
        <translation>Canopy beenden</translation>
    </message>
    <message>
        <source>Rooms</source>
        <translation>Räume</translation>
    </message>
    <message>
        <source>%1 holds nothing stored yet</source>
        <translation>%1 hat noch nichts gespeichert</translation>
    </message>
    <message>
        <source>&lt;h3&gt;Canopy %1&lt;/h3&gt;&lt;p&gt;A host for Leaf Sync1 and loro-protocol: it keeps every document&apos;s change blocks, end-to-end encrypted records and ephemeral stores, and syncs them between peers over WebSockets.&lt;/p&gt;</source>
        <translation>&lt;h3&gt;Canopy %1&lt;/h3&gt;&lt;p&gt;Ein Host für Leaf Sync1 und loro-protocol: Er speichert die Änderungsblöcke jedes Dokuments, Ende-zu-Ende-verschlüsselte Datensätze und flüchtige Speicher und synchronisiert sie über WebSockets zwischen den Peers.&lt;/p&gt;</translation>
    </message>
    <message>
        <source>Dev token</source>
        <translation>Entwickler-Token</translation>
    </message>
    <message>
        <source>The keychain could not store the dev token (%1). It is in use now but will be forgotten when Canopy quits.</source>
        <translation>Der Schlüsselbund konnte das Entwickler-Token nicht speichern (%1). Es gilt jetzt, wird aber beim Beenden von Canopy vergessen.</translation>
    </message>
    <message>
        <source>Members</source>
        <translation>Mitglieder</translation>
    </message>
    <message>
        <source>Keys</source>
        <translation>Schlüssel</translation>
    </message>
</context>
<context>
    <name>canopy::ui::MembersModel</name>
    <message>
        <source>Not in the DID cache yet: the handle shows once the DID has been resolved</source>
        <translation>Noch nicht im DID-Cache: Das Handle erscheint, sobald die DID aufgelöst wurde</translation>
    </message>
    <message>
        <source>DID</source>
        <translation>DID</translation>
    </message>
    <message>
        <source>Handle</source>
        <translation>Handle</translation>
    </message>
    <message>
        <source>Note</source>
        <translation>Notiz</translation>
    </message>
    <message>
        <source>Added</source>
        <translation>Hinzugefügt</translation>
    </message>
</context>
<context>
    <name>canopy::ui::MembersPage</name>
    <message>
        <source>Add member</source>
        <translation>Mitglied hinzufügen</translation>
    </message>
    <message>
        <source>Remove…</source>
        <translation>Entfernen …</translation>
    </message>
    <message>
        <source>Note (optional), e.g. who it is</source>
        <translation>Notiz (optional), z. B. wer es ist</translation>
    </message>
    <message>
        <source>Take the DID off the list; in members mode its live sessions close (4403) and its tokens no longer open anything</source>
        <translation>Die DID von der Liste nehmen; im Mitgliedermodus werden ihre laufenden Sitzungen geschlossen (4403) und ihre Tokens öffnen nichts mehr</translation>
    </message>
    <message>
        <source>DID:</source>
        <translation>DID:</translation>
    </message>
    <message>
        <source>Can X write Y, and why?</source>
        <translation>Darf X in Y schreiben, und warum?</translation>
    </message>
    <message>
        <source>The host is not running.</source>
        <translation>Der Host läuft nicht.</translation>
    </message>
    <message>
        <source>&lt;b&gt;Members mode&lt;/b&gt; (--access members): only the DIDs below obtain tokens and open sessions. Access keys and the dev token are outside the list; bans win over membership.</source>
        <translation>&lt;b&gt;Mitgliedermodus&lt;/b&gt; (--access members): Nur die DIDs unten erhalten Tokens und öffnen Sitzungen. Zugangsschlüssel und das Entwickler-Token stehen außerhalb der Liste; Sperren haben Vorrang vor der Mitgliedschaft.</translation>
    </message>
    <message>
        <source>&lt;b&gt;Open mode&lt;/b&gt; (--access open): any identity with a token may connect. The list below takes effect once the host runs with --access members.</source>
        <translation>&lt;b&gt;Offener Modus&lt;/b&gt; (--access open): Jede Identität mit einem Token darf sich verbinden. Die Liste unten wirkt, sobald der Host mit --access members läuft.</translation>
    </message>
    <message>
        <source>Enter the DID to add (did:method:identifier).</source>
        <translation>Geben Sie die hinzuzufügende DID ein (did:methode:kennung).</translation>
    </message>
    <message>
        <source>Could not add %1: %2</source>
        <translation>%1 konnte nicht hinzugefügt werden: %2</translation>
    </message>
    <message>
        <source>%1 is a member</source>
        <translation>%1 ist Mitglied</translation>
    </message>
    <message>
        <source>Remove member</source>
        <translation>Mitglied entfernen</translation>
    </message>
    <message>
        <source>Remove %1 from the members? In members mode its live sessions close at once and its tokens no longer open anything.</source>
        <translation>%1 aus den Mitgliedern entfernen? Im Mitgliedermodus werden ihre laufenden Sitzungen sofort geschlossen und ihre Tokens öffnen nichts mehr.</translation>
    </message>
    <message>
        <source>Could not remove %1: %2</source>
        <translation>%1 konnte nicht entfernt werden: %2</translation>
    </message>
    <message>
        <source>%1 is no longer a member</source>
        <translation>%1 ist kein Mitglied mehr</translation>
    </message>
</context>
<context>
    <name>canopy::ui::OverviewPage</name>
    <message>
        <source>Connections</source>
        <translation>Verbindungen</translation>
    </message>
    <message>
        <source>Documents</source>
        <translation>Dokumente</translation>
    </message>
    <message>
        <source>Tokens issued</source>
        <translation>Ausgestellte Tokens</translation>
    </message>
    <message>
        <source>Banned DIDs</source>
        <translation>Gesperrte DIDs</translation>
    </message>
    <message>
        <source>Frames in / out</source>
        <translation>Frames ein- / ausgehend</translation>
    </message>
    <message>
        <source>Data in / out</source>
        <translation>Daten ein- / ausgehend</translation>
    </message>
    <message>
        <source>Frames per second</source>
        <translation>Frames pro Sekunde</translation>
    </message>
    <message>
        <source>Bytes per second</source>
        <translation>Bytes pro Sekunde</translation>
    </message>
    <message>
        <source>Open sessions</source>
        <translation>Offene Sitzungen</translation>
    </message>
    <message>
        <source>In</source>
        <translation>Eingehend</translation>
    </message>
    <message>
        <source>Out</source>
        <translation>Ausgehend</translation>
    </message>
    <message>
        <source>Service</source>
        <translation>Dienst</translation>
    </message>
    <message>
        <source>Listening:</source>
        <translation>Erreichbar unter:</translation>
    </message>
    <message>
        <source>Public URL:</source>
        <translation>Öffentliche URL:</translation>
    </message>
    <message>
        <source>Service DID:</source>
        <translation>Dienst-DID:</translation>
    </message>
    <message>
        <source>Data directory:</source>
        <translation>Datenverzeichnis:</translation>
    </message>
    <message>
        <source>Admin API token:</source>
        <translation>Token der Admin-API:</translation>
    </message>
    <message>
        <source>&lt;b&gt;The host is not running.&lt;/b&gt; %1</source>
        <translation>&lt;b&gt;Der Host läuft nicht.&lt;/b&gt; %1</translation>
    </message>
    <message>
        <source>not listening</source>
        <translation>nicht erreichbar</translation>
    </message>
    <message>
        <source>%1 (derived from the public URL; set one in Settings)</source>
        <translation>%1 (aus der öffentlichen URL abgeleitet; in den Einstellungen festlegen)</translation>
    </message>
    <message>
        <source>in the OS keychain (service “canopy”)</source>
        <translation>im Schlüsselbund des Systems (Dienst „canopy“)</translation>
    </message>
    <message>
        <source>in a file in the data directory (no keychain)</source>
        <translation>in einer Datei im Datenverzeichnis (kein Schlüsselbund)</translation>
    </message>
    <message>
        <source>given on the command line or in Settings</source>
        <translation>über die Befehlszeile oder die Einstellungen vorgegeben</translation>
    </message>
    <message>
        <source>not available yet</source>
        <translation>noch nicht verfügbar</translation>
    </message>
    <message>
        <source>&lt;b&gt;An UNSAFE development token is set.&lt;/b&gt; Anyone who knows it can connect as any DID. Use it only for local development; remove it in Settings before serving a network.</source>
        <translation>&lt;b&gt;Ein UNSICHERES Entwickler-Token ist gesetzt.&lt;/b&gt; Wer es kennt, kann sich als beliebige DID verbinden. Nur für die lokale Entwicklung verwenden; vor dem Betrieb in einem Netzwerk in den Einstellungen entfernen.</translation>
    </message>
    <message>
        <source>Frames received / sent since the host started</source>
        <translation>Seit dem Start des Hosts empfangene / gesendete Frames</translation>
    </message>
    <message>
        <source>Bytes received / sent since the host started</source>
        <translation>Seit dem Start des Hosts empfangene / gesendete Bytes</translation>
    </message>
</context>
<context>
    <name>canopy::ui::PresenceModel</name>
    <message>
        <source>deleted</source>
        <translation>gelöscht</translation>
    </message>
    <message>
        <source>Written at %1 by the writer&apos;s clock</source>
        <translation>Geschrieben um %1 nach der Uhr des Schreibenden</translation>
    </message>
    <message>
        <source>A deletion, kept until it expires so late joiners learn of it</source>
        <translation>Eine Löschung, bis zum Ablauf behalten, damit später Beitretende davon erfahren</translation>
    </message>
    <message>
        <source>Key</source>
        <translation>Schlüssel</translation>
    </message>
    <message>
        <source>Age</source>
        <translation>Alter</translation>
    </message>
    <message>
        <source>Deleted</source>
        <translation>Gelöscht</translation>
    </message>
    <message>
        <source>Value</source>
        <translation>Wert</translation>
    </message>
</context>
<context>
    <name>canopy::ui::RateChart</name>
    <message>
        <source>connections</source>
        <translation>Verbindungen</translation>
    </message>
    <message>
        <source>frames/s</source>
        <translation>Frames/s</translation>
    </message>
    <message>
        <source>MiB/s</source>
        <translation>MiB/s</translation>
    </message>
    <message>
        <source>KiB/s</source>
        <translation>KiB/s</translation>
    </message>
    <message>
        <source>B/s</source>
        <translation>B/s</translation>
    </message>
</context>
<context>
    <name>canopy::ui::RoomsModel</name>
    <message>
        <source>%1 (%2, %3)</source>
        <translation>%1 (%2, %3)</translation>
    </message>
    <message>
        <source>Kind</source>
        <translation>Art</translation>
    </message>
    <message>
        <source>Members</source>
        <translation>Mitglieder</translation>
    </message>
    <message>
        <source>Room</source>
        <translation>Raum</translation>
    </message>
</context>
<context>
    <name>canopy::ui::RoomsPage</name>
    <message>
        <source>Show document</source>
        <translation>Dokument zeigen</translation>
    </message>
    <message>
        <source>The stored document of this room, on the Documents page</source>
        <translation>Das gespeicherte Dokument dieses Raums, auf der Seite „Dokumente“</translation>
    </message>
    <message>
        <source>Select a room. An ephemeral one (presence) lists the entries its members broadcast, as the host holds them now.</source>
        <translation>Wählen Sie einen Raum. Ein flüchtiger (Präsenz) zeigt die Einträge, die seine Mitglieder senden, so wie der Host sie jetzt hält.</translation>
    </message>
    <message>
        <source>A stored document: its history is on the Documents page.</source>
        <translation>Ein gespeichertes Dokument: Seine Historie steht auf der Seite „Dokumente“.</translation>
    </message>
    <message>
        <source>Presence: each member&apos;s entries, merged per key, in memory only. An entry not refreshed within its timeout expires.</source>
        <translation>Präsenz: die Einträge jedes Mitglieds, je Schlüssel zusammengeführt, nur im Arbeitsspeicher. Ein Eintrag, der nicht rechtzeitig erneuert wird, läuft ab.</translation>
    </message>
    <message>
        <source>A persisted ephemeral store: the latest entry per key, kept for members that join later.</source>
        <translation>Ein gespeicherter flüchtiger Speicher: der neueste Eintrag je Schlüssel, aufbewahrt für später Beitretende.</translation>
    </message>
    <message>
        <source>No room selected</source>
        <translation>Kein Raum gewählt</translation>
    </message>
    <message numerus="yes">
        <source>%n entry(s)</source>
        <translation>
            <numerusform>%n Eintrag</numerusform>
            <numerusform>%n Einträge</numerusform>
        </translation>
    </message>
    <message>
        <source>nobody has joined it now</source>
        <translation>niemand ist ihm gerade beigetreten</translation>
    </message>
    <message>
        <source>Members: %1</source>
        <translation>Mitglieder: %1</translation>
    </message>
    <message>
        <source>%1 · %2</source>
        <translation>%1 · %2</translation>
    </message>
    <message>
        <source>Yjs awareness: each client&apos;s latest state (by its clock), in memory only. A state not renewed within 30 s expires; a client&apos;s states leave with its connection.</source>
        <translation>Yjs-Awareness: der neueste Zustand jedes Clients (nach seiner Uhr), nur im Arbeitsspeicher. Ein Zustand, der nicht binnen 30 s erneuert wird, verfällt; die Zustände eines Clients gehen mit seiner Verbindung.</translation>
    </message>
</context>
<context>
    <name>canopy::ui::SessionsModel</name>
    <message>
        <source>none</source>
        <translation>keine</translation>
    </message>
    <message numerus="yes">
        <source>%n document(s)</source>
        <translation>
            <numerusform>%n Dokument</numerusform>
            <numerusform>%n Dokumente</numerusform>
        </translation>
    </message>
    <message>
        <source>↓ %1 (%2)  ↑ %3 (%4)</source>
        <translation>↓ %1 (%2)  ↑ %3 (%4)</translation>
    </message>
    <message>
        <source>Connected for %1</source>
        <translation>Seit %1 verbunden</translation>
    </message>
    <message>
        <source>Received %1 frames, %2
Sent %3 frames, %4</source>
        <translation>Empfangen: %1 Frames, %2
Gesendet: %3 Frames, %4</translation>
    </message>
    <message>
        <source>Session %1</source>
        <translation>Sitzung %1</translation>
    </message>
    <message>
        <source>DID</source>
        <translation>DID</translation>
    </message>
    <message>
        <source>Handle</source>
        <translation>Handle</translation>
    </message>
    <message>
        <source>Remote address</source>
        <translation>Gegenstelle</translation>
    </message>
    <message>
        <source>Connected since</source>
        <translation>Verbunden seit</translation>
    </message>
    <message>
        <source>Traffic</source>
        <translation>Datenverkehr</translation>
    </message>
    <message>
        <source>not authenticated yet: waiting for its first join</source>
        <translation>noch nicht angemeldet: wartet auf den ersten Beitritt</translation>
    </message>
    <message>
        <source>%1 (%2, %3)</source>
        <translation>%1 (%2, %3)</translation>
    </message>
    <message numerus="yes">
        <source>%n room(s): %1</source>
        <translation>
            <numerusform>%n Raum: %1</numerusform>
            <numerusform>%n Räume: %1</numerusform>
        </translation>
    </message>
    <message>
        <source>A loro-protocol session proves its DID with the token in its first JoinRequest; until then it holds no room. It is closed if no join succeeds within 10 s.</source>
        <translation>Eine loro-protocol-Sitzung weist ihre DID mit dem Token in ihrem ersten JoinRequest nach; bis dahin hält sie keinen Raum. Gelingt binnen 10 s kein Beitritt, wird sie geschlossen.</translation>
    </message>
    <message>
        <source>%1 — %2, %3</source>
        <translation>%1 — %2, %3</translation>
    </message>
    <message>
        <source>loro-protocol v1 on /loro/as/&lt;did&gt;: binary messages per room</source>
        <translation>loro-protocol v1 auf /loro/as/&lt;did&gt;: binäre Nachrichten je Raum</translation>
    </message>
    <message>
        <source>Leaf Sync1 on /sync/as/&lt;did&gt;: msgpack over Loro documents</source>
        <translation>Leaf Sync1 auf /sync/as/&lt;did&gt;: msgpack über Loro-Dokumente</translation>
    </message>
    <message>
        <source>%1 (named in the path, not proven yet)</source>
        <translation>%1 (im Pfad genannt, noch nicht nachgewiesen)</translation>
    </message>
    <message>
        <source>Protocol</source>
        <translation>Sync-Protokoll</translation>
    </message>
    <message>
        <source>Rooms / documents</source>
        <translation>Räume / Dokumente</translation>
    </message>
    <message numerus="yes">
        <source>, %n read-only</source>
        <translation>
            <numerusform>, %n schreibgeschützt</numerusform>
            <numerusform>, %n schreibgeschützt</numerusform>
        </translation>
    </message>
    <message>
        <source>%1 (%2)</source>
        <translation>%1 (%2)</translation>
    </message>
    <message>
        <source>%1 — %2</source>
        <translation>%1 — %2</translation>
    </message>
    <message>
        <source>A Hocuspocus session proves its DID with the token in each document&apos;s Auth message; until then it holds no document.</source>
        <translation>Eine Hocuspocus-Sitzung weist ihre DID mit dem Token in der Auth-Nachricht jedes Dokuments nach; bis dahin hält sie kein Dokument.</translation>
    </message>
    <message>
        <source>y-websocket on /yjs/as/&lt;did&gt;/&lt;room&gt;: one Yjs document and its awareness</source>
        <translation>y-websocket auf /yjs/as/&lt;did&gt;/&lt;room&gt;: ein Yjs-Dokument und seine Awareness</translation>
    </message>
    <message>
        <source>Hocuspocus on /hocuspocus/as/&lt;did&gt;: Yjs documents multiplexed by name</source>
        <translation>Hocuspocus auf /hocuspocus/as/&lt;did&gt;: Yjs-Dokumente, nach Namen gebündelt</translation>
    </message>
</context>
<context>
    <name>canopy::ui::SessionsPage</name>
    <message>
        <source>Revoke</source>
        <translation>Widerrufen</translation>
    </message>
    <message>
        <source>Ban DID…</source>
        <translation>DID sperren …</translation>
    </message>
    <message>
        <source>Lift ban</source>
        <translation>Sperre aufheben</translation>
    </message>
    <message>
        <source>Close this connection now (close code 4403). The client may reconnect if it still holds a valid token.</source>
        <translation>Diese Verbindung jetzt schließen (Close-Code 4403). Der Client kann sich erneut verbinden, wenn er noch ein gültiges Token hat.</translation>
    </message>
    <message>
        <source>Close every connection of this DID and refuse it for a while.</source>
        <translation>Alle Verbindungen dieser DID schließen und sie eine Zeit lang abweisen.</translation>
    </message>
    <message>
        <source>Revoke session</source>
        <translation>Sitzung widerrufen</translation>
    </message>
    <message>
        <source>Close the connection of %1 now?</source>
        <translation>Die Verbindung von %1 jetzt schließen?</translation>
    </message>
    <message>
        <source>Banned DIDs</source>
        <translation>Gesperrte DIDs</translation>
    </message>
    <message>
        <source>Session %1 revoked</source>
        <translation>Sitzung %1 widerrufen</translation>
    </message>
    <message>
        <source>Ban DID</source>
        <translation>DID sperren</translation>
    </message>
    <message>
        <source>%1 banned</source>
        <translation>%1 gesperrt</translation>
    </message>
    <message>
        <source>Ban on %1 lifted</source>
        <translation>Sperre für %1 aufgehoben</translation>
    </message>
    <message>
        <source>Filter by DID, handle, protocol, address or room…</source>
        <translation>Nach DID, Handle, Protokoll, Adresse oder Raum filtern …</translation>
    </message>
</context>
<context>
    <name>canopy::ui::SettingsDialog</name>
    <message>
        <source>Show</source>
        <translation>Zeigen</translation>
    </message>
    <message>
        <source> KiB</source>
        <translation> KiB</translation>
    </message>
    <message>
        <source> s</source>
        <translation> s</translation>
    </message>
    <message>
        <source>Serve the admin API to other machines too</source>
        <translation>Admin-API auch für andere Rechner anbieten</translation>
    </message>
    <message>
        <source>Closing the window keeps hosting in the background</source>
        <translation>Nach dem Schließen des Fensters im Hintergrund weiterlaufen</translation>
    </message>
    <message>
        <source>Settings</source>
        <translation>Einstellungen</translation>
    </message>
    <message>
        <source>any free port</source>
        <translation>beliebiger freier Port</translation>
    </message>
    <message>
        <source>derived from the public URL (did:web:…)</source>
        <translation>aus der öffentlichen URL abgeleitet (did:web:…)</translation>
    </message>
    <message>
        <source>none (recommended)</source>
        <translation>keines (empfohlen)</translation>
    </message>
    <message>
        <source>generated and kept in the OS keychain</source>
        <translation>erzeugt und im Schlüsselbund des Systems abgelegt</translation>
    </message>
    <message>
        <source>Browse…</source>
        <translation>Durchsuchen …</translation>
    </message>
    <message>
        <source>Data directory</source>
        <translation>Datenverzeichnis</translation>
    </message>
    <message>
        <source>Listener</source>
        <translation>Server</translation>
    </message>
    <message>
        <source>Listen on:</source>
        <translation>Adresse:</translation>
    </message>
    <message>
        <source>Port:</source>
        <translation>Port:</translation>
    </message>
    <message>
        <source>Public URL:</source>
        <translation>Öffentliche URL:</translation>
    </message>
    <message>
        <source>Largest message:</source>
        <translation>Größte Nachricht:</translation>
    </message>
    <message>
        <source>Ping interval:</source>
        <translation>Ping-Intervall:</translation>
    </message>
    <message>
        <source>127.0.0.1 serves this machine only; 0.0.0.0 or :: serve the network</source>
        <translation>127.0.0.1 bedient nur diesen Rechner; 0.0.0.0 oder :: bedienen das Netzwerk</translation>
    </message>
    <message>
        <source>Identity</source>
        <translation>Identität</translation>
    </message>
    <message>
        <source>Service DID:</source>
        <translation>Dienst-DID:</translation>
    </message>
    <message>
        <source>PLC directory:</source>
        <translation>PLC-Verzeichnis:</translation>
    </message>
    <message>
        <source>DID cache fresh for:</source>
        <translation>DID-Cache frisch für:</translation>
    </message>
    <message>
        <source>DID cache kept for:</source>
        <translation>DID-Cache behalten für:</translation>
    </message>
    <message>
        <source>Token lifetime:</source>
        <translation>Token-Gültigkeit:</translation>
    </message>
    <message>
        <source>Storage and security</source>
        <translation>Speicher und Sicherheit</translation>
    </message>
    <message>
        <source>Data directory:</source>
        <translation>Datenverzeichnis:</translation>
    </message>
    <message>
        <source>Dev token (UNSAFE):</source>
        <translation>Entwickler-Token (UNSICHER):</translation>
    </message>
    <message>
        <source>Admin API token:</source>
        <translation>Token der Admin-API:</translation>
    </message>
    <message>
        <source>Tokens entered here are saved in plain text in the settings file. Leave the admin token empty to keep it in the keychain.</source>
        <translation>Hier eingegebene Tokens werden im Klartext in der Einstellungsdatei gespeichert. Lassen Sie das Admin-Token leer, damit es im Schlüsselbund bleibt.</translation>
    </message>
    <message>
        <source>Window</source>
        <translation>Fenster</translation>
    </message>
    <message>
        <source>These changes take effect when the listener restarts. Canopy restarts it when you press OK; connected clients are disconnected and reconnect.</source>
        <translation>Diese Änderungen werden mit einem Neustart des Servers wirksam. Canopy startet ihn neu, sobald Sie OK drücken; verbundene Clients werden getrennt und verbinden sich erneut.</translation>
    </message>
    <message>
        <source>The data directory must not be empty.</source>
        <translation>Das Datenverzeichnis darf nicht leer sein.</translation>
    </message>
    <message>
        <source>The data directory “%1” is a file.</source>
        <translation>Das Datenverzeichnis „%1“ ist eine Datei.</translation>
    </message>
    <message>
        <source>“%1” is not an IP address to listen on.</source>
        <translation>„%1“ ist keine IP-Adresse, auf der gelauscht werden kann.</translation>
    </message>
    <message>
        <source>The public URL must be an http(s) URL with a host.</source>
        <translation>Die öffentliche URL muss eine http(s)-URL mit Host sein.</translation>
    </message>
    <message>
        <source>The PLC directory must be an http(s) URL with a host.</source>
        <translation>Das PLC-Verzeichnis muss eine http(s)-URL mit Host sein.</translation>
    </message>
    <message>
        <source>“%1” is not a DID.</source>
        <translation>„%1“ ist keine DID.</translation>
    </message>
    <message>
        <source>The DID cache cannot keep entries for less time than they stay fresh.</source>
        <translation>Der DID-Cache kann Einträge nicht kürzer behalten, als sie frisch bleiben.</translation>
    </message>
    <message>
        <source>Apply and restart</source>
        <translation>Übernehmen und neu starten</translation>
    </message>
    <message>
        <source>OK</source>
        <translation>OK</translation>
    </message>
    <message>
        <source> MiB</source>
        <translation> MiB</translation>
    </message>
    <message>
        <source> per minute</source>
        <translation> pro Minute</translation>
    </message>
    <message>
        <source>no cap</source>
        <translation>keine Grenze</translation>
    </message>
    <message>
        <source>Limits</source>
        <translation>Grenzen</translation>
    </message>
    <message>
        <source>Connections:</source>
        <translation>Verbindungen:</translation>
    </message>
    <message>
        <source>Connections per DID:</source>
        <translation>Verbindungen pro DID:</translation>
    </message>
    <message>
        <source>Subscriptions per session:</source>
        <translation>Abonnements pro Sitzung:</translation>
    </message>
    <message>
        <source>Documents stored:</source>
        <translation>Gespeicherte Dokumente:</translation>
    </message>
    <message>
        <source>Size per document:</source>
        <translation>Größe pro Dokument:</translation>
    </message>
    <message>
        <source>Send queue per session:</source>
        <translation>Sendepuffer pro Sitzung:</translation>
    </message>
    <message>
        <source>Token requests per IP:</source>
        <translation>Token-Anfragen pro IP:</translation>
    </message>
    <message>
        <source>Token requests per DID:</source>
        <translation>Token-Anfragen pro DID:</translation>
    </message>
    <message>
        <source>Failed token requests per IP:</source>
        <translation>Fehlgeschlagene Token-Anfragen pro IP:</translation>
    </message>
    <message>
        <source>More are refused with HTTP 429</source>
        <translation>Weitere werden mit HTTP 429 abgewiesen</translation>
    </message>
    <message>
        <source>More are refused with HTTP 503</source>
        <translation>Weitere werden mit HTTP 503 abgewiesen</translation>
    </message>
    <message>
        <source>A session that falls this far behind is closed with 1013</source>
        <translation>Eine Sitzung, die so weit zurückliegt, wird mit 1013 geschlossen</translation>
    </message>
</context>
<context>
    <name>canopy::ui::TlsPanel</name>
    <message>
        <source>TLS</source>
        <translation>TLS</translation>
    </message>
    <message>
        <source>Copy fingerprint</source>
        <translation>Fingerabdruck kopieren</translation>
    </message>
    <message>
        <source>Export certificate…</source>
        <translation>Zertifikat exportieren…</translation>
    </message>
    <message>
        <source>Save the certificate (PEM) for team members to trust</source>
        <translation>Das Zertifikat (PEM) speichern, damit Teammitglieder ihm vertrauen können</translation>
    </message>
    <message>
        <source>Fingerprint (SHA-256):</source>
        <translation>Fingerabdruck (SHA-256):</translation>
    </message>
    <message>
        <source>Names:</source>
        <translation>Namen:</translation>
    </message>
    <message>
        <source>Valid:</source>
        <translation>Gültig:</translation>
    </message>
    <message>
        <source>Certificate:</source>
        <translation>Zertifikat:</translation>
    </message>
    <message>
        <source>Off: clients connect over plain http:// and ws://, and tokens and documents cross the network readable. Start the host with &lt;nobr&gt;--tls self-signed&lt;/nobr&gt;, or with &lt;nobr&gt;--tls-cert&lt;/nobr&gt; and &lt;nobr&gt;--tls-key&lt;/nobr&gt;.</source>
        <translation>Aus: Clients verbinden sich über unverschlüsseltes http:// und ws://, Tokens und Dokumente gehen lesbar durchs Netz. Starten Sie den Host mit &lt;nobr&gt;--tls self-signed&lt;/nobr&gt; oder mit &lt;nobr&gt;--tls-cert&lt;/nobr&gt; und &lt;nobr&gt;--tls-key&lt;/nobr&gt;.</translation>
    </message>
    <message>
        <source>On (https://, wss://), with a certificate this host made. Team members trust it once: compare the fingerprint, or give them the exported certificate.</source>
        <translation>An (https://, wss://), mit einem Zertifikat, das dieser Host erstellt hat. Teammitglieder vertrauen ihm einmal: Fingerabdruck vergleichen oder ihnen das exportierte Zertifikat geben.</translation>
    </message>
    <message>
        <source>On (https://, wss://), with the certificate given on the command line.</source>
        <translation>An (https://, wss://), mit dem auf der Kommandozeile angegebenen Zertifikat.</translation>
    </message>
    <message numerus="yes">
        <source>until %1 — expires in %n day(s)</source>
        <translation>
            <numerusform>bis %1 — läuft in %n Tag ab</numerusform>
            <numerusform>bis %1 — läuft in %n Tagen ab</numerusform>
        </translation>
    </message>
    <message>
        <source>until %1</source>
        <translation>bis %1</translation>
    </message>
    <message>
        <source>TLS is off: there is no certificate</source>
        <translation>TLS ist aus: Es gibt kein Zertifikat</translation>
    </message>
    <message>
        <source>Not saved: %1</source>
        <translation>Nicht gespeichert: %1</translation>
    </message>
    <message>
        <source>Saved to %1</source>
        <translation>Gespeichert unter %1</translation>
    </message>
    <message>
        <source>Export certificate</source>
        <translation>Zertifikat exportieren</translation>
    </message>
    <message>
        <source>PEM certificate (*.pem *.crt);;All files (*)</source>
        <translation>PEM-Zertifikat (*.pem *.crt);;Alle Dateien (*)</translation>
    </message>
</context>
<context>
    <name>canopy::ui::TokensModel</name>
    <message>
        <source>unused</source>
        <translation>unbenutzt</translation>
    </message>
    <message>
        <source>used</source>
        <translation>benutzt</translation>
    </message>
    <message>
        <source>expired</source>
        <translation>abgelaufen</translation>
    </message>
    <message>
        <source>revoked</source>
        <translation>widerrufen</translation>
    </message>
    <message>
        <source>in %1</source>
        <translation>in %1</translation>
    </message>
    <message>
        <source>Used %1</source>
        <translation>Benutzt %1</translation>
    </message>
    <message>
        <source>Revoked %1</source>
        <translation>Widerrufen %1</translation>
    </message>
    <message>
        <source>#</source>
        <translation>Nr.</translation>
    </message>
    <message>
        <source>DID</source>
        <translation>DID</translation>
    </message>
    <message>
        <source>Issued</source>
        <translation>Ausgestellt</translation>
    </message>
    <message>
        <source>Expires</source>
        <translation>Läuft ab</translation>
    </message>
    <message>
        <source>State</source>
        <translation>Status</translation>
    </message>
    <message>
        <source>Session</source>
        <translation>Sitzung</translation>
    </message>
</context>
<context>
    <name>canopy::ui::TokensPage</name>
    <message>
        <source>Revoke</source>
        <translation>Widerrufen</translation>
    </message>
    <message>
        <source>Issue a dev token…</source>
        <translation>Entwickler-Token ausstellen …</translation>
    </message>
    <message>
        <source>Tokens are single-use and short-lived; only their hashes are stored. The newest 1000 are listed.</source>
        <translation>Tokens gelten einmal und nur kurz; gespeichert werden nur ihre Hashes. Die neuesten 1000 werden angezeigt.</translation>
    </message>
    <message>
        <source>An unused token can no longer open a connection</source>
        <translation>Ein unbenutztes Token kann dann keine Verbindung mehr öffnen</translation>
    </message>
    <message>
        <source>Revoke token</source>
        <translation>Token widerrufen</translation>
    </message>
    <message>
        <source>Token #%1 revoked</source>
        <translation>Token Nr. %1 widerrufen</translation>
    </message>
</context>
<context>
    <name>canopy::ui::TrafficModel</name>
    <message>
        <source>← in</source>
        <translation>← ein</translation>
    </message>
    <message>
        <source>→ out</source>
        <translation>→ aus</translation>
    </message>
    <message>
        <source>Time</source>
        <translation>Zeit</translation>
    </message>
    <message>
        <source>Direction</source>
        <translation>Richtung</translation>
    </message>
    <message>
        <source>Session</source>
        <translation>Sitzung</translation>
    </message>
    <message>
        <source>DID</source>
        <translation>DID</translation>
    </message>
    <message>
        <source>Message</source>
        <translation>Nachricht</translation>
    </message>
    <message>
        <source>Size</source>
        <translation>Größe</translation>
    </message>
    <message>
        <source>Leaf Sync1 (msgpack) over a Loro document</source>
        <translation>Leaf Sync1 (msgpack) über ein Loro-Dokument</translation>
    </message>
    <message>
        <source>loro-protocol v1</source>
        <translation>loro-protocol v1</translation>
    </message>
    <message>
        <source>loro-protocol v1: %1</source>
        <translation>loro-protocol v1: %1</translation>
    </message>
    <message>
        <source>Kind</source>
        <translation>Art</translation>
    </message>
    <message>
        <source>Entity or room</source>
        <translation>Entität oder Raum</translation>
    </message>
    <message>
        <source>(not %1)</source>
        <translation>(kein %1)</translation>
    </message>
    <message>
        <source>y-websocket: y-protocols messages over one Yjs room</source>
        <translation>y-websocket: y-protocols-Nachrichten über einen Yjs-Raum</translation>
    </message>
    <message>
        <source>Hocuspocus: y-protocols messages, each naming its Yjs document</source>
        <translation>Hocuspocus: y-protocols-Nachrichten, jede mit dem Namen ihres Yjs-Dokuments</translation>
    </message>
</context>
<context>
    <name>canopy::ui::TrafficPage</name>
    <message>
        <source>Pause</source>
        <translation>Anhalten</translation>
    </message>
    <message>
        <source>Clear</source>
        <translation>Leeren</translation>
    </message>
    <message>
        <source>Hold the list still; frames keep being captured meanwhile</source>
        <translation>Die Liste anhalten; Frames werden währenddessen weiter aufgezeichnet</translation>
    </message>
    <message>
        <source>Resume</source>
        <translation>Fortsetzen</translation>
    </message>
    <message>
        <source>DID</source>
        <translation>DID</translation>
    </message>
    <message>
        <source>All messages</source>
        <translation>Alle Nachrichten</translation>
    </message>
    <message>
        <source>Filter:</source>
        <translation>Filter:</translation>
    </message>
    <message>
        <source>%1 of %2 frames kept</source>
        <translation>%1 von %2 Frames behalten</translation>
    </message>
    <message>
        <source>%1 shown · </source>
        <translation>%1 angezeigt · </translation>
    </message>
    <message>
        <source> · %1 dropped</source>
        <translation> · %1 verworfen</translation>
    </message>
    <message>
        <source> · %1 waiting</source>
        <translation> · %1 wartend</translation>
    </message>
    <message>
        <source>Entity or room</source>
        <translation>Entität oder Raum</translation>
    </message>
</context>
<context>
    <name>canopy::ui::TrayIcon</name>
    <message>
        <source>Show Canopy</source>
        <translation>Canopy anzeigen</translation>
    </message>
    <message>
        <source>Quit</source>
        <translation>Beenden</translation>
    </message>
    <message numerus="yes">
        <source>Serving on port %1 · %n connection(s)</source>
        <translation>
            <numerusform>In Betrieb auf Port %1 · %n Verbindung</numerusform>
            <numerusform>In Betrieb auf Port %1 · %n Verbindungen</numerusform>
        </translation>
    </message>
    <message>
        <source>Not serving</source>
        <translation>Nicht in Betrieb</translation>
    </message>
    <message>
        <source>Canopy — %1</source>
        <translation>Canopy — %1</translation>
    </message>
</context>
</TS>
