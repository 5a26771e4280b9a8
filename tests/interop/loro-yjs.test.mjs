// loro-protocol %YJS and %YAW on /loro/as/<did> (issue 13): the join answers with the host's Yjs state vector and
// then exactly what the joiner lacks, byte for byte what yjs's own diffUpdate makes of the merged document; every
// DocUpdate gets one Ack, ok only once committed (a kill -9 after it loses nothing); malformed state vectors, V1
// updates of every kind of damage, V2 updates and bad awareness states are refused with a reason and store nothing,
// a message with one bad update among good ones stores none of them; the session stays served throughout.

import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import { adminJson, logEntries, startAdminHost } from './lib/admin.mjs';
import {
    CrdtType, MessageType, RawLoroClient, closeAllLoro, encode, freshDid, roomName,
} from './lib/loro.mjs';
import { Y, awarenessProtocol } from './lib/loro-yjs.mjs';
import { delay, waitUntil } from './lib/util.mjs';

const STATUS = { ok: 0, permission_denied: 3, invalid_update: 4 };
let host;
let peers = [];

async function raw(label = 'yjs') {
    const c = await RawLoroClient.connect(host, freshDid(label));
    peers.push(c);
    return c;
}

/** A Y.Doc of client `id` with some text; returns { doc, updates } (each local change's V1 update). */
function editedDoc(id, edits) {
    const doc = new Y.Doc();
    doc.clientID = id;
    const updates = [];
    doc.on('update', (u) => updates.push(u));
    edits(doc);
    return { doc, updates };
}

/** The %YJS DocUpdates received for `roomId` since `since`, their payloads concatenated. */
function answers(c, roomId, since) {
    return c.log.inbound((f) => f.msg?.type === MessageType.DocUpdate && f.msg.crdt === CrdtType.Yjs && f.msg.roomId === roomId, since)
        .flatMap((f) => f.msg.updates);
}

async function stored(roomId) {
    const { documents } = await adminJson(host, '/admin/documents');
    return documents.find((d) => d.id === roomId && d.kind === 'yjs') ?? null;
}

describe('loro-protocol %YJS and %YAW', { timeout: 120000 }, () => {
    before(async () => { host = await startAdminHost(); });
    afterEach(async () => {
        await closeAllLoro(peers);
        peers = [];
    });
    after(async () => { await host?.dispose(); });

    test('a joiner gets the host\'s state vector, then what it lacks: Y.diffUpdate of the merged updates, byte for byte', async () => {
        const roomId = roomName('diff');
        const writer = await raw('writer');
        assert.equal((await writer.join({ crdt: CrdtType.Yjs, roomId, version: new Uint8Array([0]) })).type, MessageType.JoinResponseOk);
        const { doc, updates } = editedDoc(41, (d) => {
            d.getText('t').insert(0, 'hello world');
            d.getMap('m').set('k', { deep: [1, 'two'] });
            d.getText('t').delete(0, 6);
            d.getArray('a').insert(0, [new Uint8Array([1, 2, 3])]);
        });
        for (const u of updates) assert.equal((await writer.update(roomId, [u], { crdt: CrdtType.Yjs })).status, STATUS.ok);
        const merged = Y.mergeUpdates(updates);

        // A joiner holding the first two updates.
        const partial = new Y.Doc();
        Y.applyUpdate(partial, updates[0]);
        Y.applyUpdate(partial, updates[1]);
        const sv = Y.encodeStateVector(partial);
        const reader = await raw('reader');
        const mark = reader.mark();
        const ok = await reader.join({ crdt: CrdtType.Yjs, roomId, version: sv });
        assert.equal(ok.type, MessageType.JoinResponseOk);
        assert.deepEqual(Buffer.from(ok.version), Buffer.from(Y.encodeStateVector(doc)), 'the host\'s state vector, as yjs encodes it');
        await waitUntil(() => answers(reader, roomId, mark).length === 1, { what: 'the join answer' });
        await delay(100);
        const [answer] = answers(reader, roomId, mark);
        assert.equal(answers(reader, roomId, mark).length, 1, 'exactly one V1 update');
        assert.deepEqual(Buffer.from(answer), Buffer.from(Y.diffUpdate(merged, sv)), 'Y.diffUpdate(mergeUpdates(all), sv)');
        Y.applyUpdate(partial, answer);
        assert.equal(partial.getText('t').toString(), doc.getText('t').toString());
        assert.deepEqual(partial.getMap('m').toJSON(), doc.getMap('m').toJSON());

        // One that holds everything still gets one update: the delete set.
        const full = await raw('full');
        const mark2 = full.mark();
        await full.join({ crdt: CrdtType.Yjs, roomId, version: Y.encodeStateVector(doc) });
        await waitUntil(() => answers(full, roomId, mark2).length === 1, { what: 'the answer to a joiner lacking nothing' });
        assert.deepEqual(Buffer.from(answers(full, roomId, mark2)[0]), Buffer.from(Y.diffUpdate(merged, Y.encodeStateVector(doc))));
        // An empty version (0 bytes) means nothing yet: the whole document.
        const empty = await raw('empty');
        const mark3 = empty.mark();
        await empty.join({ crdt: CrdtType.Yjs, roomId, version: new Uint8Array(0) });
        await waitUntil(() => answers(empty, roomId, mark3).length === 1, { what: 'the answer to an empty version' });
        assert.deepEqual(Buffer.from(answers(empty, roomId, mark3)[0]), Buffer.from(Y.diffUpdate(merged, new Uint8Array([0]))));
        // The writer hears nothing of its own updates; the others hear new ones as they come.
        const next = editedDoc(42, (d) => d.getText('t').insert(0, '!')).updates[0];
        const mark4 = reader.mark();
        const writerMark = writer.mark();
        assert.equal((await writer.update(roomId, [next], { crdt: CrdtType.Yjs })).status, STATUS.ok);
        await waitUntil(() => answers(reader, roomId, mark4).length === 1, { what: 'the forward' });
        assert.deepEqual(Buffer.from(answers(reader, roomId, mark4)[0]), Buffer.from(next));
        await delay(100);
        assert.equal(answers(writer, roomId, writerMark).length, 0, 'no echo over loro-protocol');
    });

    test('a state vector that does not decode: JoinError version_unknown with the host\'s; the empty retry joins', async () => {
        const roomId = roomName('badsv');
        const c = await raw();
        for (const version of [new Uint8Array([5, 1]), new Uint8Array([1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f, 1]), new Uint8Array([1, 2, 3, 4])]) {
            const err = await c.join({ crdt: CrdtType.Yjs, roomId, version });
            assert.equal(err.type, MessageType.JoinError, `${Buffer.from(version).toString('hex')}: ${JSON.stringify(err)}`);
            assert.equal(err.code, 1, 'version_unknown');
            assert.deepEqual([...err.receiverVersion], [0], 'the host\'s (empty) state vector');
        }
        const ok = await c.join({ crdt: CrdtType.Yjs, roomId, version: new Uint8Array(0) });
        assert.equal(ok.type, MessageType.JoinResponseOk);
        assert.ok(c.isOpen);
    });

    test('malformed updates of every kind are refused with invalid_update and store nothing; the session stays served', async () => {
        const roomId = roomName('bad');
        const c = await raw('bad');
        const other = await raw('other');
        await c.join({ crdt: CrdtType.Yjs, roomId });
        // The join's answer (a DocUpdate) follows JoinResponseOk: it must not count as a forward.
        const joined = other.mark();
        await other.join({ crdt: CrdtType.Yjs, roomId });
        await waitUntil(() => answers(other, roomId, joined).length === 1, { what: 'the other member\'s join answer' });
        const good = editedDoc(51, (d) => d.getText('t').insert(0, 'kept')).updates[0];
        const v2 = (() => {
            const d = new Y.Doc();
            d.clientID = 52;
            d.getText('t').insert(0, 'v2');
            return Y.encodeStateAsUpdateV2(d);
        })();
        const cases = {
            'empty payload': new Uint8Array(0),
            'truncated struct': good.subarray(0, good.length - 3),
            'more structs than the update holds': Uint8Array.from([good[0], 5, ...good.subarray(2)]),
            'unknown content ref': Uint8Array.from([1, 1, 53, 0, 0x0b, 1, 1, 0x74, 0]),
            'bad varint': Uint8Array.from([1, 1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]),
            'clock overflow': Uint8Array.from([1, 1, 54, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x04, 1, 1, 0x74, 1, 0x61, 0]),
            'trailing bytes': Uint8Array.from([...good, 9, 9]),
            'a V2 update': v2,
        };
        const since = other.mark();
        for (const [what, update] of Object.entries(cases)) {
            const ack = await c.update(roomId, [update], { crdt: CrdtType.Yjs });
            assert.equal(ack.status, STATUS.invalid_update, `${what}: ${JSON.stringify(ack)}`);
        }
        // One bad update among good ones: refused as a whole.
        const ack = await c.update(roomId, [good, cases['unknown content ref']], { crdt: CrdtType.Yjs });
        assert.equal(ack.status, STATUS.invalid_update);
        await delay(150);
        assert.equal(answers(other, roomId, since).length, 0, 'nothing was forwarded');
        assert.equal(await stored(roomId), null, 'nothing was stored');
        // The reasons are logged (V2 by name).
        const entries = await logEntries(host, { category: 'canopy.sync' });
        assert.ok(entries.some((e) => /V2/.test(e.message) || e.fields?.reason === 'yjs-v2-unsupported'),
            `a V2 refusal in the log: ${JSON.stringify(entries.slice(-5))}`);
        // Still served: the good update alone is stored and forwarded.
        assert.equal((await c.update(roomId, [good], { crdt: CrdtType.Yjs })).status, STATUS.ok);
        await waitUntil(() => answers(other, roomId, since).length === 1, { what: 'the good update to be forwarded' });
        assert.equal((await stored(roomId))?.clients, 1);
        await c.ping();
    });

    test('%YAW: awareness entries reach the room\'s other members; a state that is not JSON is refused', async () => {
        const roomId = roomName('yaw');
        const a = await raw('yaw-a');
        const b = await raw('yaw-b');
        await a.join({ crdt: CrdtType.YjsAwareness, roomId, version: new Uint8Array(0) });
        await b.join({ crdt: CrdtType.YjsAwareness, roomId, version: new Uint8Array(0) });
        const doc = new Y.Doc();
        doc.clientID = 61;
        const aw = new awarenessProtocol.Awareness(doc);
        try {
            aw.setLocalStateField('user', { name: 'a' });
            const update = awarenessProtocol.encodeAwarenessUpdate(aw, [61]);
            const since = b.mark();
            assert.equal((await a.update(roomId, [update], { crdt: CrdtType.YjsAwareness })).status, STATUS.ok);
            const f = await b.waitFor((x) => x.dir === 'in' && x.msg?.type === MessageType.DocUpdate && x.msg.crdt === CrdtType.YjsAwareness,
                { since, what: 'the awareness forward' });
            assert.deepEqual(Buffer.from(f.msg.updates[0]), Buffer.from(update));
            // A late joiner gets every current state in one update.
            const c = await raw('yaw-c');
            const mark = c.mark();
            await c.join({ crdt: CrdtType.YjsAwareness, roomId, version: new Uint8Array(0) });
            const joined = await c.waitFor((x) => x.dir === 'in' && x.msg?.type === MessageType.DocUpdate, { since: mark, what: 'the states' });
            const target = new awarenessProtocol.Awareness(new Y.Doc());
            awarenessProtocol.applyAwarenessUpdate(target, joined.msg.updates[0], 'host');
            assert.deepEqual(target.getStates().get(61), { user: { name: 'a' } });
            target.destroy();
            // Not JSON: refused.
            const bad = Uint8Array.from([1, 62, 1, 3, 0x7b, 0x7b, 0x7b]);
            assert.equal((await a.update(roomId, [bad], { crdt: CrdtType.YjsAwareness })).status, STATUS.invalid_update);
        } finally {
            aw.destroy();
        }
    });

    test('an acknowledged %YJS update survives kill -9', async () => {
        const roomId = roomName('durable');
        const c = await raw('durable');
        await c.join({ crdt: CrdtType.Yjs, roomId });
        const { doc, updates } = editedDoc(71, (d) => {
            d.getText('t').insert(0, 'acknowledged');
            d.getMap('m').set('n', 42);
        });
        for (const u of updates) assert.equal((await c.update(roomId, [u], { crdt: CrdtType.Yjs })).status, STATUS.ok);
        await host.kill9();
        peers = [];
        await host.start();
        const late = await raw('late');
        const mark = late.mark();
        const ok = await late.join({ crdt: CrdtType.Yjs, roomId, version: new Uint8Array([0]) });
        assert.deepEqual(Buffer.from(ok.version), Buffer.from(Y.encodeStateVector(doc)));
        await waitUntil(() => answers(late, roomId, mark).length === 1, { what: 'the stored document' });
        const fresh = new Y.Doc();
        Y.applyUpdate(fresh, answers(late, roomId, mark)[0]);
        assert.equal(fresh.getText('t').toString(), 'acknowledged');
        assert.equal(fresh.getMap('m').get('n'), 42);
    });

    test('a raw %YJS DocUpdate past 256 KiB arrives as fragments, is acked once and stored', async () => {
        const roomId = roomName('frag');
        const c = await raw('frag');
        await c.join({ crdt: CrdtType.Yjs, roomId });
        const { updates } = editedDoc(81, (d) => d.getText('t').insert(0, 'z'.repeat(400 * 1024)));
        // Fragment it as the client does: a header, then 240 KiB pieces (loro-protocol.md §3.7).
        const payload = updates[0];
        assert.ok(payload.length > 262144);
        const batchId = c.batchId();
        const piece = 240 * 1024;
        const count = Math.ceil(payload.length / piece);
        const since = c.mark();
        c.send({ type: MessageType.DocUpdateFragmentHeader, crdt: CrdtType.Yjs, roomId, batchId, fragmentCount: count, totalSizeBytes: payload.length });
        for (let i = 0; i < count; i++) {
            c.sendRaw(encode({ type: MessageType.DocUpdateFragment, crdt: CrdtType.Yjs, roomId, batchId, index: i,
                fragment: payload.subarray(i * piece, (i + 1) * piece) }));
        }
        const ack = await c.waitAck(batchId, { since, timeoutMs: 10000 });
        assert.equal(ack.status, STATUS.ok);
        await delay(100);
        assert.equal(c.acksFor(batchId, since).length, 1, 'one Ack for the batch');
        assert.ok((await stored(roomId))?.bytes > 400 * 1024);
    });
});
