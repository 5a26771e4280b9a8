// Identity: buying a sync token with a real ATProto service JWT (createServiceJwt from @atproto/xrpc-server)
// and spending it on /sync/as/<did>. Keys are Multikey documents served by a loopback DID server, for both
// curves (ES256K and ES256) and both DID methods (did:plc via --plc-url, did:web:localhost%3A<port>).
// Covers: token format, single use (TokenUsed), wrong DID (TokenDidMismatch, token not spent), unknown token
// (InvalidToken), the dev token, both audience forms, expiry after --token-ttl (TokenExpired), no secret in logs.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import {
    DidServer, SecretTracker, TOKEN_RE, makeKeypair, mintAndBuy, mintJwt, openSync, show,
    startIdentityHost,
} from './lib/atproto.mjs';
import { crockfordBase32 } from './lib/leaf.mjs';
import { delay } from './lib/util.mjs';

const SERVICE_DID = 'did:web:svc.example.test';

function assertRefused(r, name, what) {
    assert.equal(r.opened, false, `${what}: the upgrade succeeded (protocol ${r.protocol})`);
    assert.equal(r.statusCode, 403, `${what}: expected HTTP 403 ${name}, got ${show(r)}`);
    assert.ok(r.json, `${what}: 403 body is not JSON: ${r.body}`);
    assert.equal(r.json.error, name, `${what}: ${r.body}`);
    assert.equal(typeof r.json.message, 'string', `${what}: ${r.body}`);
}

function assertOpened(r, what) {
    assert.equal(r.opened, true, `${what}: upgrade failed: ${show(r)}`);
    assert.equal(r.protocol, 'authorization', `${what}: negotiated subprotocol`);
}

function assertToken(r, what) {
    assert.equal(r.status, 200, `${what}: ${show(r)}`);
    assert.ok(r.json && typeof r.json.token === 'string', `${what}: body has no token: ${r.text}`);
    assert.match(r.json.token, TOKEN_RE, `${what}: token format`);
    return r.json.token;
}

describe('identity: tokens from service JWTs (loopback DID server, Multikey documents)', { timeout: 120000 }, () => {
    const secrets = new SecretTracker();
    let dids;   // serves did:plc-like ids (as --plc-url) and did:web for its own port
    let dids2;  // a second did:web
    let host;
    const ids = {}; // `${curve}/${method}` -> { did, keypair }

    before(async () => {
        dids = await DidServer.start();
        dids2 = await DidServer.start();
        const k = await makeKeypair('k256');
        const p = await makeKeypair('p256');
        ids['k256/plc'] = { did: dids.addPlc(k), keypair: k };
        ids['p256/plc'] = { did: dids.addPlc(p), keypair: p };
        ids['k256/web'] = { did: dids.addWeb(k), keypair: k };
        ids['p256/web'] = { did: dids2.addWeb(p), keypair: p };
        host = await startIdentityHost({ did: SERVICE_DID, plcUrl: dids.url });
        secrets.add(host.token);
    });
    after(async () => {
        await host?.dispose();
        await dids?.stop();
        await dids2?.stop();
    });

    for (const curve of ['k256', 'p256']) {
        for (const method of ['plc', 'web']) {
            // The DID goes into the path literally, as clients build it (`/sync/as/${did}`); for did:web that
            // includes the "%3A" of the port.
            test(`${curve === 'k256' ? 'ES256K' : 'ES256'} did:${method}: a JWT buys a 52-char token that opens /sync/as/<did>`, async () => {
                const { did, keypair } = ids[`${curve}/${method}`];
                const r = await mintAndBuy(host, { iss: did, keypair, secrets });
                const token = assertToken(r, `purchase for ${did}`);
                assert.match(r.headers.get('content-type') ?? '', /json/i);
                const s = await openSync(host, did, token);
                assertOpened(s, `upgrade for ${did}`);
            });
        }
    }

    test('aud may be the service DID or <service DID>#roomy_syncserver', async () => {
        const { did, keypair } = ids['k256/plc'];
        for (const aud of [SERVICE_DID, `${SERVICE_DID}#roomy_syncserver`]) {
            const r = await mintAndBuy(host, { iss: did, keypair, aud, secrets });
            assertToken(r, `aud ${aud}`);
        }
    });

    test('two purchases give two different tokens', async () => {
        const { did, keypair } = ids['p256/plc'];
        const a = assertToken(await mintAndBuy(host, { iss: did, keypair, secrets }), 'first');
        const b = assertToken(await mintAndBuy(host, { iss: did, keypair, secrets }), 'second');
        assert.notEqual(a, b);
    });

    test('a token opens the connection once: the second and third upgrades are 403 TokenUsed', async () => {
        const { did, keypair } = ids['k256/plc'];
        const token = assertToken(await mintAndBuy(host, { iss: did, keypair, secrets }), 'purchase');
        assertOpened(await openSync(host, did, token), 'first upgrade');
        assertRefused(await openSync(host, did, token), 'TokenUsed', 'second upgrade');
        assertRefused(await openSync(host, did, token), 'TokenUsed', 'third upgrade');
    });

    test('a token used while its first connection is still open is refused (TokenUsed)', async () => {
        const { did, keypair } = ids['p256/plc'];
        const token = assertToken(await mintAndBuy(host, { iss: did, keypair, secrets }), 'purchase');
        const first = await openSync(host, did, token, { keepOpen: true });
        try {
            assertOpened(first, 'first upgrade');
            assertRefused(await openSync(host, did, token), 'TokenUsed', 'second upgrade while the first is open');
        } finally {
            first.ws?.terminate();
        }
    });

    test('a token for one DID is refused for another (403 TokenDidMismatch) and is not spent by that attempt', async () => {
        const { did, keypair } = ids['k256/plc'];
        const other = ids['p256/plc'].did;
        const token = assertToken(await mintAndBuy(host, { iss: did, keypair, secrets }), 'purchase');
        assertRefused(await openSync(host, other, token), 'TokenDidMismatch', 'upgrade as another DID');
        assertRefused(await openSync(host, 'did:plc:aaaaaaaaaaaaaaaaaaaaaaaa', token), 'TokenDidMismatch',
            'upgrade as an unknown DID');
        assertOpened(await openSync(host, did, token), 'upgrade as the right DID afterwards');
        assertRefused(await openSync(host, did, token), 'TokenUsed', 'and only once');
    });

    test('an unknown token of the right shape is 403 InvalidToken', async () => {
        const { did } = ids['k256/plc'];
        const fake = crockfordBase32(randomBytes(32)).toUpperCase();
        assert.match(fake, TOKEN_RE);
        assertRefused(await openSync(host, did, fake), 'InvalidToken', 'made-up token');
        assertRefused(await openSync(host, did, 'not-a-token'), 'InvalidToken', 'garbage token');
    });

    test('the dev token keeps working for any DID', async () => {
        for (const { did } of Object.values(ids)) {
            assertOpened(await openSync(host, did, host.token), `dev token as ${did} (1)`);
            assertOpened(await openSync(host, did, host.token), `dev token as ${did} (2)`);
        }
        assertOpened(await openSync(host, 'did:plc:zzzzzzzzzzzzzzzzzzzzzzzz', host.token), 'dev token, unknown DID');
    });

    test('the JWT is no bearer for the WebSocket: offering it as the token is refused', async () => {
        const { did, keypair } = ids['k256/plc'];
        const jwt = secrets.jwt(await mintJwt({ iss: did, aud: SERVICE_DID, keypair }));
        assertRefused(await openSync(host, did, jwt), 'InvalidToken', 'JWT offered as the token');
    });

    test('no token, JWT or dev token value appears in the host log', async () => {
        await delay(200); // let the last log lines arrive
        assert.ok(host.lines.length > 0, 'the host logged nothing at all (is stderr captured?)');
        assert.ok(secrets.values.size > 10, 'the tests above collected the secrets');
        const leaks = secrets.leaks(host.lines.join('\n') + host.stdout);
        assert.deepEqual(leaks, [], `secrets in the log:\n${leaks.join('\n')}`);
    });
});

describe('identity: token expiry (--token-ttl 1)', { timeout: 60000 }, () => {
    const secrets = new SecretTracker();
    let dids;
    let host;
    let did;
    let keypair;

    before(async () => {
        dids = await DidServer.start();
        keypair = await makeKeypair('k256');
        did = dids.addPlc(keypair);
        host = await startIdentityHost({ did: SERVICE_DID, plcUrl: dids.url, tokenTtl: 1 });
        secrets.add(host.token);
    });
    after(async () => {
        await host?.dispose();
        await dids?.stop();
    });

    test('a token used at once still works', async () => {
        const token = assertToken(await mintAndBuy(host, { iss: did, keypair, secrets }), 'purchase');
        assertOpened(await openSync(host, did, token), 'prompt upgrade');
    });

    test('a token older than --token-ttl is 403 TokenExpired', async () => {
        const token = assertToken(await mintAndBuy(host, { iss: did, keypair, secrets }), 'purchase');
        await delay(2200);
        assertRefused(await openSync(host, did, token), 'TokenExpired', 'upgrade 2.2 s after purchase');
    });

    test('the dev token does not expire', async () => {
        assertOpened(await openSync(host, did, host.token), 'dev token after the TTL');
    });

    test('no token, JWT or dev token value appears in the host log', async () => {
        await delay(200);
        const leaks = secrets.leaks(host.lines.join('\n') + host.stdout);
        assert.deepEqual(leaks, [], `secrets in the log:\n${leaks.join('\n')}`);
    });
});
