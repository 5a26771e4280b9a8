// Shallow snapshots (doc.export({mode: "shallow-snapshot", frontiers})), in both protocols.
//
// A shallow snapshot drops the history below its root: its change blocks alone cannot rebuild the
// document. The host keeps such a snapshot whole as the document's root when it lacks the history
// below it, and serves it to a joiner below the root (then the changes after it), so a fresh
// subscriber rebuilds the document; where that is impossible the blob is refused, logged and
// counted, and what the host serves stays importable. Every blob here is made by loro-crdt.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { WebSocket as WsWebSocket } from 'ws';
import { LoroDoc, VersionVector } from 'loro-crdt';
import { LoroWebsocketClient } from 'loro-websocket';
import { LoroAdaptor } from 'loro-adaptors/loro';
import { LeafClient, newDoc, randomEntityId } from './lib/leaf.mjs';
import { adminJson, logEntries, metricSum, scrape, startAdminHost } from './lib/admin.mjs';
import { waitUntil, withTimeout } from './lib/util.mjs';

globalThis.WebSocket ??= WsWebSocket;
globalThis.crypto ??= (await import('node:crypto')).webcrypto;

const TEXT = 'x'.repeat(200);

/** A document of `chars` characters written by peer 1 in several commits, and a second peer's edit. */
function writerDoc(chars = TEXT) {
    const doc = newDoc(1n);
    const text = doc.getText('text');
    for (let i = 0; i < chars.length; i += 50) {
        text.insert(text.length, chars.slice(i, i + 50));
        doc.commit();
    }
    const other = newDoc(2n);
    other.import(doc.export({ mode: 'update' }));
    other.getText('text').insert(0, 'B');
    other.commit();
    doc.import(other.export({ mode: 'update', from: doc.version() }));
    return doc;
}

function shallowOf(doc) {
    return doc.export({ mode: 'shallow-snapshot', frontiers: doc.oplogFrontiers() });
}

/** What a fresh subscriber rebuilds from the handleUpdate answers it received, imported in order. */
function rebuilt(frames) {
    const doc = new LoroDoc();
    for (const f of frames) {
        const status = doc.import(f.msg.update);
        assert.equal(status.pending ?? null, null, `import left changes pending: ${JSON.stringify([...(status.pending ?? [])])}`);
    }
    return doc;
}

async function freshSync1(host, entity, did) {
    const c = await LeafClient.connect(host.wsUrl(did), host.token);
    const since = c.mark();
    c.subscribeNoWait(entity, null, { forwardLocal: false });
    await c.waitForUpdate(entity, { since });
    // A root with changes after it arrives as two answers; wait until the traffic settles.
    await c.quietFor(300);
    return c;
}

function loroClient(host, did) {
    return new LoroWebsocketClient({ url: `ws://127.0.0.1:${host.port}/loro/as/${did}`, disablePing: true });
}

describe('shallow snapshots', () => {
    let host;
    const clients = [];
    before(async () => { host = await startAdminHost(); });
    after(async () => {
        for (const c of clients) {
            try { (c.destroy ?? c.terminate).call(c); } catch { /* gone */ }
        }
        await host?.dispose();
    });

    test('a Sync1 subscribe snapshot that is shallow founds the document; a fresh subscriber rebuilds it', async () => {
        const writer = writerDoc();
        const entity = randomEntityId();
        const w = await LeafClient.connect(host.wsUrl('did:web:shallow-w.example'), host.token);
        clients.push(w);
        w.send({ type: 'subscribe', snapshot: shallowOf(writer), entityId: entity });
        await w.waitForUpdate(entity);
        const detail = await adminJson(host, `/admin/documents/${entity}`);
        assert.ok(detail.history.some((b) => b.peer === 'shallow root'), JSON.stringify(detail.history));

        const r = await freshSync1(host, entity, 'did:web:shallow-r.example');
        clients.push(r);
        const answers = r.updatesFor(entity);
        assert.equal(answers.length, 1, 'nothing after the root: one answer, the root itself');
        const doc = rebuilt(answers);
        assert.equal(doc.getText('text').toString(), writer.getText('text').toString());
        assert.deepEqual(doc.version().toJSON(), writer.version().toJSON());

        // Changes after the root: a fresh subscriber gets the root, then what followed it.
        writer.getText('text').insert(0, 'after');
        writer.commit();
        const late = writer.export({ mode: 'update', from: doc.version() });
        w.sendUpdate(entity, late);
        await waitUntil(async () => (await adminJson(host, `/admin/documents/${entity}`)).blocks > detail.blocks,
            { what: 'the change after the root to be stored' });
        const r2 = await freshSync1(host, entity, 'did:web:shallow-r2.example');
        clients.push(r2);
        const two = r2.updatesFor(entity);
        assert.equal(two.length, 2, 'the root, then the changes after it');
        const doc2 = rebuilt(two);
        assert.equal(doc2.getText('text').toString(), writer.getText('text').toString());
        assert.deepEqual(doc2.version().toJSON(), writer.version().toJSON());

        // A subscriber that already holds the root's history gets only what it lacks: one answer.
        const holder = new LoroDoc();
        holder.import(shallowOf(writer));
        const c = await LeafClient.connect(host.wsUrl('did:web:shallow-h.example'), host.token);
        clients.push(c);
        await c.subscribe(entity, holder, { variant: 'vv', forwardLocal: false });
        await c.quietFor(200);
        assert.equal(c.updatesFor(entity).length, 1);
        assert.equal(holder.getText('text').toString(), writer.getText('text').toString());
    });

    test('a loro-protocol joiner of a document founded by a shallow snapshot holds it once its join completes', async () => {
        const writer = writerDoc('shallow and loro '.repeat(12));
        const entity = randomEntityId();
        const w = await LeafClient.connect(host.wsUrl('did:web:shallow-lw.example'), host.token);
        clients.push(w);
        w.send({ type: 'subscribe', snapshot: shallowOf(writer), entityId: entity });
        await w.waitForUpdate(entity);
        const before = writer.version();
        writer.getText('text').insert(0, 'tail');
        writer.commit();
        w.sendUpdate(entity, writer.export({ mode: 'update', from: before }));
        await waitUntil(async () => {
            const docs = (await adminJson(host, '/admin/documents')).documents;
            const d = docs.find((x) => x.id === entity);
            return d && d.blocks >= 2;
        }, { what: 'the document and its tail to be stored' });

        const client = loroClient(host, 'did:web:shallow-lj.example');
        clients.push(client);
        await withTimeout(client.waitConnected(), 5000, 'connect');
        const doc = new LoroDoc();
        const room = await withTimeout(client.join({ roomId: entity, crdtAdaptor: new LoroAdaptor(doc),
            auth: new TextEncoder().encode(host.token) }), 5000, 'join');
        await withTimeout(room.waitForReachingServerVersion(), 5000, 'join complete');
        assert.equal(doc.getText('text').toString(), writer.getText('text').toString());
    });

    test('a shallow snapshot of history the host already holds adds only its later blocks', async () => {
        const writer = writerDoc();
        const entity = randomEntityId();
        const w = await LeafClient.connect(host.wsUrl('did:web:shallow-full.example'), host.token);
        clients.push(w);
        await w.subscribe(entity, writer, { forwardLocal: false }); // the whole history, as a snapshot
        const held = writer.oplogFrontiers();
        writer.getText('text').insert(0, 'more');
        writer.commit();
        // Rooted where the host's history reaches: the host needs only the change after the root.
        // The writer sends it (its peer is bound to its identity).
        const c = await LeafClient.connect(host.wsUrl('did:web:shallow-full.example'), host.token);
        clients.push(c);
        c.send({ type: 'subscribe', snapshot: writer.export({ mode: 'shallow-snapshot', frontiers: held }), entityId: entity });
        await c.waitForUpdate(entity);
        await waitUntil(async () => {
            const d = await adminJson(host, `/admin/documents/${entity}`);
            return d.history.some((b) => b.counterEnd === writer.version().toJSON().get('1'));
        }, { what: 'the later block' });
        const detail = await adminJson(host, `/admin/documents/${entity}`);
        assert.ok(!detail.history.some((b) => b.peer === 'shallow root'), 'no root: the host holds the history below it');
        const r = await freshSync1(host, entity, 'did:web:shallow-full3.example');
        clients.push(r);
        const answers = r.updatesFor(entity);
        assert.equal(answers.length, 1);
        assert.equal(rebuilt(answers).getText('text').toString(), writer.getText('text').toString());
    });

    test('what cannot be rebuilt is refused, logged and counted, and the document stays importable', async () => {
        const m0 = await scrape(host);
        const entity = randomEntityId();
        const first = writerDoc();
        const w = await LeafClient.connect(host.wsUrl('did:web:shallow-x.example'), host.token);
        clients.push(w);
        w.send({ type: 'subscribe', snapshot: shallowOf(first), entityId: entity });
        await w.waitForUpdate(entity);

        // Another document's shallow snapshot, rooted where this one holds nothing.
        const stranger = newDoc(9n);
        for (let i = 0; i < 4; i++) {
            stranger.getText('text').insert(0, `s${i}`);
            stranger.commit();
        }
        const c = await LeafClient.connect(host.wsUrl('did:web:shallow-y.example'), host.token);
        clients.push(c);
        c.send({ type: 'subscribe', snapshot: shallowOf(stranger), entityId: entity });
        await c.waitForUpdate(entity);

        // A shallow document's "update from nothing" starts past what the host holds of its peer.
        const shallowDoc = new LoroDoc();
        shallowDoc.import(shallowOf(stranger));
        shallowDoc.getText('text').insert(0, 'z');
        shallowDoc.commit();
        c.sendUpdate(entity, shallowDoc.export({ mode: 'update', from: new VersionVector(null) }));

        await waitUntil(async () => {
            const m = await scrape(host);
            return metricSum(m, 'canopy_updates_refused_total', { reason: 'shallow-root-unknown' })
                    > metricSum(m0, 'canopy_updates_refused_total', { reason: 'shallow-root-unknown' })
                && metricSum(m, 'canopy_updates_refused_total', { reason: 'missing-history' })
                    > metricSum(m0, 'canopy_updates_refused_total', { reason: 'missing-history' });
        }, { what: 'both refusals to be counted' });
        const log = await logEntries(host, {});
        assert.ok(log.some((e) => e.entity === entity && e.reason === 'shallow-root-unknown' && e.did === 'did:web:shallow-y.example'),
            'the refusal is logged with the entity, the DID and the reason');
        assert.ok(log.some((e) => e.entity === entity && e.reason === 'missing-history'));

        const r = await freshSync1(host, entity, 'did:web:shallow-z.example');
        clients.push(r);
        const doc = rebuilt(r.updatesFor(entity));
        assert.equal(doc.getText('text').toString(), first.getText('text').toString(), 'only the founding document');
    });

    test('the root survives a restart', async () => {
        const writer = writerDoc('restart '.repeat(30));
        const entity = randomEntityId();
        const w = await LeafClient.connect(host.wsUrl('did:web:shallow-rs.example'), host.token);
        w.send({ type: 'subscribe', snapshot: shallowOf(writer), entityId: entity });
        await w.waitForUpdate(entity);
        await w.close();
        await host.restart();
        const r = await freshSync1(host, entity, 'did:web:shallow-rs2.example');
        clients.push(r);
        assert.equal(rebuilt(r.updatesFor(entity)).getText('text').toString(), writer.getText('text').toString());
    });
});
