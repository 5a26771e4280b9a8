// y-websocket on /yjs/as/<did>/<room> with the real clients: y-websocket 3.1.0's WebsocketProvider over yjs
// 13.6 (WebSocketPolyfill: ws, the token through its `protocols` option), and a raw y-websocket client for the
// frames no provider sends:
//   - the upgrade selects "authorization" (never the token); two providers converge on text and map; a late
//     joiner gets everything in one SyncStep2; offline edits reach the others after a reconnect; a provider's
//     periodic SyncStep1 (resyncInterval) is answered every time;
//   - a fresh connection token handed through `protocols` on reconnect opens the next connection (the spent one
//     would not);
//   - awareness is relayed, echoed to its sender byte for byte (the provider's 30 s watchdog lives on it), sent
//     to a newcomer, answered to queryAwareness, and removed (same clock, state null) when a client vanishes
//     without a goodbye;
//   - a read-only session receives everything, its edits are dropped, logged and counted and it stays open; a
//     second client and the admin export show nothing of them; an access key writes; a room one may not read
//     closes with 4403 after an auth message, which the provider does not retry;
//   - an operator's revoke: an auth message, then 4403, not retried;
//   - restart and kill -9 after a write another client saw: nothing lost, and providers reconnect by themselves;
//   - bad input: malformed updates refused with a reason and nothing stored, unknown message types dropped,
//     the session stays; bad room names and DIDs are 400, a missing or invalid token 403; the host serves others.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { issueKey, setAccess, startAccessHost, waitLogLine } from './lib/access.mjs';
import { adminRequest, describe as describeResult, listDocuments, listSessions, metricSum, scrape } from './lib/admin.mjs';
import { DidServer, makeKeypair, mintAndBuy } from './lib/atproto.mjs';
import { delay, waitUntil, withTimeout } from './lib/util.mjs';
import {
    RawYClient, Y, closeRaw, contentOf, decodedFrames, destroyProviders, newYDoc, openProvider, queryAwarenessFrame,
    roomName, textUpdate, tryYjsUpgrade, updateFrame, vanish, waitConnectionClose, waitConverged, waitSynced,
} from './lib/yjs.mjs';

const ALICE = 'did:web:alice.yjs.test';
const BOB = 'did:web:bob.yjs.test';
const CAROL = 'did:web:carol.yjs.test';
const RAW = 'did:web:raw.yjs.test';

const sameBytes = (a, b) => a.length === b.length && Buffer.from(a).equals(Buffer.from(b));

/** The text of the admin export of Yjs room `room` (one merged V1 update), applied to a fresh Y.Doc. */
async function exportedText(host, room) {
    const r = await adminRequest(host, 'GET', `/admin/documents/${encodeURIComponent(room)}/export?kind=yjs`);
    assert.equal(r.status, 200, describeResult(r));
    const doc = new Y.Doc();
    Y.applyUpdate(doc, r.bytes);
    return doc.getText('t').toString();
}

/** A fresh provider's view of the room (synced, then destroyed). */
async function freshContent(host, room, identity = CAROL) {
    const p = openProvider(host, room, { identity });
    try {
        await waitSynced(p, { what: `a fresh provider of ${room} to sync` });
        return contentOf(p.doc);
    } finally {
        await destroyProviders([p]);
    }
}

describe('y-websocket: the real WebsocketProvider', { timeout: 240000 }, () => {
    let host;
    let dids;
    const providers = [];
    const raws = [];
    const provider = (room, o) => {
        const p = openProvider(host, room, o);
        providers.push(p);
        return p;
    };

    before(async () => {
        dids = await DidServer.start();
        host = await startAccessHost({ plcUrl: dids.url });
    });
    after(async () => {
        await destroyProviders(providers);
        await closeRaw(raws);
        await host?.dispose();
        await dids?.stop();
    });

    test('the upgrade selects "authorization", never the token; two providers converge on text and map', async () => {
        const room = roomName('converge');
        const a = provider(room, { identity: ALICE });
        const b = provider(room, { identity: BOB });
        await Promise.all([waitSynced(a), waitSynced(b)]);
        assert.equal(a.ws.protocol, 'authorization');
        assert.equal(b.ws.protocol, 'authorization');
        // What the host sent first: SyncStep1 with its state vector (empty: 00), as the reference server does.
        const first = decodedFrames(a.frames, 'in')[0];
        assert.equal(first.label, 'syncStep1');
        assert.deepEqual([...first.data], [0]);

        a.doc.getText('t').insert(0, 'hello ');
        b.doc.getMap('m').set('from', 'bob');
        b.doc.getText('t').insert(0, 'world');
        a.doc.getMap('m').set('n', 42);
        const content = await waitConverged([a.doc, b.doc],
            (c) => c.text.includes('hello ') && c.text.includes('world') && c.map.from === 'bob' && c.map.n === 42);
        assert.equal(content.text.length, 'hello world'.length);

        // Concurrent edits of the same key and position from both sides settle the same everywhere.
        a.doc.getMap('m').set('k', 'a');
        b.doc.getMap('m').set('k', 'b');
        a.doc.getText('t').insert(0, 'A');
        b.doc.getText('t').insert(0, 'B');
        await waitConverged([a.doc, b.doc], (c) => c.text.startsWith('AB') || c.text.startsWith('BA'));

        // The session as the operator sees it.
        const sessions = await listSessions(host);
        const mine = sessions.filter((s) => s.protocol === 'y-websocket' && (s.did === ALICE || s.did === BOB));
        assert.equal(mine.length, 2, JSON.stringify(sessions));
        for (const s of mine) assert.deepEqual(s.rooms, [{ id: room, kind: 'yjs', permission: 'write' }]);
    });

    test('a late joiner receives the whole document in one SyncStep2', async () => {
        const room = roomName('late');
        const a = provider(room, { identity: ALICE });
        await waitSynced(a);
        const text = a.doc.getText('t');
        for (let i = 0; i < 200; i++) text.insert(text.length, `line ${i}\n`);
        text.delete(0, 7); // deletions travel in the delete set
        a.doc.getArray('arr').push([1, 'two', { three: 3 }, Uint8Array.of(4)]);
        a.doc.getXmlFragment('xml').insert(0, [new Y.XmlElement('p')]);
        // Wait until the host holds it all: a raw client's SyncStep2 from nothing carries the same state.
        await waitUntil(async () => {
            const raw = await RawYClient.connect(host, room, { identity: RAW });
            try {
                const doc = new Y.Doc();
                await raw.sync(doc);
                return doc.getText('t').toString() === text.toString() && doc.getArray('arr').length === 4;
            } finally {
                await raw.close();
            }
        }, { timeoutMs: 10000, intervalMs: 100, what: 'the host to hold the writer\'s edits' });

        const late = provider(room, { identity: CAROL });
        await waitSynced(late);
        assert.equal(late.doc.getText('t').toString(), text.toString());
        assert.deepEqual(late.doc.getArray('arr').toJSON(), a.doc.getArray('arr').toJSON());
        assert.equal(late.doc.getXmlFragment('xml').toString(), '<p></p>');
        const step2s = decodedFrames(late.frames, 'in').filter((f) => f.label === 'syncStep2');
        assert.equal(step2s.length, 1, 'exactly one SyncStep2 answers the SyncStep1');
        // The answer is exactly what a fresh doc lacks: applying it alone gives the whole document.
        const alone = new Y.Doc();
        Y.applyUpdate(alone, step2s[0].data);
        assert.equal(alone.getText('t').toString(), text.toString());
    });

    test('offline edits reach the others after a reconnect', async () => {
        const room = roomName('offline');
        const a = provider(room, { identity: ALICE });
        const b = provider(room, { identity: BOB });
        await Promise.all([waitSynced(a), waitSynced(b)]);
        a.doc.getText('t').insert(0, 'shared ');
        await waitConverged([a.doc, b.doc], (c) => c.text === 'shared ');

        a.disconnect();
        await waitUntil(() => !a.wsconnected && a.ws === null, { what: 'the provider to go offline' });
        a.doc.getText('t').insert(7, 'offline-A ');
        a.doc.getMap('m').set('offline', true);
        b.doc.getText('t').insert(0, 'online-B ');
        await delay(100);
        assert.ok(!b.doc.getText('t').toString().includes('offline-A'), 'an offline edit travelled');
        a.connect();
        await waitSynced(a, { what: 'the provider to sync again' });
        const c = await waitConverged([a.doc, b.doc],
            (x) => x.text.includes('offline-A') && x.text.includes('online-B') && x.map.offline === true,
            { timeoutMs: 10000 });
        assert.equal(c.text.length, 'shared offline-A online-B '.length);
        // And the host holds it for someone who was never there.
        assert.deepEqual(await freshContent(host, room), c);
    });

    test('a provider\'s periodic SyncStep1 (resyncInterval) is answered each time', async () => {
        const room = roomName('resync');
        const a = provider(room, { identity: ALICE, resyncInterval: 200 });
        await waitSynced(a);
        await waitUntil(() => decodedFrames(a.frames, 'in').filter((f) => f.label === 'syncStep2').length >= 3,
            { timeoutMs: 5000, what: 'three SyncStep2 answers' });
    });

    test('a fresh connection token handed through protocols on reconnect opens the next connection', async () => {
        const keypair = await makeKeypair('k256');
        const did = dids.addPlc(keypair);
        const buy = async () => {
            const r = await mintAndBuy(host, { iss: did, keypair });
            assert.equal(r.status, 200, r.text);
            return r.json.token;
        };
        const room = roomName('tokens');
        const first = await buy();
        const p = provider(room, { identity: did, token: first });
        await waitSynced(p);
        const firstWs = p.ws;
        p.doc.getText('t').insert(0, 'one ');

        // The application hands the provider a fresh token; the next connection carries it.
        const second = await buy();
        p.protocols = ['authorization', second];
        firstWs.close();
        await waitUntil(() => p.ws && p.ws !== firstWs && p.synced, { timeoutMs: 10000, what: 'the reconnect with the fresh token' });
        assert.equal(p.ws.protocol, 'authorization');
        p.doc.getText('t').insert(4, 'two');
        const other = provider(room, { identity: BOB });
        await waitSynced(other);
        await waitConverged([p.doc, other.doc], (c) => c.text === 'one two');

        // The spent token opens nothing again, so without the fresh one the reconnect would have failed.
        const spent = await tryYjsUpgrade(host, `/yjs/as/${did}/${room}`, ['authorization', first]);
        assert.equal(spent.statusCode, 403, spent.body);
        assert.equal(spent.json?.error, 'TokenUsed');
        const stale = provider(room, { identity: did, token: await buy() });
        await waitSynced(stale);
        const staleWs = stale.ws;
        const mark = host.logs.length;
        staleWs.close();
        await waitLogLine(host, (l) => l.did === did && l.reason === 'TokenUsed', { since: mark, timeoutMs: 5000,
            what: 'the reconnect with the spent token refused' });
        assert.ok(!stale.synced, 'a spent token opened a connection');
        stale.shouldConnect = false;
    });

    test('awareness: relayed, echoed to its sender, told to newcomers, answered to queryAwareness, removed when a client vanishes', async () => {
        const room = roomName('awareness');
        const a = provider(room, { identity: ALICE });
        const b = provider(room, { identity: BOB });
        await Promise.all([waitSynced(a), waitSynced(b)]);

        const sentAt = a.frames.length;
        a.awareness.setLocalStateField('user', { name: 'Alice', color: '#ee6352' });
        await waitUntil(() => b.awareness.getStates().get(a.doc.clientID)?.user?.name === 'Alice',
            { what: 'bob to see alice\'s state' });
        // The echo: the very frame alice sent comes back to her.
        const sent = a.frames.slice(sentAt).find((f) => f.dir === 'out' && f.bytes[0] === 1
            && decodedFrames([f])[0].entries.some((e) => e.state?.user?.name === 'Alice'));
        assert.ok(sent, 'alice sent her awareness');
        await waitUntil(() => a.frames.some((f) => f.dir === 'in' && f.t >= sent.t && sameBytes(f.bytes, sent.bytes)),
            { what: 'alice\'s awareness echoed back to her' });
        b.awareness.setLocalStateField('user', { name: 'Bob' });
        await waitUntil(() => a.awareness.getStates().get(b.doc.clientID)?.user?.name === 'Bob',
            { what: 'alice to see bob\'s state' });

        // A newcomer hears every state right after the SyncStep1, and again when it asks.
        const raw = await RawYClient.connect(host, room, { identity: RAW });
        raws.push(raw);
        const hasBoth = (f) => f.label === 'awareness'
            && f.entries.some((e) => e.client === a.doc.clientID && e.state?.user?.name === 'Alice')
            && f.entries.some((e) => e.client === b.doc.clientID && e.state?.user?.name === 'Bob');
        await raw.waitFrame(hasBoth, { what: 'the room\'s awareness states on connect' });
        assert.equal(raw.frames[0].label, 'syncStep1');
        const asked = raw.frames.length;
        raw.send(queryAwarenessFrame());
        await raw.waitFrame(hasBoth, { from: asked, what: 'the answer to queryAwareness' });

        // Alice vanishes without a goodbye: the host removes her state (her clock, state null) for the others,
        // long before their own 30 s timeout would.
        const clock = b.awareness.meta.get(a.doc.clientID).clock;
        const before = b.frames.length;
        vanish(a);
        const removal = await waitUntil(() => decodedFrames(b.frames.slice(before), 'in').find((f) => f.label === 'awareness'
            && f.entries.some((e) => e.client === a.doc.clientID && e.state === null)), { timeoutMs: 10000, what: 'alice\'s removal' });
        const entry = removal.entries.find((e) => e.client === a.doc.clientID);
        assert.equal(entry.clock, clock, 'the removal keeps the clock');
        await waitUntil(() => !b.awareness.getStates().has(a.doc.clientID), { what: 'bob to drop alice' });
        await raw.waitFrame((f) => f.label === 'awareness' && f.entries.some((e) => e.client === a.doc.clientID && e.state === null),
            { what: 'the raw client to hear alice leave' });
        // Alice's provider had relayed bob's state back (providers send every change they hear): that made
        // bob's state no state of hers, so it stays.
        assert.ok(decodedFrames(a.frames, 'out').some((f) => f.label === 'awareness'
            && f.entries.some((e) => e.client === b.doc.clientID)), 'alice never relayed bob\'s state');
        const after = raw.frames.length;
        raw.send(queryAwarenessFrame());
        const left = await raw.waitFrame((f) => f.label === 'awareness', { from: after, what: 'the states after alice left' });
        assert.deepEqual(left.entries.map((e) => [e.client, e.state?.user?.name]), [[b.doc.clientID, 'Bob']]);
        assert.equal(b.awareness.getStates().get(b.doc.clientID)?.user?.name, 'Bob');

        // A queryAwareness in a room nobody shows presence in is answered with no states.
        const empty = await RawYClient.connect(host, roomName('no-presence'), { identity: RAW });
        raws.push(empty);
        await empty.waitFrame((f) => f.label === 'syncStep1');
        empty.send(queryAwarenessFrame());
        const none = await empty.waitFrame((f) => f.label === 'awareness', { what: 'an empty awareness answer' });
        assert.deepEqual(none.entries, []);
    });

    test('a read-only session receives everything; its edits are dropped, logged and counted, and it stays open', async () => {
        const room = roomName('readonly');
        await setAccess(host, room, { owner: ALICE, default: 'read' });
        const alice = provider(room, { identity: ALICE });
        await waitSynced(alice);
        alice.doc.getText('t').insert(0, 'by alice ');
        const bob = provider(room, { identity: BOB });
        await waitSynced(bob);
        await waitConverged([alice.doc, bob.doc], (c) => c.text === 'by alice ');
        const refusedBefore = metricSum(await scrape(host), 'canopy_updates_refused_total',
            { protocol: 'y-websocket', kind: 'yjs', reason: 'permission-denied' });

        const mark = host.logs.length;
        bob.doc.getText('t').insert(0, 'by bob ');
        bob.doc.getMap('m').set('bob', true);
        await waitLogLine(host, (l) => l.did === BOB && l.entity === room && l.reason === 'permission-denied' && l.session,
            { since: mark, what: 'the refusal of bob\'s edit' });
        await waitUntil(async () => metricSum(await scrape(host), 'canopy_updates_refused_total',
            { protocol: 'y-websocket', kind: 'yjs', reason: 'permission-denied' }) >= refusedBefore + 2,
        { what: 'bob\'s two edits counted' });

        // Still open, still receiving.
        alice.doc.getText('t').insert(9, 'and more');
        await waitUntil(() => bob.doc.getText('t').toString().includes('and more'), { what: 'bob to receive alice\'s edit' });
        assert.ok(bob.wsconnected, 'the read-only session was closed');
        const sessions = await listSessions(host);
        const bobs = sessions.find((s) => s.did === BOB && s.protocol === 'y-websocket' && s.rooms?.[0]?.id === room);
        assert.deepEqual(bobs?.rooms, [{ id: room, kind: 'yjs', permission: 'read' }], JSON.stringify(sessions));

        // Nothing of bob's was stored or forwarded: alice, a fresh reader and the export say so.
        await delay(200);
        assert.equal(alice.doc.getText('t').toString(), 'by alice and more');
        assert.equal(alice.doc.getMap('m').get('bob'), undefined);
        const fresh = await freshContent(host, room);
        assert.equal(fresh.text, 'by alice and more');
        assert.deepEqual(fresh.map, {});
        assert.equal(await exportedText(host, room), 'by alice and more');
        // A reader's reconnect (its SyncStep2 carrying its own edit again) stays refused too.
        const again = host.logs.length;
        bob.ws.close();
        await waitSynced(bob, { timeoutMs: 10000, what: 'bob to reconnect' }).catch(() => {});
        await waitLogLine(host, (l) => l.did === BOB && l.entity === room && l.reason === 'permission-denied', { since: again,
            timeoutMs: 10000, what: 'the refusal of bob\'s SyncStep2 after the reconnect' });
        assert.equal((await freshContent(host, room)).text, 'by alice and more');
    });

    test('an access key writes as key:<name>; a room one may not read closes with 4403 after an auth message', async () => {
        const room = roomName('keys');
        await setAccess(host, room, { owner: ALICE, default: 'none' });
        const key = await issueKey(host, { name: `yjs-${process.pid}`, scope: room, permission: 'write' });
        const writer = provider(room, { identity: `key:${key.name}`, token: key.key });
        await waitSynced(writer);
        writer.doc.getText('t').insert(0, 'by key');
        const alice = provider(room, { identity: ALICE });
        await waitSynced(alice);
        await waitConverged([writer.doc, alice.doc], (c) => c.text === 'by key');

        // Bob may not read the room: he hears why and the provider gives up (4400-4499 are not retried).
        const bob = provider(room, { identity: BOB, connect: false });
        const closed = withTimeout(new Promise((resolve) => bob.once('closed', resolve)), 5000, 'the provider to stop');
        const warn = console.warn; // the provider prints the auth message: expected here
        const warned = [];
        console.warn = (...args) => warned.push(args.join(' '));
        bob.connect();
        const event = await closed.finally(() => { console.warn = warn; });
        assert.ok(warned.some((w) => /Permission denied to access/.test(w)), `the provider did not read the auth message: ${warned}`);
        assert.equal(event.code, 4403);
        const frames = decodedFrames(bob.frames, 'in');
        assert.ok(frames.some((f) => f.label === 'auth' && f.authType === 0 && /may not read/.test(f.reason)),
            JSON.stringify(frames.map((f) => f.label)));
        assert.ok(!frames.some((f) => f.label === 'syncStep1' || f.label === 'syncStep2'), 'the reader heard the document');
        assert.equal(bob.doc.getText('t').toString(), '');
        await delay(600);
        assert.equal(bob.ws, null, 'the provider reconnected after 4403');
    });

    test('a revoked session hears why and closes with 4403, which the provider does not retry', async () => {
        const room = roomName('revoke');
        const p = provider(room, { identity: CAROL });
        await waitSynced(p);
        const session = (await listSessions(host)).find((s) => s.did === CAROL && s.protocol === 'y-websocket'
            && s.rooms?.[0]?.id === room);
        assert.ok(session, 'the session is listed');
        const closed = withTimeout(new Promise((resolve) => p.once('closed', resolve)), 5000, 'the provider to stop');
        const warn = console.warn; // the provider prints the auth message: expected here
        console.warn = () => {};
        const event = await (async () => {
            const r = await adminRequest(host, 'POST', `/admin/sessions/${session.id}/revoke`);
            assert.equal(r.status, 200, describeResult(r));
            return closed;
        })().finally(() => { console.warn = warn; });
        assert.equal(event.code, 4403);
        assert.ok(decodedFrames(p.frames, 'in').some((f) => f.label === 'auth' && f.authType === 0), 'no auth message');
        await delay(600);
        assert.equal(p.ws, null, 'the provider reconnected after a revoke');
    });

    test('bad input: malformed updates and unknown messages are refused, the session stays, nothing is stored', async () => {
        const room = roomName('badinput');
        const raw = await RawYClient.connect(host, room, { identity: RAW });
        raws.push(raw);
        await raw.waitFrame((f) => f.label === 'syncStep1');
        const good = textUpdate('hello', 11); // 01 01 0b 00 04 01 01 74 05 68656c6c6f 00
        assert.equal(good[4], 0x04, 'the first struct\'s info byte (a String item)');
        const unknownContent = Uint8Array.from(good);
        unknownContent[4] = 0x1f; // content ref 31: no such content
        const bad = {
            truncated: good.subarray(0, good.length - 3),
            'unknown content': unknownContent,
            'overlong varint': Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 0x00),
            'struct count past the end': Uint8Array.of(0x01, 0x7f, 0x0b, 0x00, 0x04, 0x01, 0x01, 0x74, 0x01, 0x61, 0x00),
            'trailing bytes': Uint8Array.from([...good, 0x05, 0x05]),
            garbage: Uint8Array.from({ length: 64 }, (_, i) => (i * 37 + 11) & 0xff),
        };
        const metricsBefore = await scrape(host);
        const refusedBefore = metricSum(metricsBefore, 'canopy_updates_refused_total', { protocol: 'y-websocket', kind: 'yjs' });
        for (const [what, update] of Object.entries(bad)) {
            const mark = host.logs.length;
            raw.send(updateFrame(update));
            const line = await waitLogLine(host, (l) => l.did === RAW && l.entity === room && l.reason && l.session,
                { since: mark, what: `the refusal of the ${what} update` });
            assert.ok(line.reason.length > 0 && line.message.length > 0, JSON.stringify(line));
        }
        // Unknown message types and broken frames are dropped by name.
        for (const [frame, reason] of [[Uint8Array.of(4, 0), 'unknown-message-type'], [Uint8Array.of(0, 3, 0), 'unknown-sync-step'],
            [Uint8Array.of(0, 2, 0x20, 1), 'truncated'], [Uint8Array.of(3, 3), 'trailing-bytes'], [new Uint8Array(0), 'empty-frame']]) {
            const mark = host.logs.length;
            raw.send(frame);
            await waitLogLine(host, (l) => l.did === RAW && l.reason === reason, { since: mark, what: `the drop of a ${reason} frame` });
        }
        assert.ok(raw.open, 'the session was closed');
        const metricsAfter = await scrape(host);
        assert.ok(metricSum(metricsAfter, 'canopy_updates_refused_total', { protocol: 'y-websocket', kind: 'yjs' })
            >= refusedBefore + Object.keys(bad).length, 'the refusals were not counted');
        assert.ok(metricSum(metricsAfter, 'canopy_bad_frames_total', { reason: 'unknown-message-type' }) >= 1);

        // The session still serves, and nothing of the bad updates was stored.
        const doc = new Y.Doc();
        await raw.sync(doc);
        assert.equal(doc.getText('t').toString(), '');
        assert.ok(!(await listDocuments(host)).some((d) => d.kind === 'yjs' && d.id === room), 'a document was stored');
        // A good update on the same session is taken.
        raw.send(updateFrame(good));
        const p = provider(room, { identity: ALICE });
        await waitSynced(p);
        await waitUntil(() => p.doc.getText('t').toString() === 'hello', { what: 'the good update' });
    });

    test('upgrade refusals: room names, DIDs and tokens; the host keeps serving', async () => {
        const room = roomName('upgrade');
        const serving = provider(room, { identity: ALICE });
        await waitSynced(serving);
        const token = host.token;
        const refused = async (path, protocols, status, error, what) => {
            const r = await tryYjsUpgrade(host, path, protocols);
            assert.equal(r.statusCode, status, `${what}: ${r.statusCode} ${r.body ?? r.error?.message}`);
            assert.equal(r.json?.error, error, `${what}: ${r.body}`);
            assert.ok(r.json?.message?.length > 0, `${what}: no message`);
            assert.ok(!r.body.includes(token), `${what}: the answer holds the token`);
            return r;
        };
        const auth = ['authorization', token];
        await refused(`/yjs/as/${ALICE}/`, auth, 400, 'InvalidRoom', 'an empty room');
        await refused(`/yjs/as/${ALICE}`, auth, 400, 'InvalidRoom', 'no room at all');
        await refused(`/yjs/as/${ALICE}/${'r'.repeat(257)}`, auth, 400, 'InvalidRoom', 'a 257-byte room');
        await refused(`/yjs/as/${ALICE}/${'%C3%A9'.repeat(128)}r`, auth, 400, 'InvalidRoom', 'a room of 257 bytes of UTF-8');
        await refused(`/yjs/as/${ALICE}/%FF%FE`, auth, 400, 'InvalidRoom', 'a room that is not UTF-8');
        await refused(`/yjs/as/${ALICE}/a%00b`, auth, 400, 'InvalidRoom', 'a room with a NUL');
        await refused(`/yjs/as/not-a-did/${room}`, auth, 400, 'InvalidDid', 'no DID');
        await refused(`/yjs/as/did:web:a%0Ab.test/${room}`, auth, 400, 'InvalidDid', 'a DID with a newline');
        await refused(`/yjs/as/${ALICE}/${room}`, undefined, 403, 'MissingToken', 'no subprotocols');
        await refused(`/yjs/as/${ALICE}/${room}`, ['authorization'], 403, 'MissingToken', 'no token');
        await refused(`/yjs/as/${ALICE}/${room}`, ['authorization', 'not-the-token'], 403, 'InvalidToken', 'a wrong token');
        await refused(`/yjs/as/key:nokey/${room}`, ['authorization', 'x'.repeat(40)], 403, 'InvalidToken', 'an unknown key');

        // The longest room, percent-encoded, and one with spaces and UTF-8 as the provider's URL writes it.
        const longest = await tryYjsUpgrade(host, `/yjs/as/${ALICE}/${'%72'.repeat(256)}`, auth);
        assert.ok(longest.opened, longest.body);
        assert.equal(longest.protocol, 'authorization');
        const spaced = provider('café notes/2024', { identity: BOB });
        await waitSynced(spaced);
        spaced.doc.getText('t').insert(0, 'x');
        await waitUntil(async () => (await listDocuments(host)).some((d) => d.kind === 'yjs' && d.id === 'café notes/2024'),
            { what: 'the room under its decoded name' });

        // A provider with a wrong token never syncs and costs the others nothing.
        const wrong = provider(room, { identity: BOB, token: 'wrong-token' });
        await delay(700);
        assert.ok(!wrong.synced);
        wrong.shouldConnect = false;
        serving.doc.getText('t').insert(0, 'still serving');
        const other = provider(room, { identity: CAROL });
        await waitSynced(other);
        await waitConverged([serving.doc, other.doc], (c) => c.text === 'still serving');
    });

    test('metrics count y-websocket frames in and out by type and kind', async () => {
        const room = roomName('metrics');
        const a = provider(room, { identity: ALICE });
        const b = provider(room, { identity: BOB });
        await Promise.all([waitSynced(a), waitSynced(b)]);
        a.doc.getText('t').insert(0, 'counted');
        a.awareness.setLocalStateField('user', { name: 'A' });
        await waitUntil(() => b.doc.getText('t').toString() === 'counted' && b.awareness.getStates().has(a.doc.clientID));
        const m = await scrape(host);
        const frames = (type, kind, direction) => metricSum(m, 'canopy_protocol_frames_total', { protocol: 'y-websocket', type, kind, direction });
        for (const [type, kind, direction] of [['syncStep1', 'yjs', 'in'], ['syncStep1', 'yjs', 'out'], ['syncStep2', 'yjs', 'in'],
            ['syncStep2', 'yjs', 'out'], ['update', 'yjs', 'in'], ['update', 'yjs', 'out'], ['awareness', 'yaw', 'in'],
            ['awareness', 'yaw', 'out']]) {
            assert.ok(frames(type, kind, direction) >= 1, `no ${direction} ${type} frame counted for ${kind}`);
        }
        assert.ok(metricSum(m, 'canopy_joins_total', { protocol: 'y-websocket', kind: 'yjs', result: 'ok' }) >= 2);
    });
});

describe('y-websocket: restart and kill -9 after a write another client saw', { timeout: 180000 }, () => {
    let host;
    const providers = [];
    before(async () => {
        host = await startAccessHost();
    });
    after(async () => {
        await destroyProviders(providers);
        await host?.dispose();
    });

    for (const how of ['kill -9', 'SIGTERM']) {
        test(`${how}: nothing a second client saw is lost, and a connected provider comes back by itself`, async () => {
            const room = roomName(how === 'kill -9' ? 'kill9' : 'restart');
            const writer = openProvider(host, room, { identity: ALICE });
            const seer = openProvider(host, room, { identity: BOB });
            const stays = openProvider(host, room, { identity: CAROL }); // kept connected through it all
            providers.push(writer, seer, stays);
            await Promise.all([waitSynced(writer), waitSynced(seer), waitSynced(stays)]);
            const text = writer.doc.getText('t');
            for (let i = 0; i < 20; i++) text.insert(text.length, `${i},`);
            writer.doc.getMap('m').set('last', 19);
            await waitConverged([writer.doc, seer.doc], (c) => c.map.last === 19);
            // The writer and the witness go away before the host does: nobody may bring the edits back but it.
            writer.shouldConnect = false;
            seer.shouldConnect = false;
            if (how === 'kill -9') await host.kill9();
            else await host.stop();
            writer.ws?.terminate();
            seer.ws?.terminate();
            await host.start();

            const fresh = await freshContent(host, room, 'did:web:fresh.yjs.test');
            assert.equal(fresh.text, text.toString());
            assert.equal(fresh.map.last, 19);
            // The provider that stayed reconnects (backoff of at most 2.5 s) and writes again.
            await waitUntil(() => stays.synced && stays.wsconnected, { timeoutMs: 15000, what: 'the provider to reconnect' });
            stays.doc.getText('t').insert(0, 'after ');
            await waitUntil(async () => (await freshContent(host, room, 'did:web:fresh.yjs.test')).text.startsWith('after '),
                { timeoutMs: 10000, intervalMs: 100, what: 'the edit after the restart' });
        });
    }
});
