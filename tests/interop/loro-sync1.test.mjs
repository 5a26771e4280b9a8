// One document, two protocols: a %LOR room named `leaf:<52 chars>` is the entity Sync1 clients edit at
// /sync/as/<did>. A Leaf-like Sync1 client (lib/leaf.mjs) and the real LoroWebsocketClient + LoroAdaptor edit it
// together and converge, in both directions, live and as late joiners.

import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import { adminJson, startAdminHost } from './lib/admin.mjs';
import { LeafClient, closeAll, newDoc, randomEntityId } from './lib/leaf.mjs';
import { LoroDoc, MessageType, closeAllLoro, connectLoro, sameDoc, vvOf, waitConverged } from './lib/loro.mjs';
import { delay, waitUntil, withTimeout } from './lib/util.mjs';

let host;
let loroPeers = [];
let leafClients = [];

async function loro(o) {
    const p = await connectLoro(host, o);
    loroPeers.push(p);
    return p;
}

async function leaf(did = 'did:web:leaf.example.test') {
    const c = await LeafClient.connect(host.wsUrl(did), host.token);
    leafClients.push(c);
    return c;
}

describe('loro-protocol and Sync1 on one leaf: document', { timeout: 120000 }, () => {
    before(async () => { host = await startAdminHost(); });
    afterEach(async () => {
        await closeAllLoro(loroPeers);
        await closeAll(leafClients);
        loroPeers = [];
        leafClients = [];
    });
    after(async () => { await host?.dispose(); });

    test('live: a Sync1 edit reaches the loro client, a loro edit reaches the Sync1 client, concurrent edits converge', async () => {
        const id = randomEntityId();
        const s = await leaf();
        const ds = newDoc();
        await s.subscribe(id, ds);
        const p = await loro();
        const { doc: dl, importErrors } = await p.joinLoro(id, { doc: newDoc() });

        ds.getText('text').insert(0, 'from sync1;');
        ds.commit();
        await waitUntil(() => dl.getText('text').toString() === 'from sync1;', { what: 'the loro client to see the Sync1 edit' });

        dl.getText('text').insert(0, 'from loro;');
        dl.commit();
        await waitUntil(() => ds.getText('text').toString() === 'from loro;from sync1;', { what: 'the Sync1 client to see the loro edit' });

        for (let i = 0; i < 20; i++) {
            ds.getMap('sync1').set(`k${i}`, i);
            ds.commit();
            dl.getList('loro').push(i);
            dl.commit();
            if (i % 4 === 0) await delay(3);
        }
        await waitConverged([ds, dl], { timeoutMs: 10000 });
        assert.equal(Object.keys(dl.getMap('sync1').toJSON()).length, 20);
        assert.equal(ds.getList('loro').length, 20);
        assert.deepEqual(importErrors, []);
        assert.deepEqual(s.entity(id).importErrors, []);
        const batches = await p.waitAcked();
        assert.ok(batches.every((b) => b.acks.length === 1 && b.acks[0].msg.status === 0), 'every loro batch acked ok once');

        // One document: listed once, with both writers' peers.
        const docs = (await adminJson(host, '/admin/documents')).documents.filter((d) => d.id === id);
        assert.equal(docs.length, 1, `listed once: ${JSON.stringify(docs)}`);
        assert.equal(docs[0].kind, 'loro');
        assert.equal(docs[0].entityId, id);
        assert.equal(docs[0].peers, 2);
    });

    test('late joiners across protocols: Sync1 writes, the loro client joins later and holds it all (and the other way round)', async () => {
        // Sync1 -> loro
        const id1 = randomEntityId();
        const s = await leaf();
        const ds = newDoc();
        await s.subscribe(id1, ds);
        for (let i = 0; i < 30; i++) {
            ds.getText('text').insert(ds.getText('text').length, `s${i} `);
            ds.commit();
        }
        const watcher = await leaf('did:web:watcher.example.test');
        const dw = newDoc();
        await watcher.subscribe(id1, dw);
        await waitConverged([ds, dw], { what: 'the host to hold every Sync1 edit' });
        const p = await loro();
        const j = await p.joinLoro(id1, { doc: newDoc() });
        await withTimeout(j.room.waitForReachingServerVersion(), 5000, 'the loro late joiner');
        assert.ok(sameDoc(j.doc, ds), 'the loro late joiner holds the Sync1 document');

        // loro -> Sync1
        const id2 = randomEntityId();
        const q = await loro();
        const jq = await q.joinLoro(id2, { doc: newDoc() });
        for (let i = 0; i < 30; i++) {
            jq.doc.getMap('m').set(`k${i}`, `v${i}`);
            jq.doc.commit();
        }
        await q.waitAcked();
        const s2 = await leaf('did:web:late.example.test');
        const first = await s2.subscribe(id2, newDoc());
        const fresh = new LoroDoc();
        fresh.import(first.msg.update);
        assert.ok(sameDoc(fresh, jq.doc), 'the Sync1 late joiner\'s first handleUpdate holds the loro document');
    });

    test('a loro client that edited offline pushes its diff on join; the Sync1 subscriber receives it', async () => {
        const id = randomEntityId();
        const s = await leaf();
        const ds = newDoc();
        await s.subscribe(id, ds);
        ds.getText('text').insert(0, 'base;');
        ds.commit();
        const w = await leaf('did:web:w.example.test');
        const dw = newDoc();
        await w.subscribe(id, dw);
        await waitConverged([ds, dw]);

        // The loro client starts from a copy of the base plus its own edit made before joining.
        const dl = newDoc();
        dl.import(ds.export({ mode: 'snapshot' }));
        dl.getText('text').insert(0, 'offline-loro;');
        dl.commit();
        const p = await loro();
        await p.joinLoro(id, { doc: dl });
        await waitConverged([ds, dl], { what: 'the Sync1 subscriber to receive the loro client\'s diff' });
        const pushed = p.log.outbound((f) => f.msg?.type === MessageType.DocUpdate);
        assert.equal(pushed.length, 1, 'the adaptor pushed its diff once on join');
        assert.deepEqual(vvOf(ds), vvOf(dl));
    });
});
