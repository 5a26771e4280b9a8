// Document kinds on /loro/as/<did>: %LOR, %ELO, %EPH, %EPS, %YJS and %YAW (issue 13: the Yjs document and its
// awareness, the same ones y-websocket and Hocuspocus clients edit) are served; %FLO and any unknown magic get
// JoinError unknown (0) whose message says this host does not serve that kind yet, and the session stays open (the
// real FlockAdaptor's join() rejects with that message). A room is the pair (magic, room id): the same id under two
// magics is two rooms. (Before issue 13, %YJS and %YAW were refused like %FLO; those rows now expect them served.)

import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import { Flock } from '@loro-dev/flock';
import { FlockAdaptor } from 'loro-adaptors/flock';
import { startAdminHost } from './lib/admin.mjs';
import {
    BytesReader, CrdtType, EphemeralStore, LoroDoc, MessageType, RawLoroClient, authBytes, closeAllLoro, connectLoro,
    eloKey, freshDid, rawJoinRequest, roomName,
} from './lib/loro.mjs';
import { Y, joinYjs, joinYjsAwareness } from './lib/loro-yjs.mjs';
import { delay, waitUntil } from './lib/util.mjs';

let host;
let peers = [];

async function raw() {
    const c = await RawLoroClient.connect(host, freshDid('kinds'));
    peers.push(c);
    return c;
}

/**
 * Read a JoinError by hand (loro-protocol's decoder refuses a magic it does not know):
 * magic, room, type 02, code, message.
 */
function readJoinError(bytes) {
    const magic = Buffer.from(bytes.subarray(0, 4)).toString('latin1');
    const r = new BytesReader(bytes.subarray(4));
    const roomId = r.readVarString();
    const type = r.readByte();
    const code = type === MessageType.JoinError ? r.readByte() : undefined;
    const message = type === MessageType.JoinError ? r.readVarString() : undefined;
    return { magic, roomId, type, code, message };
}

async function assertStillServed(c, what) {
    await c.ping();
    assert.ok(c.isOpen, `${what}: the session closed`);
    const roomId = roomName('after');
    const ok = await c.join({ roomId });
    assert.equal(ok.type, MessageType.JoinResponseOk, `${what}: a %LOR join afterwards`);
}

describe('loro-protocol: document kinds', { timeout: 60000 }, () => {
    before(async () => { host = await startAdminHost(); });
    afterEach(async () => {
        await closeAllLoro(peers);
        peers = [];
    });
    after(async () => { await host?.dispose(); });

    for (const [magic, what] of [[CrdtType.Flock, /Flock/i]]) {
        test(`${magic}: JoinError unknown (0) "this host does not serve … yet"; the session stays open`, async () => {
            const c = await raw();
            const roomId = roomName('unserved');
            const err = await c.join({ crdt: magic, roomId, version: new Uint8Array(0) });
            assert.equal(err.type, MessageType.JoinError, JSON.stringify(err));
            assert.equal(err.crdt, magic);
            assert.equal(err.roomId, roomId);
            assert.equal(err.code, 0, 'code unknown (0)');
            assert.match(err.message, /does not serve/i);
            assert.match(err.message, /yet/i);
            assert.match(err.message, what, 'the message names the kind');
            // Not joined: an update there is refused, nothing follows.
            const ack = await c.update(roomId, [new Uint8Array([1, 2, 3])], { crdt: magic });
            assert.equal(ack.status, 3, 'permission_denied in a room that was not joined');
            await assertStillServed(c, magic);
        });
    }

    test('an unknown magic ("%ZZZ"): JoinError unknown (0) saying this host does not serve it; the session stays open', async () => {
        const c = await raw();
        const roomId = roomName('zzz');
        const mark = c.mark();
        c.sendRaw(rawJoinRequest('%ZZZ', roomId, authBytes(host.token)), { binary: true });
        const f = await c.waitFor((x) => x.dir === 'in' && x.binary, { since: mark, what: 'the answer to a %ZZZ join' });
        const err = readJoinError(f.bytes);
        assert.equal(err.magic, '%ZZZ');
        assert.equal(err.roomId, roomId);
        assert.equal(err.type, MessageType.JoinError, `answer ${Buffer.from(f.bytes).toString('hex')}`);
        assert.equal(err.code, 0);
        assert.match(err.message, /does not serve/i);
        assert.match(err.message, /%ZZZ/);
        assert.match(err.message, /yet/i);
        await assertStillServed(c, '%ZZZ');
    });

    test('an unserved kind as the very first join still authenticates the socket (later joins are not re-checked)', async () => {
        const c = await raw();
        const err = await c.join({ crdt: CrdtType.Flock, roomId: roomName('first') });
        assert.equal(err.code, 0);
        const ok = await c.join({ roomId: roomName('second'), auth: new Uint8Array(0) });
        assert.equal(ok.type, MessageType.JoinResponseOk, `a later join without auth: ${JSON.stringify(ok)}`);
    });

    test('%YJS and %YAW are served: JoinResponseOk write; %YJS carries a Yjs state vector and then one V1 update', async () => {
        const c = await raw();
        const roomId = roomName('yjs');
        const ok = await c.join({ crdt: CrdtType.Yjs, roomId, version: new Uint8Array([0]) });
        assert.equal(ok.type, MessageType.JoinResponseOk, JSON.stringify(ok));
        assert.equal(ok.permission, 'write');
        assert.deepEqual([...ok.version], [0], 'an empty document: the empty state vector (varUint 0)');
        // The join answer: exactly one V1 update, even when the joiner lacks nothing (it carries the delete set).
        const answer = await c.waitFor((f) => f.dir === 'in' && f.msg?.type === MessageType.DocUpdate && f.msg.roomId === roomId,
            { what: 'the %YJS join answer' });
        assert.equal(answer.msg.crdt, CrdtType.Yjs);
        assert.equal(answer.msg.updates.length, 1);
        assert.deepEqual([...answer.msg.updates[0]], [0, 0], 'the empty V1 update');
        const aw = await c.join({ crdt: CrdtType.YjsAwareness, roomId });
        assert.equal(aw.type, MessageType.JoinResponseOk, JSON.stringify(aw));
        assert.equal(aw.crdt, CrdtType.YjsAwareness);
        // A room of either is not a %LOR room of the same name.
        const lor = await c.join({ roomId });
        assert.equal(lor.type, MessageType.JoinResponseOk);
        assert.deepEqual([...lor.version], [0], 'the %LOR room of that name is empty');
    });

    test('the real FlockAdaptor: join() rejects with "Join failed: 0 - … does not serve …"; the client stays connected', async () => {
        const p = await connectLoro(host, { did: freshDid('flock') });
        peers.push(p);
        const flock = new Flock();
        await assert.rejects(p.join(new FlockAdaptor(flock), roomName('flock')), (err) => {
            assert.match(err.message, /^Join failed: 0 - /);
            assert.match(err.message, /does not serve/i);
            return true;
        });
        assert.equal(p.client.getStatus(), 'connected');
        const j = await p.joinLoro(roomName('flock-then-loro'));
        j.doc.getText('text').insert(0, 'ok');
        j.doc.commit();
        await p.waitAcked();
    });

    test('a room is the pair (magic, room id): one id under %LOR, %ELO, %EPH and %EPS is four rooms', async () => {
        const roomId = roomName('pair');
        const key = eloKey();
        const a = await connectLoro(host, { did: freshDid('ka') });
        const b = await connectLoro(host, { did: freshDid('kb') });
        peers.push(a, b);
        const la = await a.joinLoro(roomId, { doc: new LoroDoc() });
        const lb = await b.joinLoro(roomId, { doc: new LoroDoc() });
        const ea = await a.joinElo(roomId, { doc: new LoroDoc(), key });
        const eb = await b.joinElo(roomId, { doc: new LoroDoc(), key });
        const ha = await a.joinEphemeral(roomId, { store: new EphemeralStore(30000) });
        const hb = await b.joinEphemeral(roomId, { store: new EphemeralStore(30000) });
        const pa = await a.joinPersistent(roomId, { store: new EphemeralStore(30000) });
        const pb = await b.joinPersistent(roomId, { store: new EphemeralStore(30000) });
        la.doc.getText('text').insert(0, 'loro');
        la.doc.commit();
        ea.doc.getText('text').insert(0, 'elo');
        ea.doc.commit();
        ha.store.set('k', 'eph');
        pa.store.set('k', 'eps');
        await waitUntil(() => lb.doc.getText('text').toString() === 'loro' && eb.doc.getText('text').toString() === 'elo'
            && hb.store.get('k') === 'eph' && pb.store.get('k') === 'eps', { what: 'each room to carry its own content' });
        await delay(200);
        assert.equal(lb.doc.getText('text').toString(), 'loro', 'the %LOR room got nothing of the %ELO one');
        assert.equal(eb.doc.getText('text').toString(), 'elo');
    });

    test('%YJS and %YAW are two more rooms of the same id: a Y.Doc and its awareness beside %LOR', async () => {
        const roomId = roomName('pair-yjs');
        const a = await connectLoro(host, { did: freshDid('ya') });
        const b = await connectLoro(host, { did: freshDid('yb') });
        peers.push(a, b);
        const la = await a.joinLoro(roomId, { doc: new LoroDoc() });
        const lb = await b.joinLoro(roomId, { doc: new LoroDoc() });
        const ya = await joinYjs(a, roomId, { doc: new Y.Doc() });
        const yb = await joinYjs(b, roomId, { doc: new Y.Doc() });
        const wa = await joinYjsAwareness(a, roomId, { doc: ya.doc });
        const wb = await joinYjsAwareness(b, roomId, { doc: yb.doc });
        try {
            la.doc.getText('text').insert(0, 'loro');
            la.doc.commit();
            ya.doc.getText('text').insert(0, 'yjs');
            wa.awareness.setLocalStateField('user', { name: 'a' });
            await waitUntil(() => lb.doc.getText('text').toString() === 'loro' && yb.doc.getText('text').toString() === 'yjs'
                && wb.awareness.getStates().get(ya.doc.clientID)?.user?.name === 'a',
            { what: 'each room to carry its own content' });
            await delay(200);
            assert.equal(lb.doc.getText('text').toString(), 'loro', 'the %LOR room got nothing of the %YJS one');
            assert.equal(yb.doc.getText('text').toString(), 'yjs');
            assert.deepEqual(yb.updateErrors, []);
        } finally {
            wa.awareness.destroy();
            wb.awareness.destroy();
        }
    });
});
