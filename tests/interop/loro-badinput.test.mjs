// Bad input on /loro/as/<did>: a frame that does not decode as loro-protocol (loro-protocol's own decode throws
// on it), a room id over 128 bytes, an unknown message type, and the messages only a server sends (JoinResponseOk,
// Ack, RoomError) are dropped, logged with session, DID and reason, counted in canopy_bad_frames_total{reason},
// and the session stays open; more than 100 bad frames a minute close it with 1008. A client's JoinError ends that
// join and nothing more. A message over --max-message closes the socket with 1009 that the client receives, on
// both protocols, with a small --max-message and with a 33 MiB frame against the default 32 MiB.

import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import { metricSum, scrape, startAdminHost } from './lib/admin.mjs';
import { LeafClient, closeAll, randomEntityId } from './lib/leaf.mjs';
import { encode as msgpackEncode } from '@msgpack/msgpack';
import {
    CrdtType, LoroDoc, MessageType, RawLoroClient, authBytes, closeAllLoro, decode, encode, freshDid, noiseText,
    rawDocUpdate, rawEnvelope, rawJoinRequest, roomName,
} from './lib/loro.mjs';
import { delay, waitUntil } from './lib/util.mjs';

let host;
let peers = [];

async function raw(h = host, did = freshDid('bad')) {
    const c = await RawLoroClient.connect(h, did);
    peers.push(c);
    return c;
}

function oneUpdate(text = 'x') {
    const d = new LoroDoc();
    d.setPeerId(BigInt(1 + Math.floor(Math.random() * 2 ** 40)));
    d.getText('text').insert(0, text);
    d.commit();
    return d.export({ mode: 'update' });
}

/** The session is alive and usable: ping -> pong, and a join plus an update still work. */
async function proveOpen(c, what) {
    assert.ok(c.isOpen, `${what}: the session closed (${JSON.stringify(c.closeInfo)})`);
    await c.ping().catch((err) => { throw new Error(`${what}: no pong afterwards: ${err.message}`); });
    const roomId = roomName('alive');
    const ok = await c.join({ roomId });
    assert.equal(ok.type, MessageType.JoinResponseOk, `${what}: a join afterwards`);
    assert.equal((await c.update(roomId, [oneUpdate()])).status, 0, `${what}: an update afterwards`);
}

async function badFrameTotal(h = host) {
    return metricSum(await scrape(h), 'canopy_bad_frames_total');
}

/** name -> (c, joinedRoom) => frame bytes. `decodes: false` cases must make loro-protocol's decode throw. */
function badFrames() {
    const token = () => authBytes(host.token);
    const batch = '0x0102030405060708';
    return {
        'empty binary frame': { frame: () => new Uint8Array(0) },
        'three bytes': { frame: () => Uint8Array.from([0x25, 0x4c, 0x4f]) },
        'magic only': { frame: () => Uint8Array.from(Buffer.from('%LOR')) },
        'room id length past the end': { frame: () => Uint8Array.from([...Buffer.from('%LOR'), 0x20, 0x61, 0x62]) },
        'room id length LEB128 of 6 bytes': { frame: () => Uint8Array.from([...Buffer.from('%LOR'), 0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 0x00]) },
        'room id over 128 bytes (129) in a JoinRequest': { frame: () => rawJoinRequest('%LOR', 'r'.repeat(129), token()), over128: true },
        'room id over 128 bytes (300) in a DocUpdate': { frame: () => rawDocUpdate('%LOR', 'q'.repeat(300), [oneUpdate()], batch), over128: true },
        'unknown message type 0x09': { frame: (room) => rawEnvelope('%LOR', room, 0x09, Uint8Array.from([0, 0])) },
        'unknown message type 0xff': { frame: (room) => rawEnvelope('%LOR', room, 0xff) },
        'DocUpdate with trailing bytes': { frame: (room) => Uint8Array.from([...encode({ type: MessageType.DocUpdate, crdt: CrdtType.Loro, roomId: room, updates: [oneUpdate()], batchId: batch }), 0x00]) },
        'DocUpdate cut inside its batch id': { frame: (room) => encode({ type: MessageType.DocUpdate, crdt: CrdtType.Loro, roomId: room, updates: [oneUpdate()], batchId: batch }).slice(0, -3) },
        'DocUpdate whose update length runs past the end': { frame: (room) => rawEnvelope('%LOR', room, MessageType.DocUpdate, Uint8Array.from([0x01, 0x7f, 0x01, 0x02])) },
        'Ack cut short': { frame: (room) => rawEnvelope('%LOR', room, MessageType.Ack, Uint8Array.from([1, 2, 3])) },
        'JoinResponseOk (only a server sends it)': {
            decodes: true,
            frame: (room) => encode({ type: MessageType.JoinResponseOk, crdt: CrdtType.Loro, roomId: room, permission: 'write', version: new LoroDoc().version().encode(), extra: new Uint8Array(0) }),
        },
        'Ack (only a server sends it)': {
            decodes: true,
            frame: (room) => encode({ type: MessageType.Ack, crdt: CrdtType.Loro, roomId: room, refId: batch, status: 0 }),
        },
        'RoomError (only a server sends it)': {
            decodes: true,
            frame: (room) => encode({ type: MessageType.RoomError, crdt: CrdtType.Loro, roomId: room, code: 2, message: 'evicted' }),
        },
    };
}

describe('loro-protocol: bad frames', { timeout: 120000 }, () => {
    before(async () => { host = await startAdminHost(); });
    afterEach(async () => {
        await closeAllLoro(peers);
        peers = [];
    });
    after(async () => { await host?.dispose(); });

    for (const [name, spec] of Object.entries(badFrames())) {
        test(`${name}: dropped, logged with session, DID and reason, counted; the session stays open`, async () => {
            const c = await raw();
            const room = roomName('bad');
            assert.equal((await c.join({ roomId: room })).type, MessageType.JoinResponseOk);
            const frame = spec.frame(room);
            if (!spec.decodes && !spec.over128) assert.throws(() => decode(frame), `loro-protocol's decode accepts "${name}"`);
            const before = await badFrameTotal();
            const logMark = host.logs.length;
            const mark = c.mark();
            c.sendRaw(frame, { binary: true });
            await c.ping();
            await waitUntil(async () => (await badFrameTotal()) >= before + 1, { what: 'canopy_bad_frames_total to move' });
            const line = await waitUntil(() => host.logs.slice(logMark).find((l) => l.did === c.did && l.reason !== undefined && l.session !== undefined
                && /drop|bad|invalid|refus/i.test(l.message ?? '')), { what: `a log line for "${name}"` })
                .catch((err) => { throw new Error(`${err.message}; log: ${host.logs.slice(logMark).map((l) => JSON.stringify(l)).join('\n')}`); });
            assert.equal(typeof line.reason, 'string');
            assert.ok(line.reason.length > 0);
            assert.equal(String(line.session).length > 0, true);
            const answers = c.log.inbound((f) => f.binary, mark);
            assert.deepEqual(answers.map((f) => f.typeName), [], `no answer to a dropped frame: ${c.log.summary(mark)}`);
            await delay(100);
            assert.equal(await badFrameTotal(), before + 1, 'counted exactly once');
            await proveOpen(c, name);
        });
    }

    test('canopy_bad_frames_total carries a reason label', async () => {
        const c = await raw();
        c.sendRaw(Uint8Array.from([1, 2, 3]), { binary: true });
        await c.ping();
        const m = await scrape(host);
        const samples = m.samples.filter((s) => s.name === 'canopy_bad_frames_total');
        assert.ok(samples.length > 0 && samples.every((s) => typeof s.labels.reason === 'string' && s.labels.reason.length > 0),
            JSON.stringify(samples));
    });

    test('a client\'s JoinError ends that join and nothing more (no answer, no bad frame, the socket stays open)', async () => {
        const roomId = roomName('clienterr');
        const c = await raw();
        const other = await raw();
        await c.join({ roomId });
        await other.join({ roomId });
        const before = await badFrameTotal();
        const mark = c.mark();
        c.send({ type: MessageType.JoinError, crdt: CrdtType.Loro, roomId, code: 127, message: 'Invalid version format received' });
        await c.ping();
        await delay(200);
        assert.deepEqual(c.log.inbound((f) => f.binary, mark).map((f) => f.typeName), [], 'no answer');
        assert.equal(await badFrameTotal(), before, 'not counted as a bad frame');
        // The join ended: no forwards, and updates are refused.
        assert.equal((await other.update(roomId, [oneUpdate('after')])).status, 0);
        await delay(300);
        assert.equal(c.received(MessageType.DocUpdate, { roomId, since: mark }).length, 0, 'no forward after the JoinError');
        assert.equal((await c.update(roomId, [oneUpdate()])).status, 3, 'permission_denied after the JoinError');
        await waitUntil(() => host.logs.some((l) => l.did === c.did && /join/i.test(l.message ?? '') && /Invalid version format/.test(l.message ?? '')),
            { what: 'the client\'s JoinError in the log' });
        await proveOpen(c, 'a client JoinError');
    });

    test('more than 100 bad frames within a minute close the session with 1008; 100 do not', async () => {
        const c = await raw();
        for (let i = 0; i < 100; i++) c.sendRaw(Uint8Array.from([0xde, 0xad, i]), { binary: true });
        await c.ping();
        assert.ok(c.isOpen, 'open after 100 bad frames');
        c.sendRaw(Uint8Array.from([0xbe, 0xef]), { binary: true });
        const closed = await c.waitClose(3000);
        assert.equal(closed.code, 1008, JSON.stringify(closed));
    });

    test('one session\'s garbage does not affect another', async () => {
        const roomId = roomName('neighbour');
        const good = await raw();
        const w = await raw();
        await good.join({ roomId });
        await w.join({ roomId });
        const bad = await raw();
        for (let i = 0; i < 150; i++) bad.sendRaw(Uint8Array.from([i, i, i]), { binary: true });
        await bad.waitClose(3000);
        const mark = good.mark();
        assert.equal((await w.update(roomId, [oneUpdate('still')])).status, 0);
        await good.waitFor((f) => f.msg?.type === MessageType.DocUpdate && f.msg.roomId === roomId, { since: mark, what: 'the forward' });
        await proveOpen(good, 'a neighbour\'s garbage');
    });
});

describe('loro-protocol and Sync1: messages over --max-message (1 MiB) close with 1009', { timeout: 60000 }, () => {
    let small;
    const leafs = [];
    before(async () => { small = await startAdminHost({ maxMessage: 1024 * 1024 }); });
    afterEach(async () => {
        await closeAllLoro(peers);
        peers = [];
        await closeAll(leafs.splice(0));
    });
    after(async () => { await small?.dispose(); });

    test('/loro/as/: a 1.5 MB DocUpdate frame -> 1009 received by the client; nothing stored; others unaffected', async () => {
        const roomId = roomName('oversize');
        const watcher = await raw(small);
        const c = await raw(small);
        await watcher.join({ roomId });
        await c.join({ roomId });
        const d = new LoroDoc();
        d.getText('text').insert(0, noiseText(1536 * 1024));
        d.commit();
        const frame = rawDocUpdate('%LOR', roomId, [d.export({ mode: 'update' })], c.batchId());
        assert.ok(frame.length > 1024 * 1024);
        const wMark = watcher.mark();
        c.sendRaw(frame, { binary: true });
        const closed = await c.waitClose(5000);
        assert.equal(closed.code, 1009, `close ${JSON.stringify(closed)}`);
        await delay(300);
        assert.equal(watcher.log.inbound((f) => f.binary, wMark).length, 0, 'nothing forwarded');
        await proveOpen(watcher, 'another session\'s oversized frame');
        const r = await raw(small);
        assert.deepEqual([...(await r.join({ roomId })).version], [0], 'nothing stored');
    });

    test('/sync/as/: a 1.5 MB Sync1 frame -> 1009 received by the client', async () => {
        const c = await LeafClient.connect(small.wsUrl('did:web:sync1.example.test'), small.token);
        leafs.push(c);
        c.sendRaw(msgpackEncode({ type: 'sendUpdate', entityId: randomEntityId(), update: new Uint8Array(1536 * 1024) }));
        const closed = await c.waitClose(5000);
        assert.equal(closed.code, 1009, JSON.stringify(closed));
    });
});

describe('loro-protocol and Sync1: a 33 MiB frame against the default --max-message (32 MiB) closes with 1009', { timeout: 90000 }, () => {
    let big;
    const leafs = [];
    before(async () => { big = await startAdminHost(); });
    afterEach(async () => {
        await closeAllLoro(peers);
        peers = [];
        await closeAll(leafs.splice(0));
    });
    after(async () => { await big?.dispose(); });

    const SIZE = 33 * 1024 * 1024; // a 33 MiB update: the frame is over 32 MiB (33554432) by a MiB (33 MB decimal would be under it)

    test('/loro/as/: a 33 MiB DocUpdate frame -> 1009', { timeout: 40000 }, async () => {
        const c = await raw(big);
        const roomId = roomName('huge');
        await c.join({ roomId });
        const frame = rawDocUpdate('%LOR', roomId, [new Uint8Array(SIZE)], c.batchId());
        assert.ok(frame.length > 33554432);
        c.sendRaw(frame, { binary: true });
        const closed = await c.waitClose(20000);
        assert.equal(closed.code, 1009, `close ${JSON.stringify(closed)}`);
        const other = await raw(big);
        await proveOpen(other, 'a 33 MiB frame on another session');
    });

    test('/sync/as/: a 33 MiB Sync1 frame -> 1009', { timeout: 40000 }, async () => {
        const c = await LeafClient.connect(big.wsUrl('did:web:sync1-huge.example.test'), big.token);
        leafs.push(c);
        c.sendRaw(msgpackEncode({ type: 'sendUpdate', entityId: randomEntityId(), update: new Uint8Array(SIZE) }));
        const closed = await c.waitClose(20000);
        assert.equal(closed.code, 1009, JSON.stringify(closed));
    });

    test('a frame just under 32 MiB is not refused for its size (acked, here invalid_update: it is no Loro blob)', { timeout: 40000 }, async () => {
        const c = await raw(big);
        const roomId = roomName('under');
        await c.join({ roomId });
        const batchId = c.batchId();
        const frame = rawDocUpdate('%LOR', roomId, [new Uint8Array(32 * 1024 * 1024 - 4096)], batchId);
        assert.ok(frame.length < 33554432);
        c.sendRaw(frame, { binary: true });
        const ack = await c.waitAck(batchId, { timeoutMs: 20000 });
        assert.equal(ack.status, 4);
        assert.ok(c.isOpen);
    });
});

