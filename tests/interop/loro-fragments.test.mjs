// Size and fragments on /loro/as/<did>: a 2 MB update goes up as FragmentHeader + Fragments (the real client
// splits it), is acked once and forwarded in fragments of at most 256 KiB; a late joiner's 2 MB backfill comes
// down in fragments of at most 256 KiB that the real client reassembles; interleaved batches are reassembled per
// batch id; an incomplete batch is dropped and acked fragment_timeout (7) after 10 s; a batch over --max-message
// once reassembled is payload_too_large (5); a reassembled batch that is no Loro blob is invalid_update (4).

import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import { startAdminHost } from './lib/admin.mjs';
import {
    CrdtType, LoroDoc, MAX_HOST_MESSAGE, MessageType, RawLoroClient, closeAllLoro, connectLoro, eloKey, freshDid, noiseText,
    roomName, sameDoc, vvOf, waitConverged,
} from './lib/loro.mjs';
import { delay, waitUntil, withTimeout } from './lib/util.mjs';

const MB2 = 2 * 1024 * 1024;

let host;
let peers = [];

async function peer(h = host, o = {}) {
    const p = await connectLoro(h, o);
    peers.push(p);
    return p;
}

async function raw(h = host) {
    const c = await RawLoroClient.connect(h, freshDid('raw'));
    peers.push(c);
    return c;
}

function newDoc() {
    const d = new LoroDoc();
    d.setPeerId(BigInt(1 + Math.floor(Math.random() * 2 ** 40)));
    return d;
}

/** Every binary frame the host sent to `log` is at most 256 KiB; returns the largest. */
function assertAllWithinLimit(log, what) {
    const inbound = log.inbound((f) => f.binary);
    const over = inbound.filter((f) => f.size > MAX_HOST_MESSAGE);
    assert.deepEqual(over.map((f) => `${f.typeName}:${f.size}`), [], `${what}: frames over ${MAX_HOST_MESSAGE} bytes`);
    return Math.max(0, ...inbound.map((f) => f.size));
}

/** The fragment batches received in `log` for `roomId`: [{ header, fragments }]. */
function receivedBatches(log, roomId) {
    const batches = new Map();
    for (const f of log.inbound((x) => x.msg?.roomId === roomId)) {
        if (f.msg.type === MessageType.DocUpdateFragmentHeader) batches.set(f.msg.batchId, { header: f, fragments: [] });
        else if (f.msg.type === MessageType.DocUpdateFragment) batches.get(f.msg.batchId)?.fragments.push(f);
    }
    return [...batches.values()];
}

function assertBatchConsistent(b, what) {
    const h = b.header.msg;
    assert.equal(b.fragments.length, h.fragmentCount, `${what}: ${b.fragments.length} fragments, header says ${h.fragmentCount}`);
    assert.deepEqual(b.fragments.map((f) => f.msg.index).sort((x, y) => x - y), [...Array(h.fragmentCount).keys()], `${what}: indices`);
    const total = b.fragments.reduce((s, f) => s + f.msg.fragment.length, 0);
    assert.equal(total, h.totalSizeBytes, `${what}: fragment bytes vs totalSizeBytes`);
    return Buffer.concat(b.fragments.sort((x, y) => x.msg.index - y.msg.index).map((f) => Buffer.from(f.msg.fragment)));
}

describe('loro-protocol: fragments (default --max-message)', { timeout: 120000 }, () => {
    before(async () => { host = await startAdminHost(); });
    afterEach(async () => {
        await closeAllLoro(peers);
        peers = [];
    });
    after(async () => { await host?.dispose(); });

    test('a 2 MB update goes up in fragments, is acked once, forwarded in fragments <= 256 KiB; a late joiner\'s 2 MB backfill too', { timeout: 60000 }, async () => {
        const roomId = roomName('big');
        const a = await peer();
        const b = await peer();
        const ja = await a.joinLoro(roomId, { doc: newDoc() });
        const jb = await b.joinLoro(roomId, { doc: newDoc() });
        ja.doc.getText('text').insert(0, noiseText(MB2));
        ja.doc.commit();

        // Up: the real client fragments it.
        const [batch] = await a.waitAcked({ timeoutMs: 20000 });
        assert.ok(batch.fragmented, `the client sent a FragmentHeader: ${a.log.summary()}`);
        const frags = a.log.outbound((f) => f.msg?.type === MessageType.DocUpdateFragment && f.msg.batchId === batch.batchId);
        assert.ok(frags.length >= 8, `${frags.length} fragments for ${batch.sent.msg.totalSizeBytes} bytes`);
        assert.ok(batch.sent.msg.totalSizeBytes >= MB2, `total ${batch.sent.msg.totalSizeBytes}`);
        assert.equal(batch.acks.length, 1, 'one Ack for the batch');
        assert.equal(batch.acks[0].msg.status, 0, 'acked ok');

        // Forward to b: fragments, each frame <= 256 KiB, reassembled by the client.
        await waitConverged([ja.doc, jb.doc], { timeoutMs: 20000, what: 'b to receive the 2 MB update' });
        const fwd = receivedBatches(b.log, roomId);
        assert.equal(fwd.length, 1, `one fragmented forward: ${b.log.summary()}`);
        assert.equal(fwd[0].header.msg.batchId, batch.batchId, 'the forward reuses the sender\'s batch id');
        assertBatchConsistent(fwd[0], 'forward');
        const largestFwd = assertAllWithinLimit(b.log, 'forward');
        assert.ok(largestFwd > 200000, `the forward used large fragments (${largestFwd})`);
        await delay(300);
        assert.equal(a.log.inbound((f) => f.msg?.type === MessageType.DocUpdateFragmentHeader || f.msg?.type === MessageType.DocUpdate).length, 0,
            'no echo to the sender');

        // Down: a late joiner's 2 MB backfill.
        const c = await peer();
        const jc = await c.joinLoro(roomId, { doc: newDoc() });
        await withTimeout(jc.room.waitForReachingServerVersion(), 20000, 'the late joiner to reach the host\'s version');
        assert.ok(sameDoc(jc.doc, ja.doc), 'the late joiner holds the 2 MB document');
        assertAllWithinLimit(c.log, 'backfill');
        const types = new Set(c.log.inbound((f) => f.msg?.roomId === roomId).map((f) => f.typeName));
        assert.ok(types.has('DocUpdateFragmentHeader') && types.has('DocUpdateFragment'),
            `the backfill came in fragments: ${[...types].join(', ')}`);
        const bf = receivedBatches(c.log, roomId);
        assert.equal(bf.length, 1, 'one fragmented backfill');
        const whole = assertBatchConsistent(bf[0], 'backfill');
        assert.ok(whole.length >= MB2, `backfill of ${whole.length} bytes`);
        const ok = c.log.messages(MessageType.JoinResponseOk, { roomId, dir: 'in' })[0];
        assert.ok(bf[0].header.i > ok.i, 'the backfill follows the JoinResponseOk');
        assert.deepEqual(jc.importErrors, []);
    });

    test('a backfill of many small blocks (over 256 KiB merged) still arrives in frames of at most 256 KiB', { timeout: 60000 }, async () => {
        const roomId = roomName('many-small');
        const s = await raw();
        await s.join({ roomId });
        const doc = newDoc();
        // 120 updates of ~3 KB, stored as 120 blocks; merged they are ~360 KB.
        for (let i = 0; i < 120; i++) {
            const before = doc.version();
            doc.getText('text').insert(doc.getText('text').length, noiseText(3000));
            doc.commit();
            s.sendUpdate(roomId, [doc.export({ mode: 'update', from: before })]);
        }
        await waitUntil(() => s.received(MessageType.Ack, { roomId }).length === 120, { timeoutMs: 20000, what: '120 Acks' });
        assert.ok(s.received(MessageType.Ack, { roomId }).every((f) => f.msg.status === 0));
        const c = await peer();
        const jc = await c.joinLoro(roomId, { doc: newDoc() });
        await withTimeout(jc.room.waitForReachingServerVersion(), 20000, 'the joiner to reach the host\'s version');
        assert.ok(sameDoc(jc.doc, doc), 'the joiner holds every block');
        assertAllWithinLimit(c.log, 'backfill of many blocks');
        const types = new Set(c.log.inbound((f) => f.msg?.roomId === roomId).map((f) => f.typeName));
        assert.ok(types.has('DocUpdateFragmentHeader'), `a merged backfill over 256 KiB goes in fragments: ${[...types].join(', ')}`);
    });

    test('%ELO: a 2 MB record goes up in fragments and a late joiner\'s records come down in frames of at most 256 KiB', { timeout: 60000 }, async () => {
        const roomId = roomName('elo-big');
        const key = eloKey();
        const a = await peer();
        const b = await peer();
        const ja = await a.joinElo(roomId, { doc: newDoc(), key });
        const jb = await b.joinElo(roomId, { doc: newDoc(), key });
        ja.doc.getText('text').insert(0, noiseText(MB2));
        ja.doc.commit();
        await waitUntil(() => a.batches().some((x) => x.fragmented), { timeoutMs: 10000, what: 'a fragmented ELO batch' });
        const batches = await a.waitAcked({ timeoutMs: 20000 });
        assert.ok(batches.every((x) => x.acks.length === 1 && x.acks[0].msg.status === 0), 'acked ok');
        await waitConverged([ja.doc, jb.doc], { timeoutMs: 20000, what: 'b to decrypt the 2 MB record' });
        assertAllWithinLimit(b.log, 'ELO forward');
        const c = await peer();
        const jc = await c.joinElo(roomId, { doc: newDoc(), key });
        await waitConverged([ja.doc, jc.doc], { timeoutMs: 20000, what: 'the late joiner to decrypt the 2 MB record' });
        assertAllWithinLimit(c.log, 'ELO backfill');
        assert.ok(c.log.inbound((f) => f.typeName === 'DocUpdateFragment').length >= 8, 'the backfill came in fragments');
        assert.deepEqual(jc.decryptErrors, []);
    });

    test('a document of 40 000 peers: even its JoinResponseOk (the version alone is ~280 KB) stays within 256 KiB', { timeout: 60000 }, async () => {
        const roomId = roomName('many-peers');
        const doc = new LoroDoc();
        for (let i = 0; i < 40000; i++) {
            doc.setPeerId(BigInt(1e12 + i * 7919));
            doc.getMap('m').set(`k${i % 10}`, i);
            doc.commit();
        }
        const vvBytes = doc.version().encode().length;
        assert.ok(vvBytes > MAX_HOST_MESSAGE, `the version vector is ${vvBytes} bytes`);
        const w = await peer();
        await w.joinLoro(roomId);
        w.client.sendExternalUpdates(CrdtType.Loro, roomId, [doc.export({ mode: 'update' })]);
        const [b] = await w.waitAcked({ timeoutMs: 30000 });
        assert.equal(b.acks[0].msg.status, 0);
        // A raw joiner (loro-crdt 1.17 needs minutes to import a mode-4 blob of 40 000 peers, so nothing imports it).
        const c = await raw();
        const answer = await c.join({ roomId, version: new LoroDoc().version().encode(), timeoutMs: 20000 });
        await waitUntil(() => receivedBatches(c.log, roomId).some((x) => x.fragments.length === x.header.msg.fragmentCount)
            || c.received(MessageType.DocUpdate, { roomId }).length > 0, { timeoutMs: 20000, what: 'the backfill' });
        const okFrame = answer.frame;
        assert.ok(okFrame.size <= MAX_HOST_MESSAGE,
            `the host sent a ${okFrame.size}-byte ${okFrame.typeName} (its version alone is ${answer.version?.length ?? '?'} bytes), over ${MAX_HOST_MESSAGE}`);
        assertAllWithinLimit(c.log, 'join of a document with 40 000 peers');
    });

    test('interleaved fragment batches are reassembled per batch id (fragments out of order); each acked ok once', async () => {
        const roomId = roomName('interleave');
        const s = await raw();
        await s.join({ roomId });
        const doc = newDoc();
        const blobs = [];
        for (let k = 0; k < 2; k++) {
            const before = doc.version();
            doc.getText(`t${k}`).insert(0, noiseText(300000));
            doc.commit();
            blobs.push(doc.export({ mode: 'update', from: before }));
        }
        const LIMIT = 100000;
        const plans = blobs.map((blob) => {
            const batchId = s.batchId();
            const count = Math.ceil(blob.length / LIMIT);
            const pieces = Array.from({ length: count }, (_, i) => blob.subarray(i * LIMIT, Math.min(blob.length, (i + 1) * LIMIT)));
            return { batchId, count, blob, pieces };
        });
        const mark = s.mark();
        for (const p of plans) {
            s.send({ type: MessageType.DocUpdateFragmentHeader, crdt: CrdtType.Loro, roomId, batchId: p.batchId, fragmentCount: p.count, totalSizeBytes: p.blob.length });
        }
        // Reverse order, alternating between the two batches.
        const maxCount = Math.max(...plans.map((p) => p.count));
        for (let i = maxCount - 1; i >= 0; i--) {
            for (const p of plans) {
                if (i < p.count) s.send({ type: MessageType.DocUpdateFragment, crdt: CrdtType.Loro, roomId, batchId: p.batchId, index: i, fragment: p.pieces[i] });
            }
        }
        for (const p of plans) assert.equal((await s.waitAck(p.batchId, { since: mark, timeoutMs: 10000 })).status, 0);
        await delay(300);
        for (const p of plans) assert.equal(s.acksFor(p.batchId, mark).length, 1, 'one Ack per batch');

        const r = await raw();
        const got = new LoroDoc();
        const ok = await r.join({ roomId, version: got.version().encode() });
        assert.deepEqual(vvOf(await decodeVersion(ok.version)), vvOf(doc));
        await waitUntil(() => receivedBatches(r.log, roomId).some((b) => b.fragments.length === b.header.msg.fragmentCount)
            || r.received(MessageType.DocUpdate, { roomId }).length > 0, { timeoutMs: 10000, what: 'the backfill' });
        for (const f of r.received(MessageType.DocUpdate, { roomId })) got.importBatch(f.msg.updates);
        for (const b of receivedBatches(r.log, roomId)) got.import(assertBatchConsistent(b, 'backfill'));
        assert.ok(sameDoc(got, doc), 'both batches were stored whole');
    });

    test('a batch whose fragments do not all arrive within 10 s: dropped, acked fragment_timeout (7), nothing stored', { timeout: 30000 }, async () => {
        const roomId = roomName('timeout');
        const s = await raw();
        const other = await raw();
        await s.join({ roomId });
        await other.join({ roomId });
        const doc = newDoc();
        doc.getText('text').insert(0, noiseText(1000));
        doc.commit();
        const blob = doc.export({ mode: 'update' });
        const batchId = s.batchId();
        const half = Math.ceil(blob.length / 2);
        const mark = s.mark();
        const otherMark = other.mark();
        const t0 = Date.now();
        s.send({ type: MessageType.DocUpdateFragmentHeader, crdt: CrdtType.Loro, roomId, batchId, fragmentCount: 2, totalSizeBytes: blob.length });
        s.send({ type: MessageType.DocUpdateFragment, crdt: CrdtType.Loro, roomId, batchId, index: 0, fragment: blob.subarray(0, half) });
        // Meanwhile the session keeps working.
        await s.ping();
        const ack = await s.waitAck(batchId, { since: mark, timeoutMs: 15000 });
        const took = Date.now() - t0;
        assert.equal(ack.status, 7, 'fragment_timeout');
        assert.ok(took >= 9000 && took <= 13000, `acked ${took} ms after the header (the contract: 10 s)`);
        assert.equal(s.acksFor(batchId, mark).length, 1);
        // The late fragment changes nothing.
        s.send({ type: MessageType.DocUpdateFragment, crdt: CrdtType.Loro, roomId, batchId, index: 1, fragment: blob.subarray(half) });
        await s.ping();
        await delay(200);
        assert.ok(s.isOpen, 'the session stays open');
        assert.ok(!s.acksFor(batchId, mark).some((f) => f.msg.status === 0), 'never acked ok');
        assert.equal(other.log.inbound((f) => f.msg?.roomId === roomId && f.binary, otherMark).length, 0, 'nothing forwarded');
        const r = await raw();
        const ok = await r.join({ roomId });
        assert.deepEqual([...ok.version], [0], 'nothing stored: the document is still empty');
    });

    test('a reassembled batch that is no Loro blob: invalid_update (4), nothing stored', async () => {
        const roomId = roomName('garbage');
        const s = await raw();
        await s.join({ roomId });
        const junk = new Uint8Array(Buffer.from(noiseText(300000)));
        const batchId = s.batchId();
        const mark = s.mark();
        s.send({ type: MessageType.DocUpdateFragmentHeader, crdt: CrdtType.Loro, roomId, batchId, fragmentCount: 2, totalSizeBytes: junk.length });
        s.send({ type: MessageType.DocUpdateFragment, crdt: CrdtType.Loro, roomId, batchId, index: 0, fragment: junk.subarray(0, 150000) });
        s.send({ type: MessageType.DocUpdateFragment, crdt: CrdtType.Loro, roomId, batchId, index: 1, fragment: junk.subarray(150000) });
        const ack = await s.waitAck(batchId, { since: mark });
        assert.equal(ack.status, 4, 'invalid_update');
        await delay(200);
        assert.equal(s.acksFor(batchId, mark).length, 1);
        const r = await raw();
        assert.deepEqual([...(await r.join({ roomId })).version], [0], 'nothing stored');
    });
});

describe('loro-protocol: fragments over --max-message 1 MiB', { timeout: 60000 }, () => {
    let small;
    before(async () => { small = await startAdminHost({ maxMessage: 1024 * 1024 }); });
    afterEach(async () => {
        await closeAllLoro(peers);
        peers = [];
    });
    after(async () => { await small?.dispose(); });

    test('the real client\'s 1.5 MB update (fragments of 240 KiB each) is payload_too_large (5) once reassembled; nothing stored or forwarded', async () => {
        const roomId = roomName('too-large');
        const a = await peer(small);
        const b = await peer(small);
        const ja = await a.joinLoro(roomId, { doc: newDoc() });
        const jb = await b.joinLoro(roomId, { doc: newDoc() });
        ja.doc.getText('text').insert(0, noiseText(1536 * 1024));
        ja.doc.commit();
        const [batch] = await a.waitAcked({ timeoutMs: 10000 });
        assert.ok(batch.fragmented, 'the client fragmented it');
        assert.ok(a.log.outbound((f) => f.binary).every((f) => f.size <= MAX_HOST_MESSAGE), 'each frame is under 256 KiB');
        assert.equal(batch.acks.length, 1);
        assert.equal(batch.acks[0].msg.status, 5, 'payload_too_large');
        await waitUntil(() => a.updateErrors.length > 0, { what: 'the adaptor\'s onUpdateError' });
        assert.equal(a.updateErrors[0].status, 5);
        assert.equal(a.updateErrors[0].reason, 'payload_too_large');
        assert.ok(a.client.getStatus() === 'connected', 'the session stays open');
        await delay(300);
        assert.equal(b.log.inbound((f) => f.msg?.roomId === roomId && f.msg.type !== MessageType.JoinResponseOk).length, 0, 'nothing forwarded');
        assert.deepEqual(vvOf(jb.doc), {});
        const r = await raw(small);
        assert.deepEqual([...(await r.join({ roomId })).version], [0], 'nothing stored');
        // Under the limit still works (b's edit does not depend on the refused change).
        jb.doc.getText('small').insert(0, 'fits');
        jb.doc.commit();
        await waitUntil(() => ja.doc.getText('small').toString() === 'fits', { what: 'a small edit after the refusal' });
    });
});

async function decodeVersion(bytes) {
    const { VersionVector } = await import('loro-crdt');
    return VersionVector.decode(bytes);
}
