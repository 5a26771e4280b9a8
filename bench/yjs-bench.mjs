#!/usr/bin/env node
// Yjs benchmark: Canopy's Yjs host beside the two Node servers Yjs applications use today, in one run, driven by
// the same real clients (yjs 13.6.33; y-websocket 3.1.0 WebsocketProvider; @hocuspocus/provider 4.8.0):
//
//   y-websocket protocol   @y/websocket-server 0.1.5 (in memory: the package has no persistence)
//                          vs Canopy's GET /yjs/as/<did>/<room> (Sec-WebSocket-Protocol: authorization, <token>)
//   Hocuspocus protocol    @hocuspocus/server 4.7.0 + @hocuspocus/extension-sqlite 4.7.0 (better-sqlite3)
//                          vs Canopy's GET /hocuspocus/as/<did> (the token in the provider's Auth message)
//
// Every client is a real provider with its own Y.Doc (there is no raw-frame client except the y-websocket upload
// probe below). The four servers are separate processes (the peers from bench/peers/serve.mjs, Canopy from
// $CANOPY_BIN with a temp data dir and --dev-token, one host per protocol, each connection for its own DID);
// every measurement runs on the four back to back, so they see the same load on the machine.
//
//   (1) fan-out: one room, 1, 10, 100 members plus one writer appending one character to a Y.Text per edit.
//       paced: one edit every --paced-ms -> latency = the writer's transaction -> the member's Y.Doc holds it;
//       flood: as fast as a window of --window edits undelivered to the slowest member allows -> deliveries/s
//       (member-updates received per second) and the latency under load.
//   (2) server CPU per update on documents of ~1 KB, ~1 MB and ~10 MB (encoded V1 state; a Y.Text history built
//       locally by four client ids inserting 64-1024-character chunks at random places, deleting now and then),
//       uploaded once by the writer (y-websocket: confirmed by a y-protocols probe, see uploadReached;
//       Hocuspocus: the provider's SyncStatus acks), then a member holding a copy joins, the server is let go
//       idle, and the writer sends 1-character edits at each of --cpu-rates (default 100/s, a few typists, where
//       every edit is a message of its own, then 1000/s, where the per-message wake-up weighs less), --cpu-edits
//       of them. CPU = utime+stime of the server process (/proc/<pid>/stat) from the first edit until --tail
//       seconds after the last delivery (so a debounced store — Hocuspocus stores 2 s after a change, at most
//       every 10 s — or a compaction is counted), divided by the edits.
//   (3) late joiner: on that document (history + the edits), a fresh provider with an empty Y.Doc: time from
//       creating it until its Y.Text holds every character (the median of --late-samples joiners, one after the
//       other; it includes the joiner's own Y.applyUpdate). "live": the writer and member are still connected;
//       "cold": after every client left and the server went idle (Hocuspocus unloads the document and reads it
//       back from SQLite; @y/websocket-server keeps it in memory; Canopy reads its store).
//   (4) memory: --docs documents (default 1,000), each opened by its own provider, edited once (1 KB of text),
//       then all idle; server RSS (VmRSS) before, with the clients connected and idle, and after they all left.
//       y-websocket: one socket per document (that is the protocol); Hocuspocus: 100 documents per socket.
//
// Options: --quick, --targets y-websocket,canopy-yws,hocuspocus,canopy-hocus, --sections fanout,cpu,idle,
//          --members 1,10,100, --paced N, --paced-ms MS, --edits N (flood), --window N, --sizes 1e3,1e6,1e7,
//          --cpu-rates 100,1000, --cpu-edits 1000,5000 (per rate), --tail S, --docs N, --late-wait S,
//          --late-samples N (5; 1 with --quick), --json FILE.
//          A global deadline bounds the run (BENCH_DEADLINE_MS, default 45 min; 15 min with --quick; partial results
//          are printed); every wait is bounded, and a wait also ends after 20 s without any traffic.
// Ratios are Canopy ÷ the peer speaking the same protocol: below 1× favours Canopy for times, CPU and RSS, above 1×
// for deliveries/s.
// The clients all run in this one Node process: "bench CPU" near 100 % means the bench limits the flood figures.
//
// Run it through bench/yjs-run (it builds the release host and installs bench/peers if needed). Client packages
// come from tests/interop/node_modules, the peer servers from bench/peers/node_modules.

import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { CANOPY_BIN, INTEROP_DIR, makeTempDir, startHost } from '../tests/interop/lib/host.mjs';
import { delay, percentile, withTimeout } from '../tests/interop/lib/util.mjs';
import { fmt as fmtNumber, table } from './report.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const PEERS_DIR = path.join(HERE, 'peers');

// ---- options ---------------------------------------------------------------------------------------------

const argv = process.argv.slice(2);
function opt(name, dflt) {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 && i + 1 < argv.length ? argv[i + 1] : dflt;
}
const list = (s) => String(s).split(',').map((x) => x.trim()).filter(Boolean);
const QUICK = argv.includes('--quick');
const ALL_TARGETS = ['y-websocket', 'canopy-yws', 'hocuspocus', 'canopy-hocus'];
const TARGETS = list(opt('targets', ALL_TARGETS.join(',')));
const SECTIONS = list(opt('sections', 'fanout,cpu,idle'));
const MEMBERS = list(opt('members', '1,10,100')).map(Number);
const PACED_EDITS = Number(opt('paced', QUICK ? 100 : 300));
const PACED_EVERY_MS = Number(opt('paced-ms', 10));
const FLOOD_EDITS = Number(opt('edits', QUICK ? 300 : 2000));
const WINDOW = Number(opt('window', 100));
const SIZES = list(opt('sizes', '1e3,1e6,1e7')).map(Number);
/** Rates (edits/s) of the CPU-per-update runs, each with its number of edits (the last number repeats). */
const CPU_RATES = list(opt('cpu-rates', '100,1000')).map(Number);
const CPU_EDITS = list(opt('cpu-edits', QUICK ? '200,1000' : '1000,5000')).map(Number);
const cpuEditsAt = (i) => CPU_EDITS[Math.min(i, CPU_EDITS.length - 1)];
const TAIL_MS = 1000 * Number(opt('tail', 3));
const IDLE_DOCS = Number(opt('docs', QUICK ? 300 : 1000));
const LATE_WAIT_MS = 1000 * Number(opt('late-wait', QUICK ? 30 : 60));
const LATE_SAMPLES = Math.max(1, Number(opt('late-samples', QUICK ? 1 : 5)));
const JSON_OUT = opt('json', null);
const DEADLINE_MS = Number(process.env.BENCH_DEADLINE_MS ?? (QUICK ? 15 : 45) * 60 * 1000);
const PHASE_MS = QUICK ? 60000 : 120000; // bound on one flood / one edit loop
const DRAIN_MS = 60000; // bound on waiting for edits already sent
const CONNECT_MS = 20000; // bound on one provider's first sync
const UPLOAD_MS = 120000; // bound on uploading a history
const IDLE_OPEN_MS = 180000; // bound on opening the idle documents
const STALL_MS = 20000; // no traffic at all for this long while waiting = the server stalled
const HOCUS_DOCS_PER_SOCKET = 100;
const BATCH = 25; // connections opened at once (Canopy allows 64 unauthenticated per IP by default)

// ---- packages --------------------------------------------------------------------------------------------

/** Resolve `name` (subpath `sub`) in `dir`/node_modules the way Node's ESM loader would (conditions node, import). */
async function importFrom(baseDir, name, sub = '.') {
    const dir = path.join(baseDir, 'node_modules', name);
    const pj = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
    let entry;
    if (pj.exports === undefined) {
        entry = sub === '.' ? (pj.module ?? pj.main ?? 'index.js') : sub;
    } else if (typeof pj.exports === 'string' || Object.keys(pj.exports).every((k) => !k.startsWith('.'))) {
        entry = sub === '.' ? pj.exports : undefined; // a conditions object (or a string) for "." alone
    } else {
        entry = pj.exports[sub];
    }
    const pick = (e) => {
        if (typeof e === 'string' || e == null) return e;
        if (Array.isArray(e)) return pick(e[0]);
        for (const [cond, v] of Object.entries(e)) {
            if (cond === 'node' || cond === 'import' || cond === 'default') {
                const r = pick(v);
                if (r !== undefined) return r;
            }
        }
        return undefined;
    };
    entry = pick(entry);
    if (typeof entry !== 'string') throw new Error(`cannot resolve ${name}${sub === '.' ? '' : sub.slice(1)} in ${dir}`);
    return import(pathToFileURL(path.join(dir, entry)).href);
}

let Y;
let WebsocketProvider;
let HocuspocusProvider;
let HocuspocusProviderWebsocket;
let encoding;
let decoding;
let BenchWebSocket;

// ---- small helpers ---------------------------------------------------------------------------------------

function fmt(n, digits = 1) {
    if (typeof n === 'string') return n;
    return fmtNumber(n, digits);
}

let ticksCache = null;
function clockTicks() {
    if (ticksCache === null) {
        try {
            ticksCache = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
        } catch {
            ticksCache = 100;
        }
    }
    return ticksCache;
}

/** utime+stime of a process in seconds (/proc/<pid>/stat fields 14 and 15). */
function procCpuSeconds(pid) {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / clockTicks();
}

function procRssKiB(pid) {
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : NaN;
}

/** [utime, stime] of a process in seconds. */
function procCpuSplit(pid) {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return [Number(fields[11]) / clockTicks(), Number(fields[12]) / clockTicks()];
}

/** CPU seconds the whole machine spent busy (user, nice, system, irq, softirq, steal) since boot. */
function machineBusySeconds() {
    try {
        const f = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
        return (f[0] + f[1] + f[2] + f[5] + f[6] + f[7]) / clockTicks();
    } catch {
        return NaN;
    }
}

function errText(err) {
    return String(err?.message ?? err).split('\n')[0].slice(0, 200);
}

/** Wakes the waiters below on any traffic from a server (a message, an open, a close). */
let wake = null;
let lastActivityAt = Date.now();
let stalls = 0;
function poke() {
    lastActivityAt = Date.now();
    if (wake) wake();
}
function nextEventOr(ms) {
    return new Promise((resolve) => {
        const timer = setTimeout(() => { wake = null; resolve(); }, ms);
        wake = () => { clearTimeout(timer); wake = null; resolve(); };
    });
}
function stalled(since) {
    if (Date.now() - Math.max(lastActivityAt, since) < STALL_MS) return false;
    stalls += 1;
    return true;
}
/** Wait (bounded) until `fn()` is true. Returns whether it became true. */
async function until(fn, ms, { stall = true } = {}) {
    const start = Date.now();
    const end = start + ms;
    while (!fn()) {
        if (Date.now() >= end || (stall && stalled(start))) return false;
        await nextEventOr(Math.min(20, Math.max(1, end - Date.now())));
    }
    return true;
}

/**
 * Wait until the server process used no CPU for `quietMs` (checked every 100 ms), at least `minMs` and at most
 * `maxMs` in all: a debounced store, a compaction or a GC after a phase lands before the next one starts.
 */
async function waitIdle(target, { minMs = 0, quietMs = 1000, maxMs = 15000 } = {}) {
    const start = Date.now();
    let last = target.cpuSeconds();
    let quietSince = Date.now();
    while (Date.now() - start < maxMs) {
        await delay(100);
        const now = target.cpuSeconds();
        if (now !== last) {
            last = now;
            quietSince = Date.now();
        } else if (Date.now() - quietSince >= quietMs && Date.now() - start >= minMs) {
            return true;
        }
    }
    return false;
}

// ---- targets ---------------------------------------------------------------------------------------------

const liveChildren = new Set();
process.on('exit', () => {
    for (const c of liveChildren) {
        try { c.kill('SIGKILL'); } catch { /* gone */ }
    }
});

function newWireStats() {
    return { sockets: 0, framesIn: 0, bytesIn: 0, maxFrameIn: 0, unexpectedCloses: 0, errors: 0 };
}
/** Which target a socket belongs to (by port), for the wire statistics. */
const wireByPort = new Map();

/** A peer server from bench/peers/serve.mjs in a child process. */
class PeerTarget {
    constructor(name) {
        this.name = name;
        this.protocol = name === 'y-websocket' ? 'y-websocket' : 'hocuspocus';
        this.label = name === 'y-websocket' ? '@y/websocket-server' : 'Hocuspocus';
        this.token = 'bench-' + randomBytes(12).toString('hex');
        this.lines = [];
        this.exitInfo = null;
        this.child = null;
        this.dir = null;
    }

    async start() {
        const args = [path.join(PEERS_DIR, 'serve.mjs'), this.name, '--token', this.token, '--port', '0'];
        if (this.protocol === 'hocuspocus') {
            this.dir = makeTempDir('canopy-yjs-bench-');
            args.push('--db', path.join(this.dir, 'hocuspocus.sqlite'));
        }
        const child = spawn(process.execPath, args, { cwd: PEERS_DIR, stdio: ['pipe', 'pipe', 'pipe'] });
        this.child = child;
        liveChildren.add(child);
        this.exited = new Promise((resolve) => child.on('exit', (code, signal) => {
            liveChildren.delete(child);
            this.exitInfo = { code, signal };
            resolve(this.exitInfo);
        }));
        readline.createInterface({ input: child.stderr }).on('line', (l) => this.pushLine(`[stderr] ${l}`));
        const listening = new Promise((resolve) => {
            readline.createInterface({ input: child.stdout }).on('line', (l) => {
                this.pushLine(l);
                const m = /^listening (\d+)$/.exec(l);
                if (m) resolve(Number(m[1]));
            });
        });
        this.port = await withTimeout(Promise.race([listening, this.exited.then((e) => {
            throw new Error(`${this.label} exited during start-up (${JSON.stringify(e)}): ${this.tail(5)}`);
        })]), 20000, `${this.label} start-up`);
        this.pid = child.pid;
        return this;
    }

    pushLine(l) {
        this.lines.push(l);
        if (this.lines.length > 500) this.lines.splice(0, 250);
    }

    get running() { return !!this.child && this.exitInfo === null; }
    /** y-websocket: the provider's serverUrl (it appends /<room>); Hocuspocus: the provider's url. */
    url() { return `ws://127.0.0.1:${this.port}`; }
    cpuSeconds() { return procCpuSeconds(this.pid); }
    rssKiB() { return procRssKiB(this.pid); }
    tail(n = 15) { return this.lines.slice(-n).join(' | '); }

    async dispose() {
        if (this.running) {
            this.child.stdin.end();
            this.child.kill('SIGTERM');
            try {
                await withTimeout(this.exited, 5000, `${this.label} exit`);
            } catch {
                this.child.kill('SIGKILL');
                await withTimeout(this.exited, 5000, `${this.label} exit after SIGKILL`).catch(() => {});
            }
        }
        if (this.dir) fs.rmSync(this.dir, { recursive: true, force: true });
    }
}

/** The Canopy host (one per protocol, so each one's RSS is its own). */
class CanopyTarget {
    constructor(name) {
        this.name = name;
        this.protocol = name === 'canopy-yws' ? 'y-websocket' : 'hocuspocus';
        this.label = `Canopy (${this.protocol})`;
        this.host = null;
    }

    async start() {
        // pingInterval: as bench/sync-bench.mjs, keep the host's own keepalive out of the measurements.
        // canopy.store at debug level adds exactly one line per compaction ("document compacted"), counted below.
        this.host = await startHost({ pingInterval: 600, env: { QT_LOGGING_RULES: 'canopy.store.debug=true' } });
        this.token = this.host.token;
        this.port = this.host.port;
        this.pid = this.host.pid;
        return this;
    }

    get running() { return !!this.host?.running; }
    get exitInfo() { return this.host?.exitInfo ?? null; }
    url(did) {
        return this.protocol === 'y-websocket'
            ? `ws://127.0.0.1:${this.port}/yjs/as/${did}`
            : `ws://127.0.0.1:${this.port}/hocuspocus/as/${did}`;
    }
    cpuSeconds() { return this.host.cpuSeconds(); }
    rssKiB() { return this.host.rssKiB(); }
    tail(n = 15) { return this.host ? this.host.tail(n).split('\n').join(' | ') : ''; }
    /** Compactions logged so far: how many, and the milliseconds they reported in all. */
    compactions() {
        let count = 0;
        let ms = 0;
        for (const l of this.host?.logs ?? []) {
            if (l.message !== 'document compacted') continue;
            count += 1;
            ms += Number(l.ms) || 0;
        }
        return { count, ms };
    }
    async dispose() { if (this.host) await this.host.dispose(); }
}

function makeTarget(name) {
    return name.startsWith('canopy') ? new CanopyTarget(name) : new PeerTarget(name);
}

// ---- clients ---------------------------------------------------------------------------------------------

// Canopy limits connections per DID (16 by default): every connection speaks for its own DID.
let didCounter = 0;
function nextDid() {
    didCounter += 1;
    return `did:web:yjs-bench-${didCounter}.example`;
}

async function loadClientSide() {
    Y = await importFrom(INTEROP_DIR, 'yjs');
    ({ WebsocketProvider } = await importFrom(INTEROP_DIR, 'y-websocket'));
    ({ HocuspocusProvider, HocuspocusProviderWebsocket } = await importFrom(INTEROP_DIR, '@hocuspocus/provider'));
    encoding = await importFrom(INTEROP_DIR, 'lib0', './encoding');
    decoding = await importFrom(INTEROP_DIR, 'lib0', './decoding');
    const wsMod = await importFrom(INTEROP_DIR, 'ws');
    // Every provider adds listeners to `process` or its socket's emitters; 1,000 of them are expected here.
    process.setMaxListeners(0);

    /** ws's WebSocket without permessage-deflate (no server here negotiates it), counting what servers send. */
    BenchWebSocket = class extends wsMod.WebSocket {
        constructor(url, protocols, options) {
            super(url, protocols, { perMessageDeflate: false, ...(options ?? {}) });
            const wire = wireByPort.get(String(new URL(String(url)).port)) ?? newWireStats();
            wire.sockets += 1;
            this.benchWire = wire;
            this.benchClosing = false;
            this.on('message', (data) => {
                const n = data.byteLength ?? data.length ?? 0;
                wire.framesIn += 1;
                wire.bytesIn += n;
                if (n > wire.maxFrameIn) wire.maxFrameIn = n;
                poke();
            });
            this.on('close', () => {
                if (!this.benchClosing) wire.unexpectedCloses += 1;
                poke();
            });
            this.on('error', () => { wire.errors += 1; });
        }

        close(...a) {
            this.benchClosing = true;
            return super.close(...a);
        }
    };
}

/**
 * One provider on `room` with `doc`. `onLength(n)` is called with the Y.Text 't' length after every update the
 * server delivered. Hocuspocus with `socket`: attach to that shared HocuspocusProviderWebsocket instead of owning
 * one. Resolves once the provider is synced (bounded); throws otherwise.
 */
async function openClient(target, room, doc, { onLength = null, socket = null, waitSynced = true } = {}) {
    const text = doc.getText('t');
    const c = { target, room, doc, text, provider: null, closed: false };
    if (onLength) {
        doc.on('update', (_u, origin) => {
            if (origin !== null && origin !== undefined && typeof origin === 'object') onLength(text.length);
        });
    }
    let synced;
    if (target.protocol === 'y-websocket') {
        const p = new WebsocketProvider(target.url(nextDid()), room, doc, {
            WebSocketPolyfill: BenchWebSocket,
            protocols: ['authorization', target.token],
            disableBc: true, // otherwise providers of one process sync through a BroadcastChannel, not the server
            maxBackoffTime: 1000,
        });
        c.provider = p;
        synced = new Promise((resolve) => {
            if (p.synced) resolve();
            p.on('sync', (s) => { if (s) resolve(); });
        });
        c.close = () => {
            if (c.closed) return;
            c.closed = true;
            if (p.ws) p.ws.benchClosing = true;
            p.destroy();
        };
    } else {
        const common = { name: room, document: doc, token: target.token };
        const p = socket
            ? new HocuspocusProvider({ ...common, websocketProvider: socket })
            : new HocuspocusProvider({ ...common, url: target.url(nextDid()), WebSocketPolyfill: BenchWebSocket });
        if (socket) p.attach();
        c.provider = p;
        c.denied = null;
        p.on('authenticationFailed', ({ reason }) => { c.denied = reason ?? 'denied'; poke(); });
        synced = new Promise((resolve) => {
            if (p.synced) resolve();
            p.on('synced', () => resolve());
        });
        c.close = () => {
            if (c.closed) return;
            c.closed = true;
            const ws = p.configuration.websocketProvider?.webSocket;
            if (ws && !socket) ws.benchClosing = true;
            p.destroy();
        };
    }
    c.synced = synced;
    if (!waitSynced) return c;
    try {
        await withTimeout(synced, CONNECT_MS, `first sync of ${room} on ${target.label}${c.denied ? ` (denied: ${c.denied})` : ''}`);
    } catch (err) {
        c.close();
        throw new Error(`${errText(err)}${c.denied ? ` — authentication failed: ${c.denied}` : ''}`);
    }
    return c;
}

/** Hocuspocus: every update the provider sent has its SyncStatus (the server applied it; Canopy: committed). */
function acked(c) {
    return c.target.protocol !== 'hocuspocus' || c.provider.unsyncedChanges === 0;
}

/** A shared Hocuspocus socket (for the idle documents). */
function openHocusSocket(target) {
    const s = new HocuspocusProviderWebsocket({ url: target.url(nextDid()), WebSocketPolyfill: BenchWebSocket });
    return {
        socket: s,
        close: () => {
            if (s.webSocket) s.webSocket.benchClosing = true;
            s.destroy();
        },
    };
}

async function openMany(target, room, n, makeArgs) {
    const out = [];
    try {
        for (let i = 0; i < n; i += BATCH) {
            out.push(...await Promise.all(Array.from({ length: Math.min(BATCH, n - i) }, (_, j) => {
                const { doc, onLength } = makeArgs(i + j);
                return openClient(target, room, doc, { onLength });
            })));
        }
    } catch (err) {
        for (const c of out) c.close();
        throw err;
    }
    return out;
}

function newDoc() {
    return new Y.Doc();
}

/**
 * y-websocket has no acknowledgement: whether the server holds a document is asked with y-protocols frames on a
 * WebSocket of our own. The probe sends SyncStep1 with the history's state vector less one clock of one client;
 * the server's SyncStep2 then carries the struct at that clock exactly when it has integrated it. Repeated every
 * 250 ms until it does (bounded).
 */
async function uploadReached(target, room, svMap, timeoutMs) {
    let client = null;
    let top = -1;
    for (const [cl, clock] of svMap) {
        if (clock > top) { top = clock; client = cl; }
    }
    if (client === null) return true;
    const probeSv = new Map(svMap);
    probeSv.set(client, top - 1);
    const enc = encoding.createEncoder();
    encoding.writeVarUint(enc, 0); // messageSync
    encoding.writeVarUint(enc, 0); // SyncStep1
    const svEnc = encoding.createEncoder();
    encoding.writeVarUint(svEnc, probeSv.size);
    for (const [cl, clock] of probeSv) {
        encoding.writeVarUint(svEnc, cl);
        encoding.writeVarUint(svEnc, clock);
    }
    encoding.writeVarUint8Array(enc, encoding.toUint8Array(svEnc));
    const step1 = encoding.toUint8Array(enc);
    const url = `${target.url(nextDid())}/${encodeURIComponent(room)}`;
    const ws = new BenchWebSocket(url, ['authorization', target.token]);
    ws.binaryType = 'arraybuffer';
    let found = false;
    let failure = null;
    ws.on('unexpected-response', (_req, res) => { failure = `probe upgrade answered HTTP ${res.statusCode}`; poke(); });
    ws.on('error', (e) => { failure ??= `probe: ${errText(e)}`; poke(); });
    ws.on('message', (data) => {
        try {
            const d = decoding.createDecoder(new Uint8Array(data));
            if (decoding.readVarUint(d) !== 0) return;
            const sub = decoding.readVarUint(d);
            if (sub !== 1 && sub !== 2) return;
            const { structs } = Y.decodeUpdate(decoding.readVarUint8Array(d));
            if (structs.some((s) => s.id.client === client && s.id.clock <= top - 1 && top - 1 < s.id.clock + s.length)) {
                found = true;
                poke();
            }
        } catch { /* not for us */ }
    });
    const start = Date.now();
    try {
        await until(() => ws.readyState === 1 || failure !== null, 10000, { stall: false });
        while (!found && failure === null && Date.now() - start < timeoutMs && ws.readyState === 1) {
            ws.send(step1);
            await until(() => found || failure !== null, 250, { stall: false });
        }
    } finally {
        ws.benchClosing = true;
        ws.terminate();
    }
    if (failure) throw new Error(failure);
    return found;
}

/** Does the target answer a provider's first sync, and does a second provider see an edit? Null, or why not. */
async function probe(target) {
    const room = `probe-${randomBytes(4).toString('hex')}`;
    const base = target.protocol === 'y-websocket' ? `${target.url(nextDid())}/${room}` : target.url(nextDid());
    const upgrade = await new Promise((resolve) => {
        const sock = target.protocol === 'y-websocket'
            ? new BenchWebSocket(base, ['authorization', target.token]) : new BenchWebSocket(base);
        const timer = setTimeout(() => { sock.terminate(); resolve('no answer to the WebSocket upgrade within 5 s'); }, 5000);
        sock.on('unexpected-response', (_req, res) => {
            clearTimeout(timer);
            resolve(`the upgrade of ${base.replace(/\/as\/.*/, '/as/…')} answered HTTP ${res.statusCode}`);
            sock.benchClosing = true;
            sock.terminate();
        });
        sock.on('error', (e) => { clearTimeout(timer); resolve(`WebSocket error: ${errText(e)}`); });
        sock.on('open', () => { clearTimeout(timer); sock.benchClosing = true; sock.close(); resolve(null); });
    });
    if (upgrade) return upgrade;
    let a = null;
    let b = null;
    try {
        a = await openClient(target, room, newDoc());
        let len = 0;
        b = await openClient(target, room, newDoc(), { onLength: (n) => { len = n; } });
        a.text.insert(0, 'probe');
        const ok = await until(() => len === 5, 5000);
        return ok ? null : 'two providers synced, but an edit of one did not reach the other within 5 s';
    } catch (err) {
        return `probe: ${errText(err)}`;
    } finally {
        a?.close();
        b?.close();
        // The wire statistics count the probe's sockets too; that is harmless.
    }
}

// ---- (1) fan-out -----------------------------------------------------------------------------------------------

/** Keep at most `window` edits undelivered to the slowest member; stop at `to` or after `ms`. */
async function sendWindowed(send, minProgress, from, to, window, ms) {
    const start = Date.now();
    const end = start + ms;
    let k = from;
    while (k < to && Date.now() < end && !stalled(start)) {
        const progress = minProgress();
        while (k < to && k - progress < window) {
            send(k);
            k += 1;
        }
        await nextEventOr(5);
    }
    return k;
}

function latencies(arrivals, sendTimes, from, to) {
    const lat = [];
    let missing = 0;
    let last = 0;
    for (const arr of arrivals) {
        for (let k = from; k < to; k++) {
            const t = arr[k];
            if (Number.isNaN(t)) { missing += 1; continue; }
            lat.push(t - sendTimes[k]);
            if (t > last) last = t;
        }
    }
    return { lat, missing, last };
}

async function fanOut(target, nMembers) {
    const room = `fanout-${nMembers}-${randomBytes(4).toString('hex')}`;
    const total = PACED_EDITS + FLOOD_EDITS;
    const progress = [];
    const arrivals = [];
    const members = await openMany(target, room, nMembers, (i) => {
        progress[i] = 0;
        arrivals[i] = new Float64Array(total).fill(NaN);
        return {
            doc: newDoc(),
            onLength: (len) => {
                const got = progress[i];
                if (len <= got) return;
                const t = performance.now();
                const arr = arrivals[i];
                for (let k = got; k < len && k < total; k++) arr[k] = t;
                progress[i] = len;
            },
        };
    });
    let writer;
    try {
        writer = await openClient(target, room, newDoc());
    } catch (err) {
        for (const m of members) m.close();
        throw err;
    }
    const sendTimes = new Float64Array(total);
    const send = (k) => {
        sendTimes[k] = performance.now();
        writer.text.insert(writer.text.length, k < PACED_EDITS ? 'p' : 'f'); // the provider sends it from here
    };
    const minProgress = () => {
        let m = Infinity;
        for (const p of progress) if (p < m) m = p;
        return m;
    };
    try {
        await delay(200);
        for (let k = 0; k < PACED_EDITS; k++) {
            send(k);
            await delay(PACED_EVERY_MS);
        }
        await until(() => minProgress() >= PACED_EDITS, 30000);
        const paced = latencies(arrivals, sendTimes, 0, PACED_EDITS);

        const t0 = performance.now();
        const cpu0 = target.cpuSeconds();
        const self0 = process.cpuUsage();
        const sent = await sendWindowed(send, minProgress, PACED_EDITS, total, WINDOW, PHASE_MS);
        await until(() => minProgress() >= sent, DRAIN_MS);
        const cpu = target.cpuSeconds() - cpu0;
        const self = process.cpuUsage(self0);
        const flood = latencies(arrivals, sendTimes, PACED_EDITS, sent);
        const seconds = ((flood.last || performance.now()) - t0) / 1000;
        const delivered = flood.lat.length;
        await until(() => acked(writer), 10000);
        return {
            members: nMembers,
            pacedP50: percentile(paced.lat, 50),
            pacedP99: percentile(paced.lat, 99),
            floodEdits: sent - PACED_EDITS,
            delivered,
            deliveriesPerSec: delivered / seconds,
            editsPerSec: (sent - PACED_EDITS) / seconds,
            floodP50: percentile(flood.lat, 50),
            floodP99: percentile(flood.lat, 99),
            missing: paced.missing + flood.missing + nMembers * (total - sent),
            serverCpuPct: (100 * cpu) / seconds,
            serverCpuUsPerDelivery: delivered ? (1e6 * cpu) / delivered : NaN,
            benchCpuPct: (100 * (self.user + self.system) / 1e6) / seconds,
        };
    } finally {
        writer.close();
        for (const m of members) m.close();
    }
}

// ---- (2) + (3) history sizes: CPU per update, late joiner ---------------------------------------------------------

/** A Y.Text history whose encoded V1 state is about `bytes` bytes: four client ids, random inserts, some deletes. */
function buildHistory(bytes) {
    const t0 = performance.now();
    const doc = new Y.Doc();
    const text = doc.getText('t');
    const ids = [doc.clientID, doc.clientID + 1, doc.clientID + 2, doc.clientID + 3].map((x) => x % 2 ** 31);
    let seed = 0x9e3779b9 ^ bytes;
    const rnd = () => {
        seed ^= seed << 13; seed >>>= 0;
        seed ^= seed >>> 17;
        seed ^= seed << 5; seed >>>= 0;
        return seed / 2 ** 32;
    };
    const alphabet = 'abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ 0123456789 .,;\n';
    const chunk = (n) => {
        let s = '';
        for (let i = 0; i < n; i++) s += alphabet[Math.floor(rnd() * alphabet.length)];
        return s;
    };
    let size = 0;
    let step = 0;
    const maxSteps = 200000;
    while (size < bytes && step < maxSteps) {
        doc.clientID = ids[step % ids.length];
        const n = Math.min(bytes - size, 64 + Math.floor(rnd() * 960));
        doc.transact(() => {
            text.insert(Math.floor(rnd() * (text.length + 1)), chunk(Math.max(1, Math.ceil(n))));
            if (step % 10 === 9 && text.length > 200) text.delete(Math.floor(rnd() * (text.length - 100)), 20 + Math.floor(rnd() * 60));
        });
        step += 1;
        // Re-measure now and then: the encoding is about one byte per character plus a few per struct.
        if (step % 200 === 0 || size + n >= bytes) size = Y.encodeStateAsUpdate(doc).length;
        else size += n;
    }
    const update = Y.encodeStateAsUpdate(doc);
    return {
        target: bytes,
        update,
        updateBytes: update.length,
        chars: text.length,
        sv: Y.decodeStateVector(Y.encodeStateVector(doc)),
        buildMs: performance.now() - t0,
    };
}

function docFrom(update) {
    const d = newDoc();
    Y.applyUpdate(d, update);
    return d;
}

/** A fresh provider with an empty doc joins; time until its text has `chars` characters (bounded). */
async function lateJoin(target, room, chars) {
    const doc = newDoc();
    let len = 0;
    let fullAt = NaN;
    const cpu0 = target.cpuSeconds();
    const t0 = performance.now();
    const c = await openClient(target, room, doc, {
        waitSynced: false,
        onLength: (n) => {
            len = n;
            if (n >= chars && Number.isNaN(fullAt)) fullAt = performance.now();
        },
    });
    let syncedAt = NaN;
    c.synced.then(() => { syncedAt = performance.now(); poke(); });
    try {
        await until(() => !Number.isNaN(fullAt) && !Number.isNaN(syncedAt), LATE_WAIT_MS);
        return {
            ms: Number.isNaN(fullAt) ? null : Math.max(fullAt, Number.isNaN(syncedAt) ? fullAt : syncedAt) - t0,
            syncedMs: Number.isNaN(syncedAt) ? null : syncedAt - t0,
            chars: len,
            complete: len >= chars,
            cpuMs: 1000 * (target.cpuSeconds() - cpu0),
        };
    } finally {
        c.close();
    }
}

/** The median late joiner of several (incomplete ones count as slowest), with the range and CPU median. */
function summarizeLate(runs) {
    const ms = runs.map((r) => (r.complete ? r.ms : Infinity));
    const sorted = [...ms].sort((a, b) => a - b);
    const mid = sorted[Math.floor((sorted.length - 1) / 2)];
    const median = runs[ms.indexOf(mid)];
    const cpu = runs.map((r) => r.cpuMs).sort((a, b) => a - b);
    return {
        ...median,
        minMs: sorted[0],
        maxMs: sorted[sorted.length - 1],
        cpuMs: cpu[Math.floor((cpu.length - 1) / 2)],
        samples: runs.length,
    };
}

async function historyRun(target, hist) {
    const room = `hist-${hist.target}-${randomBytes(4).toString('hex')}`;
    const out = { updateBytes: hist.updateBytes, chars: hist.chars };
    const clients = [];
    try {
        // Upload: the writer's provider holds the history and sends it in its sync.
        const cpuU0 = target.cpuSeconds();
        const tU0 = performance.now();
        const writer = await openClient(target, room, docFrom(hist.update));
        clients.push(writer);
        const reached = target.protocol === 'hocuspocus'
            ? await until(() => acked(writer), UPLOAD_MS)
            : await uploadReached(target, room, hist.sv, UPLOAD_MS);
        if (!reached) throw new Error(`the server did not hold the uploaded history within ${UPLOAD_MS / 1000} s`);
        out.uploadMs = performance.now() - tU0;
        out.uploadCpuMs = 1000 * (target.cpuSeconds() - cpuU0);

        let memberLen = hist.chars;
        const member = await openClient(target, room, docFrom(hist.update), { onLength: (n) => { memberLen = n; } });
        clients.push(member);
        await waitIdle(target, { minMs: 500, maxMs: 20000 });

        // CPU per update: at each --cpu-rates rate, its --cpu-edits edits, then the tail.
        out.cpu = [];
        let editsDelivered = 0;
        for (let r = 0; r < CPU_RATES.length; r++) {
            const rate = CPU_RATES[r];
            const edits = cpuEditsAt(r);
            const every = 1000 / rate;
            const base = memberLen;
            if (r > 0) await waitIdle(target, { minMs: 500, maxMs: 20000 });
            const split0 = procCpuSplit(target.pid);
            const comp0 = target.compactions?.() ?? null;
            const cpu0 = target.cpuSeconds();
            const t0 = performance.now();
            let sent = 0;
            while (sent < edits && performance.now() - t0 < PHASE_MS) {
                writer.text.insert(writer.text.length, 'c');
                sent += 1;
                const wait = t0 + sent * every - performance.now();
                if (wait > 0) await delay(wait);
            }
            const delivered = await until(() => memberLen >= base + sent, DRAIN_MS);
            await until(() => acked(writer), 10000);
            const cpuDelivered = target.cpuSeconds();
            await delay(TAIL_MS);
            const split1 = procCpuSplit(target.pid);
            const cpu = target.cpuSeconds() - cpu0;
            editsDelivered += memberLen - base;
            const comp1 = target.compactions?.() ?? null;
            out.cpu.push({
                compactions: comp0 && comp1 ? comp1.count - comp0.count : null,
                compactionMs: comp0 && comp1 ? comp1.ms - comp0.ms : null,
                rate,
                sent,
                delivered: memberLen - base,
                complete: delivered && sent === edits,
                usPerUpdate: (1e6 * cpu) / sent,
                tailCpuMs: Math.round(1000 * (cpu0 + cpu - cpuDelivered)) || 0,
                systemSharePct: cpu > 0 ? (100 * (split1[1] - split0[1])) / cpu : NaN,
            });
        }
        out.editsDelivered = editsDelivered;
        out.rssKiB = target.rssKiB();

        // Late joiners on the live room, one after the other.
        const expected = hist.chars + out.editsDelivered;
        out.liveRuns = [];
        for (let i = 0; i < LATE_SAMPLES; i++) {
            if (i > 0) await waitIdle(target, { minMs: 200, maxMs: 10000 });
            out.liveRuns.push(await lateJoin(target, room, expected));
        }
        out.live = summarizeLate(out.liveRuns);

        // Cold: everyone leaves, the server goes idle, a fresh joiner arrives (and leaves: the room is empty again).
        for (const c of clients.splice(0)) c.close();
        out.coldRuns = [];
        for (let i = 0; i < LATE_SAMPLES; i++) {
            await waitIdle(target, { minMs: 3000, maxMs: 20000 });
            out.coldRuns.push(await lateJoin(target, room, expected));
        }
        out.cold = summarizeLate(out.coldRuns);
        return out;
    } finally {
        for (const c of clients) c.close();
    }
}

// ---- (4) idle documents ------------------------------------------------------------------------------------------

async function idleRun(target, nDocs) {
    const tag = randomBytes(3).toString('hex');
    const payload = 'x'.repeat(1000);
    await waitIdle(target, { minMs: 1000, maxMs: 10000 });
    const rss0 = target.rssKiB();
    const clients = [];
    const sockets = [];
    const start = Date.now();
    try {
        for (let i = 0; i < nDocs && Date.now() - start < IDLE_OPEN_MS; i += BATCH) {
            const n = Math.min(BATCH, nDocs - i);
            const batch = await Promise.all(Array.from({ length: n }, (_, j) => {
                const k = i + j;
                let socket = null;
                if (target.protocol === 'hocuspocus') {
                    const s = Math.floor(k / HOCUS_DOCS_PER_SOCKET);
                    sockets[s] ??= openHocusSocket(target);
                    socket = sockets[s].socket;
                }
                return openClient(target, `idle-${tag}-${k}`, newDoc(), { socket });
            }));
            for (const c of batch) {
                c.text.insert(0, payload);
                clients.push(c);
            }
        }
        const opened = clients.length;
        const allAcked = await until(() => clients.every(acked), 30000);
        // Long enough for Hocuspocus's debounced stores (2 s) and anything else deferred to happen.
        await waitIdle(target, { minMs: 5000, quietMs: 2000, maxMs: 30000 });
        const rssOpen = target.rssKiB();
        for (const c of clients.splice(0)) c.close();
        for (const s of sockets) s?.close();
        await waitIdle(target, { minMs: 5000, quietMs: 2000, maxMs: 30000 });
        const rssAfter = target.rssKiB();
        return {
            docs: opened,
            acked: allAcked,
            rss0,
            rssOpen,
            rssAfter,
            perDocKiB: (rssOpen - rss0) / opened,
            openSeconds: (Date.now() - start) / 1000,
        };
    } finally {
        for (const c of clients) c.close();
        for (const s of sockets) s?.close();
    }
}

// ---- report ------------------------------------------------------------------------------------------------------

const PAIRS = [['y-websocket', 'canopy-yws'], ['hocuspocus', 'canopy-hocus']];
const LABEL = {
    'y-websocket': '@y/websocket-server',
    'canopy-yws': 'Canopy (y-websocket)',
    hocuspocus: 'Hocuspocus+SQLite',
    'canopy-hocus': 'Canopy (Hocuspocus)',
};

function ratio(c, p) {
    // 0 is "below the clock tick" for CPU figures: no ratio then.
    if (typeof c !== 'number' || typeof p !== 'number' || !Number.isFinite(c) || !Number.isFinite(p) || Math.abs(p) < 1e-9 || Math.abs(c) < 1e-9) return '-';
    const r = c / p;
    return `${r >= 10 ? fmt(r, 0) : r >= 1 ? fmt(r, 1) : fmt(r, 2)}×`;
}

/**
 * Rows "measure | key | peer | Canopy | Canopy ÷ peer | peer | Canopy | Canopy ÷ peer". `get(name, key)` gives the
 * data (or {error}); a measure's `get(data)` gives a number or a string.
 */
function sideBySide(keys, measures, get, unavailable) {
    const rows = [];
    for (const k of keys) {
        for (const m of measures) {
            const row = [`${m.label}`, k.label];
            for (const [peer, canopy] of PAIRS) {
                const vals = [peer, canopy].map((name) => {
                    if (!TARGETS.includes(name)) return { show: 'skipped' };
                    if (unavailable[name]) return { show: 'n/a' };
                    const d = get(name, k.id);
                    if (!d) return { show: '-' };
                    if (d.error) return { show: 'failed' };
                    const v = m.get(d);
                    return { v, show: typeof v === 'number' ? fmt(v, m.digits ?? 1) : String(v ?? '-') };
                });
                row.push(vals[0].show, vals[1].show, m.ratio === false ? '' : ratio(vals[1].v, vals[0].v));
            }
            rows.push(row);
        }
    }
    return rows;
}

const HDR = ['measure', '', LABEL['y-websocket'], LABEL['canopy-yws'], 'ratio', LABEL.hocuspocus, LABEL['canopy-hocus'], 'ratio'];

function report(results) {
    console.log(`\n## Yjs benchmark (${new Date().toISOString()}, node ${process.version}, ${os.cpus().length} CPUs${QUICK ? ', --quick' : ''})`);
    if (TARGETS.some((n) => n.startsWith('canopy'))) {
        console.log(`Canopy: ${results.canopy.bin}${results.canopy.buildType ? ` (CMAKE_BUILD_TYPE=${results.canopy.buildType})` : ''}`);
    }
    for (const [name, why] of Object.entries(results.unavailable)) console.log(`- ${LABEL[name]} unavailable: ${why}`);
    console.log('Ratios are Canopy ÷ the peer of the same protocol: below 1× is better for times, CPU and RSS, above 1× for deliveries/s.');
    const by = (bucket) => (name, key) => {
        const r = results[bucket].find((x) => x.target === name && x.key === key);
        return r && (r.error ? r : r.data);
    };
    const un = results.unavailable;

    if (results.fanOut.length) {
        const keys = MEMBERS.map((n) => ({ id: n, label: `${n} member${n === 1 ? '' : 's'}` }));
        table(`(1) Fan-out: one room, one writer appending 1 character per edit; paced: ${PACED_EDITS} edits, 1 per `
            + `${PACED_EVERY_MS} ms; flood: ${FLOOD_EDITS} edits, ≤ ${WINDOW} undelivered to the slowest member. `
            + 'Latency = the writer\'s transaction → the member\'s Y.Doc holds it (ms).', HDR, sideBySide(keys, [
            { label: 'paced p50 ms', get: (r) => r.pacedP50, digits: 2 },
            { label: 'paced p99 ms', get: (r) => r.pacedP99, digits: 2 },
            { label: 'flood deliveries/s', get: (r) => r.deliveriesPerSec, digits: 0 },
            { label: 'flood p50 ms', get: (r) => r.floodP50, digits: 1 },
            { label: 'flood p99 ms', get: (r) => r.floodP99, digits: 1 },
            { label: 'server CPU µs/delivery', get: (r) => r.serverCpuUsPerDelivery, digits: 1 },
            { label: 'bench CPU % (flood)', get: (r) => r.benchCpuPct, digits: 0, ratio: false },
            { label: 'missing deliveries', get: (r) => r.missing, digits: 0, ratio: false },
            { label: 'other processes CPU %', get: (r) => r.otherCpuPct, digits: 0, ratio: false },
        ], by('fanOut'), un));
        console.log('deliveries/s counts every edit a member received (a frame that carries several merged edits counts '
            + 'each). "other processes" is the CPU (% of one core) the rest of the machine used meanwhile: high values '
            + 'make wall-clock figures noisy.');
    }
    if (results.history.length) {
        const keys = SIZES.map((s) => ({ id: s, label: s >= 1e6 ? `${fmt(s / 1e6, 0)} MB` : `${fmt(s / 1e3, 0)} KB` }));
        const perRate = CPU_RATES.flatMap((rate, i) => {
            const at = (r) => r.cpu?.[i] ?? { usPerUpdate: NaN, tailCpuMs: NaN, systemSharePct: NaN, sent: 0, delivered: 0 };
            return [
                { label: `${rate}/s: server CPU µs/update`, get: (r) => at(r).usPerUpdate, digits: 0 },
                { label: `${rate}/s: … of it after the last delivery, ms`, get: (r) => at(r).tailCpuMs, digits: 0 },
                { label: `${rate}/s: system (stime) % of the CPU`, get: (r) => at(r).systemSharePct, digits: 0, ratio: false },
                {
                    label: `${rate}/s: Canopy compactions (their ms)`,
                    get: (r) => (at(r).compactions == null ? '' : `${at(r).compactions} (${fmt(at(r).compactionMs, 0)})`),
                    ratio: false,
                },
                {
                    label: `${rate}/s: edits delivered`,
                    get: (r) => `${at(r).delivered}/${at(r).sent}${at(r).complete === false ? ' (!)' : ''}`,
                    ratio: false,
                },
            ];
        });
        table(`(2) Server CPU per update: 1-character edits into a document of that size, one member receiving, at `
            + `${CPU_RATES.map((r, i) => `${r}/s (${cpuEditsAt(i)} edits)`).join(' and then ')}; utime+stime ÷ edits, `
            + `from the first edit to ${TAIL_MS / 1000} s after the last delivery`,
        HDR, sideBySide(keys, [
            { label: 'document bytes (V1)', get: (r) => r.updateBytes, digits: 0, ratio: false },
            { label: 'upload ms', get: (r) => r.uploadMs, digits: 0 },
            { label: 'upload server CPU ms', get: (r) => r.uploadCpuMs, digits: 0 },
            ...perRate,
            { label: 'server RSS MiB (after the edits)', get: (r) => r.rssKiB / 1024, digits: 1 },
            { label: 'other processes CPU %', get: (r) => r.otherCpuPct, digits: 0, ratio: false },
        ], by('history'), un));
        console.log(`CPU clock ticks are ${1000 / clockTicks()} ms: the resolution is that ÷ the edits. A figure includes `
            + 'what a server spends per wake-up (at 100/s each edit is a WebSocket message of its own), not only the merge; '
            + '"after the last delivery" is deferred work (Hocuspocus stores 2 s after the last change, at most every 10 s).');
        const lateRange = (l) => `${fmt(l.minMs, 0)} – ${Number.isFinite(l.maxMs) ? fmt(l.maxMs, 0) : 'incomplete'}`;
        const lateShow = (l) => (l.complete ? l.ms : `incomplete (${l.chars.toLocaleString('en-US')} chars after ${LATE_WAIT_MS / 1000} s)`);
        table(`(3) Late joiner: a fresh provider (empty Y.Doc) until its Y.Text holds every character (the median of `
            + `${LATE_SAMPLES}, one after the other); live = the writer and member still connected, cold = after every `
            + 'client left and the server went idle (before each cold joiner); server CPU = the median joiner\'s',
        HDR, sideBySide(keys, [
            { label: 'live: late joiner ms', get: (r) => lateShow(r.live), digits: 0 },
            { label: 'live: fastest – slowest ms', get: (r) => lateRange(r.live), ratio: false },
            { label: 'live: server CPU ms', get: (r) => r.live.cpuMs, digits: 0 },
            { label: 'cold: late joiner ms', get: (r) => lateShow(r.cold), digits: 0 },
            { label: 'cold: fastest – slowest ms', get: (r) => lateRange(r.cold), ratio: false },
            { label: 'cold: server CPU ms', get: (r) => r.cold.cpuMs, digits: 0 },
        ], by('history'), un));
    }
    if (results.idle.length) {
        table(`(4) Memory: ${IDLE_DOCS} documents, each opened by its own provider, edited once (1,000 characters), then idle `
            + `(y-websocket: a socket per document; Hocuspocus: ${HOCUS_DOCS_PER_SOCKET} documents per socket); server VmRSS in MiB`,
        HDR, sideBySide([{ id: 'idle', label: `${IDLE_DOCS} docs` }], [
            { label: 'documents opened', get: (r) => `${r.docs}${r.acked ? '' : ' (not all acked)'}`, ratio: false },
            { label: 'RSS before MiB', get: (r) => r.rss0 / 1024, digits: 1 },
            { label: 'RSS open + idle MiB', get: (r) => r.rssOpen / 1024, digits: 1 },
            { label: 'RSS growth KiB/doc', get: (r) => r.perDocKiB, digits: 1 },
            { label: 'RSS after all left MiB', get: (r) => r.rssAfter / 1024, digits: 1 },
        ], by('idle'), un));
    }
    const wireRows = [];
    for (const name of ALL_TARGETS) {
        const w = results.wire[name];
        if (!w) continue;
        wireRows.push([LABEL[name], w.sockets, w.framesIn.toLocaleString('en-US'), w.bytesIn.toLocaleString('en-US'),
            w.maxFrameIn.toLocaleString('en-US'), w.unexpectedCloses, w.errors]);
    }
    if (wireRows.length) {
        table('What the servers sent over the whole run', ['server', 'sockets', 'frames', 'bytes', 'largest frame', 'unexpected closes', 'socket errors'], wireRows);
    }
    if (stalls) console.log(`\n${stalls} wait(s) were given up after ${STALL_MS / 1000} s without any traffic.`);
    const errors = [...results.fanOut, ...results.history, ...results.idle].filter((r) => r.error);
    if (errors.length) {
        console.log('\nFailed measurements:');
        for (const e of errors) console.log(`- ${LABEL[e.target]} ${e.section} ${e.key}: ${e.error}`);
    }
}

// ---- main ----------------------------------------------------------------------------------------------------------

async function main() {
    await loadClientSide();
    const results = { meta: {}, canopy: {}, unavailable: {}, fanOut: [], history: [], idle: [], wire: {} };
    const live = new Set();

    const deadline = setTimeout(async () => {
        console.error(`\nbenchmark deadline of ${DEADLINE_MS / 1000} s reached; stopping (partial results below).`);
        try { report(results); } catch { /* ignore */ }
        if (JSON_OUT) try { fs.writeFileSync(JSON_OUT, JSON.stringify(results, null, 2)); } catch { /* ignore */ }
        for (const t of live) await t.dispose();
        process.exit(3);
    }, DEADLINE_MS);

    let buildType = null;
    try {
        const cache = path.join(path.dirname(path.dirname(CANOPY_BIN)), 'CMakeCache.txt');
        buildType = /^CMAKE_BUILD_TYPE:[A-Z]*=(.*)$/m.exec(fs.readFileSync(cache, 'utf8'))?.[1] ?? null;
    } catch { /* not a build tree */ }
    results.canopy = { bin: CANOPY_BIN, buildType };
    console.log('Yjs benchmark — @y/websocket-server 0.1.5 and Hocuspocus 4.7.0 (+ SQLite) vs Canopy, same clients');
    console.log(`node ${process.version}, ${os.cpus().length} CPUs; the clients and all servers share the machine.`);
    if (!fs.existsSync(path.join(PEERS_DIR, 'node_modules'))) {
        throw new Error(`no ${PEERS_DIR}/node_modules: run \`npm ci\` there (bench/yjs-run does)`);
    }

    async function startTarget(name) {
        const t = makeTarget(name);
        if (!results.wire[name]) results.wire[name] = newWireStats();
        try {
            await t.start();
        } catch (err) {
            await t.dispose();
            throw err;
        }
        live.add(t);
        wireByPort.set(String(t.port), results.wire[name]);
        return t;
    }
    async function stopTarget(t) {
        live.delete(t);
        wireByPort.delete(String(t.port));
        await t.dispose();
    }

    // Which targets take part: each is started once and probed (two providers, one edit).
    const names = [];
    for (const name of ALL_TARGETS.filter((n) => TARGETS.includes(n))) {
        if (name.startsWith('canopy') && !fs.existsSync(CANOPY_BIN)) {
            results.unavailable[name] = `no host binary at ${CANOPY_BIN} (build it, or set CANOPY_BIN)`;
            continue;
        }
        let t = null;
        try {
            t = await startTarget(name);
            const why = await probe(t);
            if (why) results.unavailable[name] = why;
            else names.push(name);
        } catch (err) {
            results.unavailable[name] = `did not start: ${errText(err)}`;
        } finally {
            if (t) await stopTarget(t);
        }
    }
    for (const name of ALL_TARGETS) {
        if (!TARGETS.includes(name)) continue;
        console.log(`target ${LABEL[name]}: ${results.unavailable[name] ? `UNAVAILABLE — ${results.unavailable[name]}` : 'ok'}`);
    }
    results.meta = {
        node: process.version, cpus: os.cpus().length, quick: QUICK, members: MEMBERS, pacedEdits: PACED_EDITS,
        pacedEveryMs: PACED_EVERY_MS, floodEdits: FLOOD_EDITS, window: WINDOW, sizes: SIZES, cpuEdits: CPU_RATES.map((_, i) => cpuEditsAt(i)),
        cpuRates: CPU_RATES, tailMs: TAIL_MS, idleDocs: IDLE_DOCS, lateWaitMs: LATE_WAIT_MS, targets: names,
    };

    async function measure(t, sectionName, key, fn) {
        process.stdout.write(`${sectionName} ${key} on ${LABEL[t.name]}… `);
        const m0 = machineBusySeconds();
        const self0 = process.cpuUsage();
        const w0 = performance.now();
        let s0 = NaN;
        try { s0 = t.cpuSeconds(); } catch { /* gone */ }
        try {
            const data = await fn();
            const wall = (performance.now() - w0) / 1000;
            let s1 = NaN;
            try { s1 = t.cpuSeconds(); } catch { /* gone */ }
            const self = process.cpuUsage(self0);
            const other = machineBusySeconds() - m0 - (s1 - s0) - (self.user + self.system) / 1e6;
            data.otherCpuPct = Number.isFinite(other) ? Math.max(0, (100 * other) / wall) : NaN;
            console.log(`done${data.otherCpuPct > 25 ? ` (other processes used ${fmt(data.otherCpuPct, 0)} % of a core meanwhile)` : ''}`);
            return { target: t.name, section: sectionName, key, data };
        } catch (err) {
            console.log(`FAILED: ${errText(err)}${t.running ? '' : ` (server exited: ${t.tail(3)})`}`);
            return { target: t.name, section: sectionName, key, error: errText(err) };
        }
    }

    /** A fresh server per target for the section; each key measured on every target back to back. */
    async function runSection(sectionName, keys, bucket, fn) {
        const started = new Map();
        const failed = new Map();
        for (const name of names) {
            try {
                started.set(name, await startTarget(name));
            } catch (err) {
                failed.set(name, `server did not start: ${errText(err)}`);
            }
        }
        try {
            for (const key of keys) {
                for (const name of names) {
                    const t = started.get(name);
                    if (t && !t.running && !failed.has(name)) failed.set(name, `server exited (${JSON.stringify(t.exitInfo ?? {})}): ${t.tail(3)}`);
                    if (failed.has(name)) {
                        bucket.push({ target: name, section: sectionName, key, error: failed.get(name) });
                        continue;
                    }
                    bucket.push(await measure(t, sectionName, key, () => fn(t, key)));
                }
            }
        } finally {
            for (const t of started.values()) await stopTarget(t);
        }
    }

    if (SECTIONS.includes('fanout')) await runSection('fan-out', MEMBERS, results.fanOut, (t, n) => fanOut(t, n));
    if (SECTIONS.includes('cpu')) {
        const hists = new Map();
        for (const size of SIZES) {
            process.stdout.write(`building a ${size.toLocaleString('en-US')}-byte history… `);
            const h = buildHistory(size);
            hists.set(size, h);
            console.log(`${h.updateBytes.toLocaleString('en-US')} bytes, ${h.chars.toLocaleString('en-US')} characters (${fmt(h.buildMs, 0)} ms)`);
        }
        await runSection('history', SIZES, results.history, (t, size) => historyRun(t, hists.get(size)));
    }
    if (SECTIONS.includes('idle')) await runSection('idle', ['idle'], results.idle, (t) => idleRun(t, IDLE_DOCS));

    clearTimeout(deadline);
    results.meta.stalls = stalls;
    report(results);
    if (JSON_OUT) fs.writeFileSync(JSON_OUT, JSON.stringify(results, null, 2));
}

try {
    await main();
    process.exit(0);
} catch (err) {
    console.error(`\nbenchmark failed: ${err.stack ?? err}`);
    process.exit(1);
}
