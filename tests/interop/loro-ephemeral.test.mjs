// Presence on /loro/as/<did>: %EPH rooms are relayed and kept in memory only, merged per key (a strictly newer
// timestamp wins), entries expire 10 s after their timestamp, a joiner receives the current state right after its
// JoinResponseOk, nothing reaches the disk, and the state is dropped when the last member leaves. %EPS rooms
// behave the same but are stored: a lone later joiner gets the state, and it survives a restart (and kill -9
// after its Ack). Payloads are made by loro-crdt's EphemeralStore; timestamps in the past come from running
// `set` under a shifted Date.now (the store stamps entries with the JS clock).

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, afterEach, before, describe, test } from 'node:test';
import { adminJson, startAdminHost } from './lib/admin.mjs';
import {
    CrdtType, EphemeralStore, MAX_HOST_MESSAGE, MessageType, RawLoroClient, closeAllLoro, connectLoro, freshDid, noiseText, roomName,
} from './lib/loro.mjs';
import { delay, waitUntil } from './lib/util.mjs';

const LONG = 3600 * 1000; // a reading store that drops nothing by age: the host's filtering is what is tested

let host;
let peers = [];

async function raw(h = host) {
    const c = await RawLoroClient.connect(h, freshDid('eph'));
    peers.push(c);
    return c;
}

async function peer(h = host) {
    const p = await connectLoro(h, { did: freshDid('presence') });
    peers.push(p);
    return p;
}

/** Run fn with Date.now shifted by offsetMs (so EphemeralStore stamps entries in the past or future). */
function atClock(offsetMs, fn) {
    const real = Date.now;
    Date.now = () => real() + offsetMs;
    try {
        return fn();
    } finally {
        Date.now = real;
    }
}

/** One EphemeralStore update holding key -> value, stamped now + offsetMs (null value: a delete). */
function entry(key, value, offsetMs = 0) {
    const s = new EphemeralStore(LONG);
    return atClock(offsetMs, () => {
        if (value === null) {
            s.set(key, 'x');
            s.delete(key);
        } else {
            s.set(key, value);
        }
        const out = s.encode(key);
        s.destroy(); // stops its purge timer
        return out;
    });
}

/** The states the given update blobs hold, merged as a store with no expiry would. */
function statesOf(blobs) {
    const s = new EphemeralStore(LONG);
    try {
        for (const b of blobs) if (b.length > 0) s.apply(b);
        return s.getAllStates();
    } finally {
        s.destroy();
    }
}

/** Join `roomId` raw and return the join answer and the state it received right after (the next DocUpdates). */
async function joinAndRead(crdt, roomId, { waitMs = 400 } = {}) {
    const c = await raw();
    const ok = await c.join({ crdt, roomId, version: new Uint8Array(0) });
    assert.equal(ok.type, MessageType.JoinResponseOk, `join ${crdt}${roomId}: ${JSON.stringify(ok)}`);
    await delay(waitMs);
    const after = c.log.inbound((f) => f.msg?.roomId === roomId && f.msg.crdt === crdt, ok.frame.i + 1);
    const updates = after.filter((f) => f.msg.type === MessageType.DocUpdate);
    return { c, ok, after, updates, states: statesOf(updates.flatMap((f) => f.msg.updates)) };
}

function filesContain(dir, needle) {
    const hits = [];
    const walk = (d) => {
        for (const name of fs.readdirSync(d)) {
            const p = path.join(d, name);
            const st = fs.statSync(p);
            if (st.isDirectory()) walk(p);
            else if (fs.readFileSync(p).includes(Buffer.from(needle))) hits.push(name);
        }
    };
    walk(dir);
    return hits;
}

describe('loro-protocol: %EPH presence', { timeout: 120000 }, () => {
    before(async () => { host = await startAdminHost(); });
    afterEach(async () => {
        await closeAllLoro(peers);
        peers = [];
    });
    after(async () => { await host?.dispose(); });

    test('presence reaches the other members both ways, deletes too; every update is acked ok', async () => {
        const roomId = roomName('presence');
        const a = await peer();
        const b = await peer();
        const ja = await a.joinEphemeral(roomId);
        const jb = await b.joinEphemeral(roomId);
        ja.store.set('cursor/a', { pos: 3, name: 'ann' });
        await waitUntil(() => jb.store.get('cursor/a')?.pos === 3, { what: 'b to see a\'s cursor' });
        jb.store.set('cursor/b', 7);
        await waitUntil(() => ja.store.get('cursor/b') === 7, { what: 'a to see b\'s cursor' });
        ja.store.set('cursor/a', { pos: 9, name: 'ann' });
        await waitUntil(() => jb.store.get('cursor/a')?.pos === 9, { what: 'b to see a\'s newer cursor' });
        jb.store.delete('cursor/b');
        await waitUntil(() => ja.store.get('cursor/b') === undefined, { what: 'a to see b\'s delete' });
        for (const p of [a, b]) {
            const batches = await p.waitAcked();
            assert.ok(batches.length >= 2);
            assert.ok(batches.every((x) => x.acks.length === 1 && x.acks[0].msg.status === 0),
                `${p.did}: ${batches.map((x) => x.acks.map((k) => k.msg.status).join('/')).join(' ')}`);
        }
    });

    test('a late joiner receives the current state right after its JoinResponseOk (raw and real client)', async () => {
        const roomId = roomName('late');
        const a = await peer();
        const ja = await a.joinEphemeral(roomId);
        ja.store.set('user/a', { name: 'ann', color: 'red' });
        ja.store.set('user/a2', 42);
        await a.waitAcked();

        const { ok, after, states } = await joinAndRead(CrdtType.LoroEphemeralStore, roomId);
        assert.equal(ok.permission, 'write');
        assert.equal(after[0]?.msg.type, MessageType.DocUpdate, `the next message after JoinResponseOk is the state: ${after.map((f) => f.typeName)}`);
        assert.deepEqual(states['user/a'], { name: 'ann', color: 'red' });
        assert.equal(states['user/a2'], 42);

        const c = await peer();
        const jc = await c.joinEphemeral(roomId);
        await waitUntil(() => jc.store.get('user/a2') === 42, { what: 'the real late joiner to hold the state' });
    });

    test('a state over 256 KiB reaches a late joiner in frames of at most 256 KiB', async () => {
        const roomId = roomName('big-state');
        const a = await peer();
        const ja = await a.joinEphemeral(roomId);
        for (let i = 0; i < 300; i++) ja.store.set(`k${i}`, noiseText(1000));
        await waitUntil(() => a.batches().length >= 300, { what: '300 updates sent' });
        await a.waitAcked();
        const c = await peer();
        const jc = await c.joinEphemeral(roomId);
        await waitUntil(() => Object.keys(jc.store.getAllStates()).length === 300, { what: 'the late joiner to hold 300 keys' });
        const over = c.log.inbound((f) => f.binary && f.size > MAX_HOST_MESSAGE);
        assert.deepEqual(over.map((f) => `${f.typeName}:${f.size}`), [], 'frames over 256 KiB');
        assert.ok(c.log.inbound((f) => f.typeName === 'DocUpdateFragment').length >= 2, 'the state came in fragments');
    });

    test('merged per key: a strictly newer timestamp wins; an older or equal one does not; keys from several writers merge', async () => {
        const roomId = roomName('merge');
        const w = await raw();
        const v = await raw();
        await w.join({ crdt: CrdtType.LoroEphemeralStore, roomId, version: new Uint8Array(0) });
        await v.join({ crdt: CrdtType.LoroEphemeralStore, roomId, version: new Uint8Array(0) });
        const send = async (c, blob) => assert.equal((await c.update(roomId, [blob], { crdt: CrdtType.LoroEphemeralStore })).status, 0);
        const real = Date.now;
        const t = real();
        const stamp = (ms, fn) => { Date.now = () => ms; try { return fn(); } finally { Date.now = real; } };
        const at = (key, value, ms) => stamp(ms, () => entry(key, value, 0));
        await send(w, at('k', 'first', t - 2000));
        await send(w, at('k', 'older', t - 3000));
        await send(w, at('k', 'equal', t - 2000));
        let s = (await joinAndRead(CrdtType.LoroEphemeralStore, roomId)).states;
        assert.equal(s.k, 'first', 'an older or equal timestamp does not replace the value');
        await send(w, at('k', 'newer', t - 1000));
        await send(v, at('other', 'from v', t - 1000));
        s = (await joinAndRead(CrdtType.LoroEphemeralStore, roomId)).states;
        assert.equal(s.k, 'newer', 'a strictly newer timestamp wins');
        assert.equal(s.other, 'from v', 'keys of several writers merge');
        // A delete (a newer tombstone) removes the key.
        await send(w, at('k', null, t - 500));
        s = (await joinAndRead(CrdtType.LoroEphemeralStore, roomId)).states;
        assert.equal(s.k, undefined, `deleted: ${JSON.stringify(s)}`);
        assert.equal(s.other, 'from v');
    });

    test('entries expire 10 s after their timestamp', { timeout: 30000 }, async () => {
        const roomId = roomName('expiry');
        const w = await raw();
        await w.join({ crdt: CrdtType.LoroEphemeralStore, roomId, version: new Uint8Array(0) });
        const send = async (blob) => assert.equal((await w.update(roomId, [blob], { crdt: CrdtType.LoroEphemeralStore })).status, 0);
        await send(entry('fresh', 'now'));
        await send(entry('soon', 'expires in 1.5 s', -8500));
        let s = (await joinAndRead(CrdtType.LoroEphemeralStore, roomId, { waitMs: 200 })).states;
        assert.equal(s.soon, 'expires in 1.5 s', 'still there 8.5 s after its timestamp');
        assert.equal(s.fresh, 'now');
        await delay(2500);
        s = (await joinAndRead(CrdtType.LoroEphemeralStore, roomId, { waitMs: 200 })).states;
        assert.equal(s.soon, undefined, `expired 10 s after its timestamp: ${JSON.stringify(s)}`);
        assert.equal(s.fresh, 'now', 'a younger entry is still there');
        // Already older than 10 s when it arrives: never served.
        await send(entry('stale', 'too old', -11000));
        s = (await joinAndRead(CrdtType.LoroEphemeralStore, roomId, { waitMs: 200 })).states;
        assert.equal(s.stale, undefined, `an entry older than 10 s on arrival: ${JSON.stringify(s)}`);
    });

    test('dropped when the last member leaves (Leave, and closing the socket)', async () => {
        for (const how of ['leave', 'close']) {
            const roomId = roomName(`drop-${how}`);
            const a = await raw();
            await a.join({ crdt: CrdtType.LoroEphemeralStore, roomId, version: new Uint8Array(0) });
            assert.equal((await a.update(roomId, [entry('who', 'a')], { crdt: CrdtType.LoroEphemeralStore })).status, 0);
            assert.equal((await joinAndRead(CrdtType.LoroEphemeralStore, roomId)).states.who, 'a', `${how}: present while a member is in the room`);
            await closeAllLoro(peers.filter((p) => p !== a));
            peers = [a];
            if (how === 'leave') {
                a.send({ type: MessageType.Leave, crdt: CrdtType.LoroEphemeralStore, roomId });
                await a.ping();
            } else {
                await a.close();
            }
            await delay(200);
            const { states } = await joinAndRead(CrdtType.LoroEphemeralStore, roomId);
            assert.deepEqual(states, {}, `${how}: the state of a room whose last member left: ${JSON.stringify(states)}`);
            await closeAllLoro(peers);
            peers = [];
        }
    });

    test('never stored: not in the data directory, not listed as a document, gone after a restart', { timeout: 30000 }, async () => {
        const roomId = roomName('nodisk');
        const marker = `eph-marker-${Date.now()}-${Math.random().toString(36).slice(2)}`;
        const a = await raw();
        await a.join({ crdt: CrdtType.LoroEphemeralStore, roomId, version: new Uint8Array(0) });
        assert.equal((await a.update(roomId, [entry('secret', marker)], { crdt: CrdtType.LoroEphemeralStore })).status, 0);
        const docs = (await adminJson(host, '/admin/documents')).documents;
        assert.ok(!docs.some((d) => d.id === roomId), `a %EPH room is listed as a document: ${JSON.stringify(docs.filter((d) => d.id === roomId))}`);
        await delay(300);
        assert.deepEqual(filesContain(host.dataDir, marker), [], 'the presence value reached a file in the data directory');
        await closeAllLoro(peers);
        peers = [];
        await host.restart();
        const { states } = await joinAndRead(CrdtType.LoroEphemeralStore, roomId);
        assert.deepEqual(states, {}, 'nothing after a restart');
        assert.deepEqual(filesContain(host.dataDir, marker), []);
    });

    test('a payload that is no EphemeralStore encoding is refused with invalid_update (4) and not relayed', async () => {
        const roomId = roomName('bad-eph');
        const a = await raw();
        const b = await raw();
        await a.join({ crdt: CrdtType.LoroEphemeralStore, roomId, version: new Uint8Array(0) });
        await b.join({ crdt: CrdtType.LoroEphemeralStore, roomId, version: new Uint8Array(0) });
        const bad = Uint8Array.from([0x05, 0xff, 0xff, 0xff, 0x01]);
        const probe = new EphemeralStore(LONG);
        assert.throws(() => probe.apply(bad), 'loro-crdt refuses the payload too');
        probe.destroy();
        await b.ping(); // b's join state has arrived
        const mark = b.mark();
        assert.equal((await a.update(roomId, [bad], { crdt: CrdtType.LoroEphemeralStore })).status, 4);
        await delay(300);
        assert.equal(b.log.inbound((f) => f.binary, mark).length, 0, `not relayed: ${b.log.summary()}`);
    });
});

describe('loro-protocol: %EPS persisted stores', { timeout: 120000 }, () => {
    before(async () => { host = await startAdminHost(); });
    afterEach(async () => {
        await closeAllLoro(peers);
        peers = [];
    });
    after(async () => { await host?.dispose(); });

    test('relayed like %EPH, and a lone later joiner still gets the stored state right after its JoinResponseOk', async () => {
        const roomId = roomName('settings');
        const a = await peer();
        const b = await peer();
        const ja = await a.joinPersistent(roomId);
        const jb = await b.joinPersistent(roomId);
        ja.store.set('theme', 'dark');
        await waitUntil(() => jb.store.get('theme') === 'dark', { what: 'b to see the theme' });
        await a.waitAcked();
        await closeAllLoro(peers);
        peers = [];
        const { after, states } = await joinAndRead(CrdtType.LoroEphemeralStorePersisted, roomId);
        assert.equal(after[0]?.msg.type, MessageType.DocUpdate, 'the state follows the JoinResponseOk');
        assert.equal(states.theme, 'dark', 'a lone joiner gets the stored state');
        const c = await peer();
        const jc = await c.joinPersistent(roomId);
        await waitUntil(() => jc.store.get('theme') === 'dark', { what: 'the real client to hydrate' });
    });

    test('survives a restart, and kill -9 right after its Ack', { timeout: 40000 }, async () => {
        const roomId = roomName('eps-restart');
        const a = await raw();
        await a.join({ crdt: CrdtType.LoroEphemeralStorePersisted, roomId, version: new Uint8Array(0) });
        assert.equal((await a.update(roomId, [entry('layout', { cols: 3 })], { crdt: CrdtType.LoroEphemeralStorePersisted })).status, 0);
        await closeAllLoro(peers);
        peers = [];
        await host.restart();
        let states = (await joinAndRead(CrdtType.LoroEphemeralStorePersisted, roomId)).states;
        assert.deepEqual(states.layout, { cols: 3 }, `after a restart: ${JSON.stringify(states)}`);

        const b = await raw();
        await b.join({ crdt: CrdtType.LoroEphemeralStorePersisted, roomId, version: new Uint8Array(0) });
        assert.equal((await b.update(roomId, [entry('mode', 'compact')], { crdt: CrdtType.LoroEphemeralStorePersisted })).status, 0);
        await host.kill9();
        await closeAllLoro(peers);
        peers = [];
        await host.start();
        states = (await joinAndRead(CrdtType.LoroEphemeralStorePersisted, roomId)).states;
        assert.equal(states.mode, 'compact', `after kill -9: ${JSON.stringify(states)}`);
        assert.deepEqual(states.layout, { cols: 3 });
        const docs = (await adminJson(host, '/admin/documents')).documents.filter((d) => d.id === roomId);
        assert.equal(docs.length, 1, 'listed as a document');
        assert.equal(docs[0].kind, 'eps');
    });

    test('age still applies to stored entries: 10 s after its timestamp an entry is no longer served', { timeout: 30000 }, async () => {
        const roomId = roomName('eps-age');
        const a = await raw();
        await a.join({ crdt: CrdtType.LoroEphemeralStorePersisted, roomId, version: new Uint8Array(0) });
        assert.equal((await a.update(roomId, [entry('old', 'soon gone', -8500), entry('new', 'stays')], { crdt: CrdtType.LoroEphemeralStorePersisted })).status, 0);
        await closeAllLoro(peers);
        peers = [];
        await delay(2500);
        const { states } = await joinAndRead(CrdtType.LoroEphemeralStorePersisted, roomId);
        assert.equal(states.old, undefined, `expired: ${JSON.stringify(states)}`);
        assert.equal(states.new, 'stays');
    });
});
