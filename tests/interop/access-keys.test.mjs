// Access keys (issue 11), for applications without AT Protocol: issued by the operator (POST /admin/keys), used
// wherever a connection token is — the second Sec-WebSocket-Protocol value of Sync1 on /sync/as/key:<name>, a
// loro-protocol join's auth on /loro/as/key:<name> — with the real clients (Leaf Sync1 frames over loro-crdt,
// loro-websocket, a raw loro-protocol client):
//   - scope: an exact document id or a prefix ending in '*'; outside it a key does nothing (Sync1 subscribe
//     dropped, loro-protocol JoinError app_error), counted key-out-of-scope;
//   - permission: read or write within the scope, whatever the document's default, grants or owner;
//   - reusable until it expires or is revoked: expiry and DELETE /admin/keys/<name> close its live sessions with
//     4403 (revocation within a second, measured) and refuse it afterwards;
//   - the path carries key:<name> as written; a malformed name is 400; a wrong value or the dev token is 403;
//   - the key's value appears nowhere but in the one answer that issued it: not in the log, the event log,
//     any error, the key list or the data directory.

import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { after, before, describe, test } from 'node:test';
import {
    admin, filesContaining, getAccess, issueKey, loroAs, realLoroAs, refusalCount, revokeKey, setAccess, startAccessHost,
    sync1As, trySync1, waitRefusalAbove,
} from './lib/access.mjs';
import { adminRequest, logEntries } from './lib/admin.mjs';
import { appendText, closeAll, newDoc, randomEntityId, textOf } from './lib/leaf.mjs';
import { JoinErrorCode, LoroDoc, MessageType, RoomErrorCode, UpdateStatusCode, roomName } from './lib/loro.mjs';
import { delay, waitUntil, withTimeout } from './lib/util.mjs';

const ALICE = 'did:web:alice.keys.test';

let nextPeer = 9_000_000n;
function loroUpdate(text) {
    const doc = new LoroDoc();
    doc.setPeerId(nextPeer++);
    doc.getText('text').insert(0, text);
    doc.commit();
    return doc.export({ mode: 'update' });
}

describe('access keys', { timeout: 180000 }, () => {
    let host; // --document-access none: whatever a key may do, it gets from its own scope and permission
    const clients = [];
    const values = [];        // every key value issued
    const issued = new Map(); // name -> value
    const answers = [];       // every error body the host sent
    const keep = (k) => { values.push(k.key); issued.set(k.name, k.key); return k; };

    before(async () => {
        host = await startAccessHost({ documentAccess: 'none' });
    });
    after(async () => {
        await closeAll(clients);
        await host?.dispose();
    });

    test('a write key within its prefix scope opens loro-protocol, writes whatever the default, owns what it creates', async () => {
        const key = keep(await issueKey(host, { name: 'app.write-1', scope: 'proj-*', permission: 'write' }));
        assert.equal(key.name, 'app.write-1');
        assert.equal(typeof key.key, 'string');
        assert.ok(key.key.length >= 20, key.key);

        // A document alice owns, with a default of none: the key's scope decides.
        const owned = `proj-${roomName('alices')}`;
        const ap = await loroAs(host, ALICE);
        clients.push(ap);
        await ap.join({ roomId: owned });
        assert.equal((await ap.update(owned, [loroUpdate('alice')])).status, UpdateStatusCode.Ok);
        await waitUntil(async () => (await getAccess(host, owned)).owner === ALICE, { what: 'alice to own it' });
        assert.equal((await getAccess(host, owned)).default, 'none');

        const raw = await loroAs(host, 'key:app.write-1', key.key);
        clients.push(raw);
        const ok = await raw.join({ roomId: owned });
        assert.equal(ok.type, MessageType.JoinResponseOk, JSON.stringify(ok));
        assert.equal(ok.permission, 'write');
        assert.equal((await raw.update(owned, [loroUpdate('by key')])).status, UpdateStatusCode.Ok);

        // A new document in scope: the key creates it and owns it.
        const fresh = `proj-${roomName('new')}`;
        await raw.join({ roomId: fresh });
        assert.equal((await raw.update(fresh, [loroUpdate('new')])).status, UpdateStatusCode.Ok);
        await waitUntil(async () => (await getAccess(host, fresh)).owner === 'key:app.write-1', { what: 'the key to own it' });

        // Outside the scope: JoinError app_error, counted.
        const before = await refusalCount(host, 'key-out-of-scope');
        const outside = await raw.join({ roomId: roomName('elsewhere') });
        assert.equal(outside.type, MessageType.JoinError, JSON.stringify(outside));
        assert.equal(outside.code, JoinErrorCode.AppError);
        assert.equal(outside.appCode, 'key-out-of-scope');
        answers.push(outside.message);
        assert.equal(await refusalCount(host, 'key-out-of-scope'), before + 1);

        // The same key again, at once, on a second connection: keys are reusable.
        const second = await loroAs(host, 'key:app.write-1', key.key);
        clients.push(second);
        assert.equal((await second.join({ roomId: owned })).type, MessageType.JoinResponseOk);
    });

    test('a read key: loro-protocol permission "read", updates acked permission_denied, even where the default is write', async () => {
        const key = keep(await issueKey(host, { name: 'app-read', scope: 'proj-*', permission: 'read' }));
        const room = `proj-${roomName('open')}`;
        const ap = await loroAs(host, ALICE);
        clients.push(ap);
        await ap.join({ roomId: room });
        assert.equal((await ap.update(room, [loroUpdate('shared text')])).status, UpdateStatusCode.Ok);
        await waitUntil(async () => (await getAccess(host, room)).owner === ALICE, { what: 'the owner' });
        await setAccess(host, room, { owner: ALICE, default: 'write', grants: [{ identity: 'key:app-read', permission: 'write' }] });

        // The real client: it receives the document, its edits are refused.
        const peer = await realLoroAs(host, 'key:app-read', key.key);
        clients.push(peer);
        const j = await peer.joinLoro(room);
        assert.equal(peer.log.messages(MessageType.JoinResponseOk, { dir: 'in', roomId: room }).at(-1).msg.permission, 'read');
        await withTimeout(j.room.waitForReachingServerVersion(), 5000, 'the reader to catch up');
        assert.equal(j.doc.getText('text').toString(), 'shared text');
        j.doc.getText('text').insert(0, 'NO ');
        j.doc.commit();
        await waitUntil(() => peer.updateErrors.some((e) => e.status === UpdateStatusCode.PermissionDenied),
            { what: 'permission_denied at the reader' });
        const raw = await loroAs(host, 'key:app-read', key.key);
        clients.push(raw);
        await raw.join({ roomId: room });
        assert.equal((await raw.update(room, [loroUpdate('forged')])).status, UpdateStatusCode.PermissionDenied);
    });

    test('Sync1 on /sync/as/key:<name>: an exact scope, read and write keys, nothing outside the scope', async () => {
        const id = randomEntityId();
        const writer = keep(await issueKey(host, { name: 'sync1-writer', scope: id, permission: 'write' }));
        const reader = keep(await issueKey(host, { name: 'sync1-reader', scope: id, permission: 'read' }));
        const w = await sync1As(host, 'key:sync1-writer', writer.key);
        const r = await sync1As(host, 'key:sync1-reader', reader.key);
        clients.push(w, r);
        assert.equal(w.protocol, 'authorization');
        const dw = newDoc();
        const dr = newDoc();
        await w.subscribe(id, dw);
        await r.subscribe(id, dr);
        appendText(dw, 'from the writer');
        await waitUntil(() => textOf(dr) === 'from the writer', { what: 'the reader to receive the write' });
        const mark = w.mark();
        const refused = await refusalCount(host, 'permission-denied');
        appendText(dr, ' READER');
        await waitRefusalAbove(host, 'permission-denied', refused);
        await delay(200);
        assert.equal(w.updatesFor(id, mark).length, 0, 'the reader\'s update was forwarded');
        const fresh = await sync1As(host, 'key:sync1-writer', writer.key);
        clients.push(fresh);
        const df = newDoc();
        await fresh.subscribe(id, df, { variant: 'vv' });
        assert.equal(textOf(df), 'from the writer', 'the reader\'s update was stored');

        // Another entity is outside an exact scope: the subscribe is dropped and counted.
        const before = await refusalCount(host, 'key-out-of-scope');
        const other = randomEntityId();
        const ent = w.subscribeNoWait(other, newDoc());
        await assert.rejects(withTimeout(ent.first.promise, 400, 'an answer'), /timed out/);
        assert.equal(await refusalCount(host, 'key-out-of-scope'), before + 1);
    });

    test('a wrong value, another key\'s value or the dev token is refused (403 InvalidToken, loro auth_failed)', async () => {
        const key = keep(await issueKey(host, { name: 'guarded', scope: '*', permission: 'write' }));
        const other = keep(await issueKey(host, { name: 'other', scope: '*', permission: 'write' }));
        for (const [what, value] of [['wrong', key.key.slice(0, -2) + 'xx'], ['another key', other.key], ['dev token', host.token]]) {
            const s = await trySync1(host, 'key:guarded', value);
            assert.equal(s.statusCode, 403, `${what}: ${s.body}`);
            assert.equal(s.json?.error, 'InvalidToken', `${what}: ${s.body}`);
            answers.push(s.body);
        }
        const raw = await loroAs(host, 'key:guarded', other.key);
        clients.push(raw);
        const answer = await raw.join({ roomId: roomName('g') });
        assert.equal(answer.type, MessageType.JoinError);
        assert.equal(answer.code, JoinErrorCode.AuthFailed);
        answers.push(answer.message);
    });

    test('the path carries key:<name> exactly: a malformed or escaped name is 400 before anything is spent', async () => {
        const key = keep(await issueKey(host, { name: 'pathy', scope: '*', permission: 'read' }));
        for (const path of ['key:', 'key:bad!name', `key:${'k'.repeat(65)}`, 'key%3Apathy', 'key:pa%74hy']) {
            const s = await trySync1(host, path, key.key);
            assert.equal(s.statusCode, 400, `${path}: ${s.body}`);
            assert.equal(s.json?.error, 'InvalidDid', `${path}: ${s.body}`);
        }
        const ok = await trySync1(host, 'key:pathy', key.key);
        assert.equal(ok.opened, true, `key:pathy: ${ok.statusCode} ${ok.body}`);
    });

    test('an expired key closes its sessions with 4403 and opens nothing more (counted key-expired)', async () => {
        const expiresAt = new Date(Date.now() + 1500).toISOString();
        const key = keep(await issueKey(host, { name: 'short-lived', scope: '*', permission: 'write', expiresAt }));
        const c = await sync1As(host, 'key:short-lived', key.key);
        clients.push(c);
        await c.subscribe(randomEntityId(), newDoc());
        const peer = await realLoroAs(host, 'key:short-lived', key.key);
        clients.push(peer);
        const room = roomName('short');
        await peer.joinLoro(room);
        const closed = await c.waitClose(6000);
        const loroClosed = await peer.log.waitClose({ timeoutMs: 6000 });
        assert.equal(closed.code, 4403, JSON.stringify(closed));
        assert.equal(loroClosed.code, 4403, JSON.stringify(loroClosed));
        assert.ok(Date.now() >= Date.parse(expiresAt) - 50, 'closed before the expiry');
        const evicted = peer.log.messages(MessageType.RoomError, { dir: 'in', roomId: room });
        assert.equal(evicted.at(-1)?.msg.code, RoomErrorCode.Evicted, peer.log.summary());

        const before = await refusalCount(host, 'key-expired');
        const s = await trySync1(host, 'key:short-lived', key.key);
        assert.equal(s.statusCode, 403, s.body);
        assert.equal(s.json?.error, 'InvalidToken');
        answers.push(s.body);
        assert.equal(await refusalCount(host, 'key-expired'), before + 1);
        const raw = await loroAs(host, 'key:short-lived', key.key);
        clients.push(raw);
        const answer = await raw.join({ roomId: room });
        assert.equal(answer.code, JoinErrorCode.AuthFailed, JSON.stringify(answer));
    });

    test('revoking a key closes its sessions with 4403 within a second and refuses it afterwards', async () => {
        const key = keep(await issueKey(host, { name: 'revoked', scope: '*', permission: 'write' }));
        const c = await sync1As(host, 'key:revoked', key.key);
        clients.push(c);
        await c.subscribe(randomEntityId(), newDoc());
        const peer = await realLoroAs(host, 'key:revoked', key.key);
        clients.push(peer);
        const room = roomName('rev');
        await peer.joinLoro(room);

        const t0 = performance.now();
        await revokeKey(host, 'revoked');
        const closed = await c.waitClose(3000);
        const loroClosed = await peer.log.waitClose({ timeoutMs: 3000 });
        const ms = Math.max(closed.at, loroClosed.t) - t0;
        console.log(`# key revocation -> both sessions closed 4403 in ${ms.toFixed(1)} ms`);
        assert.equal(closed.code, 4403);
        assert.equal(loroClosed.code, 4403);
        assert.ok(ms < 1000, `closed ${ms.toFixed(0)} ms after the revocation (the contract: within 1 s)`);
        assert.equal(peer.log.messages(MessageType.RoomError, { dir: 'in', roomId: room }).at(-1)?.msg.code, RoomErrorCode.Evicted);

        const keys = (await admin(host, 'GET', '/admin/keys')).keys;
        assert.ok(!keys.some((k) => k.name === 'revoked'), 'a revoked key leaves the list');
        const s = await trySync1(host, 'key:revoked', key.key);
        assert.equal(s.statusCode, 403, s.body);
        answers.push(s.body);
    });

    test('key values appear nowhere: not in the log, the event log, errors, the key list or the data directory', async () => {
        assert.ok(values.length >= 8, `${values.length} keys issued`);
        const list = await adminRequest(host, 'GET', '/admin/keys');
        const events = JSON.stringify(await logEntries(host));
        const stderr = host.lines.join('\n');
        for (const value of values) {
            assert.ok(!stderr.includes(value), 'a key value is in the host\'s log');
            assert.ok(!events.includes(value), 'a key value is in the event log');
            assert.ok(!list.text.includes(value), 'a key value is in GET /admin/keys');
            assert.ok(!answers.some((a) => String(a).includes(value)), 'a key value is in an error');
        }
        // On disk, after everything reached the database file (a clean stop checkpoints the WAL).
        await host.stop();
        for (const value of values) {
            assert.deepEqual(filesContaining(host.dataDir, value), [], 'a key value is in the data directory');
        }
        await host.start();
        // Only the hash was needed: after the restart the key still opens.
        const s = await trySync1(host, 'key:guarded', issued.get('guarded'));
        assert.equal(s.opened, true, `key:guarded after a restart: ${s.statusCode} ${s.body}`);
    });
});
