// One Yjs document whatever protocol its clients speak (issue 13): a y-websocket client (y-websocket 3.1.0's
// WebsocketProvider on /yjs/as/<did>/notes), a Hocuspocus client (@hocuspocus/provider 4.8.0 on
// /hocuspocus/as/<did>, document "notes") and a loro-protocol client (loro-websocket 0.6.2's LoroWebsocketClient
// on /loro/as/<did> with lib/loro-yjs.mjs's %YJS adaptor over a Y.Doc, and its %YAW awareness adaptor) editing
// the room `notes` converge: text, map, array and XML edits and deletions from each reach the other two; their
// awareness states cross the protocols and leave with their client; a large update is fragmented for the
// loro-protocol client and whole for the others; a reader stays a reader on all three; late joiners of each
// protocol get the document from the store after a restart. The operator's view of the same document:
// GET /admin/documents lists it as kind "yjs" with id "notes", its clients and the state vector yjs computes;
// its history names the clients and DIDs; its export, imported into a fresh Y.Doc, is the clients' content.

import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import { adminJson, adminRequest, startAdminHost } from './lib/admin.mjs';
import * as hp from './lib/hocuspocus.mjs';
import { closeAllLoro, connectLoro } from './lib/loro.mjs';
import { Y, joinYjs, joinYjsAwareness } from './lib/loro-yjs.mjs';
import { waitUntil, withTimeout } from './lib/util.mjs';
import * as yws from './lib/yjs.mjs';

const ANN = 'did:web:ann.yjs-cross.test'; // y-websocket
const BO = 'did:web:bo.yjs-cross.test'; // Hocuspocus
const CY = 'did:web:cy.yjs-cross.test'; // loro-protocol %YJS

let host;
let ywsProviders = [];
let hpProviders = [];
let loroPeers = [];
let awarenesses = [];

/** JSON with object keys sorted: a Y.Map's toJSON follows each replica's own insertion order. */
function stable(value) {
    if (Array.isArray(value)) return value.map(stable);
    if (value && typeof value === 'object') {
        return Object.fromEntries(Object.keys(value).sort().map((k) => [k, stable(value[k])]));
    }
    return value;
}

/** Everything the suites edit, as plain JSON: equal JSON is the same document for these clients. */
function content(doc) {
    return JSON.stringify({
        t: doc.getText('t').toDelta(), // with the formatting
        m: stable(doc.getMap('m').toJSON()),
        a: doc.getArray('a').toJSON(),
        x: doc.getXmlFragment('x').toString(),
    });
}

function stateVectorOf(doc) {
    return Object.fromEntries([...Y.decodeStateVector(Y.encodeStateVector(doc))].map(([c, k]) => [String(c), k]));
}

async function waitSame(docs, pred = () => true, what = 'the three documents to converge') {
    let last;
    try {
        await waitUntil(() => {
            last = docs.map(content);
            return last.every((c) => c === last[0]) && pred(docs[0]);
        }, { timeoutMs: 10000, what });
    } catch (err) {
        err.message += `: ${last?.join(' | ')}`;
        throw err;
    }
}

/** A client of each protocol in `room`, synced: { a (y-websocket), b (Hocuspocus), c (loro-protocol) }. */
async function threeClients(room, { ids = [101, 202, 303] } = {}) {
    const a = yws.openProvider(host, room, { identity: ANN, doc: yws.newYDoc(ids[0]) });
    ywsProviders.push(a);
    const b = hp.openProvider(host, room, { identity: BO, document: hp.newYDoc(ids[1]) });
    hpProviders.push(b);
    const peer = await connectLoro(host, { did: CY });
    loroPeers.push(peer);
    const c = await joinYjs(peer, room, { doc: yws.newYDoc(ids[2]) });
    await Promise.all([
        yws.waitSynced(a),
        hp.waitSynced(b),
        withTimeout(c.adaptor.waitForReachingServerVersion(), 5000, 'the %YJS client to reach the host\'s version'),
    ]);
    return { a, b, c, peer, docs: [a.doc, b.document, c.doc] };
}

async function closeEverything() {
    for (const aw of awarenesses.splice(0)) aw.destroy();
    await yws.destroyProviders(ywsProviders);
    await hp.closeAll(hpProviders);
    await closeAllLoro(loroPeers.splice(0));
}

describe('Yjs across y-websocket, Hocuspocus and loro-protocol', { timeout: 180000 }, () => {
    before(async () => { host = await startAdminHost(); });
    afterEach(closeEverything);
    after(async () => {
        await closeEverything();
        await host?.dispose();
    });

    test('three clients of three protocols editing room "notes" converge; the admin API lists, describes and exports it', async () => {
        const { a, b, c, peer, docs } = await threeClients('notes');
        // Concurrent edits of every shared type from each protocol.
        a.doc.getText('t').insert(0, 'ann ');
        b.document.getText('t').insert(0, 'bo ');
        c.doc.getText('t').insert(0, 'cy ');
        a.doc.getMap('m').set('ann', 1);
        b.document.getMap('m').set('bo', { list: [1, 2], ok: true });
        c.doc.getMap('m').set('cy', 'three');
        b.document.getArray('a').push([1.5, 'x', null]);
        c.doc.getXmlFragment('x').insert(0, [new Y.XmlElement('p')]);
        a.doc.getText('t').format(0, 3, { bold: true });
        await waitSame(docs, (d) => ['ann ', 'bo ', 'cy '].every((s) => d.getText('t').toString().includes(s))
            && d.getText('t').toDelta().some((op) => op.attributes?.bold)
            && d.getXmlFragment('x').length === 1 && d.getArray('a').length === 3);
        // Deletions from each: a map key, text, an array item.
        c.doc.getMap('m').delete('ann');
        a.doc.getText('t').delete(0, 2);
        b.document.getArray('a').delete(1, 1);
        await waitSame(docs, (d) => !d.getMap('m').has('ann') && d.getArray('a').length === 2
            && d.getText('t').length === 'ann bo cy '.length - 2);
        assert.deepEqual(stateVectorOf(b.document), stateVectorOf(a.doc));
        assert.deepEqual(stateVectorOf(c.doc), stateVectorOf(a.doc));
        // Every write was acknowledged as committed: Hocuspocus's SyncStatus, loro-protocol's Ack.
        await hp.waitAllSynced(b);
        assert.ok(hp.statuses(b.log, 'notes').every((applied) => applied), 'every SyncStatus applied');
        const batches = await peer.waitAcked({ roomId: 'notes' });
        assert.ok(batches.length > 0);
        for (const batch of batches) assert.deepEqual(batch.acks.map((f) => f.msg.status), [0], 'one Ack ok per batch');
        assert.deepEqual(c.updateErrors, []);

        // The operator's view: kind yjs, id = the room, its clients and the state vector yjs computes.
        const { documents } = await adminJson(host, '/admin/documents');
        const listed = documents.filter((d) => d.id === 'notes');
        assert.equal(listed.length, 1, JSON.stringify(documents));
        const notes = listed[0];
        assert.equal(notes.kind, 'yjs');
        assert.equal(notes.clients, 3);
        assert.equal(notes.subscribers, 3, 'one member per protocol');
        assert.deepEqual(notes.stateVector, stateVectorOf(a.doc));
        assert.ok(notes.updates >= 3 && notes.updates === notes.blocks);
        assert.ok(notes.bytes > 0);
        const detail = await adminJson(host, '/admin/documents/notes?kind=yjs');
        assert.deepEqual(detail.stateVector, notes.stateVector);
        const clients = new Set();
        const dids = new Set();
        for (const unit of detail.history) {
            clients.add(unit.peer);
            dids.add(unit.fromDid);
            assert.ok(unit.size > 0, JSON.stringify(unit));
            assert.ok(!Number.isNaN(Date.parse(unit.receivedAt)), JSON.stringify(unit));
        }
        for (const id of ['101', '202', '303']) assert.ok(clients.has(id), `client ${id} in the history: ${[...clients]}`);
        assert.deepEqual([...dids].filter((d) => d !== null).sort(), [ANN, BO, CY].sort());
        // Export: one merged V1 update; a fresh Y.Doc importing it holds what the clients hold.
        const exported = await adminRequest(host, 'GET', '/admin/documents/notes/export?kind=yjs');
        assert.equal(exported.status, 200);
        assert.equal(exported.headers.get('content-type'), 'application/octet-stream');
        assert.match(exported.headers.get('content-disposition'), /notes\.yjs/);
        const fresh = new Y.Doc();
        Y.applyUpdate(fresh, exported.bytes);
        assert.equal(content(fresh), content(a.doc));
        assert.deepEqual(stateVectorOf(fresh), stateVectorOf(a.doc));
        assert.deepEqual(Buffer.from(Y.encodeStateVectorFromUpdate(exported.bytes)), Buffer.from(Y.encodeStateVector(a.doc)));
        // The sessions, each named by its protocol, each holding the document.
        const { sessions } = await adminJson(host, '/admin/sessions');
        const byProtocol = Object.fromEntries(sessions.map((s) => [s.protocol, s]));
        for (const [protocol, did] of [['y-websocket', ANN], ['hocuspocus', BO], ['loro', CY]]) {
            const s = byProtocol[protocol];
            assert.ok(s, `a ${protocol} session in ${JSON.stringify(sessions.map((x) => x.protocol))}`);
            assert.equal(s.did, did);
            assert.ok(s.rooms.some((r) => r.id === 'notes' && r.kind === 'yjs' && r.permission === 'write'),
                `${protocol}: ${JSON.stringify(s.rooms)}`);
        }
        // Delete waits until nobody is joined.
        const busy = await adminRequest(host, 'DELETE', '/admin/documents/notes?kind=yjs');
        assert.equal(busy.status, 409);
    });

    test('awareness crosses the protocols, and each client\'s state leaves with it', async () => {
        const room = 'notes-aw';
        const { a, b, c, peer } = await threeClients(room);
        const cAware = await joinYjsAwareness(peer, room, { doc: c.doc });
        awarenesses.push(cAware.awareness);
        a.awareness.setLocalStateField('user', { name: 'ann' });
        b.awareness.setLocalStateField('user', { name: 'bo' });
        cAware.awareness.setLocalStateField('user', { name: 'cy' });
        const names = (aw) => [...aw.getStates().values()].map((s) => s.user?.name).filter(Boolean).sort();
        const all = ['ann', 'bo', 'cy'];
        await waitUntil(() => [a.awareness, b.awareness, cAware.awareness].every((aw) => names(aw).join() === all.join()),
            { timeoutMs: 10000, what: `every client to see all three states (${[a.awareness, b.awareness, cAware.awareness].map((aw) => names(aw).join('+'))})` });
        // The loro-protocol client goes away without a word (its socket closes, no removal is sent): the host
        // removes its state for the others, at once rather than after awareness's 30 s.
        await peer.close();
        loroPeers.splice(loroPeers.indexOf(peer), 1);
        assert.ok(!peer.log.frames.some((f) => f.dir === 'out' && f.msg?.crdt === '%YAW'
            && f.msg.type === 3 && hp.decodeAwareness(f.msg.updates[0]).some((e) => e.state === null)),
        'the client itself sent no removal');
        await waitUntil(() => names(a.awareness).join() === 'ann,bo' && names(b.awareness).join() === 'ann,bo',
            { timeoutMs: 5000, what: `cy's state to leave (${names(a.awareness)} / ${names(b.awareness)})` });
        // The y-websocket client leaves: Hocuspocus hears the removal.
        await yws.destroyProviders(ywsProviders);
        await waitUntil(() => names(b.awareness).join() === 'bo', { timeoutMs: 5000, what: `ann's state to leave (${names(b.awareness)})` });
    });

    test('a loro-protocol %YAW client that leaves the room takes its state along', async () => {
        const room = 'notes-leave';
        const { a, peer, c } = await threeClients(room);
        const cAware = await joinYjsAwareness(peer, room, { doc: c.doc });
        awarenesses.push(cAware.awareness);
        cAware.awareness.setLocalStateField('cursor', 7);
        await waitUntil(() => a.awareness.getStates().get(c.doc.clientID)?.cursor === 7, { what: 'the cursor to reach y-websocket' });
        await cAware.room.leave();
        await waitUntil(() => !a.awareness.getStates().has(c.doc.clientID), { timeoutMs: 5000, what: 'the state to leave with the room' });
    });

    test('a large update: fragmented for the loro-protocol client, whole for y-websocket and Hocuspocus, acked once', async () => {
        const room = 'notes-large';
        const { a, b, c, peer, docs } = await threeClients(room);
        const big = 'x'.repeat(300 * 1024); // past loro-protocol's 256 KiB message
        c.doc.getText('t').insert(0, big);
        await waitSame(docs, (d) => d.getText('t').length === big.length, 'the large update to reach everyone');
        const batches = await peer.waitAcked({ roomId: room, timeoutMs: 10000 });
        const fragmented = batches.filter((x) => x.fragmented);
        assert.equal(fragmented.length, 1, 'the client sent it as one fragment batch');
        assert.deepEqual(fragmented[0].acks.map((f) => f.msg.status), [0], 'one Ack for the batch');
        // The other way: the host fragments what it forwards to the loro-protocol client.
        const mark = peer.log.mark();
        b.document.getText('t').insert(0, 'y'.repeat(300 * 1024));
        await waitSame(docs, (d) => d.getText('t').length === 2 * big.length, 'the second large update to reach everyone');
        const inbound = peer.log.frames.slice(mark).filter((f) => f.dir === 'in' && f.msg?.roomId === room);
        assert.ok(inbound.some((f) => f.typeName === 'DocUpdateFragmentHeader'), 'the host fragmented its forward');
        assert.ok(inbound.every((f) => f.size <= 262144), 'no host message past 256 KiB');
        await hp.waitAllSynced(b, { timeoutMs: 10000 });
        assert.equal(a.doc.getText('t').length, 2 * big.length);
    });

    test('a reader is a reader on every protocol: it receives everything, its edits reach nobody', async () => {
        const room = 'notes-ro';
        const writer = yws.openProvider(host, room, { identity: ANN, doc: yws.newYDoc(111) });
        ywsProviders.push(writer);
        await yws.waitSynced(writer);
        writer.doc.getText('t').insert(0, 'owned');
        await waitUntil(async () => (await adminJson(host, '/admin/documents')).documents.some((d) => d.id === room),
            { what: 'the document to be stored' });
        const put = await adminRequest(host, 'PUT', `/admin/documents/${room}/access`,
            { body: { default: 'read', grants: [{ identity: ANN, permission: 'write' }] } });
        assert.equal(put.status, 200, put.text);

        const reader = hp.openProvider(host, room, { identity: BO, document: hp.newYDoc(222) });
        hpProviders.push(reader);
        await hp.waitSynced(reader);
        assert.equal(await hp.waitAuthenticated(reader), 'readonly');
        const peer = await connectLoro(host, { did: CY });
        loroPeers.push(peer);
        const c = await joinYjs(peer, room, { doc: yws.newYDoc(333) });
        assert.equal(c.room.permission ?? 'read', 'read');
        await withTimeout(c.adaptor.waitForReachingServerVersion(), 5000, 'the reader to reach the host\'s version');
        assert.equal(c.doc.getText('t').toString(), 'owned');
        assert.equal(reader.document.getText('t').toString(), 'owned');

        c.doc.getText('t').insert(0, 'loro-reader ');
        await peer.waitAcked({ roomId: room });
        await waitUntil(() => c.updateErrors.length === 1, { what: 'the refusal to reach the adaptor' });
        assert.equal(c.updateErrors[0].status, 3, 'permission_denied');
        reader.document.getText('t').insert(0, 'hp-reader ');
        await waitUntil(() => hp.statuses(reader.log, room).includes(false), { what: 'a SyncStatus "not applied"' });
        writer.doc.getText('t').insert(5, '!');
        await waitUntil(() => c.doc.getText('t').toString().endsWith('owned!') && reader.document.getText('t').toString().endsWith('owned!'),
            { what: 'the writer\'s edit to reach both readers' });
        assert.equal(writer.doc.getText('t').toString(), 'owned!', 'no reader\'s edit reached the writer');
    });

    test('after a restart, a late joiner of each protocol gets the whole document from the store', async () => {
        const room = 'notes-late';
        const { docs, b } = await threeClients(room);
        docs[0].getText('t').insert(0, 'a');
        docs[1].getText('t').insert(1, 'b');
        docs[2].getMap('m').set('c', [1, 2, 3]);
        await waitSame(docs, (d) => d.getText('t').length === 2 && d.getMap('m').has('c'));
        await hp.waitAllSynced(b);
        const want = content(docs[0]);
        await closeEverything();
        await host.restart();
        const later = await threeClients(room, { ids: [401, 402, 403] });
        await waitSame(later.docs, (d) => content(d) === want, 'the late joiners to hold the stored document');
    });
});
