// Yjs clients of the host, over `ws`: the real y-websocket 3.1.0 WebsocketProvider (with yjs 13.6 and
// y-protocols' Awareness) and a raw y-websocket client for frames no provider sends.
//
//   const p = openProvider(host, 'notes', { identity: 'did:web:alice.test' });  // dev token by default
//   await waitSynced(p);
//   p.doc.getText('t').insert(0, 'hi');                  // sent as 00 02 <update>
//   p.frames                                             // every frame in and out: { t, dir, bytes }
//   await destroyProviders([p]);
//
//   const raw = await RawYClient.connect(host, 'notes');  // frames in raw.frames, decoded by decodeFrame
//   raw.send(syncStep1Frame(new Y.Doc()));
//   const f = await raw.waitFrame((f) => f.label === 'syncStep2');
//
// Providers are made with disableBc: in one Node process every provider of a room would otherwise sync
// through lib0's BroadcastChannel stand-in, around the host. Every wait here has a deadline.

import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import WebSocket from 'ws';
import { WebsocketProvider } from 'y-websocket';
import * as awarenessProtocol from 'y-protocols/awareness';
import * as syncProtocol from 'y-protocols/sync';
import * as Y from 'yjs';
import { tryConnect } from './leaf.mjs';
import { delay, waitUntil, withTimeout } from './util.mjs';

export { Y, WebSocket, WebsocketProvider, awarenessProtocol, syncProtocol, encoding, decoding };

// Every WebsocketProvider adds a process 'exit' listener (its awareness goodbye); suites open dozens.
process.setMaxListeners(Math.max(process.getMaxListeners(), 200));

export const MESSAGE = { sync: 0, awareness: 1, auth: 2, queryAwareness: 3 };
const STEP_NAMES = ['syncStep1', 'syncStep2', 'update'];
const TYPE_NAMES = ['sync', 'awareness', 'auth', 'queryAwareness'];

/** The provider's serverUrl for an identity (a DID or key:<name>): the room is appended by the provider. */
export function yjsServerUrl(host, identity) {
    return `ws://127.0.0.1:${host.port}/yjs/as/${identity}`;
}

/** The whole upgrade URL of a room (the provider inserts the room raw, as here). */
export function yjsUrl(host, identity, room) {
    return `${yjsServerUrl(host, identity)}/${room}`;
}

let nextRoom = 0;
/** A room name unique to this process. */
export function roomName(label = 'room') {
    nextRoom += 1;
    return `${label}-${process.pid}-${nextRoom}-${Date.now() % 100000}`;
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
    return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/** A `ws` WebSocket class that records every binary frame it receives and sends into `frames`. */
export function recordingWebSocket(frames) {
    return class RecordingWebSocket extends WebSocket {
        constructor(url, protocols, options) {
            super(url, protocols, { perMessageDeflate: false, ...(options ?? {}) });
            this.on('message', (data, isBinary) => {
                if (isBinary) frames.push({ t: Date.now(), dir: 'in', bytes: bytesOf(data) });
            });
        }

        send(data, ...rest) {
            if (typeof data !== 'string') frames.push({ t: Date.now(), dir: 'out', bytes: bytesOf(data) });
            return super.send(data, ...rest);
        }
    };
}

/**
 * A real WebsocketProvider for `room` on the host, as `identity` with `token` (the dev token by default).
 * Options: doc (a Y.Doc; a fresh one by default), protocols (overrides ['authorization', token]), connect
 * (true), and anything else WebsocketProvider takes. The provider gets `frames` (what its socket received
 * and sent, decoded by decodeFrame) and `identity`.
 */
export function openProvider(host, room, o = {}) {
    const { identity = 'did:web:yjs.canopy.test', token = host.token, doc = new Y.Doc(), protocols, ...rest } = o;
    const frames = [];
    const provider = new WebsocketProvider(yjsServerUrl(host, identity), room, doc, {
        WebSocketPolyfill: recordingWebSocket(frames),
        protocols: protocols ?? ['authorization', token],
        disableBc: true,
        ...rest,
    });
    provider.frames = frames;
    provider.identity = identity;
    // Connection errors (a refused upgrade) are reported as events; without a listener ws would throw.
    provider.on('connection-error', () => {});
    return provider;
}

/** Resolves once the provider is synced (its first SyncStep2 arrived). */
export function waitSynced(provider, { timeoutMs = 5000, what = 'the provider to sync' } = {}) {
    if (provider.synced) return Promise.resolve();
    return withTimeout(new Promise((resolve) => {
        const on = (state) => {
            if (!state) return;
            provider.off('sync', on);
            resolve();
        };
        provider.on('sync', on);
    }), timeoutMs, what);
}

/** Resolves with the close event the provider's connection ends with (its `connection-close`). */
export function waitConnectionClose(provider, { timeoutMs = 5000 } = {}) {
    return withTimeout(new Promise((resolve) => {
        provider.once('connection-close', (event) => resolve(event));
    }), timeoutMs, 'the provider connection to close');
}

/** Destroys every provider (each says goodbye to its awareness first) and waits for their sockets to close. */
export async function destroyProviders(list) {
    await Promise.all(list.splice(0).map(async (p) => {
        const ws = p.ws;
        try { p.destroy(); } catch { /* already destroyed */ }
        // WebsocketProvider.destroy() leaves its Awareness's outdated-state timer running, which
        // keeps the test process alive after its last test.
        try { p.awareness.destroy(); } catch { /* already destroyed */ }
        if (ws && ws.readyState !== WebSocket.CLOSED) {
            await withTimeout(new Promise((resolve) => ws.once('close', resolve)), 3000, 'a provider socket to close')
                .catch(() => ws.terminate());
        }
    }));
}

/**
 * Ends a provider's connection the way a crashed client does: no awareness goodbye, no close frame, and no
 * reconnect.
 */
export function vanish(provider) {
    provider.shouldConnect = false;
    const ws = provider.ws;
    ws?.terminate();
}

/** The provider's document as plain JSON: { text, map } of the root types the suites use. */
export function contentOf(doc, text = 't', map = 'm') {
    return { text: doc.getText(text).toString(), map: doc.getMap(map).toJSON() };
}

/** JSON with object keys sorted, so that two equal Y.Map views compare equal whatever their insertion order. */
export function canonicalJson(value) {
    return JSON.stringify(value, (_, v) => (v && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Uint8Array)
        ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, v[k]])) : v));
}

/** Waits until every doc has the same content (contentOf) and `pred(content)` holds; returns the content. */
export async function waitConverged(docs, pred = () => true, { timeoutMs = 5000, what = 'the documents to converge' } = {}) {
    let last;
    await waitUntil(() => {
        last = docs.map((d) => canonicalJson(contentOf(d)));
        return last.every((c) => c === last[0]) && pred(contentOf(docs[0]));
    }, { timeoutMs, intervalMs: 10, what }).catch((err) => {
        throw new Error(`${err.message}; contents: ${last?.join(' | ')}`);
    });
    return contentOf(docs[0]);
}

// ---- frames ---------------------------------------------------------------------------------------

/** A y-websocket frame decoded: { type, typeName, label, step?, data?, awareness?, entries?, reason? }. */
export function decodeFrame(bytes) {
    const d = decoding.createDecoder(bytes);
    const type = decoding.readVarUint(d);
    const out = { type, typeName: TYPE_NAMES[type] ?? `type ${type}`, bytes };
    if (type === MESSAGE.sync) {
        out.step = decoding.readVarUint(d);
        out.label = STEP_NAMES[out.step] ?? `step ${out.step}`;
        out.data = decoding.readVarUint8Array(d);
    } else if (type === MESSAGE.awareness) {
        out.label = 'awareness';
        out.awareness = decoding.readVarUint8Array(d);
        out.entries = decodeAwareness(out.awareness);
    } else if (type === MESSAGE.auth) {
        out.label = 'auth';
        out.authType = decoding.readVarUint(d);
        if (out.authType === 0) out.reason = decoding.readVarString(d);
    } else {
        out.label = out.typeName;
    }
    return out;
}

/** An awareness update's entries: [{ client, clock, state }] with state parsed (null when the client left). */
export function decodeAwareness(update) {
    const d = decoding.createDecoder(update);
    const n = decoding.readVarUint(d);
    const entries = [];
    for (let i = 0; i < n; i++) {
        const client = decoding.readVarUint(d);
        const clock = decoding.readVarUint(d);
        entries.push({ client, clock, state: JSON.parse(decoding.readVarString(d)) });
    }
    return entries;
}

/** The frames of a provider or raw client, decoded, optionally only one direction ('in' | 'out'). */
export function decodedFrames(frames, dir) {
    return frames.filter((f) => !dir || f.dir === dir).map((f) => ({ ...decodeFrame(f.bytes), dir: f.dir, t: f.t }));
}

function frameOf(write) {
    const e = encoding.createEncoder();
    write(e);
    return encoding.toUint8Array(e);
}

/** 00 00 <state vector of doc> */
export const syncStep1Frame = (doc) => frameOf((e) => {
    encoding.writeVarUint(e, MESSAGE.sync);
    syncProtocol.writeSyncStep1(e, doc);
});

/** 00 02 <update> (any bytes: a real update or a hostile one) */
export const updateFrame = (update) => frameOf((e) => {
    encoding.writeVarUint(e, MESSAGE.sync);
    syncProtocol.writeUpdate(e, update);
});

/** 00 01 <update> */
export const syncStep2Frame = (update) => frameOf((e) => {
    encoding.writeVarUint(e, MESSAGE.sync);
    encoding.writeVarUint(e, syncProtocol.messageYjsSyncStep2);
    encoding.writeVarUint8Array(e, update);
});

/** 01 <awareness update of `clients` in `awareness`> (the provider's own encoder) */
export const awarenessFrame = (awareness, clients = [awareness.clientID]) => frameOf((e) => {
    encoding.writeVarUint(e, MESSAGE.awareness);
    encoding.writeVarUint8Array(e, awarenessProtocol.encodeAwarenessUpdate(awareness, clients));
});

/** 03 */
export const queryAwarenessFrame = () => Uint8Array.of(MESSAGE.queryAwareness);

/** A V1 update from nothing by a fresh client: `text` inserted in root text 't'. */
export function textUpdate(text, clientID) {
    const doc = newYDoc(clientID);
    doc.getText('t').insert(0, text);
    return Y.encodeStateAsUpdate(doc);
}

// ---- a raw client -------------------------------------------------------------------------------

/** A bare y-websocket connection: sends what it is told, records (and decodes) what arrives. */
export class RawYClient {
    /**
     * Opens /yjs/as/<identity>/<room> with ['authorization', token]; rejects when the upgrade is refused.
     * `path` overrides the whole path after the port (for hostile room names).
     */
    static async connect(host, room, { identity = 'did:web:raw.yjs.canopy.test', token = host.token, timeoutMs = 5000 } = {}) {
        // Listening from the start: the host's SyncStep1 may arrive in the same read as the 101.
        const ws = new WebSocket(yjsUrl(host, identity, room), ['authorization', token], { perMessageDeflate: false });
        const client = new RawYClient(ws);
        await withTimeout(new Promise((resolve, reject) => {
            ws.once('open', resolve);
            ws.once('unexpected-response', (req, res) => {
                reject(new Error(`upgrade refused: HTTP ${res.statusCode}`));
                req.destroy();
            });
            ws.once('error', reject);
        }), timeoutMs, 'the raw client to connect').catch((err) => {
            ws.terminate();
            throw err;
        });
        client.protocol = ws.protocol;
        return client;
    }

    constructor(ws) {
        this.ws = ws;
        this.protocol = undefined;
        this.frames = []; // { t, dir: 'in', bytes, ...decodeFrame }
        this.closeInfo = null;
        this.closed = new Promise((resolve) => {
            ws.on('close', (code, reason) => {
                this.closeInfo = { code, reason: reason.toString() };
                resolve(this.closeInfo);
            });
        });
        ws.on('error', () => {});
        ws.on('message', (data, isBinary) => {
            if (!isBinary) return;
            const bytes = bytesOf(data);
            let decoded;
            try { decoded = decodeFrame(bytes); } catch (err) { decoded = { label: 'undecodable', error: err.message }; }
            this.frames.push({ t: Date.now(), dir: 'in', bytes, ...decoded });
        });
    }

    get open() { return this.ws.readyState === WebSocket.OPEN; }

    send(bytes) { this.ws.send(bytes); }

    /** The first frame at index >= from matching pred, waiting for it. */
    waitFrame(pred, { from = 0, timeoutMs = 5000, what = 'a frame' } = {}) {
        return waitUntil(() => this.frames.slice(from).find(pred), { timeoutMs, intervalMs: 5, what })
            .catch((err) => {
                throw new Error(`${err.message}; frames: ${this.frames.map((f) => f.label).join(', ')}`);
            });
    }

    /** Sends SyncStep1 of `doc` and resolves the SyncStep2 that answers it, applied to `doc`. */
    async sync(doc, { timeoutMs = 5000 } = {}) {
        const from = this.frames.length;
        this.send(syncStep1Frame(doc));
        const step2 = await this.waitFrame((f) => f.label === 'syncStep2', { from, timeoutMs, what: 'SyncStep2' });
        Y.applyUpdate(doc, step2.data);
        return step2;
    }

    async close() {
        if (this.ws.readyState === WebSocket.CLOSED) return;
        this.ws.close();
        await withTimeout(this.closed, 3000, 'the raw client to close').catch(() => this.ws.terminate());
    }
}

/** Try the upgrade of a raw path (after the port) with `protocols`; { opened, statusCode, json, protocol }. */
export async function tryYjsUpgrade(host, pathAfterPort, protocols, { timeoutMs = 5000 } = {}) {
    const r = await tryConnect(`ws://127.0.0.1:${host.port}${pathAfterPort}`, protocols, { timeoutMs });
    let json;
    if (r.body) { try { json = JSON.parse(r.body); } catch { json = undefined; } }
    if (r.opened) r.ws.terminate();
    return { ...r, json };
}

/** Closes raw clients, bounded. */
export async function closeRaw(list) {
    await Promise.all(list.splice(0).map((c) => c.close().catch(() => {})));
}

export { delay };
