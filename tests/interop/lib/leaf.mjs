// A Leaf Sync1 client that behaves like Leaf's Syncer1 (protocol.md A8), over `ws`.
//
//   const c = await LeafClient.connect(host.wsUrl(), host.token);
//   const doc = newDoc();
//   const first = await c.subscribe(entityId, doc);   // sends the snapshot; resolves on the first handleUpdate
//   doc.getText('text').insert(0, 'hi'); doc.commit(); // forwarded as sendUpdate (queueMicrotask, like Leaf)
//
// Every received frame is recorded in `c.frames` as { t, isBinary, raw, msg, decodeError } so tests can
// assert counts and sizes. A handleUpdate for a subscribed entity is imported into that entity's doc.

import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { decode, encode } from '@msgpack/msgpack';
import { LoroDoc, VersionVector, decodeImportBlobMeta } from 'loro-crdt';
import WebSocket from 'ws';
import { deferred, withTimeout } from './util.mjs';

export { LoroDoc, VersionVector, decodeImportBlobMeta, encode, decode, WebSocket };

// ---- EntityId (protocol.md A9): "leaf:" + lowercase Crockford base32 of 32 bytes -------------------

const CROCKFORD = '0123456789abcdefghjkmnpqrstvwxyz';

/** Lowercase Crockford base32, no padding, bits most-significant first (as base32-encode does). */
export function crockfordBase32(bytes) {
    let out = '';
    let acc = 0;
    let bits = 0;
    for (const b of bytes) {
        acc = (acc << 8) | b;
        bits += 8;
        while (bits >= 5) {
            out += CROCKFORD[(acc >>> (bits - 5)) & 31];
            bits -= 5;
        }
        acc &= (1 << bits) - 1;
    }
    if (bits > 0) out += CROCKFORD[(acc << (5 - bits)) & 31];
    return out;
}

export function randomEntityId() {
    return 'leaf:' + crockfordBase32(randomBytes(32));
}

export const ENTITY_ID_RE = /^leaf:[0-9a-hjkmnp-tv-z]{52}$/;

// ---- Loro helpers -------------------------------------------------------------------------------

let nextPeer = BigInt(Date.now() % 1_000_000) * 1000n + 1n;

/** A LoroDoc with a distinct peer id (unique within this process). */
export function newDoc(peer) {
    const doc = new LoroDoc();
    doc.setPeerId(peer ?? nextPeer++);
    return doc;
}

/** Insert `s` at the end of root text `name` and commit. */
export function appendText(doc, s, name = 'text') {
    const t = doc.getText(name);
    t.insert(t.length, s);
    doc.commit();
}

export function textOf(doc, name = 'text') {
    return doc.getText(name).toString();
}

/** Loro VersionVector -> plain { peer: counterEnd } object. */
export function vvObject(vv) {
    const out = {};
    for (const [peer, counter] of vv.toJSON()) out[String(peer)] = counter;
    return out;
}

/** true if version `a` includes everything in `b` (both plain objects from vvObject). */
export function vvIncludes(a, b) {
    return Object.entries(b).every(([peer, c]) => (a[peer] ?? 0) >= c);
}

function bytesOf(data) {
    if (data instanceof Uint8Array) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    if (Array.isArray(data)) return new Uint8Array(Buffer.concat(data));
    return new Uint8Array(data);
}

// ---- Connecting --------------------------------------------------------------------------------

/**
 * Try a WebSocket handshake and report what happened, without throwing.
 * Resolves { opened, statusCode, protocol, headers, error, ws } (ws is open when opened is true).
 */
export function tryConnect(url, protocols, { timeoutMs = 5000, wsOptions = {} } = {}) {
    return new Promise((resolve) => {
        const ws = protocols === undefined
            ? new WebSocket(url, { perMessageDeflate: false, ...wsOptions })
            : new WebSocket(url, protocols, { perMessageDeflate: false, ...wsOptions });
        let upgraded = false;
        let done = false;
        const finish = (r) => {
            if (done) return;
            done = true;
            clearTimeout(timer);
            resolve({ upgraded, ws, ...r });
        };
        const timer = setTimeout(() => {
            ws.terminate();
            finish({ opened: false, error: new Error(`handshake timed out after ${timeoutMs} ms`) });
        }, timeoutMs);
        ws.on('upgrade', () => { upgraded = true; });
        ws.on('open', () => finish({ opened: true, statusCode: 101, protocol: ws.protocol }));
        ws.on('unexpected-response', (req, res) => {
            let body = '';
            res.setEncoding('utf8');
            res.on('data', (d) => { body += d; });
            const report = () => {
                finish({ opened: false, statusCode: res.statusCode, headers: res.headers, body });
                req.destroy();
            };
            res.on('end', report);
            res.on('error', report);
            res.on('close', report);
        });
        ws.on('error', (error) => finish({ opened: false, error }));
        ws.on('close', (code) => finish({ opened: false, error: new Error(`closed ${code} during handshake`) }));
    });
}

export class LeafClient {
    /**
     * Open an authenticated session. Rejects (with statusCode when the server answered HTTP) on failure.
     * @param {string} url      ws://host:port/sync/as/<did>
     * @param {string} token    sent as the second subprotocol after "authorization"
     * @param {object} [o]      { timeoutMs, protocols (override), wsOptions (e.g. { autoPong: false }),
     *                            recordRaw (default true), importUpdates (default true) }
     */
    static async connect(url, token, o = {}) {
        const protocols = o.protocols ?? ['authorization', token];
        const r = await tryConnect(url, protocols, { timeoutMs: o.timeoutMs ?? 5000, wsOptions: o.wsOptions });
        if (!r.opened) {
            const err = new Error(`WebSocket handshake to ${url} failed: `
                + (r.statusCode ? `HTTP ${r.statusCode}` : r.error?.message));
            err.statusCode = r.statusCode;
            throw err;
        }
        return new LeafClient(r.ws, o);
    }

    constructor(ws, o = {}) {
        this.ws = ws;
        this.recordRaw = o.recordRaw !== false;
        this.importUpdates = o.importUpdates !== false;
        this.frames = [];
        this.entities = new Map();
        this.waiters = new Set();
        this.pings = 0;
        this.errors = [];
        this.sent = [];          // { t, entityId, type, bytes }
        this.closeInfo = null;
        this.onFrame = null;     // optional hook (frame) => void, used by the benchmark
        const closed = deferred();
        this.closed = closed.promise;
        ws.on('message', (data, isBinary) => this.#onMessage(data, isBinary));
        ws.on('ping', () => { this.pings += 1; });
        ws.on('error', (err) => { this.errors.push(err); });
        ws.on('close', (code, reason) => {
            this.closeInfo = { code, reason: reason.toString(), at: performance.now() };
            for (const ent of this.entities.values()) {
                ent.first.reject(new Error(`socket closed (${code}) before the first handleUpdate for ${ent.entityId}`));
            }
            for (const w of this.waiters) w.reject(new Error(`socket closed (${code}) while waiting for ${w.what}`));
            this.waiters.clear();
            closed.resolve(this.closeInfo);
        });
    }

    get protocol() { return this.ws.protocol; }
    get isOpen() { return this.ws.readyState === WebSocket.OPEN; }

    /** Index to pass as `since` to the wait helpers. */
    mark() { return this.frames.length; }

    #onMessage(data, isBinary) {
        const raw = isBinary ? bytesOf(data) : data.toString();
        const frame = { t: performance.now(), isBinary, size: raw.length, raw: this.recordRaw ? raw : null };
        if (isBinary) {
            try {
                frame.msg = decode(raw);
            } catch (err) {
                frame.decodeError = err;
            }
        }
        const m = frame.msg;
        if (m && m.type === 'handleUpdate' && typeof m.entityId === 'string') {
            const ent = this.entities.get(m.entityId);
            if (ent) {
                if (this.importUpdates && ent.doc && m.update instanceof Uint8Array) {
                    try {
                        ent.doc.import(m.update);
                    } catch (err) {
                        ent.importErrors.push(err);
                    }
                }
                ent.received.push(frame);
                if (ent.received.length === 1) ent.first.resolve(frame);
            }
        }
        if (!this.recordRaw && frame.msg) frame.msg = { type: m?.type, entityId: m?.entityId, updateSize: m?.update?.length };
        this.frames.push(frame);
        if (this.onFrame) this.onFrame(frame, m);
        if (this.waiters.size) {
            const index = this.frames.length - 1;
            for (const w of [...this.waiters]) {
                if (index >= w.since && w.pred(frame)) {
                    this.waiters.delete(w);
                    w.resolve(frame);
                }
            }
        }
    }

    // ---- sending ----

    send(obj) {
        const bytes = encode(obj);
        this.sent.push({ t: performance.now(), entityId: obj.entityId, type: obj.type, bytes });
        this.ws.send(bytes, { binary: true });
        return bytes;
    }

    /** Send raw bytes (binary frame) or a string (text frame) as is. */
    sendRaw(data, { binary = typeof data !== 'string' } = {}) {
        this.ws.send(data, { binary });
    }

    sendUpdate(entityId, update) {
        return this.send({ type: 'sendUpdate', entityId, update });
    }

    /**
     * Subscribe like Syncer1: register local-update forwarding, send subscribe (snapshot or versionVector),
     * and resolve with the first handleUpdate frame for the entity (already imported into `doc`).
     * @param {object} [o] { variant: 'snapshot' | 'vv', timeoutMs, forwardLocal (default true), wait (default true) }
     */
    subscribe(entityId, doc = newDoc(), o = {}) {
        const ent = this.subscribeNoWait(entityId, doc, o);
        return withTimeout(ent.first.promise, o.timeoutMs ?? 5000, `first handleUpdate for ${entityId}`);
    }

    /** As subscribe, but returns the entity record ({ doc, received, first, ... }) without waiting. */
    subscribeNoWait(entityId, doc = newDoc(), o = {}) {
        if (this.entities.has(entityId)) throw new Error(`already subscribed to ${entityId}`);
        const first = deferred();
        first.promise.catch(() => {});
        const ent = { entityId, doc, received: [], importErrors: [], first, unsubLocal: null };
        if (doc && o.forwardLocal !== false) {
            ent.unsubLocal = doc.subscribeLocalUpdates((u) => {
                const update = Uint8Array.from(u);
                queueMicrotask(() => {
                    if (this.entities.get(entityId) === ent && this.isOpen) this.sendUpdate(entityId, update);
                });
            });
        }
        this.entities.set(entityId, ent);
        const src = doc ?? new LoroDoc();
        if (o.variant === 'vv') {
            this.send({ type: 'subscribe', versionVector: src.version().encode(), entityId });
        } else {
            this.send({ type: 'subscribe', snapshot: src.export({ mode: 'snapshot' }), entityId });
        }
        return ent;
    }

    unsubscribe(entityId) {
        const ent = this.entities.get(entityId);
        if (ent?.unsubLocal) ent.unsubLocal();
        this.entities.delete(entityId);
        this.send({ type: 'unsubscribe', entityId });
    }

    entity(entityId) { return this.entities.get(entityId); }

    // ---- inspecting ----

    /** Frames received since index `since` that satisfy `pred`. */
    framesSince(since = 0, pred = () => true) {
        return this.frames.slice(since).filter(pred);
    }

    /** handleUpdate frames for `entityId` since index `since`. */
    updatesFor(entityId, since = 0) {
        return this.framesSince(since, (f) => f.msg?.type === 'handleUpdate' && f.msg.entityId === entityId);
    }

    /** Resolve with the first frame at index >= since that satisfies pred; reject on timeout or close. */
    waitFor(pred, { since = 0, timeoutMs = 5000, what = 'a matching frame' } = {}) {
        for (let i = since; i < this.frames.length; i++) {
            if (pred(this.frames[i])) return Promise.resolve(this.frames[i]);
        }
        if (this.closeInfo) return Promise.reject(new Error(`socket already closed (${this.closeInfo.code}); no ${what}`));
        const d = deferred();
        const w = { pred, since, what, resolve: d.resolve, reject: d.reject };
        this.waiters.add(w);
        return withTimeout(d.promise, timeoutMs, what).finally(() => this.waiters.delete(w));
    }

    waitForUpdate(entityId, o = {}) {
        return this.waitFor((f) => f.msg?.type === 'handleUpdate' && f.msg.entityId === entityId,
            { what: `handleUpdate for ${entityId}`, ...o });
    }

    /** Wait `ms`, then return the frames (matching pred) that arrived meanwhile. */
    async quietFor(ms, pred = () => true) {
        const since = this.mark();
        await new Promise((r) => setTimeout(r, ms));
        return this.framesSince(since, pred);
    }

    /** Resolve with { code, reason } once closed; reject after timeoutMs. */
    waitClose(timeoutMs = 5000) {
        return withTimeout(this.closed, timeoutMs, 'socket close');
    }

    /** Close politely; terminate if the close handshake does not finish in time. */
    async close(code = 1000) {
        if (this.closeInfo) return this.closeInfo;
        try {
            this.ws.close(code);
            return await withTimeout(this.closed, 3000, 'close handshake');
        } catch {
            this.ws.terminate();
            return withTimeout(this.closed, 2000, 'terminate').catch(() => null);
        }
    }

    terminate() {
        this.ws.terminate();
    }
}

/** Close every client given, ignoring errors (for after/finally hooks). */
export async function closeAll(clients) {
    await Promise.all(clients.filter(Boolean).map((c) => c.close().catch(() => {})));
}
