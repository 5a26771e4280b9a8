// Secrets: no token, JWT or admin token value ever appears in a log line, a metric or an error body.
// One representative scenario collects every credential it uses (dev token, sync tokens bought with real service
// JWTs from @atproto/xrpc-server, a token issued by the admin API, the admin token, a wrong admin token, valid and
// bad JWTs and their signature segments) and then searches the host's whole stderr (and stdout), every /metrics
// body, every error body (HTTP and refused WebSocket upgrades) and the admin views (/admin/log is the log; the
// token list must not repeat token values: the one issued by POST /admin/tokens is "shown this once").
// A second host generates its own admin token (no --admin-token): that one must not be logged either.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { adminRequest, makeAdminToken } from './lib/admin.mjs';
import {
    DidServer, SecretTracker, TOKEN_PATH, TOKEN_RE, b64u, buyToken, editJwtKeepSig, flipSigBit, makeKeypair, mintJwt,
} from './lib/atproto.mjs';
import { connectAs, httpGet, startLimitsHost, tryUpgrade, closeWs, subscribedPair } from './lib/hardening.mjs';
import { fetchWithTimeout, startHost } from './lib/host.mjs';
import { appendText, closeAll, crockfordBase32, newDoc, randomEntityId, textOf } from './lib/leaf.mjs';
import { delay, waitUntil } from './lib/util.mjs';

const SERVICE_DID = 'did:web:svc.example.test';

describe('secrets: never in the log, the metrics or an error body', { timeout: 120000 }, () => {
    const secrets = new SecretTracker();
    const errorBodies = [];   // { what, status, body }
    const metricBodies = [];  // raw /metrics texts
    const adminBodies = [];   // { what, body } of admin GETs
    let dids;
    let host;
    let clients = [];
    const ids = [];

    /** Keep an HTTP answer: error bodies (status >= 400) are searched. */
    function keep(what, r) {
        const body = r.text ?? r.body ?? '';
        const status = r.status ?? r.statusCode;
        if (status >= 400) errorBodies.push({ what, status, body });
        return r;
    }

    async function buy(what, auth) {
        const r = keep(`token endpoint: ${what}`, await buyToken(host, auth));
        if (r.json?.token) secrets.add(r.json.token);
        return r;
    }

    async function upgrade(what, did, token) {
        const r = await tryUpgrade(host, did, token);
        if (!r.opened) keep(`upgrade: ${what}`, r);
        else await closeWs(r.ws);
        return r;
    }

    async function admin(what, method, p, o = {}) {
        const r = keep(`admin: ${what}`, await adminRequest(host, method, p, o));
        if (p === '/metrics' && r.status === 200) metricBodies.push(r.text);
        else if (method === 'GET' && r.status === 200) adminBodies.push({ what, body: r.text });
        return r;
    }

    before(async () => {
        dids = await DidServer.start();
        for (const curve of ['k256', 'p256']) {
            const keypair = await makeKeypair(curve);
            ids.push({ did: dids.addPlc(keypair), keypair });
        }
        const webKey = await makeKeypair('k256');
        ids.push({ did: dids.addWeb(webKey), keypair: webKey });
        const adminToken = makeAdminToken();
        // --allow-loopback-did-web: the did:web is served from 127.0.0.1.
        host = await startLimitsHost({ did: SERVICE_DID, adminToken, args: ['--plc-url', dids.url, '--token-ttl', '2', '--allow-loopback-did-web'] });
        secrets.add(host.token);
        secrets.add(adminToken);
    });
    after(async () => {
        await closeAll(clients);
        await host?.dispose();
        await dids?.stop();
    });

    test('the scenario: dev-token sessions, token exchange, bad JWTs, admin API, /metrics, wrong admin tokens', { timeout: 60000 }, async () => {
        // Dev-token sessions exchanging updates.
        const id = randomEntityId();
        const { a, b, da, db } = await subscribedPair(host, id, clients);
        appendText(da, 'hello');
        await waitUntil(() => textOf(db) === 'hello', { what: 'an update between dev-token sessions' });
        const wrongDev = await upgrade('wrong dev token', 'did:web:a.example.test', secrets.add('devtok-' + randomBytes(18).toString('hex')));
        assert.equal(wrongDev.statusCode, 403, `wrong dev token: ${wrongDev.statusCode} ${wrongDev.body}`);

        // Token exchange with real service JWTs, and every way a token can be refused.
        for (const { did, keypair } of ids) {
            const jwt = secrets.jwt(await mintJwt({ iss: did, aud: SERVICE_DID, keypair }));
            const r = await buy(`valid JWT for ${did}`, jwt);
            assert.equal(r.status, 200, `purchase for ${did}: ${r.status} ${r.text}`);
            assert.match(r.json.token, TOKEN_RE);
            const s = await upgrade('bought token', did, r.json.token);
            assert.equal(s.opened, true, `upgrade with the bought token: ${s.statusCode} ${s.body}`);
            const used = await upgrade('token used twice', did, r.json.token);
            assert.equal(used.statusCode, 403);
            const r2 = await buy(`second valid JWT for ${did}`, secrets.jwt(await mintJwt({ iss: did, aud: SERVICE_DID, keypair })));
            const mismatch = await upgrade('token for another DID', 'did:web:someone-else.example.test', r2.json.token);
            assert.equal(mismatch.statusCode, 403);
            const jwtAsToken = await upgrade('JWT offered as the sync token', did, jwt);
            assert.equal(jwtAsToken.statusCode, 403);
        }
        const { did, keypair } = ids[0];
        const good = secrets.jwt(await mintJwt({ iss: did, aud: SERVICE_DID, keypair }));
        const badJwts = {
            'flipped signature bit': flipSigBit(good),
            'wrong audience': await mintJwt({ iss: did, aud: 'did:web:elsewhere.example.test', keypair }),
            'wrong lxm': await mintJwt({ iss: did, aud: SERVICE_DID, keypair, lxm: 'com.example.other' }),
            expired: await mintJwt({ iss: did, aud: SERVICE_DID, keypair, exp: Math.floor(Date.now() / 1000) - 600 }),
            'edited claims, old signature': editJwtKeepSig(good, (p) => { p.exp += 3600; }),
            'random signature': `${good.split('.').slice(0, 2).join('.')}.${b64u(randomBytes(64))}`,
            'unknown DID': await mintJwt({ iss: 'did:plc:aaaaaaaaaaaaaaaaaaaaaaaa', aud: SERVICE_DID, keypair }),
        };
        for (const [what, jwt] of Object.entries(badJwts)) {
            secrets.jwt(jwt);
            const r = await buy(what, jwt);
            assert.ok(r.status === 401 || r.status === 403, `${what}: expected a refusal, got ${r.status} ${r.text}`);
        }
        const fresh = secrets.jwt(await mintJwt({ iss: did, aud: SERVICE_DID, keypair }));
        for (const [what, header] of [['no Bearer scheme', fresh], ['Bearer plus junk', `Bearer ${fresh} junk`],
            ['Basic scheme', `Basic ${Buffer.from(`user:${fresh}`).toString('base64')}`], ['lower-case bearer, bad sig', `bearer ${flipSigBit(fresh)}`]]) {
            const r = await buy(what, { header });
            assert.ok(r.status >= 400, `${what}: ${r.status} ${r.text}`);
        }
        secrets.add(Buffer.from(`user:${fresh}`).toString('base64'));
        const fake = secrets.add(crockfordBase32(randomBytes(32)).toUpperCase());
        assert.equal((await upgrade('made-up token', did, fake)).statusCode, 403);

        // An expired sync token (--token-ttl 2).
        const late = await buy('token to let expire', secrets.jwt(await mintJwt({ iss: ids[1].did, aud: SERVICE_DID, keypair: ids[1].keypair })));
        await delay(2300);
        const expired = await upgrade('expired token', ids[1].did, late.json.token);
        assert.equal(expired.statusCode, 403, `expired token: ${expired.statusCode} ${expired.body}`);

        // Admin API with the admin token: views, an issued token (used), a ban and its refusal, an unban.
        for (const p of ['/admin/sessions', '/admin/documents', '/admin/bans', '/admin/log', '/metrics']) {
            const r = await admin(`GET ${p}`, 'GET', p);
            assert.equal(r.status, 200, `${p}: ${r.status} ${r.text.slice(0, 200)}`);
        }
        const issued = await admin('issue a token', 'POST', '/admin/tokens', { body: { did: 'did:web:issued.example.test' } });
        assert.equal(issued.status, 200, `POST /admin/tokens: ${issued.status} ${issued.text}`);
        secrets.add(issued.json.token);
        const withIssued = await upgrade('admin-issued token', 'did:web:issued.example.test', issued.json.token);
        assert.equal(withIssued.opened, true, `admin-issued token: ${withIssued.statusCode} ${withIssued.body}`);
        const ban = await admin('ban', 'POST', '/admin/bans', { body: { did: ids[2].did, reason: 'secrets test' } });
        assert.equal(ban.status, 200, `ban: ${ban.status} ${ban.text}`);
        const banned = await buy('banned DID', secrets.jwt(await mintJwt({ iss: ids[2].did, aud: SERVICE_DID, keypair: ids[2].keypair })));
        assert.equal(banned.status, 403, `banned DID: ${banned.status} ${banned.text}`);
        await admin('unban', 'DELETE', `/admin/bans/${encodeURIComponent(ids[2].did)}`);
        await admin('bad admin request body', 'POST', '/admin/tokens', { body: { did: 42, token: host.adminToken } });
        await admin('unknown admin path', 'GET', `/admin/nothing-here`);

        // Wrong admin credentials, on the admin API and /metrics.
        const wrongAdmin = secrets.add(makeAdminToken());
        for (const p of ['/metrics', '/admin/sessions', '/admin/tokens']) {
            for (const [what, o] of [['wrong admin token', { token: wrongAdmin }], ['dev token as admin token', { token: host.token }],
                ['a JWT as admin token', { token: fresh }], ['no token', { token: null }],
                ['admin token without Bearer', { authorization: host.adminToken }]]) {
                const r = await admin(`${what} on ${p}`, 'GET', p, o);
                assert.equal(r.status, 401, `${what} on ${p}: ${r.status} ${r.text.slice(0, 200)}`);
            }
        }
        assert.equal((await upgrade('admin token as sync token', did, host.adminToken)).statusCode, 403);
        const m = await admin('/metrics at the end', 'GET', '/metrics');
        assert.equal(m.status, 200);
        const tokensView = await admin('GET /admin/tokens', 'GET', '/admin/tokens');
        assert.equal(tokensView.status, 200);
        const log = await admin('GET /admin/log at the end', 'GET', '/admin/log');
        assert.equal(log.status, 200);

        // A 404 and a 405 on the token endpoint with credentials attached.
        const r404 = await fetchWithTimeout(host.url('/xrpc/com.example.nothing'), { headers: { authorization: `Bearer ${fresh}` } });
        keep('404 with a JWT attached', { status: r404.status, text: await r404.text() });
        const r405 = await fetchWithTimeout(host.url(TOKEN_PATH), { method: 'POST', headers: { authorization: `Bearer ${fresh}` } });
        keep('405 with a JWT attached', { status: r405.status, text: await r405.text() });

        await closeAll(clients);
        clients = [];
        const stop = await host.stop();
        assert.equal(stop.code, 0);
    });

    test('no secret in stderr/stdout, /metrics, error bodies or the admin views', async () => {
        assert.ok(secrets.values.size >= 30, `the scenario collected only ${secrets.values.size} secrets`);
        assert.ok(errorBodies.length >= 40, `the scenario saw only ${errorBodies.length} error bodies`);
        assert.ok(metricBodies.length >= 2);
        assert.ok(host.lines.length > 20, `the host logged only ${host.lines.length} lines (is stderr captured?)`);
        const problems = [];
        const log = host.lines.join('\n') + '\n' + host.stdout;
        for (const leak of secrets.leaks(log)) {
            const line = host.lines.find((l) => l.includes(leak)) ?? '(stdout)';
            problems.push(`stderr/stdout contains ${leak.slice(0, 12)}…: ${line.slice(0, 300)}`);
        }
        metricBodies.forEach((text, i) => {
            for (const leak of secrets.leaks(text)) problems.push(`/metrics body #${i} contains ${leak.slice(0, 12)}…`);
        });
        for (const e of errorBodies) {
            for (const leak of secrets.leaks(e.body)) problems.push(`error body of ${e.what} (HTTP ${e.status}) contains ${leak.slice(0, 12)}…: ${e.body.slice(0, 300)}`);
        }
        for (const a of adminBodies) {
            for (const leak of secrets.leaks(a.body)) problems.push(`${a.what} contains ${leak.slice(0, 12)}…`);
        }
        console.log(`# searched ${host.lines.length} log lines, ${metricBodies.length} /metrics bodies, ${errorBodies.length} error bodies, `
            + `${adminBodies.length} admin views for ${secrets.values.size} secret values`);
        assert.deepEqual(problems, [], `secrets leaked:\n${problems.join('\n')}`);
    });
});

describe('secrets: a generated admin token is not logged', { timeout: 60000 }, () => {
    let host;
    after(async () => { await host?.dispose(); });

    test('without --admin-token the host keeps its own token in <data-dir>/admin-token and never logs it', async () => {
        // No D-Bus session: no keychain, so the token goes to the fallback file the test can read.
        host = await startHost({
            extraArgs: [],
            env: { ADMIN_TOKEN: '', ADMIN_REMOTE: '', DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/canopy-test-bus' },
        });
        const file = path.join(host.dataDir, 'admin-token');
        await waitUntil(() => fs.existsSync(file) && fs.readFileSync(file, 'utf8').trim().length >= 16,
            { timeoutMs: 10000, what: `the generated admin token in ${file}` })
            .catch((err) => { throw new Error(`${err.message}; host log:\n${host.tail(10)}`); });
        const token = fs.readFileSync(file, 'utf8').trim();
        const ok = await httpGet(host.url('/metrics'), { authorization: `Bearer ${token}` });
        assert.equal(ok.status, 200, `the file's token does not open /metrics: ${ok.status} ${ok.text}`);
        const wrong = await httpGet(host.url('/metrics'), { authorization: `Bearer ${token.slice(0, -1)}x` });
        assert.equal(wrong.status, 401);
        await host.stop();
        await host.start(); // loaded again from the file on the second start
        const again = await httpGet(host.url('/metrics'), { authorization: `Bearer ${token}` });
        assert.equal(again.status, 200, 'the same token after a restart');
        await host.stop();
        const tracker = new SecretTracker();
        tracker.add(token);
        assert.deepEqual(tracker.leaks(host.lines.join('\n') + host.stdout + ok.text + wrong.text + again.text), [],
            `the generated admin token was logged:\n${host.lines.filter((l) => l.includes(token)).join('\n')}`);
    });
});

