// Admin API (/admin/..., /metrics) of the real host, route by route, against the contract of the issue:
// bearer admin token (401 on every route, /metrics included), the loopback rule, sessions (list, detail,
// revoke with 4403 within 1 s), documents (list, history, export as one Loro blob, delete with 409 while
// subscribed), tokens (unused -> used with the session, revoked, expired with --token-ttl 1; never a
// value), bans (live sockets closed with 4403, 403 on /sync/as/ with the dev token and AccountBanned on the
// token endpoint, until in the past/future, persistence across a restart), the event log and its filters,
// Prometheus metrics (names, types, counters that move), and the error shapes (400/404/405/409 JSON).
//
// Not covered: a non-loopback peer. 127.0.0.0/8 is loopback as a whole, so without a network namespace the
// test cannot connect from an address the host would treat as remote; that test is marked skipped.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
    adminJson, adminRequest, assertError, assertIso, assertIsoBetween, describe as show, listBans, listDocuments,
    listSessions, listTokens, logEntries, logMark, makeAdminToken, metricSamples, metricSum, metricValue, scrape,
    startAdminHost, waitForSession, waitNoSession,
} from './lib/admin.mjs';
import { DidServer, buyToken, makeKeypair, mintAndBuy, openSync } from './lib/atproto.mjs';
import { freePort, makeTempDir, runOnce } from './lib/host.mjs';
import { LeafClient, LoroDoc, appendText, closeAll, newDoc, randomEntityId, textOf, vvObject } from './lib/leaf.mjs';
import { delay, waitUntil } from './lib/util.mjs';

const SERVICE_DID = 'did:web:svc.admin.test';
const TOKEN_VALUE_RE = /^[0-9A-HJKMNP-TV-Z]{52}$/;
let didCounter = 0;
/** A fresh did:web for one test, so tests on one host do not see each other's sessions and bans. */
function freshDid(tag = 'user') {
    didCounter += 1;
    return `did:web:${tag}-${process.pid}-${didCounter}.admin.test`;
}

/** Open a Leaf client as `did` with the dev token. */
function connectDev(host, did) {
    return LeafClient.connect(host.wsUrl(did), host.token);
}

/** Resolve the close of `client` and report how long after `t0` (performance.now()) it came. */
async function closeWithin(client, t0, ms, what) {
    const info = await client.waitClose(ms + 2000).catch((err) => {
        throw new Error(`${what}: socket not closed within ${ms + 2000} ms (${err.message})`);
    });
    const took = info.at - t0;
    return { ...info, took };
}

/** Wait for /admin/documents to list `entityId` with at least `blocks` blocks; returns the entry. */
function waitForDocument(host, entityId, pred = () => true, timeoutMs = 5000) {
    return waitUntil(async () => (await listDocuments(host)).find((d) => d.entityId === entityId && pred(d)),
        { timeoutMs, intervalMs: 25, what: `${entityId} in /admin/documents` });
}

function assertSessionShape(s, what) {
    for (const key of ['id', 'did', 'handle', 'remote', 'connectedAt', 'subscriptions', 'framesIn', 'framesOut',
        'bytesIn', 'bytesOut']) {
        assert.ok(key in s, `${what}: session has no "${key}": ${JSON.stringify(s)}`);
    }
    assert.equal(typeof s.id, 'string', `${what}: id is a string`);
    assert.ok(s.id.length > 0, `${what}: empty id`);
    assert.equal(typeof s.did, 'string');
    assert.ok(s.handle === null || typeof s.handle === 'string', `${what}: handle ${JSON.stringify(s.handle)}`);
    assert.equal(typeof s.remote, 'string');
    assert.match(s.remote, /127\.0\.0\.1/, `${what}: remote ${s.remote}`);
    assertIso(s.connectedAt, `${what}: connectedAt`);
    assert.ok(Array.isArray(s.subscriptions), `${what}: subscriptions is not an array`);
    for (const key of ['framesIn', 'framesOut', 'bytesIn', 'bytesOut']) {
        assert.ok(Number.isInteger(s[key]) && s[key] >= 0, `${what}: ${key} = ${s[key]}`);
    }
}

function assertDocumentShape(d, what) {
    for (const key of ['entityId', 'blocks', 'bytes', 'peers', 'subscribers', 'updatedAt', 'lastWriter']) {
        assert.ok(key in d, `${what}: document has no "${key}": ${JSON.stringify(d)}`);
    }
    for (const key of ['blocks', 'bytes', 'peers', 'subscribers']) {
        assert.ok(Number.isInteger(d[key]) && d[key] >= 0, `${what}: ${key} = ${d[key]}`);
    }
    assertIso(d.updatedAt, `${what}: updatedAt`);
}

function assertTokenShape(t, what) {
    for (const key of ['id', 'did', 'issuedAt', 'expiresAt', 'state', 'session']) {
        assert.ok(key in t, `${what}: token has no "${key}": ${JSON.stringify(t)}`);
    }
    assert.ok(!('token' in t) && !('hash' in t) && !('value' in t), `${what}: token record carries a value: ${JSON.stringify(t)}`);
    assert.ok(['unused', 'used', 'expired', 'revoked'].includes(t.state), `${what}: state ${t.state}`);
    assertIso(t.issuedAt, `${what}: issuedAt`);
    assertIso(t.expiresAt, `${what}: expiresAt`);
}

async function tokenRecord(host, id) {
    return (await listTokens(host)).find((t) => String(t.id) === String(id));
}

/** The routes of the contract (with a placeholder id / entity / DID), for the 401 sweep. */
function allRoutes() {
    const entity = randomEntityId();
    return [
        ['GET', '/admin/sessions'],
        ['GET', '/admin/sessions/1'],
        ['POST', '/admin/sessions/1/revoke'],
        ['GET', '/admin/documents'],
        ['GET', `/admin/documents/${entity}`],
        ['GET', `/admin/documents/${entity}/export`],
        ['DELETE', `/admin/documents/${entity}`],
        ['GET', '/admin/tokens'],
        ['POST', '/admin/tokens', { did: 'did:web:unauth.admin.test' }],
        ['POST', '/admin/tokens/1/revoke'],
        ['GET', '/admin/bans'],
        ['POST', '/admin/bans', { did: 'did:web:unauth.admin.test', reason: 'should not exist' }],
        ['DELETE', '/admin/bans/did:web:unauth.admin.test'],
        ['GET', '/admin/log'],
        ['GET', '/admin/log?since=0&level=info'],
        ['GET', '/metrics'],
        ['GET', '/admin'],
        ['GET', '/admin/no-such-route'],
        ['PUT', '/admin/sessions'],
    ];
}

describe('admin API: authentication and the loopback rule', { timeout: 120000 }, () => {
    let host;
    before(async () => { host = await startAdminHost(); });
    after(async () => { await host?.dispose(); });

    test('every route, /metrics and unknown routes included, answers 401 JSON without a valid admin token', async () => {
        const variants = [
            ['no Authorization header', { token: null }],
            ['a wrong token', { token: makeAdminToken() }],
            ['the admin token plus a character', { token: host.adminToken + 'x' }],
            ['a prefix of the admin token', { token: host.adminToken.slice(0, -1) }],
            ['the dev token', { token: host.token }],
            ['an empty bearer', { authorization: 'Bearer ' }],
            ['the admin token without a scheme', { authorization: host.adminToken }],
            ['the admin token as Basic', { authorization: `Basic ${host.adminToken}` }],
        ];
        for (const [method, p, body] of allRoutes()) {
            for (const [label, auth] of variants) {
                const r = await adminRequest(host, method, p, { ...auth, body });
                assertError(r, 401, null, `${method} ${p} with ${label}`);
                assert.ok(!r.text.includes(host.adminToken), `${method} ${p}: the 401 body contains the admin token`);
            }
        }
        // Nothing the refused requests asked for happened.
        assert.ok(!(await listBans(host)).some((b) => b.did === 'did:web:unauth.admin.test'), 'an unauthenticated ban was stored');
        assert.ok(!(await listTokens(host)).some((t) => t.did === 'did:web:unauth.admin.test'), 'an unauthenticated token was issued');
    });

    test('the admin token opens every read route (200 from 127.0.0.1)', async () => {
        for (const p of ['/admin/sessions', '/admin/documents', '/admin/tokens', '/admin/bans', '/admin/log', '/metrics']) {
            const r = await adminRequest(host, 'GET', p);
            assert.equal(r.status, 200, show(r));
        }
        const m = await adminRequest(host, 'GET', '/metrics');
        assert.match(m.headers.get('content-type') ?? '', /^text\/plain/, 'metrics content type');
        for (const p of ['/admin/sessions', '/admin/documents', '/admin/tokens', '/admin/bans', '/admin/log']) {
            const r = await adminRequest(host, 'GET', p);
            assert.match(r.headers.get('content-type') ?? '', /application\/json/, `${p} content type`);
        }
    });

    test('ADMIN_TOKEN from the environment is the admin token', async () => {
        const token = makeAdminToken();
        const h = await startAdminHost({ adminToken: null, env: { ADMIN_TOKEN: token } });
        try {
            h.adminToken = token;
            assert.equal((await adminRequest(h, 'GET', '/admin/sessions')).status, 200);
            assertError(await adminRequest(h, 'GET', '/admin/sessions', { token: makeAdminToken() }), 401, null, 'wrong token');
            assertError(await adminRequest(h, 'GET', '/metrics', { token: null }), 401, null, '/metrics without token');
        } finally {
            await h.dispose();
        }
    });

    test('without a keychain a headless host keeps a generated admin token in <data-dir>/admin-token (0600), with a warning, across restarts', async () => {
        const noBus = path.join(makeTempDir('canopy-nobus-'), 'no-bus-here');
        const h = await startAdminHost({
            adminToken: null,
            env: { DBUS_SESSION_BUS_ADDRESS: `unix:path=${noBus}`, DISPLAY: '', WAYLAND_DISPLAY: '' },
        });
        try {
            const file = path.join(h.dataDir, 'admin-token');
            await waitUntil(() => fs.existsSync(file), { timeoutMs: 10000, what: `${file} to be created` });
            const mode = fs.statSync(file).mode & 0o777;
            assert.equal(mode.toString(8), '600', `mode of ${file}`);
            const token = fs.readFileSync(file, 'utf8').trim();
            assert.match(token, TOKEN_VALUE_RE, 'generated admin token: 52 chars of Crockford base32');
            h.adminToken = token;
            await waitUntil(async () => (await adminRequest(h, 'GET', '/admin/sessions')).status === 200,
                { timeoutMs: 5000, what: 'the generated token to be accepted' });
            assertError(await adminRequest(h, 'GET', '/admin/sessions', { token: makeAdminToken() }), 401, null, 'wrong token');
            const warning = h.logs.find((l) => l.level === 'warning' && /keychain/i.test(l.message ?? '')
                && (l.message ?? '').includes('admin-token'));
            assert.ok(warning, `no warning about the missing keychain and the file in the host log:\n${h.tail(20)}`);
            assert.ok(!h.lines.join('\n').includes(token), 'the admin token value is in the host log');

            await h.restart();
            await waitUntil(async () => (await adminRequest(h, 'GET', '/admin/sessions')).status === 200,
                { timeoutMs: 10000, what: 'the same admin token to be accepted after a restart' });
            assert.equal(fs.readFileSync(file, 'utf8').trim(), token, 'the admin token changed across a restart');
            assert.equal(fs.statSync(file).mode & 0o777, 0o600, 'mode after restart');
        } finally {
            await h.dispose();
        }
    });

    test('the API answers on loopback (127.0.0.1) without --admin-remote', async () => {
        const r = await adminRequest(host, 'GET', '/admin/bans');
        assert.equal(r.status, 200, show(r));
        assert.ok(!host.lastArgs.includes('--admin-remote'));
    });

    test('--admin-remote starts, warns, and still requires the admin token', async () => {
        const h = await startAdminHost({ args: ['--admin-remote'] });
        try {
            assert.equal((await adminRequest(h, 'GET', '/admin/sessions')).status, 200);
            assertError(await adminRequest(h, 'GET', '/admin/sessions', { token: null }), 401, null, 'no token with --admin-remote');
            assertError(await adminRequest(h, 'GET', '/metrics', { token: 'nope' }), 401, null, 'metrics with --admin-remote');
            assert.ok(h.logs.some((l) => l.level === 'warning' && /admin-remote|non-loopback/i.test(l.message ?? '')),
                `no warning about --admin-remote:\n${h.tail(10)}`);
        } finally {
            await h.dispose();
        }
        const env = await startAdminHost({ env: { ADMIN_REMOTE: '1' } });
        try {
            assert.equal((await adminRequest(env, 'GET', '/admin/sessions')).status, 200, 'ADMIN_REMOTE=1');
        } finally {
            await env.dispose();
        }
        const bad = await runOnce(['--headless', '--port', String(await freePort()), '--listen', '127.0.0.1',
            '--data-dir', makeTempDir(), '--admin-token', makeAdminToken()], { env: { ADMIN_REMOTE: 'maybe' }, timeoutMs: 5000 });
        assert.equal(bad.timedOut, false, `ADMIN_REMOTE=maybe: the host started and kept running: ${bad.stderr}`);
        assert.notEqual(bad.code, 0, `ADMIN_REMOTE=maybe was accepted: ${bad.stderr}`);
        assert.match(bad.stderr, /admin-remote/i);
    });

    test('a non-loopback peer gets 403 unless --admin-remote', {
        skip: '127.0.0.0/8 is all loopback: a non-loopback peer needs a network namespace, which this test does not set up',
    }, () => {});
});

describe('admin API: sessions', { timeout: 120000 }, () => {
    let host;
    const clients = [];
    before(async () => { host = await startAdminHost(); });
    after(async () => {
        await closeAll(clients);
        await host?.dispose();
    });

    test('GET /admin/sessions lists a live session with its subscriptions and traffic counters', async () => {
        const did = freshDid('sess');
        const t0 = Date.now();
        const c = await connectDev(host, did);
        clients.push(c);
        const t1 = Date.now();
        const e1 = randomEntityId();
        const e2 = randomEntityId();
        await c.subscribe(e1, newDoc());
        await c.subscribe(e2, newDoc());
        const s = await waitForSession(host, (x) => x.did === did && x.subscriptions.length === 2);
        assertSessionShape(s, 'live session');
        assertIsoBetween(s.connectedAt, t0, t1, 'connectedAt');
        assert.deepEqual([...s.subscriptions].sort(), [e1, e2].sort());
        // Every session lists its rooms with the permission it holds now (open host: write).
        assert.deepEqual(s.rooms.map((r) => `${r.id} ${r.kind} ${r.permission}`).sort(),
            [`${e1} loro write`, `${e2} loro write`].sort());
        assert.ok(s.framesIn >= 2, `framesIn ${s.framesIn} after two subscribes`);
        assert.ok(s.framesOut >= 2, `framesOut ${s.framesOut} after two handleUpdates`);
        const sentBytes = c.sent.reduce((a, f) => a + f.bytes.length, 0);
        assert.equal(s.bytesIn, sentBytes, 'bytesIn equals the bytes the client sent');
        const recvBytes = c.frames.reduce((a, f) => a + f.size, 0);
        assert.equal(s.bytesOut, recvBytes, 'bytesOut equals the bytes the client received');

        // The counters grow with traffic: one more update in, and one out when another client writes.
        const doc = c.entity(e1).doc;
        appendText(doc, 'more');
        await delay(20);
        const s2 = await waitForSession(host, (x) => x.id === s.id && x.framesIn === s.framesIn + 1);
        const sentNow = c.sent.reduce((a, f) => a + f.bytes.length, 0);
        assert.equal(s2.bytesIn, sentNow, 'bytesIn after one more update');
        const other = await connectDev(host, freshDid('writer'));
        clients.push(other);
        const od = newDoc();
        await other.subscribe(e1, od);
        const mark = c.mark();
        appendText(od, 'from the other');
        await c.waitForUpdate(e1, { since: mark });
        const s3 = await waitForSession(host, (x) => x.id === s.id && x.framesOut > s2.framesOut);
        assert.ok(s3.bytesOut > s2.bytesOut, 'bytesOut grew');

        // Unsubscribing removes the subscription.
        c.unsubscribe(e2);
        await waitForSession(host, (x) => x.id === s.id && x.subscriptions.length === 1 && x.subscriptions[0] === e1,
            { what: 'the unsubscribed entity to leave subscriptions' });
    });

    test('GET /admin/sessions/<id> shows one session; unknown ids answer 404', async () => {
        const did = freshDid('one');
        const c = await connectDev(host, did);
        clients.push(c);
        const s = await waitForSession(host, (x) => x.did === did);
        const one = await adminJson(host, `/admin/sessions/${encodeURIComponent(s.id)}`);
        assertSessionShape(one, 'single session');
        assert.equal(one.id, s.id);
        assert.equal(one.did, did);
        for (const id of ['999999', 'abc', '-1', '1.5']) {
            assertError(await adminRequest(host, 'GET', `/admin/sessions/${id}`), 404, 'NotFound', `session ${id}`);
        }
    });

    test('POST /admin/sessions/<id>/revoke -> 200 and the socket closes with 4403 "revoked by operator" within 1 s', async () => {
        const did = freshDid('rev');
        const victim = await connectDev(host, did);
        const sibling = await connectDev(host, did);
        clients.push(victim, sibling);
        const e = randomEntityId();
        await victim.subscribe(e, newDoc());
        const sessions = await waitUntil(async () => {
            const l = (await listSessions(host)).filter((x) => x.did === did);
            return l.length === 2 && l;
        }, { what: 'two sessions' });
        const target = sessions.find((x) => x.subscriptions.includes(e));
        assert.ok(target, 'the subscribed session');
        const mark = await logMark(host);
        const t0 = performance.now();
        const r = await adminRequest(host, 'POST', `/admin/sessions/${target.id}/revoke`);
        assert.equal(r.status, 200, show(r));
        const closed = await closeWithin(victim, t0, 1000, 'revoked session');
        assert.equal(closed.code, 4403, `close code (reason "${closed.reason}")`);
        assert.equal(closed.reason, 'revoked by operator');
        assert.ok(closed.took <= 1000, `closed ${closed.took.toFixed(0)} ms after the revoke request`);
        await waitNoSession(host, (x) => x.id === target.id);
        // The other session of the same DID is untouched (a revoke is not a ban).
        await delay(200);
        assert.ok(sibling.isOpen, 'the sibling session was closed too');
        assert.ok((await listSessions(host)).some((x) => x.did === did), 'sibling left the list');
        const again = await connectDev(host, did);
        clients.push(again);
        // Revoked twice, or never existed: 404.
        assertError(await adminRequest(host, 'POST', `/admin/sessions/${target.id}/revoke`), 404, 'NotFound', 'revoked again');
        assertError(await adminRequest(host, 'POST', '/admin/sessions/987654/revoke'), 404, 'NotFound', 'unknown id');
        assertError(await adminRequest(host, 'POST', '/admin/sessions/nope/revoke'), 404, 'NotFound', 'non-numeric id');
        // Logged.
        const entries = await logEntries(host, { since: mark });
        assert.ok(entries.some((x) => /revoked/i.test(x.message) && x.session === target.id && x.did === did),
            `no revoke entry in the log: ${JSON.stringify(entries)}`);
    });

    test('a session that is sending when revoked (or banned) still sees 4403 within 1 s, not a reset', async () => {
        for (const how of ['revoke', 'ban']) {
            const did = freshDid(`busy-${how}`);
            const c = await connectDev(host, did);
            clients.push(c);
            const e = randomEntityId();
            const doc = newDoc();
            await c.subscribe(e, doc);
            const s = await waitForSession(host, (x) => x.did === did);
            let stop = false;
            const pump = (async () => {
                for (let i = 0; !stop && c.isOpen && i < 2000; i++) {
                    appendText(doc, `chunk ${i} `.repeat(20));
                    await delay(2);
                }
            })();
            await delay(100);
            const t0 = performance.now();
            const r = how === 'revoke'
                ? await adminRequest(host, 'POST', `/admin/sessions/${s.id}/revoke`)
                : await adminRequest(host, 'POST', '/admin/bans', { body: { did, reason: 'busy' } });
            assert.equal(r.status, 200, show(r));
            const closed = await closeWithin(c, t0, 1000, `busy session (${how})`);
            stop = true;
            await pump;
            assert.equal(closed.code, 4403, `${how} of a sending session: close code ${closed.code} "${closed.reason}"`);
            assert.ok(closed.took <= 1000, `${how}: closed ${closed.took.toFixed(0)} ms after the request`);
            await waitNoSession(host, (x) => x.id === s.id);
        }
    });

    test('wrong methods on session routes answer 405; unknown sub-routes 404', async () => {
        for (const [m, p] of [['POST', '/admin/sessions'], ['DELETE', '/admin/sessions'], ['PUT', '/admin/sessions'],
            ['DELETE', '/admin/sessions/1'], ['POST', '/admin/sessions/1'], ['GET', '/admin/sessions/1/revoke'],
            ['DELETE', '/admin/sessions/1/revoke']]) {
            assertError(await adminRequest(host, m, p), 405, null, `${m} ${p}`);
        }
        for (const p of ['/admin/sessions/1/nope', '/admin/sessions/1/revoke/x', '/admin/nothing', '/admin']) {
            assertError(await adminRequest(host, 'GET', p), 404, 'NotFound', p);
        }
    });
});

describe('admin API: documents', { timeout: 120000 }, () => {
    let host;
    const clients = [];
    before(async () => { host = await startAdminHost(); });
    after(async () => {
        await closeAll(clients);
        await host?.dispose();
    });

    test('list, history and export of a written document; peers and lastWriter follow the writers', async () => {
        const alice = freshDid('alice');
        const bob = freshDid('bob');
        const ca = await connectDev(host, alice);
        clients.push(ca);
        const e = randomEntityId();
        const da = newDoc();
        await ca.subscribe(e, da);
        const t0 = Date.now();
        for (const s of ['one ', 'two ', 'three ']) {
            appendText(da, s);
            await delay(30);
        }
        const d1 = await waitForDocument(host, e, (d) => d.blocks >= 3);
        assertDocumentShape(d1, 'document');
        assert.equal(d1.peers, 1, 'one writer peer');
        assert.equal(d1.subscribers, 1);
        assert.equal(d1.lastWriter, alice);
        assertIsoBetween(d1.updatedAt, t0, Date.now(), 'updatedAt');

        const detail = await adminJson(host, `/admin/documents/${e}`);
        assertDocumentShape(detail, 'detail');
        assert.equal(detail.entityId, e);
        assert.ok(Array.isArray(detail.history), `no history array: ${JSON.stringify(detail)}`);
        assert.equal(detail.history.length, detail.blocks, 'history length equals blocks');
        assert.equal(detail.bytes, detail.history.reduce((a, b) => a + b.size, 0), 'bytes equals the sum of block sizes');
        const peer = da.peerIdStr;
        let next = 0;
        for (const b of [...detail.history].sort((x, y) => x.counterStart - y.counterStart)) {
            for (const key of ['peer', 'counterStart', 'counterEnd', 'lamportStart', 'lamportEnd', 'changes', 'size', 'receivedAt', 'fromDid']) {
                assert.ok(key in b, `history entry has no "${key}": ${JSON.stringify(b)}`);
            }
            assert.equal(typeof b.peer, 'string', 'peer is a string');
            assert.equal(b.peer, peer, 'peer id of the writer');
            assert.equal(b.counterStart, next, 'counter ranges are contiguous');
            assert.ok(b.counterEnd > b.counterStart && b.lamportEnd > b.lamportStart, JSON.stringify(b));
            assert.ok(b.changes >= 1 && b.size > 0, JSON.stringify(b));
            assert.equal(b.fromDid, alice);
            assertIsoBetween(b.receivedAt, t0, Date.now(), 'receivedAt');
            next = b.counterEnd;
        }
        assert.equal(next, vvObject(da.version())[peer], 'history covers the writer\'s whole version');

        // A second writer: two peers, and the last writer is bob.
        const cb = await connectDev(host, bob);
        clients.push(cb);
        const db = newDoc();
        await cb.subscribe(e, db);
        const mark = ca.mark();
        appendText(db, 'bob');
        await ca.waitForUpdate(e, { since: mark });
        const d2 = await waitForDocument(host, e, (d) => d.peers === 2);
        assert.equal(d2.lastWriter, bob, 'lastWriter after bob wrote');
        assert.equal(d2.subscribers, 2);
        const detail2 = await adminJson(host, `/admin/documents/${e}`);
        const bobBlocks = detail2.history.filter((b) => b.peer === db.peerIdStr);
        assert.ok(bobBlocks.length >= 1 && bobBlocks.every((b) => b.fromDid === bob), JSON.stringify(detail2.history));

        // Export: one Loro update blob that rebuilds the document.
        const r = await adminRequest(host, 'GET', `/admin/documents/${e}/export`);
        assert.equal(r.status, 200, show(r));
        assert.match(r.headers.get('content-type') ?? '', /octet-stream/);
        const fresh = new LoroDoc();
        fresh.import(r.bytes);
        assert.equal(textOf(fresh), textOf(da), 'exported text equals the writer\'s');
        assert.deepEqual(vvObject(fresh.version()), vvObject(da.version()), 'exported version equals the writer\'s');
        assert.deepEqual(fresh.toJSON(), da.toJSON());
    });

    test('DELETE answers 409 while subscribed, then removes the document', async () => {
        const did = freshDid('del');
        const c = await connectDev(host, did);
        const e = randomEntityId();
        const doc = newDoc();
        await c.subscribe(e, doc);
        appendText(doc, 'to be deleted');
        await waitForDocument(host, e, (d) => d.blocks >= 1);
        const before = await scrape(host);

        const busy = await adminRequest(host, 'DELETE', `/admin/documents/${e}`);
        assertError(busy, 409, 'Conflict', 'delete while subscribed');
        assert.ok((await listDocuments(host)).some((d) => d.entityId === e), 'the document went away on a 409');

        await c.close();
        await waitForDocument(host, e, (d) => d.subscribers === 0);
        const mark = await logMark(host);
        const r = await adminRequest(host, 'DELETE', `/admin/documents/${e}`);
        assert.equal(r.status, 200, show(r));
        assert.ok(!(await listDocuments(host)).some((d) => d.entityId === e), 'still listed after delete');
        assertError(await adminRequest(host, 'GET', `/admin/documents/${e}`), 404, 'NotFound', 'detail after delete');
        assertError(await adminRequest(host, 'GET', `/admin/documents/${e}/export`), 404, 'NotFound', 'export after delete');
        assertError(await adminRequest(host, 'DELETE', `/admin/documents/${e}`), 404, 'NotFound', 'delete twice');
        const afterScrape = await scrape(host);
        assert.equal(metricValue(afterScrape, 'canopy_documents'), metricValue(before, 'canopy_documents') - 1, 'canopy_documents');
        const entries = await logEntries(host, { since: mark });
        assert.ok(entries.some((x) => x.entity === e), `no log entry with entity ${e}: ${JSON.stringify(entries)}`);
    });

    test('invalid entity ids answer 400 InvalidRequest, unknown ones 404, wrong methods 405', async () => {
        const unknown = randomEntityId();
        for (const bad of ['not-an-entity', 'leaf:short', 'leaf:' + 'u'.repeat(52), encodeURIComponent('leaf:ABC'),
            'LEAF:' + unknown.slice(5)]) {
            assertError(await adminRequest(host, 'GET', `/admin/documents/${bad}`), 400, 'InvalidRequest', `GET ${bad}`);
            assertError(await adminRequest(host, 'GET', `/admin/documents/${bad}/export`), 400, 'InvalidRequest', `export ${bad}`);
            assertError(await adminRequest(host, 'DELETE', `/admin/documents/${bad}`), 400, 'InvalidRequest', `DELETE ${bad}`);
        }
        assertError(await adminRequest(host, 'GET', `/admin/documents/${unknown}`), 404, 'NotFound', 'unknown detail');
        assertError(await adminRequest(host, 'GET', `/admin/documents/${unknown}/export`), 404, 'NotFound', 'unknown export');
        assertError(await adminRequest(host, 'DELETE', `/admin/documents/${unknown}`), 404, 'NotFound', 'unknown delete');
        assertError(await adminRequest(host, 'GET', `/admin/documents/${unknown}/nope`), 404, 'NotFound', 'unknown sub-route');
        for (const [m, p] of [['POST', '/admin/documents'], ['DELETE', '/admin/documents'], ['PUT', `/admin/documents/${unknown}`],
            ['POST', `/admin/documents/${unknown}`], ['POST', `/admin/documents/${unknown}/export`],
            ['DELETE', `/admin/documents/${unknown}/export`]]) {
            assertError(await adminRequest(host, m, p), 405, null, `${m} ${p}`);
        }
    });
});

describe('admin API: tokens', { timeout: 120000 }, () => {
    let host;
    let dids;
    let kp;
    let plcDid;
    const clients = [];
    before(async () => {
        dids = await DidServer.start();
        kp = await makeKeypair('k256');
        plcDid = dids.addPlc(kp);
        host = await startAdminHost({ did: SERVICE_DID, args: ['--plc-url', dids.url] });
    });
    after(async () => {
        await closeAll(clients);
        await host?.dispose();
        await dids?.stop();
    });

    test('POST /admin/tokens issues a token once; the list never shows a value; unused -> used with the session', async () => {
        const did = freshDid('tok');
        const t0 = Date.now();
        const r = await adminRequest(host, 'POST', '/admin/tokens', { body: { did } });
        assert.equal(r.status, 200, show(r));
        assert.match(r.json.token, TOKEN_VALUE_RE, 'issued token');
        assert.equal(r.json.did, did);
        assert.equal(r.json.state, 'unused');
        assert.equal(r.json.session, null);
        const id = String(r.json.id);
        assertIsoBetween(r.json.issuedAt, t0, Date.now(), 'issuedAt');
        assert.ok(Date.parse(r.json.expiresAt) > Date.parse(r.json.issuedAt), 'expiresAt after issuedAt');

        const list = await adminRequest(host, 'GET', '/admin/tokens');
        assert.equal(list.status, 200);
        assert.ok(!list.text.includes(r.json.token), 'GET /admin/tokens shows the token value');
        const rec = list.json.tokens.find((t) => String(t.id) === id);
        assert.ok(rec, `token ${id} not listed`);
        assertTokenShape(rec, 'listed token');
        assert.equal(rec.state, 'unused');
        assert.equal(rec.session, null);
        assert.equal(rec.did, did);
        for (const t of list.json.tokens) assertTokenShape(t, `token ${t.id}`);

        const c = await LeafClient.connect(host.wsUrl(did), r.json.token);
        clients.push(c);
        const s = await waitForSession(host, (x) => x.did === did);
        const used = await waitUntil(async () => {
            const t = await tokenRecord(host, id);
            return t?.state === 'used' && t.session !== null && t;
        }, { what: `token ${id} to become used with its session` });
        assert.equal(String(used.session), s.id, 'the token names the session it opened');
        assert.ok(!(await adminRequest(host, 'GET', '/admin/tokens')).text.includes(r.json.token));

        // Single use.
        const again = await openSync(host, did, r.json.token);
        assert.equal(again.opened, false, 'a used token opened a second session');
        assert.equal(again.statusCode, 403);

        // The host log never carries the value.
        assert.ok(!host.lines.join('\n').includes(r.json.token), 'token value in the host log');
    });

    test('POST /admin/tokens/<id>/revoke: revoked tokens open nothing; unknown ids 404', async () => {
        const did = freshDid('revtok');
        const r = await adminRequest(host, 'POST', '/admin/tokens', { body: { did } });
        assert.equal(r.status, 200, show(r));
        const id = String(r.json.id);
        const mark = await logMark(host);
        const rev = await adminRequest(host, 'POST', `/admin/tokens/${id}/revoke`);
        assert.equal(rev.status, 200, show(rev));
        assert.equal((await tokenRecord(host, id)).state, 'revoked');
        const s = await openSync(host, did, r.json.token);
        assert.equal(s.opened, false, 'a revoked token opened a session');
        assert.equal(s.statusCode, 403, `revoked token: HTTP ${s.statusCode} ${s.body}`);
        assert.equal((await tokenRecord(host, id)).state, 'revoked', 'state after the refused use');
        assertError(await adminRequest(host, 'POST', `/admin/tokens/${id}/revoke`), 404, 'NotFound', 'revoke twice');
        assertError(await adminRequest(host, 'POST', '/admin/tokens/99999999/revoke'), 404, 'NotFound', 'unknown id');
        assertError(await adminRequest(host, 'POST', '/admin/tokens/abc/revoke'), 404, 'NotFound', 'non-numeric id');
        const entries = await logEntries(host, { since: mark });
        assert.ok(entries.some((x) => /revoked/i.test(x.message) && x.category === 'canopy.auth'),
            `no token revocation in the log: ${JSON.stringify(entries)}`);
    });

    test('a token bought with a real service JWT is listed with its DID, and the issuance is logged', async () => {
        const mark = await logMark(host);
        const r = await mintAndBuy(host, { iss: plcDid, keypair: kp });
        assert.equal(r.status, 200, `token endpoint: ${r.text}`);
        const list = await adminRequest(host, 'GET', '/admin/tokens');
        assert.ok(!list.text.includes(r.json.token));
        const rec = list.json.tokens.find((t) => t.did === plcDid && t.state === 'unused');
        assert.ok(rec, `no unused token for ${plcDid}: ${list.text}`);
        const entries = await logEntries(host, { since: mark, did: plcDid });
        assert.ok(entries.some((x) => /issued/i.test(x.message)), `no issuance in the log: ${JSON.stringify(entries)}`);
    });

    test('bad token requests: 400 InvalidRequest for bad JSON, wrong types, invalid DIDs; 405 for wrong methods', async () => {
        for (const [label, body] of [['bad JSON', '{"did": '], ['not an object', '["did:web:x.test"]'], ['empty body', ''],
            ['no did', {}], ['did a number', { did: 42 }], ['did null', { did: null }], ['did an array', { did: ['did:web:x.test'] }],
            ['not a DID', { did: 'alice' }], ['DID with spaces', { did: 'did:web:a b' }]]) {
            assertError(await adminRequest(host, 'POST', '/admin/tokens', { body }), 400, 'InvalidRequest', label);
        }
        for (const [m, p] of [['DELETE', '/admin/tokens'], ['PUT', '/admin/tokens'], ['GET', '/admin/tokens/1/revoke'],
            ['DELETE', '/admin/tokens/1/revoke']]) {
            assertError(await adminRequest(host, m, p), 405, null, `${m} ${p}`);
        }
        assertError(await adminRequest(host, 'GET', '/admin/tokens/1/nope'), 404, 'NotFound', 'unknown sub-route');
    });

    test('with --token-ttl 1 an unused token turns expired and is refused', async () => {
        const h = await startAdminHost({ args: ['--token-ttl', '1'] });
        try {
            const did = freshDid('ttl');
            const r = await adminRequest(h, 'POST', '/admin/tokens', { body: { did } });
            assert.equal(r.status, 200, show(r));
            assert.equal(r.json.state, 'unused');
            const span = Date.parse(r.json.expiresAt) - Date.parse(r.json.issuedAt);
            assert.ok(Math.abs(span - 1000) <= 5, `expiresAt - issuedAt = ${span} ms with --token-ttl 1`);
            const rec = await waitUntil(async () => {
                const t = await tokenRecord(h, r.json.id);
                return t?.state === 'expired' && t;
            }, { timeoutMs: 4000, intervalMs: 100, what: 'the token to expire' });
            assert.equal(rec.session, null);
            const s = await openSync(h, did, r.json.token);
            assert.equal(s.opened, false, 'an expired token opened a session');
            assert.equal(s.statusCode, 403);
            assert.equal((await tokenRecord(h, r.json.id)).state, 'expired');
        } finally {
            await h.dispose();
        }
    });
});

describe('admin API: bans', { timeout: 150000 }, () => {
    let host;
    let dids;
    let kp;
    let plcDid;
    const clients = [];
    before(async () => {
        dids = await DidServer.start();
        kp = await makeKeypair('p256');
        plcDid = dids.addPlc(kp);
        host = await startAdminHost({ did: SERVICE_DID, args: ['--plc-url', dids.url] });
    });
    after(async () => {
        await closeAll(clients);
        await host?.dispose();
        await dids?.stop();
    });

    test('a ban closes the DID\'s live sockets with 4403 at once; /sync/as/ answers 403 (dev token too); unban lets it back', async () => {
        const did = freshDid('ban');
        const bystander = freshDid('bystander');
        const a1 = await connectDev(host, did);
        const a2 = await connectDev(host, did);
        const b = await connectDev(host, bystander);
        clients.push(a1, a2, b);
        await waitUntil(async () => (await listSessions(host)).filter((x) => x.did === did).length === 2, { what: 'two sessions' });
        const mark = await logMark(host);
        const t0 = performance.now();
        const r = await adminRequest(host, 'POST', '/admin/bans', { body: { did, reason: 'spam' } });
        assert.equal(r.status, 200, show(r));
        assert.equal(r.json.did, did);
        assert.equal(r.json.reason, 'spam');
        assertIso(r.json.since, 'since');
        assert.equal(r.json.until ?? null, null, 'until of a ban without one');
        for (const [c, label] of [[a1, 'first'], [a2, 'second']]) {
            const closed = await closeWithin(c, t0, 1000, `${label} socket of the banned DID`);
            assert.equal(closed.code, 4403, `${label} socket close code (reason "${closed.reason}")`);
            assert.ok(closed.took <= 1000, `${label} socket closed ${closed.took.toFixed(0)} ms after the ban`);
        }
        await waitNoSession(host, (x) => x.did === did);
        assert.ok(b.isOpen, 'a bystander was closed by the ban');

        const listed = (await listBans(host)).find((x) => x.did === did);
        assert.ok(listed, 'the ban is not listed');
        for (const key of ['did', 'reason', 'since', 'until']) assert.ok(key in listed, `ban has no "${key}"`);
        assert.equal(listed.reason, 'spam');
        assert.equal(listed.since, r.json.since);

        const refused = await openSync(host, did, host.token);
        assert.equal(refused.opened, false, 'a banned DID opened a session with the dev token');
        assert.equal(refused.statusCode, 403, `banned DID: HTTP ${refused.statusCode} ${refused.body}`);
        assert.equal(refused.json?.error, 'AccountBanned', refused.body);

        // A token issued by the operator for a banned DID opens nothing either.
        const tok = await adminRequest(host, 'POST', '/admin/tokens', { body: { did } });
        if (tok.status === 200) {
            const s = await openSync(host, did, tok.json.token);
            assert.equal(s.opened, false, 'a token opened a session for a banned DID');
            assert.equal(s.statusCode, 403);
        }

        const entries = await logEntries(host, { since: mark, did });
        assert.ok(entries.some((x) => /ban/i.test(x.message)), `no ban in the log: ${JSON.stringify(entries)}`);
        assert.ok(entries.some((x) => /refused/i.test(x.message)), `no refusal in the log: ${JSON.stringify(entries)}`);

        const un = await adminRequest(host, 'DELETE', `/admin/bans/${did}`);
        assert.equal(un.status, 200, show(un));
        assert.ok(!(await listBans(host)).some((x) => x.did === did), 'still listed after unban');
        const back = await connectDev(host, did);
        clients.push(back);
        assert.ok(back.isOpen);
        assertError(await adminRequest(host, 'DELETE', `/admin/bans/${did}`), 404, 'NotFound', 'unban twice');
        const lifted = await logEntries(host, { since: mark, did });
        assert.ok(lifted.some((x) => /lifted|unban/i.test(x.message)), `no unban in the log: ${JSON.stringify(lifted)}`);
    });

    test('the token endpoint answers 403 {"error":"AccountBanned"} to a valid JWT of a banned DID', async () => {
        const before = await scrape(host);
        const ok = await mintAndBuy(host, { iss: plcDid, keypair: kp });
        assert.equal(ok.status, 200, `before the ban: ${ok.text}`);
        const r = await adminRequest(host, 'POST', '/admin/bans', { body: { did: plcDid, reason: 'abuse' } });
        assert.equal(r.status, 200, show(r));
        const refused = await mintAndBuy(host, { iss: plcDid, keypair: kp });
        assert.equal(refused.status, 403, `banned: ${refused.text}`);
        assert.equal(refused.json?.error, 'AccountBanned', refused.text);
        assert.equal(typeof refused.json?.message, 'string');
        // The token bought before the ban opens nothing now.
        const s = await openSync(host, plcDid, ok.json.token);
        assert.equal(s.opened, false, 'a token bought before the ban opened a session');
        assert.equal(s.statusCode, 403);
        const afterScrape = await scrape(host);
        assert.equal(metricValue(afterScrape, 'canopy_auth_failures_total', { error: 'AccountBanned' }),
            metricValue(before, 'canopy_auth_failures_total', { error: 'AccountBanned' }) + 1, 'AccountBanned failures');
        const un = await adminRequest(host, 'DELETE', `/admin/bans/${plcDid}`);
        assert.equal(un.status, 200, show(un));
        const again = await mintAndBuy(host, { iss: plcDid, keypair: kp });
        assert.equal(again.status, 200, `after unban: ${again.text}`);
    });

    test('until in the past lifts a ban; until in the future holds until it passes', async () => {
        const did = freshDid('until');
        const ban = await adminRequest(host, 'POST', '/admin/bans', { body: { did, reason: 'r1' } });
        assert.equal(ban.status, 200, show(ban));
        assert.equal((await openSync(host, did, host.token)).statusCode, 403, 'banned');

        const past = new Date(Date.now() - 60000).toISOString();
        const lift = await adminRequest(host, 'POST', '/admin/bans', { body: { did, reason: 'r2', until: past } });
        assert.equal(lift.status, 200, show(lift));
        assert.equal(Date.parse(lift.json.until), Date.parse(past), 'until echoed');
        const open = await openSync(host, did, host.token);
        assert.equal(open.opened, true, `a ban with until in the past still refuses: HTTP ${open.statusCode} ${open.body}`);

        const did2 = freshDid('future');
        const c = await connectDev(host, did2);
        clients.push(c);
        const until = new Date(Date.now() + 2500);
        const fut = await adminRequest(host, 'POST', '/admin/bans', { body: { did: did2, reason: 'short', until: until.toISOString() } });
        assert.equal(fut.status, 200, show(fut));
        assert.equal(Date.parse(fut.json.until), until.getTime(), 'until echoed');
        const closed = await c.waitClose(2000);
        assert.equal(closed.code, 4403, 'a ban with until in the future closes live sockets');
        const listed = (await listBans(host)).find((x) => x.did === did2);
        assert.equal(Date.parse(listed.until), until.getTime(), 'listed until');
        assert.equal((await openSync(host, did2, host.token)).statusCode, 403, 'refused before until');
        await delay(Math.max(0, until.getTime() - Date.now()) + 200);
        const later = await openSync(host, did2, host.token);
        assert.equal(later.opened, true, `still refused after until passed: HTTP ${later.statusCode} ${later.body}`);

        // Offsets other than Z are understood.
        const did3 = freshDid('offset');
        const off = await adminRequest(host, 'POST', '/admin/bans', { body: { did: did3, reason: 'tz', until: '2099-01-01T02:00:00+02:00' } });
        assert.equal(off.status, 200, show(off));
        assert.equal(Date.parse(off.json.until), Date.parse('2099-01-01T00:00:00Z'));
        assert.equal((await openSync(host, did3, host.token)).statusCode, 403);
    });

    test('DIDs with escapes (did:web:host%3Aport) are banned and unbanned by their written or encoded form', async () => {
        const did = `did:web:localhost%3A${40000 + (process.pid % 20000)}`;
        const r = await adminRequest(host, 'POST', '/admin/bans', { body: { did, reason: 'port' } });
        assert.equal(r.status, 200, show(r));
        assert.equal(r.json.did, did);
        assert.equal((await openSync(host, did, host.token)).statusCode, 403);
        assert.equal((await adminRequest(host, 'DELETE', `/admin/bans/${did}`)).status, 200, 'unban as written');
        assert.equal((await openSync(host, did, host.token)).opened, true);
        assert.equal((await adminRequest(host, 'POST', '/admin/bans', { body: { did, reason: 'port' } })).status, 200);
        const un = await adminRequest(host, 'DELETE', `/admin/bans/${encodeURIComponent(did)}`);
        assert.equal(un.status, 200, `unban percent-encoded whole: ${show(un)}`);
        assert.ok(!(await listBans(host)).some((x) => x.did === did));
        const plc = 'did:plc:abcdefghijklmnopqrstuvwx';
        assert.equal((await adminRequest(host, 'POST', '/admin/bans', { body: { did: plc, reason: 'x' } })).status, 200);
        assert.equal((await adminRequest(host, 'DELETE', `/admin/bans/${encodeURIComponent(plc)}`)).status, 200, 'did:plc encoded');
    });

    test('bad ban requests: 400 InvalidRequest (JSON, types, until, DID); 405 wrong methods; 404 unknown ban', async () => {
        const did = freshDid('bad');
        for (const [label, body] of [['bad JSON', '{"did": "did:web:x.test",'], ['not an object', '"did:web:x.test"'],
            ['array', '[]'], ['empty body', ''], ['no did', { reason: 'x' }], ['did a number', { did: 5, reason: 'x' }],
            ['did null', { did: null, reason: 'x' }], ['not a DID', { did: 'mallory', reason: 'x' }],
            ['DID with a slash', { did: 'did:web:a/b', reason: 'x' }], ['reason a number', { did, reason: 5 }],
            ['reason an object', { did, reason: { a: 1 } }], ['until a number', { did, reason: 'x', until: 1700000000 }],
            ['until not a time', { did, reason: 'x', until: 'tomorrow' }], ['until an impossible date', { did, reason: 'x', until: '2030-13-45T99:00:00Z' }],
            ['until a boolean', { did, reason: 'x', until: true }]]) {
            assertError(await adminRequest(host, 'POST', '/admin/bans', { body }), 400, 'InvalidRequest', label);
        }
        assert.ok(!(await listBans(host)).some((x) => x.did === did), 'a refused ban request stored a ban');
        assertError(await adminRequest(host, 'DELETE', `/admin/bans/${freshDid('never')}`), 404, 'NotFound', 'unban of a DID never banned');
        for (const [m, p] of [['PUT', '/admin/bans'], ['DELETE', '/admin/bans'], ['GET', `/admin/bans/${did}`],
            ['POST', `/admin/bans/${did}`]]) {
            assertError(await adminRequest(host, m, p), 405, null, `${m} ${p}`);
        }
        assertError(await adminRequest(host, 'GET', `/admin/bans/${did}/x`), 404, 'NotFound', 'unknown sub-route');
    });

    test('DELETE /admin/bans/<not a DID> answers 400 InvalidRequest', async () => {
        assertError(await adminRequest(host, 'DELETE', '/admin/bans/not-a-did'), 400, 'InvalidRequest', 'unban of an invalid DID');
    });

    test('a ban without a reason is accepted or refused as InvalidRequest, never a server error', async () => {
        const did = freshDid('noreason');
        const r = await adminRequest(host, 'POST', '/admin/bans', { body: { did } });
        assert.ok(r.status === 200 || r.status === 400, `POST /admin/bans {"did"} (no reason): ${show(r)}`);
        if (r.status === 400) assertError(r, 400, 'InvalidRequest');
        else assert.equal((await openSync(host, did, host.token)).statusCode, 403, 'ban without reason does not hold');
    });

    test('bans persist across a restart (with their until), and still refuse', async () => {
        const forever = freshDid('forever');
        const later = freshDid('later');
        const until = new Date(Date.now() + 3600_000).toISOString();
        assert.equal((await adminRequest(host, 'POST', '/admin/bans', { body: { did: forever, reason: 'permanent' } })).status, 200);
        assert.equal((await adminRequest(host, 'POST', '/admin/bans', { body: { did: later, reason: 'an hour', until } })).status, 200);
        const beforeList = await listBans(host);
        await host.restart();
        const afterList = await listBans(host);
        for (const did of [forever, later]) {
            const a = beforeList.find((x) => x.did === did);
            const b = afterList.find((x) => x.did === did);
            assert.ok(b, `ban of ${did} lost across the restart`);
            assert.equal(b.reason, a.reason);
            assert.equal(Date.parse(b.since), Date.parse(a.since), 'since');
            assert.equal(b.until === null ? null : Date.parse(b.until), a.until === null ? null : Date.parse(a.until), 'until');
            const s = await openSync(host, did, host.token);
            assert.equal(s.statusCode, 403, `${did} after restart: HTTP ${s.statusCode} ${s.body}`);
        }
        assert.equal(Date.parse(afterList.find((x) => x.did === later).until), Date.parse(until));
        const unbanned = await mintAndBuy(host, { iss: plcDid, keypair: kp });
        assert.equal(unbanned.status, 200, `a DID unbanned before the restart is refused after it: ${unbanned.text}`);
    });
});

describe('admin API: event log', { timeout: 120000 }, () => {
    let host;
    const clients = [];
    before(async () => { host = await startAdminHost(); });
    after(async () => {
        await closeAll(clients);
        await host?.dispose();
    });

    test('entries have seq, time, level, category, message; seq increases', async () => {
        const entries = await logEntries(host);
        assert.ok(entries.length >= 2, 'start-up entries');
        let last = 0;
        for (const e of entries) {
            for (const key of ['seq', 'time', 'level', 'category', 'message']) assert.ok(key in e, `entry has no "${key}": ${JSON.stringify(e)}`);
            assert.ok(Number.isInteger(e.seq) && e.seq > last, `seq ${e.seq} after ${last}`);
            last = e.seq;
            assertIso(e.time, 'time');
            assert.ok(['debug', 'info', 'warning', 'error'].includes(e.level), `level ${e.level}`);
            assert.equal(typeof e.category, 'string');
            assert.equal(typeof e.message, 'string');
            for (const key of ['did', 'session', 'entity']) {
                if (key in e) assert.equal(typeof e[key], 'string', `${key} of ${JSON.stringify(e)}`);
            }
        }
    });

    test('since, level, category and did filter the entries', async () => {
        const did = freshDid('log');
        const other = freshDid('logother');
        const mark = await logMark(host);
        // Activity: token issuance for two DIDs, a session, a refusal (a ban).
        assert.equal((await adminRequest(host, 'POST', '/admin/tokens', { body: { did } })).status, 200);
        assert.equal((await adminRequest(host, 'POST', '/admin/tokens', { body: { did: other } })).status, 200);
        const c = await connectDev(host, did);
        clients.push(c);
        const e = randomEntityId();
        const doc = newDoc();
        await c.subscribe(e, doc);
        appendText(doc, 'x');
        assert.equal((await adminRequest(host, 'POST', '/admin/bans', { body: { did: other, reason: 'log test' } })).status, 200);
        assert.equal((await openSync(host, other, host.token)).statusCode, 403);

        const all = await logEntries(host);
        const since = await logEntries(host, { since: mark });
        assert.ok(since.length > 0 && since.every((x) => x.seq > mark), 'since');
        assert.deepEqual(since.map((x) => x.seq), all.filter((x) => x.seq > mark).map((x) => x.seq), 'since returns exactly the newer entries');
        assert.ok(since.some((x) => /issued/i.test(x.message) && x.did === did), 'token issuance logged');
        assert.ok(since.some((x) => /ban/i.test(x.message) && x.did === other), 'ban logged');
        assert.ok(since.some((x) => /refused/i.test(x.message) && x.did === other), 'refusal logged');
        const maxSeq = all.at(-1).seq;
        assert.deepEqual(await logEntries(host, { since: maxSeq }), [], 'since the last seq');

        const warnings = await logEntries(host, { level: 'warning' });
        assert.ok(warnings.some((x) => /dev token/i.test(x.message)), 'the dev-token warning at level=warning');
        assert.ok(warnings.every((x) => x.level === 'warning' || x.level === 'error'), `level=warning returned ${[...new Set(warnings.map((x) => x.level))]}`);
        const errors = await logEntries(host, { level: 'error' });
        assert.ok(errors.every((x) => x.level === 'error'), 'level=error');
        const info = await logEntries(host, { level: 'info', since: mark });
        assert.ok(info.some((x) => x.level === 'info'), 'level=info');

        const auth = await logEntries(host, { category: 'canopy.auth' });
        assert.ok(auth.length > 0 && auth.every((x) => x.category === 'canopy.auth'), 'category=canopy.auth');
        const sync = await logEntries(host, { category: 'canopy.sync', since: mark });
        assert.ok(sync.length > 0 && sync.every((x) => x.category === 'canopy.sync'), 'category=canopy.sync');
        assert.deepEqual(await logEntries(host, { category: 'no.such.category' }), []);

        const mine = await logEntries(host, { did });
        assert.ok(mine.length >= 2 && mine.every((x) => x.did === did), `did=${did}: ${JSON.stringify(mine)}`);
        assert.ok(mine.some((x) => x.session), 'the session entry carries its session id');
        const both = await logEntries(host, { did: other, category: 'canopy.auth', since: mark });
        assert.ok(both.length > 0 && both.every((x) => x.did === other && x.category === 'canopy.auth'), 'combined filters');
        assert.deepEqual(await logEntries(host, { did: freshDid('nobody') }), []);
        // A DID with an escape survives the query string.
        const escaped = 'did:web:localhost%3A1234';
        assert.equal((await adminRequest(host, 'POST', '/admin/tokens', { body: { did: escaped } })).status, 200);
        const esc = await logEntries(host, { did: escaped });
        assert.ok(esc.length > 0 && esc.every((x) => x.did === escaped), `did=${escaped}: ${JSON.stringify(esc)}`);
    });

    test('bad log queries answer 400; wrong methods 405; sub-routes 404', async () => {
        assertError(await adminRequest(host, 'GET', '/admin/log?since=abc'), 400, 'InvalidRequest', 'since=abc');
        assertError(await adminRequest(host, 'GET', '/admin/log?level=loud'), 400, 'InvalidRequest', 'level=loud');
        for (const m of ['POST', 'DELETE', 'PUT']) assertError(await adminRequest(host, m, '/admin/log'), 405, null, `${m} /admin/log`);
        assertError(await adminRequest(host, 'GET', '/admin/log/1'), 404, 'NotFound', '/admin/log/1');
    });
});

describe('admin API: metrics', { timeout: 120000 }, () => {
    let host;
    let dids;
    let kp;
    let plcDid;
    const clients = [];
    before(async () => {
        dids = await DidServer.start();
        kp = await makeKeypair('k256');
        plcDid = dids.addPlc(kp);
        host = await startAdminHost({ did: SERVICE_DID, args: ['--plc-url', dids.url] });
    });
    after(async () => {
        await closeAll(clients);
        await host?.dispose();
        await dids?.stop();
    });

    test('/metrics is Prometheus text with the contract\'s names and types', async () => {
        // One auth failure first, so the labelled family has a sample.
        await buyToken(host, null);
        const m = await scrape(host);
        assert.match(m.contentType ?? '', /^text\/plain/);
        const expected = {
            canopy_connections: 'gauge',
            canopy_frames_total: 'counter',
            canopy_bytes_total: 'counter',
            canopy_tokens_issued_total: 'counter',
            canopy_auth_failures_total: 'counter',
            canopy_documents: 'gauge',
            canopy_store_commit_seconds: 'histogram',
            canopy_did_cache_hits_total: 'counter',
            canopy_did_cache_misses_total: 'counter',
        };
        for (const [name, type] of Object.entries(expected)) {
            assert.equal(m.types.get(name), type, `# TYPE ${name} ${type}\n${m.text}`);
        }
        for (const name of ['canopy_connections', 'canopy_tokens_issued_total', 'canopy_documents',
            'canopy_did_cache_hits_total', 'canopy_did_cache_misses_total', 'canopy_store_commit_seconds_count',
            'canopy_store_commit_seconds_sum']) {
            assert.equal(metricSamples(m, name).length, 1, `one sample of ${name}`);
        }
        assert.ok(metricSamples(m, 'canopy_store_commit_seconds_bucket', { le: '+Inf' }).length === 1, 'le="+Inf" bucket');
        assert.ok(metricSamples(m, 'canopy_auth_failures_total').every((s) => typeof s.labels.error === 'string'), 'auth failures by error');
        assert.equal(metricValue(m, 'canopy_auth_failures_total', { error: 'MissingJwt' }) >= 1, true, 'MissingJwt counted');
    });

    test('/metrics reports the process memory: resident size as the kernel counts it, and the live heap below it', async () => {
        const m = await scrape(host);
        assert.equal(m.types.get('process_resident_memory_bytes'), 'gauge');
        assert.equal(m.types.get('canopy_heap_in_use_bytes'), 'gauge');
        const rss = metricValue(m, 'process_resident_memory_bytes');
        const kernelRss = host.rssKiB() * 1024; // /proc/<pid>/status, read by the test
        assert.ok(Math.abs(rss - kernelRss) < Math.max(4 * 1048576, 0.2 * kernelRss),
            `process_resident_memory_bytes ${rss} vs VmRSS ${kernelRss}`);
        const heap = metricValue(m, 'canopy_heap_in_use_bytes');
        assert.ok(heap > 65536 && heap < rss, `canopy_heap_in_use_bytes ${heap} (RSS ${rss})`);
    });

    test('counters move: connections, frames and bytes by direction and type, tokens, auth failures, documents, commits, DID cache', async () => {
        const m0 = await scrape(host);
        const did = freshDid('metrics');
        const c = await connectDev(host, did);
        clients.push(c);
        const e = randomEntityId();
        const doc = newDoc();
        await c.subscribe(e, doc);
        appendText(doc, 'counted');
        await waitForDocument(host, e, (d) => d.blocks >= 1);
        const first = await mintAndBuy(host, { iss: plcDid, keypair: kp });   // resolves the DID: a miss
        assert.equal(first.status, 200, first.text);
        const second = await mintAndBuy(host, { iss: plcDid, keypair: kp });  // cached: a hit
        assert.equal(second.status, 200, second.text);
        assert.equal((await adminRequest(host, 'POST', '/admin/tokens', { body: { did } })).status, 200);
        await buyToken(host, null);                                           // MissingJwt
        await buyToken(host, 'not.a.jwt');                                    // a parse failure
        const m1 = await scrape(host);
        const d = (name, labels) => metricValue(m1, name, labels) - metricValue(m0, name, labels);

        assert.equal(d('canopy_connections'), 1, 'canopy_connections');
        assert.equal(d('canopy_frames_total', { direction: 'in', type: 'subscribe' }), 1, 'frames in/subscribe');
        assert.equal(d('canopy_frames_total', { direction: 'in', type: 'sendUpdate' }), 1, 'frames in/sendUpdate');
        assert.equal(d('canopy_frames_total', { direction: 'out', type: 'handleUpdate' }), 1, 'frames out/handleUpdate');
        const sub = c.sent.find((f) => f.type === 'subscribe').bytes.length;
        const upd = c.sent.find((f) => f.type === 'sendUpdate').bytes.length;
        assert.equal(d('canopy_bytes_total', { direction: 'in', type: 'subscribe' }), sub, 'bytes in/subscribe');
        assert.equal(d('canopy_bytes_total', { direction: 'in', type: 'sendUpdate' }), upd, 'bytes in/sendUpdate');
        assert.equal(d('canopy_bytes_total', { direction: 'out', type: 'handleUpdate' }), c.frames[0].size, 'bytes out/handleUpdate');
        for (const s of [...metricSamples(m1, 'canopy_frames_total'), ...metricSamples(m1, 'canopy_bytes_total')]) {
            assert.ok(['in', 'out'].includes(s.labels.direction) && typeof s.labels.type === 'string', JSON.stringify(s));
        }
        assert.equal(d('canopy_tokens_issued_total'), 3, 'tokens issued (two JWT purchases, one by the operator)');
        assert.equal(d('canopy_auth_failures_total', { error: 'MissingJwt' }), 1, 'MissingJwt');
        assert.ok(metricSum(m1, 'canopy_auth_failures_total') - metricSum(m0, 'canopy_auth_failures_total') >= 2, 'auth failures');
        assert.equal(d('canopy_documents'), 1, 'canopy_documents');
        assert.ok(d('canopy_store_commit_seconds_count') >= 1, 'commit histogram count');
        assert.ok(d('canopy_store_commit_seconds_sum') > 0, 'commit histogram sum');
        assert.ok(d('canopy_did_cache_misses_total') >= 1, 'DID cache misses');
        assert.ok(d('canopy_did_cache_hits_total') >= 1, 'DID cache hits');

        // The histogram is cumulative and ends at the count.
        const buckets = metricSamples(m1, 'canopy_store_commit_seconds_bucket')
            .map((s) => ({ le: s.labels.le === '+Inf' ? Infinity : Number(s.labels.le), v: s.value }))
            .sort((a, b) => a.le - b.le);
        for (let i = 1; i < buckets.length; i++) assert.ok(buckets[i].v >= buckets[i - 1].v, 'buckets are cumulative');
        assert.equal(buckets.at(-1).le, Infinity);
        assert.equal(buckets.at(-1).v, metricValue(m1, 'canopy_store_commit_seconds_count'), '+Inf bucket equals count');

        await c.close();
        await waitUntil(async () => metricValue(await scrape(host), 'canopy_connections') === metricValue(m0, 'canopy_connections'),
            { what: 'canopy_connections to drop back' });
    });

    test('/metrics takes GET only', async () => {
        for (const m of ['POST', 'DELETE', 'PUT']) assertError(await adminRequest(host, m, '/metrics'), 405, null, `${m} /metrics`);
    });
});
