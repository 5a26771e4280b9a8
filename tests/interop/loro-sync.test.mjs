// loro-protocol v1 (/loro/as/<did>) with %LOR rooms: the real LoroWebsocketClient + LoroAdaptor and a raw
// client on loro-protocol's own encoder. Join answers (permission "write", the host's version, the empty
// document's 00), backfill (one DocUpdate, one merged mode-4 blob of exactly the blocks beyond the joiner's
// version; nothing when it lacks nothing; the whole document for an empty version), version_unknown, acks
// (one per DocUpdate, ok after commit, duplicates), forwards (one DocUpdate reusing the batch id, never echoed),
// leave, close, keepalive, room ids, many rooms per socket, offline edits after a reconnect.

import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import { adminJson, startAdminHost } from './lib/admin.mjs';
import { blobMode, blockRanges } from './lib/blobs.mjs';
import {
    CrdtType, LoroAdaptor, LoroDoc, MessageType, RawLoroClient, VersionVector, closeAllLoro, connectLoro, freshDid,
    roomName, sameDoc, vvOf, waitConverged,
} from './lib/loro.mjs';
import { delay, waitUntil, withTimeout } from './lib/util.mjs';

const QUIET_MS = 500;
const EMPTY_VV = new LoroDoc().version().encode();

let host;
let peers = [];

async function peer(o = {}) {
    const p = await connectLoro(host, o);
    peers.push(p);
    return p;
}

async function raw(did = freshDid('raw')) {
    const c = await RawLoroClient.connect(host, did);
    peers.push(c);
    return c;
}

function newDoc() {
    const d = new LoroDoc();
    d.setPeerId(BigInt(1 + Math.floor(Math.random() * 2 ** 40)));
    return d;
}

/** Apply `n` separate commits to `doc`; returns one mode-4 update blob per commit (what a client would send). */
function commits(doc, n, label = 'c') {
    const out = [];
    for (let i = 0; i < n; i++) {
        const before = doc.version();
        doc.getText('text').insert(doc.getText('text').length, `${label}${i};`);
        doc.getMap('meta').set(`${label}${i}`, i);
        doc.commit();
        out.push(doc.export({ mode: 'update', from: before }));
    }
    return out;
}

/** A raw writer stores `updates` in `roomId` one DocUpdate each, each acked ok. */
async function storeUpdates(roomId, updates) {
    const w = await raw();
    const ok = await w.join({ roomId });
    assert.equal(ok.type, MessageType.JoinResponseOk, `writer join: ${JSON.stringify(ok)}`);
    for (const u of updates) {
        const ack = await w.update(roomId, [u]);
        assert.equal(ack.status, 0, `writer's update acked ${ack.status}`);
    }
    return w;
}

/** DocUpdates (and fragment headers) for `roomId` a raw client received since `since`. */
function docUpdates(c, roomId, since = 0) {
    return c.log.inbound((f) => f.msg?.roomId === roomId
        && (f.msg.type === MessageType.DocUpdate || f.msg.type === MessageType.DocUpdateFragmentHeader), since);
}

function blocksOf(updates) {
    return updates.flatMap((u) => blockRanges(u)).map((b) => `${b.peer}:${b.start}-${b.end}`).sort();
}

describe('loro-protocol: %LOR documents', { timeout: 150000 }, () => {
    before(async () => { host = await startAdminHost(); });
    afterEach(async () => {
        await closeAllLoro(peers);
        peers = [];
    });
    after(async () => { await host?.dispose(); });

    test('joining an empty document: JoinResponseOk "write" with version 00 (never 0 bytes), then nothing', async () => {
        const c = await raw();
        const roomId = roomName('empty');
        const ok = await c.join({ roomId, version: EMPTY_VV });
        assert.equal(ok.type, MessageType.JoinResponseOk, `answer: ${JSON.stringify(ok)}`);
        assert.equal(ok.permission, 'write');
        assert.deepEqual([...ok.version], [0x00], `the empty document's version must be the single byte 00, got ${Buffer.from(ok.version).toString('hex') || '(0 bytes)'}`);
        assert.deepEqual(vvOf(VersionVector.decode(ok.version)), {});
        const later = await c.quietFor(QUIET_MS, (f) => f.msg?.roomId === roomId);
        assert.deepEqual(later.map((f) => f.typeName), [], 'nothing follows the join of an empty document');

        // The real client: join resolves and it is synced at once.
        const p = await peer();
        const { room } = await p.joinLoro(roomName('empty-real'));
        await withTimeout(room.waitForReachingServerVersion(), 3000, 'waitForReachingServerVersion on an empty document');
    });

    test('two real clients converge: edits both ways, then concurrent edits', async () => {
        const roomId = roomName('pair');
        const a = await peer();
        const b = await peer();
        const ja = await a.joinLoro(roomId, { doc: newDoc() });
        const jb = await b.joinLoro(roomId, { doc: newDoc() });
        ja.doc.getText('text').insert(0, 'hello');
        ja.doc.commit();
        await waitUntil(() => jb.doc.getText('text').toString() === 'hello', { what: 'b to see "hello"' });
        jb.doc.getText('text').insert(5, ' world');
        jb.doc.commit();
        await waitUntil(() => ja.doc.getText('text').toString() === 'hello world', { what: 'a to see " world"' });
        for (let i = 0; i < 25; i++) {
            ja.doc.getText('text').insert(0, `[a${i}]`);
            ja.doc.commit();
            jb.doc.getMap('m').set(`b${i}`, i);
            jb.doc.getList('l').push(`b${i}`);
            jb.doc.commit();
            if (i % 5 === 0) await delay(5);
        }
        await waitConverged([ja.doc, jb.doc], { timeoutMs: 10000 });
        assert.equal(Object.keys(ja.doc.getMap('m').toJSON()).length, 25);
        for (const p of [a, b]) {
            const batches = await p.waitAcked();
            assert.ok(batches.length >= 26, `${p.did}: ${batches.length} batches`);
            for (const bt of batches) {
                assert.equal(bt.acks.length, 1, `exactly one Ack per batch (${bt.batchId})`);
                assert.equal(bt.acks[0].msg.status, 0, `Ack status for ${bt.batchId}`);
            }
            assert.deepEqual(p.updateErrors, []);
        }
        assert.deepEqual([...ja.importErrors, ...jb.importErrors], []);
    });

    test('an edit: one Ack ok with its batch id; the other member gets one DocUpdate reusing the batch id; no echo', async () => {
        const roomId = roomName('fwd');
        const s = await raw();
        const r = await raw();
        assert.equal((await s.join({ roomId })).type, MessageType.JoinResponseOk);
        assert.equal((await r.join({ roomId })).type, MessageType.JoinResponseOk);
        const doc = newDoc();
        const [u] = commits(doc, 1);
        const sMark = s.mark();
        const rMark = r.mark();
        const batchId = s.batchId();
        const ack = await s.update(roomId, [u], { batchId });
        assert.equal(ack.status, 0);
        assert.equal(ack.crdt, CrdtType.Loro);
        assert.equal(ack.roomId, roomId);
        const fwd = await r.waitFor((f) => f.dir === 'in' && f.msg?.type === MessageType.DocUpdate && f.msg.roomId === roomId,
            { since: rMark, what: 'the forward' });
        assert.equal(fwd.msg.batchId, batchId, 'the forward reuses the sender\'s batch id');
        assert.equal(fwd.msg.updates.length, 1, 'one update in the forward');
        const got = new LoroDoc();
        got.import(fwd.msg.updates[0]);
        assert.ok(sameDoc(got, doc), 'the forward holds the edit');
        await delay(QUIET_MS);
        assert.equal(s.acksFor(batchId, sMark).length, 1, 'exactly one Ack');
        assert.deepEqual(docUpdates(s, roomId, sMark).map((f) => f.typeName), [], 'the sender gets no echo');
        assert.equal(docUpdates(r, roomId, rMark).length, 1, 'the other member gets exactly one DocUpdate');
    });

    test('a DocUpdate with several updates: one Ack, forwarded as one DocUpdate (one merged blob) with the same batch id', async () => {
        const roomId = roomName('multi');
        const s = await raw();
        const r = await raw();
        await s.join({ roomId });
        await r.join({ roomId });
        const doc = newDoc();
        const us = commits(doc, 3);
        const rMark = r.mark();
        const sMark = s.mark();
        const batchId = s.batchId();
        const ack = await s.update(roomId, us, { batchId });
        assert.equal(ack.status, 0);
        await delay(QUIET_MS);
        assert.equal(s.acksFor(batchId, sMark).length, 1, 'exactly one Ack for the DocUpdate');
        const fwds = docUpdates(r, roomId, rMark);
        assert.equal(fwds.length, 1, `one forward, got ${r.log.summary(rMark)}`);
        assert.equal(fwds[0].msg.batchId, batchId);
        assert.equal(fwds[0].msg.updates.length, 1, 'the new blocks go out as one blob');
        assert.equal(blobMode(fwds[0].msg.updates[0]), 4, 'a mode-4 blob');
        const got = new LoroDoc();
        got.import(fwds[0].msg.updates[0]);
        assert.ok(sameDoc(got, doc));
    });

    test('a late joiner holds the whole document once waitForReachingServerVersion resolves; the join\'s version is the host\'s', async () => {
        const roomId = roomName('late');
        const a = await peer();
        const ja = await a.joinLoro(roomId, { doc: newDoc() });
        for (let i = 0; i < 40; i++) {
            ja.doc.getText('text').insert(ja.doc.getText('text').length, `line ${i}\n`);
            ja.doc.getMap('meta').set(`k${i}`, { n: i });
            ja.doc.getList('list').push(i);
            ja.doc.commit();
        }
        await a.waitAcked();

        const c = await peer();
        const jc = await c.joinLoro(roomId, { doc: newDoc() });
        await withTimeout(jc.room.waitForReachingServerVersion(), 5000, 'the late joiner to reach the host\'s version');
        assert.ok(sameDoc(jc.doc, ja.doc), 'the late joiner holds the whole document');
        const ok = c.log.messages(MessageType.JoinResponseOk, { roomId, dir: 'in' })[0];
        assert.equal(ok.msg.permission, 'write');
        assert.deepEqual(vvOf(VersionVector.decode(ok.msg.version)), vvOf(ja.doc), 'JoinResponseOk carries the stored version');
        const backfill = c.log.messages(MessageType.DocUpdate, { roomId, dir: 'in' });
        assert.equal(backfill.length, 1, `one backfill DocUpdate: ${c.log.summary()}`);
        assert.ok(backfill[0].i > ok.i, 'the backfill follows the JoinResponseOk');
        assert.equal(backfill[0].msg.updates.length, 1);
        assert.equal(blobMode(backfill[0].msg.updates[0]), 4, 'the backfill is a mode-4 blob');
        assert.deepEqual(jc.importErrors, []);
    });

    test('the backfill is one DocUpdate with one mode-4 blob of exactly the blocks beyond the joiner\'s version', async () => {
        const roomId = roomName('beyond');
        const w = newDoc();
        const us = commits(w, 6);
        await storeUpdates(roomId, us);
        // The joiner holds the first two commits.
        const have = new LoroDoc();
        have.import(us[0]);
        have.import(us[1]);
        const c = await raw();
        const ok = await c.join({ roomId, version: have.version().encode() });
        assert.equal(ok.type, MessageType.JoinResponseOk);
        assert.deepEqual(vvOf(VersionVector.decode(ok.version)), vvOf(w), 'the host\'s version');
        await delay(QUIET_MS);
        const bf = docUpdates(c, roomId, ok.frame.i);
        assert.equal(bf.length, 1, `exactly one DocUpdate after the JoinResponseOk: ${c.log.summary()}`);
        assert.equal(bf[0].msg.type, MessageType.DocUpdate);
        assert.equal(bf[0].msg.updates.length, 1, 'one blob');
        const blob = bf[0].msg.updates[0];
        assert.equal(blobMode(blob), 4, 'mode 4');
        assert.deepEqual(blocksOf([blob]), blocksOf(us.slice(2)), 'exactly the blocks of the four commits the joiner lacks');
        have.import(blob);
        assert.ok(sameDoc(have, w), 'the joiner then equals the writer');
    });

    test('no backfill when the joiner lacks nothing (raw client and real client)', async () => {
        const roomId = roomName('nothing');
        const w = newDoc();
        const us = commits(w, 4);
        await storeUpdates(roomId, us);
        const c = await raw();
        const ok = await c.join({ roomId, version: w.version().encode() });
        assert.equal(ok.type, MessageType.JoinResponseOk);
        const later = await c.quietFor(QUIET_MS, (f) => f.msg?.roomId === roomId);
        assert.deepEqual(later.map((f) => f.typeName), [], 'nothing after the JoinResponseOk');

        // A real client that already holds the document: synced at once, nothing comes down.
        const p = await peer();
        const doc = newDoc();
        doc.import(w.export({ mode: 'snapshot' }));
        const j = await p.joinLoro(roomId, { doc });
        await withTimeout(j.room.waitForReachingServerVersion(), 3000, 'waitForReachingServerVersion');
        await delay(QUIET_MS);
        assert.deepEqual(p.log.inbound((f) => f.msg?.type === MessageType.DocUpdate || f.msg?.type === MessageType.DocUpdateFragmentHeader)
            .map((f) => f.typeName), [], 'no DocUpdate for a joiner that lacks nothing');
        assert.deepEqual(p.log.outbound((f) => f.msg?.type === MessageType.DocUpdate).map((f) => f.typeName), [],
            'and the client had nothing to push');
    });

    for (const [label, version] of [['0 bytes', new Uint8Array(0)], ['the empty VersionVector 00', EMPTY_VV]]) {
        test(`an empty version (${label}) gets the whole document in one DocUpdate`, async () => {
            const roomId = roomName('whole');
            const w = newDoc();
            const us = commits(w, 5);
            await storeUpdates(roomId, us);
            const c = await raw();
            const ok = await c.join({ roomId, version });
            assert.equal(ok.type, MessageType.JoinResponseOk, JSON.stringify(ok));
            assert.deepEqual(vvOf(VersionVector.decode(ok.version)), vvOf(w));
            await delay(QUIET_MS);
            const bf = docUpdates(c, roomId, ok.frame.i);
            assert.equal(bf.length, 1, `one DocUpdate: ${c.log.summary()}`);
            assert.equal(bf[0].msg.updates.length, 1);
            assert.equal(blobMode(bf[0].msg.updates[0]), 4, 'one merged mode-4 blob');
            assert.deepEqual(blocksOf(bf[0].msg.updates), blocksOf(us), 'every stored block');
            const fresh = new LoroDoc();
            fresh.import(bf[0].msg.updates[0]);
            assert.ok(sameDoc(fresh, w), 'the whole document');
        });
    }

    test('a version that does not decode: JoinError version_unknown (1) with the host\'s version; the room is not joined', async () => {
        const roomId = roomName('vu');
        const w = newDoc();
        await storeUpdates(roomId, commits(w, 3));
        const bad = Uint8Array.from([0xff, 0xff, 0xff, 0xff]);
        assert.throws(() => VersionVector.decode(bad), 'the bad version really does not decode');
        const c = await raw();
        const err = await c.join({ roomId, version: bad });
        assert.equal(err.type, MessageType.JoinError, `answer ${JSON.stringify(err)}`);
        assert.equal(err.code, 1, 'version_unknown');
        assert.ok(err.receiverVersion instanceof Uint8Array && err.receiverVersion.length > 0, 'receiverVersion present');
        assert.deepEqual(vvOf(VersionVector.decode(err.receiverVersion)), vvOf(w), 'receiverVersion is the host\'s version');
        const later = await c.quietFor(300, (f) => f.msg?.roomId === roomId);
        assert.deepEqual(later.map((f) => f.typeName), [], 'no DocUpdate after the JoinError');
        // Not joined: an update is refused with permission_denied.
        const [u] = commits(newDoc(), 1);
        const ack = await c.update(roomId, [u]);
        assert.equal(ack.status, 3, 'permission_denied: the room was not joined');
        // The session is still fine: the same room joins with a good version.
        const ok = await c.join({ roomId, version: EMPTY_VV });
        assert.equal(ok.type, MessageType.JoinResponseOk);
    });

    test('the real client recovers from version_unknown by rejoining with an empty version and gets the document', async () => {
        const roomId = roomName('vu-real');
        const w = newDoc();
        await storeUpdates(roomId, commits(w, 3));
        class GarbledOnce extends LoroAdaptor {
            constructor(doc) { super(doc); this.asked = 0; }
            getVersion() { return ++this.asked === 1 ? Uint8Array.from([0xff, 0xff, 0xff]) : super.getVersion(); }
        }
        const p = await peer();
        const doc = newDoc();
        const adaptor = new GarbledOnce(doc);
        const { room } = await p.join(adaptor, roomId);
        await withTimeout(room.waitForReachingServerVersion(), 5000, 'the document after the retry');
        assert.ok(sameDoc(doc, w));
        const joins = p.log.outbound((f) => f.msg?.type === MessageType.JoinRequest);
        assert.equal(joins.length, 2, 'the first join and the retry');
        assert.equal(joins[1].msg.version.length, 0, 'the client retried with an empty version');
        assert.equal(p.log.inbound((f) => f.msg?.type === MessageType.JoinError)[0]?.msg.code, 1);
    });

    test('duplicates: acked ok, stored once, not forwarded again', async () => {
        const roomId = roomName('dup');
        const s = await raw();
        const r = await raw();
        await s.join({ roomId });
        await r.join({ roomId });
        const [u] = commits(newDoc(), 1);
        assert.equal((await s.update(roomId, [u])).status, 0);
        await r.waitFor((f) => f.msg?.type === MessageType.DocUpdate && f.msg.roomId === roomId, { what: 'first forward' });
        const rMark = r.mark();
        for (let i = 0; i < 3; i++) assert.equal((await s.update(roomId, [u])).status, 0, `duplicate ${i} acked ok`);
        await delay(QUIET_MS);
        assert.deepEqual(docUpdates(r, roomId, rMark).map((f) => f.typeName), [], 'duplicates are not forwarded');
        const detail = await adminJson(host, `/admin/documents/${encodeURIComponent(roomId)}`);
        assert.equal(detail.history.length, blockRanges(u).length, `stored once: ${JSON.stringify(detail.history)}`);
    });

    test('an update holding known and new blocks: acked ok, and only the new blocks are forwarded', async () => {
        const roomId = roomName('partial-dup');
        const s = await raw();
        const r = await raw();
        await s.join({ roomId });
        await r.join({ roomId });
        const a = newDoc();
        const [ua] = commits(a, 2, 'a');
        assert.equal((await s.update(roomId, [ua])).status, 0);
        await r.waitFor((f) => f.msg?.type === MessageType.DocUpdate && f.msg.roomId === roomId, { what: 'the first forward' });
        const rMark = r.mark();
        // b holds a's changes and adds its own: its whole export is a's block (stored) plus b's (new).
        const b = newDoc();
        b.import(ua);
        commits(b, 1, 'b');
        const whole = b.export({ mode: 'update' });
        assert.deepEqual([...new Set(blockRanges(whole).map((x) => x.peer))].sort(), [a.peerIdStr, b.peerIdStr].sort());
        assert.equal((await s.update(roomId, [whole])).status, 0);
        const fwd = await r.waitFor((f) => f.msg?.type === MessageType.DocUpdate && f.msg.roomId === roomId, { since: rMark, what: 'the forward of the new blocks' });
        await delay(QUIET_MS);
        assert.equal(docUpdates(r, roomId, rMark).length, 1, 'one forward');
        const peersForwarded = fwd.msg.updates.flatMap((u) => blockRanges(u)).map((x) => x.peer);
        assert.deepEqual(peersForwarded, [b.peerIdStr], 'only the new block is forwarded, not the one the room already had');
        const have = new LoroDoc();
        have.import(ua);
        have.importBatch(fwd.msg.updates);
        assert.ok(sameDoc(have, b), 'the forward completes the member\'s document');
    });

    test('a document uploaded as a mode-3 snapshot is backfilled as one mode-4 blob', async () => {
        const roomId = roomName('snap');
        const w = newDoc();
        commits(w, 4);
        await storeUpdates(roomId, [w.export({ mode: 'snapshot' })]);
        const c = await raw();
        const ok = await c.join({ roomId, version: EMPTY_VV });
        assert.deepEqual(vvOf(VersionVector.decode(ok.version)), vvOf(w));
        await delay(QUIET_MS);
        const bf = docUpdates(c, roomId, ok.frame.i);
        assert.equal(bf.length, 1, c.log.summary());
        assert.equal(bf[0].msg.updates.length, 1);
        assert.equal(blobMode(bf[0].msg.updates[0]), 4, 'mode 4');
        const fresh = new LoroDoc();
        fresh.import(bf[0].msg.updates[0]);
        assert.ok(sameDoc(fresh, w));
    });

    test('Leave ends that room\'s membership: no more forwards, and updates get permission_denied', async () => {
        const roomA = roomName('leave-a');
        const roomB = roomName('leave-b');
        const s = await raw();
        const r = await raw();
        for (const id of [roomA, roomB]) {
            await s.join({ roomId: id });
            await r.join({ roomId: id });
        }
        r.send({ type: MessageType.Leave, crdt: CrdtType.Loro, roomId: roomA });
        await r.ping(); // the Leave was processed
        const rMark = r.mark();
        const [u1] = commits(newDoc(), 1);
        const [u2] = commits(newDoc(), 1);
        assert.equal((await s.update(roomA, [u1])).status, 0);
        assert.equal((await s.update(roomB, [u2])).status, 0);
        await r.waitFor((f) => f.msg?.type === MessageType.DocUpdate && f.msg.roomId === roomB, { since: rMark, what: 'the forward in the room still joined' });
        await delay(200);
        assert.deepEqual(docUpdates(r, roomA, rMark).map((f) => f.typeName), [], 'no forward after Leave');
        const [u3] = commits(newDoc(), 1);
        assert.equal((await r.update(roomA, [u3])).status, 3, 'permission_denied after Leave');
        assert.equal((await r.update(roomB, [u3])).status, 0, 'the other room is still joined');
    });

    test('closing the socket ends every membership (the sessions view and the documents\' subscribers)', async () => {
        const rooms = [roomName('close-a'), roomName('close-b')];
        const c = await raw();
        for (const id of rooms) {
            await c.join({ roomId: id });
            assert.equal((await c.update(id, commits(newDoc(), 1))).status, 0);
        }
        const subscribers = async () => {
            const docs = (await adminJson(host, '/admin/documents')).documents;
            return rooms.map((id) => docs.find((d) => d.id === id)?.subscribers);
        };
        assert.deepEqual(await subscribers(), [1, 1], 'one member in each room');
        const sessions = (await adminJson(host, '/admin/sessions')).sessions;
        const mine = sessions.find((s) => s.did === c.did);
        assert.ok(mine, 'the session is listed');
        assert.deepEqual(mine.rooms.map((x) => x.id).sort(), [...rooms].sort());
        await c.close();
        await waitUntil(async () => !(await adminJson(host, '/admin/sessions')).sessions.some((s) => s.did === c.did),
            { what: 'the session to end' });
        await waitUntil(async () => (await subscribers()).every((n) => n === 0), { what: 'no members left in either room' });
    });

    test('keepalive: text "ping" is answered with text "pong"; the real client measures latency', async () => {
        const c = await raw();
        for (let i = 0; i < 3; i++) {
            const pong = await c.ping();
            assert.equal(pong.binary, false);
            assert.equal(pong.text, 'pong');
        }
        // Before any join as well as after: a ping is no join and no bad frame.
        assert.ok(c.isOpen);
        const p = await peer({ pingIntervalMs: 150 });
        await p.joinLoro(roomName('ping'));
        const latency = await withTimeout(new Promise((resolve) => p.client.onLatency(resolve)), 3000, 'a latency measurement');
        assert.ok(latency >= 0);
        assert.ok(p.log.inbound((f) => f.text === 'pong').length >= 1);
    });

    test('room ids of 1 to 128 bytes are documents (one byte, unicode, exactly 128 bytes)', async () => {
        const ids = ['x', 'Zimmer/ü-🌲', 'r'.repeat(128), `${'é'.repeat(63)}ab`];
        for (const id of ids) assert.ok(Buffer.byteLength(id) <= 128);
        const a = await peer();
        const b = await peer();
        const docs = [];
        for (const id of ids) {
            const ja = await a.joinLoro(id, { doc: newDoc() });
            const jb = await b.joinLoro(id, { doc: newDoc() });
            ja.doc.getText('text').insert(0, `in ${id.slice(0, 10)}`);
            ja.doc.commit();
            docs.push([ja.doc, jb.doc]);
        }
        for (const pair of docs) await waitConverged(pair);
        const listed = (await adminJson(host, '/admin/documents')).documents.map((d) => d.id);
        for (const id of ids) assert.ok(listed.includes(id), `${id} is listed as a document`);
    });

    test('one socket, many rooms: each room is its own document', async () => {
        const ids = Array.from({ length: 8 }, (_, i) => roomName(`many${i}`));
        const a = await peer();
        const b = await peer();
        const pairs = [];
        for (const id of ids) {
            const ja = await a.joinLoro(id, { doc: newDoc() });
            const jb = await b.joinLoro(id, { doc: newDoc() });
            pairs.push([ja, jb]);
        }
        pairs.forEach(([ja], k) => {
            ja.doc.getText('text').insert(0, `room ${k}`);
            ja.doc.commit();
        });
        for (const [ja, jb] of pairs) await waitConverged([ja.doc, jb.doc]);
        pairs.forEach(([, jb], k) => assert.equal(jb.doc.getText('text').toString(), `room ${k}`));
    });

    test('offline edits merge after the client\'s socket drops and it reconnects by itself', async () => {
        const roomId = roomName('offline');
        const a = await peer({ reconnect: { initialDelayMs: 800, maxDelayMs: 1000, jitter: 0 } });
        const b = await peer();
        const ja = await a.joinLoro(roomId, { doc: newDoc() });
        const jb = await b.joinLoro(roomId, { doc: newDoc() });
        ja.doc.getText('text').insert(0, 'online;');
        ja.doc.commit();
        await waitConverged([ja.doc, jb.doc]);

        a.client.socket.terminate(); // the connection drops (the client sees 1006 and schedules a reconnect)
        await a.log.waitClose({ socket: 1 });
        ja.doc.getText('text').insert(0, 'offline-a;');
        ja.doc.getMap('m').set('a', 1);
        ja.doc.commit();
        jb.doc.getText('text').insert(0, 'meanwhile-b;');
        jb.doc.commit();
        await waitUntil(() => a.log.opens.length >= 2, { timeoutMs: 5000, what: 'the client to reconnect' });
        await waitConverged([ja.doc, jb.doc], { timeoutMs: 5000 });
        const text = ja.doc.getText('text').toString();
        assert.ok(text.includes('offline-a;') && text.includes('meanwhile-b;') && text.includes('online;'), text);
        const rejoin = a.log.outbound((f) => f.socket === 2 && f.msg?.type === MessageType.JoinRequest);
        assert.equal(rejoin.length, 1, 'the client rejoined its room on the new socket');
        assert.equal(a.log.inbound((f) => f.socket === 2 && f.msg?.type === MessageType.JoinResponseOk).length, 1);
        await a.waitAcked();
    });

    test('offline edits merge after the host restarts on the same port and data directory', { timeout: 60000 }, async () => {
        const roomId = roomName('restart');
        const rc = { initialDelayMs: 200, maxDelayMs: 500, jitter: 0 };
        const a = await peer({ reconnect: rc });
        const b = await peer({ reconnect: rc });
        const ja = await a.joinLoro(roomId, { doc: newDoc() });
        const jb = await b.joinLoro(roomId, { doc: newDoc() });
        ja.doc.getText('text').insert(0, 'before;');
        ja.doc.commit();
        await waitConverged([ja.doc, jb.doc]);
        await a.waitAcked();

        await host.stop();
        await Promise.all([a.log.waitClose({ socket: 1 }), b.log.waitClose({ socket: 1 })]);
        ja.doc.getText('text').insert(0, 'a-offline;');
        ja.doc.commit();
        jb.doc.getList('l').push('b-offline');
        jb.doc.commit();
        await host.start();
        await waitUntil(() => a.log.opens.length >= 2 && b.log.opens.length >= 2, { timeoutMs: 10000, what: 'both clients to reconnect' });
        await waitConverged([ja.doc, jb.doc], { timeoutMs: 10000 });
        assert.ok(ja.doc.getText('text').toString().includes('a-offline;'));
        assert.deepEqual(ja.doc.getList('l').toJSON(), ['b-offline']);

        // And a fresh client after all that holds everything.
        const c = await peer();
        const jc = await c.joinLoro(roomId, { doc: newDoc() });
        await withTimeout(jc.room.waitForReachingServerVersion(), 5000, 'fresh joiner');
        assert.ok(sameDoc(jc.doc, ja.doc));
    });
});
