// loro-protocol v1 helpers for the loro-*.test.mjs suites: the REAL clients (LoroWebsocketClient from
// loro-websocket with the adaptors of loro-adaptors) pointed at a Canopy host's /loro/as/<did>, a raw client
// on `ws` that speaks through loro-protocol's own encoder/decoder for byte-level checks, and a frame recorder
// that sees every frame both clients send and receive (size, type, decoded message).
//
//   const peer = await connectLoro(host, { did: 'did:web:a.test' });           // real client, dev token
//   const { doc, room } = await peer.joinLoro('my-room');                       // LoroAdaptor; resolves at JoinResponseOk
//   await withTimeout(room.waitForReachingServerVersion(), 5000);
//   peer.log.frames   -> [{ dir: 'in'|'out', binary, size, msg, typeName, socket, ... }]
//   await peer.waitAcked();                                                     // every batch it sent has its Ack
//
//   const raw = await RawLoroClient.connect(host, 'did:web:b.test');
//   const ok = await raw.join({ roomId: 'my-room', version: doc.version().encode() });   // JoinResponseOk | JoinError
//   raw.send({ type: MessageType.DocUpdate, crdt: CrdtType.Loro, roomId, updates: [blob], batchId: raw.batchId() });
//
// The client calls `new WebSocket(url)` on the global WebSocket. This module installs `RecordingWebSocket`
// (a subclass of the `ws` package's WebSocket) as globalThis.WebSocket; the URL handed to the client is a
// URL object carrying its FrameLog, so each client (and each of its reconnects) records into its own log.
// (loro-websocket 0.6.2 takes no WebSocket class option; this is how a recording socket reaches it.)
// Two more shims for the real client, both behaviour-preserving: its internal connect() promises are marked
// handled (see below), and LoroPeer.close() also destroys the rooms' adaptors (the client leaves them alive).

import { randomBytes, webcrypto } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import WS from 'ws';
import * as protocol from 'loro-protocol';
import { LoroWebsocketClient } from 'loro-websocket';
import { EloAdaptor, LoroAdaptor, LoroEphemeralAdaptor, LoroPersistentStoreAdaptor } from 'loro-adaptors/loro';
import { EphemeralStore, LoroDoc, VersionVector, decodeImportBlobMeta } from 'loro-crdt';
export { delay } from "./util.mjs";
import { deferred, withTimeout, waitUntil, delay } from './util.mjs';

globalThis.crypto ??= webcrypto; // Node 18: the client draws batch ids from crypto.getRandomValues

export const {
    CrdtType, MessageType, JoinErrorCode, RoomErrorCode, UpdateStatusCode, MAX_MESSAGE_SIZE,
    encode, decode, tryDecode, bytesToHex, hexToBytes, BytesWriter, BytesReader,
    encodeEloContainer, decodeEloContainer, parseEloRecordHeader, decryptEloRecord, EloRecordKind,
} = protocol;
export { protocol, LoroWebsocketClient, LoroAdaptor, LoroEphemeralAdaptor, LoroPersistentStoreAdaptor, EloAdaptor };
export { EphemeralStore, LoroDoc, VersionVector, decodeImportBlobMeta };

/** The largest message the host may send (and the client's encoder accepts): 256 KiB. */
export const MAX_HOST_MESSAGE = 262144;

export const TYPE_NAMES = ['JoinRequest', 'JoinResponseOk', 'JoinError', 'DocUpdate', 'DocUpdateFragmentHeader',
    'DocUpdateFragment', 'RoomError', 'Leave', 'Ack'];
export const STATUS_NAMES = { 0: 'ok', 1: 'unknown', 3: 'permission_denied', 4: 'invalid_update', 5: 'payload_too_large',
    6: 'rate_limited', 7: 'fragment_timeout', 127: 'app_error' };

export const utf8 = (s) => new TextEncoder().encode(s);
export const fromUtf8 = (b) => new TextDecoder().decode(b);

/** ws://127.0.0.1:<port>/loro/as/<did> (wss:// for a TLS host) */
export function loroUrl(host, did) {
    return `${host.wsScheme ?? 'ws'}://127.0.0.1:${host.port}/loro/as/${did}`;
}

/** The join's auth bytes for a connection token (or the dev token): its UTF-8. */
export function authBytes(token) {
    return token == null ? new Uint8Array(0) : utf8(token);
}

/** A distinct DID per call, for tests that must not share per-DID limits. */
let didSeq = 0;
export function freshDid(label = 'loro') {
    return `did:web:${label}-${process.pid}-${++didSeq}-${randomBytes(3).toString('hex')}.example.test`;
}

function bytesOf(data) {
    if (data instanceof Uint8Array) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    if (data instanceof ArrayBuffer) return new Uint8Array(data);
    if (Array.isArray(data)) return new Uint8Array(Buffer.concat(data));
    if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    return new Uint8Array(data);
}

// ---- frame recording ----------------------------------------------------------------------------------

/**
 * Every frame of one client, both directions, across its reconnects:
 *   { i, t, dir: 'in'|'out', socket (1-based connection number), binary, size, text, bytes (null over keepBytes),
 *     msg (loro-protocol decode), decodeError, typeName }
 * plus opens/closes per socket.
 */
export class FrameLog {
    constructor(name = 'client', { keepBytes = 4 * 1024 * 1024 } = {}) {
        this.name = name;
        this.keepBytes = keepBytes;
        this.frames = [];
        this.sockets = 0;
        this.opens = [];
        this.closes = []; // { socket, code, reason, t }
        this.errors = []; // socket errors: { socket, message, t }
        this.waiters = new Set();
        this.closeWaiters = new Set();
    }

    mark() { return this.frames.length; }

    record(dir, socket, data, isBinary) {
        const f = { i: this.frames.length, t: performance.now(), dir, socket, binary: !!isBinary };
        if (isBinary) {
            const bytes = bytesOf(data);
            f.size = bytes.length;
            f.bytes = bytes.length <= this.keepBytes ? Uint8Array.from(bytes) : null;
            try {
                f.msg = decode(bytes);
                f.typeName = TYPE_NAMES[f.msg.type];
            } catch (err) {
                f.decodeError = err;
                f.typeName = 'undecodable';
            }
        } else {
            f.text = typeof data === 'string' ? data : Buffer.from(bytesOf(data)).toString('utf8');
            f.size = Buffer.byteLength(f.text);
            f.typeName = 'text';
        }
        this.frames.push(f);
        for (const w of [...this.waiters]) {
            if (f.i >= w.since && w.pred(f)) {
                this.waiters.delete(w);
                w.resolve(f);
            }
        }
        return f;
    }

    recordClose(socket, code, reason) {
        const c = { socket, code, reason, t: performance.now() };
        this.closes.push(c);
        for (const w of [...this.closeWaiters]) {
            if (c.socket >= w.socket) {
                this.closeWaiters.delete(w);
                w.resolve(c);
            }
        }
    }

    inbound(pred = () => true, since = 0) {
        return this.frames.slice(since).filter((f) => f.dir === 'in' && pred(f));
    }

    outbound(pred = () => true, since = 0) {
        return this.frames.slice(since).filter((f) => f.dir === 'out' && pred(f));
    }

    /** Resolve with the first frame at index >= since matching pred; reject after timeoutMs. */
    waitFor(pred, { since = 0, timeoutMs = 5000, what = 'a matching frame' } = {}) {
        for (let i = since; i < this.frames.length; i++) if (pred(this.frames[i])) return Promise.resolve(this.frames[i]);
        const d = deferred();
        const w = { pred, since, resolve: d.resolve };
        this.waiters.add(w);
        return withTimeout(d.promise, timeoutMs, `${what} (${this.name})`).finally(() => this.waiters.delete(w));
    }

    /** The next close of socket number >= `socket` (default: the current one). */
    waitClose({ socket = this.sockets, timeoutMs = 5000 } = {}) {
        const done = this.closes.find((c) => c.socket >= socket);
        if (done) return Promise.resolve(done);
        const d = deferred();
        const w = { socket, resolve: d.resolve };
        this.closeWaiters.add(w);
        return withTimeout(d.promise, timeoutMs, `socket close (${this.name})`).finally(() => this.closeWaiters.delete(w));
    }

    /** Frames that are messages of `type` for room (crdt, roomId), optionally one direction. */
    messages(type, { roomId, crdt, dir, since = 0 } = {}) {
        return this.frames.slice(since).filter((f) => f.msg && f.msg.type === type
            && (dir === undefined || f.dir === dir)
            && (roomId === undefined || f.msg.roomId === roomId)
            && (crdt === undefined || f.msg.crdt === crdt));
    }

    /** A one-line summary of the frames (for assertion messages). */
    summary(since = 0, max = 40) {
        const list = this.frames.slice(since).map((f) => `${f.dir}:${f.typeName}${f.msg?.roomId !== undefined ? `(${f.msg.roomId.slice(0, 20)})` : ''}`
            + `${f.msg?.status !== undefined ? `=${f.msg.status}` : ''}${f.msg?.code !== undefined ? `#${f.msg.code}` : ''}:${f.size}`);
        return (list.length > max ? [...list.slice(0, max), `… ${list.length - max} more`] : list).join(' ');
    }
}

const RECORDER = Symbol('canopy.frameLog');
const WS_OPTIONS = Symbol('canopy.wsOptions');

/**
 * A URL object (accepted by `ws`) that carries the FrameLog its sockets record into, and `ws` options (e.g.
 * the CA of a TLS host) for a client that calls `new WebSocket(url)` with none of its own.
 */
export function recordedUrl(url, log, wsOptions) {
    const u = new URL(url);
    u[RECORDER] = log;
    if (wsOptions) u[WS_OPTIONS] = wsOptions;
    return u;
}

/**
 * The `ws` WebSocket with every frame recorded into the FrameLog of its URL (see recordedUrl). Installed as
 * globalThis.WebSocket, so LoroWebsocketClient's `new WebSocket(url)` builds one of these.
 */
export class RecordingWebSocket extends WS {
    constructor(address, protocols, options) {
        const log = address?.[RECORDER] ?? null;
        if (protocols !== undefined && !Array.isArray(protocols) && typeof protocols === 'object') {
            options = protocols;
            protocols = undefined;
        }
        super(address, protocols, { perMessageDeflate: false, ...(address?.[WS_OPTIONS] ?? {}), ...(options ?? {}) });
        this.frameLog = log;
        this.socketNo = log ? ++log.sockets : 0;
        if (log) {
            this.on('open', () => log.opens.push({ socket: this.socketNo, t: performance.now() }));
            this.on('message', (data, isBinary) => log.record('in', this.socketNo, data, isBinary));
            this.on('close', (code, reason) => log.recordClose(this.socketNo, code, reason.toString()));
            // A refused upgrade: `ws` reports "Unexpected server response: <status>" and closes (1006).
            this.on('error', (err) => log.errors.push({ socket: this.socketNo, message: err.message, t: performance.now() }));
        }
        this.on('error', () => {}); // surfaced through the client's onError and the close
    }

    send(data, options, cb) {
        if (this.frameLog && this.readyState === WS.OPEN) {
            this.frameLog.record('out', this.socketNo, data, typeof data !== 'string');
        }
        return super.send(data, options, cb);
    }
}

globalThis.WebSocket = RecordingWebSocket;

// The client calls its own async connect() without a catch (in the constructor, on reconnect, when a join is
// queued), so a connection that ends in destroy() or a fatal close rejects a promise nobody holds ("Destroyed",
// "Disconnected"), which node:test reports as a failure of whatever test runs then. Mark those promises handled;
// callers still get the same promise, rejections included.
{
    const original = LoroWebsocketClient.prototype.connect;
    LoroWebsocketClient.prototype.connect = function connect(...args) {
        const p = original.apply(this, args);
        p.catch(() => {});
        return p;
    };
}

// ---- the real client --------------------------------------------------------------------------------

/**
 * A LoroWebsocketClient connected to `host` as `did`, recording every frame.
 *   o.token:    the join auth token (host.token by default); o.auth: raw auth bytes or a provider (overrides)
 *   o.reconnect, o.pingIntervalMs, o.pingTimeoutMs, o.disablePing: passed to the client
 *   o.connect:  wait for the socket to open (default true)
 */
export async function connectLoro(host, o = {}) {
    const did = o.did ?? freshDid('c');
    const log = new FrameLog(o.name ?? did, o.logOptions);
    const errors = [];
    const client = new LoroWebsocketClient({
        url: recordedUrl(loroUrl(host, did), log, host.wsOptions?.()),
        pingIntervalMs: o.pingIntervalMs,
        pingTimeoutMs: o.pingTimeoutMs,
        disablePing: o.disablePing ?? false,
        reconnect: o.reconnect ?? { initialDelayMs: 100, maxDelayMs: 1000 },
        onError: (err) => errors.push(err),
    });
    const peer = new LoroPeer(client, log, { host, did, token: o.token === undefined ? host.token : o.token, auth: o.auth, errors });
    if (o.connect !== false) {
        await withTimeout(client.waitConnected(), o.timeoutMs ?? 5000, `${did} to connect to ${loroUrl(host, did)}`);
    }
    return peer;
}

export class LoroPeer {
    constructor(client, log, { host, did, token, auth, errors }) {
        this.client = client;
        this.log = log;
        this.host = host;
        this.did = did;
        this.token = token;
        this.auth = auth;
        this.errors = errors;
        this.rooms = [];
        this.updateErrors = []; // { roomId, crdt, status, reason, updates }
        this.statuses = [];     // { roomId, crdt, status, t }
    }

    defaultAuth() {
        return this.auth !== undefined ? this.auth : authBytes(this.token);
    }

    /**
     * Join `roomId` with `adaptor`; resolves at JoinResponseOk (rejects on JoinError, as the client does).
     * Returns { room, adaptor, roomId, crdt }.
     */
    async join(adaptor, roomId, { auth = this.defaultAuth(), timeoutMs = 5000 } = {}) {
        const crdt = adaptor.crdtType;
        const room = await withTimeout(this.client.join({
            roomId, crdtAdaptor: adaptor, auth,
            onStatusChange: (status) => this.statuses.push({ roomId, crdt, status, t: performance.now() }),
        }), timeoutMs, `${this.did}: join ${crdt}${roomId}`);
        const entry = { room, adaptor, roomId, crdt };
        this.rooms.push(entry);
        return entry;
    }

    #onUpdateError(roomId, crdt) {
        return (updates, status, reason) => this.updateErrors.push({ roomId, crdt, status, reason, updates });
    }

    /** Join a %LOR room with a LoroAdaptor over `doc` (a fresh doc by default). Returns { room, adaptor, doc }. */
    async joinLoro(roomId, { doc = new LoroDoc(), ...o } = {}) {
        const importErrors = [];
        const adaptor = new LoroAdaptor(doc, {
            onUpdateError: this.#onUpdateError(roomId, CrdtType.Loro),
            onImportError: (err) => importErrors.push(err),
        });
        const r = await this.join(adaptor, roomId, o);
        return { ...r, doc, importErrors };
    }

    /** Join a %ELO room with an EloAdaptor holding `key` (32 bytes) under `keyId`. */
    async joinElo(roomId, { doc = new LoroDoc(), key, keyId = 'k1', ...o } = {}) {
        const decryptErrors = [];
        const adaptor = new EloAdaptor(doc, {
            getPrivateKey: async () => ({ keyId, key }),
            onDecryptError: (err, meta) => decryptErrors.push({ err, meta }),
            onUpdateError: this.#onUpdateError(roomId, CrdtType.Elo),
        });
        const r = await this.join(adaptor, roomId, o);
        return { ...r, doc, decryptErrors };
    }

    /** Join a %EPH room (LoroEphemeralAdaptor) over `store`. */
    async joinEphemeral(roomId, { store = new EphemeralStore(30000), ...o } = {}) {
        const r = await this.join(new LoroEphemeralAdaptor(store), roomId, o);
        return { ...r, store };
    }

    /** Join a %EPS room (LoroPersistentStoreAdaptor) over `store`. */
    async joinPersistent(roomId, { store = new EphemeralStore(30000), ...o } = {}) {
        const r = await this.join(new LoroPersistentStoreAdaptor(store), roomId, o);
        return { ...r, store };
    }

    /**
     * Batches this client sent (DocUpdate or FragmentHeader) on socket `socket` (default: every socket), each
     * with its Ack frames: [{ batchId, roomId, crdt, sent (frame), acks: [frame], updates (DocUpdate only) }].
     */
    batches({ roomId, socket } = {}) {
        const out = [];
        const byId = new Map();
        for (const f of this.log.frames) {
            if (!f.msg || (socket !== undefined && f.socket !== socket)) continue;
            const m = f.msg;
            if (f.dir === 'out' && (m.type === MessageType.DocUpdate || m.type === MessageType.DocUpdateFragmentHeader)) {
                if (roomId !== undefined && m.roomId !== roomId) continue;
                const b = { batchId: m.batchId, roomId: m.roomId, crdt: m.crdt, socket: f.socket, sent: f, acks: [],
                    updates: m.type === MessageType.DocUpdate ? m.updates : null, fragmented: m.type !== MessageType.DocUpdate };
                out.push(b);
                byId.set(`${f.socket}/${m.batchId}`, b);
            } else if (f.dir === 'in' && m.type === MessageType.Ack) {
                const b = byId.get(`${f.socket}/${m.refId}`);
                if (b) b.acks.push(f);
            }
        }
        return out;
    }

    /** Wait until every batch sent so far (on the current socket, in `roomId` if given) has an Ack; returns them. */
    async waitAcked({ roomId, timeoutMs = 5000, socket = this.log.sockets } = {}) {
        await waitUntil(() => this.batches({ roomId, socket }).every((b) => b.acks.length > 0),
            { timeoutMs, what: `${this.did}: an Ack for every batch sent (${this.log.summary(Math.max(0, this.log.frames.length - 30))})` });
        return this.batches({ roomId, socket });
    }

    /** Destroy the client and wait (bounded) for its socket to close. */
    async close() {
        const open = this.client.socket && this.client.socket.readyState !== WS.CLOSED;
        const socket = this.log.sockets;
        try { this.client.destroy(); } catch { /* already gone */ }
        // The client does not destroy its rooms' adaptors; an ephemeral store's purge timer would keep the
        // process alive until its entries expire.
        for (const r of this.rooms) {
            try { r.adaptor.destroy(); } catch { /* already destroyed */ }
        }
        if (open) await this.log.waitClose({ socket, timeoutMs: 3000 }).catch(() => this.client.socket?.terminate?.());
    }
}

/** Close every peer / raw client given, ignoring errors. */
export async function closeAllLoro(list) {
    await Promise.all(list.filter(Boolean).map((c) => c.close().catch(() => {})));
}

// ---- the raw client ---------------------------------------------------------------------------------

/** Open a recorded `ws` socket; resolves { opened, statusCode, body, json, ws, error } (never rejects). */
export function openRecorded(url, log, { timeoutMs = 5000, wsOptions = {} } = {}) {
    return new Promise((resolve) => {
        const ws = new RecordingWebSocket(recordedUrl(url, log), undefined, wsOptions);
        let done = false;
        const finish = (r) => {
            if (done) return;
            done = true;
            clearTimeout(timer);
            resolve({ ws, ...r });
        };
        const timer = setTimeout(() => { ws.terminate(); finish({ opened: false, error: new Error(`handshake timed out after ${timeoutMs} ms`) }); }, timeoutMs);
        ws.on('open', () => finish({ opened: true, statusCode: 101 }));
        ws.on('unexpected-response', (req, res) => {
            let body = '';
            res.setEncoding('utf8');
            res.on('data', (d) => { body += d; });
            const report = () => {
                let json;
                try { json = JSON.parse(body); } catch { json = undefined; }
                finish({ opened: false, statusCode: res.statusCode, body, json });
            };
            res.on('end', report);
            res.on('error', report);
            res.on('close', report);
        });
        ws.on('error', (error) => finish({ opened: false, error }));
        ws.on('close', (code) => finish({ opened: false, error: new Error(`closed ${code} during handshake`) }));
    });
}

/** A minimal loro-protocol client on `ws`: sends what loro-protocol's `encode` makes (or raw bytes), records all. */
export class RawLoroClient {
    /** Connect to /loro/as/<did>; rejects with err.statusCode / err.body when the upgrade is refused. */
    static async connect(host, did = freshDid('raw'), o = {}) {
        const log = new FrameLog(o.name ?? `raw ${did}`, o.logOptions);
        const r = await openRecorded(o.url ?? loroUrl(host, did), log,
            { timeoutMs: o.timeoutMs ?? 5000, wsOptions: { ...(host.wsOptions?.() ?? {}), ...(o.wsOptions ?? {}) } });
        if (!r.opened) {
            const err = new Error(`upgrade to /loro/as/${did} failed: ${r.statusCode ? `HTTP ${r.statusCode} ${r.body}` : r.error?.message}`);
            err.statusCode = r.statusCode;
            err.body = r.body;
            err.json = r.json;
            throw err;
        }
        return new RawLoroClient(r.ws, log, host, did, o.token === undefined ? host.token : o.token);
    }

    constructor(ws, log, host, did, token) {
        this.ws = ws;
        this.log = log;
        this.host = host;
        this.did = did;
        this.token = token;
        this.socket = ws.socketNo;
    }

    get isOpen() { return this.ws.readyState === WS.OPEN; }
    get closeInfo() { return this.log.closes.find((c) => c.socket === this.socket) ?? null; }
    mark() { return this.log.mark(); }

    /** A fresh random batch id ("0x" + 16 hex digits), as the real client makes them. */
    batchId() { return bytesToHex(randomBytes(8)); }

    /** Encode `msg` with loro-protocol's encoder and send it; returns the bytes. */
    send(msg) {
        const bytes = encode(msg);
        this.ws.send(bytes, { binary: true });
        return bytes;
    }

    /** Send bytes as a binary frame or a string as a text frame, unchanged. */
    sendRaw(data, { binary = typeof data !== 'string' } = {}) {
        this.ws.send(data, { binary });
    }

    /**
     * Send a JoinRequest and wait for its answer (JoinResponseOk or JoinError for the same room); returns the
     * frame's decoded message with `frame` attached.
     */
    async join({ crdt = CrdtType.Loro, roomId, auth = authBytes(this.token), version = new Uint8Array([0]), timeoutMs = 5000 } = {}) {
        const since = this.mark();
        this.send({ type: MessageType.JoinRequest, crdt, roomId, auth, version });
        const f = await this.waitFor((x) => x.dir === 'in' && x.msg && x.msg.crdt === crdt && x.msg.roomId === roomId
            && (x.msg.type === MessageType.JoinResponseOk || x.msg.type === MessageType.JoinError),
        { since, timeoutMs, what: `the answer to a join of ${crdt}${roomId}` });
        return Object.assign({}, f.msg, { frame: f });
    }

    /** Send one DocUpdate with `updates`; returns its batch id. */
    sendUpdate(roomId, updates, { crdt = CrdtType.Loro, batchId = this.batchId() } = {}) {
        this.send({ type: MessageType.DocUpdate, crdt, roomId, updates, batchId });
        return batchId;
    }

    /** Send one DocUpdate and wait for its Ack; returns the Ack message. */
    async update(roomId, updates, { crdt = CrdtType.Loro, batchId = this.batchId(), timeoutMs = 5000 } = {}) {
        const since = this.mark();
        this.sendUpdate(roomId, updates, { crdt, batchId });
        return this.waitAck(batchId, { since, timeoutMs });
    }

    /** Wait for the Ack of `batchId`; returns the Ack message (with .frame). */
    async waitAck(batchId, { since = 0, timeoutMs = 5000 } = {}) {
        const f = await this.waitFor((x) => x.dir === 'in' && x.msg?.type === MessageType.Ack && x.msg.refId === batchId,
            { since, timeoutMs, what: `the Ack of batch ${batchId}` });
        return Object.assign({}, f.msg, { frame: f });
    }

    /** Acks received for `batchId` (since index `since`). */
    acksFor(batchId, since = 0) {
        return this.log.inbound((f) => f.msg?.type === MessageType.Ack && f.msg.refId === batchId, since);
    }

    /** Send a text frame "ping" and wait for the text "pong". */
    async ping({ timeoutMs = 3000 } = {}) {
        const since = this.mark();
        this.sendRaw('ping');
        return this.waitFor((f) => f.dir === 'in' && !f.binary && f.text === 'pong', { since, timeoutMs, what: 'pong' });
    }

    waitFor(pred, o = {}) {
        if (this.closeInfo && !this.log.frames.slice(o.since ?? 0).some(pred)) {
            return Promise.reject(new Error(`socket already closed (${this.closeInfo.code} ${this.closeInfo.reason}); no ${o.what ?? 'frame'}`));
        }
        return this.log.waitFor(pred, o);
    }

    /** Messages received (since index) of `type`, optionally for one room. */
    received(type, o = {}) {
        return this.log.messages(type, { ...o, dir: 'in' });
    }

    /** Wait `ms` and return the binary frames received meanwhile (matching pred). */
    async quietFor(ms, pred = () => true) {
        const since = this.mark();
        await delay(ms);
        return this.log.inbound((f) => f.binary && pred(f), since);
    }

    waitClose(timeoutMs = 5000) {
        return this.log.waitClose({ socket: this.socket, timeoutMs });
    }

    async close(code = 1000) {
        if (this.closeInfo) return this.closeInfo;
        try {
            this.ws.close(code);
            return await this.waitClose(3000);
        } catch {
            this.ws.terminate();
            return this.waitClose(2000).catch(() => null);
        }
    }

    terminate() { this.ws.terminate(); }
}

// ---- frames the encoder refuses to make (deliberately malformed or oversized) ----------------------------

function leb(n) {
    const out = [];
    do {
        let b = n & 0x7f;
        n = Math.floor(n / 128);
        if (n > 0) b |= 0x80;
        out.push(b);
    } while (n > 0);
    return out;
}

/** magic (4 ASCII) + varString room (any bytes, any length) + type byte + payload bytes. */
export function rawEnvelope(magic, roomId, type, payload = new Uint8Array(0)) {
    const m = typeof magic === 'string' ? Buffer.from(magic, 'latin1') : Buffer.from(magic);
    const r = typeof roomId === 'string' ? Buffer.from(roomId, 'utf8') : Buffer.from(roomId);
    return new Uint8Array(Buffer.concat([m, Buffer.from(leb(r.length)), r, Buffer.from([type]), Buffer.from(payload)]));
}

/** A DocUpdate of any size (encode() refuses over 256 KiB): N entries + 8-byte batch id, as §1.6 lays it out. */
export function rawDocUpdate(magic, roomId, updates, batchId) {
    const parts = [Buffer.from(leb(updates.length))];
    for (const u of updates) parts.push(Buffer.from(leb(u.length)), Buffer.from(u));
    parts.push(Buffer.from(hexToBytes(batchId)));
    return rawEnvelope(magic, roomId, MessageType.DocUpdate, Buffer.concat(parts));
}

/** A JoinRequest under any magic / room id (encode() accepts only the seven magics and 128-byte ids). */
export function rawJoinRequest(magic, roomId, auth, version = new Uint8Array([0])) {
    return rawEnvelope(magic, roomId, MessageType.JoinRequest,
        Buffer.concat([Buffer.from(leb(auth.length)), Buffer.from(auth), Buffer.from(leb(version.length)), Buffer.from(version)]));
}

// ---- documents ---------------------------------------------------------------------------------------

/** Loro VersionVector (or a doc) -> { peer: counter }. */
export function vvOf(x) {
    const vv = x instanceof LoroDoc ? x.version() : x;
    const out = {};
    for (const [peer, counter] of vv.toJSON()) out[String(peer)] = counter;
    return out;
}

export function vvIncludes(a, b) {
    return Object.entries(b).every(([peer, c]) => (a[peer] ?? 0) >= c);
}

export function sameDoc(a, b) {
    return JSON.stringify(a.toJSON()) === JSON.stringify(b.toJSON())
        && JSON.stringify(vvOf(a)) === JSON.stringify(vvOf(b));
}

/** Wait until every doc given equals the first (state and version). */
export async function waitConverged(docs, { timeoutMs = 5000, what = 'the documents to converge' } = {}) {
    await waitUntil(() => docs.every((d) => sameDoc(d, docs[0])), { timeoutMs, what }).catch((err) => {
        throw new Error(`${err.message}: ${docs.map((d) => JSON.stringify(vvOf(d))).join(' vs ')}`);
    });
}

/** Random, hardly compressible text of `n` characters. */
export function noiseText(n) {
    return randomBytes(Math.ceil(n * 0.75) + 3).toString('base64').slice(0, n);
}

/** A random 32-byte AES-GCM key for ELO rooms. */
export function eloKey() {
    return new Uint8Array(randomBytes(32));
}

/** A unique room id. */
export function roomName(label = 'room') {
    return `${label}-${randomBytes(6).toString('hex')}`;
}
