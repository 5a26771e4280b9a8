// The admin API and metrics with loro-protocol sessions: /admin/sessions names the protocol ("sync1" | "loro")
// and a loro session's rooms ({id, kind, permission}); /admin/documents lists every stored kind ("loro", "elo",
// "eps") with id, kind and entityId; detail (history), export and DELETE work per kind (?kind=…): a %LOR export
// imports into an empty LoroDoc, an %ELO export is the stored records, still encrypted, in a container
// loro-protocol parses (and the key holder decrypts). Revoking a session or banning its DID sends RoomError
// evicted (2) for every joined room and closes with 4403 within a second; the real client does not come back.
// Metrics: canopy_protocol_frames_total, canopy_joins_total, canopy_acks_total, canopy_fragments_total.

import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import {
    adminJson, adminRequest, assertError, metricSamples, metricSum, scrape, startAdminHost,
} from './lib/admin.mjs';
import * as blobs from './lib/blobs.mjs';
import { LeafClient, closeAll, newDoc as leafDoc, randomEntityId } from './lib/leaf.mjs';
import {
    CrdtType, JoinErrorCode, LoroDoc, MessageType, RawLoroClient, closeAllLoro, connectLoro, decodeEloContainer, eloKey, freshDid,
    noiseText, parseEloRecordHeader, protocol, roomName, sameDoc, vvOf, waitConverged,
} from './lib/loro.mjs';
import { delay, waitUntil } from './lib/util.mjs';

let host;
let peers = [];
let leafs = [];

async function peer(o = {}) {
    const p = await connectLoro(host, { did: o.did ?? freshDid('adm'), ...o });
    peers.push(p);
    return p;
}

async function raw(did = freshDid('adm-raw')) {
    const c = await RawLoroClient.connect(host, did);
    peers.push(c);
    return c;
}

function newDoc() {
    const d = new LoroDoc();
    d.setPeerId(BigInt(1 + Math.floor(Math.random() * 2 ** 40)));
    return d;
}

const docPath = (id, kind, suffix = '') => `/admin/documents/${encodeURIComponent(id)}${suffix}${kind ? `?kind=${kind}` : ''}`;

async function documentsWith(id) {
    return (await adminJson(host, '/admin/documents')).documents.filter((d) => d.id === id);
}

async function sessionOf(did) {
    return waitUntil(async () => (await adminJson(host, '/admin/sessions')).sessions.find((s) => s.did === did),
        { what: `a session for ${did}`, intervalMs: 25 });
}

describe('admin API with loro-protocol sessions', { timeout: 120000 }, () => {
    before(async () => { host = await startAdminHost(); });
    afterEach(async () => {
        await closeAllLoro(peers);
        await closeAll(leafs);
        peers = [];
        leafs = [];
    });
    after(async () => { await host?.dispose(); });

    test('/admin/sessions: "protocol" loro with "rooms" [{id, kind, permission}] for every kind; sync1 keeps "subscriptions"', async () => {
        const did = freshDid('sess');
        const a = await peer({ did });
        const roomId = roomName('sess');
        await a.joinLoro(roomId, { doc: newDoc() });
        await a.joinElo(roomId, { doc: newDoc(), key: eloKey() });
        await a.joinEphemeral(roomId);
        await a.joinPersistent(roomId);
        const leafId = randomEntityId();
        await a.joinLoro(leafId, { doc: newDoc() });
        const s = await waitUntil(async () => {
            const x = await sessionOf(did);
            return x.rooms?.length === 5 ? x : null;
        }, { what: 'five rooms in the session view' });
        assert.equal(s.protocol, 'loro');
        const rooms = [...s.rooms].sort((x, y) => `${x.kind}${x.id}`.localeCompare(`${y.kind}${y.id}`));
        assert.deepEqual(rooms, [
            { id: roomId, kind: 'elo', permission: 'write' },
            { id: roomId, kind: 'eph', permission: 'write' },
            { id: roomId, kind: 'eps', permission: 'write' },
            { id: leafId, kind: 'loro', permission: 'write' },
            { id: roomId, kind: 'loro', permission: 'write' },
        ].sort((x, y) => `${x.kind}${x.id}`.localeCompare(`${y.kind}${y.id}`)));

        const leafDid = freshDid('sync1');
        const l = await LeafClient.connect(host.wsUrl(leafDid), host.token);
        leafs.push(l);
        await l.subscribe(leafId, leafDoc());
        const ls = await sessionOf(leafDid);
        assert.equal(ls.protocol, 'sync1');
        assert.deepEqual(ls.subscriptions, [leafId]);

        // Leave updates the view.
        a.client.sendLeave(CrdtType.LoroEphemeralStore, roomId);
        await waitUntil(async () => (await sessionOf(did)).rooms.length === 4, { what: 'the left room to disappear' });
    });

    test('/admin/documents lists every stored kind with id, kind and entityId; %EPH is never listed', async () => {
        const roomId = roomName('docs');
        const a = await peer();
        const jl = await a.joinLoro(roomId, { doc: newDoc() });
        const je = await a.joinElo(roomId, { doc: newDoc(), key: eloKey() });
        const jp = await a.joinPersistent(roomId);
        const jh = await a.joinEphemeral(roomId);
        jl.doc.getText('text').insert(0, 'loro');
        jl.doc.commit();
        je.doc.getText('text').insert(0, 'elo');
        je.doc.commit();
        jp.store.set('theme', 'dark');
        jh.store.set('cursor', 1);
        const docs = await waitUntil(async () => {
            const d = await documentsWith(roomId);
            return d.length >= 3 ? d : null;
        }, { what: 'three documents for the room' });
        assert.deepEqual(docs.map((d) => d.kind).sort(), ['elo', 'eps', 'loro']);
        for (const d of docs) {
            assert.equal(d.id, roomId);
            assert.equal(d.entityId, roomId, 'entityId is kept');
            assert.ok(d.blocks >= 1, JSON.stringify(d));
        }
    });

    test('%LOR: detail with history, export that imports into an empty LoroDoc, DELETE (409 while joined)', async () => {
        const roomId = roomName('lor-doc');
        const a = await peer();
        const j = await a.joinLoro(roomId, { doc: newDoc() });
        for (let i = 0; i < 5; i++) {
            j.doc.getText('text').insert(j.doc.getText('text').length, `part ${i};`);
            j.doc.commit();
        }
        await a.waitAcked();
        for (const kind of [undefined, 'loro']) {
            const detail = await adminJson(host, docPath(roomId, kind));
            assert.equal(detail.id, roomId);
            assert.equal(detail.kind, 'loro');
            assert.ok(Array.isArray(detail.history) && detail.history.length === detail.blocks, JSON.stringify(detail));
            assert.ok(detail.history.every((h) => h.peer === j.doc.peerIdStr && h.fromDid === a.did), JSON.stringify(detail.history));
            const r = await adminRequest(host, 'GET', docPath(roomId, kind, '/export'));
            assert.equal(r.status, 200, r.text);
            const fresh = new LoroDoc();
            fresh.import(r.bytes);
            assert.ok(sameDoc(fresh, j.doc), 'the export rebuilds the document');
        }
        assertError(await adminRequest(host, 'DELETE', docPath(roomId, 'loro')), 409, 'Conflict', 'delete while joined');
        await a.close();
        await waitUntil(async () => (await documentsWith(roomId))[0]?.subscribers === 0, { what: 'no members' });
        const del = await adminRequest(host, 'DELETE', docPath(roomId, 'loro'));
        assert.equal(del.status, 200, del.text);
        assertError(await adminRequest(host, 'GET', docPath(roomId, 'loro')), 404, 'NotFound', 'detail after delete');
        const c = await raw();
        assert.deepEqual([...(await c.join({ roomId })).version], [0], 'a join after the delete finds an empty document');
    });

    test('%ELO: history of records, export is the stored records still encrypted (parsed by loro-protocol, decrypted by the key holder), DELETE', async () => {
        const roomId = roomName('elo-doc');
        const key = eloKey();
        const marker = `elo-admin-${Date.now()}`;
        const a = await peer();
        const j = await a.joinElo(roomId, { doc: newDoc(), key });
        for (let i = 0; i < 4; i++) {
            j.doc.getText('text').insert(j.doc.getText('text').length, `${marker}-${i};`);
            j.doc.commit();
        }
        await waitUntil(() => a.batches().length >= 4, { what: 'the records to go out' });
        await a.waitAcked();
        const detail = await adminJson(host, docPath(roomId, 'elo'));
        assert.equal(detail.kind, 'elo');
        assert.ok(Array.isArray(detail.history) && detail.history.length >= 1, JSON.stringify(detail));
        const r = await adminRequest(host, 'GET', docPath(roomId, 'elo', '/export'));
        assert.equal(r.status, 200, r.text);
        assert.ok(!Buffer.from(r.bytes).includes(Buffer.from(marker)), 'the export holds no plaintext');
        const records = decodeEloContainer(r.bytes);
        assert.ok(records.length >= 1);
        for (const rec of records) parseEloRecordHeader(rec);
        const rebuilt = newDoc();
        for (const rec of records) rebuilt.import((await protocol.decryptEloRecord(rec, async () => key)).plaintext);
        assert.equal(rebuilt.getText('text').toString(), j.doc.getText('text').toString(), 'the key holder rebuilds the document from the export');
        // The EloAdaptor side reads it too: handed to a joined adaptor as an update, it imports.
        const b = await peer();
        const jb = await b.joinElo(roomName('elo-reader'), { doc: newDoc(), key });
        jb.adaptor.applyUpdate([r.bytes]);
        await waitUntil(() => jb.doc.getText('text').toString() === j.doc.getText('text').toString(), { what: 'EloAdaptor to import the export' });

        await a.close();
        await waitUntil(async () => (await documentsWith(roomId)).find((d) => d.kind === 'elo')?.subscribers === 0, { what: 'no members' });
        const del = await adminRequest(host, 'DELETE', docPath(roomId, 'elo'));
        assert.equal(del.status, 200, del.text);
        assertError(await adminRequest(host, 'GET', docPath(roomId, 'elo')), 404, 'NotFound', 'detail after delete');
    });

    test('%EPS: detail, export and DELETE by kind; the same id under other kinds is untouched', async () => {
        const roomId = roomName('eps-doc');
        const a = await peer();
        const jl = await a.joinLoro(roomId, { doc: newDoc() });
        const jp = await a.joinPersistent(roomId);
        jl.doc.getText('text').insert(0, 'stays');
        jl.doc.commit();
        jp.store.set('theme', 'dark');
        await waitUntil(async () => (await documentsWith(roomId)).length === 2, { what: 'both documents' });
        await a.waitAcked();
        const detail = await adminJson(host, docPath(roomId, 'eps'));
        assert.equal(detail.kind, 'eps');
        assert.ok(Array.isArray(detail.history) && detail.history.length >= 1, JSON.stringify(detail));
        const r = await adminRequest(host, 'GET', docPath(roomId, 'eps', '/export'));
        assert.equal(r.status, 200, r.text);
        assert.ok(r.bytes.length > 0);
        await a.close();
        await waitUntil(async () => (await documentsWith(roomId)).every((d) => d.subscribers === 0), { what: 'no members' });
        const del = await adminRequest(host, 'DELETE', docPath(roomId, 'eps'));
        assert.equal(del.status, 200, del.text);
        assertError(await adminRequest(host, 'GET', docPath(roomId, 'eps')), 404, 'NotFound', 'eps after delete');
        const left = await documentsWith(roomId);
        assert.deepEqual(left.map((d) => d.kind), ['loro'], 'the %LOR document of the same id remains');
        const e = await adminRequest(host, 'GET', docPath(roomId, 'loro', '/export'));
        const fresh = new LoroDoc();
        fresh.import(e.bytes);
        assert.equal(fresh.getText('text').toString(), 'stays');
        assertError(await adminRequest(host, 'GET', docPath(roomId, 'bogus')), 400, null, 'an unknown kind');
    });

    for (const how of ['revoke', 'ban']) {
        test(`${how}: RoomError evicted (2) for every joined room, then close 4403 within 1 s; the real client stays away`, async () => {
            const did = freshDid(how);
            const rooms = [roomName(`${how}-a`), roomName(`${how}-b`)];
            const c = await raw(did);
            for (const id of rooms) await c.join({ roomId: id });
            await c.join({ crdt: CrdtType.LoroEphemeralStore, roomId: rooms[0], version: new Uint8Array(0) });
            const p = await peer({ did, reconnect: { initialDelayMs: 100, maxDelayMs: 200 } });
            const j = await p.joinLoro(rooms[0], { doc: newDoc() });
            const bystander = await peer();
            const jb = await bystander.joinLoro(rooms[0], { doc: newDoc() });
            const sessions = (await adminJson(host, '/admin/sessions')).sessions.filter((s) => s.did === did);
            assert.equal(sessions.length, 2);
            const mark = c.mark();
            const t0 = Date.now();
            let r;
            if (how === 'revoke') {
                const target = sessions.find((s) => s.rooms.length === 3);
                r = await adminRequest(host, 'POST', `/admin/sessions/${target.id}/revoke`);
                assert.equal(r.status, 200, r.text);
                // The other session of the DID is not revoked.
                const r2 = await adminRequest(host, 'POST', `/admin/sessions/${sessions.find((s) => s !== target).id}/revoke`);
                assert.equal(r2.status, 200, r2.text);
            } else {
                r = await adminRequest(host, 'POST', '/admin/bans', { body: { did } });
                assert.equal(r.status, 200, r.text);
            }
            const closed = await c.waitClose(3000);
            const took = Date.now() - t0;
            assert.equal(closed.code, 4403, `close ${JSON.stringify(closed)}`);
            assert.ok(took <= 1000, `closed ${took} ms after the ${how}`);
            const errors = c.log.inbound((f) => f.msg?.type === MessageType.RoomError, mark);
            assert.deepEqual(errors.map((f) => `${f.msg.crdt}${f.msg.roomId}:${f.msg.code}`).sort(),
                [`%EPH${rooms[0]}:2`, `%LOR${rooms[0]}:2`, `%LOR${rooms[1]}:2`].sort(), `RoomErrors: ${c.log.summary(mark)}`);
            const closeFrame = c.closeInfo;
            assert.ok(errors.every((f) => f.t <= closeFrame.t), 'the RoomErrors come before the close');

            // The real client: 4403 is fatal, the room is dropped, no reconnect.
            await p.log.waitClose({ socket: 1, timeoutMs: 3000 });
            assert.equal(p.log.closes[0].code, 4403);
            assert.equal(p.log.inbound((f) => f.msg?.type === MessageType.RoomError && f.msg.code === 2).length, 1);
            await delay(1000);
            assert.equal(p.log.sockets, 1, 'the real client did not reconnect');
            assert.equal(p.client.getStatus(), 'disconnected');
            // Others are unaffected.
            jb.doc.getText('text').insert(0, 'still here');
            jb.doc.commit();
            await bystander.waitAcked();
            assert.equal(j.doc.getText('text').toString(), '', 'the evicted client got nothing more');
            if (how === 'ban') {
                // The upgrade carries no token, so it tells nothing; the join with the DID's own credential does.
                const again = await RawLoroClient.connect(host, did);
                const refused = await again.join({ roomId: rooms[0] });
                await again.close();
                assert.equal(refused.type, MessageType.JoinError, JSON.stringify(refused));
                assert.equal(refused.code, JoinErrorCode.AuthFailed, JSON.stringify(refused));
                assert.equal(refused.message, 'this DID is banned');
                assert.equal((await adminRequest(host, 'DELETE', `/admin/bans/${did}`)).status, 200);
            }
        });
    }
});

describe('metrics for loro-protocol', { timeout: 60000 }, () => {
    before(async () => { host = await startAdminHost(); });
    afterEach(async () => {
        await closeAllLoro(peers);
        await closeAll(leafs);
        peers = [];
        leafs = [];
    });
    after(async () => { await host?.dispose(); });

    test('frames by protocol/kind/type/direction, joins by result, acks by status, fragments by direction', async () => {
        const before = await scrape(host);
        const sum = (m, name, labels) => metricSum(m, name, labels);
        const roomId = roomName('metrics');
        const a = await peer();
        const b = await peer();
        const ja = await a.joinLoro(roomId, { doc: newDoc() });
        const jb = await b.joinLoro(roomId, { doc: newDoc() });
        ja.doc.getText('text').insert(0, 'small');
        ja.doc.commit();
        ja.doc.getText('big').insert(0, noiseText(600 * 1024));
        ja.doc.commit();
        await waitConverged([ja.doc, jb.doc], { timeoutMs: 10000 });
        const small = newDoc();
        small.getText('text').insert(0, 'refused');
        small.commit();
        a.client.sendExternalUpdates(CrdtType.Loro, roomId, [blobs.flipChecksum(small.export({ mode: 'update' }))]);
        await a.waitAcked();
        const bad = await raw();
        const refused = await bad.join({ roomId, auth: new TextEncoder().encode('wrong') });
        assert.equal(refused.code, 2);
        const l = await LeafClient.connect(host.wsUrl(freshDid('m-sync1')), host.token);
        leafs.push(l);
        await l.subscribe(randomEntityId(), leafDoc());
        await delay(200);
        const m = await scrape(host);
        const delta = (name, labels) => sum(m, name, labels) - sum(before, name, labels);

        for (const name of ['canopy_protocol_frames_total', 'canopy_joins_total', 'canopy_acks_total', 'canopy_fragments_total']) {
            assert.equal(m.types.get(name), 'counter', `${name} is a counter`);
        }
        const frameSamples = metricSamples(m, 'canopy_protocol_frames_total', { protocol: 'loro', kind: 'loro' });
        assert.ok(frameSamples.every((s) => ['protocol', 'kind', 'type', 'direction'].every((k) => typeof s.labels[k] === 'string')),
            JSON.stringify(frameSamples));
        const docUpdates = (direction) => metricSamples(m, 'canopy_protocol_frames_total', { protocol: 'loro', kind: 'loro', direction })
            .filter((s) => /doc.?update/i.test(s.labels.type)).reduce((x, s) => x + s.value, 0);
        assert.ok(docUpdates('in') >= 2, `DocUpdates in: ${docUpdates('in')}`);
        assert.ok(docUpdates('out') >= 1, `DocUpdates out: ${docUpdates('out')}`);
        assert.ok(delta('canopy_protocol_frames_total', { protocol: 'sync1', direction: 'in' }) >= 1, 'sync1 frames are counted by protocol too');

        assert.ok(delta('canopy_joins_total', { protocol: 'loro', kind: 'loro', result: 'ok' }) >= 2, 'joins ok');
        const failedJoins = metricSamples(m, 'canopy_joins_total', { protocol: 'loro' }).filter((s) => s.labels.result !== 'ok');
        assert.ok(failedJoins.some((s) => /auth/.test(s.labels.result) && s.value >= 1), `a failed join by result: ${JSON.stringify(failedJoins)}`);

        assert.ok(delta('canopy_acks_total', { protocol: 'loro', kind: 'loro', status: 'ok' }) >= 2, 'acks ok');
        assert.ok(delta('canopy_acks_total', { protocol: 'loro', kind: 'loro', status: 'invalid_update' }) >= 1, 'acks invalid_update');

        assert.ok(delta('canopy_fragments_total', { protocol: 'loro', kind: 'loro', direction: 'in' }) >= 3, 'fragments in');
        assert.ok(delta('canopy_fragments_total', { protocol: 'loro', kind: 'loro', direction: 'out' }) >= 3, 'fragments out (the forward)');
        assert.deepEqual(vvOf(jb.doc), vvOf(ja.doc));
    });
});
