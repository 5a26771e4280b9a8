// Identity against the real PLC directory: @did-plc/server 0.0.1 (in-memory), DIDs registered with genesis
// operations from @did-plc/lib 0.0.4 createOp, keys rotated with update operations and DIDs deactivated with
// tombstoneOp. This server serves LEGACY documents (EcdsaSecp256k1VerificationKey2019 /
// EcdsaSecp256r1VerificationKey2019, raw uncompressed key bytes), so this file proves the host reads them.
// Requests reach it through a counting proxy (PlcDirectory.url), given to the host as --plc-url.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
    PlcDirectory, SecretTracker, TOKEN_RE, UNRESOLVED_MESSAGE, makeKeypair, mintAndBuy, openSync, show,
    startIdentityHost,
} from './lib/atproto.mjs';
import { delay, waitUntil } from './lib/util.mjs';

const SERVICE_DID = 'did:web:svc.example.test';

function assertToken(r, what) {
    assert.equal(r.status, 200, `${what}: ${show(r)}`);
    assert.match(r.json?.token ?? '', TOKEN_RE, `${what}: ${r.text}`);
    return r.json.token;
}

describe('identity: real PLC directory (@did-plc/server 0.0.1, legacy documents)', { timeout: 120000 }, () => {
    const secrets = new SecretTracker();
    let plc;
    let host;

    before(async () => {
        plc = await PlcDirectory.start();
        host = await startIdentityHost({ did: SERVICE_DID, plcUrl: plc.url });
        secrets.add(host.token);
    });
    after(async () => {
        await host?.dispose();
        await plc?.stop();
    });

    const legacyType = {
        k256: 'EcdsaSecp256k1VerificationKey2019',
        p256: 'EcdsaSecp256r1VerificationKey2019',
    };

    for (const curve of ['k256', 'p256']) {
        test(`${curve === 'k256' ? 'ES256K' : 'ES256'}: a DID registered with createOp buys a token that opens /sync/as/<did>; the next purchase is cached`, async () => {
            const signingKey = await makeKeypair(curve);
            const { did } = await plc.createDid({ signingKey });
            const doc = await plc.document(did);
            assert.equal(doc.status, 200, doc.text);
            assert.equal(doc.json.verificationMethod?.[0]?.type, legacyType[curve], `precondition: legacy doc: ${doc.text}`);

            const r = await mintAndBuy(host, { iss: did, keypair: signingKey, secrets });
            const token = assertToken(r, `purchase for ${did}`);
            assert.equal(plc.requests(did), 1, 'directory requests after the first purchase');
            const s = await openSync(host, did, token);
            assert.equal(s.opened, true, `upgrade: ${show(s)}`);
            assert.equal(s.protocol, 'authorization');

            assertToken(await mintAndBuy(host, { iss: did, keypair: signingKey, secrets }), 'second purchase');
            assert.equal(plc.requests(did), 1, 'the second purchase made no directory request');
        });
    }

    test('a key rotated with a PLC update op: the new key works with exactly one extra request', async () => {
        const oldKey = await makeKeypair('k256');
        const sameCurveKey = await makeKeypair('k256');
        const { did } = await plc.createDid({ signingKey: oldKey });
        assertToken(await mintAndBuy(host, { iss: did, keypair: oldKey, secrets }), 'old key');
        assert.equal(plc.requests(did), 1);

        await plc.rotateSigningKey(did, sameCurveKey);
        assertToken(await mintAndBuy(host, { iss: did, keypair: sameCurveKey, secrets }), 'rotated key (same curve)');
        assert.equal(plc.requests(did), 2, 'one extra request for the rotation');
        assertToken(await mintAndBuy(host, { iss: did, keypair: sameCurveKey, secrets }), 'rotated key again');
        assert.equal(plc.requests(did), 2, 'the rotated document is cached');
    });

    // The cached key is K-256, the JWT says ES256. Contract: a signature that does not verify with the cached key ->
    // one forced re-resolution. (The reference verifyJwt does NOT refresh on an alg/key-type mismatch; the shared
    // spec recommends doing better, §8 point 10.)
    test('a key rotated across curves (K-256 -> P-256) also works after exactly one extra request', async () => {
        const oldKey = await makeKeypair('k256');
        const newKey = await makeKeypair('p256');
        const { did } = await plc.createDid({ signingKey: oldKey });
        assertToken(await mintAndBuy(host, { iss: did, keypair: oldKey, secrets }), 'old key');
        assert.equal(plc.requests(did), 1);
        await plc.rotateSigningKey(did, newKey);
        const doc = await plc.document(did);
        assert.equal(doc.json.verificationMethod?.[0]?.type, 'EcdsaSecp256r1VerificationKey2019');
        const r = await mintAndBuy(host, { iss: did, keypair: newKey, secrets });
        assertToken(r, 'rotated to a P-256 key');
        assert.equal(plc.requests(did), 2, 'one extra request for the cross-curve rotation');
    });

    test('a tombstoned DID is 401 AuthenticationRequired (the server answers 404 "DID not available")', async () => {
        const signingKey = await makeKeypair('k256');
        const { did } = await plc.createDid({ signingKey });
        await plc.tombstone(did);
        const doc = await plc.document(did);
        assert.ok(doc.status === 404 || doc.status === 410, `precondition: tombstoned doc answers ${doc.status}`);

        const r = await mintAndBuy(host, { iss: did, keypair: signingKey, secrets });
        assert.equal(r.status, 401, show(r));
        assert.equal(r.json?.error, 'AuthenticationRequired', r.text);
        // The caller hears what every resolution failure says; the log says which.
        assert.equal(r.json?.message, UNRESOLVED_MESSAGE, r.text);
        await waitUntil(() => host.logs.some((l) => l.did === did && /tombstoned|not known/i.test(l.message ?? '')),
            { timeoutMs: 3000, what: 'the tombstone in the host log' });
        assert.equal(r.json?.token, undefined);
    });

    test('a DID never registered is 401 AuthenticationRequired, "not known" in the log', async () => {
        const kp = await makeKeypair('p256');
        const did = 'did:plc:abcdefghijklmnopqrstuvwx';
        const r = await mintAndBuy(host, { iss: did, keypair: kp, secrets });
        assert.equal(r.status, 401, show(r));
        assert.equal(r.json?.error, 'AuthenticationRequired', r.text);
        assert.equal(r.json?.message, UNRESOLVED_MESSAGE, r.text);
        await waitUntil(() => host.logs.some((l) => l.did === did && /is not known to/i.test(l.message ?? '')),
            { timeoutMs: 3000, what: '"not known" in the host log' });
    });

    test('no token, JWT or dev token value appears in the host log', async () => {
        await delay(200);
        assert.ok(host.lines.length > 0, 'the host logged nothing at all');
        const leaks = secrets.leaks(host.lines.join('\n') + host.stdout);
        assert.deepEqual(leaks, [], `secrets in the log:\n${leaks.slice(0, 10).join('\n')}`);
    });
});
