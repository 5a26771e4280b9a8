// The Hocuspocus room (/hocuspocus/as/<identity>) with the REAL @hocuspocus/provider 4.8.0 and yjs 13.6:
// documents multiplexed by name on one HocuspocusProviderWebsocket, each authenticating with its Auth
// message's token (a connection token for the path's DID, the dev token, or an access key's value for
// key:<name>); Authenticated "read-write" / "readonly" or PermissionDenied (a later Auth on the same
// socket is a fresh attempt); every SyncStep1 answered with SyncStep1 then SyncStep2; exactly one
// SyncStatus per SyncStep2 and Update, in order, `08 01` only once committed (kill -9 right after the
// provider's unsyncedChanges reached 0 loses nothing); awareness relayed, echoed to its sender, all states
// for a new session, removed when a session ends (CLOSE, socket close); Stateless relayed to the document's
// other sessions; the v4 Ping for 4.x providers; and bad input of every kind (raw frames), which never
// stops the host serving the others.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, afterEach, before, describe, test } from 'node:test';
import { adminRequest, listDocuments, listSessions, metricSum, scrape, startAdminHost } from './lib/admin.mjs';
import { DidServer, SecretTracker, makeKeypair, mintAndBuy } from './lib/atproto.mjs';
import {
    RawHocuspocusClient, TYPE, Y, authFrame, awarenessFrame, closeAll, closeFrame, countedOut, docName, encodeAwareness,
    freshDid, newYDoc, openProvider, openSocket, queryAwarenessFrame, rawKeyedFrame, statelessFrame, statuses,
    syncFrame, syncStep1Frame, syncStep2Frame, updateFrame, vanish, waitAllSynced, waitAuthFailed, waitAuthenticated,
    waitConverged, waitProvider, waitSynced,
} from './lib/hocuspocus.mjs';
import { delay, waitUntil, withTimeout } from './lib/util.mjs';

let open = [];
const track = (...xs) => { open.push(...xs); return xs[0]; };

async function cleanup() {
    await closeAll(open);
    open = [];
}

/** `n` V1 updates a fresh Y.Doc (client `clientID`) makes, one per insert of `text`'s characters. */
function updatesOf(clientID, text, field = 't') {
    const doc = newYDoc(clientID);
    const out = [];
    doc.on('update', (u) => out.push(u));
    for (let i = 0; i < text.length; i++) doc.getText(field).insert(i, text[i]);
    return { doc, updates: out };
}

/** A fresh provider's view of a document: its text once synced. */
async function textSeenByNewcomer(host, name, o = {}) {
    const p = track(openProvider(host, name, { identity: freshDid('reader'), ...o }));
    await waitSynced(p);
    const text = p.document.getText('t').toString();
    await closeAll([p]);
    open = open.filter((x) => x !== p);
    return text;
}

/** The inbound frames of `key`, labels only, from index `since`. */
const labels = (log, key, since = 0) => log.inbound((f) => f.key === key, since).map((f) => f.label);

describe('hocuspocus: the real provider', { timeout: 240000 }, () => {
    let host;
    before(async () => { host = await startAdminHost(); });
    afterEach(cleanup);
    after(async () => { await host?.dispose(); });

    test('two providers converge; Authenticated read-write, SyncStep1 then SyncStep2, one SyncStatus per SyncStep2 and Update', async () => {
        const name = docName('pair');
        const a = track(openProvider(host, name, { identity: freshDid('a') }));
        const b = track(openProvider(host, name, { identity: freshDid('b') }));
        await Promise.all([waitSynced(a), waitSynced(b)]);
        assert.deepEqual(a.events.authenticated, ['read-write']);
        for (let i = 0; i < 20; i++) a.document.getText('t').insert(i, 'a');
        b.document.getMap('m').set('from-b', 42);
        await waitConverged([a.document, b.document], (t) => t.length === 20);
        await waitUntil(() => a.document.getMap('m').get('from-b') === 42, { what: 'the map entry at a' });
        b.document.getText('t').insert(0, 'B');
        await waitConverged([a.document, b.document], (t) => t.startsWith('B') && t.length === 21);
        await Promise.all([waitAllSynced(a), waitAllSynced(b)]);

        for (const p of [a, b]) {
            const inbound = labels(p.log, name);
            assert.equal(inbound[0], 'authenticated', `the first answer is Authenticated: ${inbound.join(' ')}`);
            // Each SyncStep1 of the host is followed by its SyncStep2 (the first sync frame after it).
            const syncs = p.log.inbound((f) => f.key === name && f.type === TYPE.sync);
            syncs.forEach((f, i) => {
                if (f.label === 'syncStep1') assert.equal(syncs[i + 1]?.label, 'syncStep2', `SyncStep2 follows SyncStep1: ${inbound.join(' ')}`);
            });
            const acks = statuses(p.log, name);
            assert.equal(acks.length, countedOut(p.log, name), `one SyncStatus per SyncStep2 and Update: ${p.log.summary()}`);
            assert.ok(acks.every(Boolean), 'all applied');
            // Updates are not echoed to their sender.
            const sentUpdates = new Set(p.log.outbound((f) => f.key === name && f.label === 'update').map((f) => Buffer.from(f.data).toString('hex')));
            const echoed = p.log.inbound((f) => f.key === name && f.label === 'update').filter((f) => sentUpdates.has(Buffer.from(f.data).toString('hex')));
            assert.deepEqual(echoed, [], 'no update comes back to its sender');
        }
        const session = (await listSessions(host)).find((s) => s.did === a.socket.identity);
        assert.equal(session?.protocol, 'hocuspocus', JSON.stringify(session));
    });

    test('several documents on one HocuspocusProviderWebsocket: one connection, each document its own Auth and sync, no cross-talk', async () => {
        const identity = freshDid('multi');
        const socket = track(openSocket(host, identity));
        const other = track(openSocket(host, freshDid('other')));
        const names = [docName('m1'), docName('m2'), docName('m3')];
        const mine = names.map((n) => track(openProvider(host, n, { socket })));
        const theirs = names.map((n) => track(openProvider(host, n, { socket: other })));
        await Promise.all([...mine, ...theirs].map((p) => waitSynced(p)));
        mine.forEach((p, i) => p.document.getText('t').insert(0, `doc${i}`));
        theirs[2].document.getText('t').insert(0, 'x');
        for (let i = 0; i < 3; i++) {
            const want = i === 2 ? (t) => t.length === 5 : (t) => t === `doc${i}`;
            await waitConverged([mine[i].document, theirs[i].document], want, { what: `document ${i}` });
        }
        await Promise.all([...mine, ...theirs].map((p) => waitAllSynced(p)));
        assert.equal(socket.log.sockets, 1, 'one WebSocket carries the three documents');
        for (const n of names) {
            assert.equal(socket.log.outbound((f) => f.key === n && f.label === 'token').length, 1, `one Auth for ${n}`);
            assert.deepEqual(labels(socket.log, n).slice(0, 1), ['authenticated'], `${n} answered under its own name`);
        }
        const session = await waitUntil(async () => {
            const s = (await listSessions(host)).find((x) => x.did === identity);
            return s && s.rooms?.length === 3 ? s : null;
        }, { what: 'the session to list its three documents' });
        assert.equal(session.protocol, 'hocuspocus');
        assert.deepEqual(session.rooms.map((r) => r.id).sort(), [...names].sort());
        assert.ok(session.rooms.every((r) => r.kind === 'yjs' && r.permission === 'write'), JSON.stringify(session.rooms));

        // Detaching one document (CLOSE) keeps the socket and the others.
        const since = socket.log.mark();
        mine[0].detach();
        await socket.log.waitFor((f, fr) => fr.dir === 'in' && f.key === names[0] && f.type === TYPE.close, { since });
        assert.equal(socket.log.inbound((f) => f.type === TYPE.close, since)[0].text, 'provider_initiated');
        mine[1].document.getText('t').insert(0, '+');
        await waitConverged([mine[1].document, theirs[1].document], (t) => t === '+doc1');
        assert.equal(socket.log.sockets, 1);
    });

    test('a late joiner receives the whole document; the document is listed as kind yjs', async () => {
        const name = docName('late');
        const a = track(openProvider(host, name, { identity: freshDid('early') }));
        await waitSynced(a);
        const text = a.document.getText('t');
        for (let i = 0; i < 200; i++) text.insert(text.length, String.fromCharCode(97 + (i % 26)));
        text.delete(10, 30);
        a.document.getMap('m').set('k', { nested: [1, 2, 3] });
        await waitAllSynced(a);
        const expected = text.toString();
        await closeAll([a]);
        const c = track(openProvider(host, name, { identity: freshDid('late') }));
        await waitSynced(c);
        assert.equal(c.document.getText('t').toString(), expected);
        assert.deepEqual(c.document.getMap('m').toJSON(), { k: { nested: [1, 2, 3] } });
        const doc = (await listDocuments(host)).find((d) => d.kind === 'yjs' && d.id === name);
        assert.ok(doc, `document ${name} of kind yjs in /admin/documents`);
    });

    test('offline edits reach the host after a reconnect; the Auth is sent again on the new socket', async () => {
        const name = docName('offline');
        const a = track(openProvider(host, name, { identity: freshDid('off') }));
        const b = track(openProvider(host, name, { identity: freshDid('on') }));
        await Promise.all([waitSynced(a), waitSynced(b)]);
        a.document.getText('t').insert(0, 'base');
        await waitConverged([a.document, b.document], (t) => t === 'base');

        a.socket.disconnect();
        await a.log.waitClose({ socket: 1 });
        a.document.getText('t').insert(4, '-offline');
        b.document.getText('t').insert(0, 'online-');
        await waitUntil(() => b.document.getText('t').toString() === 'online-base');
        await delay(200);
        assert.equal(b.document.getText('t').toString(), 'online-base', 'the offline edit stayed offline');

        a.socket.connect();
        await waitConverged([a.document, b.document], (t) => t === 'online-base-offline', { timeoutMs: 10000 });
        await Promise.all([waitAllSynced(a), waitAllSynced(b)]);
        assert.equal(a.log.outbound((f, fr) => fr.socket === 2 && f.label === 'token').length, 1, 'Auth again on socket 2');
        assert.equal(await textSeenByNewcomer(host, name), 'online-base-offline');
    });

    test('stateless messages reach the document\'s other sessions only', async () => {
        const name = docName('stateless');
        const a = track(openProvider(host, name, { identity: freshDid('sa') }));
        const b = track(openProvider(host, name, { identity: freshDid('sb') }));
        const c = track(openProvider(host, name, { socket: b.socket, sessionAwareness: true }));
        const elsewhere = track(openProvider(host, docName('elsewhere'), { identity: freshDid('sc') }));
        await Promise.all([a, b, c, elsewhere].map((p) => waitSynced(p)));
        a.sendStateless('hi from a');
        b.sendStateless(JSON.stringify({ cursor: 7, ü: '€' }));
        await waitProvider(b, (p) => p.events.stateless.includes('hi from a'), { what: 'b to receive the stateless' });
        await waitProvider(c, (p) => p.events.stateless.includes('hi from a'), { what: 'c to receive the stateless' });
        await waitProvider(a, (p) => p.events.stateless.length === 1, { what: 'a to receive b\'s stateless' });
        await waitProvider(c, (p) => p.events.stateless.length === 2, { what: 'c to receive b\'s stateless too' });
        await delay(300);
        assert.deepEqual(a.events.stateless, [JSON.stringify({ cursor: 7, ü: '€' })], 'a does not hear itself');
        assert.deepEqual(b.events.stateless, ['hi from a'], 'b does not hear itself');
        assert.deepEqual(elsewhere.events.stateless, [], 'another document hears nothing');
    });

    test('session-aware keys: two providers of one document on one socket, each answered under its whole key', async () => {
        const name = docName('sessions');
        const socket = track(openSocket(host, freshDid('sess')));
        const p1 = track(openProvider(host, name, { socket, sessionAwareness: true }));
        const p2 = track(openProvider(host, name, { socket, sessionAwareness: true }));
        const q = track(openProvider(host, name, { identity: freshDid('plain') }));
        await Promise.all([p1, p2, q].map((p) => waitSynced(p)));
        const keys = [p1.effectiveName, p2.effectiveName];
        assert.ok(keys.every((k) => k.startsWith(`${name}\0`)) && keys[0] !== keys[1], JSON.stringify(keys));
        for (const k of keys) assert.deepEqual(labels(socket.log, k).slice(0, 1), ['authenticated']);
        p1.document.getText('t').insert(0, 'one ');
        await waitConverged([p1.document, p2.document, q.document], (t) => t === 'one ');
        q.document.getText('t').insert(4, 'three');
        p2.document.getText('t').insert(0, 'two ');
        await waitConverged([p1.document, p2.document, q.document], (t) => t.length === 13 && t.includes('three') && t.includes('two '));
        await Promise.all([p1, p2, q].map((p) => waitAllSynced(p)));
        // The host answers under whole keys only: nothing for the plain name reached this socket.
        assert.deepEqual(socket.log.inbound((f) => f.key === name), []);
    });
});

describe('hocuspocus: awareness', { timeout: 120000 }, () => {
    let host;
    before(async () => { host = await startAdminHost(); });
    afterEach(cleanup);
    after(async () => { await host?.dispose(); });

    /** A provider of `name` whose awareness shows { user }. */
    function withState(name, user, o = {}) {
        const p = track(openProvider(host, name, { identity: freshDid(user), ...o }));
        p.awareness.setLocalStateField('user', user);
        return p;
    }
    const knows = (p, user) => [...p.awareness.getStates().values()].some((s) => s?.user === user);
    const removalOf = (log, client, since = 0) => log.inbound((f) => f.type === TYPE.awareness
        && f.awareness?.some((e) => e.client === client && e.state === null), since);

    test('states are relayed and echoed to their sender; a new session gets all states right after Authenticated', async () => {
        const name = docName('aw');
        const a = withState(name, 'ann');
        const b = withState(name, 'bob');
        await Promise.all([waitSynced(a), waitSynced(b)]);
        await waitProvider(a, (p) => knows(p, 'bob'), { what: 'a to see bob' });
        await waitProvider(b, (p) => knows(p, 'ann'), { what: 'b to see ann' });
        const echo = a.log.inbound((f) => f.type === TYPE.awareness && f.awareness.some((e) => e.client === a.document.clientID && e.state?.user === 'ann'));
        assert.ok(echo.length >= 1, `a's own state came back to it: ${a.log.summary()}`);

        const c = withState(name, 'cy');
        await waitSynced(c);
        await waitProvider(c, (p) => knows(p, 'ann') && knows(p, 'bob'), { what: 'c to see ann and bob' });
        // H6.1: Authenticated, then every current state (one update), then the answer to the SyncStep1.
        const inbound = c.log.inbound((f) => f.key === name);
        assert.equal(inbound[0].label, 'authenticated', c.log.summary());
        assert.equal(inbound[1].type, TYPE.awareness, c.log.summary());
        assert.deepEqual(inbound[1].awareness.map((e) => e.state?.user).filter((u) => u !== 'cy').sort(), ['ann', 'bob']);
        const step1 = inbound.findIndex((f) => f.label === 'syncStep1');
        assert.ok(step1 > 1, `the states came before the SyncStep1 answer: ${c.log.summary()}`);
    });

    test('removal: the provider\'s destroy, a CLOSE without a goodbye, and a socket that vanishes', async () => {
        const name = docName('gone');
        const watcher = withState(name, 'watch');
        const a = withState(name, 'leaver');
        const sharedSocket = track(openSocket(host, freshDid('shared')));
        const d = withState(name, 'detacher', { socket: sharedSocket });
        const keep = track(openProvider(host, docName('keep'), { socket: sharedSocket }));
        const v = withState(name, 'vanisher');
        await Promise.all([watcher, a, d, keep, v].map((p) => waitSynced(p)));
        await waitProvider(watcher, (p) => ['leaver', 'detacher', 'vanisher'].every((u) => knows(p, u)), { what: 'the watcher to see all' });

        // destroy(): the provider sends its own null, then CLOSE.
        a.destroy();
        await waitProvider(watcher, (p) => !knows(p, 'leaver'), { what: 'leaver removed' });

        // detach() on a shared socket: CLOSE only; the host removes the session's client (clock unchanged).
        let since = watcher.log.mark();
        const detachedClient = d.document.clientID;
        const clock = d.awareness.meta.get(detachedClient).clock;
        d.configuration.websocketProvider.detach(d);
        const removal = await watcher.log.waitFor((f, fr) => fr.dir === 'in' && f.type === TYPE.awareness
            && f.awareness?.some((e) => e.client === detachedClient && e.state === null), { since, timeoutMs: 10000, what: 'the detacher\'s removal' });
        assert.equal(removal.f.awareness.find((e) => e.client === detachedClient).clock, clock, 'same clock, state null');
        await waitProvider(watcher, (p) => !knows(p, 'detacher'));
        assert.equal(sharedSocket.log.inbound((f) => f.type === TYPE.close && f.text === 'provider_initiated').length, 1);
        await waitSynced(keep);

        // A socket that vanishes (no CLOSE, no goodbye): the host removes its clients, well before the 30 s expiry.
        since = watcher.log.mark();
        const vanished = v.document.clientID;
        vanish(v.socket);
        await watcher.log.waitFor((f, fr) => fr.dir === 'in' && f.type === TYPE.awareness
            && f.awareness?.some((e) => e.client === vanished && e.state === null), { since, timeoutMs: 10000, what: 'the vanished socket\'s removal' });
        await waitProvider(watcher, (p) => !knows(p, 'vanisher'));
        assert.ok(removalOf(watcher.log, vanished).length >= 1);
    });

    test('QueryAwareness is answered with every state (and with an empty update when there is none)', async () => {
        const name = docName('query');
        const a = withState(name, 'queried');
        await waitSynced(a);
        const raw = track(await RawHocuspocusClient.connect(host, freshDid('raw')));
        assert.equal((await raw.auth(name, host.token)).label, 'authenticated');
        let since = raw.log.mark();
        raw.send(queryAwarenessFrame(name));
        const answer = await raw.waitFrame((f) => f.type === TYPE.awareness && f.awareness.some((e) => e.state?.user === 'queried'), { since });
        assert.equal(answer.key, name);
        const empty = docName('empty');
        assert.equal((await raw.auth(empty, host.token)).label, 'authenticated');
        since = raw.log.mark();
        raw.send(queryAwarenessFrame(empty));
        const none = await raw.waitFrame((f) => f.key === empty && f.type === TYPE.awareness, { since });
        assert.deepEqual(none.awareness, []);
    });
});

describe('hocuspocus: tokens', { timeout: 120000 }, () => {
    const secrets = new SecretTracker();
    let dids;
    let host;
    let id;

    before(async () => {
        dids = await DidServer.start();
        const k = await makeKeypair('k256');
        id = { did: dids.addPlc(k), keypair: k };
        host = await startAdminHost({ did: 'did:web:svc.hocuspocus.test', extraArgs: ['--plc-url', dids.url, '--allow-loopback-did-web'] });
        secrets.add(host.token);
        secrets.add(host.adminToken);
    });
    afterEach(cleanup);
    after(async () => {
        // No token or JWT reaches the log.
        assert.deepEqual(secrets.leaks(host?.lines.join('\n') ?? ''), []);
        await host?.dispose();
        await dids?.stop();
    });

    async function buy() {
        const r = await mintAndBuy(host, { iss: id.did, keypair: id.keypair, secrets });
        assert.equal(r.status, 200, `token purchase: HTTP ${r.status} ${r.text}`);
        return r.json.token;
    }

    test('a token bought with a real service JWT; the token function is called again on every reconnect, each fresh token works', async () => {
        const bought = [];
        const token = async () => { const t = await buy(); bought.push(t); return t; };
        const name = docName('jwt');
        const a = track(openProvider(host, name, { identity: id.did, token }));
        await waitSynced(a);
        assert.deepEqual(a.events.authenticated, ['read-write']);
        a.document.getText('t').insert(0, 'first');
        await waitAllSynced(a);

        a.socket.disconnect();
        await a.log.waitClose({ socket: 1 });
        a.document.getText('t').insert(5, ' second');
        a.socket.connect();
        await waitProvider(a, (p) => p.events.authenticated.length === 2, { timeoutMs: 10000, what: 'Authenticated on the new socket' });
        await waitAllSynced(a);
        assert.equal(bought.length, 2, 'the token function ran once per socket');
        const sent = a.log.outbound((f) => f.label === 'token').map((f) => f.token);
        assert.deepEqual(sent, bought, 'each socket sent its own fresh token');
        assert.equal(await textSeenByNewcomer(host, name), 'first second');
        const tokenSessions = (await listSessions(host)).filter((s) => s.did === id.did && s.protocol === 'hocuspocus');
        assert.ok(tokenSessions.length >= 1);
    });

    test('a connection token is single-use: the same token again on reconnect is refused (authenticationFailed saying so)', async () => {
        const once = await buy();
        const name = docName('spent');
        const a = track(openProvider(host, name, { identity: id.did, token: once }));
        await waitSynced(a);
        a.socket.disconnect();
        await a.log.waitClose({ socket: 1 });
        a.socket.connect();
        const reason = await waitAuthFailed(a, { timeoutMs: 10000 });
        assert.match(reason, /already used/, reason);
    });

    test('a bad token gets authenticationFailed; a good one afterwards works on the same socket, and what waited is acked', async () => {
        const name = docName('retry');
        const a = track(openProvider(host, name, { identity: id.did, token: 'not-a-token' }));
        const reason = await waitAuthFailed(a);
        assert.match(reason, /not valid/, reason);
        assert.deepEqual(a.events.authenticated, []);
        a.document.getText('t').insert(0, 'after denial');
        await delay(200);
        a.configuration.token = await buy();
        await a.sendToken();
        a.startSync();
        assert.equal(await waitAuthenticated(a), 'read-write');
        await waitAllSynced(a);
        assert.equal(a.log.sockets, 1, 'the same socket');
        assert.equal(await textSeenByNewcomer(host, name), 'after denial');
        const refusals = metricSum(await scrape(host), 'canopy_refusals_total', { reason: 'auth-InvalidToken' });
        assert.ok(refusals >= 1, `auth-InvalidToken counted (${refusals})`);
    });

    test('the dev token, an empty token, an access key as key:<name>, and a key\'s wrong value', async () => {
        const name = docName('keys');
        const empty = track(openProvider(host, name, { identity: freshDid('null'), token: null }));
        assert.match(await waitAuthFailed(empty), /holds no token/);
        const r = await adminRequest(host, 'POST', '/admin/keys', { body: { name: 'hp-writer', scope: '*', permission: 'write' } });
        assert.equal(r.status, 201, r.text);
        const keyed = track(openProvider(host, name, { identity: 'key:hp-writer', token: r.json.key }));
        assert.equal(await waitAuthenticated(keyed), 'read-write');
        keyed.document.getText('t').insert(0, 'by key');
        await waitAllSynced(keyed);
        const wrong = track(openProvider(host, name, { identity: 'key:hp-writer', token: `${r.json.key}x` }));
        assert.match(await waitAuthFailed(wrong), /access key is not valid/);
        const dev = track(openProvider(host, name, { identity: freshDid('dev'), token: host.token }));
        await waitSynced(dev);
        assert.equal(dev.document.getText('t').toString(), 'by key');
    });
    test('an access key revoked while in use: every document hears CLOSE, then the socket closes with 4403; the key opens nothing after', async () => {
        const r = await adminRequest(host, 'POST', '/admin/keys', { body: { name: 'hp-revoked', scope: '*', permission: 'write' } });
        assert.equal(r.status, 201, r.text);
        const socket = track(openSocket(host, 'key:hp-revoked'));
        const names = [docName('rev1'), docName('rev2')];
        const providers = names.map((n) => track(openProvider(host, n, { socket, token: r.json.key })));
        await Promise.all(providers.map((p) => waitSynced(p)));
        const revoked = await adminRequest(host, 'DELETE', '/admin/keys/hp-revoked');
        assert.equal(revoked.status, 200, revoked.text);
        const closed = await socket.log.waitClose({ socket: 1 });
        assert.equal(closed.code, 4403, `${closed.code} ${closed.reason}`);
        for (const n of names) {
            const close = socket.log.inbound((f, fr) => fr.socket === 1 && f.key === n && f.type === TYPE.close);
            assert.equal(close.length, 1, `CLOSE for ${n} before the socket closed`);
            assert.match(close[0].text, /evicted/);
        }
        // The provider reconnects (4403 does not stop it) and is refused.
        const reason = await waitAuthFailed(providers[0], { timeoutMs: 10000 });
        assert.match(reason, /access key is not valid/);
    });
});

describe('hocuspocus: read-only scope', { timeout: 120000 }, () => {
    let host;
    before(async () => { host = await startAdminHost({ extraArgs: ['--document-access', 'read'] }); });
    afterEach(cleanup);
    after(async () => { await host?.dispose(); });

    test('a reader is Authenticated readonly, receives everything, its edits get 08 00 and are not stored; a reader with nothing new ends at unsyncedChanges 0', async () => {
        const name = docName('ro');
        const writer = track(openProvider(host, name, { identity: freshDid('owner') }));
        await waitSynced(writer);
        writer.document.getText('t').insert(0, 'owXYZned');
        writer.document.getText('t').delete(2, 3); // a delete set the reader's SyncStep2 carries back
        await waitAllSynced(writer);

        const reader = track(openProvider(host, name, { identity: freshDid('reader') }));
        assert.equal(await waitAuthenticated(reader), 'readonly');
        await waitConverged([writer.document, reader.document], (t) => t === 'owned');
        await waitAllSynced(reader); // its SyncStep2 held nothing new: 08 01
        writer.document.getText('t').insert(5, '!');
        await waitConverged([writer.document, reader.document], (t) => t === 'owned!');

        const since = reader.log.mark();
        reader.document.getText('t').insert(0, 'Z');
        await reader.log.waitFor((f, fr) => fr.dir === 'in' && f.type === TYPE.syncStatus, { since });
        assert.deepEqual(statuses(reader.log, name, since), [false], 'the reader\'s update: 08 00');
        await delay(300);
        assert.equal(reader.unsyncedChanges, 1, 'unsyncedChanges stays above 0 (the provider keeps its local edit)');
        assert.equal(reader.document.getText('t').toString(), 'Zowned!');
        assert.equal(writer.document.getText('t').toString(), 'owned!', 'the writer never sees it');
        assert.equal(await textSeenByNewcomer(host, name), 'owned!', 'nothing stored');
        const refused = metricSum(await scrape(host), 'canopy_updates_refused_total', { protocol: 'hocuspocus', reason: 'permission-denied' });
        assert.ok(refused >= 1, `refusal counted (${refused})`);
    });

    test('a reader that comes with offline content: its SyncStep2 gets 08 00; awareness still flows both ways', async () => {
        const name = docName('ro-offline');
        const writer = track(openProvider(host, name, { identity: freshDid('owner') }));
        await waitSynced(writer);
        writer.document.getText('t').insert(0, 'w');
        writer.awareness.setLocalStateField('user', 'writer');
        await waitAllSynced(writer);
        const doc = newYDoc(777);
        doc.getText('t').insert(0, 'Q');
        const reader = track(openProvider(host, name, { identity: freshDid('reader'), document: doc }));
        reader.awareness.setLocalStateField('user', 'reader');
        assert.equal(await waitAuthenticated(reader), 'readonly');
        await waitSynced(reader);
        await reader.log.waitFor((f, fr) => fr.dir === 'in' && f.type === TYPE.syncStatus);
        assert.deepEqual(statuses(reader.log, name).slice(0, 1), [false]);
        assert.ok(reader.unsyncedChanges >= 1);
        await waitProvider(writer, (p) => [...p.awareness.getStates().values()].some((s) => s?.user === 'reader'), { what: 'the writer to see the reader' });
        await waitProvider(reader, (p) => [...p.awareness.getStates().values()].some((s) => s?.user === 'writer'), { what: 'the reader to see the writer' });
        assert.equal(await textSeenByNewcomer(host, name), 'w');
    });

    test('rights change live: a grant makes the reader read-write (Authenticated again); losing read ends the document with CLOSE', async () => {
        const name = docName('ro-live');
        const ownerDid = freshDid('owner');
        const readerDid = freshDid('reader');
        const writer = track(openProvider(host, name, { identity: ownerDid }));
        await waitSynced(writer);
        writer.document.getText('t').insert(0, 'x');
        await waitAllSynced(writer);
        const reader = track(openProvider(host, name, { identity: readerDid }));
        assert.equal(await waitAuthenticated(reader), 'readonly');
        await waitSynced(reader);
        const put = async (grants, def) => {
            const r = await adminRequest(host, 'PUT', `/admin/documents/${encodeURIComponent(name)}/access`, { body: { owner: ownerDid, default: def, grants } });
            assert.equal(r.status, 200, r.text);
        };
        await put([{ identity: readerDid, permission: 'write' }], 'read');
        await waitProvider(reader, (p) => p.events.authenticated.at(-1) === 'read-write', { what: 'Authenticated read-write again' });
        reader.document.getText('t').insert(1, 'y');
        await waitAllSynced(reader);
        await waitConverged([writer.document, reader.document], (t) => t === 'xy');

        await put([], 'none');
        await waitProvider(reader, (p) => p.events.close.length >= 1, { what: 'CLOSE for the reader' });
        assert.match(reader.events.close.at(-1).reason, /evicted/);
        const denied = track(openProvider(host, name, { identity: readerDid }));
        assert.match(await waitAuthFailed(denied), /may not read/);
    });
});

describe('hocuspocus: SyncStatus only after commit', { timeout: 120000 }, () => {
    let host;
    before(async () => { host = await startAdminHost(); });
    afterEach(cleanup);
    after(async () => { await host?.dispose(); });

    test('kill -9 right after the provider\'s unsyncedChanges reached 0: after a restart every acknowledged edit is there', async () => {
        const name = docName('durable');
        let expected = '';
        for (let round = 0; round < 3; round++) {
            const a = track(openProvider(host, name, { identity: freshDid('durable') }));
            await waitSynced(a);
            assert.equal(a.document.getText('t').toString(), expected, `round ${round}: what was acknowledged before the kill`);
            const text = a.document.getText('t');
            for (let i = 0; i < 25; i++) text.insert(text.length, String(round));
            a.document.getMap('m').set(`round${round}`, round);
            await waitAllSynced(a, { timeoutMs: 10000 });
            await host.kill9();
            expected = text.toString();
            await closeAll([a]);
            open = [];
            await host.restart();
        }
        const last = track(openProvider(host, name, { identity: freshDid('after') }));
        await waitSynced(last);
        assert.equal(last.document.getText('t').toString(), expected);
        assert.deepEqual(last.document.getMap('m').toJSON(), { round0: 0, round1: 1, round2: 2 });
    });
});

describe('hocuspocus: keepalive', { timeout: 120000 }, () => {
    let host;
    // --ping-interval 2: the host's Ping goes out after 1 s of silence.
    before(async () => { host = await startAdminHost({ pingInterval: 2 }); });
    afterEach(cleanup);
    after(async () => { await host?.dispose(); });

    test('a 4.x provider with no awareness on an idle document gets Ping (answers Pong) and keeps its socket; a 3.x provider gets none', async () => {
        const name = docName('idle');
        const p = track(openProvider(host, name, {
            identity: freshDid('idle'), awareness: null, socketOptions: { messageReconnectTimeout: 3000 },
        }));
        await waitAllSynced(p);
        const old = track(await RawHocuspocusClient.connect(host, freshDid('v3')));
        assert.equal((await old.auth(docName('v3'), host.token, null)).label, 'authenticated');
        const since = old.log.mark();
        await delay(7000);
        assert.equal(p.log.sockets, 1, `the provider kept its socket (watchdog 3 s): ${p.log.summary()}`);
        assert.ok(p.log.inbound((f) => f.label === 'ping').length >= 3, p.log.summary());
        assert.ok(p.log.outbound((f) => f.label === 'pong').length >= 3, p.log.summary());
        assert.deepEqual(old.log.inbound((f) => f.label === 'ping', since), [], 'no Ping for a provider without a version');
        assert.ok(old.isOpen);
    });
});

describe('hocuspocus: bad input', { timeout: 240000 }, () => {
    let host;
    let bystanders;
    let bystanderName;
    before(async () => {
        host = await startAdminHost();
        bystanderName = docName('bystander');
        bystanders = [openProvider(host, bystanderName, { identity: freshDid('by1') }), openProvider(host, bystanderName, { identity: freshDid('by2') })];
        await Promise.all(bystanders.map((p) => waitSynced(p)));
    });
    afterEach(cleanup);
    after(async () => {
        // The host served a real pair all along.
        bystanders[0].document.getText('t').insert(0, 'still served');
        await waitConverged(bystanders.map((p) => p.document), (t) => t === 'still served');
        await Promise.all(bystanders.map((p) => waitAllSynced(p)));
        assert.ok(host.running, 'the host is still running');
        await closeAll(bystanders);
        await host?.dispose();
    });

    async function raw(identity = freshDid('raw')) {
        return track(await RawHocuspocusClient.connect(host, identity));
    }

    test('a frame whose document name does not decode closes the socket with 4401 (garbage, a bare 09, an empty frame, a name that is not UTF-8)', async () => {
        const frames = [Uint8Array.of(0xff), Uint8Array.of(0x09), new Uint8Array(0), Uint8Array.of(0x05, 0x61, 0x62),
            Uint8Array.of(0x02, 0xc3, 0x28, 0x02, 0x00)];
        for (const frame of frames) {
            const c = await raw();
            c.send(frame);
            const closed = await c.waitClose();
            assert.equal(closed.code, 4401, `frame ${Buffer.from(frame).toString('hex')}: close ${closed.code} ${closed.reason}`);
        }
        const refusals = metricSum(await scrape(host), 'canopy_refusals_total', { reason: 'hocuspocus-bad-key' });
        assert.ok(refusals >= frames.length, `counted (${refusals})`);
    });

    test('a truncated Auth is refused with PermissionDenied and the socket stays; a good Auth then works', async () => {
        const c = await raw();
        c.send(Uint8Array.of(0x02, 0x72, 0x31, 0x02)); // "r1", Auth, nothing more
        const denied = await c.waitFrame((f) => f.key === 'r1' && f.type === TYPE.auth);
        assert.equal(denied.label, 'permissionDenied');
        assert.match(denied.text, /malformed-auth/);
        const since = c.log.mark();
        c.send(Uint8Array.of(0x02, 0x72, 0x31, 0x02, 0x00, 0x05, 0x61)); // the token runs past the frame
        assert.match((await c.waitFrame((f) => f.key === 'r1' && f.label === 'permissionDenied', { since })).text, /malformed-auth/);
        assert.equal((await c.auth('r1', host.token)).label, 'authenticated');
        assert.ok(c.isOpen);
    });

    test('a socket that keeps failing its Auth (16 times, tokens or malformed) is closed with 1008', async () => {
        const c = await raw();
        for (let i = 0; i < 15; i++) {
            const answer = await c.auth(`guess-${i}`, `wrong-${i}`);
            assert.equal(answer.label, 'permissionDenied');
        }
        c.send(Uint8Array.of(0x02, 0x72, 0x31, 0x02)); // the 16th: malformed
        const closed = await c.waitClose();
        assert.equal(closed.code, 1008, `${closed.code} ${closed.reason}`);
        assert.match(closed.reason, /16 failed authentications/);
    });

    test('names: empty, over 256 bytes, a session id over 256 bytes: PermissionDenied; exactly 256 bytes: accepted', async () => {
        const c = await raw();
        for (const key of ['', 'n'.repeat(257), `ok\0${'s'.repeat(257)}`]) {
            const answer = await c.auth(key, host.token);
            assert.equal(answer.label, 'permissionDenied', `key of ${key.length} chars`);
            assert.match(answer.text, /invalid-document-name/);
        }
        assert.equal((await c.auth('é'.repeat(128), host.token)).label, 'authenticated', '256 bytes of UTF-8');
    });

    test('unknown and server-only types after Auth are dropped (logged, counted); the document session goes on', async () => {
        const c = await raw();
        const name = docName('types');
        assert.equal((await c.auth(name, host.token)).label, 'authenticated');
        const since = c.log.mark();
        c.send(rawKeyedFrame(name, 11));
        c.send(rawKeyedFrame(name, 4, Uint8Array.of(0, 0, 0)));
        c.send(rawKeyedFrame(name, 6, Uint8Array.of(2, 0x68, 0x69)));
        c.send(rawKeyedFrame(name, 9));
        c.send(rawKeyedFrame(name, TYPE.syncStatus, Uint8Array.of(1)));
        c.send(rawKeyedFrame(name, TYPE.auth, Uint8Array.of(2, 1, 0x78)));
        c.send(rawKeyedFrame(name, TYPE.auth, Uint8Array.of(9)));
        c.send(syncFrame(name, 7, Uint8Array.of(0)));
        c.send(rawKeyedFrame(name, 1000000));
        c.send(authFrame(name, 'a token sync on a live session'));
        c.send(syncStep1Frame(name));
        const step1 = await c.waitFrame((f) => f.key === name && f.label === 'syncStep1', { since });
        const step2 = await c.waitFrame((f) => f.key === name && f.label === 'syncStep2', { since });
        assert.ok(step1 && step2);
        const answered = c.log.inbound(() => true, since).map((f) => f.label);
        assert.deepEqual(answered, ['syncStep1', 'syncStep2'], `nothing but the SyncStep1 answer: ${answered.join(' ')}`);
        const m = await scrape(host);
        for (const [reason, n] of [['unknown-type', 2], ['server-internal-type', 2], ['server-only-message', 2],
            ['keyed-ping', 1], ['unknown-sync-step', 1], ['unknown-auth-type', 1]]) {
            const counted = metricSum(m, 'canopy_bad_frames_total', { reason });
            assert.ok(counted >= n, `canopy_bad_frames_total{reason="${reason}"} = ${counted}, at least ${n}`);
        }
    });

    test('garbage updates get 08 00, in message order with the good ones, and nothing of them is stored', async () => {
        const c = await raw();
        const name = docName('garbage');
        assert.equal((await c.auth(name, host.token)).label, 'authenticated');
        const good = updatesOf(4242, 'ok');
        const garbage = [
            Uint8Array.of(0xff, 0xff, 0xff), // bad varints
            Uint8Array.of(0x01, 0x01, 0x05, 0x00, 0x77), // a struct past the end / unknown content
            Uint8Array.of(0x01, 0x01, 0x05, 0x00, 0x04, 0x01, 0x01, 0x74, 0x03), // string runs past the end
            randomBytes(64),
            Uint8Array.of(0x00, 0x00, 0x00), // trailing bytes
        ];
        const since = c.log.mark();
        const sent = [];
        c.send(updateFrame(name, garbage[0])); sent.push(false);
        c.send(updateFrame(name, good.updates[0])); sent.push(true);
        c.send(syncStep2Frame(name, garbage[1])); sent.push(false);
        c.send(updateFrame(name, garbage[2])); sent.push(false);
        c.send(updateFrame(name, good.updates[1])); sent.push(true);
        c.send(updateFrame(name, garbage[3])); sent.push(false);
        c.send(syncStep2Frame(name, garbage[4])); sent.push(false);
        c.send(syncFrame(name, 2, new Uint8Array(0)).subarray(0, -1)); sent.push(false); // its data is cut
        await c.log.until(() => statuses(c.log, name, since).length >= sent.length, { what: 'a SyncStatus for each' });
        await delay(200);
        assert.deepEqual(statuses(c.log, name, since), sent, 'one SyncStatus per message, in order');
        assert.equal(await textSeenByNewcomer(host, name), 'ok');
        const only = docName('only-garbage');
        assert.equal((await c.auth(only, host.token)).label, 'authenticated');
        const s2 = c.log.mark();
        for (const g of garbage) c.send(updateFrame(only, g));
        await c.log.until(() => statuses(c.log, only, s2).length >= garbage.length, { what: 'the garbage answers' });
        assert.deepEqual(statuses(c.log, only, s2), garbage.map(() => false));
        assert.ok(!(await listDocuments(host)).some((d) => d.kind === 'yjs' && d.id === only), 'no document was created');
    });

    test('what waits for Auth is bounded: more than 1000 frames, or 100 documents, close the socket with 4205', async () => {
        const many = await raw();
        const name = docName('flood');
        for (let i = 0; i <= 1000; i++) many.send(syncStep1Frame(name));
        assert.equal((await many.waitClose({ timeoutMs: 10000 })).code, 4205);
        const docs = await raw();
        for (let i = 0; i <= 100; i++) docs.send(syncStep1Frame(`${name}-${i}`));
        assert.equal((await docs.waitClose({ timeoutMs: 10000 })).code, 4205);
        // Under the limits, what waited is served in order once the Auth comes.
        const fine = await raw();
        const u = updatesOf(99, 'q');
        fine.send(updateFrame(name, u.updates[0]));
        fine.send(syncStep1Frame(name));
        fine.send(authFrame(name, host.token));
        await fine.log.until(() => labels(fine.log, name).length >= 4, { what: 'the answers' });
        assert.deepEqual(labels(fine.log, name).slice(0, 4), ['authenticated', 'syncStatus', 'syncStep1', 'syncStep2']);
        assert.deepEqual(statuses(fine.log, name), [true]);
    });

    test('a denied Auth forgets what waited; CLOSE is answered with provider_initiated and the key starts over', async () => {
        const c = await raw();
        const name = docName('forget');
        c.send(syncStep1Frame(name));
        assert.equal((await c.auth(name, 'wrong')).label, 'permissionDenied');
        const since = c.log.mark();
        assert.equal((await c.auth(name, host.token)).label, 'authenticated');
        await delay(200);
        assert.deepEqual(labels(c.log, name, since), ['authenticated'], 'the SyncStep1 before the denial was dropped with it');
        c.send(closeFrame(name));
        const closed = await c.waitFrame((f) => f.key === name && f.type === TYPE.close, { since });
        assert.equal(closed.text, 'provider_initiated');
        const s2 = c.log.mark();
        c.send(updateFrame(name, updatesOf(5, 'z').updates[0]));
        await delay(300);
        assert.deepEqual(labels(c.log, name, s2), [], 'after CLOSE the key waits for a new Auth');
        assert.equal((await c.auth(name, host.token)).label, 'authenticated');
        await c.log.until(() => statuses(c.log, name, s2).length === 1, { what: 'the waiting update\'s SyncStatus' });
        assert.deepEqual(statuses(c.log, name, s2), [true]);
    });

    test('a socket with no accepted Auth within 10 s is closed with 4408', async () => {
        const c = await raw();
        c.send(syncStep1Frame(docName('silent')));
        const closed = await c.waitClose({ timeoutMs: 15000 });
        assert.equal(closed.code, 4408, `${closed.code} ${closed.reason}`);
    });

    test('awareness that does not decode is refused and not echoed; a stateless message before Auth waits for it', async () => {
        const c = await raw();
        const name = docName('aw-bad');
        const other = await raw();
        assert.equal((await other.auth(name, host.token)).label, 'authenticated');
        c.send(statelessFrame(name, 'early'));
        assert.equal((await c.auth(name, host.token)).label, 'authenticated');
        await other.waitFrame((f) => f.key === name && f.type === TYPE.stateless && f.text === 'early');
        const since = c.log.mark();
        c.send(awarenessFrame(name, Uint8Array.of(0x05, 0x01)));
        c.send(awarenessFrame(name, encodeAwareness([{ client: 5, clock: 1, state: { ok: true } }]).subarray(0, 6)));
        c.send(awarenessFrame(name, encodeAwareness([{ client: 6, clock: 1, state: { ok: true } }])));
        const echo = await c.waitFrame((f) => f.type === TYPE.awareness && f.awareness?.[0]?.client === 6, { since });
        assert.ok(echo);
        const echoes = c.log.inbound((f) => f.type === TYPE.awareness, since);
        assert.equal(echoes.length, 1, 'only the valid update came back');
        await other.waitFrame((f) => f.type === TYPE.awareness && f.awareness?.[0]?.client === 6);
    });
});
