// Sync1 semantics with real Leaf-like clients (loro-crdt): convergence, subscribe answers (exactly one,
// holding only what the client lacks), snapshot-carried edits, the versionVector variant, no duplicates,
// no echo, unsubscribe, many entities per socket.

import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import { startHost } from './lib/host.mjs';
import {
    LeafClient, LoroDoc, appendText, closeAll, decode, decodeImportBlobMeta, newDoc, randomEntityId, textOf, vvObject,
} from './lib/leaf.mjs';
import { blobMode } from './lib/blobs.mjs';
import { randomBytes } from 'node:crypto';
import { delay, waitUntil } from './lib/util.mjs';

const QUIET_MS = 500;

let host;
let clients = [];

async function connect(o) {
    const c = await LeafClient.connect(host.wsUrl(), host.token, o);
    clients.push(c);
    return c;
}

function sameState(a, b) {
    return JSON.stringify(a.toJSON()) === JSON.stringify(b.toJSON())
        && JSON.stringify(vvObject(a.version())) === JSON.stringify(vvObject(b.version()));
}

async function waitSame(a, b, what = 'documents to converge', timeoutMs = 5000) {
    await waitUntil(() => sameState(a, b), { timeoutMs, what });
}

function assertNoImportErrors(...cs) {
    for (const c of cs) {
        for (const ent of c.entities.values()) {
            assert.deepEqual(ent.importErrors.map(String), [], `import errors on ${ent.entityId}`);
        }
    }
}

/** Random, hardly compressible text of `n` characters. */
function noise(n) {
    return randomBytes(Math.ceil(n * 0.75)).toString('base64').slice(0, n);
}

describe('sync', { timeout: 180000 }, () => {
    before(async () => { host = await startHost(); });
    afterEach(async () => {
        await closeAll(clients);
        clients = [];
    });
    after(async () => { await host?.dispose(); });

    test('two editors converge (edits both ways, then concurrent edits)', { timeout: 30000 }, async () => {
        const id = randomEntityId();
        const a = await connect();
        const b = await connect();
        const da = newDoc();
        const db = newDoc();
        await a.subscribe(id, da);
        await b.subscribe(id, db);

        appendText(da, 'hello');
        await waitUntil(() => textOf(db) === 'hello', { what: 'b to see "hello"' });
        appendText(db, ' world');
        await waitUntil(() => textOf(da) === 'hello world', { what: 'a to see " world"' });

        for (let i = 0; i < 20; i++) {
            appendText(da, `[a${i}]`);
            db.getMap('meta').set(`b${i}`, i);
            db.commit();
            appendText(db, `[b${i}]`);
            if (i % 5 === 0) await delay(5);
        }
        await waitSame(da, db, 'both docs to be equal after concurrent edits', 10000);
        const text = textOf(da);
        for (let i = 0; i < 20; i++) {
            assert.ok(text.includes(`[a${i}]`) && text.includes(`[b${i}]`), `missing edit ${i} in ${text}`);
        }
        assert.equal(Object.keys(da.getMap('meta').toJSON()).length, 20);
        assertNoImportErrors(a, b);
    });

    test("a late joiner's first handleUpdate already holds the whole document", { timeout: 30000 }, async () => {
        const id = randomEntityId();
        const a = await connect();
        const o = await connect();
        const da = newDoc();
        const dobs = newDoc();
        await a.subscribe(id, da);
        await o.subscribe(id, dobs);
        for (let i = 0; i < 30; i++) {
            appendText(da, `line ${i}\n`);
            da.getMap('meta').set(`k${i}`, { n: i, s: `v${i}` });
            da.getList('list').push(i);
            da.commit();
        }
        await waitSame(da, dobs, 'the observer to hold every edit (so the host has them)');

        const c = await connect();
        const first = await c.subscribe(id, newDoc());
        const fresh = new LoroDoc();
        fresh.import(first.msg.update);
        assert.deepEqual(fresh.toJSON(), da.toJSON());
        assert.deepEqual(vvObject(fresh.version()), vvObject(da.version()));
        await delay(QUIET_MS);
        assert.equal(c.updatesFor(id).length, 1, 'exactly one handleUpdate per subscribe');
        assertNoImportErrors(a, o, c);
    });

    test('a subscriber that lacks one change gets a small answer holding that change', { timeout: 30000 }, async () => {
        const id = randomEntityId();
        // History built locally and pushed once in the subscribe snapshot.
        const da = newDoc();
        for (let i = 0; i < 100; i++) appendText(da, noise(500));
        const fullSize = da.export({ mode: 'update' }).length;
        assert.ok(fullSize > 40000, `history too small: ${fullSize}`);

        const a = await connect();
        await a.subscribe(id, da);
        const o = await connect();
        const dobs = newDoc();
        await o.subscribe(id, dobs);
        await waitSame(da, dobs, 'the observer to load the history');

        // b loads everything, then goes away.
        const b = await connect();
        const db = newDoc();
        await b.subscribe(id, db);
        await waitSame(da, db, 'b to load the history');
        await b.close();

        // One small change while b is away.
        da.getText('text').insert(0, 'Z');
        da.commit();
        await waitSame(da, dobs, 'the observer to receive the small change');
        const peer = da.peerIdStr;
        const want = vvObject(da.version())[peer];

        const b2 = await connect();
        const first = await b2.subscribe(id, db);
        const size = first.msg.update.length;
        assert.ok(size < 1024 && size < fullSize / 20,
            `answer of ${size} bytes for one missing change (full history ${fullSize} bytes)`);
        assert.equal(blobMode(first.msg.update), 4, 'answer must be a mode-4 update');
        const meta = decodeImportBlobMeta(first.msg.update, false);
        assert.equal(vvObject(meta.partialEndVersionVector)[peer], want, 'the answer must hold the missing change');
        assert.ok(sameState(db, da), 'after importing the answer b equals a');
        assert.equal(textOf(db)[0], 'Z');
        await delay(QUIET_MS);
        assert.equal(b2.updatesFor(id).length, 1, 'exactly one handleUpdate per subscribe');
        assertNoImportErrors(a, o, b2);
    });

    test('edits carried in a subscribe snapshot reach the other subscribers (and are not echoed)', { timeout: 30000 }, async () => {
        const id = randomEntityId();
        const a = await connect();
        const da = newDoc();
        await a.subscribe(id, da);
        appendText(da, 'from a; ');
        const c = await connect();
        const dc = newDoc();
        await c.subscribe(id, dc);
        await waitSame(da, dc, 'c to see a');

        // b edited offline, then subscribes: its edits travel in the snapshot.
        const db = newDoc();
        appendText(db, 'offline edit from b');
        db.getMap('meta').set('author', 'b');
        db.commit();
        const markA = a.mark();
        const markC = c.mark();
        const b = await connect();
        const first = await b.subscribe(id, db);
        assert.ok(first.msg.update.length > 22, 'b lacks a\'s edits, the answer must carry them');

        await waitUntil(() => textOf(da).includes('offline edit from b') && da.getMap('meta').get('author') === 'b',
            { what: 'a to receive b\'s snapshot-carried edits' });
        await waitUntil(() => sameState(dc, da), { what: 'c to receive b\'s snapshot-carried edits' });
        await waitSame(da, db, 'a and b to converge');
        await delay(QUIET_MS);
        assert.equal(a.updatesFor(id, markA).length, 1, 'a gets b\'s new blocks as ONE handleUpdate');
        assert.equal(c.updatesFor(id, markC).length, 1, 'c gets b\'s new blocks as ONE handleUpdate');
        assert.equal(b.updatesFor(id).length, 1, 'b gets only its answer (no echo of its own blocks)');

        // Stored, too: a fresh subscriber gets them.
        const d = await connect();
        const dd = newDoc();
        await d.subscribe(id, dd);
        assert.ok(sameState(dd, da), 'a fresh subscriber gets everything, b\'s offline edits included');
        assertNoImportErrors(a, b, c, d);
    });

    test('versionVector-variant subscribe gets exactly one answer with what the client lacks', { timeout: 30000 }, async () => {
        const id = randomEntityId();
        const a = await connect();
        const da = newDoc();
        await a.subscribe(id, da);
        for (let i = 0; i < 10; i++) appendText(da, noise(2000));
        const half = da.export({ mode: 'snapshot' });
        for (let i = 0; i < 3; i++) appendText(da, `tail ${i};`);
        const o = await connect();
        const dobs = newDoc();
        await o.subscribe(id, dobs);
        await waitSame(da, dobs, 'the observer to hold everything');

        // A client holding the first part only.
        const c = await connect();
        const dc = newDoc();
        dc.import(half);
        const first = await c.subscribe(id, dc, { variant: 'vv' });
        assert.ok(sameState(dc, da), 'the vv answer completes the client');
        assert.ok(first.msg.update.length < half.length / 4,
            `answer ${first.msg.update.length} bytes should hold only the tail (client had ${half.length} bytes)`);

        // An empty client: the answer holds everything.
        const e = await connect();
        const de = newDoc();
        const firstE = await e.subscribe(id, de, { variant: 'vv' });
        const fresh = new LoroDoc();
        fresh.import(firstE.msg.update);
        assert.deepEqual(fresh.toJSON(), da.toJSON());

        await delay(QUIET_MS);
        assert.equal(c.updatesFor(id).length, 1, 'exactly one answer to a vv subscribe');
        assert.equal(e.updatesFor(id).length, 1, 'exactly one answer to a vv subscribe');
        assertNoImportErrors(a, o, c, e);
    });

    test('duplicates are not forwarded (same update again, a snapshot of known data, from anyone)', { timeout: 30000 }, async () => {
        const id = randomEntityId();
        const a = await connect();
        const b = await connect();
        const c = await connect();
        const da = newDoc();
        const db = newDoc();
        const dc = newDoc();
        await a.subscribe(id, da);
        await b.subscribe(id, db);
        await c.subscribe(id, dc);

        appendText(da, 'once');
        await waitSame(da, db, 'b to receive the update');
        await waitSame(da, dc, 'c to receive the update');
        const sentFrame = a.sent.filter((s) => s.type === 'sendUpdate').at(-1);
        assert.ok(sentFrame, 'a sent its update');
        const { update } = decode(sentFrame.bytes);

        const markB = b.mark();
        const markC = c.mark();
        const markA = a.mark();
        a.sendRaw(sentFrame.bytes);                       // the same frame again, from the author
        c.sendUpdate(id, update);                         // the same update, from someone who got it
        b.sendUpdate(id, da.export({ mode: 'update' }));  // everything, all known already
        await delay(QUIET_MS);
        assert.equal(b.updatesFor(id, markB).length, 0, 'b must receive nothing for duplicates');
        assert.equal(c.updatesFor(id, markC).length, 0, 'c must receive nothing for duplicates');
        assert.equal(a.updatesFor(id, markA).length, 0, 'a must receive nothing for duplicates');

        // The sessions are fine and new data still flows.
        appendText(da, ' and new');
        await waitSame(da, db, 'b to receive the new update');
        await waitSame(da, dc, 'c to receive the new update');
        assert.equal(textOf(db), 'once and new');
        assertNoImportErrors(a, b, c);
    });

    test('no echo: the sender does not get its own update back', { timeout: 30000 }, async () => {
        const id = randomEntityId();
        const a = await connect();
        const b = await connect();
        const da = newDoc();
        const db = newDoc();
        await a.subscribe(id, da);
        await b.subscribe(id, db);
        const markA = a.mark();
        for (let i = 0; i < 5; i++) appendText(da, `x${i}`);
        await waitSame(da, db, 'b to receive a\'s updates');
        await delay(QUIET_MS);
        assert.equal(a.updatesFor(id, markA).length, 0, 'the sender must not receive its own updates');
        assertNoImportErrors(a, b);
    });

    test('unsubscribe stops delivery (and the session stays usable)', { timeout: 30000 }, async () => {
        const id = randomEntityId();
        const a = await connect();
        const b = await connect();
        const c = await connect();
        const da = newDoc();
        const db = newDoc();
        const dc = newDoc();
        await a.subscribe(id, da);
        await b.subscribe(id, db);
        await c.subscribe(id, dc);
        appendText(da, 'before;');
        await waitSame(da, db);
        await waitSame(da, dc);

        b.unsubscribe(id);
        await delay(100);
        const markB = b.mark();
        appendText(da, 'after;');
        await waitSame(da, dc, 'c (still subscribed) to receive the update');
        await delay(QUIET_MS);
        assert.equal(b.framesSince(markB, (f) => f.msg?.entityId === id).length, 0,
            'b unsubscribed and must receive nothing for the entity');

        // Subscribing again: one answer holding what b missed.
        const first = await b.subscribe(id, db);
        assert.ok(first.msg.update.length > 22);
        assert.ok(sameState(db, da));
        assertNoImportErrors(a, b, c);
    });

    test('many entities on one socket', { timeout: 30000 }, async () => {
        const N = 25;
        const ids = Array.from({ length: N }, () => randomEntityId());
        const w = await connect();
        const r = await connect();
        const wdocs = ids.map(() => newDoc());
        await Promise.all(ids.map((id, i) => w.subscribe(id, wdocs[i])));
        const rdocs = ids.map(() => newDoc());
        await Promise.all(ids.map((id, i) => r.subscribe(id, rdocs[i])));
        for (let round = 0; round < 3; round++) {
            ids.forEach((id, i) => appendText(wdocs[i], `entity ${i} round ${round};`));
        }
        await waitUntil(() => ids.every((_, i) => sameState(wdocs[i], rdocs[i])),
            { timeoutMs: 10000, what: 'every entity to converge on the reader' });
        ids.forEach((id, i) => {
            assert.equal(textOf(rdocs[i]), `entity ${i} round 0;entity ${i} round 1;entity ${i} round 2;`);
        });
        for (const f of r.frames) assert.ok(ids.includes(f.msg?.entityId), 'every frame names one of the entities');
        assertNoImportErrors(w, r);
    });

    test('exactly one handleUpdate per subscribe, in every situation', { timeout: 30000 }, async () => {
        const c = await connect();
        const a = await connect();

        // 1. New entity, empty client (snapshot / vv): the client lacks nothing -> the 22-byte empty update.
        const newSnap = randomEntityId();
        const newVv = randomEntityId();
        const f1 = await c.subscribe(newSnap, newDoc());
        const f2 = await c.subscribe(newVv, newDoc(), { variant: 'vv' });
        assert.equal(f1.msg.update.length, 22, 'empty update for a new entity (snapshot variant)');
        assert.equal(f2.msg.update.length, 22, 'empty update for a new entity (vv variant)');
        assert.equal(blobMode(f1.msg.update), 4);

        // 2. New entity, client brings data: the host lacks, the client lacks nothing -> 22 bytes.
        const brought = randomEntityId();
        const dBrought = newDoc();
        appendText(dBrought, 'brought along');
        const f3 = await c.subscribe(brought, dBrought);
        assert.equal(f3.msg.update.length, 22, 'the client lacks nothing');

        // 3. Existing entity, client already has everything (snapshot / vv) -> 22 bytes.
        const known = randomEntityId();
        const dKnownA = newDoc();
        appendText(dKnownA, 'known content');
        await a.subscribe(known, dKnownA);
        const dKnown1 = new LoroDoc();
        dKnown1.import(dKnownA.export({ mode: 'snapshot' }));
        const dKnown2 = new LoroDoc();
        dKnown2.import(dKnownA.export({ mode: 'snapshot' }));
        const c2 = await connect();
        const f4 = await c2.subscribe(known, dKnown1);
        const c3 = await connect();
        const f5 = await c3.subscribe(known, dKnown2, { variant: 'vv' });
        assert.equal(f4.msg.update.length, 22, 'up-to-date client (snapshot variant)');
        assert.equal(f5.msg.update.length, 22, 'up-to-date client (vv variant)');

        // 4. Both sides lack something.
        const both = randomEntityId();
        const dBothA = newDoc();
        appendText(dBothA, 'host side;');
        await a.subscribe(both, dBothA);
        const dBothC = newDoc();
        appendText(dBothC, 'client side;');
        const f6 = await c.subscribe(both, dBothC);
        assert.ok(f6.msg.update.length > 22);
        assert.ok(textOf(dBothC).includes('host side;') && textOf(dBothC).includes('client side;'));

        // 5. Pipelined: many subscribes sent back to back on one socket.
        const many = Array.from({ length: 10 }, () => randomEntityId());
        await Promise.all(many.map((id) => c.subscribe(id, newDoc())));

        await delay(QUIET_MS);
        for (const id of [newSnap, newVv, brought, both, ...many]) {
            assert.equal(c.updatesFor(id).length, 1, `exactly one handleUpdate for ${id}`);
        }
        assert.equal(c2.updatesFor(known).length, 1);
        assert.equal(c3.updatesFor(known).length, 1);
        assert.equal(a.updatesFor(known).length, 1, 'a subscribed first and nobody added anything');
        assertNoImportErrors(a, c, c2, c3);
    });
});
