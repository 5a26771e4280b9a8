// Durability: a clean restart (SIGTERM / SIGINT: exit 0, sockets closed with 1001) loses nothing, and
// kill -9 during sustained writes loses nothing that any client had received (persist before fan-out).

import assert from 'node:assert/strict';
import { after, afterEach, describe, test } from 'node:test';
import { startHost } from './lib/host.mjs';
import { LeafClient, appendText, closeAll, newDoc, randomEntityId, textOf, vvIncludes, vvObject } from './lib/leaf.mjs';
import { delay, waitUntil } from './lib/util.mjs';

let host;
let clients = [];

async function connect() {
    const c = await LeafClient.connect(host.wsUrl(), host.token);
    clients.push(c);
    return c;
}

function sameState(a, b) {
    return JSON.stringify(a.toJSON()) === JSON.stringify(b.toJSON())
        && JSON.stringify(vvObject(a.version())) === JSON.stringify(vvObject(b.version()));
}

/**
 * Writers append to their docs every `everyMs` until stopped (or `maxEdits` each).
 * Returns { stop(): Promise, count() }.
 */
function sustainedWrites(writers, ids, { everyMs = 4, maxEdits = 5000 } = {}) {
    let running = true;
    let edits = 0;
    const loops = writers.map(async ({ client, docs }, w) => {
        for (let i = 0; running && i < maxEdits; i++) {
            if (!client.isOpen) break;
            const k = i % ids.length;
            appendText(docs[k], `w${w}:${i};`);
            if (i % 7 === 0) {
                docs[k].getMap('meta').set(`w${w}`, i);
                docs[k].commit();
            }
            edits += 1;
            await delay(everyMs);
        }
    });
    return {
        async stop() { running = false; await Promise.all(loops); },
        count: () => edits,
    };
}

/**
 * The versions each entity must have after a restart: for every client doc, what it holds minus its own
 * author's changes (those it did not receive from the host).
 */
function receivedVersions(observers, ids) {
    const need = ids.map(() => ({}));
    for (const { docs, ownPeers } of observers) {
        docs.forEach((doc, k) => {
            for (const [peer, counter] of Object.entries(vvObject(doc.version()))) {
                if (ownPeers.has(peer)) continue;
                need[k][peer] = Math.max(need[k][peer] ?? 0, counter);
            }
        });
    }
    return need;
}

async function setupWriters(ids, nWriters) {
    const writers = [];
    for (let w = 0; w < nWriters; w++) {
        const client = await connect();
        const docs = ids.map(() => newDoc());
        for (let k = 0; k < ids.length; k++) await client.subscribe(ids[k], docs[k]);
        writers.push({ client, docs, ownPeers: new Set(docs.map((d) => d.peerIdStr)) });
    }
    const obsClient = await connect();
    const obsDocs = ids.map(() => newDoc());
    for (let k = 0; k < ids.length; k++) await obsClient.subscribe(ids[k], obsDocs[k]);
    const observer = { client: obsClient, docs: obsDocs, ownPeers: new Set() };
    return { writers, observer };
}

async function freshDocsAfterRestart(ids) {
    const c = await connect();
    const docs = ids.map(() => newDoc());
    for (let k = 0; k < ids.length; k++) await c.subscribe(ids[k], docs[k], { timeoutMs: 10000 });
    return docs;
}

describe('durability', { timeout: 240000 }, () => {
    afterEach(async () => {
        await closeAll(clients);
        clients = [];
        await host?.dispose();
        host = null;
    });

    for (const signal of ['SIGTERM', 'SIGINT']) {
        test(`${signal}: exit 0 within 10 s, clients see 1001, nothing lost after restart`, { timeout: 60000 }, async () => {
            host = await startHost();
            const ids = [randomEntityId(), randomEntityId(), randomEntityId()];
            const a = await connect();
            const b = await connect();
            const da = ids.map(() => newDoc());
            const db = ids.map(() => newDoc());
            for (let k = 0; k < ids.length; k++) {
                await a.subscribe(ids[k], da[k]);
                await b.subscribe(ids[k], db[k]);
            }
            for (let i = 0; i < 40; i++) {
                ids.forEach((_, k) => appendText(da[k], `e${k}.${i};`));
                if (i % 10 === 0) await delay(5);
            }
            await waitUntil(() => ids.every((_, k) => sameState(da[k], db[k])),
                { timeoutMs: 10000, what: 'b to receive every edit' });

            const info = await host.stop({ signal, timeoutMs: 10000 });
            assert.equal(info.code, 0, `exit code after ${signal}: ${JSON.stringify(info)}\n${host.tail()}`);
            assert.equal(info.signal, null);
            assert.ok(info.ms < 10000, `took ${info.ms} ms`);
            const [ca, cb] = await Promise.all([a.waitClose(3000), b.waitClose(3000)]);
            assert.equal(ca.code, 1001, 'a must be closed with 1001 (going away)');
            assert.equal(cb.code, 1001, 'b must be closed with 1001 (going away)');

            await host.start();
            const fresh = await freshDocsAfterRestart(ids);
            ids.forEach((_, k) => {
                assert.ok(sameState(fresh[k], db[k]), `entity ${k} after restart: ${textOf(fresh[k]).length} chars, `
                    + `expected ${textOf(db[k]).length}`);
            });
        });
    }

    test('SIGTERM during sustained writes: exit 0, 1001, and every change any client received is kept', { timeout: 60000 }, async () => {
        host = await startHost();
        const ids = [randomEntityId(), randomEntityId()];
        const { writers, observer } = await setupWriters(ids, 3);
        const load = sustainedWrites(writers, ids);
        await delay(1500);
        const info = await host.stop({ signal: 'SIGTERM', timeoutMs: 10000 });
        await load.stop();
        assert.equal(info.code, 0, `exit code ${JSON.stringify(info)}\n${host.tail()}`);
        const all = [...writers.map((w) => w.client), observer.client];
        const codes = await Promise.all(all.map((c) => c.waitClose(3000).then((ci) => ci.code)));
        const shutdownLog = host.tail(8);
        const need = receivedVersions([...writers, observer], ids);
        assert.ok(Object.values(need[0]).reduce((s, n) => s + n, 0) > 50, `too few changes were exchanged (${load.count()} edits)`);

        // Data first (so a failure below still tells whether anything was lost), then the close codes.
        await host.start();
        const fresh = await freshDocsAfterRestart(ids);
        ids.forEach((_, k) => {
            const have = vvObject(fresh[k].version());
            assert.ok(vvIncludes(have, need[k]),
                `entity ${k} lost received changes: have ${JSON.stringify(have)}, received ${JSON.stringify(need[k])}`);
        });
        assert.deepEqual(codes, all.map(() => 1001), `close codes seen by the clients (3 writers, 1 observer): `
            + `${codes.join(', ')}; client errors: ${all.map((c) => c.errors.map((e) => e.code ?? e.message).join('|')).join('; ')}`
            + `\nhost log at shutdown:\n${shutdownLog}`);
    });

    test('kill -9 during sustained writes from 3 clients loses nothing another client received', { timeout: 60000 }, async () => {
        host = await startHost();
        const ids = [randomEntityId(), randomEntityId()];
        const { writers, observer } = await setupWriters(ids, 3);
        const load = sustainedWrites(writers, ids);
        await delay(1500);
        const editsBefore = load.count();
        await host.kill9();
        await load.stop();
        for (const c of [...writers.map((w) => w.client), observer.client]) await c.waitClose(5000);
        const need = receivedVersions([...writers, observer], ids);
        const total = ids.reduce((s, _, k) => s + Object.values(need[k]).reduce((a, n) => a + n, 0), 0);
        assert.ok(total > 50, `too few changes were exchanged before the kill (${editsBefore} edits, ${total} received)`);

        await host.start();
        const fresh = await freshDocsAfterRestart(ids);
        ids.forEach((_, k) => {
            const have = vvObject(fresh[k].version());
            assert.ok(vvIncludes(have, need[k]),
                `entity ${k} lost changes a client had received: have ${JSON.stringify(have)}, `
                + `received ${JSON.stringify(need[k])}`);
            // The observer's document is contained in what the host serves.
            const merged = newDoc();
            merged.import(fresh[k].export({ mode: 'snapshot' }));
            merged.import(observer.docs[k].export({ mode: 'snapshot' }));
            assert.deepEqual(vvObject(merged.version()), have, 'the observer held nothing the host lost');
        });
    });
});

after(async () => { await host?.dispose(); });
