// Hostile identity probes (issue 10, items 6, 8 and 9) against the real host, with real service JWTs from
// @atproto/xrpc-server and loopback DID servers that count what reaches them:
//   6. forged JWTs naming a victim DID do not lock the victim out: they count against the sender's IP (which
//      gets 429 from its failure bucket), the per-DID limit only against requests whose signature verified;
//   8. a did:web iss naming a loopback, private, link-local or unspecified address (literally, as localhost, or as
//      a name that resolves there) makes no connection at all without --allow-loopback-did-web, and with it
//      resolves; every resolution failure reads the same to the caller (no port scanning), the log has the detail;
//   9. a forged JWT or a garbage token for a banned DID is answered as for any other DID, on the token endpoint
//      and on both upgrade paths; a genuine one hears AccountBanned, never the operator's reason (which only the
//      admin API shows).
// The attacker speaks from 127.0.0.2, the victim from 127.0.0.1 (both loopback, to the host on 127.0.0.1).

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import dns from 'node:dns/promises';
import http from 'node:http';
import os from 'node:os';
import { after, afterEach, before, describe, test } from 'node:test';
import { adminJson, adminRequest, metricValue, scrape, startAdminHost } from './lib/admin.mjs';
import {
    DidServer, SecretTracker, TOKEN_PATH, TOKEN_RE, UNRESOLVED_MESSAGE, b64u, b64uJson, makeKeypair, mintJwt, openSync,
    parseJwt, show,
} from './lib/atproto.mjs';
import { freePort } from './lib/host.mjs';
import { MessageType, RawLoroClient, authBytes, closeAllLoro, roomName } from './lib/loro.mjs';
import { waitUntil } from './lib/util.mjs';

const SERVICE_DID = 'did:web:svc.hostile-identity.test';
const ATTACKER_IP = '127.0.0.2';

/** GET the token endpoint from `localAddress` (a loopback address other than 127.0.0.1 is another client IP). */
function buyFrom(host, jwt, localAddress = '127.0.0.1', { timeoutMs = 10000 } = {}) {
    return new Promise((resolve, reject) => {
        const req = http.get({
            host: '127.0.0.1', port: host.port, path: TOKEN_PATH, localAddress, agent: false,
            headers: { authorization: `Bearer ${jwt}` },
        }, (res) => {
            const chunks = [];
            res.on('data', (c) => chunks.push(c));
            res.on('end', () => {
                const text = Buffer.concat(chunks).toString('utf8');
                let json;
                try { json = JSON.parse(text); } catch { json = undefined; }
                resolve({ status: res.statusCode, text, json, headers: res.headers });
            });
        });
        req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
        req.on('error', reject);
    });
}

/** JWTs for `iss` that anyone can write: signed by the wrong key, a random signature, alg none. */
// One random signature for every DID: whether it is usable at all (r, s in range, low S) depends on its
// bytes and the curve, and must not make two DIDs' answers differ.
const RANDOM_SIGNATURE = b64u(randomBytes(64));

async function forgeries(iss, attackerKey) {
    const byOtherKey = await mintJwt({ iss, aud: SERVICE_DID, keypair: attackerKey });
    const { h, p } = parseJwt(byOtherKey);
    return {
        'signed by another key': byOtherKey,
        'random signature': `${h}.${p}.${RANDOM_SIGNATURE}`,
        'alg none': `${b64uJson({ alg: 'none', typ: 'JWT' })}.${p}.`,
    };
}

function logged(host, did, re, what) {
    return waitUntil(() => host.logs.some((l) => l.did === did && re.test(l.message ?? '')),
        { timeoutMs: 3000, what: `${what}: a log entry for ${did} matching ${re}` });
}

describe('hostile identity: forged JWTs do not lock a DID out (item 6)', { timeout: 120000 }, () => {
    const secrets = new SecretTracker();
    let dids;
    let host;
    let victim;
    let attackerKey;

    before(async () => {
        dids = await DidServer.start();
        const k = await makeKeypair('k256');
        victim = { did: dids.addPlc(k), keypair: k };
        attackerKey = await makeKeypair('k256');
        // The defaults: 300 requests per IP, 60 per DID, 200 failures per IP, each a minute.
        host = await startAdminHost({ did: SERVICE_DID, extraArgs: ['--plc-url', dids.url] });
        secrets.add(host.token);
        secrets.add(host.adminToken);
    });
    after(async () => {
        await host?.dispose();
        await dids?.stop();
    });

    const genuine = async (id) => secrets.jwt(await mintJwt({ iss: id.did, aud: SERVICE_DID, keypair: id.keypair }));

    test('65 forged JWTs naming the victim are 401 each; the victim\'s genuine JWT still buys a token', async () => {
        const forged = await forgeries(victim.did, attackerKey);
        const kinds = Object.keys(forged);
        for (let i = 0; i < 65; i++) {
            const kind = kinds[i % kinds.length];
            const r = await buyFrom(host, secrets.jwt(forged[kind]), ATTACKER_IP);
            assert.equal(r.status, 401, `forgery ${i} (${kind}): ${show(r)}`);
            assert.match(r.json?.error ?? '', /^BadJwt(Signature)?$/, `forgery ${i} (${kind}): ${r.text}`);
        }
        // Before the fix these 65 had spent the victim's 60 requests a minute.
        const r = await buyFrom(host, await genuine(victim));
        assert.equal(r.status, 200, `the victim after 65 forgeries: ${show(r)}`);
        assert.match(r.json.token, TOKEN_RE);
        secrets.add(r.json.token);
    });

    test('the attacker\'s IP runs out of its failure budget (429); the victim, from its own IP, does not', async () => {
        const forged = Object.values(await forgeries(victim.did, attackerKey));
        let refused = null;
        let failures = 65;
        for (let i = 0; i < 300 && !refused; i++) {
            const r = await buyFrom(host, secrets.jwt(forged[i % forged.length]), ATTACKER_IP);
            if (r.status === 429) refused = r;
            else assert.equal(r.status, 401, `forgery ${65 + i}: ${show(r)}`);
            if (r.status === 401) failures += 1;
        }
        assert.ok(refused, 'the attacker was never refused with 429');
        assert.equal(refused.json?.error, 'RateLimitExceeded', refused.text);
        assert.match(refused.json?.message ?? '', /failed authentications from this address/, refused.text);
        assert.ok(Number(refused.headers['retry-after']) > 0, `Retry-After: ${refused.headers['retry-after']}`);
        assert.ok(failures >= 200, `refused after ${failures} failures, before the budget of 200`);
        // Even a genuine JWT is refused from that address now: the budget is the address's, not the DID's.
        assert.equal((await buyFrom(host, await genuine(victim), ATTACKER_IP)).status, 429);
        const r = await buyFrom(host, await genuine(victim));
        assert.equal(r.status, 200, `the victim from its own address: ${show(r)}`);
        secrets.add(r.json.token);
        const m = await scrape(host);
        assert.ok(metricValue(m, 'canopy_refusals_total', { reason: 'auth-failures-ip' }) >= 1, 'auth-failures-ip counted');
        assert.ok(metricValue(m, 'canopy_auth_failures_total', { error: 'BadJwtSignature' }) >= 100, 'failures counted');
    });

    test('genuine requests still meet the per-DID limit (60 a minute); other DIDs are unaffected', async () => {
        // Two genuine purchases so far; the bucket holds 60 (refilling one a second while this runs).
        let refused = null;
        let bought = 2;
        for (let i = 0; i < 80 && !refused; i++) {
            const r = await buyFrom(host, await genuine(victim));
            if (r.status === 429) refused = r;
            else {
                assert.equal(r.status, 200, `genuine purchase ${bought + 1}: ${show(r)}`);
                secrets.add(r.json.token);
                bought += 1;
            }
        }
        assert.ok(refused, `no 429 after ${bought} genuine purchases`);
        assert.equal(refused.json?.error, 'RateLimitExceeded', refused.text);
        assert.equal(refused.json?.message, `too many token requests for ${victim.did}`);
        assert.ok(bought >= 60, `the per-DID limit refused after only ${bought} purchases`);
        const k = await makeKeypair('p256');
        const other = { did: dids.addPlc(k), keypair: k };
        const r = await buyFrom(host, await genuine(other));
        assert.equal(r.status, 200, `another DID: ${show(r)}`);
        secrets.add(r.json.token);
        assert.ok(metricValue(await scrape(host), 'canopy_refusals_total', { reason: 'token-rate-did' }) >= 1);
    });

    test('no JWT or token in the host log', () => {
        const leaks = secrets.leaks(host.lines.join('\n'));
        assert.deepEqual(leaks, [], `secrets in the log: ${leaks.slice(0, 3).join(', ')}`);
    });
});

describe('hostile identity: did:web at local addresses (item 8)', { timeout: 120000 }, () => {
    let trap;      // the listener every local did:web below names; counts accepted connections
    let failing;   // answers HTTP 500 to everything
    let plc;       // --plc-url (an operator's choice: asked wherever it is)
    let kp;
    let cases;     // [what, did, detail in the log, whether the trap can serve it]
    let loopbackName = null;
    const hosts = [];

    before(async () => {
        trap = await DidServer.start();
        failing = await DidServer.start();
        failing.setAll({ status: 500 });
        plc = await DidServer.start();
        kp = await makeKeypair('k256');
        const port = trap.port;
        // A name (not "localhost") that this machine resolves to IPv4 loopback only, as /etc/hosts often
        // makes of its own name: only the address after the lookup can tell it is local.
        const name = os.hostname().toLowerCase();
        const addresses = await dns.lookup(name, { all: true }).catch(() => []);
        if (/^[a-z0-9.-]+$/.test(name) && name !== 'localhost' && !name.endsWith('.localhost') && addresses.length > 0
            && addresses.every((a) => a.family === 4 && a.address.startsWith('127.'))) loopbackName = name;
        cases = [
            ['IPv4 loopback', `did:web:127.0.0.1%3A${port}`, /not public \(loopback address\)/, true],
            ['localhost', `did:web:localhost%3A${port}`, /not public \(loopback address\)/, true],
            ['unspecified 0.0.0.0', `did:web:0.0.0.0%3A${port}`, /not public \(unspecified address\)/, false],
            ['private 10.0.0.1', 'did:web:10.0.0.1', /not public \(private address\)/, false],
            ['private 192.168.0.1', 'did:web:192.168.0.1%3A8080', /not public \(private address\)/, false],
            ['link-local 169.254.169.254', 'did:web:169.254.169.254', /not public \(link-local address\)/, false],
            ['IPv6 loopback [::1]', `did:web:%5B%3A%3A1%5D%3A${port}`, /not public \(loopback address\)/, false],
            ['IPv4-mapped [::ffff:127.0.0.1]', `did:web:%5B%3A%3Affff%3A127.0.0.1%5D%3A${port}`,
                /not public \(loopback address\)/, true],
            ['127.1 (short IPv4)', `did:web:127.1%3A${port}`, /not public \(loopback address\)/, false],
        ];
        if (loopbackName) {
            cases.push([`a name resolving to 127.0.0.1 (${loopbackName})`, `did:web:${loopbackName}%3A${port}`,
                /resolves to 127\.[0-9.]+ \(loopback address\)/, true]);
        }
        for (const [, did, , servable] of cases) if (servable) trap.setKey(did, kp);
    });
    afterEach(async () => {
        while (hosts.length) await hosts.pop().dispose();
    });
    after(async () => {
        await trap?.stop();
        await failing?.stop();
        await plc?.stop();
    });

    async function start(extra = []) {
        const h = await startAdminHost({ did: SERVICE_DID, extraArgs: ['--plc-url', plc.url, ...extra] });
        hosts.push(h);
        return h;
    }

    test('without --allow-loopback-did-web: no connection reaches the listener, one message, the detail in the log', async (t) => {
        if (!loopbackName) t.diagnostic(`${os.hostname()} does not resolve to loopback only here: the name case is left out`);
        const host = await start();
        const texts = new Set();
        for (const [what, did, detail] of cases) {
            const r = await buyFrom(host, await mintJwt({ iss: did, aud: SERVICE_DID, keypair: kp }));
            assert.equal(r.status, 401, `${what}: ${show(r)}`);
            assert.equal(r.json?.error, 'AuthenticationRequired', `${what}: ${r.text}`);
            assert.equal(r.json?.message, UNRESOLVED_MESSAGE, `${what}: ${r.text}`);
            texts.add(r.text);
            await logged(host, did, detail, what);
        }
        // Not a DID at all (brackets are not DID characters): refused before any resolution.
        const raw = await buyFrom(host, await mintJwt({ iss: `did:web:[::1]%3A${trap.port}`, aud: SERVICE_DID, keypair: kp }));
        assert.equal(raw.status, 401, show(raw));
        assert.equal(raw.json?.error, 'BadJwtIss', raw.text);
        // Other failures read the same: a did:plc the directory does not know.
        const unknown = await buyFrom(host, await mintJwt({ iss: 'did:plc:qqqqqqqqqqqqqqqqqqqqqqqq', aud: SERVICE_DID, keypair: kp }));
        texts.add(unknown.text);
        assert.equal(texts.size, 1, `the answers differ: ${[...texts].join(' | ')}`);

        assert.equal(trap.accepted, 0, `${trap.accepted} connection(s) reached the listener`);
        assert.equal(trap.totalRequests, 0);
        const m = await scrape(host);
        assert.equal(metricValue(m, 'canopy_refusals_total', { reason: 'did-web-not-public' }), cases.length,
            'each refusal counted as did-web-not-public');
    });

    test('ALLOW_LOOPBACK_DID_WEB=1 or --allow-loopback-did-web: the loopback ones resolve and buy tokens', async () => {
        const viaEnv = await startAdminHost({ did: SERVICE_DID, extraArgs: ['--plc-url', plc.url], env: { ALLOW_LOOPBACK_DID_WEB: '1' } });
        hosts.push(viaEnv);
        const viaFlag = await start(['--allow-loopback-did-web']);
        for (const host of [viaEnv, viaFlag]) {
            for (const [what, did, , servable] of cases) {
                if (!servable) continue;
                const before = trap.requests(did);
                const r = await buyFrom(host, await mintJwt({ iss: did, aud: SERVICE_DID, keypair: kp }));
                assert.equal(r.status, 200, `${what}: ${show(r)}\n${host.tail(5)}`);
                assert.match(r.json.token, TOKEN_RE);
                assert.equal(trap.requests(did), before + 1, `${what}: one request for the document`);
            }
        }
        assert.ok(trap.accepted > 0);
        assert.ok(viaFlag.logs.some((l) => l.level === 'warning' && /--allow-loopback-did-web/.test(l.message ?? '')),
            'the host warns that it asks local addresses');
    });

    test('with the flag, a closed port and an HTTP 500 read the same to the caller; the log tells them apart', async () => {
        const host = await start(['--allow-loopback-did-web']);
        const closed = `did:web:127.0.0.1%3A${await freePort()}`;
        const five = failing.webDid;
        const a = await buyFrom(host, await mintJwt({ iss: closed, aud: SERVICE_DID, keypair: kp }));
        const b = await buyFrom(host, await mintJwt({ iss: five, aud: SERVICE_DID, keypair: kp }));
        for (const [what, r] of [['closed port', a], ['HTTP 500', b]]) {
            assert.equal(r.status, 401, `${what}: ${show(r)}`);
            assert.equal(r.json?.message, UNRESOLVED_MESSAGE, `${what}: ${r.text}`);
        }
        assert.equal(a.text, b.text, 'a prober can tell a closed port from an HTTP 500');
        assert.ok(failing.requests(five) >= 1, 'the failing server was asked');
        await logged(host, closed, /cannot reach .*refused/i, 'closed port');
        await logged(host, five, /not known to .*HTTP 500/, 'HTTP 500');
    });
});

describe('hostile identity: bans are told only to genuine credentials, never their reason (item 9)', { timeout: 120000 }, () => {
    const secrets = new SecretTracker();
    const reason = `operator-private-${randomBytes(8).toString('hex')}`;
    let dids;
    let host;
    let banned;
    let control;
    let attackerKey;
    let prebanTokens;
    const peers = [];
    const heard = []; // every text an outsider received, checked for the reason at the end

    before(async () => {
        dids = await DidServer.start();
        const k1 = await makeKeypair('k256');
        const k2 = await makeKeypair('k256'); // the same curve: a forgery's answer may depend on it
        banned = { did: dids.addPlc(k1), keypair: k1 };
        control = { did: dids.addPlc(k2), keypair: k2 };
        attackerKey = await makeKeypair('k256');
        host = await startAdminHost({ did: SERVICE_DID, extraArgs: ['--plc-url', dids.url] });
        secrets.add(host.token);
        secrets.add(host.adminToken);
        // Tokens bought before the ban: genuine, unspent.
        prebanTokens = [];
        for (let i = 0; i < 2; i++) {
            const r = await buyFrom(host, secrets.jwt(await mintJwt({ iss: banned.did, aud: SERVICE_DID, keypair: banned.keypair })));
            assert.equal(r.status, 200, show(r));
            prebanTokens.push(secrets.add(r.json.token));
        }
        const ban = await adminRequest(host, 'POST', '/admin/bans', { body: { did: banned.did, reason } });
        assert.equal(ban.status, 200, show(ban));
    });
    after(async () => {
        await closeAllLoro(peers);
        await host?.dispose();
        await dids?.stop();
    });

    function assertSilent(text, what) {
        heard.push(text);
        assert.ok(!/ban/i.test(text), `${what}: mentions a ban: ${text}`);
    }

    test('token endpoint: forged JWTs for a banned DID get what they get for any DID; a genuine one AccountBanned', async () => {
        const forgedBanned = await forgeries(banned.did, attackerKey);
        const forgedControl = await forgeries(control.did, attackerKey);
        for (const kind of Object.keys(forgedBanned)) {
            const a = await buyFrom(host, secrets.jwt(forgedBanned[kind]));
            const b = await buyFrom(host, secrets.jwt(forgedControl[kind]));
            assert.equal(a.status, 401, `${kind}: ${show(a)}`);
            assert.deepEqual([a.status, a.json], [b.status, b.json], `${kind}: banned and unbanned DIDs answered differently`);
            assertSilent(a.text, kind);
        }
        const garbage = await buyFrom(host, 'not-a-jwt');
        assertSilent(garbage.text, 'garbage bearer');
        const r = await buyFrom(host, secrets.jwt(await mintJwt({ iss: banned.did, aud: SERVICE_DID, keypair: banned.keypair })));
        heard.push(r.text);
        assert.equal(r.status, 403, show(r));
        assert.equal(r.json?.error, 'AccountBanned', r.text);
        assert.equal(r.json?.message, 'this DID is banned', r.text);
        assert.equal(r.json?.token, undefined);
    });

    test('/sync/as/: a garbage or foreign token for a banned DID is refused as for any DID; a genuine one as banned', async () => {
        const tokenOfControl = await buyFrom(host, secrets.jwt(await mintJwt({ iss: control.did, aud: SERVICE_DID, keypair: control.keypair })));
        assert.equal(tokenOfControl.status, 200, show(tokenOfControl));
        secrets.add(tokenOfControl.json.token);
        const k = await makeKeypair('k256');
        const other = dids.addPlc(k); // unbanned, never authenticated
        for (const [what, token] of [['garbage', 'A'.repeat(52)], ['another DID\'s token', tokenOfControl.json.token]]) {
            const a = await openSync(host, banned.did, token);
            const b = await openSync(host, other, token);
            assert.equal(a.opened, false, `${what}: opened`);
            assert.equal(a.statusCode, 403, `${what}: ${show(a)}`);
            assert.deepEqual([a.statusCode, a.json], [b.statusCode, b.json], `${what}: banned and unbanned DIDs answered differently`);
            assertSilent(a.body, what);
        }
        for (const [what, token] of [['the dev token', host.token], ['a token bought before the ban', prebanTokens[0]]]) {
            const r = await openSync(host, banned.did, token);
            heard.push(r.body);
            assert.equal(r.opened, false, `${what}: opened a session for a banned DID`);
            assert.equal(r.statusCode, 403, `${what}: ${show(r)}`);
            assert.equal(r.json?.error, 'AccountBanned', `${what}: ${r.body}`);
            assert.equal(r.json?.message, 'this DID is banned', `${what}: ${r.body}`);
        }
    });

    test('/loro/as/: the upgrade tells nothing; a join with a bad token hears what any DID hears, a genuine one "banned"', async () => {
        const k = await makeKeypair('k256');
        const other = dids.addPlc(k);
        const a = await RawLoroClient.connect(host, banned.did, { token: null }); // no 403: the upgrade has no token
        const b = await RawLoroClient.connect(host, other, { token: null });
        peers.push(a, b);
        const badA = await a.join({ roomId: roomName('ban'), auth: authBytes('A'.repeat(52)) });
        const badB = await b.join({ roomId: roomName('ban'), auth: authBytes('A'.repeat(52)) });
        assert.equal(badA.type, MessageType.JoinError, JSON.stringify(badA));
        assert.deepEqual([badA.code, badA.message], [badB.code, badB.message], 'banned and unbanned DIDs answered differently');
        assertSilent(badA.message, 'loro garbage token');

        const c = await RawLoroClient.connect(host, banned.did, { token: null });
        peers.push(c);
        for (const [what, token] of [['the dev token', host.token], ['a token bought before the ban', prebanTokens[1]]]) {
            const r = await c.join({ roomId: roomName('ban'), auth: authBytes(token) });
            heard.push(r.message ?? '');
            assert.equal(r.type, MessageType.JoinError, `${what}: ${JSON.stringify(r)}`);
            assert.equal(r.code, 2, `${what}: auth_failed`);
            assert.equal(r.message, 'this DID is banned', what);
        }
    });

    test('the reason is the admin API\'s alone', async () => {
        for (const text of heard) assert.ok(!text.includes(reason), `the reason reached a client: ${text}`);
        const bans = await adminJson(host, '/admin/bans');
        const listed = (bans.bans ?? bans).find((x) => x.did === banned.did);
        assert.equal(listed?.reason, reason, `GET /admin/bans: ${JSON.stringify(bans)}`);
        const leaks = secrets.leaks(host.lines.join('\n'));
        assert.deepEqual(leaks, [], `secrets in the log: ${leaks.slice(0, 3).join(', ')}`);
    });
});
