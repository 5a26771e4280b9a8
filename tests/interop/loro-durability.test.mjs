// Durability on /loro/as/<did>: an Ack ok means committed. kill -9 right after acks (one update killed on its
// Ack, and sustained writes from three real clients into two rooms) loses no acknowledged update: after the
// restart a fresh client holds every acked edit, and the database passes --check-database. Writers never
// reconnect here, so nothing acked is re-sent after the restart.

import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import { startAdminHost } from './lib/admin.mjs';
import { assertDatabaseOk, checkDatabase } from './lib/hardening.mjs';
import {
    LoroDoc, RawLoroClient, closeAllLoro, connectLoro, decodeImportBlobMeta, freshDid, roomName, vvIncludes, vvOf,
} from './lib/loro.mjs';
import { delay, withTimeout } from './lib/util.mjs';

let host;
let peers = [];

function newDoc() {
    const d = new LoroDoc();
    d.setPeerId(BigInt(1 + Math.floor(Math.random() * 2 ** 40)));
    return d;
}

/** Merge `vv` (plain object) into `into`, keeping the max per peer. */
function mergeVv(into, vv) {
    for (const [peer, c] of Object.entries(vv)) into[peer] = Math.max(into[peer] ?? 0, c);
    return into;
}

/** What a peer's acked-ok DocUpdates hold, per room: { roomId: { peer: counterEnd } }. */
function ackedVersions(peer) {
    const out = {};
    for (const b of peer.batches()) {
        if (!b.updates || !b.acks.some((a) => a.msg.status === 0)) continue;
        for (const u of b.updates) {
            const meta = decodeImportBlobMeta(u, false);
            mergeVv(out[b.roomId] ??= {}, vvOf(meta.partialEndVersionVector));
        }
    }
    return out;
}

/** A fresh client's view of `roomId` after the restart. */
async function freshVersion(roomId) {
    const p = await connectLoro(host, { did: freshDid('after') });
    peers.push(p);
    const j = await p.joinLoro(roomId, { doc: newDoc() });
    await withTimeout(j.room.waitForReachingServerVersion(), 10000, `a fresh client to load ${roomId}`);
    assert.deepEqual(j.importErrors, [], 'what the host serves imports cleanly');
    return vvOf(j.doc);
}

describe('loro-protocol: durability across kill -9', { timeout: 120000 }, () => {
    afterEach(async () => {
        await closeAllLoro(peers);
        peers = [];
        await host?.dispose();
        host = null;
    });

    test('kill -9 the moment an Ack arrives, five times: the acked update is there after each restart', { timeout: 60000 }, async () => {
        host = await startAdminHost();
        const roomId = roomName('kill-on-ack');
        const doc = newDoc();
        const want = {};
        // One writer, one identity: its Loro peer is bound to the DID that first wrote it.
        const writer = freshDid('w');
        for (let round = 0; round < 5; round++) {
            const c = await RawLoroClient.connect(host, writer);
            await c.join({ roomId, version: doc.version().encode() });
            const before = doc.version();
            doc.getText('text').insert(doc.getText('text').length, `round ${round};`);
            doc.commit();
            const update = doc.export({ mode: 'update', from: before });
            const batchId = c.batchId();
            // Kill from inside the frame callback that delivers the Ack: nothing else runs in between.
            const killed = new Promise((resolve) => {
                c.ws.on('message', (data, isBinary) => {
                    if (isBinary && c.acksFor(batchId).length > 0) resolve(host.kill9());
                });
            });
            c.sendUpdate(roomId, [update], { batchId });
            await withTimeout(killed, 5000, 'the Ack (and the kill)');
            assert.equal(c.acksFor(batchId)[0].msg.status, 0, 'acked ok');
            mergeVv(want, vvOf(doc));
            c.terminate();
            assertDatabaseOk(await checkDatabase(host.dataDir), `after kill -9 #${round + 1}`);
            await host.start();
            const have = await freshVersion(roomId);
            assert.ok(vvIncludes(have, want), `round ${round}: have ${JSON.stringify(have)}, acked ${JSON.stringify(want)}`);
            await closeAllLoro(peers);
            peers = [];
        }
    });

    test('sustained writes from 3 real clients into 2 rooms, kill -9: every acked edit survives', { timeout: 60000 }, async () => {
        host = await startAdminHost();
        const rooms = [roomName('sus-a'), roomName('sus-b')];
        const writers = [];
        for (let w = 0; w < 3; w++) {
            const p = await connectLoro(host, { did: freshDid(`writer${w}`), reconnect: { enabled: false } });
            peers.push(p);
            const docs = [];
            for (const id of rooms) docs.push((await p.joinLoro(id, { doc: newDoc() })).doc);
            writers.push({ p, docs });
        }
        let running = true;
        let edits = 0;
        const loops = writers.map(async ({ p, docs }, w) => {
            for (let i = 0; running && i < 5000 && p.client.getStatus() === 'connected'; i++) {
                const doc = docs[i % docs.length];
                doc.getText('text').insert(doc.getText('text').length, `w${w}.${i};`);
                if (i % 4 === 0) doc.getMap('meta').set(`w${w}`, i);
                doc.commit();
                edits += 1;
                await delay(3);
            }
        });
        await delay(1500);
        const info = await host.kill9();
        running = false;
        await Promise.all(loops);
        assert.equal(info.signal, 'SIGKILL');
        await Promise.all(writers.map(({ p }) => p.log.waitClose({ socket: 1 }).catch(() => {})));

        const want = {};
        let acked = 0;
        let unacked = 0;
        for (const { p } of writers) {
            for (const [roomId, vv] of Object.entries(ackedVersions(p))) mergeVv(want[roomId] ??= {}, vv);
            for (const b of p.batches()) (b.acks.length ? acked++ : unacked++);
            assert.ok(p.batches().every((b) => b.acks.every((a) => a.msg.status === 0)), `${p.did}: every Ack was ok`);
        }
        assert.ok(acked > 100, `too little was acked before the kill (${edits} edits, ${acked} acked, ${unacked} in flight)`);
        for (const { p } of writers) p.client.destroy();

        assertDatabaseOk(await checkDatabase(host.dataDir), 'right after kill -9');
        await host.start();
        for (const roomId of rooms) {
            const have = await freshVersion(roomId);
            assert.ok(vvIncludes(have, want[roomId]), `${roomId} lost acknowledged edits: have ${JSON.stringify(have)}, acked ${JSON.stringify(want[roomId])}`);
        }
        console.log(`# kill -9: ${edits} edits, ${acked} batches acked, ${unacked} in flight at the kill`);
    });
});
