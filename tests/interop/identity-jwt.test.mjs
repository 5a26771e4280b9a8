// Identity: every JWT verification error of GET /xrpc/chat.roomy.v0.sync.token, for both curves.
// Bad JWTs are built by editing real ones from createServiceJwt (@atproto/xrpc-server 0.13.2): claims edited and
// re-signed with the keypair's own sign() where the case needs a valid signature, high-S by s := n - s, DER by
// re-encoding r and s. Each answer must be HTTP 401 {"error": <name>, "message": <text>} and carry no token.

import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import {
    DidServer, LXM, SecretTracker, b64u, b64uJson, buyToken, craftJwt, derJwt, editJwt, editJwtKeepSig,
    flipSigBit, highSJwt, makeKeypair, mintJwt, parseJwt, show, signSegments, startIdentityHost,
} from './lib/atproto.mjs';
import { delay } from './lib/util.mjs';

const SERVICE_DID = 'did:web:svc.example.test';
const now = () => Math.floor(Date.now() / 1000);

/** A payload segment whose base64url form is not a multiple of 4 long, so it can be padded. */
function paddable(payload) {
    const p = { ...payload };
    let seg = b64uJson(p);
    let i = 0;
    while (seg.length % 4 === 0) {
        p.pad = 'x'.repeat(++i);
        seg = b64uJson(p);
    }
    return { seg, padded: seg + '='.repeat(4 - (seg.length % 4)) };
}

/**
 * The cases: [error name, description, async (ctx) => auth], where auth is a JWT string, or
 * { header: raw Authorization value } or null (no header). ctx = { did, keypair, other (same curve), curve, jwt (a
 * valid JWT for did), fresh (mint another valid one) }.
 */
const CASES = [
    // ---- MissingJwt
    ['MissingJwt', 'no Authorization header', async () => null],
    ['MissingJwt', 'Authorization: Basic', async () => ({ header: 'Basic dXNlcjpwYXNzd29yZA==' })],
    ['MissingJwt', 'the JWT under another scheme (Token <jwt>)', async (c) => ({ header: `Token ${c.jwt}` })],
    ['MissingJwt', 'the JWT without a scheme', async (c) => ({ header: c.jwt })],

    // ---- BadJwt: shape
    ['BadJwt', 'two segments', async (c) => c.jwt.split('.').slice(0, 2).join('.')],
    ['BadJwt', 'four segments', async (c) => `${c.jwt}.${c.jwt.split('.')[2]}`],
    ['BadJwt', 'one opaque string', async () => 'abcdefghijklmnopqrstuvwxyz'],
    ['BadJwt', 'header is not JSON (validly signed)', async (c) =>
        signSegments(b64u('{"typ":"JWT","alg":'), parseJwt(c.jwt).p, c.keypair)],
    ['BadJwt', 'payload is not JSON (validly signed)', async (c) =>
        signSegments(parseJwt(c.jwt).h, b64u('not json at all'), c.keypair)],
    ['BadJwt', 'payload is a JSON array (validly signed)', async (c) =>
        signSegments(parseJwt(c.jwt).h, b64u('[1,2,3]'), c.keypair)],
    ['BadJwt', 'header segment is not base64url', async (c) => {
        const { p, s } = parseJwt(c.jwt);
        return `!!not*base64!!.${p}.${s}`;
    }],
    ['BadJwt', 'header without alg', async (c) => editJwt(c.jwt, c.keypair, ({ header }) => { delete header.alg; })],
    ['BadJwt', 'alg none, empty signature', async (c) => {
        const { p } = parseJwt(c.jwt);
        return `${b64uJson({ typ: 'JWT', alg: 'none' })}.${p}.`;
    }],
    ['BadJwt', 'alg HS256 (HMAC over the signing input)', async (c) => {
        const h = b64uJson({ typ: 'JWT', alg: 'HS256' });
        const { p } = parseJwt(c.jwt);
        const mac = createHmac('sha256', 'secret').update(`${h}.${p}`).digest();
        return `${h}.${p}.${b64u(mac)}`;
    }],

    // ---- BadJwt: claims
    ['BadJwt', 'exp missing', async (c) => editJwt(c.jwt, c.keypair, ({ payload }) => { delete payload.exp; })],
    ['BadJwt', 'exp a string', async (c) => editJwt(c.jwt, c.keypair, ({ payload }) => { payload.exp = String(payload.exp); })],
    ['BadJwt', 'iss missing', async (c) => editJwt(c.jwt, c.keypair, ({ payload }) => { delete payload.iss; })],
    ['BadJwt', 'iss a number', async (c) => editJwt(c.jwt, c.keypair, ({ payload }) => { payload.iss = 42; })],
    ['BadJwt', 'aud missing', async (c) => editJwt(c.jwt, c.keypair, ({ payload }) => { delete payload.aud; })],
    ['BadJwt', 'aud an array', async (c) => editJwt(c.jwt, c.keypair, ({ payload }) => { payload.aud = [payload.aud]; })],
    ['BadJwt', 'lxm a number', async (c) => editJwt(c.jwt, c.keypair, ({ payload }) => { payload.lxm = 5; })],
    ['BadJwt', 'iat 10 minutes in the future', async (c) => editJwt(c.jwt, c.keypair, ({ payload }) => {
        payload.iat = now() + 600;
        payload.exp = payload.iat + 60;
    })],
    ['BadJwt', 'lifetime exp - iat of 2 hours', async (c) => editJwt(c.jwt, c.keypair, ({ payload }) => {
        payload.iat = now();
        payload.exp = payload.iat + 7200;
    })],
    ['BadJwt', 'lifetime of 1 hour + 1 s', async (c) => editJwt(c.jwt, c.keypair, ({ payload }) => {
        payload.iat = now();
        payload.exp = payload.iat + 3601;
    })],
    ['BadJwt', 'bearer over 8 KiB (validly signed, padded claim)', async (c) => {
        const jwt = await editJwt(c.jwt, c.keypair, ({ payload }) => { payload.pad = 'x'.repeat(7000); });
        assert.ok(jwt.length > 8192 && jwt.length < 14000, `length ${jwt.length}`);
        return jwt;
    }],
    ['BadJwt', 'padded base64url signature (sig + "==")', async (c) => `${c.jwt}==`],
    ['BadJwt', 'padded base64url payload (validly signed over the padded text)', async (c) => {
        const { h, payload } = parseJwt(c.jwt);
        return signSegments(h, paddable(payload).padded, c.keypair);
    }],

    // ---- BadJwtType
    ...['at+jwt', 'refresh+jwt', 'dpop+jwt'].map((typ) => ['BadJwtType', `typ ${typ}`, async (c) =>
        editJwt(c.jwt, c.keypair, ({ header }) => { header.typ = typ; })]),

    // ---- JwtExpired
    ['JwtExpired', 'exp 60 s in the past', async (c) => mintJwt({
        iss: c.did, aud: SERVICE_DID, keypair: c.keypair, iat: now() - 120, exp: now() - 60,
    })],
    ['JwtExpired', 'exp a day in the past', async (c) => mintJwt({
        iss: c.did, aud: SERVICE_DID, keypair: c.keypair, iat: now() - 86400 - 60, exp: now() - 86400,
    })],

    // ---- BadJwtAudience
    ['BadJwtAudience', 'aud another service', async (c) => mintJwt({ iss: c.did, aud: 'did:web:other.example.test', keypair: c.keypair })],
    ['BadJwtAudience', 'aud <service DID>#other_service', async (c) => mintJwt({ iss: c.did, aud: `${SERVICE_DID}#other_service`, keypair: c.keypair })],
    ['BadJwtAudience', 'aud the issuer itself', async (c) => mintJwt({ iss: c.did, aud: c.did, keypair: c.keypair })],

    // ---- BadJwtLexiconMethod
    ['BadJwtLexiconMethod', 'lxm missing', async (c) => mintJwt({ iss: c.did, aud: SERVICE_DID, keypair: c.keypair, lxm: null })],
    ['BadJwtLexiconMethod', 'lxm another method', async (c) => mintJwt({ iss: c.did, aud: SERVICE_DID, keypair: c.keypair, lxm: 'com.atproto.repo.createRecord' })],
    ['BadJwtLexiconMethod', 'lxm in another case', async (c) => mintJwt({ iss: c.did, aud: SERVICE_DID, keypair: c.keypair, lxm: LXM.toUpperCase() })],

    // ---- BadJwtIss
    ['BadJwtIss', 'iss "not-a-did"', async (c) => mintJwt({ iss: 'not-a-did', aud: SERVICE_DID, keypair: c.keypair })],
    ['BadJwtIss', 'iss with an upper-case method', async (c) => mintJwt({ iss: 'did:PLC:abc', aud: SERVICE_DID, keypair: c.keypair })],
    ['BadJwtIss', 'iss with a slash', async (c) => mintJwt({ iss: `${c.did}/path`, aud: SERVICE_DID, keypair: c.keypair })],

    // ---- BadJwtSignature
    ['BadJwtSignature', 'one bit of the signature flipped', async (c) => flipSigBit(c.jwt, 40)],
    ['BadJwtSignature', 'payload edited, signature kept', async (c) => editJwtKeepSig(c.jwt, (p) => { p.jti = 'f'.repeat(32); })],
    ['BadJwtSignature', 'signed by another key of the same curve', async (c) => mintJwt({ iss: c.did, aud: SERVICE_DID, keypair: c.other })],
    ['BadJwtSignature', 'high-S twin of a valid signature (s := n - s)', async (c) => highSJwt(c.jwt, c.curve)],
    ['BadJwtSignature', 'DER-encoded signature', async (c) => derJwt(c.jwt)],
    ['BadJwtSignature', 'alg of the other curve (validly signed with the right key)', async (c) =>
        editJwt(c.jwt, c.keypair, ({ header }) => { header.alg = c.curve === 'k256' ? 'ES256' : 'ES256K'; })],
    ['BadJwtSignature', 'signed by a key of the other curve, alg to match', async (c) =>
        mintJwt({ iss: c.did, aud: SERVICE_DID, keypair: c.otherCurve })],
    ['BadJwtSignature', 'empty signature', async (c) => c.jwt.split('.').slice(0, 2).join('.') + '.'],
    ['BadJwtSignature', 'signature of 63 bytes', async (c) => {
        const { h, p, sig } = parseJwt(c.jwt);
        return `${h}.${p}.${b64u(sig.subarray(0, 63))}`;
    }],
];

describe('identity: JWT verification errors (401 with the reference names)', { timeout: 180000 }, () => {
    const secrets = new SecretTracker();
    let dids;
    let host;
    const ctx = {};

    before(async () => {
        dids = await DidServer.start();
        for (const curve of ['k256', 'p256']) {
            const keypair = await makeKeypair(curve);
            const other = await makeKeypair(curve);
            const otherCurve = await makeKeypair(curve === 'k256' ? 'p256' : 'k256');
            const did = dids.addPlc(keypair);
            ctx[curve] = { curve, did, keypair, other, otherCurve };
        }
        host = await startIdentityHost({ did: SERVICE_DID, plcUrl: dids.url });
        secrets.add(host.token);
    });
    after(async () => {
        await host?.dispose();
        await dids?.stop();
    });

    for (const curve of ['k256', 'p256']) {
        test(`${curve}: the unedited JWT is accepted (baseline)`, async () => {
            const c = ctx[curve];
            const jwt = secrets.jwt(await mintJwt({ iss: c.did, aud: SERVICE_DID, keypair: c.keypair }));
            const r = await buyToken(host, jwt);
            assert.equal(r.status, 200, show(r));
            secrets.add(r.json?.token);
        });

        test(`${curve}: exp 10 s in the past is still accepted (30 s leeway)`, async () => {
            const c = ctx[curve];
            const jwt = secrets.jwt(await mintJwt({
                iss: c.did, aud: SERVICE_DID, keypair: c.keypair, iat: now() - 70, exp: now() - 10,
            }));
            const r = await buyToken(host, jwt);
            assert.equal(r.status, 200, show(r));
            secrets.add(r.json?.token);
        });

        for (const [name, what, build] of CASES) {
            test(`${curve}: ${what} -> 401 ${name}`, async () => {
                const c = ctx[curve];
                const jwt = secrets.jwt(await mintJwt({ iss: c.did, aud: SERVICE_DID, keypair: c.keypair }));
                const auth = await build({ ...c, jwt });
                if (typeof auth === 'string') secrets.jwt(auth);
                else if (auth?.header) secrets.add(auth.header);
                const r = await buyToken(host, auth);
                if (r.json?.token) secrets.add(r.json.token);
                assert.equal(r.status, 401, `${what}: expected 401 ${name}, got ${show(r)}`);
                assert.ok(r.json, `${what}: body is not JSON: ${r.text}`);
                assert.equal(r.json.error, name, `${what}: ${r.text}`);
                assert.equal(typeof r.json.message, 'string', `${what}: ${r.text}`);
                assert.ok(r.json.message.length > 0, `${what}: empty message`);
                assert.equal(r.json.token, undefined, `${what}: a token was issued`);
            });
        }

        test(`${curve}: after all the bad JWTs the issuer still buys tokens`, async () => {
            const c = ctx[curve];
            const jwt = secrets.jwt(await mintJwt({ iss: c.did, aud: SERVICE_DID, keypair: c.keypair }));
            const r = await buyToken(host, jwt);
            assert.equal(r.status, 200, show(r));
            secrets.add(r.json?.token);
        });
    }

    test('a signature that does not verify re-resolves the DID exactly once', async () => {
        const c = ctx.k256;
        const before = dids.requests(c.did);
        const jwt = secrets.jwt(await mintJwt({ iss: c.did, aud: SERVICE_DID, keypair: c.other }));
        const r = await buyToken(host, jwt);
        assert.equal(r.status, 401, show(r));
        assert.equal(r.json?.error, 'BadJwtSignature', r.text);
        assert.equal(dids.requests(c.did) - before, 1, 'directory requests for one bad signature');
    });

    test('no token, JWT or dev token value appears in the host log', async () => {
        await delay(200);
        assert.ok(host.lines.length > 0, 'the host logged nothing at all');
        const leaks = secrets.leaks(host.lines.join('\n') + host.stdout);
        assert.deepEqual(leaks, [], `secrets in the log:\n${leaks.slice(0, 10).join('\n')}`);
    });
});
