// ATProto identity helpers for the identity interop tests and the token benchmark.
//
//   const dids = await DidServer.start();                 // loopback DID server on 127.0.0.1:<free port>
//   const kp = await makeKeypair('k256');                 // or 'p256'
//   const did = dids.addPlc(kp);                          // did:plc:<24 random chars>, served at /<did>
//   const web = dids.addWeb(kp);                          // did:web:localhost%3A<port>, at /.well-known/did.json
//   const host = await startIdentityHost({ plcUrl: dids.url });    // with --allow-loopback-did-web (did:web on 127.0.0.1)
//   const jwt = await mintJwt({ iss: did, aud: host.did, keypair: kp });
//   const { status, json } = await buyToken(host, jwt);  // GET /xrpc/chat.roomy.v0.sync.token
//   const r = await openSync(host, did, json.token);      // WebSocket /sync/as/<did>, subprotocols [authorization, token]
//
//   const plc = await PlcDirectory.start();               // the real @did-plc/server (in-memory) behind a counting proxy
//   const { did } = await plc.createDid({ signingKey: kp });
//   await plc.rotateSigningKey(did, kp2); await plc.tombstone(did);
//
// Everything listens on 127.0.0.1 and every wait is bounded. Child processes started here are killed when the
// test process exits.

import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import path from 'node:path';
import { createRequire } from 'node:module';
import { P256Keypair, Secp256k1Keypair } from '@atproto/crypto';
import { createServiceJwt } from '@atproto/xrpc-server';
import { INTEROP_DIR, fetchWithTimeout, freePort, startHost } from './host.mjs';
import { tryConnect } from './leaf.mjs';
import { delay } from './util.mjs';

const require = createRequire(import.meta.url);
const plcLib = require('@did-plc/lib'); // CommonJS bundle

export { P256Keypair, Secp256k1Keypair, createServiceJwt, plcLib };

/** The method the token endpoint serves, used as the JWT `lxm`. */
export const LXM = 'chat.roomy.v0.sync.token';
export const TOKEN_PATH = '/xrpc/chat.roomy.v0.sync.token';
/** A sync token: 52 characters of uppercase Crockford base32. */
export const TOKEN_RE = /^[0-9A-HJKMNP-TV-Z]{52}$/;
/** What the token endpoint tells a caller of every DID resolution failure (the detail is in the host log). */
export const UNRESOLVED_MESSAGE = 'the DID could not be resolved';

// ---- keys ---------------------------------------------------------------------------------------

export const CURVES = {
    k256: {
        alg: 'ES256K',
        n: 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141n,
        create: () => Secp256k1Keypair.create({ exportable: true }),
    },
    p256: {
        alg: 'ES256',
        n: 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551n,
        create: () => P256Keypair.create({ exportable: true }),
    },
};

/** A fresh keypair: 'k256' (ES256K) or 'p256' (ES256). */
export async function makeKeypair(curve = 'k256') {
    const c = CURVES[curve];
    if (!c) throw new Error(`unknown curve ${curve}`);
    const kp = await c.create();
    kp.curve = curve;
    return kp;
}

export function curveOf(keypair) {
    return keypair.jwtAlg === 'ES256' ? 'p256' : 'k256';
}

/** `publicKeyMultibase` of a Multikey verification method: the did:key without its prefix. */
export function multibaseOf(keypair) {
    return keypair.did().slice('did:key:'.length);
}

/** A random did:plc-shaped identifier (24 chars of base32 [a-z2-7]). */
export function randomPlcDid() {
    const alphabet = 'abcdefghijklmnopqrstuvwxyz234567';
    const bytes = randomBytes(24);
    let id = '';
    for (const b of bytes) id += alphabet[b & 31];
    return `did:plc:${id}`;
}

/** A current-format (Multikey) DID document, as plc.directory serves it today. */
export function multikeyDoc(did, keypair, { handle } = {}) {
    return {
        '@context': [
            'https://www.w3.org/ns/did/v1',
            'https://w3id.org/security/multikey/v1',
            curveOf(keypair) === 'k256'
                ? 'https://w3id.org/security/suites/secp256k1-2019/v1'
                : 'https://w3id.org/security/suites/ecdsa-2019/v1',
        ],
        id: did,
        alsoKnownAs: [`at://${handle ?? 'user.example.test'}`],
        verificationMethod: [{
            id: `${did}#atproto`,
            type: 'Multikey',
            controller: did,
            publicKeyMultibase: multibaseOf(keypair),
        }],
        service: [{ id: '#atproto_pds', type: 'AtprotoPersonalDataServer', serviceEndpoint: 'https://pds.example.test' }],
    };
}

// ---- JWTs ---------------------------------------------------------------------------------------

export function b64u(bytesOrString) {
    return Buffer.from(bytesOrString).toString('base64url');
}

export function b64uJson(obj) {
    return b64u(JSON.stringify(obj));
}

/** A real service JWT from @atproto/xrpc-server's createServiceJwt (lxm defaults to the token method). */
export function mintJwt({ iss, aud, keypair, lxm = LXM, iat, exp }) {
    return createServiceJwt({ iss, aud, keypair, lxm, iat, exp });
}

/** Split a compact JWS: { h, p, s } raw segments, plus decoded header, payload, sig bytes. */
export function parseJwt(jwt) {
    const [h, p, s] = jwt.split('.');
    return {
        h, p, s,
        header: JSON.parse(Buffer.from(h, 'base64url').toString('utf8')),
        payload: JSON.parse(Buffer.from(p, 'base64url').toString('utf8')),
        sig: Buffer.from(s, 'base64url'),
    };
}

/** Sign two arbitrary segments with the keypair (64-byte low-S compact, as createServiceJwt does). */
export async function signSegments(h, p, keypair) {
    const sig = await keypair.sign(Buffer.from(`${h}.${p}`, 'utf8'));
    return `${h}.${p}.${b64u(sig)}`;
}

/** A JWT with the given header and payload objects, validly signed by keypair. */
export function craftJwt(header, payload, keypair) {
    return signSegments(b64uJson(header), b64uJson(payload), keypair);
}

/**
 * Edit a real JWT and re-sign it: `edit` receives { header, payload } (copies) and mutates or returns them.
 * Signed with `keypair` (pass the one that minted the JWT to keep the signature valid).
 */
export async function editJwt(jwt, keypair, edit) {
    const parsed = parseJwt(jwt);
    const parts = { header: { ...parsed.header }, payload: { ...parsed.payload } };
    const out = await edit(parts);
    return craftJwt(out?.header ?? parts.header, out?.payload ?? parts.payload, keypair);
}

/** Same JWT text with edited claims but the ORIGINAL signature (so the signature no longer matches). */
export function editJwtKeepSig(jwt, edit) {
    const parts = parseJwt(jwt);
    const payload = { ...parts.payload };
    edit(payload);
    return `${parts.h}.${b64uJson(payload)}.${parts.s}`;
}

function bigFromBytes(bytes) {
    return BigInt('0x' + Buffer.from(bytes).toString('hex'));
}

function bytes32(n) {
    return Buffer.from(n.toString(16).padStart(64, '0'), 'hex');
}

/** The same JWT with its signature's s replaced by n - s (the high-S twin; mathematically valid ECDSA). */
export function highSJwt(jwt, curve) {
    const { h, p, sig } = parseJwt(jwt);
    if (sig.length !== 64) throw new Error('expected a 64-byte compact signature');
    const n = CURVES[curve].n;
    const s = bigFromBytes(sig.subarray(32));
    const hs = n - s;
    if (hs <= n / 2n) throw new Error('signature was not low-S');
    return `${h}.${p}.${b64u(Buffer.concat([sig.subarray(0, 32), bytes32(hs)]))}`;
}

function derInt(buf) {
    let i = 0;
    while (i < buf.length - 1 && buf[i] === 0) i++;
    let v = buf.subarray(i);
    if (v[0] & 0x80) v = Buffer.concat([Buffer.from([0]), v]);
    return Buffer.concat([Buffer.from([0x02, v.length]), v]);
}

/** The same JWT with its signature re-encoded as DER (SEQUENCE of two INTEGERs; 70-72 bytes). */
export function derJwt(jwt) {
    const { h, p, sig } = parseJwt(jwt);
    const body = Buffer.concat([derInt(sig.subarray(0, 32)), derInt(sig.subarray(32))]);
    const der = Buffer.concat([Buffer.from([0x30, body.length]), body]);
    return `${h}.${p}.${b64u(der)}`;
}

/** The same JWT with bit 0 of the signature's byte `index` flipped. */
export function flipSigBit(jwt, index = 10) {
    const { h, p, sig } = parseJwt(jwt);
    const s = Buffer.from(sig);
    s[index] ^= 1;
    return `${h}.${p}.${b64u(s)}`;
}

// ---- secrets ------------------------------------------------------------------------------------

/** Collects every credential a test handles, to prove none of them reaches the host log. */
export class SecretTracker {
    constructor() { this.values = new Set(); }
    /** A JWT: the whole string and its signature segment (the part that makes it a credential). */
    jwt(jwt) {
        if (typeof jwt !== 'string') return jwt;
        this.values.add(jwt);
        const s = jwt.split('.')[2];
        if (s && s.length >= 16) this.values.add(s);
        return jwt;
    }
    add(value) {
        if (typeof value === 'string' && value.length >= 8) this.values.add(value);
        return value;
    }
    /** The secrets that occur in `text` (empty when clean). */
    leaks(text) {
        return [...this.values].filter((v) => text.includes(v));
    }
}

// ---- talking to the host ------------------------------------------------------------------------

/**
 * Start a host for identity tests. Settings the host.mjs API has no field for go through extraArgs.
 * @param {object} o
 * @param {string} [o.plcUrl]      --plc-url
 * @param {number} [o.tokenTtl]    --token-ttl (seconds)
 * @param {number} [o.cacheFresh]  --did-cache-fresh (seconds)
 * @param {number} [o.cacheMax]    --did-cache-max (seconds)
 * @param {boolean} [o.allowLoopbackDidWeb=true] --allow-loopback-did-web: the DidServer's did:web lives on
 *                                 127.0.0.1, which the host refuses to ask without it
 * Other fields are passed to startHost (did, token, dataDir, port, extraArgs, env).
 */
export function startIdentityHost(o = {}) {
    const { plcUrl, tokenTtl, cacheFresh, cacheMax, allowLoopbackDidWeb = true, extraArgs = [], env = {}, ...rest } = o;
    const args = [...extraArgs];
    if (allowLoopbackDidWeb) args.push('--allow-loopback-did-web');
    if (plcUrl != null) args.push('--plc-url', plcUrl);
    if (tokenTtl != null) args.push('--token-ttl', String(tokenTtl));
    if (cacheFresh != null) args.push('--did-cache-fresh', String(cacheFresh));
    if (cacheMax != null) args.push('--did-cache-max', String(cacheMax));
    return startHost({ did: 'did:web:svc.example.test', ...rest, env, extraArgs: args });
}

/**
 * GET the token endpoint. `auth` is a JWT (sent as "Bearer <jwt>"), or { header: <raw Authorization value> },
 * or null for no Authorization header. Resolves { status, json, text, ms }.
 */
export async function buyToken(host, auth, { timeoutMs = 10000 } = {}) {
    const headers = {};
    if (typeof auth === 'string') headers.authorization = `Bearer ${auth}`;
    else if (auth && typeof auth === 'object' && auth.header !== undefined) headers.authorization = auth.header;
    const t0 = performance.now();
    const res = await fetchWithTimeout(host.url(TOKEN_PATH), { headers, ca: host.ca }, timeoutMs);
    const text = await res.text();
    const ms = performance.now() - t0;
    let json;
    try { json = JSON.parse(text); } catch { json = undefined; }
    return { status: res.status, json, text, ms, headers: res.headers };
}

/** Mint a JWT for `iss` and buy a token; asserts nothing. Resolves the buyToken result plus { jwt }. */
export async function mintAndBuy(host, { iss, keypair, aud = host.did, lxm = LXM, secrets }) {
    const jwt = await mintJwt({ iss, aud, keypair, lxm });
    secrets?.jwt(jwt);
    const r = await buyToken(host, jwt);
    if (r.json?.token) secrets?.add(r.json.token);
    return { ...r, jwt };
}

/**
 * Open /sync/as/<did> with subprotocols ['authorization', token]. Resolves
 * { opened, protocol, statusCode, body, json } and closes the socket when it opened.
 */
export async function openSync(host, did, token, { timeoutMs = 5000, keepOpen = false } = {}) {
    const r = await tryConnect(host.wsUrl(did), ['authorization', token], { timeoutMs, wsOptions: host.wsOptions?.() });
    let json;
    if (r.body) { try { json = JSON.parse(r.body); } catch { json = undefined; } }
    if (r.opened && !keepOpen) {
        await new Promise((resolve) => {
            const t = setTimeout(() => { r.ws.terminate(); resolve(); }, 2000);
            r.ws.once('close', () => { clearTimeout(t); resolve(); });
            r.ws.close();
        });
    }
    return { opened: r.opened, protocol: r.protocol, statusCode: r.statusCode, body: r.body, json, ws: r.ws, error: r.error };
}

/** Short description of an HTTP result for assertion messages. */
export function show(r) {
    return `HTTP ${r.status ?? r.statusCode} ${r.text ?? r.body ?? r.error?.message ?? ''}`.slice(0, 600);
}

// ---- loopback DID server ------------------------------------------------------------------------

/**
 * A tiny DID server on 127.0.0.1: /.well-known/did.json for did:web:localhost%3A<port> (or for the did:web its
 * Host header spells, when one is served: setKey('did:web:127.0.0.1%3A<port>', kp)), /<did> for any other DID
 * (path percent-decoded, so did:plc:x and did%3Aplc%3Ax both work; usable as --plc-url). Counts requests per DID
 * and accepted connections (`accepted`).
 *
 * Behaviour per DID (setBehaviour) or for everything (setAll), fields:
 *   status: 404 | 410 | 500 | ...  answer that status with a JSON message
 *   garbage: true                  200 with a body that is not JSON
 *   delayMs: n                     wait n ms before answering (slow directory); 'hang' never answers
 *   reset: true                    destroy the connection without an answer
 */
export class DidServer {
    static async start(o = {}) {
        const s = new DidServer(o);
        await s.listen(o.port ?? 0);
        return s;
    }

    constructor() {
        this.entries = new Map();   // did -> { doc (object or string), keypair }
        this.behaviour = new Map(); // did -> behaviour
        this.all = null;            // behaviour for every DID
        this.counts = new Map();    // did -> requests
        this.log = [];              // { did, path, t }
        this.sockets = new Set();
        this.accepted = 0;          // TCP connections accepted, answered or not
        this.pending = new Set();   // timers of delayed answers
        this.server = null;
        this.port = null;
    }

    listen(port = 0) {
        this.server = http.createServer((req, res) => this.#handle(req, res));
        this.server.keepAliveTimeout = 5000;
        this.server.on('connection', (sock) => {
            this.accepted += 1;
            this.sockets.add(sock);
            sock.on('close', () => this.sockets.delete(sock));
        });
        return new Promise((resolve, reject) => {
            this.server.once('error', reject);
            this.server.listen(port, '127.0.0.1', () => {
                this.port = this.server.address().port;
                resolve(this);
            });
        });
    }

    /** Stop listening and drop every connection (the directory is then "down": connection refused). */
    async stop() {
        if (!this.server) return;
        const srv = this.server;
        this.server = null;
        for (const t of this.pending) clearTimeout(t);
        this.pending.clear();
        const closed = new Promise((resolve) => srv.close(() => resolve()));
        for (const sock of this.sockets) sock.destroy();
        await Promise.race([closed, delay(2000)]);
    }

    /** Listen again on the same port after stop(). */
    restart() { return this.listen(this.port); }

    get url() { return `http://127.0.0.1:${this.port}`; }
    /** The did:web this server hosts at /.well-known/did.json. */
    get webDid() { return `did:web:localhost%3A${this.port}`; }

    /** Serve a Multikey document for a new did:plc-shaped DID signed by keypair; returns the DID. */
    addPlc(keypair, did = randomPlcDid()) {
        this.setKey(did, keypair);
        return did;
    }

    /** Serve a Multikey document for this server's did:web; returns the DID. */
    addWeb(keypair) {
        this.setKey(this.webDid, keypair);
        return this.webDid;
    }

    /** Create or rotate: the DID's document now names keypair as its #atproto key. */
    setKey(did, keypair) {
        this.entries.set(did, { doc: multikeyDoc(did, keypair), keypair });
    }

    /** Serve an arbitrary document (object, or a string sent verbatim). */
    setDoc(did, doc) {
        this.entries.set(did, { doc, keypair: null });
    }

    setBehaviour(did, b) {
        if (b) this.behaviour.set(did, b); else this.behaviour.delete(did);
    }

    setAll(b) { this.all = b ?? null; }

    requests(did) { return this.counts.get(did) ?? 0; }
    get totalRequests() { return this.log.length; }

    #didForPath(pathname, host) {
        if (pathname === '/.well-known/did.json') {
            // Another spelling of this server (did:web:127.0.0.1%3A<port>, a name for 127.0.0.1) is
            // told apart by the Host it was asked under, once the test serves something for it.
            const named = host ? `did:web:${encodeURIComponent(host)}` : null;
            return named && (this.entries.has(named) || this.behaviour.has(named)) ? named : this.webDid;
        }
        let raw = pathname.slice(1);
        try { raw = decodeURIComponent(raw); } catch { /* keep as is */ }
        return raw;
    }

    #handle(req, res) {
        const pathname = new URL(req.url, 'http://x').pathname;
        const did = this.#didForPath(pathname, req.headers.host);
        this.counts.set(did, this.requests(did) + 1);
        this.log.push({ did, path: req.url, t: Date.now() });
        const b = this.behaviour.get(did) ?? this.all;
        const answer = () => this.#answer(req, res, did, b);
        if (b?.delayMs === 'hang') return; // never answered; dropped by stop()
        if (b?.delayMs > 0) {
            const t = setTimeout(() => { this.pending.delete(t); answer(); }, b.delayMs);
            this.pending.add(t);
            res.on('close', () => { clearTimeout(t); this.pending.delete(t); });
            return;
        }
        answer();
    }

    #answer(req, res, did, b) {
        if (res.destroyed) return;
        if (b?.reset) { req.socket.destroy(); return; }
        if (b?.status) {
            const body = JSON.stringify({ message: `${b.status === 410 ? 'DID not available' : 'error'}: ${did}` });
            res.writeHead(b.status, { 'content-type': 'application/json' });
            res.end(body);
            return;
        }
        if (b?.garbage) {
            res.writeHead(200, { 'content-type': 'application/did+ld+json' });
            res.end('<html>this is not a DID document {"id": ');
            return;
        }
        const entry = this.entries.get(did);
        if (!entry) {
            res.writeHead(404, { 'content-type': 'application/json' });
            res.end(JSON.stringify({ message: `DID not registered: ${did}` }));
            return;
        }
        const body = typeof entry.doc === 'string' ? entry.doc : JSON.stringify(entry.doc);
        res.writeHead(200, { 'content-type': 'application/did+ld+json; charset=utf-8' });
        res.end(body);
    }
}

// ---- the real PLC directory (@did-plc/server 0.0.1) ---------------------------------------------

const plcChildren = new Set();
process.on('exit', () => {
    for (const c of plcChildren) { try { c.kill('SIGKILL'); } catch { /* gone */ } }
});

/**
 * @did-plc/server 0.0.1 as a child process (in-memory database: DATABASE_URL unset), behind a small counting
 * proxy on 127.0.0.1 so tests can count the document requests the host makes. `url` is the proxy (give it to
 * the host as --plc-url); `directUrl` the server itself. The server serves LEGACY-format documents
 * (EcdsaSecp256k1VerificationKey2019 / EcdsaSecp256r1VerificationKey2019).
 */
export class PlcDirectory {
    static async start(o = {}) {
        const d = new PlcDirectory();
        try {
            await d.#start(o);
        } catch (err) {
            await d.stop();
            throw err;
        }
        return d;
    }

    constructor() {
        this.child = null;
        this.output = '';
        this.lastOps = new Map();     // did -> last operation
        this.rotationKeys = new Map(); // did -> rotation keypair
        this.counts = new Map();      // did -> GET requests through the proxy
        this.proxy = null;
        this.sockets = new Set();
    }

    async #start({ timeoutMs = 20000 } = {}) {
        this.plcPort = await freePort();
        const env = { ...process.env, PORT: String(this.plcPort) };
        delete env.DATABASE_URL;
        const bin = path.join(INTEROP_DIR, 'node_modules/@did-plc/server/dist/bin.js');
        this.child = spawn(process.execPath, [bin], { env, stdio: ['ignore', 'pipe', 'pipe'], cwd: INTEROP_DIR });
        plcChildren.add(this.child);
        this.child.stdout.setEncoding('utf8').on('data', (d) => { this.output += d; });
        this.child.stderr.setEncoding('utf8').on('data', (d) => { this.output += d; });
        this.exited = new Promise((resolve) => this.child.on('exit', (code, signal) => {
            plcChildren.delete(this.child);
            resolve({ code, signal });
        }));
        const deadline = Date.now() + timeoutMs;
        for (;;) {
            try {
                const r = await fetchWithTimeout(`${this.directUrl}/_health`, {}, 1000);
                await r.arrayBuffer();
                if (r.ok) break;
            } catch { /* not up yet */ }
            if (Date.now() > deadline) throw new Error(`PLC server not healthy after ${timeoutMs} ms:\n${this.output}`);
            await delay(100);
        }
        await this.#startProxy();
    }

    get directUrl() { return `http://127.0.0.1:${this.plcPort}`; }
    get url() { return `http://127.0.0.1:${this.proxyPort}`; }

    requests(did) { return this.counts.get(did) ?? 0; }

    #startProxy() {
        this.proxy = http.createServer(async (req, res) => {
            const pathname = new URL(req.url, 'http://x').pathname;
            let did = pathname.slice(1);
            try { did = decodeURIComponent(did); } catch { /* keep */ }
            if (req.method === 'GET') this.counts.set(did, this.requests(did) + 1);
            try {
                const up = await fetchWithTimeout(this.directUrl + req.url, {
                    method: req.method,
                    headers: { accept: req.headers.accept ?? 'application/json' },
                    redirect: 'manual',
                }, 5000);
                const body = Buffer.from(await up.arrayBuffer());
                res.writeHead(up.status, { 'content-type': up.headers.get('content-type') ?? 'application/json' });
                res.end(body);
            } catch (err) {
                res.writeHead(502, { 'content-type': 'application/json' });
                res.end(JSON.stringify({ message: `proxy: ${err.message}` }));
            }
        });
        this.proxy.on('connection', (sock) => {
            this.sockets.add(sock);
            sock.on('close', () => this.sockets.delete(sock));
        });
        return new Promise((resolve, reject) => {
            this.proxy.once('error', reject);
            this.proxy.listen(0, '127.0.0.1', () => {
                this.proxyPort = this.proxy.address().port;
                resolve();
            });
        });
    }

    async #post(did, op) {
        const res = await fetchWithTimeout(`${this.directUrl}/${encodeURIComponent(did)}`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify(op),
        }, 10000);
        const text = await res.text();
        if (!res.ok) throw new Error(`PLC POST /${did} answered ${res.status}: ${text}`);
    }

    /** GET the document straight from the server (not counted). */
    async document(did) {
        const res = await fetchWithTimeout(`${this.directUrl}/${encodeURIComponent(did)}`, {}, 5000);
        const text = await res.text();
        let json;
        try { json = JSON.parse(text); } catch { json = undefined; }
        return { status: res.status, json, text };
    }

    /**
     * Register a DID with a genesis operation signed by a rotation key. `signingKey` is the keypair that will sign
     * JWTs (the op's verificationMethods.atproto). Resolves { did, op, rotationKey }.
     */
    async createDid({ signingKey, rotationKey, handle = 'user.example.test', pds = 'https://pds.example.test' }) {
        rotationKey ??= await makeKeypair('k256');
        const { op, did } = await plcLib.createOp({
            signingKey: signingKey.did(),
            rotationKeys: [rotationKey.did()],
            handle,
            pds,
            signer: rotationKey,
        });
        await this.#post(did, op);
        this.lastOps.set(did, op);
        this.rotationKeys.set(did, rotationKey);
        return { did, op, rotationKey };
    }

    /** Submit an update operation that replaces the DID's atproto signing key. */
    async rotateSigningKey(did, newSigningKey) {
        const op = await plcLib.updateAtprotoKeyOp(this.lastOps.get(did), this.rotationKeys.get(did), newSigningKey.did());
        await this.#post(did, op);
        this.lastOps.set(did, op);
    }

    /** Submit a tombstone operation (tombstoneOp over the CID of the last op). */
    async tombstone(did) {
        const { cid } = await plcLib.getLastOpWithCid([this.lastOps.get(did)]);
        const op = await plcLib.tombstoneOp(cid, this.rotationKeys.get(did));
        await this.#post(did, op);
        this.lastOps.set(did, op);
    }

    async stop() {
        if (this.proxy) {
            const p = this.proxy;
            this.proxy = null;
            const closed = new Promise((resolve) => p.close(() => resolve()));
            for (const s of this.sockets) s.destroy();
            await Promise.race([closed, delay(2000)]);
        }
        if (this.child && this.child.exitCode === null && this.child.signalCode === null) {
            this.child.kill('SIGTERM');
            const done = await Promise.race([this.exited, delay(3000).then(() => null)]);
            if (!done) {
                this.child.kill('SIGKILL');
                await Promise.race([this.exited, delay(2000)]);
            }
        }
    }
}
