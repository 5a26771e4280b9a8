// Access control, who may read and write a document (issue 11), with the real clients of both protocols (Leaf
// Sync1 frames over loro-crdt, loro-websocket + loro-adaptors, a raw loro-protocol client):
//   - the owner is recorded at creation (the identity of the first committed write) with the default a new
//     document gets from --document-access (none, read, write); PUT replaces owner, default and grants;
//   - an identity's access is the stronger of the default and its grant; the owner always writes;
//   - cannot read: Sync1 subscribe dropped (no answer, logged, counted access-denied), loro-protocol JoinError
//     app_error naming the reason; a reader that joined before the document existed loses it at creation;
//   - read-only: the session receives the document and its updates; what it sends is refused and not stored
//     nor forwarded (Sync1 sendUpdate and a subscribe snapshot's new blocks, loro-protocol acks
//     permission_denied, JoinResponseOk permission "read") — checked through the admin export and a fresh
//     subscriber;
//   - presence (%EPH) follows the document's read access; sessions show each room's permission.
// The dev token acts as the DID in its path, so each identity below is a did:web on the dev token.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
    exportInto, getAccess, loroAs, realLoroAs, refusalCount, setAccess, startAccessHost, sync1As, waitLogLine,
    waitRefusalAbove,
} from './lib/access.mjs';
import { listSessions } from './lib/admin.mjs';
import { appendText, closeAll, newDoc, randomEntityId, textOf } from './lib/leaf.mjs';
import {
    CrdtType, EphemeralStore, JoinErrorCode, LoroDoc, MessageType, UpdateStatusCode, closeAllLoro, roomName,
} from './lib/loro.mjs';
import { delay, waitUntil, withTimeout } from './lib/util.mjs';

const ALICE = 'did:web:alice.access.test';
const BOB = 'did:web:bob.access.test';
const CAROL = 'did:web:carol.access.test';

let nextPeer = 7_000_000n;
/** A Loro update (from nothing) inserting `text`, by a fresh peer. */
function loroUpdate(text) {
    const doc = new LoroDoc();
    doc.setPeerId(nextPeer++);
    doc.getText('text').insert(0, text);
    doc.commit();
    return doc.export({ mode: 'update' });
}

/** What a fresh subscriber (alice, on the dev token) receives of entity `id`: its text. */
async function freshText(host, id, clients) {
    const c = await sync1As(host, ALICE);
    clients.push(c);
    const doc = newDoc();
    await c.subscribe(id, doc, { variant: 'vv' });
    await c.close();
    return textOf(doc);
}

/** The text of the admin export of `id` (a Loro document). */
async function exportedText(host, id) {
    return textOf(await exportInto(host, id, new LoroDoc()));
}

/** A subscribe that must get no answer within `ms` (it was dropped). */
async function assertDropped(client, id, ms = 400) {
    const ent = client.subscribeNoWait(id, newDoc());
    await assert.rejects(withTimeout(ent.first.promise, ms, 'an answer'), /timed out/, `${id}: the subscribe was answered`);
    client.entities.delete(id);
}

describe('access: document rights (owner, default, grants)', { timeout: 180000 }, () => {
    let host; // --document-access none
    const clients = [];

    before(async () => {
        host = await startAccessHost({ documentAccess: 'none' });
    });
    after(async () => {
        await closeAll(clients);
        await host?.dispose();
    });

    test('the creator is the owner; the default comes from --document-access; others cannot read (both protocols)', async () => {
        const id = randomEntityId();
        const alice = await sync1As(host, ALICE);
        clients.push(alice);
        const da = newDoc();
        await alice.subscribe(id, da);
        appendText(da, 'alice only');
        const access = await waitUntil(async () => {
            const a = await getAccess(host, id);
            return a.owner ? a : null;
        }, { what: 'the owner to be recorded' });
        assert.equal(access.owner, ALICE);
        assert.equal(access.default, 'none');
        assert.deepEqual(access.grants, []);

        // Sync1: bob's subscribe is dropped, logged and counted.
        const before = await refusalCount(host, 'access-denied');
        const bob = await sync1As(host, BOB);
        clients.push(bob);
        await assertDropped(bob, id);
        await waitRefusalAbove(host, 'access-denied', before);
        await waitLogLine(host, (l) => l.reason === 'access-denied' && l.entity === id && l.did === BOB && l.session,
            { what: 'the dropped subscribe in the log (session, did, entity, reason)' });

        // loro-protocol: the same document under %LOR, and a room alice creates over the real client.
        const room = roomName('private');
        const ap = await realLoroAs(host, ALICE);
        clients.push(ap);
        const ja = await ap.joinLoro(room);
        ja.doc.getText('text').insert(0, 'room of alice');
        ja.doc.commit();
        await ap.waitAcked({ roomId: room });
        const raw = await loroAs(host, BOB);
        clients.push(raw);
        for (const roomId of [id, room]) {
            const answer = await raw.join({ roomId });
            assert.equal(answer.type, MessageType.JoinError, JSON.stringify(answer));
            assert.equal(answer.code, JoinErrorCode.AppError, JSON.stringify(answer));
            assert.equal(answer.appCode, 'access-denied', JSON.stringify(answer));
            assert.match(answer.message, /may not read/);
        }
        assert.equal((await getAccess(host, room)).owner, ALICE);
    });

    test('anyone who may connect creates new documents and owns them, whatever the default', async () => {
        const raw = await loroAs(host, BOB);
        clients.push(raw);
        const room = roomName('bobs');
        const ok = await raw.join({ roomId: room });
        assert.equal(ok.type, MessageType.JoinResponseOk);
        assert.equal(ok.permission, 'write', 'a document that does not exist yet is written by whoever creates it');
        const ack = await raw.update(room, [loroUpdate('mine')]);
        assert.equal(ack.status, UpdateStatusCode.Ok);
        await waitUntil(async () => (await getAccess(host, room)).owner === BOB, { what: 'bob to own his room' });
    });

    test('a grant of read: the document and its updates arrive, nothing sent is stored or forwarded (Sync1)', async () => {
        const id = randomEntityId();
        const alice = await sync1As(host, ALICE);
        clients.push(alice);
        const da = newDoc();
        await alice.subscribe(id, da);
        appendText(da, 'one');
        await waitUntil(async () => (await getAccess(host, id)).owner === ALICE, { what: 'the owner' });
        await setAccess(host, id, { owner: ALICE, default: 'none', grants: [{ identity: BOB, permission: 'read' }] });

        // Bob subscribes with a snapshot that holds changes of his own: he is answered, his blocks are not kept.
        const bob = await sync1As(host, BOB);
        clients.push(bob);
        const db = newDoc();
        appendText(db, 'bob offline ');
        const refusedBefore = await refusalCount(host, 'permission-denied');
        await bob.subscribe(id, db);
        await waitUntil(() => textOf(db).includes('one'), { what: 'bob to receive the document' });
        await waitRefusalAbove(host, 'permission-denied', refusedBefore);

        // Updates reach the reader.
        appendText(da, ' two');
        await waitUntil(() => textOf(db).includes('one two'), { what: 'alice\'s update to reach bob' });

        // What bob sends is dropped: alice receives nothing, the store holds nothing of it.
        const mark = alice.mark();
        appendText(db, ' BOB');
        await waitLogLine(host, (l) => l.reason === 'permission-denied' && l.entity === id && l.did === BOB,
            { what: 'bob\'s refused update in the log' });
        await delay(200);
        assert.equal(alice.updatesFor(id, mark).length, 0, 'bob\'s update was forwarded to alice');
        assert.equal(textOf(da), 'one two');
        assert.equal(await exportedText(host, id), 'one two', 'the admin export holds what bob sent');
        assert.equal(await freshText(host, id, clients), 'one two', 'a fresh subscriber receives what bob sent');
    });

    test('a grant of read on loro-protocol: JoinResponseOk permission "read", updates acked permission_denied', async () => {
        const room = roomName('shared');
        const ap = await realLoroAs(host, ALICE);
        clients.push(ap);
        const ja = await ap.joinLoro(room);
        ja.doc.getText('text').insert(0, 'hello');
        ja.doc.commit();
        await ap.waitAcked({ roomId: room });
        await setAccess(host, room, { owner: ALICE, default: 'none', grants: [{ identity: BOB, permission: 'read' }] });

        // The real client: it learns "read", receives alice's updates, and its own are refused.
        const bp = await realLoroAs(host, BOB);
        clients.push(bp);
        const jb = await bp.joinLoro(room);
        const ok = bp.log.messages(MessageType.JoinResponseOk, { dir: 'in', roomId: room });
        assert.equal(ok.at(-1).msg.permission, 'read');
        await withTimeout(jb.room.waitForReachingServerVersion(), 5000, 'bob to catch up');
        assert.equal(jb.doc.getText('text').toString(), 'hello');
        ja.doc.getText('text').insert(5, ' world');
        ja.doc.commit();
        await waitUntil(() => jb.doc.getText('text').toString() === 'hello world', { what: 'alice\'s update at bob' });
        jb.doc.getText('text').insert(0, 'BOB ');
        jb.doc.commit();
        await waitUntil(() => bp.updateErrors.some((e) => e.roomId === room && e.status === UpdateStatusCode.PermissionDenied),
            { what: 'the real client to hear permission_denied' });

        // The raw client, byte for byte: the ack says permission_denied.
        const raw = await loroAs(host, BOB);
        clients.push(raw);
        const join = await raw.join({ roomId: room });
        assert.equal(join.permission, 'read');
        const ack = await raw.update(room, [loroUpdate('forged')]);
        assert.equal(ack.status, UpdateStatusCode.PermissionDenied, JSON.stringify(ack));

        // The operator sees each room's permission.
        const sessions = await listSessions(host);
        const rooms = sessions.filter((s) => s.did === BOB && s.protocol === 'loro').flatMap((s) => s.rooms);
        assert.ok(rooms.some((r) => r.id === room && r.permission === 'read'), JSON.stringify(rooms));
        const writer = sessions.filter((s) => s.did === ALICE && s.protocol === 'loro').flatMap((s) => s.rooms)
            .find((r) => r.id === room);
        assert.equal(writer?.permission, 'write', JSON.stringify(sessions));

        await delay(200);
        assert.equal(ja.doc.getText('text').toString(), 'hello world', 'bob\'s edits reached alice');
        assert.equal(textOf(await exportInto(host, room, new LoroDoc(), 'loro')), 'hello world');
    });

    test('a grant of write, and a default of read or write, set by PUT', async () => {
        const room = roomName('grants');
        const ap = await loroAs(host, ALICE);
        const bp = await loroAs(host, BOB);
        const cp = await loroAs(host, CAROL);
        clients.push(ap, bp, cp);
        assert.equal((await ap.join({ roomId: room })).permission, 'write');
        assert.equal((await ap.update(room, [loroUpdate('a')])).status, UpdateStatusCode.Ok);
        await waitUntil(async () => (await getAccess(host, room)).owner === ALICE, { what: 'the owner' });

        await setAccess(host, room, { owner: ALICE, default: 'read', grants: [{ identity: BOB, permission: 'write' }] });
        const b = await bp.join({ roomId: room });
        assert.equal(b.permission, 'write', 'bob\'s grant');
        assert.equal((await bp.update(room, [loroUpdate('b')])).status, UpdateStatusCode.Ok);
        const c = await cp.join({ roomId: room });
        assert.equal(c.permission, 'read', 'carol has the default');
        assert.equal((await cp.update(room, [loroUpdate('c')])).status, UpdateStatusCode.PermissionDenied);

        // A grant weaker than the default adds nothing; the owner writes whatever the default.
        await setAccess(host, room, { owner: ALICE, default: 'write', grants: [{ identity: CAROL, permission: 'read' }] });
        assert.equal((await cp.join({ roomId: room })).permission, 'write');
        assert.equal((await cp.update(room, [loroUpdate('c2')])).status, UpdateStatusCode.Ok);
        await setAccess(host, room, { owner: ALICE, default: 'none', grants: [] });
        assert.equal((await ap.join({ roomId: room })).permission, 'write', 'the owner');
        assert.equal((await ap.update(room, [loroUpdate('a2')])).status, UpdateStatusCode.Ok);
        const again = await bp.join({ roomId: room });
        assert.equal(again.type, MessageType.JoinError, JSON.stringify(again));
        assert.equal(again.code, JoinErrorCode.AppError);
    });

    test('a reader that joined before the document existed loses it when its creator writes it', async () => {
        const id = randomEntityId();
        const bob = await sync1As(host, BOB);
        const alice = await sync1As(host, ALICE);
        clients.push(bob, alice);
        const db = newDoc();
        await bob.subscribe(id, db, { variant: 'vv' }); // allowed: whoever may connect may create it
        const da = newDoc();
        await alice.subscribe(id, da, { variant: 'vv' });
        const mark = bob.mark();
        appendText(da, 'created by alice');
        await waitUntil(async () => (await getAccess(host, id)).owner === ALICE, { what: 'alice to own it' });
        await waitLogLine(host, (l) => l.entity === id && l.did === BOB && /subscription ended/.test(l.message ?? ''),
            { what: 'bob\'s subscription to end' });
        await delay(200);
        assert.equal(bob.updatesFor(id, mark).length, 0, 'bob received the content of a document he may not read');
        assert.equal(bob.isOpen, true, 'Sync1 keeps the socket');
    });

    test('presence follows read access: a reader shows presence, someone without read cannot join it', async () => {
        const room = roomName('presence');
        const raw = await loroAs(host, ALICE);
        clients.push(raw);
        await raw.join({ roomId: room });
        assert.equal((await raw.update(room, [loroUpdate('doc')])).status, UpdateStatusCode.Ok);
        await waitUntil(async () => (await getAccess(host, room)).owner === ALICE, { what: 'the owner' });
        await setAccess(host, room, { owner: ALICE, default: 'none', grants: [{ identity: BOB, permission: 'read' }] });

        const ap = await realLoroAs(host, ALICE);
        const bp = await realLoroAs(host, BOB);
        clients.push(ap, bp);
        const ea = await ap.joinEphemeral(room, { store: new EphemeralStore(30000) });
        const eb = await bp.joinEphemeral(room, { store: new EphemeralStore(30000) });
        eb.store.set('cursor/bob', { pos: 4 });
        await waitUntil(() => ea.store.getAllStates()['cursor/bob']?.pos === 4, { what: 'bob\'s presence at alice' });
        assert.equal(bp.updateErrors.length, 0, JSON.stringify(bp.updateErrors));

        const cp = await loroAs(host, CAROL);
        clients.push(cp);
        const answer = await cp.join({ crdt: CrdtType.LoroEphemeralStore, roomId: room });
        assert.equal(answer.type, MessageType.JoinError, JSON.stringify(answer));
        assert.equal(answer.code, JoinErrorCode.AppError);
        assert.equal(answer.appCode, 'access-denied');
    });
});

describe('access: --document-access read and write for new documents', { timeout: 120000 }, () => {
    const hosts = [];
    const clients = [];
    after(async () => {
        await closeAllLoro(clients);
        for (const h of hosts) await h.dispose();
    });

    for (const [flag, otherMay] of [['read', 'read'], ['write', 'write'], [null, 'write']]) {
        test(`--document-access ${flag ?? '(unset)'}: a new document's default is ${otherMay}`, async () => {
            const host = await startAccessHost(flag ? { documentAccess: flag } : {});
            hosts.push(host);
            const room = roomName('default');
            const ap = await loroAs(host, ALICE);
            const bp = await loroAs(host, BOB);
            clients.push(ap, bp);
            await ap.join({ roomId: room });
            assert.equal((await ap.update(room, [loroUpdate('alice')])).status, UpdateStatusCode.Ok);
            const access = await waitUntil(async () => {
                const a = await getAccess(host, room);
                return a.owner ? a : null;
            }, { what: 'the owner' });
            assert.deepEqual([access.owner, access.default], [ALICE, otherMay]);
            const b = await bp.join({ roomId: room });
            assert.equal(b.permission, otherMay);
            const ack = await bp.update(room, [loroUpdate('bob')]);
            assert.equal(ack.status, otherMay === 'write' ? UpdateStatusCode.Ok : UpdateStatusCode.PermissionDenied);
        });
    }
});
