// End to end, as in the issue: a real Leaf client (loro-crdt over ws, lib/leaf.mjs) with a real ATProto
// identity (service JWT against a loopback DID server) is watched and governed through the admin API.
//
//   1. it connects (token bought with a JWT) and appears in /admin/sessions with its handle, its
//      subscriptions and frame counters that grow; its token is "used" and names the session;
//   2. its document appears in /admin/documents with the right blocks, peers and lastWriter, the history
//      matches the writers' Loro versions, and the export rebuilds the document in a fresh LoroDoc;
//   3. revoke closes it with 4403 within 1 s (another client stays);
//   4. a ban closes it with 4403 at once and refuses it: 403 on /sync/as/ with the dev token and with a
//      token bought before the ban, 403 {"error":"AccountBanned"} on the token endpoint with a real JWT;
//   5. unban lets it back: a new token, a new session that receives the whole document;
//   6. the event log, filtered by its DID, tells the story.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
    adminJson, adminRequest, describe as show, listBans, listDocuments, listSessions, listTokens, logEntries, logMark,
    scrape, metricValue, startAdminHost, waitForSession, waitNoSession,
} from './lib/admin.mjs';
import { DidServer, TOKEN_RE, makeKeypair, mintAndBuy, multikeyDoc, openSync, randomPlcDid } from './lib/atproto.mjs';
import { LeafClient, LoroDoc, appendText, closeAll, newDoc, randomEntityId, textOf, vvObject } from './lib/leaf.mjs';
import { delay, waitUntil } from './lib/util.mjs';

const SERVICE_DID = 'did:web:svc.e2e.test';
const HANDLE = 'alice.e2e.test';

describe('admin API end to end with a real Leaf client and a real ATProto identity', { timeout: 120000 }, () => {
    let dids;
    let host;
    let kp;
    let alice;              // did:plc served by the loopback DID server
    const bob = 'did:web:bob.e2e.test'; // a second writer on the dev token
    const clients = [];
    const entity = randomEntityId();
    let aliceDoc;
    let bobDoc;
    let aliceClient;
    let bobClient;
    let aliceSession;
    let startMark;

    before(async () => {
        dids = await DidServer.start();
        kp = await makeKeypair('k256');
        alice = randomPlcDid();
        dids.setDoc(alice, multikeyDoc(alice, kp, { handle: HANDLE }));
        host = await startAdminHost({ did: SERVICE_DID, args: ['--plc-url', dids.url] });
        startMark = await logMark(host);
    });
    after(async () => {
        await closeAll(clients);
        await host?.dispose();
        await dids?.stop();
    });

    /** Buy a connection token for alice with a fresh service JWT. */
    async function aliceToken() {
        const r = await mintAndBuy(host, { iss: alice, keypair: kp });
        assert.equal(r.status, 200, `token endpoint for alice: HTTP ${r.status} ${r.text}`);
        assert.match(r.json.token, TOKEN_RE);
        return r.json.token;
    }

    test('1. the client connects and appears in /admin/sessions with handle, subscriptions and growing counters', async () => {
        const token = await aliceToken();
        const t0 = Date.now();
        aliceClient = await LeafClient.connect(host.wsUrl(alice), token);
        clients.push(aliceClient);
        aliceDoc = newDoc();
        await aliceClient.subscribe(entity, aliceDoc);
        appendText(aliceDoc, 'hello');

        const s1 = await waitForSession(host, (s) => s.did === alice && s.framesIn >= 2,
            { what: 'alice with her subscribe and first update' });
        aliceSession = s1.id;
        assert.equal(typeof s1.id, 'string');
        assert.equal(s1.handle, HANDLE, 'handle from the DID document');
        assert.match(s1.remote, /127\.0\.0\.1/);
        const connectedAt = Date.parse(s1.connectedAt);
        assert.ok(connectedAt >= t0 - 2000 && connectedAt <= Date.now() + 2000, `connectedAt ${s1.connectedAt}`);
        assert.deepEqual(s1.subscriptions, [entity]);
        assert.ok(s1.framesOut >= 1 && s1.bytesIn > 0 && s1.bytesOut > 0, JSON.stringify(s1));

        // The token she spent is "used" and names this session.
        const rec = await waitUntil(async () => (await listTokens(host)).find((t) => t.did === alice && t.state === 'used'
            && t.session !== null), { what: 'alice\'s token to be used with its session' });
        assert.equal(String(rec.session), aliceSession);

        // In: more updates. Out: bob writes, alice receives.
        appendText(aliceDoc, ', world');
        await delay(20);
        const s2 = await waitForSession(host, (s) => s.id === aliceSession && s.framesIn > s1.framesIn,
            { what: 'framesIn to grow' });
        assert.ok(s2.bytesIn > s1.bytesIn, 'bytesIn grew');

        bobClient = await LeafClient.connect(host.wsUrl(bob), host.token);
        clients.push(bobClient);
        bobDoc = newDoc();
        await bobClient.subscribe(entity, bobDoc);
        const mark = aliceClient.mark();
        appendText(bobDoc, ' (bob)');
        await aliceClient.waitForUpdate(entity, { since: mark });
        const s3 = await waitForSession(host, (s) => s.id === aliceSession && s.framesOut > s2.framesOut,
            { what: 'framesOut to grow' });
        assert.ok(s3.bytesOut > s2.bytesOut, 'bytesOut grew');

        // Alice writes last.
        const bm = bobClient.mark();
        appendText(aliceDoc, '!');
        await bobClient.waitForUpdate(entity, { since: bm });
        assert.equal(textOf(bobDoc), textOf(aliceDoc), 'the two clients converged');
    });

    test('2. the document appears in /admin/documents with blocks, peers, lastWriter; history and export match Loro', async () => {
        const docs = await waitUntil(async () => {
            const d = (await listDocuments(host)).find((x) => x.entityId === entity);
            return d && d.peers === 2 && d.lastWriter === alice && d;
        }, { what: 'the document with two peers and alice as last writer' });
        assert.equal(docs.subscribers, 2);

        const detail = await adminJson(host, `/admin/documents/${entity}`);
        assert.equal(detail.blocks, detail.history.length, 'blocks equals the history length');
        assert.equal(detail.peers, 2);
        assert.equal(detail.lastWriter, alice);
        const byPeer = new Map();
        for (const b of detail.history) {
            assert.equal(typeof b.peer, 'string');
            if (!byPeer.has(b.peer)) byPeer.set(b.peer, []);
            byPeer.get(b.peer).push(b);
        }
        const version = vvObject(aliceDoc.version());
        assert.deepEqual([...byPeer.keys()].sort(), Object.keys(version).sort(), 'history peers are the document\'s peers');
        for (const [peer, blocks] of byPeer) {
            const writer = peer === aliceDoc.peerIdStr ? alice : bob;
            let next = 0;
            for (const b of blocks.sort((x, y) => x.counterStart - y.counterStart)) {
                assert.equal(b.fromDid, writer, `fromDid of a block of peer ${peer}`);
                assert.equal(b.counterStart, next, `contiguous counters of peer ${peer}`);
                next = b.counterEnd;
            }
            assert.equal(next, version[peer], `history of peer ${peer} covers its version`);
        }
        // alice wrote three times, bob once: one block per update.
        assert.equal(byPeer.get(aliceDoc.peerIdStr).length, 3, 'alice\'s blocks');
        assert.equal(byPeer.get(bobDoc.peerIdStr).length, 1, 'bob\'s blocks');

        const r = await adminRequest(host, 'GET', `/admin/documents/${entity}/export`);
        assert.equal(r.status, 200, show(r));
        const fresh = new LoroDoc();
        fresh.import(r.bytes);
        assert.equal(textOf(fresh), textOf(aliceDoc));
        assert.deepEqual(vvObject(fresh.version()), version);
        assert.deepEqual(fresh.toJSON(), aliceDoc.toJSON());
    });

    test('3. revoke closes the session with 4403 "revoked by operator" within 1 s', async () => {
        const t0 = performance.now();
        const r = await adminRequest(host, 'POST', `/admin/sessions/${aliceSession}/revoke`);
        assert.equal(r.status, 200, show(r));
        const closed = await aliceClient.waitClose(3000);
        const took = closed.at - t0;
        assert.equal(closed.code, 4403, `close code (reason "${closed.reason}")`);
        assert.equal(closed.reason, 'revoked by operator');
        assert.ok(took <= 1000, `closed ${took.toFixed(0)} ms after the revoke`);
        await waitNoSession(host, (s) => s.id === aliceSession);
        assert.ok(bobClient.isOpen, 'bob was closed by alice\'s revoke');
        assert.equal((await adminRequest(host, 'POST', `/admin/sessions/${aliceSession}/revoke`)).status, 404);
    });

    test('4. a ban closes her at once and refuses her: 403 on /sync/as/ (dev token too), AccountBanned on the token endpoint', async () => {
        // A revoke is not a ban: she comes back with a new token.
        aliceClient = await LeafClient.connect(host.wsUrl(alice), await aliceToken());
        clients.push(aliceClient);
        const doc = newDoc();
        await aliceClient.subscribe(entity, doc);
        assert.equal(textOf(doc), textOf(bobDoc), 'she gets the document back after the revoke');
        const session = await waitForSession(host, (s) => s.did === alice);
        const spare = await aliceToken(); // bought before the ban, never used
        const before = await scrape(host);

        const t0 = performance.now();
        const r = await adminRequest(host, 'POST', '/admin/bans', { body: { did: alice, reason: 'e2e ban' } });
        assert.equal(r.status, 200, show(r));
        const closed = await aliceClient.waitClose(3000);
        assert.equal(closed.code, 4403, `close code on ban (reason "${closed.reason}")`);
        assert.ok(closed.at - t0 <= 1000, `closed ${(closed.at - t0).toFixed(0)} ms after the ban`);
        await waitNoSession(host, (s) => s.id === session.id);
        assert.ok(bobClient.isOpen, 'bob was closed by alice\'s ban');
        assert.ok((await listBans(host)).some((b) => b.did === alice && b.reason === 'e2e ban'));

        const dev = await openSync(host, alice, host.token);
        assert.equal(dev.opened, false, 'the dev token opened a session for a banned DID');
        assert.equal(dev.statusCode, 403, `dev token: HTTP ${dev.statusCode} ${dev.body}`);
        assert.equal(dev.json?.error, 'AccountBanned', dev.body);
        const old = await openSync(host, alice, spare);
        assert.equal(old.opened, false, 'a token bought before the ban opened a session');
        assert.equal(old.statusCode, 403, `token from before the ban: HTTP ${old.statusCode} ${old.body}`);
        const jwt = await mintAndBuy(host, { iss: alice, keypair: kp });
        assert.equal(jwt.status, 403, `token endpoint for a banned DID: HTTP ${jwt.status} ${jwt.text}`);
        assert.equal(jwt.json?.error, 'AccountBanned', jwt.text);
        assert.equal(jwt.json?.token, undefined, 'a banned DID got a token');
        const afterBan = await scrape(host);
        assert.equal(metricValue(afterBan, 'canopy_auth_failures_total', { error: 'AccountBanned' })
            - metricValue(before, 'canopy_auth_failures_total', { error: 'AccountBanned' }), 1, 'AccountBanned counted');
        assert.equal(metricValue(afterBan, 'canopy_connections'), 1, 'only bob is connected');
    });

    test('5. unban lets her back: a new token, a new session with the whole document', async () => {
        const r = await adminRequest(host, 'DELETE', `/admin/bans/${alice}`);
        assert.equal(r.status, 200, show(r));
        assert.ok(!(await listBans(host)).some((b) => b.did === alice));
        aliceClient = await LeafClient.connect(host.wsUrl(alice), await aliceToken());
        clients.push(aliceClient);
        const doc = newDoc();
        await aliceClient.subscribe(entity, doc);
        assert.equal(textOf(doc), textOf(bobDoc), 'the whole document after the unban');
        const s = await waitForSession(host, (x) => x.did === alice);
        assert.deepEqual(s.subscriptions, [entity]);
        assert.equal(s.handle, HANDLE);
        const dev = await openSync(host, alice, host.token);
        assert.equal(dev.opened, true, `dev token after unban: HTTP ${dev.statusCode} ${dev.body}`);
        assert.equal((await listSessions(host)).filter((x) => x.did === alice).length, 1, 'the dev-token probe closed');
    });

    test('6. the event log, filtered by her DID, has the issuances, the revoke, the ban, the refusals and the unban', async () => {
        const entries = await logEntries(host, { since: startMark, did: alice });
        assert.ok(entries.every((e) => e.did === alice), 'did filter');
        const has = (re, extra = () => true) => entries.some((e) => re.test(e.message) && extra(e));
        assert.ok(has(/token issued/i), 'token issuance');
        assert.ok(has(/session opened/i, (e) => e.session === aliceSession), 'session opened');
        assert.ok(has(/revoked/i, (e) => e.session === aliceSession), 'session revoked');
        assert.ok(has(/banned/i), 'ban');
        assert.ok(has(/refused/i, (e) => e.category === 'canopy.auth'), 'refusals');
        assert.ok(has(/lifted|unban/i), 'unban');
        const seqs = entries.map((e) => e.seq);
        assert.deepEqual(seqs, [...seqs].sort((a, b) => a - b), 'entries in seq order');
    });
});
