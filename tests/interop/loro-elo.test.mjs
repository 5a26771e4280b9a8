// End-to-end encrypted Loro (%ELO) on /loro/as/<did>: the host stores records it cannot read, answers a join
// with every record reaching beyond the client's version (nothing when it lacks nothing), forwards new records
// to the other members, refuses a record whose header does not parse (and a container that does not decode) with
// invalid_update (4), and keeps ELO documents across a restart. Clients are the real EloAdaptor (AES-GCM via
// loro-protocol) and a raw client whose records are made by loro-protocol's encryptDeltaSpan/encodeEloContainer.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, afterEach, before, describe, test } from 'node:test';
import { startAdminHost } from './lib/admin.mjs';
import {
    CrdtType, LoroDoc, MessageType, RawLoroClient, VersionVector, closeAllLoro, connectLoro, decodeEloContainer,
    eloKey, encodeEloContainer, freshDid, parseEloRecordHeader, protocol, roomName, sameDoc, vvOf, waitConverged,
} from './lib/loro.mjs';
import { delay, waitUntil } from './lib/util.mjs';

const QUIET_MS = 400;
const ELO = CrdtType.Elo;

let host;
let peers = [];

async function peer(h = host) {
    const p = await connectLoro(h, { did: freshDid('elo') });
    peers.push(p);
    return p;
}

async function raw(h = host) {
    const c = await RawLoroClient.connect(h, freshDid('elo-raw'));
    peers.push(c);
    return c;
}

function newDoc(peerId) {
    const d = new LoroDoc();
    d.setPeerId(peerId ?? BigInt(1 + Math.floor(Math.random() * 2 ** 40)));
    return d;
}

/** `n` commits on `doc`, each as one DeltaSpan record encrypted with `key` (what EloAdaptor makes). */
async function deltaRecords(doc, n, key, label = 'r') {
    const out = [];
    for (let i = 0; i < n; i++) {
        const before = vvOf(doc)[doc.peerIdStr] ?? 0;
        doc.getText('text').insert(doc.getText('text').length, `${label}${i};`);
        doc.commit();
        const end = vvOf(doc)[doc.peerIdStr];
        const plaintext = doc.export({ mode: 'updates-in-range', spans: [{ id: { peer: doc.peerIdStr, counter: before }, len: end - before }] });
        const { record } = await protocol.encryptDeltaSpan(plaintext,
            { peerId: new TextEncoder().encode(doc.peerIdStr), start: before, end, keyId: 'k1' }, key);
        out.push({ record, plaintext, start: before, end });
    }
    return out;
}

const hex = (b) => Buffer.from(b).toString('hex');

/** The records in the DocUpdates of `frames`. */
function recordsIn(frames) {
    return frames.flatMap((f) => f.msg.updates.flatMap((u) => decodeEloContainer(u)));
}

describe('loro-protocol: %ELO end-to-end encrypted documents', { timeout: 120000 }, () => {
    before(async () => { host = await startAdminHost(); });
    afterEach(async () => {
        await closeAllLoro(peers);
        peers = [];
    });
    after(async () => { await host?.dispose(); });

    test('two real EloAdaptor clients holding the key converge; every container is acked ok', async () => {
        const roomId = roomName('elo-pair');
        const key = eloKey();
        const a = await peer();
        const b = await peer();
        const ja = await a.joinElo(roomId, { doc: newDoc(), key });
        const jb = await b.joinElo(roomId, { doc: newDoc(), key });
        ja.doc.getText('text').insert(0, 'secret hello');
        ja.doc.commit();
        await waitUntil(() => jb.doc.getText('text').toString() === 'secret hello', { what: 'b to decrypt a\'s edit' });
        jb.doc.getMap('m').set('from', 'b');
        jb.doc.commit();
        await waitUntil(() => ja.doc.getMap('m').get('from') === 'b', { what: 'a to decrypt b\'s edit' });
        for (let i = 0; i < 10; i++) {
            ja.doc.getText('text').insert(0, `a${i} `);
            ja.doc.commit();
            jb.doc.getList('l').push(i);
            jb.doc.commit();
        }
        await waitConverged([ja.doc, jb.doc], { timeoutMs: 10000 });
        for (const [p, j] of [[a, ja], [b, jb]]) {
            const batches = await p.waitAcked();
            assert.ok(batches.every((x) => x.acks.length === 1 && x.acks[0].msg.status === 0),
                `${p.did}: ${batches.map((x) => x.acks.map((k) => k.msg.status).join('/')).join(' ')}`);
            assert.deepEqual(j.decryptErrors, []);
            assert.deepEqual(p.updateErrors, []);
        }
        const ok = a.log.messages(MessageType.JoinResponseOk, { dir: 'in', roomId })[0];
        assert.equal(ok.msg.permission, 'write');
        assert.ok(ok.msg.version.length === 0 || VersionVector.decode(ok.msg.version), 'the join\'s version is a VersionVector (or empty)');
    });

    test('a late joiner holding the key gets every record and reaches the document', async () => {
        const roomId = roomName('elo-late');
        const key = eloKey();
        const a = await peer();
        const ja = await a.joinElo(roomId, { doc: newDoc(), key });
        for (let i = 0; i < 20; i++) {
            ja.doc.getText('text').insert(ja.doc.getText('text').length, `line ${i}\n`);
            ja.doc.getMap('meta').set(`k${i}`, i);
            ja.doc.commit();
        }
        await waitUntil(() => a.batches().length >= 20, { what: 'a to send its records' });
        await a.waitAcked();
        const c = await peer();
        const jc = await c.joinElo(roomId, { doc: newDoc(), key });
        await waitConverged([jc.doc, ja.doc], { timeoutMs: 10000, what: 'the late joiner to decrypt the whole document' });
        assert.deepEqual(jc.decryptErrors, []);
    });

    test('raw records: the join answers with exactly the records reaching beyond the client\'s version, in one DocUpdate', async () => {
        const roomId = roomName('elo-beyond');
        const key = eloKey();
        const w = newDoc();
        const recs = await deltaRecords(w, 5, key);
        const s = await raw();
        assert.equal((await s.join({ crdt: ELO, roomId })).type, MessageType.JoinResponseOk);
        for (const r of recs) assert.equal((await s.update(roomId, [encodeEloContainer([r.record])], { crdt: ELO })).status, 0);

        // A client that holds the first two spans.
        const have = new VersionVector(new Map([[w.peerIdStr, recs[1].end]]));
        const c = await raw();
        const ok = await c.join({ crdt: ELO, roomId, version: have.encode() });
        assert.equal(ok.type, MessageType.JoinResponseOk, JSON.stringify(ok));
        await delay(QUIET_MS);
        const after = c.log.inbound((f) => f.msg?.roomId === roomId && f.msg.type === MessageType.DocUpdate, ok.frame.i);
        assert.equal(after.length, 1, `one DocUpdate: ${c.log.summary()}`);
        const got = recordsIn(after).map(hex).sort();
        assert.deepEqual(got, recs.slice(2).map((r) => hex(r.record)).sort(), 'exactly the three records beyond the version, byte for byte');

        // An empty version: every record.
        const e = await raw();
        const ok2 = await e.join({ crdt: ELO, roomId, version: new LoroDoc().version().encode() });
        await delay(QUIET_MS);
        const all = e.log.inbound((f) => f.msg?.roomId === roomId && f.msg.type === MessageType.DocUpdate, ok2.frame.i);
        assert.deepEqual(recordsIn(all).map(hex).sort(), recs.map((r) => hex(r.record)).sort(), 'every record for an empty version');
        // Decrypting them rebuilds the writer's document.
        const rebuilt = newDoc();
        for (const rec of recordsIn(all)) rebuilt.import((await protocol.decryptEloRecord(rec, async () => key)).plaintext);
        assert.ok(sameDoc(rebuilt, w));

        // Lacking nothing: nothing.
        const n = await raw();
        await n.join({ crdt: ELO, roomId, version: w.version().encode() });
        const later = await n.quietFor(QUIET_MS, (f) => f.msg?.roomId === roomId);
        assert.deepEqual(later.map((f) => f.typeName), [], 'no records for a client that lacks nothing');
    });

    test('a version that does not decode: JoinError version_unknown (1) with the host\'s version; the room is not joined', async () => {
        const roomId = roomName('elo-vu');
        const key = eloKey();
        const s = await raw();
        await s.join({ crdt: ELO, roomId });
        for (const r of await deltaRecords(newDoc(), 2, key)) assert.equal((await s.update(roomId, [encodeEloContainer([r.record])], { crdt: ELO })).status, 0);
        const bad = Uint8Array.from([0xff, 0xff, 0xff]);
        assert.throws(() => VersionVector.decode(bad));
        const c = await raw();
        const err = await c.join({ crdt: ELO, roomId, version: bad });
        assert.equal(err.type, MessageType.JoinError, JSON.stringify(err));
        assert.equal(err.code, 1, 'version_unknown');
        const ok = await (await raw()).join({ crdt: ELO, roomId });
        assert.deepEqual([...err.receiverVersion], [...ok.version], 'receiverVersion is the version a join is answered with');
        assert.equal((await c.update(roomId, [encodeEloContainer([(await deltaRecords(newDoc(), 1, key))[0].record])], { crdt: ELO })).status, 3,
            'not joined: permission_denied');
    });

    test('new records go to the other members (same bytes), not back to the sender', async () => {
        const roomId = roomName('elo-fwd');
        const key = eloKey();
        const s = await raw();
        const r = await raw();
        await s.join({ crdt: ELO, roomId });
        await r.join({ crdt: ELO, roomId });
        await r.ping();
        const [rec] = await deltaRecords(newDoc(), 1, key);
        const container = encodeEloContainer([rec.record]);
        const rMark = r.mark();
        const sMark = s.mark();
        const batchId = s.batchId();
        assert.equal((await s.update(roomId, [container], { crdt: ELO, batchId })).status, 0);
        const fwd = await r.waitFor((f) => f.msg?.type === MessageType.DocUpdate && f.msg.roomId === roomId, { since: rMark, what: 'the forward' });
        assert.equal(fwd.msg.batchId, batchId, 'the forward reuses the batch id');
        assert.deepEqual(recordsIn([fwd]).map(hex), [hex(rec.record)]);
        await delay(QUIET_MS);
        assert.equal(s.log.inbound((f) => f.msg?.type === MessageType.DocUpdate, sMark).length, 0, 'no echo');
    });

    test('invalid_update (4): a record whose header does not parse, a container that does not decode; nothing stored', async () => {
        const roomId = roomName('elo-bad');
        const key = eloKey();
        const s = await raw();
        const r = await raw();
        await s.join({ crdt: ELO, roomId });
        await r.join({ crdt: ELO, roomId });
        await r.ping();
        const [good] = await deltaRecords(newDoc(), 1, key);
        const unknownKind = Uint8Array.from(good.record);
        unknownKind[0] = 0x05;
        const truncated = good.record.subarray(0, 6);
        const cases = {
            'record of unknown kind': encodeEloContainer([unknownKind]),
            'record cut inside its header': encodeEloContainer([truncated]),
            'a good record next to a bad one': encodeEloContainer([good.record, unknownKind]),
            'container that does not decode': Uint8Array.from([0x05, 0x10, 0x00]),
        };
        for (const [name, container] of Object.entries(cases)) {
            if (name === 'container that does not decode') assert.throws(() => decodeEloContainer(container));
            else assert.throws(() => decodeEloContainer(container).forEach((x) => parseEloRecordHeader(x)), `${name}: the reference parser refuses it`);
        }
        const rMark = r.mark();
        for (const [name, container] of Object.entries(cases)) {
            const ack = await s.update(roomId, [container], { crdt: ELO });
            assert.equal(ack.status, 4, `${name}: status`);
        }
        await delay(QUIET_MS);
        assert.equal(r.log.inbound((f) => f.binary, rMark).length, 0, 'nothing forwarded');
        const c = await raw();
        const ok = await c.join({ crdt: ELO, roomId, version: new LoroDoc().version().encode() });
        const later = await c.quietFor(QUIET_MS, (f) => f.msg?.type === MessageType.DocUpdate);
        assert.deepEqual(recordsIn(later), [], `nothing stored (join version ${hex(ok.version)})`);
        assert.ok(s.isOpen);
        assert.equal((await s.update(roomId, [encodeEloContainer([good.record])], { crdt: ELO })).status, 0, 'a good record afterwards');
    });

    test('invalid_update (4): a DeltaSpan whose end is not past its start (protocol-e2ee: end MUST be > start)', async () => {
        const roomId = roomName('elo-span');
        const key = eloKey();
        const s = await raw();
        await s.join({ crdt: ELO, roomId });
        const { record } = await protocol.encryptDeltaSpan(new Uint8Array([1, 2, 3]),
            { peerId: new TextEncoder().encode('7'), start: 4, end: 5, keyId: 'k1' }, key);
        const bytes = Uint8Array.from(record);
        // kind 00 | peerId 01 '7' | start 04 | end 05 ...: set end to 4 (= start).
        assert.deepEqual([...bytes.subarray(0, 5)], [0x00, 0x01, 0x37, 0x04, 0x05]);
        bytes[4] = 0x04;
        const h = parseEloRecordHeader(bytes).header;
        assert.equal(h.end, h.start, 'the header now says end = start');
        assert.equal((await s.update(roomId, [encodeEloContainer([bytes])], { crdt: ELO })).status, 4);
    });

    test('stored still encrypted: no plaintext in the data directory', async () => {
        const roomId = roomName('elo-opaque');
        const key = eloKey();
        const marker = `elo-plaintext-${Date.now()}-${Math.random().toString(36).slice(2)}`;
        const a = await peer();
        const ja = await a.joinElo(roomId, { doc: newDoc(), key });
        ja.doc.getText('text').insert(0, marker);
        ja.doc.commit();
        await waitUntil(() => a.batches().length >= 1, { what: 'a to send' });
        await a.waitAcked();
        const hits = [];
        for (const name of fs.readdirSync(host.dataDir)) {
            const p = path.join(host.dataDir, name);
            if (fs.statSync(p).isFile() && fs.readFileSync(p).includes(Buffer.from(marker))) hits.push(name);
        }
        assert.deepEqual(hits, [], 'the plaintext reached the host\'s files');
    });

    test('ELO documents survive a restart (SIGTERM) and kill -9 after the Ack', { timeout: 40000 }, async () => {
        const roomId = roomName('elo-restart');
        const key = eloKey();
        const a = await peer();
        const ja = await a.joinElo(roomId, { doc: newDoc(), key });
        for (let i = 0; i < 5; i++) {
            ja.doc.getText('text').insert(ja.doc.getText('text').length, `before ${i};`);
            ja.doc.commit();
        }
        await waitUntil(() => a.batches().length >= 5, { what: 'the records to go out' });
        await a.waitAcked();
        await closeAllLoro(peers);
        peers = [];
        await host.restart();
        const b = await peer();
        const jb = await b.joinElo(roomId, { doc: newDoc(), key });
        await waitConverged([jb.doc, ja.doc], { timeoutMs: 10000, what: 'the document after a restart' });

        jb.doc.getText('text').insert(0, 'after restart;');
        jb.doc.commit();
        await waitUntil(() => b.batches().length >= 1, { what: 'b to send its edit' });
        await b.waitAcked();
        await host.kill9();
        await closeAllLoro(peers);
        peers = [];
        await host.start();
        const c = await peer();
        const jc = await c.joinElo(roomId, { doc: newDoc(), key });
        await waitConverged([jc.doc, jb.doc], { timeoutMs: 10000, what: 'the document after kill -9' });
        assert.ok(jc.doc.getText('text').toString().startsWith('after restart;'));
    });
});
