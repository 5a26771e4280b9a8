#!/usr/bin/env node
// loro-protocol v1 benchmark: Canopy's loro-protocol host and loro-websocket's reference SimpleServer, side by
// side in one run, driven by the same real clients (LoroWebsocketClient 0.6.2 + LoroAdaptor, loro-crdt 1.17.1).
//
//   (1) fan-out: one %LOR room x 1, 10, 100 members plus one writer making 1-character text edits.
//       paced:   edits at a fixed rate -> delivery latency with the server unloaded;
//       flood:   edits as fast as a bounded window of undelivered edits allows -> member-updates delivered/s.
//       Latency = the writer's insert+commit (LoroAdaptor sends the update) -> the member's LoroAdaptor has
//       imported it (a LoroAdaptor subclass records the text length after each applyUpdate).
//   (2) server CPU per update (utime+stime of the server process, /proc/<pid>/stat) on documents with ~1 KB,
//       ~1 MB and ~10 MB of history (built locally, uploaded once by a client that joins the room, acked), then
//       one writer sending N 1-char edits and one member (holding a copy of the history) receiving them.
//   (3) late joiner: a fresh client joins the room holding that history; time from join() to
//       room.waitForReachingServerVersion(), whether the text arrived whole, and the largest frame the server
//       sent to it (loro-protocol caps a message at 262144 bytes; SimpleServer never fragments, so a backfill
//       above 256 KiB is never delivered by it, loro-protocol.md §2.6/§5.5).
//
// Targets: both run during a section (a fresh server each per section: fan-out, then history), and every
// measurement is taken on SimpleServer and then on Canopy back to back, so both see the same machine load:
//   simple  SimpleServer from loro-websocket/server in a child process (this file, --serve-simple), with
//           in-memory onLoadDocument/onSaveDocument (default saveInterval) and an authenticate that accepts the
//           bench token and refuses anything else.
//   canopy  the Canopy host ($CANOPY_BIN, see tests/interop/lib/host.mjs) started with --dev-token; clients
//           connect to ws://127.0.0.1:<port>/loro/as/<did> (a distinct DID per connection) and send the UTF-8
//           of the dev token as the JoinRequest auth. It is used when the binary exists and a probe join on
//           /loro/as/ answers JoinResponseOk; otherwise the report says why and shows its columns as n/a.
//           --canopy-url ws://HOST:PORT/loro/as/ --canopy-token T [--canopy-pid PID] uses a host already
//           running instead (server CPU needs the pid).
//
// Options: --quick (smaller numbers), --targets simple,canopy, --members 1,10,100, --paced N, --paced-ms MS,
//          --edits N (flood), --window N, --sizes 1e3,1e6,1e7, --cpu-edits N1,N2,N3 (per size),
//          --late-wait S, --sections fanout,history, --json FILE. The whole run is bounded by a global
//          deadline (BENCH_DEADLINE_MS, default 40 min; 15 min with --quick; partial results are printed); every
//          wait is bounded, and a wait also ends after 20 s without any traffic from the server.
// Internal: --serve-simple PORT runs SimpleServer (PORT 0 = any; prints "listening N"; exits when stdin closes).
//
// Ratios are Canopy ÷ SimpleServer; the "better" column says which direction favours Canopy. The clients run in
// this one Node process: with 100 members the bench itself (100 loro-crdt imports per edit) can be the limit.
//
// Run it through bench/loro-run (builds the release host if needed). Dependencies come from
// tests/interop/node_modules (resolved explicitly below, since this file lives outside that package).

import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { CANOPY_BIN, INTEROP_DIR, startHost } from '../tests/interop/lib/host.mjs';
import { delay, percentile, withTimeout } from '../tests/interop/lib/util.mjs';

const SELF = fileURLToPath(import.meta.url);
const MAX_MESSAGE_SIZE = 262144;

// ---- dependencies from tests/interop/node_modules --------------------------------------------------------

/** Import `name` (subpath `sub`) from tests/interop/node_modules the way Node would (conditions node, import). */
async function importPkg(name, sub = '.') {
    const dir = path.join(INTEROP_DIR, 'node_modules', name);
    const pj = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
    let entry = pj.exports ? pj.exports[sub] : undefined;
    if (entry === undefined && sub === '.' && !pj.exports) entry = pj.module ?? pj.main ?? 'index.js';
    while (entry && typeof entry === 'object') {
        const hit = Object.entries(entry).find(([cond]) => cond === 'node' || cond === 'import' || cond === 'default');
        entry = hit ? hit[1] : undefined;
    }
    if (typeof entry !== 'string') throw new Error(`cannot resolve ${name}${sub === '.' ? '' : sub.slice(1)} in ${dir}`);
    return import(pathToFileURL(path.join(dir, entry)).href);
}

// ---- options ---------------------------------------------------------------------------------------------

const argv = process.argv.slice(2);
function opt(name, dflt) {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 && i + 1 < argv.length ? argv[i + 1] : dflt;
}
const list = (s) => String(s).split(',').map((x) => x.trim()).filter(Boolean);
const QUICK = argv.includes('--quick');
const TARGETS = list(opt('targets', 'simple,canopy'));
const SECTIONS = list(opt('sections', 'fanout,history'));
const MEMBERS = list(opt('members', QUICK ? '1,10' : '1,10,100')).map(Number);
const PACED_EDITS = Number(opt('paced', QUICK ? 100 : 300));
const PACED_EVERY_MS = Number(opt('paced-ms', 10));
const FLOOD_EDITS = Number(opt('edits', QUICK ? 300 : 2000));
const WINDOW = Number(opt('window', 200));
const SIZES = list(opt('sizes', QUICK ? '1e3,1e6' : '1e3,1e6,1e7')).map(Number);
/** Edits measured per history size (the last value repeats); bounded in time as well (CPU_BUDGET_MS). */
const CPU_EDITS = list(opt('cpu-edits', QUICK ? '300,100,10' : '2000,500,30')).map(Number);
const LATE_WAIT_MS = 1000 * Number(opt('late-wait', QUICK ? 10 : 30));
const JSON_OUT = opt('json', null);
const CANOPY_URL = opt('canopy-url', null);
const CANOPY_TOKEN = opt('canopy-token', process.env.CANOPY_TOKEN ?? null);
const CANOPY_PID = opt('canopy-pid', null);
const DEADLINE_MS = Number(process.env.BENCH_DEADLINE_MS ?? (QUICK ? 15 : 40) * 60 * 1000);
const PHASE_MS = QUICK ? 60000 : 120000;     // bound on one flood / one edit loop
const CPU_BUDGET_MS = QUICK ? 30000 : 90000; // time budget of one CPU-per-update measurement
const DRAIN_MS = 60000;                      // bound on waiting for edits already sent
const JOIN_TIMEOUT_MS = 15000;
const UPLOAD_TIMEOUT_MS = 60000;

function cpuEditsFor(i) {
    return CPU_EDITS[Math.min(i, CPU_EDITS.length - 1)];
}

// ---- small helpers ---------------------------------------------------------------------------------------

function fmt(n, digits = 1) {
    if (n === null || n === undefined) return '-';
    if (typeof n === 'string') return n;
    if (Number.isNaN(n)) return '-';
    return n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

function table(title, headers, rows) {
    const cells = [headers, ...rows.map((r) => r.map(String))];
    const widths = headers.map((_, c) => Math.max(...cells.map((r) => r[c].length)));
    const line = (r) => '| ' + r.map((v, c) => (c <= 1 ? v.padEnd(widths[c]) : v.padStart(widths[c]))).join(' | ') + ' |';
    console.log(`\n${title}\n`);
    console.log(line(headers));
    console.log('|' + widths.map((w, c) => (c <= 1 ? '-'.repeat(w + 1) + '-' : '-'.repeat(w + 1) + ':')).join('|') + '|');
    for (const r of cells.slice(1)) console.log(line(r));
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

/** CPU seconds the whole machine spent busy (user, nice, system, irq, softirq, steal) since boot. */
function machineBusySeconds() {
    try {
        const f = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
        return (f[0] + f[1] + f[2] + f[5] + f[6] + f[7]) / clockTicks();
    } catch {
        return NaN;
    }
}

function procRssKiB(pid) {
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : NaN;
}

/** Resolves on the next call of `poke()` (a delivery, an ack), or after `ms`. */
let wake = null;
let lastActivityAt = Date.now();
function poke() {
    lastActivityAt = Date.now();
    if (wake) wake();
}
/** No delivery, Ack or JoinError for this long while waiting for one = the server stalled: stop waiting. */
const STALL_MS = 20000;
let stalls = 0;
function stalled(since) {
    if (Date.now() - Math.max(lastActivityAt, since) < STALL_MS) return false;
    stalls += 1;
    return true;
}
function nextEventOr(ms) {
    return new Promise((resolve) => {
        const timer = setTimeout(() => { wake = null; resolve(); }, ms);
        wake = () => { clearTimeout(timer); wake = null; resolve(); };
    });
}

/**
 * Wait (bounded) until `fn()` is true, waking on deliveries and acks. Returns whether it became true. With
 * `stall`, it also gives up when nothing at all arrives for STALL_MS.
 */
async function until(fn, ms, { stall = true } = {}) {
    const start = Date.now();
    const end = start + ms;
    while (!fn()) {
        if (Date.now() >= end || (stall && stalled(start))) return false;
        await nextEventOr(Math.min(20, Math.max(1, end - Date.now())));
    }
    return true;
}

function errText(err) {
    return String(err?.message ?? err).split('\n')[0].slice(0, 160);
}

// ---- SimpleServer child process (--serve-simple <port>) ------------------------------------------------------

async function serveSimple(port) {
    globalThis.crypto ??= (await import('node:crypto')).webcrypto;
    const { SimpleServer } = await importPkg('loro-websocket', './server');
    const token = process.env.LORO_BENCH_TOKEN ?? '';
    const store = new Map(); // SimpleServer passes crdtType NaN to onSaveDocument (loro-protocol.md §5.3): key by room
    let saves = 0;
    const server = new SimpleServer({
        port,
        host: '127.0.0.1',
        authenticate: async (_roomId, _crdt, auth) => (Buffer.from(auth).toString('utf8') === token ? 'write' : null),
        onLoadDocument: async (roomId) => store.get(roomId) ?? null,
        onSaveDocument: async (roomId, _crdt, data) => { store.set(roomId, data); saves += 1; },
    });
    await server.start();
    process.stdout.write(`listening ${server.wss.address().port}\n`);
    // The parent holds our stdin: when it goes away (whatever the reason), so do we.
    process.stdin.on('end', () => process.exit(0));
    process.stdin.on('data', (d) => {
        if (String(d).includes('saves?')) process.stdout.write(`saves ${saves}\n`);
    });
    process.stdin.resume();
}

// ---- targets ---------------------------------------------------------------------------------------------

const liveChildren = new Set();
process.on('exit', () => {
    for (const c of liveChildren) {
        try { c.kill('SIGKILL'); } catch { /* gone */ }
    }
});

/** Per-target counters fed by the tracking WebSocket of every client connected to it. */
function newWireStats() {
    return { sockets: 0, maxFrameIn: 0, maxFrameType: null, framesIn: 0, bytesIn: 0, unexpectedCloses: 0, clientErrors: 0 };
}

class SimpleTarget {
    constructor() {
        this.name = 'simple';
        this.label = 'SimpleServer';
        this.token = 'bench-' + randomBytes(12).toString('hex');
        this.auth = new TextEncoder().encode(this.token);
        this.child = null;
        this.lines = [];
        this.exitInfo = null;
    }

    async start() {
        const child = spawn(process.execPath, [SELF, '--serve-simple', '0'], {
            cwd: INTEROP_DIR,
            env: { ...process.env, LORO_BENCH_TOKEN: this.token },
            stdio: ['pipe', 'pipe', 'pipe'],
        });
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
            throw new Error(`SimpleServer exited during start-up (${JSON.stringify(e)}):\n${this.tail(10)}`);
        })]), 20000, 'SimpleServer start-up');
        this.pid = child.pid;
        return this;
    }

    pushLine(l) {
        this.lines.push(l);
        if (this.lines.length > 500) this.lines.splice(0, 250);
    }

    get running() { return !!this.child && this.exitInfo === null; }
    url(did) { return `ws://127.0.0.1:${this.port}/loro/as/${did}`; }
    cpuSeconds() { return procCpuSeconds(this.pid); }
    rssKiB() { return procRssKiB(this.pid); }
    tail(n = 15) { return this.lines.slice(-n).join('\n'); }

    async dispose() {
        if (!this.running) return;
        this.child.stdin.end();
        this.child.kill('SIGTERM');
        try {
            await withTimeout(this.exited, 5000, 'SimpleServer exit');
        } catch {
            this.child.kill('SIGKILL');
            await withTimeout(this.exited, 5000, 'SimpleServer exit after SIGKILL').catch(() => {});
        }
    }
}

class CanopyTarget {
    constructor() {
        this.name = 'canopy';
        this.label = 'Canopy';
        this.host = null;
    }

    async start() {
        // pingInterval: as bench/sync-bench.mjs, keep the host's own keepalive out of the measurements.
        this.host = await startHost({ pingInterval: 600 });
        this.token = this.host.token;
        this.auth = new TextEncoder().encode(this.token);
        this.port = this.host.port;
        this.pid = this.host.pid;
        return this;
    }

    get running() { return !!this.host?.running; }
    url(did) { return `ws://127.0.0.1:${this.port}/loro/as/${did}`; }
    cpuSeconds() { return this.host.cpuSeconds(); }
    rssKiB() { return this.host.rssKiB(); }
    tail(n = 15) { return this.host ? this.host.tail(n) : ''; }
    async dispose() { if (this.host) await this.host.dispose(); }
}

/** A loro-protocol host already running: a base URL (the DID is appended) and the auth token. */
class ExternalTarget {
    constructor(baseUrl, token, pid) {
        this.name = 'canopy';
        this.label = 'Canopy (external)';
        this.base = baseUrl.endsWith('/') ? baseUrl : baseUrl + '/';
        this.token = token ?? '';
        this.auth = new TextEncoder().encode(this.token);
        this.pid = pid ? Number(pid) : null;
        this.port = new URL(this.base).port;
    }

    async start() { return this; }
    get running() { return true; }
    url(did) { return this.base + did; }
    cpuSeconds() { return this.pid ? procCpuSeconds(this.pid) : NaN; }
    rssKiB() { return this.pid ? procRssKiB(this.pid) : NaN; }
    tail() { return ''; }
    async dispose() {}
}

function makeTarget(name) {
    if (name === 'simple') return new SimpleTarget();
    if (CANOPY_URL) return new ExternalTarget(CANOPY_URL, CANOPY_TOKEN, CANOPY_PID);
    return new CanopyTarget();
}

// ---- clients ---------------------------------------------------------------------------------------------

let ws;
let LoroWebsocketClient;
let LoroAdaptor;
let LoroDoc;
let TrackedAdaptor;

/** Which target a URL belongs to (by port), for the wire statistics. */
const wireByPort = new Map();

/** The first bytes of a loro-protocol message: type and the offset of its payload (after magic, room, type). */
function messageHead(u8) {
    if (u8.length < 6) return null;
    let p = 4;
    let len = 0;
    let shift = 0;
    let b;
    do {
        b = u8[p++];
        len += (b & 0x7f) * 2 ** shift;
        shift += 7;
    } while ((b & 0x80) && p < u8.length && shift < 35);
    p += len;
    if (p >= u8.length) return null;
    return { type: u8[p], off: p + 1 };
}

const TYPE_NAMES = ['JoinRequest', 'JoinResponseOk', 'JoinError', 'DocUpdate', 'FragmentHeader', 'Fragment',
    'RoomError', 'Leave', 'Ack'];

async function loadClientSide() {
    globalThis.crypto ??= (await import('node:crypto')).webcrypto;
    // Every LoroWebsocketClient adds an 'online' and an 'offline' listener to `process` (Node has no window).
    process.setMaxListeners(0);
    const wsMod = await importPkg('ws');
    ({ LoroWebsocketClient } = await importPkg('loro-websocket'));
    ({ LoroAdaptor } = await importPkg('loro-adaptors', './loro'));
    ({ LoroDoc } = await importPkg('loro-crdt'));

    /**
     * The WebSocket the loro-websocket client creates (it uses the global `WebSocket`): ws's, without
     * permessage-deflate (neither server negotiates it), counting what the server sends on this socket.
     */
    class TrackingWebSocket extends wsMod.WebSocket {
        constructor(url, protocols, options) {
            super(url, protocols, { perMessageDeflate: false, ...(options ?? {}) });
            const wire = wireByPort.get(String(new URL(String(url)).port)) ?? newWireStats();
            wire.sockets += 1;
            this.lb = { wire, maxIn: 0, framesIn: 0, bytesIn: 0, acksOk: 0, acksBad: 0, joinErrors: [], types: {}, firstAt: {}, lastAt: 0 };
            this.on('message', (data, isBinary) => this.#count(data, isBinary));
        }

        #count(data, isBinary) {
            if (!isBinary) return;
            const u8 = data instanceof ArrayBuffer ? new Uint8Array(data) : data;
            const n = u8.byteLength;
            const s = this.lb;
            s.framesIn += 1;
            s.bytesIn += n;
            const head = messageHead(u8);
            const type = head ? head.type : -1;
            s.types[type] = (s.types[type] ?? 0) + 1;
            s.lastAt = performance.now();
            if (s.firstAt[type] === undefined) s.firstAt[type] = s.lastAt;
            if (n > s.maxIn) s.maxIn = n;
            if (n > s.wire.maxFrameIn) {
                s.wire.maxFrameIn = n;
                s.wire.maxFrameType = TYPE_NAMES[type] ?? `type ${type}`;
            }
            s.wire.framesIn += 1;
            s.wire.bytesIn += n;
            if (type === 8 && head.off + 8 < n) {
                if (u8[head.off + 8] === 0) s.acksOk += 1;
                else s.acksBad += 1;
                poke();
            } else if (type === 2 && head.off < n) {
                const code = u8[head.off];
                let p = head.off + 1;
                let len = 0;
                let shift = 0;
                let b;
                do { b = u8[p++]; len += (b & 0x7f) * 2 ** shift; shift += 7; } while ((b & 0x80) && p < n && shift < 35);
                const msg = Buffer.from(u8.buffer, u8.byteOffset + p, Math.max(0, Math.min(len, n - p))).toString('utf8');
                s.joinErrors.push(`JoinError ${code} "${msg}"`);
                poke();
            }
        }
    }
    globalThis.WebSocket = TrackingWebSocket;

    /** LoroAdaptor as shipped, plus a callback with the text length after each applied server update. */
    TrackedAdaptor = class extends LoroAdaptor {
        constructor(doc, onApplied) {
            super(doc);
            this.benchText = doc.getText('t');
            this.onApplied = onApplied;
        }

        applyUpdate(updates) {
            super.applyUpdate(updates);
            if (this.onApplied) this.onApplied(this.benchText.length);
            poke();
        }
    };
}

let nextPeer = BigInt(Date.now() % 1_000_000) * 1000n + 1n;
function newDoc() {
    const doc = new LoroDoc();
    doc.setPeerId(nextPeer++);
    return doc;
}

// Canopy limits connections per DID (16 by default): every connection speaks for its own DID.
let didCounter = 0;
function nextDid() {
    didCounter += 1;
    return `did:web:bench-${didCounter}.example`;
}

/** One LoroWebsocketClient (its own socket) joined to `roomId` with `doc`. Throws (bounded) on failure. */
async function joinRoom(target, roomId, doc, onApplied = null) {
    const wire = wireByPort.get(String(target.port));
    let closing = false;
    const client = new LoroWebsocketClient({
        url: target.url(nextDid()),
        reconnect: { enabled: false }, // a dropped connection shows up as missing deliveries, not a quiet rejoin
        onError: () => { if (wire) wire.clientErrors += 1; },
    });
    const peer = { client, doc, socket: null, room: null, joinMs: NaN, close: () => {} };
    peer.close = () => {
        closing = true;
        try { client.destroy(); } catch { /* ignore */ }
    };
    client.onStatusChange((s) => {
        if (s === 'disconnected' && !closing && wire) wire.unexpectedCloses += 1;
    });
    try {
        await withTimeout(client.waitConnected(), 10000, `WebSocket open of ${target.label}`);
        peer.socket = client.socket;
        const adaptor = new TrackedAdaptor(doc, onApplied);
        peer.adaptor = adaptor;
        const t0 = performance.now();
        peer.joinT0 = t0;
        peer.room = await withTimeout(client.join({ roomId, crdtAdaptor: adaptor, auth: target.auth }),
            JOIN_TIMEOUT_MS, `join of ${roomId} on ${target.label}`);
        peer.joinMs = performance.now() - t0;
        return peer;
    } catch (err) {
        peer.close();
        throw err;
    }
}

async function joinMany(target, roomId, n, makeArgs) {
    const out = [];
    const BATCH = 25;
    try {
        for (let i = 0; i < n; i += BATCH) {
            out.push(...await Promise.all(Array.from({ length: Math.min(BATCH, n - i) }, (_, j) => {
                const [doc, onApplied] = makeArgs(i + j);
                return joinRoom(target, roomId, doc, onApplied);
            })));
        }
    } catch (err) {
        for (const p of out) p.close();
        throw err;
    }
    return out;
}

/** Probe: does the target's /loro/as/ route upgrade, and does a %LOR JoinRequest get JoinResponseOk? */
async function probe(target) {
    const url = target.url(nextDid());
    const upgrade = await new Promise((resolve) => {
        const sock = new globalThis.WebSocket(url);
        const timer = setTimeout(() => { sock.terminate(); resolve('no answer to the WebSocket upgrade within 5 s'); }, 5000);
        sock.on('unexpected-response', (_req, res) => {
            clearTimeout(timer);
            resolve(`the upgrade of ${url.replace(/\/as\/.*/, '/as/…')} answered HTTP ${res.statusCode}`);
            sock.terminate();
        });
        sock.on('error', (e) => { clearTimeout(timer); resolve(`WebSocket error: ${errText(e)}`); });
        sock.on('open', () => { clearTimeout(timer); sock.close(); resolve(null); });
    });
    if (upgrade) return upgrade;
    try {
        const p = await joinRoom(target, `probe-${randomBytes(4).toString('hex')}`, newDoc());
        const sync = await Promise.race([p.room.waitForReachingServerVersion().then(() => true), delay(5000).then(() => false)]);
        const errors = p.socket.lb.joinErrors;
        p.close();
        if (!sync) return 'joined, but waitForReachingServerVersion() did not resolve within 5 s on an empty room';
        return errors.length ? `join answered ${errors.join(', ')}` : null;
    } catch (err) {
        return `probe join failed: ${errText(err)}`;
    }
}

// ---- (1) fan-out -------------------------------------------------------------------------------------------

/** Keep at most `window` edits undelivered to the slowest receiver; stop at `to` or after `ms`. */
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
    const roomId = `fanout-${nMembers}-${randomBytes(4).toString('hex')}`;
    const total = PACED_EDITS + FLOOD_EDITS;
    const progress = [];
    const arrivals = [];
    const members = await joinMany(target, roomId, nMembers, (i) => {
        progress[i] = 0;
        arrivals[i] = new Float64Array(total).fill(NaN);
        return [newDoc(), (len) => {
            const got = progress[i];
            if (len <= got) return;
            const t = performance.now();
            const arr = arrivals[i];
            for (let k = got; k < len && k < total; k++) arr[k] = t;
            progress[i] = len;
        }];
    });
    const wdoc = newDoc();
    let writer;
    try {
        writer = await joinRoom(target, roomId, wdoc);
    } catch (err) {
        for (const m of members) m.close();
        throw err;
    }
    const wtext = wdoc.getText('t');
    const sendTimes = new Float64Array(total);
    const send = (k) => {
        sendTimes[k] = performance.now();
        wtext.insert(wtext.length, k < PACED_EDITS ? 'p' : 'f');
        wdoc.commit(); // LoroAdaptor's subscribeLocalUpdates sends the update from inside commit()
    };
    const minProgress = () => {
        let m = Infinity;
        for (const p of progress) if (p < m) m = p;
        return m;
    };
    try {
        await delay(200);
        // Paced: one edit every PACED_EVERY_MS.
        for (let k = 0; k < PACED_EDITS; k++) {
            send(k);
            await delay(PACED_EVERY_MS);
        }
        await until(() => minProgress() >= PACED_EDITS, 30000);
        const paced = latencies(arrivals, sendTimes, 0, PACED_EDITS);

        // Flood: as fast as a window of WINDOW edits undelivered to the slowest member allows.
        const t0 = performance.now();
        const cpu0 = target.cpuSeconds();
        const self0 = process.cpuUsage();
        const sent = await sendWindowed(send, minProgress, PACED_EDITS, total, WINDOW, PHASE_MS);
        await until(() => minProgress() >= sent, DRAIN_MS);
        const cpu = target.cpuSeconds() - cpu0;
        const self = process.cpuUsage(self0);
        const flood = latencies(arrivals, sendTimes, PACED_EDITS, total);
        const seconds = ((flood.last || performance.now()) - t0) / 1000;
        const delivered = flood.lat.length;
        const acked = writer.socket.lb.acksOk;
        return {
            members: nMembers,
            pacedEdits: PACED_EDITS,
            pacedP50: percentile(paced.lat, 50),
            pacedP99: percentile(paced.lat, 99),
            pacedMissing: paced.missing,
            floodEdits: FLOOD_EDITS,
            floodSent: sent - PACED_EDITS,
            floodSeconds: seconds,
            deliveriesPerSec: delivered / seconds,
            editsPerSec: delivered / nMembers / seconds,
            floodP50: percentile(flood.lat, 50),
            floodP99: percentile(flood.lat, 99),
            floodMissing: flood.missing,
            acksOk: acked,
            acksBad: writer.socket.lb.acksBad,
            complete: paced.missing === 0 && flood.missing === 0,
            serverCpuPct: (100 * cpu) / seconds,
            benchCpuPct: (100 * (self.user + self.system) / 1e6) / seconds,
        };
    } finally {
        writer.close();
        for (const m of members) m.close();
        await delay(300);
    }
}

// ---- (2) + (3) documents with history --------------------------------------------------------------------

/** A document whose root text 't' holds ~targetChars characters of random base64, in ~200 changes. */
function buildHistory(targetChars) {
    const t0 = performance.now();
    const doc = newDoc();
    const text = doc.getText('t');
    const chunk = Math.max(64, Math.min(16384, Math.floor(targetChars / 200)));
    let written = 0;
    while (written < targetChars) {
        const s = randomBytes(Math.ceil(chunk * 0.75) + 3).toString('base64').slice(0, Math.min(chunk, targetChars - written));
        text.insert(text.length, s);
        doc.commit();
        written += s.length;
    }
    const update = doc.export({ mode: 'update' });
    const snapshotBytes = doc.export({ mode: 'snapshot' }).length;
    return { targetChars, chars: text.length, update, updateBytes: update.length, snapshotBytes, buildMs: performance.now() - t0 };
}

function docFrom(hist) {
    const doc = newDoc();
    doc.import(hist.update);
    return doc;
}

async function historyRun(target, hist, nEdits) {
    const roomId = `history-${hist.targetChars}-${randomBytes(4).toString('hex')}`;
    const peers = [];
    const r = { targetChars: hist.targetChars, chars: hist.chars, updateBytes: hist.updateBytes, snapshotBytes: hist.snapshotBytes };
    try {
        // Upload: a client holding the history joins the empty room; LoroAdaptor pushes what the server lacks
        // (fragmented above 245760 bytes). Done when that batch is acked.
        const cpuU0 = target.cpuSeconds();
        const tU0 = performance.now();
        const up = await joinRoom(target, roomId, docFrom(hist));
        peers.push(up);
        const acked = await until(() => up.socket.lb.acksOk + up.socket.lb.acksBad >= 1, UPLOAD_TIMEOUT_MS, { stall: false });
        r.uploadMs = performance.now() - tU0;
        r.uploadCpuMs = (target.cpuSeconds() - cpuU0) * 1000;
        r.uploadStatus = !acked ? `no Ack within ${UPLOAD_TIMEOUT_MS / 1000} s` : (up.socket.lb.acksOk ? 'ok' : 'refused');
        if (r.uploadStatus !== 'ok') throw new Error(`upload of the history: ${r.uploadStatus}`);
        await delay(300);

        // (3) Late joiner: an empty client joins; the whole history must come to it as backfill.
        try {
            let textAt = null;
            const cpu0 = target.cpuSeconds();
            let t0 = performance.now();
            const late = await joinRoom(target, roomId, newDoc(), (len) => {
                if (textAt === null && len >= hist.chars) textAt = performance.now();
            });
            peers.push(late);
            r.lateJoinOkMs = late.joinMs;
            t0 = late.joinT0; // the times below count from the join() call (the socket is open by then)
            const left = Math.max(0, LATE_WAIT_MS - (performance.now() - t0));
            const syncedAt = await Promise.race([
                late.room.waitForReachingServerVersion().then(() => performance.now()),
                delay(left).then(() => null),
            ]);
            if (syncedAt !== null && textAt === null) await until(() => textAt !== null, 5000);
            r.lateSyncMs = syncedAt === null ? null : syncedAt - t0;
            r.lateTextMs = textAt === null ? null : textAt - t0;
            r.lateTextChars = late.doc.getText('t').length;
            r.lateComplete = syncedAt !== null && r.lateTextChars === hist.chars;
            r.lateCpuMs = (target.cpuSeconds() - cpu0) * 1000;
            r.lateMaxFrame = late.socket.lb.maxIn;
            r.lateFrames = late.socket.lb.framesIn;
            r.lateBytes = late.socket.lb.bytesIn;
            r.lateJoinErrors = late.socket.lb.joinErrors.slice(0, 3);
            r.lateWaitMs = LATE_WAIT_MS;
            r.lateFirstFrameMs = Object.fromEntries(Object.entries(late.socket.lb.firstAt)
                .map(([type, at]) => [TYPE_NAMES[type] ?? type, at - t0]));
            late.close();
            peers.splice(peers.indexOf(late), 1);
            await delay(300);
        } catch (err) {
            r.lateError = errText(err);
        }

        // (2) CPU per update: a receiver holding a copy of the history joins (nothing to backfill), then the
        // uploader sends nEdits 1-char edits, at most `window` of them undelivered.
        try {
            await cpuPerUpdate(target, roomId, hist, nEdits, up, peers, r);
        } catch (err) {
            r.cpuError = errText(err);
        }
        return r;
    } finally {
        for (const p of peers) p.close();
        await delay(300);
    }
}

/** (2) for one history size: `up` is the uploader (it writes), `r` collects the figures. */
async function cpuPerUpdate(target, roomId, hist, nEdits, up, peers, r) {
    let got = 0;
    const rcv = await joinRoom(target, roomId, docFrom(hist), (len) => { got = len - hist.chars; });
    peers.push(rcv);
    await Promise.race([rcv.room.waitForReachingServerVersion(), delay(30000)]);
    await delay(300);
    const wtext = up.doc.getText('t');
    const edit = () => {
        wtext.insert(wtext.length, 'x');
        up.doc.commit();
    };
    // Warm-up (not measured): the first updates of a fresh server pay for JIT compilation and caches.
    const warm = Math.max(1, Math.min(50, Math.ceil(nEdits / 10)));
    const acksBeforeWarm = up.socket.lb.acksOk + up.socket.lb.acksBad;
    const warmSent = await sendWindowed(edit, () => got, 0, warm, warm, CPU_BUDGET_MS);
    await until(() => got >= warmSent && up.socket.lb.acksOk + up.socket.lb.acksBad - acksBeforeWarm >= warmSent, DRAIN_MS);
    const base = got;
    await delay(100);
    const ok0 = up.socket.lb.acksOk;
    const bad0 = up.socket.lb.acksBad;
    const acks0 = ok0 + bad0;
    const window = Math.max(1, Math.min(50, Math.ceil(nEdits / 4)));
    const cpu0 = target.cpuSeconds();
    const t0 = performance.now();
    const sent = await sendWindowed(edit, () => got - base, 0, nEdits, window, CPU_BUDGET_MS);
    const drained = await until(() => got - base >= sent && up.socket.lb.acksOk + up.socket.lb.acksBad - acks0 >= sent, DRAIN_MS);
    const wallMs = performance.now() - t0;
    const cpu = target.cpuSeconds() - cpu0;
    const done = Math.min(got - base, sent);
    r.warmupEdits = warm;
    r.editsPlanned = nEdits;
    r.editsSent = sent;
    r.editsDelivered = got - base;
    r.editsAcked = up.socket.lb.acksOk - ok0;
    r.editsRefused = up.socket.lb.acksBad - bad0;
    r.window = window;
    r.cpuComplete = drained && sent === nEdits;
    r.cpuUsPerUpdate = done > 0 ? (cpu * 1e6) / done : NaN;
    r.wallUsPerUpdate = done > 0 ? (wallMs * 1000) / done : NaN;
    r.cpuTickUs = done > 0 ? 1e6 / clockTicks() / done : NaN;
    r.serverRssKiB = target.rssKiB();
}

// ---- report ----------------------------------------------------------------------------------------------

function ratioOf(c, s) {
    // A zero (e.g. CPU below one clock tick) makes a ratio meaningless.
    if (typeof c !== 'number' || typeof s !== 'number' || !Number.isFinite(c) || !Number.isFinite(s) || s <= 0 || c <= 0) return '-';
    return `${fmt(c / s, 2)}×`;
}

/** Rows "key | measure | SimpleServer | Canopy | Canopy ÷ SimpleServer | better" */
function sideBySide(keys, measures, get, canopyNote) {
    const rows = [];
    for (const key of keys) {
        for (const m of measures) {
            const s = get('simple', key);
            const c = get('canopy', key);
            const sv = s ? (s.error ? 'failed' : m.get(s)) : 'not run';
            const cv = c ? (c.error ? 'failed' : m.get(c)) : canopyNote;
            const cell = (v) => (typeof v === 'number' ? fmt(v, m.digits ?? 1) : (v ?? '-'));
            rows.push([key.label, m.label, cell(sv), cell(cv), m.ratio === false ? '' : ratioOf(cv, sv), m.better ?? '']);
        }
    }
    return rows;
}

function report(results, canopyState) {
    const note = canopyState.available ? 'not run' : 'n/a';
    const HDR = ['', 'measure', 'SimpleServer', 'Canopy', 'Canopy ÷ Simple', 'better'];
    const byName = (section) => (name, key) => results[section].find((x) => x.target === name && x.key === key.id);

    console.log('\nRatio column: Canopy ÷ SimpleServer. Where "better" says lower (latency, CPU, time), a ratio below 1 '
        + 'favours Canopy; where it says higher (deliveries/s), a ratio above 1 favours Canopy.');
    if (!canopyState.available) console.log(`Canopy side unavailable: ${canopyState.reason}`);

    if (results.fanOut.length) {
        const keys = MEMBERS.map((n) => ({ id: n, label: `${n} member${n === 1 ? '' : 's'}` }));
        const measures = [
            { label: 'paced p50 ms', get: (r) => r.pacedP50, digits: 2, better: 'lower' },
            { label: 'paced p99 ms', get: (r) => r.pacedP99, digits: 2, better: 'lower' },
            { label: 'flood deliveries/s', get: (r) => r.deliveriesPerSec, digits: 0, better: 'higher' },
            { label: 'flood edits/s', get: (r) => r.editsPerSec, digits: 0, better: 'higher' },
            { label: 'flood p50 ms', get: (r) => r.floodP50, digits: 1, better: 'lower' },
            { label: 'flood p99 ms', get: (r) => r.floodP99, digits: 1, better: 'lower' },
            { label: 'server CPU % (flood)', get: (r) => r.serverCpuPct, digits: 0, ratio: false },
            { label: 'bench CPU % (flood)', get: (r) => r.benchCpuPct, digits: 0, ratio: false },
            { label: 'missing deliveries', get: (r) => r.pacedMissing + r.floodMissing, digits: 0, ratio: false },
            { label: 'other processes CPU %', get: (r) => r.otherCpuPct, digits: 0, ratio: false },
        ];
        const get = (name, key) => {
            const r = byName('fanOut')(name, key);
            return r && (r.error ? r : r.data);
        };
        table(`(1) Fan-out: one %LOR room, one writer (LoroAdaptor, 1-char text edits); paced: ${PACED_EDITS} edits, `
            + `1 per ${PACED_EVERY_MS} ms; flood: ${FLOOD_EDITS} edits, window ${WINDOW} undelivered to the slowest member. `
            + 'Latency = writer commit → member imported it; deliveries/s = member-updates received per second.',
        HDR, sideBySide(keys, measures, get, note));
        console.log('bench CPU near 100 % means the single Node process running every client (each member imports '
            + 'every update with loro-crdt) limits the flood figures, not the server. "other processes" is the CPU '
            + '(% of one core) that the rest of the machine used during the measurement: high values make wall-clock '
            + 'figures noisy (CPU per update is measured in CPU time and suffers less).');
    }

    if (results.history.length) {
        const keys = SIZES.map((s, i) => ({ id: s, label: `${fmt(s / 1e6, 3)} M chars`, i }));
        const get = (name, key) => {
            const r = byName('history')(name, key);
            return r && (r.error ? r : r.data);
        };
        const cpuMeasures = [
            { label: 'history update bytes', get: (r) => r.updateBytes, digits: 0, ratio: false },
            { label: 'upload (join → Ack) ms', get: (r) => r.uploadMs, digits: 0, better: 'lower' },
            { label: 'upload server CPU ms', get: (r) => r.uploadCpuMs, digits: 0, better: 'lower' },
            { label: 'edits measured', get: (r) => `${r.editsDelivered}/${r.editsPlanned}${r.cpuComplete ? '' : ' (bounded)'}`, ratio: false },
            { label: 'server CPU µs/update', get: (r) => r.cpuUsPerUpdate, digits: 1, better: 'lower' },
            { label: 'wall µs/update', get: (r) => r.wallUsPerUpdate, digits: 1, better: 'lower' },
            { label: 'server RSS MiB', get: (r) => r.serverRssKiB / 1024, digits: 1, better: 'lower' },
            { label: 'other processes CPU %', get: (r) => r.otherCpuPct, digits: 0, ratio: false },
        ];
        for (const m of cpuMeasures.slice(3)) {
            const g = m.get;
            m.get = (r) => (r.cpuError ? (m === cpuMeasures[3] ? `failed: ${r.cpuError}` : 'failed') : g(r));
        }
        table('(2) Server CPU per update vs history size (history uploaded once by a joining client and acked; '
            + 'then, after a few warm-up edits, one writer sends 1-char edits, window ≤ 50, one member receiving; '
            + 'server CPU = /proc utime+stime ÷ updates, wall = until delivered and acked)',
        HDR, sideBySide(keys, cpuMeasures, get, note));
        console.log(`CPU clock ticks are ${1000 / clockTicks()} ms; the resolution is that ÷ the edits measured. `
            + `Each size is bounded to ${CPU_BUDGET_MS / 1000} s of sending (then the edits already sent are awaited).`);

        const lateMeasures = [
            { label: 'join() → JoinResponseOk ms', get: (r) => r.lateJoinOkMs, digits: 1, better: 'lower' },
            {
                label: 'join() → synced ms',
                get: (r) => (r.lateSyncMs === null ? `not within ${r.lateWaitMs / 1000} s` : r.lateSyncMs),
                digits: 0,
                better: 'lower',
            },
            {
                label: 'join() → whole text ms',
                get: (r) => {
                    if (r.lateComplete) return Math.max(r.lateSyncMs, r.lateTextMs);
                    if (r.lateTextChars === r.chars) return `text whole after ${fmt(r.lateTextMs, 0)} ms, never synced`;
                    return `not delivered within ${r.lateWaitMs / 1000} s (${r.lateTextChars.toLocaleString('en-US')} chars)`;
                },
                digits: 0,
                better: 'lower',
            },
            { label: 'largest frame B (cap 262144)', get: (r) => r.lateMaxFrame, digits: 0, ratio: false },
            { label: 'frames / bytes received', get: (r) => `${r.lateFrames} / ${r.lateBytes.toLocaleString('en-US')}`, ratio: false },
            { label: 'server CPU ms', get: (r) => r.lateCpuMs, digits: 0, better: 'lower' },
            { label: 'JoinError seen', get: (r) => (r.lateJoinErrors.length ? r.lateJoinErrors[0] : 'none'), ratio: false },
        ];
        for (const m of lateMeasures) {
            const g = m.get;
            m.get = (r) => (r.lateError ? (m === lateMeasures[0] ? `failed: ${r.lateError}` : 'failed') : g(r));
        }
        table('(3) Late joiner: a fresh client (empty doc) joins the room holding that history; synced = '
            + 'room.waitForReachingServerVersion() resolved; whole text = synced and the text has every character',
        HDR, sideBySide(keys, lateMeasures, get, note));
    }

    const frameRows = [];
    for (const name of ['simple', 'canopy']) {
        const w = results.wire[name];
        if (!w) continue;
        frameRows.push([name === 'simple' ? 'SimpleServer' : 'Canopy', `${w.maxFrameIn.toLocaleString('en-US')} (${w.maxFrameType ?? '-'})`,
            w.maxFrameIn > MAX_MESSAGE_SIZE ? 'EXCEEDS 262144' : 'ok', w.framesIn.toLocaleString('en-US'),
            w.sockets, w.unexpectedCloses, w.clientErrors]);
    }
    if (frameRows.length) {
        table('Frames the servers sent to the clients over the whole run (one message per frame; 262144 = loro-protocol MAX_MESSAGE_SIZE)',
            ['server', 'largest frame B (type)', '≤ 262144', 'frames', 'sockets', 'unexpected closes', 'client errors'], frameRows);
    }
    if (stalls) console.log(`\n${stalls} wait(s) were given up after ${STALL_MS / 1000} s without any traffic from the server.`);
    const errors = [...results.fanOut, ...results.history].filter((r) => r.error);
    if (errors.length) {
        console.log('\nFailed measurements:');
        for (const e of errors) console.log(`- ${e.target} ${e.section} ${e.key}: ${e.error}`);
    }
}

// ---- main --------------------------------------------------------------------------------------------------

async function main() {
    await loadClientSide();
    const results = { meta: {}, canopy: null, fanOut: [], history: [], wire: {} };
    const live = new Set();
    let canopyState = { available: false, reason: 'not requested (--targets)' };

    const deadline = setTimeout(async () => {
        console.error(`\nbenchmark deadline of ${DEADLINE_MS / 1000} s reached; stopping (partial results below).`);
        try { report(results, canopyState); } catch { /* ignore */ }
        if (JSON_OUT) try { fs.writeFileSync(JSON_OUT, JSON.stringify(results, null, 2)); } catch { /* ignore */ }
        for (const t of live) await t.dispose();
        process.exit(3);
    }, DEADLINE_MS);

    console.log('loro-protocol benchmark — SimpleServer (loro-websocket 0.6.2) vs Canopy');
    console.log(`node ${process.version}, ${os.cpus().length} CPUs; the clients, SimpleServer and Canopy share the machine.`);

    const running = new Map();
    const targetOf = (name) => running.get(name);
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
        running.set(name, t);
        wireByPort.set(String(t.port), results.wire[name]);
        return t;
    }
    async function stopTarget(t) {
        live.delete(t);
        if (running.get(t.name) === t) running.delete(t.name);
        await t.dispose();
    }

    // Which targets take part.
    const names = [];
    if (TARGETS.includes('simple')) names.push('simple');
    if (TARGETS.includes('canopy')) {
        if (!CANOPY_URL && !fs.existsSync(CANOPY_BIN)) {
            canopyState = { available: false, reason: `no host binary at ${CANOPY_BIN} (build it, or set CANOPY_BIN)` };
        } else {
            let t = null;
            try {
                t = await startTarget('canopy');
                const reason = await probe(t);
                canopyState = reason ? { available: false, reason } : { available: true, reason: null };
            } catch (err) {
                canopyState = { available: false, reason: `host did not start: ${errText(err)}` };
            } finally {
                if (t) await stopTarget(t);
            }
            if (!canopyState.available) delete results.wire.canopy;
        }
        if (canopyState.available) names.push('canopy');
    }
    results.canopy = { bin: CANOPY_URL ? null : CANOPY_BIN, url: CANOPY_URL, ...canopyState };
    console.log(`targets: SimpleServer${names.includes('simple') ? '' : ' (skipped)'}; Canopy ${canopyState.available
        ? `(${CANOPY_URL ?? CANOPY_BIN})` : `UNAVAILABLE — ${canopyState.reason}`}`);
    results.meta = { node: process.version, cpus: os.cpus().length, quick: QUICK, members: MEMBERS, pacedEdits: PACED_EDITS,
        pacedEveryMs: PACED_EVERY_MS, floodEdits: FLOOD_EDITS, window: WINDOW, sizes: SIZES, cpuEdits: SIZES.map((_, i) => cpuEditsFor(i)),
        lateWaitMs: LATE_WAIT_MS, targets: names };

    async function section(name, sectionName, key, fn) {
        const label = name === 'simple' ? 'SimpleServer' : 'Canopy';
        process.stdout.write(`${sectionName} ${key} on ${label}… `);
        try {
            const data = await fn();
            console.log('done');
            return { target: name, section: sectionName, key, data };
        } catch (err) {
            console.log(`FAILED: ${errText(err)}`);
            return { target: name, section: sectionName, key, error: errText(err) };
        }
    }

    /**
     * Start every target for a section (a fresh server each), then run each measurement on SimpleServer and on
     * Canopy back to back, so that both see the same load on the machine. A server that fails to start, or
     * dies, fails its remaining measurements only.
     */
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
                    bucket.push(await measure(name, sectionName, key, () => fn(t, key)));
                }
            }
        } finally {
            for (const t of started.values()) await stopTarget(t);
        }
    }

    async function measure(name, sectionName, key, fn) {
        const label = name === 'simple' ? 'SimpleServer' : 'Canopy';
        process.stdout.write(`${sectionName} ${key} on ${label}… `);
        const m0 = machineBusySeconds();
        const self0 = process.cpuUsage();
        const w0 = performance.now();
        let server0 = NaN;
        try { server0 = targetOf(name)?.cpuSeconds() ?? NaN; } catch { /* not running */ }
        try {
            const data = await fn();
            const wall = (performance.now() - w0) / 1000;
            let server1 = NaN;
            try { server1 = targetOf(name)?.cpuSeconds() ?? NaN; } catch { /* gone */ }
            const self = process.cpuUsage(self0);
            // Whatever else ran on the machine meanwhile (other builds, tests): CPU % of one core.
            const other = machineBusySeconds() - m0 - (server1 - server0) - (self.user + self.system) / 1e6;
            data.otherCpuPct = Number.isFinite(other) ? Math.max(0, (100 * other) / wall) : NaN;
            console.log(`done${data.otherCpuPct > 25 ? ` (other processes used ${fmt(data.otherCpuPct, 0)} % of a core meanwhile)` : ''}`);
            return { target: name, section: sectionName, key, data };
        } catch (err) {
            console.log(`FAILED: ${errText(err)}`);
            return { target: name, section: sectionName, key, error: errText(err) };
        }
    }

    // (1) Fan-out.
    if (SECTIONS.includes('fanout')) {
        await runSection('fan-out', MEMBERS, results.fanOut, (t, n) => fanOut(t, n));
    }

    // (2) + (3) History sizes: documents built once, used by both targets.
    if (SECTIONS.includes('history')) {
        const hists = new Map();
        for (const size of SIZES) {
            process.stdout.write(`building ${size.toLocaleString('en-US')} characters of history… `);
            const h = buildHistory(size);
            hists.set(size, h);
            console.log(`${h.updateBytes.toLocaleString('en-US')} bytes (${fmt(h.buildMs, 0)} ms)`);
        }
        await runSection('history', SIZES, results.history, (t, size) => historyRun(t, hists.get(size), cpuEditsFor(SIZES.indexOf(size))));
    }

    clearTimeout(deadline);
    results.meta.stalls = stalls;
    report(results, canopyState);
    if (JSON_OUT) fs.writeFileSync(JSON_OUT, JSON.stringify(results, null, 2));
}

// ---- entry -------------------------------------------------------------------------------------------------

if (argv[0] === '--serve-simple') {
    await serveSimple(Number(argv[1] ?? 0));
} else {
    try {
        await main();
        process.exit(0);
    } catch (err) {
        console.error(`\nbenchmark failed: ${err.stack ?? err}`);
        process.exit(1);
    }
}
