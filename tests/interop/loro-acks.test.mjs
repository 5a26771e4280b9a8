// Acks on /loro/as/<did>: every DocUpdate gets exactly one Ack with its batch id; ok (0) once committed (or when
// everything was a duplicate); refusals are acks and store nothing (and forward nothing): invalid_update (4) for a
// bad magic, checksum, mode or body (real loro-crdt exports, damaged with lib/blobs.mjs), permission_denied (3)
// for a room not joined, payload_too_large (5) for a batch announced over --max-message; the real client's
// onUpdateError sees the status. A full disk (tmpfs, needs root) gives an Ack that is not ok, and nothing is
// forwarded; writes resume once space returns.

import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import { startAdminHost } from './lib/admin.mjs';
import * as blobs from './lib/blobs.mjs';
import { Tmpfs, metricNow } from './lib/hardening.mjs';
import {
    CrdtType, LoroDoc, MessageType, RawLoroClient, closeAllLoro, connectLoro, freshDid, noiseText, roomName, sameDoc,
    vvOf, waitConverged,
} from './lib/loro.mjs';
import { delay, waitUntil } from './lib/util.mjs';

const QUIET_MS = 400;

let host;
let peers = [];

async function raw(h = host) {
    const c = await RawLoroClient.connect(h, freshDid('raw'));
    peers.push(c);
    return c;
}

async function peer(h = host, o = {}) {
    const p = await connectLoro(h, o);
    peers.push(p);
    return p;
}

function newDoc() {
    const d = new LoroDoc();
    d.setPeerId(BigInt(1 + Math.floor(Math.random() * 2 ** 40)));
    return d;
}

function sampleUpdate() {
    const d = newDoc();
    for (let i = 0; i < 10; i++) {
        d.getText('text').insert(d.getText('text').length, `sample ${i}; `);
        d.commit();
    }
    d.getMap('meta').set('k', 'v');
    d.commit();
    return { doc: d, update: d.export({ mode: 'update' }), snapshot: d.export({ mode: 'snapshot' }) };
}

const CORRUPTIONS = {
    'bad magic': blobs.wrongMagic,
    'bad checksum': blobs.flipChecksum,
    'body byte flipped (checksum mismatch)': blobs.flipBodyByte,
    'unknown mode 7 (valid checksum)': (b) => blobs.withMode(b, 7),
    'truncated body (valid checksum)': blobs.truncatedBody,
    'shorter than the header': blobs.truncatedHeader,
    'not a Loro blob at all': () => new Uint8Array(Buffer.from('this is not a loro blob, not even close')),
};

/** Two joined raw members of a fresh room. */
async function pair() {
    const roomId = roomName('acks');
    const s = await raw();
    const r = await raw();
    await s.join({ roomId });
    await r.join({ roomId });
    return { roomId, s, r };
}

async function assertEmpty(roomId, what, h = host) {
    const c = await raw(h);
    const ok = await c.join({ roomId });
    assert.equal(ok.type, MessageType.JoinResponseOk);
    assert.deepEqual([...ok.version], [0], `${what}: nothing stored (version ${Buffer.from(ok.version).toString('hex')})`);
    await c.close();
}

describe('loro-protocol: acks', { timeout: 120000 }, () => {
    before(async () => { host = await startAdminHost(); });
    afterEach(async () => {
        await closeAllLoro(peers);
        peers = [];
    });
    after(async () => { await host?.dispose(); });

    test('ok (0): exactly one Ack per DocUpdate with its batch id, for mode-4 updates and mode-3 snapshots', async () => {
        const { roomId, s, r } = await pair();
        const { doc, update } = sampleUpdate();
        const mark = s.mark();
        const ids = [];
        ids.push(s.sendUpdate(roomId, [update]));
        const other = sampleUpdate();
        ids.push(s.sendUpdate(roomId, [other.snapshot]));
        for (const id of ids) assert.equal((await s.waitAck(id, { since: mark })).status, 0, `Ack of ${id}`);
        await delay(QUIET_MS);
        const acks = s.log.inbound((f) => f.msg?.type === MessageType.Ack, mark);
        assert.deepEqual(acks.map((f) => f.msg.refId).sort(), [...ids].sort(), 'one Ack each, nothing else');
        const got = new LoroDoc();
        for (const f of r.received(MessageType.DocUpdate, { roomId })) got.importBatch(f.msg.updates);
        const want = new LoroDoc();
        want.import(doc.export({ mode: 'snapshot' }));
        want.import(other.snapshot);
        assert.ok(sameDoc(got, want), 'the other member holds both');
    });

    test('ok (0) for a DocUpdate that holds only duplicates, and for one with no updates at all (N = 0): one Ack each', async () => {
        const { roomId, s, r } = await pair();
        const { update } = sampleUpdate();
        assert.equal((await s.update(roomId, [update])).status, 0);
        await r.waitFor((f) => f.msg?.type === MessageType.DocUpdate && f.msg.roomId === roomId, { what: 'the forward' });
        const mark = s.mark();
        const rMark = r.mark();
        const dup = s.sendUpdate(roomId, [update, update]);
        const none = s.sendUpdate(roomId, []);
        assert.equal((await s.waitAck(dup, { since: mark })).status, 0, 'duplicates');
        await s.waitAck(none, { since: mark });
        await delay(QUIET_MS);
        assert.equal(s.acksFor(dup, mark).length, 1);
        assert.equal(s.acksFor(none, mark).length, 1, 'an empty DocUpdate gets exactly one Ack too');
        assert.equal(r.log.inbound((f) => f.binary, rMark).length, 0, 'nothing new to forward');
    });

    for (const [name, corrupt] of Object.entries(CORRUPTIONS)) {
        test(`invalid_update (4): ${name}; nothing stored, nothing forwarded, the session stays open`, async () => {
            const { roomId, s, r } = await pair();
            const { update } = sampleUpdate();
            const bad = corrupt(update);
            const rMark = r.mark();
            const mark = s.mark();
            const ack = await s.update(roomId, [bad]);
            assert.equal(ack.status, 4, `status for ${name}`);
            await delay(QUIET_MS);
            assert.equal(s.acksFor(ack.refId, mark).length, 1, 'one Ack');
            assert.equal(r.log.inbound((f) => f.binary, rMark).length, 0, 'nothing forwarded');
            assert.ok(s.isOpen, 'the session stays open');
            await assertEmpty(roomId, name);
            // The session still stores good updates.
            assert.equal((await s.update(roomId, [update])).status, 0, 'a good update afterwards');
        });
    }

    test('invalid_update (4) for a DocUpdate mixing a good and a bad update: nothing of it is stored', async () => {
        const { roomId, s, r } = await pair();
        const good = sampleUpdate();
        const bad = blobs.flipChecksum(sampleUpdate().update);
        const rMark = r.mark();
        const ack = await s.update(roomId, [good.update, bad]);
        assert.equal(ack.status, 4);
        await delay(QUIET_MS);
        assert.equal(r.log.inbound((f) => f.binary, rMark).length, 0, 'nothing forwarded');
        await assertEmpty(roomId, 'mixed');
    });

    test('permission_denied (3) for a room the session has not joined (same socket joined elsewhere); nothing stored', async () => {
        const { roomId, s } = await pair();
        const other = roomName('not-joined');
        const { update } = sampleUpdate();
        const ack = await s.update(other, [update]);
        assert.equal(ack.status, 3);
        assert.equal(ack.roomId, other);
        // A fragment batch for a room not joined: refused too.
        const batchId = s.batchId();
        const mark = s.mark();
        s.send({ type: MessageType.DocUpdateFragmentHeader, crdt: CrdtType.Loro, roomId: other, batchId, fragmentCount: 1, totalSizeBytes: update.length });
        s.send({ type: MessageType.DocUpdateFragment, crdt: CrdtType.Loro, roomId: other, batchId, index: 0, fragment: update });
        const fack = await s.waitAck(batchId, { since: mark });
        assert.equal(fack.status, 3, 'a fragment batch for a room not joined');
        await delay(QUIET_MS);
        assert.equal(s.acksFor(batchId, mark).length, 1, 'one Ack for the batch');
        await assertEmpty(other, 'not joined');
        assert.equal((await s.update(roomId, [update])).status, 0, 'the joined room still takes it');
    });

    test('payload_too_large (5) for a fragment batch announced over --max-message (32 MiB); its fragments are ignored', async () => {
        const { roomId, s } = await pair();
        const batchId = s.batchId();
        const mark = s.mark();
        s.send({ type: MessageType.DocUpdateFragmentHeader, crdt: CrdtType.Loro, roomId, batchId, fragmentCount: 200, totalSizeBytes: 40 * 1024 * 1024 });
        const ack = await s.waitAck(batchId, { since: mark });
        assert.equal(ack.status, 5);
        s.send({ type: MessageType.DocUpdateFragment, crdt: CrdtType.Loro, roomId, batchId, index: 0, fragment: new Uint8Array(1000) });
        await s.ping();
        await delay(QUIET_MS);
        assert.equal(s.acksFor(batchId, mark).length, 1, 'one Ack for the batch');
        assert.ok(s.isOpen);
    });

    test('the real client sees refusals through onUpdateError, and only those', async () => {
        const roomId = roomName('real-acks');
        const p = await peer();
        const j = await p.joinLoro(roomId, { doc: newDoc() });
        j.doc.getText('text').insert(0, 'fine');
        j.doc.commit();
        await p.waitAcked();
        // sendExternalUpdates sends what we give it: a damaged blob is refused.
        const bad = blobs.flipChecksum(sampleUpdate().update);
        p.client.sendExternalUpdates(CrdtType.Loro, roomId, [bad]);
        const batches = await p.waitAcked();
        assert.deepEqual(batches.map((b) => b.acks.map((a) => a.msg.status)), [[0], [4]]);
        await waitUntil(() => p.updateErrors.length === 1, { what: 'onUpdateError' });
        assert.equal(p.updateErrors[0].status, 4);
        assert.equal(p.updateErrors[0].reason, 'invalid_update');
        assert.deepEqual([...p.updateErrors[0].updates[0]], [...bad]);
    });
});

describe('loro-protocol: acks on a full disk (tmpfs data dir; needs root)', { timeout: 90000 }, () => {
    let h;
    let disk;
    afterEach(async () => {
        await closeAllLoro(peers);
        peers = [];
        await h?.dispose();
        h = null;
        disk?.unmount();
        disk = null;
    });

    test('an update SQLite cannot commit gets an Ack that is not ok, is not forwarded; writes resume when space returns', { timeout: 60000 }, async () => {
        disk = Tmpfs.mount('600k');
        h = await startAdminHost({ dataDir: disk.dir });
        const roomId = roomName('disk');
        const a = await peer(h);
        const b = await peer(h);
        const ja = await a.joinLoro(roomId, { doc: newDoc() });
        const jb = await b.joinLoro(roomId, { doc: newDoc() });
        for (let i = 0; i < 10; i++) {
            ja.doc.getText('text').insert(ja.doc.getText('text').length, `before-${i};`);
            ja.doc.commit();
        }
        await waitConverged([ja.doc, jb.doc]);
        await a.waitAcked();
        const before = jb.doc.getText('text').toString();

        disk.fill();
        // A large update from its own author (so later edits do not depend on it), sent by the real client.
        const big = newDoc();
        big.getText('big').insert(0, noiseText(700 * 1024));
        big.commit();
        const mark = a.log.mark();
        a.client.sendExternalUpdates(CrdtType.Loro, roomId, [big.export({ mode: 'update' })]);
        const ack = await a.log.waitFor((f) => f.dir === 'in' && f.msg?.type === MessageType.Ack, { since: mark, timeoutMs: 15000, what: 'the Ack of the big update' });
        assert.notEqual(ack.msg.status, 0, `a storage failure must not be acked ok (${a.log.summary(mark)})`);
        assert.ok(await metricNow(h, 'canopy_store_failures_total') > 0, 'canopy_store_failures_total');
        await delay(500);
        assert.equal(jb.doc.getText('big').toString(), '', 'the update that was not stored was not forwarded');
        assert.equal(jb.doc.getText('text').toString(), before);

        disk.resize('16m');
        ja.doc.getText('text').insert(0, 'after;');
        ja.doc.commit();
        await waitUntil(() => jb.doc.getText('text').toString() === 'after;' + before, { timeoutMs: 5000, what: 'an edit after space returned' });
        const batches = await a.waitAcked();
        assert.equal(batches.at(-1).acks[0].msg.status, 0, 'acked ok once space returned');

        const c = await peer(h);
        const jc = await c.joinLoro(roomId, { doc: newDoc() });
        await jc.room.waitForReachingServerVersion();
        assert.deepEqual(vvOf(jc.doc), vvOf(ja.doc), 'stored exactly what was acked ok');
    });
});
