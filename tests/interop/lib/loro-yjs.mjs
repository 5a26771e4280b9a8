// loro-protocol clients for Yjs: loro-adaptors 0.6.1 ships no client adaptor for %YJS and only a server
// adaptor for %YAW (loro-adaptors/yjs: YjsAwarenessServerAdaptor), so these two CrdtDocAdaptors are ours, written
// the way loro-adaptors' LoroAdaptor and LoroEphemeralAdaptor are (same contract, types.d.ts of loro-adaptors):
//
//   YjsDocAdaptor(doc)          %YJS over a Y.Doc: the version is Y.encodeStateVector(doc); at JoinResponseOk
//                               it uploads what the host lacks (Y.encodeStateAsUpdate(doc, hostStateVector));
//                               local updates (any origin but the adaptor itself) go out as one DocUpdate each;
//                               DocUpdates are Y.applyUpdate'd with the adaptor as origin.
//   YjsAwarenessAdaptor(aw)     %YAW over a y-protocols Awareness: no version; at JoinResponseOk it sends its
//                               own state; every local awareness 'update' (a change or the 15 s renewal) goes out
//                               as encodeAwarenessUpdate of the changed clients; DocUpdates are applied.
//
//   const peer = await connectLoro(host, { did });                  // lib/loro.mjs, the real LoroWebsocketClient
//   const { doc, room, adaptor } = await joinYjs(peer, 'notes');      // resolves at JoinResponseOk
//   await withTimeout(adaptor.waitForReachingServerVersion(), 5000);
//   const { awareness } = await joinYjsAwareness(peer, 'notes', { doc });

import * as Y from 'yjs';
import * as awarenessProtocol from 'y-protocols/awareness';
import { CrdtType } from 'loro-protocol';

export { Y, awarenessProtocol };

/** -1, 0, 1 or undefined (concurrent), as loro-adaptors' cmpVersion answers. */
export function compareStateVectors(a, b) {
    let greater = false;
    let less = false;
    for (const [client, clock] of a) {
        const other = b.get(client) ?? 0;
        if (clock > other) greater = true;
        else if (clock < other) less = true;
    }
    for (const [client, clock] of b) {
        if (!a.has(client) && clock > 0) less = true;
    }
    if (greater && less) return undefined;
    return greater ? 1 : less ? -1 : 0;
}

export class YjsDocAdaptor {
    crdtType = CrdtType.Yjs;

    constructor(doc = new Y.Doc(), config = {}) {
        this.doc = doc;
        this.config = config;
        this.ctx = undefined;
        this.destroyed = false;
        this.serverVersion = undefined; // Map client -> clock, from the JoinResponseOk
        this.reached = false;
        this.sent = []; // every update handed to the client, for tests
        this.importErrors = [];
        let resolve;
        this.reachedPromise = new Promise((r) => { resolve = r; });
        this.resolveReached = () => { this.reached = true; resolve(); };
        this.onUpdate = (update, origin) => {
            if (origin === this || this.destroyed || !this.ctx) return;
            this.sent.push(update);
            this.ctx.send([update]);
        };
    }

    getDoc() { return this.doc; }

    setCtx(ctx) {
        this.ctx = ctx;
        this.doc.on('update', this.onUpdate);
    }

    getVersion() { return Y.encodeStateVector(this.doc); }

    getAlternativeVersion() { return undefined; }

    cmpVersion(v) {
        return compareStateVectors(Y.decodeStateVector(Y.encodeStateVector(this.doc)), Y.decodeStateVector(v));
    }

    waitForReachingServerVersion() { return this.reachedPromise; }

    #checkReached() {
        if (this.reached || !this.serverVersion) return;
        const mine = Y.decodeStateVector(Y.encodeStateVector(this.doc));
        const c = compareStateVectors(mine, this.serverVersion);
        if (c === 0 || c === 1) this.resolveReached();
    }

    async handleJoinOk(res) {
        if (this.destroyed) return;
        try {
            let server;
            try {
                server = Y.decodeStateVector(res.version);
            } catch {
                throw new Error('Invalid state vector received');
            }
            this.serverVersion = server;
            // What the host lacks of this doc, when there is any: structs past the host's state vector, or
            // deletions (a delete set travels whole, and the host's state vector does not say which it holds).
            const diff = Y.encodeStateAsUpdate(this.doc, res.version);
            const order = compareStateVectors(Y.decodeStateVector(Y.encodeStateVector(this.doc)), server);
            if (order === 1 || order === undefined || Y.decodeUpdate(diff).ds.clients.size > 0) {
                this.sent.push(diff);
                this.ctx?.send([diff]);
            }
            this.#checkReached();
        } catch (error) {
            this.ctx?.onJoinFailed(error instanceof Error ? error.message : String(error));
            throw error;
        }
    }

    applyUpdate(updates) {
        if (this.destroyed || !updates?.length) return;
        for (const u of updates) {
            try {
                Y.applyUpdate(this.doc, u, this);
            } catch (error) {
                const e = error instanceof Error ? error : new Error(String(error));
                this.importErrors.push(e);
                this.ctx?.onImportError(e, [u]);
            }
        }
        this.#checkReached();
    }

    onUpdateError(updates, errorCode, reason) {
        this.config.onUpdateError?.(updates, errorCode, reason);
    }

    destroy() {
        if (this.destroyed) return;
        this.destroyed = true;
        this.doc.off('update', this.onUpdate);
        this.ctx = undefined;
    }
}

export class YjsAwarenessAdaptor {
    crdtType = CrdtType.YjsAwareness;

    constructor(awareness) {
        this.awareness = awareness;
        this.ctx = undefined;
        this.destroyed = false;
        this.onUpdate = ({ added, updated, removed }, origin) => {
            if (origin === this || this.destroyed || !this.ctx) return;
            const changed = added.concat(updated, removed);
            this.ctx.send([awarenessProtocol.encodeAwarenessUpdate(this.awareness, changed)]);
        };
    }

    getAwareness() { return this.awareness; }

    setCtx(ctx) {
        this.ctx = ctx;
        this.awareness.on('update', this.onUpdate);
    }

    getVersion() { return new Uint8Array(); }

    getAlternativeVersion() { return undefined; }

    cmpVersion() { return 0; }

    waitForReachingServerVersion() { return Promise.resolve(); }

    async handleJoinOk() {
        if (this.destroyed) return;
        if (this.awareness.getLocalState() !== null) {
            this.ctx?.send([awarenessProtocol.encodeAwarenessUpdate(this.awareness, [this.awareness.clientID])]);
        }
    }

    applyUpdate(updates) {
        if (this.destroyed) return;
        for (const u of updates ?? []) awarenessProtocol.applyAwarenessUpdate(this.awareness, u, this);
    }

    onUpdateError() {}

    destroy() {
        if (this.destroyed) return;
        this.destroyed = true;
        this.awareness.off('update', this.onUpdate);
        this.ctx = undefined;
    }
}

/** Join `roomId` as %YJS on a LoroPeer (lib/loro.mjs) over `doc`; returns { room, adaptor, doc, updateErrors }. */
export async function joinYjs(peer, roomId, { doc = new Y.Doc(), ...o } = {}) {
    const updateErrors = [];
    const adaptor = new YjsDocAdaptor(doc, {
        onUpdateError: (updates, status, reason) => updateErrors.push({ updates, status, reason }),
    });
    const r = await peer.join(adaptor, roomId, o);
    return { ...r, doc, updateErrors };
}

/** Join `roomId` as %YAW on a LoroPeer; the Awareness belongs to `doc` (a fresh Y.Doc by default). */
export async function joinYjsAwareness(peer, roomId, { doc = new Y.Doc(), awareness, ...o } = {}) {
    const aw = awareness ?? new awarenessProtocol.Awareness(doc);
    const r = await peer.join(new YjsAwarenessAdaptor(aw), roomId, o);
    return { ...r, awareness: aw };
}
