// Hocuspocus clients of the host (/hocuspocus/as/<identity>): the REAL @hocuspocus/provider 4.8.0
// (HocuspocusProvider over a HocuspocusProviderWebsocket, with yjs 13.6 and y-protocols' Awareness), its
// frames recorded, and a raw client on `ws` for the frames no provider sends.
//
//   const socket = openSocket(host, 'did:web:a.test');                 // one HocuspocusProviderWebsocket
//   const p = openProvider(host, 'notes', { socket });                 // dev token by default; attached
//   await waitSynced(p); p.document.getText('t').insert(0, 'hi'); await waitAllSynced(p);
//   p.log.frames   -> [{ i, t, dir: 'in'|'out', socket, bytes, f: decodeFrame(bytes, dir) }]
//   await closeAll([p, socket]);
//
//   const raw = await RawHocuspocusClient.connect(host, 'did:web:b.test');
//   raw.send(authFrame('notes', host.token));
//   const answer = await raw.waitFrame((f) => f.label === 'authenticated');
//
// Node 20 has no global WebSocket: the provider gets `WebSocketPolyfill` (a recording subclass of `ws`).
// Every wait here has a deadline.

import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import { performance } from 'node:perf_hooks';
import { randomBytes } from 'node:crypto';
import WS from 'ws';
import { HocuspocusProvider, HocuspocusProviderWebsocket } from '@hocuspocus/provider';
import * as awarenessProtocol from 'y-protocols/awareness';
import * as Y from 'yjs';
import { deferred, withTimeout, waitUntil } from './util.mjs';

export { Y, WS, awarenessProtocol, encoding, decoding, HocuspocusProvider, HocuspocusProviderWebsocket };

export const TYPE = {
    sync: 0, awareness: 1, auth: 2, queryAwareness: 3, syncReply: 4, stateless: 5, broadcastStateless: 6,
    close: 7, syncStatus: 8, ping: 9, pong: 10,
};
const TYPE_NAMES = Object.fromEntries(Object.entries(TYPE).map(([k, v]) => [v, k]));
const STEP_NAMES = ['syncStep1', 'syncStep2', 'update'];
const AUTH_NAMES = ['token', 'permissionDenied', 'authenticated'];

/** The provider's url for an identity (a DID or key:<name>); the document names travel in the frames. */
export function hocuspocusUrl(host, identity) {
    return `${host.wsScheme ?? 'ws'}://127.0.0.1:${host.port}/hocuspocus/as/${identity}`;
}

let seq = 0;
/** A document name unique to this process. */
export function docName(label = 'doc') {
    seq += 1;
    return `${label}-${process.pid}-${seq}-${randomBytes(2).toString('hex')}`;
}

/** A distinct DID per call, for tests that must not share per-DID limits. */
export function freshDid(label = 'hp') {
    seq += 1;
    return `did:web:${label}-${process.pid}-${seq}-${randomBytes(3).toString('hex')}.example.test`;
}

/** A Y.Doc with a chosen client id (set before any change, as Yjs allows). */
export function newYDoc(clientID) {
    const doc = new Y.Doc();
    if (clientID !== undefined) doc.clientID = clientID;
    return doc;
}

function bytesOf(data) {
    if (data instanceof ArrayBuffer) return new Uint8Array(data);
    if (Array.isArray(data)) return new Uint8Array(Buffer.concat(data));
    if (typeof data === 'string') return new TextEncoder().encode(data);
    return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

// ---- frames --------------------------------------------------------------------------------------

/**
 * One frame as the host or the provider reads it: { key, name (the document: key up to \0), type, typeName,
 * label (syncStep1 / syncStep2 / update / awareness / authenticated / permissionDenied / token / stateless /
 * close / syncStatus / ping / pong / ...), step, data, token, version, text, applied, awareness (decoded
 * entries), error }. `dir`: 'out' for what a provider sends, 'in' for what the host sends.
 */
export function decodeFrame(bytes, dir = 'in') {
    const f = { size: bytes.length };
    if (bytes.length === 1 && (bytes[0] === TYPE.ping || bytes[0] === TYPE.pong)) {
        f.type = bytes[0];
        f.typeName = f.label = TYPE_NAMES[f.type];
        f.keyless = true;
        return f;
    }
    try {
        const d = decoding.createDecoder(bytes);
        f.key = decoding.readVarString(d);
        f.name = f.key.split('\0')[0];
        f.type = decoding.readVarUint(d);
        f.typeName = f.label = TYPE_NAMES[f.type] ?? `type${f.type}`;
        switch (f.type) {
        case TYPE.sync:
            f.step = decoding.readVarUint(d);
            f.label = STEP_NAMES[f.step] ?? `sync${f.step}`;
            f.data = decoding.readVarUint8Array(d);
            break;
        case TYPE.awareness:
            f.data = decoding.readVarUint8Array(d);
            f.awareness = decodeAwareness(f.data);
            break;
        case TYPE.auth:
            f.sub = decoding.readVarUint(d);
            f.label = AUTH_NAMES[f.sub] ?? `auth${f.sub}`;
            if (f.sub === 0 && dir === 'out') {
                f.token = decoding.readVarString(d);
                if (decoding.hasContent(d)) f.version = decoding.readVarString(d);
            } else if (f.sub !== 0) {
                f.text = decoding.readVarString(d);
            }
            break;
        case TYPE.stateless:
            f.text = decoding.readVarString(d);
            break;
        case TYPE.close:
            if (dir === 'in') f.text = decoding.readVarString(d);
            break;
        case TYPE.syncStatus:
            f.applied = decoding.readVarUint(d) === 1;
            break;
        default:
            break;
        }
    } catch (err) {
        f.error = err.message;
        f.label ??= 'undecodable';
    }
    return f;
}

/** A y-protocols awareness update: [{ client, clock, state (parsed JSON, null for a removal) }]. */
export function decodeAwareness(update) {
    const d = decoding.createDecoder(update);
    const n = decoding.readVarUint(d);
    const out = [];
    for (let i = 0; i < n; i++) {
        const client = decoding.readVarUint(d);
        const clock = decoding.readVarUint(d);
        out.push({ client, clock, state: JSON.parse(decoding.readVarString(d)) });
    }
    return out;
}

export function encodeAwareness(entries) {
    const e = encoding.createEncoder();
    encoding.writeVarUint(e, entries.length);
    for (const { client, clock, state } of entries) {
        encoding.writeVarUint(e, client);
        encoding.writeVarUint(e, clock);
        encoding.writeVarString(e, JSON.stringify(state));
    }
    return encoding.toUint8Array(e);
}

function keyed(key, type, write = () => {}) {
    const e = encoding.createEncoder();
    encoding.writeVarString(e, key);
    encoding.writeVarUint(e, type);
    write(e);
    return encoding.toUint8Array(e);
}

/** What a provider sends: Auth (v4 adds its version; `version: null` writes a 3.x provider's frame). */
export function authFrame(key, token, version = '4.8.0') {
    return keyed(key, TYPE.auth, (e) => {
        encoding.writeVarUint(e, 0);
        encoding.writeVarString(e, token ?? '');
        if (version !== null) encoding.writeVarString(e, version);
    });
}
export const syncFrame = (key, step, data) => keyed(key, TYPE.sync, (e) => {
    encoding.writeVarUint(e, step);
    encoding.writeVarUint8Array(e, data);
});
export const syncStep1Frame = (key, doc = new Y.Doc()) => syncFrame(key, 0, Y.encodeStateVector(doc));
export const syncStep2Frame = (key, update) => syncFrame(key, 1, update);
export const updateFrame = (key, update) => syncFrame(key, 2, update);
export const awarenessFrame = (key, update) => keyed(key, TYPE.awareness, (e) => encoding.writeVarUint8Array(e, update));
export const queryAwarenessFrame = (key) => keyed(key, TYPE.queryAwareness);
export const statelessFrame = (key, payload) => keyed(key, TYPE.stateless, (e) => encoding.writeVarString(e, payload));
export const closeFrame = (key) => keyed(key, TYPE.close);
/** A frame of any type with raw payload bytes after it. */
export const rawKeyedFrame = (key, type, payload = new Uint8Array(0)) => keyed(key, type, (e) => encoding.writeUint8Array(e, payload));

/** Every frame of one client, both directions, across its reconnects; opens and closes per socket. */
export class FrameLog {
    constructor(name = 'client') {
        this.name = name;
        this.frames = [];
        this.sockets = 0;
        this.opens = [];
        this.closes = []; // { socket, code, reason, t }
        this.waiters = new Set();
    }

    mark() { return this.frames.length; }

    record(dir, socket, data) {
        const bytes = Uint8Array.from(bytesOf(data));
        const frame = { i: this.frames.length, t: performance.now(), dir, socket, bytes, f: decodeFrame(bytes, dir) };
        this.frames.push(frame);
        this.#wake();
        return frame;
    }

    recordClose(socket, code, reason) {
        this.closes.push({ socket, code, reason, t: performance.now() });
        this.#wake();
    }

    #wake() {
        for (const w of [...this.waiters]) {
            const v = w.check();
            if (v) {
                this.waiters.delete(w);
                w.resolve(v);
            }
        }
    }

    /** Resolves with the first value `check()` returns truthy, re-checked on every frame and close. */
    until(check, { timeoutMs = 5000, what = 'a frame' } = {}) {
        const now = check();
        if (now) return Promise.resolve(now);
        const d = deferred();
        const w = { check, resolve: d.resolve };
        this.waiters.add(w);
        return withTimeout(d.promise, timeoutMs, `${what} (${this.name}: ${this.summary()})`).finally(() => this.waiters.delete(w));
    }

    /** The first frame at index >= since with pred({...frame.f, dir, socket}). */
    waitFor(pred, { since = 0, timeoutMs = 5000, what = 'a matching frame' } = {}) {
        return this.until(() => this.frames.slice(since).find((fr) => pred(fr.f, fr)), { timeoutMs, what });
    }

    /** The next close of socket number >= `socket` (default: the current one). */
    waitClose({ socket = this.sockets, timeoutMs = 5000 } = {}) {
        return this.until(() => this.closes.find((c) => c.socket >= socket), { timeoutMs, what: 'the socket to close' });
    }

    /** The decoded frames of one direction (with pred on the decoded frame). */
    inbound(pred = () => true, since = 0) {
        return this.frames.slice(since).filter((fr) => fr.dir === 'in' && pred(fr.f, fr)).map((fr) => fr.f);
    }

    outbound(pred = () => true, since = 0) {
        return this.frames.slice(since).filter((fr) => fr.dir === 'out' && pred(fr.f, fr)).map((fr) => fr.f);
    }

    /** A one-line summary of the last frames (for assertion messages). */
    summary(max = 30) {
        const list = this.frames.slice(-max).map((fr) => `${fr.dir}:${fr.f.name !== undefined ? `${fr.f.key.replace('\0', '|')}/` : ''}${fr.f.label}`
            + `${fr.f.applied !== undefined ? `=${fr.f.applied ? 1 : 0}` : ''}${fr.f.text !== undefined ? `(${String(fr.f.text).slice(0, 40)})` : ''}`);
        return list.join(' ');
    }
}

/** A `ws` WebSocket class that records into `log` (and takes `wsOptions`, e.g. a TLS host's CA). */
export function recordingWebSocket(log, wsOptions = {}) {
    return class RecordingWebSocket extends WS {
        constructor(url, protocols, options) {
            super(url, protocols, { perMessageDeflate: false, ...wsOptions, ...(options ?? {}) });
            this.socketNo = ++log.sockets;
            this.on('open', () => log.opens.push({ socket: this.socketNo, t: performance.now() }));
            this.on('message', (data, isBinary) => { if (isBinary) log.record('in', this.socketNo, data); });
            this.on('close', (code, reason) => log.recordClose(this.socketNo, code, reason.toString()));
            this.on('error', () => {}); // a refused upgrade: reported through the close
        }

        send(data, ...rest) {
            if (this.readyState === WS.OPEN && typeof data !== 'string') log.record('out', this.socketNo, data);
            return super.send(data, ...rest);
        }
    };
}

// ---- the real provider ----------------------------------------------------------------------------

/**
 * One HocuspocusProviderWebsocket for `identity`, recording into socket.log. Options go to the socket
 * (messageReconnectTimeout, delay, ...).
 */
export function openSocket(host, identity = freshDid(), o = {}) {
    const log = o.log ?? new FrameLog(identity);
    const socket = new HocuspocusProviderWebsocket({
        url: hocuspocusUrl(host, identity),
        WebSocketPolyfill: recordingWebSocket(log, host.wsOptions?.()),
        // Reconnect soon after a socket that never brought a frame (the default starts at 1 s, jittered).
        delay: 100, minDelay: 100, maxDelay: 1000,
        ...o,
    });
    socket.log = log;
    socket.identity = identity;
    return socket;
}

/**
 * A real HocuspocusProvider for document `name`, attached to o.socket (or to a socket of its own as
 * o.identity). Options: token (host.token by default; a function is called on every open), document,
 * awareness (null: none), sessionAwareness, and anything else HocuspocusProvider takes. The provider gets
 * `log` (its socket's FrameLog), `events` (authenticated, authenticationFailed, stateless, close, unsynced,
 * synced) and `socket`.
 */
export function openProvider(host, name, o = {}) {
    const { socket: given, identity, token = host.token, socketOptions = {}, ...rest } = o;
    const socket = given ?? openSocket(host, identity, socketOptions);
    const events = { authenticated: [], authenticationFailed: [], stateless: [], close: [], unsynced: [], synced: [] };
    const provider = new HocuspocusProvider({
        name,
        websocketProvider: socket,
        token,
        onAuthenticated: ({ scope }) => events.authenticated.push(scope),
        onAuthenticationFailed: ({ reason }) => events.authenticationFailed.push(reason),
        onStateless: ({ payload }) => events.stateless.push(payload),
        onClose: ({ event }) => events.close.push(event),
        onUnsyncedChanges: ({ number }) => events.unsynced.push(number),
        onSynced: ({ state }) => events.synced.push(state),
        ...rest,
    });
    // Given a websocketProvider, a provider waits for attach().
    provider.attach();
    provider.events = events;
    provider.socket = socket;
    provider.log = socket.log;
    provider.ownsSocket = !given;
    return provider;
}

/** Resolves with `cond(provider)` once it is truthy (polled: the provider reads a frame after the log has it). */
export async function waitProvider(provider, cond, { timeoutMs = 5000, what = 'the provider' } = {}) {
    try {
        return await waitUntil(() => cond(provider), { timeoutMs, intervalMs: 5, what });
    } catch (err) {
        err.message += ` (${provider.configuration.name}: unsyncedChanges ${provider.unsyncedChanges}, `
            + `synced ${provider.isSynced}; frames ${provider.log.summary(16)})`;
        throw err;
    }
}

export const waitSynced = (p, o = {}) => waitProvider(p, (x) => x.isSynced, { what: 'synced', ...o });
/** Synced, and every SyncStep2 and Update it sent acknowledged (its unsyncedChanges back to 0). */
export const waitAllSynced = (p, o = {}) => waitProvider(p, (x) => x.isSynced && x.unsyncedChanges === 0,
    { what: 'unsyncedChanges to reach 0', ...o });
export const waitAuthenticated = (p, o = {}) => waitProvider(p, (x) => x.events.authenticated.at(-1), { what: 'Authenticated', ...o });
export const waitAuthFailed = (p, o = {}) => waitProvider(p, (x) => x.events.authenticationFailed.at(-1), { what: 'authenticationFailed', ...o });

/** Waits until every document has the same text `t` and `pred(text)` holds; returns it. */
export async function waitConverged(docs, pred = () => true, { field = 't', timeoutMs = 5000, what = 'the documents to converge' } = {}) {
    let last;
    await waitUntil(() => {
        last = docs.map((d) => d.getText(field).toString());
        return last.every((t) => t === last[0]) && pred(last[0]);
    }, { timeoutMs, what: `${what}: ${JSON.stringify(last)}` });
    return last[0];
}

/** The SyncStatus frames a log received for `key`, in order: [true|false]. */
export function statuses(log, key, since = 0) {
    return log.inbound((f) => f.type === TYPE.syncStatus && f.key === key, since).map((f) => f.applied);
}

/** The SyncStep2 and Update frames a log sent for `key` (what the host must acknowledge). */
export function countedOut(log, key, since = 0) {
    return log.outbound((f) => f.type === TYPE.sync && (f.step === 1 || f.step === 2) && f.key === key, since).length;
}

/** Destroys providers and sockets and waits (bounded) for their sockets to close. */
export async function closeAll(list) {
    const sockets = new Set();
    for (const x of list.splice(0)) {
        if (!x) continue;
        if (x instanceof HocuspocusProvider) {
            if (x.ownsSocket) sockets.add(x.socket);
            try { x.destroy(); } catch { /* already destroyed */ }
        } else if (x instanceof HocuspocusProviderWebsocket) {
            sockets.add(x);
        } else if (typeof x.close === 'function') {
            await x.close().catch(() => {});
        }
    }
    await Promise.all([...sockets].map(async (s) => {
        const ws = s.webSocket;
        try { s.destroy(); } catch { /* already destroyed */ }
        if (ws && ws.readyState !== WS.CLOSED) {
            await withTimeout(new Promise((resolve) => ws.once('close', resolve)), 3000, 'a socket to close').catch(() => ws.terminate());
        }
    }));
}

/** Ends a socket the way a crashed client does: no CLOSE, no awareness goodbye, no reconnect. */
export function vanish(socket) {
    socket.shouldConnect = false;
    socket.cancelWebsocketRetry?.();
    socket.webSocket?.terminate();
}

// ---- the raw client -----------------------------------------------------------------------------------

/** A bare `ws` socket on /hocuspocus/as/<identity> that records like a provider's (what it sends is 'out'). */
export class RawHocuspocusClient {
    static async connect(host, identity = freshDid('raw'), { timeoutMs = 5000 } = {}) {
        const log = new FrameLog(`raw ${identity}`);
        const Ws = recordingWebSocket(log, host.wsOptions?.());
        const ws = new Ws(hocuspocusUrl(host, identity));
        const opened = deferred();
        ws.once('open', () => opened.resolve(true));
        ws.once('close', () => opened.resolve(false));
        ws.once('unexpected-response', (req, res) => { opened.resolve(false); res.resume(); });
        const ok = await withTimeout(opened.promise, timeoutMs, `raw upgrade on ${hocuspocusUrl(host, identity)}`);
        if (!ok) throw new Error(`the upgrade of ${hocuspocusUrl(host, identity)} was refused`);
        return new RawHocuspocusClient(ws, log, identity);
    }

    constructor(ws, log, identity) {
        this.ws = ws;
        this.log = log;
        this.identity = identity;
    }

    get isOpen() { return this.ws.readyState === WS.OPEN; }

    send(bytes) { this.ws.send(bytes); }

    /** The first host frame from index `since` on with pred(decoded). */
    waitFrame(pred, o = {}) {
        return this.log.waitFor((f, fr) => fr.dir === 'in' && pred(f), o).then((fr) => fr.f);
    }

    /** Authenticates `key` and waits for the answer (Authenticated or PermissionDenied). */
    async auth(key, token, version) {
        const since = this.log.mark();
        this.send(authFrame(key, token, version));
        return this.waitFrame((f) => f.key === key && f.type === TYPE.auth, { since, what: `the Auth answer for ${key}` });
    }

    waitClose(o = {}) { return this.log.waitClose({ socket: 1, ...o }); }

    async close() {
        if (this.ws.readyState === WS.CLOSED) return;
        this.ws.close();
        await withTimeout(new Promise((resolve) => this.ws.once('close', resolve)), 3000, 'the raw socket to close')
            .catch(() => this.ws.terminate());
    }
}
