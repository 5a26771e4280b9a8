// Document kinds on /loro/as/<did>: %LOR, %ELO, %EPH and %EPS are served; %YJS, %YAW, %FLO and any unknown magic
// get JoinError unknown (0) whose message says this host does not serve that kind yet, and the session stays
// open (the real FlockAdaptor's join() rejects with that message). A room is the pair (magic, room id): the same
// id under two magics is two rooms.

import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import { Flock } from '@loro-dev/flock';
import { FlockAdaptor } from 'loro-adaptors/flock';
import { startAdminHost } from './lib/admin.mjs';
import {
    BytesReader, CrdtType, EphemeralStore, LoroDoc, MessageType, RawLoroClient, authBytes, closeAllLoro, connectLoro,
    eloKey, freshDid, rawJoinRequest, roomName,
} from './lib/loro.mjs';
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

    for (const [magic, what] of [[CrdtType.Yjs, /Yjs/i], [CrdtType.YjsAwareness, /Yjs|awareness/i], [CrdtType.Flock, /Flock/i]]) {
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
        const err = await c.join({ crdt: CrdtType.Yjs, roomId: roomName('first') });
        assert.equal(err.code, 0);
        const ok = await c.join({ roomId: roomName('second'), auth: new Uint8Array(0) });
        assert.equal(ok.type, MessageType.JoinResponseOk, `a later join without auth: ${JSON.stringify(ok)}`);
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
});
