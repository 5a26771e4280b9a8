// Identity: DID resolution and the DID cache, against a loopback DID server that counts requests per DID.
// Covers: cached DIDs cost no directory request (also after a restart on the same data dir), concurrent lookups
// share one request, --did-cache-fresh, key rotation (exactly one extra request), not found (404), tombstoned
// (410), no usable key, and a directory that is down / slow / answers 500 / answers garbage while a cached DID
// keeps working. Every resolution failure answers the caller the same message; the detail is in the host log.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
    DidServer, SecretTracker, TOKEN_RE, UNRESOLVED_MESSAGE, buyToken, makeKeypair, mintAndBuy, mintJwt, multikeyDoc,
    openSync, show, startIdentityHost,
} from './lib/atproto.mjs';
import { delay, waitUntil } from './lib/util.mjs';

const SERVICE_DID = 'did:web:svc.example.test';

function assertToken(r, what) {
    assert.equal(r.status, 200, `${what}: ${show(r)}`);
    assert.match(r.json?.token ?? '', TOKEN_RE, `${what}: ${r.text}`);
    return r.json.token;
}

// Every resolution failure tells the caller the same (a prober must not tell a closed port from an HTTP 500);
// what went wrong is in the host's log, under the DID.
async function assertAuthRequired(r, what, host, did, detailRe) {
    assert.equal(r.status, 401, `${what}: expected 401 AuthenticationRequired, got ${show(r)}`);
    assert.ok(r.json, `${what}: body is not JSON: ${r.text}`);
    assert.equal(r.json.error, 'AuthenticationRequired', `${what}: ${r.text}`);
    assert.equal(r.json.message, UNRESOLVED_MESSAGE, `${what}: message`);
    assert.equal(r.json.token, undefined);
    if (detailRe) {
        await waitUntil(() => host.logs.some((l) => l.did === did && detailRe.test(l.message ?? '')),
            { timeoutMs: 3000, what: `${what}: a log entry for ${did} matching ${detailRe}` });
    }
}

function noLeaks(host, secrets) {
    const leaks = secrets.leaks(host.lines.join('\n') + host.stdout);
    assert.deepEqual(leaks, [], `secrets in the log:\n${leaks.slice(0, 10).join('\n')}`);
}

describe('identity: DID cache (loopback DID server, counted requests)', { timeout: 120000 }, () => {
    const secrets = new SecretTracker();
    let dids;
    let dids2; // hosts a did:web with a P-256 key
    let host;
    let k1;
    let p1;
    let plcDid;
    let webDid;

    before(async () => {
        dids = await DidServer.start();
        dids2 = await DidServer.start();
        k1 = await makeKeypair('k256');
        p1 = await makeKeypair('p256');
        plcDid = dids.addPlc(k1);
        webDid = dids2.addWeb(p1);
        host = await startIdentityHost({ did: SERVICE_DID, plcUrl: dids.url });
        secrets.add(host.token);
    });
    after(async () => {
        await host?.dispose();
        await dids?.stop();
        await dids2?.stop();
    });

    test('the first purchase fetches the document once; the second and third make no request', async () => {
        for (const [did, kp, server] of [[plcDid, k1, dids], [webDid, p1, dids2]]) {
            assert.equal(server.requests(did), 0);
            assertToken(await mintAndBuy(host, { iss: did, keypair: kp, secrets }), `${did} #1`);
            assert.equal(server.requests(did), 1, `${did}: requests after the first purchase`);
            assertToken(await mintAndBuy(host, { iss: did, keypair: kp, secrets }), `${did} #2`);
            assertToken(await mintAndBuy(host, { iss: did, keypair: kp, secrets }), `${did} #3`);
            assert.equal(server.requests(did), 1, `${did}: requests after three purchases`);
        }
    });

    test('after a restart on the same data dir the cached DIDs still cost no request', async () => {
        const dataDir = host.dataDir;
        await host.restart();
        assert.equal(host.dataDir, dataDir);
        for (const [did, kp, server] of [[plcDid, k1, dids], [webDid, p1, dids2]]) {
            const r = await mintAndBuy(host, { iss: did, keypair: kp, secrets });
            const token = assertToken(r, `${did} after restart`);
            assert.equal(server.requests(did), 1, `${did}: requests after the restart`);
            if (did === plcDid) {
                const s = await openSync(host, did, token);
                assert.equal(s.opened, true, `upgrade after restart: ${show(s)}`);
            }
        }
    });

    test('concurrent purchases for an uncached DID make exactly one directory request', async () => {
        const kp = await makeKeypair('k256');
        const did = dids.addPlc(kp);
        dids.setBehaviour(did, { delayMs: 500 }); // keep the one request in flight while the others arrive
        const jwts = await Promise.all(Array.from({ length: 8 },
            () => mintJwt({ iss: did, aud: SERVICE_DID, keypair: kp }).then((j) => secrets.jwt(j))));
        const results = await Promise.all(jwts.map((jwt) => buyToken(host, jwt)));
        dids.setBehaviour(did, null);
        results.forEach((r, i) => { secrets.add(r.json?.token); assertToken(r, `concurrent purchase ${i}`); });
        assert.equal(new Set(results.map((r) => r.json.token)).size, 8, 'tokens are distinct');
        assert.equal(dids.requests(did), 1, 'directory requests for 8 concurrent purchases');
    });

    test('key rotation (did:plc, K-256): the new key works with exactly one extra request, then none', async () => {
        const oldKey = await makeKeypair('k256');
        const newKey = await makeKeypair('k256');
        const did = dids.addPlc(oldKey);
        assertToken(await mintAndBuy(host, { iss: did, keypair: oldKey, secrets }), 'old key');
        assert.equal(dids.requests(did), 1);
        dids.setKey(did, newKey);
        assertToken(await mintAndBuy(host, { iss: did, keypair: newKey, secrets }), 'new key, first time');
        assert.equal(dids.requests(did), 2, 'one extra request for the rotation');
        assertToken(await mintAndBuy(host, { iss: did, keypair: newKey, secrets }), 'new key, second time');
        assert.equal(dids.requests(did), 2, 'the new document is cached');

        const r = await mintAndBuy(host, { iss: did, keypair: oldKey, secrets });
        assert.equal(r.status, 401, `old key after rotation: ${show(r)}`);
        assert.equal(r.json?.error, 'BadJwtSignature', r.text);
        assert.equal(dids.requests(did), 3, 'a stale signature re-resolves exactly once');
    });

    test('key rotation (did:web, P-256): the new key works with exactly one extra request', async () => {
        const newKey = await makeKeypair('p256');
        const before = dids2.requests(webDid);
        dids2.setKey(webDid, newKey);
        assertToken(await mintAndBuy(host, { iss: webDid, keypair: newKey, secrets }), 'new key');
        assert.equal(dids2.requests(webDid), before + 1);
        assertToken(await mintAndBuy(host, { iss: webDid, keypair: newKey, secrets }), 'new key again');
        assert.equal(dids2.requests(webDid), before + 1);
        p1 = newKey;
    });

    test('a rotated key survives a restart (the refreshed document was stored)', async () => {
        await host.restart();
        const before = dids2.requests(webDid);
        assertToken(await mintAndBuy(host, { iss: webDid, keypair: p1, secrets }), 'rotated key after restart');
        assert.equal(dids2.requests(webDid), before, 'no request: the rotated document is cached');
    });

    test('an unknown did:plc (404) is 401 AuthenticationRequired, "not found" in the log', async () => {
        const kp = await makeKeypair('k256');
        const did = 'did:plc:qqqqqqqqqqqqqqqqqqqqqqqq';
        const r = await mintAndBuy(host, { iss: did, keypair: kp, secrets });
        await assertAuthRequired(r, 'unknown did:plc', host, did, /is not known to .* \(HTTP 404\)/);
        assert.ok(dids.requests(did) >= 1, 'the directory was asked');
    });

    test('an unknown did:web (404 at /.well-known/did.json) is 401 AuthenticationRequired, "not known" in the log', async () => {
        const empty = await DidServer.start(); // serves no did:web
        try {
            const kp = await makeKeypair('p256');
            const r = await mintAndBuy(host, { iss: empty.webDid, keypair: kp, secrets });
            await assertAuthRequired(r, 'unknown did:web', host, empty.webDid, /is not known to .* \(HTTP 404\)/);
            assert.ok(empty.requests(empty.webDid) >= 1, 'the did:web host was asked');
        } finally {
            await empty.stop();
        }
    });

    test('a tombstoned DID (410) is 401 AuthenticationRequired, "tombstoned" in the log', async () => {
        const kp = await makeKeypair('k256');
        const did = dids.addPlc(kp);
        dids.setBehaviour(did, { status: 410 });
        const r = await mintAndBuy(host, { iss: did, keypair: kp, secrets });
        await assertAuthRequired(r, 'tombstoned did:plc', host, did, /tombstoned/i);
    });

    test('documents without a usable key are 401 AuthenticationRequired, "missing or bad key" in the log', async () => {
        const kp = await makeKeypair('k256');
        const variants = {
            'no verificationMethod': (did) => { const d = multikeyDoc(did, kp); delete d.verificationMethod; return d; },
            'empty verificationMethod': (did) => ({ ...multikeyDoc(did, kp), verificationMethod: [] }),
            'key under #other, not #atproto': (did) => {
                const d = multikeyDoc(did, kp);
                d.verificationMethod[0].id = `${did}#other`;
                return d;
            },
            'ed25519 Multikey': (did) => {
                const d = multikeyDoc(did, kp);
                d.verificationMethod[0].publicKeyMultibase = 'z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK';
                return d;
            },
            'JsonWebKey2020 type': (did) => {
                const d = multikeyDoc(did, kp);
                d.verificationMethod[0].type = 'JsonWebKey2020';
                return d;
            },
            'publicKeyMultibase not multibase': (did) => {
                const d = multikeyDoc(did, kp);
                d.verificationMethod[0].publicKeyMultibase = 'not-a-key';
                return d;
            },
        };
        for (const [what, makeDoc] of Object.entries(variants)) {
            const did = dids.addPlc(kp);
            dids.setDoc(did, makeDoc(did));
            const r = await mintAndBuy(host, { iss: did, keypair: kp, secrets });
            await assertAuthRequired(r, what, host, did, /missing or bad key/i);
        }
    });

    test('no token, JWT or dev token value appears in the host log', async () => {
        await delay(200);
        noLeaks(host, secrets);
    });
});

describe('identity: cache freshness (--did-cache-fresh 1)', { timeout: 60000 }, () => {
    const secrets = new SecretTracker();
    let dids;
    let host;

    before(async () => {
        dids = await DidServer.start();
        host = await startIdentityHost({ did: SERVICE_DID, plcUrl: dids.url, cacheFresh: 1, cacheMax: 60 });
        secrets.add(host.token);
    });
    after(async () => {
        await host?.dispose();
        await dids?.stop();
    });

    test('an entry older than --did-cache-fresh is fetched again (once)', async () => {
        const kp = await makeKeypair('p256');
        const did = dids.addPlc(kp);
        assertToken(await mintAndBuy(host, { iss: did, keypair: kp, secrets }), 'first');
        assertToken(await mintAndBuy(host, { iss: did, keypair: kp, secrets }), 'second, fresh');
        assert.equal(dids.requests(did), 1);
        await delay(2200);
        assertToken(await mintAndBuy(host, { iss: did, keypair: kp, secrets }), 'third, stale');
        // A refetch may run in the background (stale-while-revalidate): wait for it, bounded.
        await waitUntil(() => dids.requests(did) >= 2, { timeoutMs: 4000, what: 'a refetch of the stale entry' });
        await delay(300);
        assert.equal(dids.requests(did), 2, 'exactly one refetch');
    });

    test('no token, JWT or dev token value appears in the host log', async () => {
        noLeaks(host, secrets);
    });
});

describe('identity: directory trouble (down, slow, 500, garbage) while a cached DID keeps working', { timeout: 120000 }, () => {
    const secrets = new SecretTracker();
    let dids;
    let host;
    let cachedDid;
    let cachedKey;

    // A fresh DID the host has never seen, registered (so it would resolve if the directory answered).
    async function newIdentity() {
        const kp = await makeKeypair('k256');
        return { did: dids.addPlc(kp), keypair: kp };
    }

    async function cachedStillWorks(what) {
        const before = dids.requests(cachedDid);
        const r = await mintAndBuy(host, { iss: cachedDid, keypair: cachedKey, secrets });
        assertToken(r, `cached DID while the directory is ${what}`);
        assert.ok(r.ms < 2000, `cached DID took ${r.ms.toFixed(0)} ms while the directory is ${what}`);
        assert.equal(dids.requests(cachedDid), before, 'the cached DID made a request');
    }

    before(async () => {
        dids = await DidServer.start();
        host = await startIdentityHost({ did: SERVICE_DID, plcUrl: dids.url });
        secrets.add(host.token);
        cachedKey = await makeKeypair('p256');
        cachedDid = dids.addPlc(cachedKey);
        assertToken(await mintAndBuy(host, { iss: cachedDid, keypair: cachedKey, secrets }), 'warm the cache');
    });
    after(async () => {
        await host?.dispose();
        await dids?.stop();
    });

    const troubles = [
        ['answering 500', { status: 500 }, 5000, /answered HTTP 500/],
        ['answering garbage (200, not JSON)', { garbage: true }, 5000, /served no usable DID document/],
        ['slow (8 s per answer)', { delayMs: 8000 }, 6000, /did not answer within/],
        ['resetting connections', { reset: true }, 5000, /cannot reach/],
    ];
    for (const [what, behaviour, limitMs, detail] of troubles) {
        test(`directory ${what}: a new DID gets 401 within a few seconds`, async () => {
            const id = await newIdentity();
            dids.setAll(behaviour);
            try {
                const [r] = await Promise.all([
                    mintAndBuy(host, { iss: id.did, keypair: id.keypair, secrets }),
                    delay(200).then(() => cachedStillWorks(what)),
                ]);
                await assertAuthRequired(r, `new DID, directory ${what}`, host, id.did, detail);
                assert.ok(r.ms < limitMs, `answer took ${r.ms.toFixed(0)} ms (limit ${limitMs})`);
            } finally {
                dids.setAll(null);
            }
            // The failure was not cached: once the directory answers again, the DID resolves.
            assertToken(await mintAndBuy(host, { iss: id.did, keypair: id.keypair, secrets }), `${id.did} after recovery`);
        });
    }

    test('directory down (connection refused): a new DID gets 401 fast; the cached DID works', async () => {
        const id = await newIdentity();
        await dids.stop();
        try {
            const r = await mintAndBuy(host, { iss: id.did, keypair: id.keypair, secrets });
            await assertAuthRequired(r, 'new DID, directory down', host, id.did, /cannot reach .*refused/i);
            assert.ok(r.ms < 5000, `answer took ${r.ms.toFixed(0)} ms`);
            const c = await mintAndBuy(host, { iss: cachedDid, keypair: cachedKey, secrets });
            assertToken(c, 'cached DID while the directory is down');
        } finally {
            await dids.restart();
        }
        assertToken(await mintAndBuy(host, { iss: id.did, keypair: id.keypair, secrets }), 'after the directory is back');
    });

    test('no token, JWT or dev token value appears in the host log', async () => {
        await delay(200);
        noLeaks(host, secrets);
    });
});
