#!/usr/bin/env node
// Canopy sync benchmark. Drives the real host (build/bin/canopy, or $CANOPY_BIN) with Leaf-like clients.
//
//   (a) fan-out: one entity x 1, 10, 100 subscribers, one writer sending 1-character text edits.
//       paced:   edits at a fixed rate -> delivery latency with the host unloaded;
//       flood:   edits as fast as a bounded window allows -> delivered updates/s and latency under load.
//       Latency = time the writer sent the edit -> time a subscriber received the handleUpdate holding it.
//   (b) host CPU per sendUpdate (utime+stime from /proc/<pid>/stat) on entities with ~1 KB, ~1 MB and ~10 MB of
//       history (built locally with loro-crdt, pushed once in a subscribe snapshot), one subscriber receiving.
//   (c) host RSS per idle authenticated connection (VmRSS from /proc/<pid>/status).
//
// Options: --quick (smaller numbers), --subs 1,10,100, --edits N, --cpu-edits N, --conns N, --sizes 1e3,1e6,1e7,
//          --json FILE (also write the results as JSON). The whole run is bounded by a global deadline.
//
// Dependencies come from tests/interop/node_modules through the shared test library.

import fs from 'node:fs';
import { performance } from 'node:perf_hooks';
import { randomBytes } from 'node:crypto';
import { CANOPY_BIN, startHost } from '../tests/interop/lib/host.mjs';
import { LeafClient, appendText, encode, newDoc, randomEntityId, tryConnect } from '../tests/interop/lib/leaf.mjs';
import { blockRanges } from '../tests/interop/lib/blobs.mjs';
import { deferred, delay, percentile, withTimeout } from '../tests/interop/lib/util.mjs';

// ---- options ------------------------------------------------------------------------------------------

const argv = process.argv.slice(2);
function opt(name, dflt) {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : dflt;
}
const QUICK = argv.includes('--quick');
const SUBS = opt('subs', QUICK ? '1,10' : '1,10,100').split(',').map(Number);
const FLOOD_EDITS = Number(opt('edits', QUICK ? 300 : 2000));
const PACED_EDITS = QUICK ? 100 : 300;
const PACED_EVERY_MS = 5;
const WINDOW = 200;
const CPU_EDITS = Number(opt('cpu-edits', QUICK ? 300 : 2000));
const SIZES = opt('sizes', QUICK ? '1e3,1e6' : '1e3,1e6,1e7').split(',').map(Number);
const CONNS = Number(opt('conns', QUICK ? 100 : 500));
const JSON_OUT = opt('json', null);
const DEADLINE_MS = Number(process.env.BENCH_DEADLINE_MS ?? 15 * 60 * 1000);
const PHASE_MS = 120000;

const hosts = [];
const deadline = setTimeout(async () => {
    console.error(`\nbenchmark deadline of ${DEADLINE_MS / 1000} s reached; stopping.`);
    for (const h of hosts) await h.dispose();
    process.exit(3);
}, DEADLINE_MS);

function fmt(n, digits = 1) {
    if (n === null || n === undefined || Number.isNaN(n)) return '-';
    return n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

function table(title, headers, rows) {
    const cells = [headers, ...rows.map((r) => r.map(String))];
    const widths = headers.map((_, c) => Math.max(...cells.map((r) => r[c].length)));
    const line = (r) => '| ' + r.map((v, c) => (c === 0 ? v.padEnd(widths[c]) : v.padStart(widths[c]))).join(' | ') + ' |';
    console.log(`\n${title}`);
    console.log(line(headers));
    console.log('|' + widths.map((w, c) => (c === 0 ? '-'.repeat(w + 1) + '-' : '-'.repeat(w + 1) + ':')).join('|') + '|');
    for (const r of cells.slice(1)) console.log(line(r));
}

async function newHost(o = {}) {
    const h = await startHost({ pingInterval: 600, ...o });
    hosts.push(h);
    return h;
}

async function disposeHost(h) {
    await h.dispose();
    hosts.splice(hosts.indexOf(h), 1);
}

// Each connection speaks for its own DID (the dev token opens any): the per-DID connection limit
// (default 16) is a defence, not what these figures measure.
let didCounter = 0;
function nextDid() {
    didCounter += 1;
    return `did:web:bench-${didCounter}.test`;
}

async function connectMany(h, n, o = {}) {
    const out = [];
    const BATCH = 50;
    for (let i = 0; i < n; i += BATCH) {
        const batch = await Promise.all(Array.from({ length: Math.min(BATCH, n - i) },
            () => LeafClient.connect(h.wsUrl(nextDid()), h.token, { timeoutMs: 10000, ...o })));
        out.push(...batch);
    }
    return out;
}

async function closeMany(cs) {
    await Promise.all(cs.map((c) => c.close().catch(() => {})));
}

// ---- (a) fan-out --------------------------------------------------------------------------------------

/** The `update` bin of a handleUpdate frame, found without a full msgpack decode (fixmap/map16, str keys). */
function updatePayload(buf) {
    let p = 0;
    const b0 = buf[p++];
    let n;
    if ((b0 & 0xf0) === 0x80) n = b0 & 0x0f;
    else if (b0 === 0xde) { n = buf.readUInt16BE(p); p += 2; } else return null;
    const strLen = () => {
        const t = buf[p++];
        if ((t & 0xe0) === 0xa0) return t & 0x1f;
        if (t === 0xd9) return buf[p++];
        if (t === 0xda) { const l = buf.readUInt16BE(p); p += 2; return l; }
        if (t === 0xdb) { const l = buf.readUInt32BE(p); p += 4; return l; }
        return -1;
    };
    for (let i = 0; i < n; i++) {
        const klen = strLen();
        if (klen < 0) return null;
        const isUpdate = klen === 6 && buf.toString('latin1', p, p + 6) === 'update';
        p += klen;
        const t = buf[p];
        let vlen;
        if (t === 0xc4) { vlen = buf[p + 1]; p += 2; } else if (t === 0xc5) { vlen = buf.readUInt16BE(p + 1); p += 3; } else if (t === 0xc6) { vlen = buf.readUInt32BE(p + 1); p += 5; } else {
            vlen = strLen();
            if (vlen < 0) return null;
            p += vlen;
            continue;
        }
        if (isUpdate) return new Uint8Array(buf.buffer, buf.byteOffset + p, vlen);
        p += vlen;
    }
    return null;
}

/** Something to await that wakes up on the next delivery, or after `ms`. */
let wake = null;
function nextDeliveryOr(ms) {
    return new Promise((resolve) => {
        const timer = setTimeout(() => { wake = null; resolve(); }, ms);
        wake = () => { clearTimeout(timer); wake = null; resolve(); };
    });
}

/**
 * A bare subscriber: one entity, records when each of the writer's counters arrived (no Loro, no full decode,
 * so the client machine spends as little as possible per frame).
 */
class RawSubscriber {
    static async open(h) {
        const r = await tryConnect(h.wsUrl(nextDid()), ['authorization', h.token], { timeoutMs: 10000 });
        if (!r.opened) throw new Error(`connect failed: ${r.statusCode ?? r.error?.message}`);
        return new RawSubscriber(r.ws);
    }

    constructor(ws) {
        this.ws = ws;
        this.peer = null;
        this.maxEnd = 0;
        this.arrivals = [];
        this.frames = 0;
        this.firstSize = 0;
        this.first = deferred();
        this.first.promise.catch(() => {});
        this.closed = new Promise((r) => ws.on('close', r));
        ws.on('error', () => {});
        ws.on('close', () => this.first.reject(new Error('closed')));
        ws.on('message', (data) => this.onMessage(data));
    }

    subscribe(entityId, snapshot = EMPTY_SNAPSHOT) {
        this.ws.send(encode({ type: 'subscribe', snapshot, entityId }));
        return this.first.promise;
    }

    track(peer, initialEnd = 0) {
        this.peer = peer;
        this.maxEnd = initialEnd;
    }

    onMessage(buf) {
        const t = performance.now();
        this.frames += 1;
        if (this.frames === 1) {
            this.firstSize = buf.length;
            this.first.resolve();
            return;
        }
        const update = updatePayload(buf);
        if (!update || this.peer === null) return;
        for (const b of blockRanges(update)) {
            if (b.peer !== this.peer) continue;
            for (let k = b.start; k < b.end; k++) if (this.arrivals[k] === undefined) this.arrivals[k] = t;
            if (b.end > this.maxEnd) this.maxEnd = b.end;
        }
        if (wake) wake();
    }

    async close() {
        this.ws.close();
        await Promise.race([this.closed, delay(2000)]);
        this.ws.terminate();
    }
}

const EMPTY_SNAPSHOT = newDoc().export({ mode: 'snapshot' });

async function openSubscribers(h, n, entityId) {
    const subs = [];
    const BATCH = 50;
    for (let i = 0; i < n; i += BATCH) {
        subs.push(...await Promise.all(Array.from({ length: Math.min(BATCH, n - i) }, () => RawSubscriber.open(h))));
    }
    await withTimeout(Promise.all(subs.map((s) => s.subscribe(entityId))), 30000, 'subscribe answers');
    return subs;
}

function minProgress(subs) {
    let m = Infinity;
    for (const s of subs) if (s.maxEnd < m) m = s.maxEnd;
    return m;
}

function latencies(subs, sendTimes, from, to) {
    const lat = [];
    let missing = 0;
    let last = 0;
    for (const s of subs) {
        for (let k = from; k < to; k++) {
            const t = s.arrivals[k];
            if (t === undefined) { missing += 1; continue; }
            lat.push(t - sendTimes[k]);
            if (t > last) last = t;
        }
    }
    return { lat, missing, last };
}

/** A writer session with pre-made sendUpdate frames (made by loro-crdt before anything is timed). */
async function makeWriter(h, entityId, doc, nEdits, text = (k) => 'e') {
    const writer = await LeafClient.connect(h.wsUrl(), h.token, { recordRaw: false, timeoutMs: 10000 });
    const cpu0 = h.cpuSeconds();
    const t0 = performance.now();
    await writer.subscribe(entityId, doc, { forwardLocal: false, timeoutMs: 60000 });
    const subscribeMs = performance.now() - t0;
    const subscribeCpuMs = (h.cpuSeconds() - cpu0) * 1000;
    const frames = [];
    const unsub = doc.subscribeLocalUpdates((u) => {
        frames.push(encode({ type: 'sendUpdate', entityId, update: Uint8Array.from(u) }));
    });
    for (let k = 0; k < nEdits; k++) appendText(doc, text(k));
    unsub();
    const sendTimes = [];
    return {
        writer,
        frames,
        subscribeMs,
        subscribeCpuMs,
        sendTimes,
        send(k) {
            sendTimes[k] = performance.now();
            writer.sendRaw(frames[k], { binary: true });
        },
    };
}

/** Send frames [from, to) keeping at most `window` of them undelivered to the slowest subscriber. */
async function sendWindowed(w, subs, from, to, window, base = 0) {
    const end = Date.now() + PHASE_MS;
    let k = from;
    while (k < to && Date.now() < end) {
        const progress = minProgress(subs) - base;
        while (k < to && k - progress < window) {
            w.send(k);
            k += 1;
        }
        await nextDeliveryOr(5);
    }
    while (minProgress(subs) - base < k && Date.now() < end) await nextDeliveryOr(5);
    return { sent: k - from, complete: minProgress(subs) - base >= to };
}

async function fanOut(h, nSubs) {
    const entityId = randomEntityId();
    const subs = await openSubscribers(h, nSubs, entityId);
    const doc = newDoc();
    const total = PACED_EDITS + FLOOD_EDITS;
    // Edit k is one 1-character insert and carries the writer's counter k (the doc starts empty).
    const w = await makeWriter(h, entityId, doc, total, (k) => (k < PACED_EDITS ? 'p' : 'f'));
    for (const s of subs) s.track(doc.peerIdStr);

    // Paced: one edit every PACED_EVERY_MS.
    for (let k = 0; k < PACED_EDITS; k++) {
        w.send(k);
        await delay(PACED_EVERY_MS);
    }
    const pacedEnd = Date.now() + 30000;
    while (minProgress(subs) < PACED_EDITS && Date.now() < pacedEnd) await nextDeliveryOr(5);
    const paced = latencies(subs, w.sendTimes, 0, PACED_EDITS);

    // Flood: as fast as a window of WINDOW undelivered edits (to the slowest subscriber) allows.
    const t0 = performance.now();
    const hostCpu0 = h.cpuSeconds();
    const selfCpu0 = process.cpuUsage();
    const r = await sendWindowed(w, subs, PACED_EDITS, total, WINDOW);
    const hostCpu = h.cpuSeconds() - hostCpu0;
    const selfCpu = process.cpuUsage(selfCpu0);
    const flood = latencies(subs, w.sendTimes, PACED_EDITS, total);
    const seconds = (flood.last - t0) / 1000;
    const delivered = flood.lat.length;

    await Promise.all([...subs.map((s) => s.close()), w.writer.close()]);
    return {
        subscribers: nSubs,
        pacedEdits: PACED_EDITS,
        pacedP50: percentile(paced.lat, 50),
        pacedP99: percentile(paced.lat, 99),
        pacedMissing: paced.missing,
        floodEdits: FLOOD_EDITS,
        floodSeconds: seconds,
        editsPerSec: (delivered / nSubs) / seconds,
        deliveriesPerSec: delivered / seconds,
        floodP50: percentile(flood.lat, 50),
        floodP99: percentile(flood.lat, 99),
        floodMissing: flood.missing,
        complete: r.complete && paced.missing === 0,
        hostCpuPct: (100 * hostCpu) / seconds,
        clientCpuPct: (100 * (selfCpu.user + selfCpu.system) / 1e6) / seconds,
    };
}

// ---- (b) CPU per sendUpdate vs history size ------------------------------------------------------

function historyDoc(targetChars) {
    const doc = newDoc();
    const chunk = Math.max(64, Math.min(16384, Math.floor(targetChars / 200)));
    let written = 0;
    while (written < targetChars) {
        const s = randomBytes(Math.ceil(chunk * 0.75)).toString('base64').slice(0, Math.min(chunk, targetChars - written));
        appendText(doc, s);
        written += s.length;
    }
    return doc;
}

async function cpuPerUpdate(h, targetChars) {
    const entityId = randomEntityId();
    const t0 = performance.now();
    const doc = historyDoc(targetChars);
    const historyBytes = doc.export({ mode: 'update' }).length;
    const snapshotBytes = doc.export({ mode: 'snapshot' }).length;
    const buildMs = performance.now() - t0;
    const base = Number(doc.version().toJSON().get(doc.peerIdStr) ?? 0);

    // Push the history once (subscribe snapshot); the writer's subscribe is timed, edits are made afterwards.
    const w = await makeWriter(h, entityId, doc, CPU_EDITS);
    const pushMs = w.subscribeMs;
    const pushCpuMs = w.subscribeCpuMs;

    // A fresh reader loads the whole history, then receives the edits.
    const loadT0 = performance.now();
    const [reader] = await openSubscribers(h, 1, entityId);
    const loadMs = performance.now() - loadT0;
    reader.track(doc.peerIdStr, base);

    await delay(200);
    const cpu0 = h.cpuSeconds();
    const w0 = performance.now();
    const r = await sendWindowed({ send: (k) => w.send(k) }, [reader], 0, CPU_EDITS, 50, base);
    const wallMs = performance.now() - w0;
    const cpu = h.cpuSeconds() - cpu0;
    await Promise.all([reader.close(), w.writer.close()]);
    return {
        targetChars,
        historyBytes,
        snapshotBytes,
        firstLoadBytes: reader.firstSize,
        buildMs,
        pushMs,
        pushCpuMs,
        loadMs,
        edits: r.sent,
        complete: r.complete,
        cpuUsPerUpdate: (cpu * 1e6) / r.sent,
        wallUsPerUpdate: (wallMs * 1000) / r.sent,
    };
}

// ---- (c) RSS per idle connection -------------------------------------------------------------------

async function rssPerConnection(h, n) {
    await delay(500);
    const rss0 = h.rssKiB();
    const sockets = [];
    const BATCH = 50;
    let failed = 0;
    for (let i = 0; i < n; i += BATCH) {
        const batch = await Promise.all(Array.from({ length: Math.min(BATCH, n - i) },
            () => tryConnect(h.wsUrl(nextDid()), ['authorization', h.token], { timeoutMs: 10000 })));
        for (const r of batch) {
            if (r.opened) sockets.push(r.ws);
            else failed += 1;
        }
    }
    await delay(1000);
    const rss1 = h.rssKiB();
    // Subscribe each idle connection to its own small entity, to see the cost of one subscription too.
    const clients = sockets.map((ws) => new LeafClient(ws, { recordRaw: false }));
    await Promise.all(clients.map((c) => c.subscribe(randomEntityId(), newDoc(), { timeoutMs: 30000 }).catch(() => {})));
    await delay(1000);
    const rss2 = h.rssKiB();
    await closeMany(clients);
    await delay(1000);
    const rss3 = h.rssKiB();
    return {
        connections: sockets.length,
        failed,
        rssBeforeKiB: rss0,
        rssIdleKiB: rss1,
        perConnectionKiB: (rss1 - rss0) / Math.max(1, sockets.length),
        rssSubscribedKiB: rss2,
        perSubscriptionKiB: (rss2 - rss1) / Math.max(1, sockets.length),
        rssAfterCloseKiB: rss3,
    };
}

// ---- main --------------------------------------------------------------------------------------------

async function main() {
    console.log(`Canopy sync benchmark — host ${CANOPY_BIN}`);
    console.log(`node ${process.version}, ${(await import('node:os')).cpus().length} CPUs; client and host share the machine.`);
    const results = { fanOut: [], cpu: [], rss: null };

    // (a)
    {
        const h = await newHost();
        for (const n of SUBS) {
            process.stdout.write(`fan-out: ${n} subscriber(s)… `);
            const r = await fanOut(h, n);
            results.fanOut.push(r);
            console.log(r.complete ? 'done' : 'INCOMPLETE');
        }
        await disposeHost(h);
    }
    table(`(a) Fan-out: one entity, one writer, 1-char text edits (paced: ${PACED_EDITS} edits, 1 per ${PACED_EVERY_MS} ms; `
        + `flood: ${FLOOD_EDITS} edits, window ${WINDOW})`,
    ['subscribers', 'paced p50 ms', 'paced p99 ms', 'flood edits/s', 'deliveries/s', 'flood p50 ms', 'flood p99 ms',
        'host CPU %', 'bench CPU %', 'missing'],
    results.fanOut.map((r) => [r.subscribers, fmt(r.pacedP50, 2), fmt(r.pacedP99, 2), fmt(r.editsPerSec, 0),
        fmt(r.deliveriesPerSec, 0), fmt(r.floodP50, 1), fmt(r.floodP99, 1), fmt(r.hostCpuPct, 0), fmt(r.clientCpuPct, 0),
        r.pacedMissing + r.floodMissing]));

    // (b)
    {
        const h = await newHost();
        for (const size of SIZES) {
            process.stdout.write(`cpu per update: ${size.toLocaleString('en-US')} characters of history… `);
            const r = await cpuPerUpdate(h, size);
            results.cpu.push(r);
            console.log(r.complete ? 'done' : 'INCOMPLETE');
        }
        await disposeHost(h);
    }
    console.log('bench CPU near 100 % means the single-threaded Node client, not the host, limits the flood figures.');

    table(`(b) Host CPU per sendUpdate (1-char edits, ${CPU_EDITS} per size, window 50, one subscriber receiving; `
        + '/proc utime+stime)',
    ['history', 'update bytes', 'snapshot bytes', 'push ms', 'push CPU ms', 'fresh load ms', 'CPU µs/update', 'wall µs/update'],
    results.cpu.map((r) => [`${fmt(r.targetChars / 1e6, 3)} M chars`, r.historyBytes.toLocaleString('en-US'),
        r.snapshotBytes.toLocaleString('en-US'), fmt(r.pushMs, 0), fmt(r.pushCpuMs, 0), fmt(r.loadMs, 0),
        fmt(r.cpuUsPerUpdate, 1), fmt(r.wallUsPerUpdate, 1)]));
    console.log(`CPU clock ticks are ${1000 / 100} ms: at ${CPU_EDITS} edits the resolution is `
        + `${fmt(10000 / CPU_EDITS, 1)} µs/update.`);

    // (c)
    {
        const h = await newHost();
        process.stdout.write(`rss: ${CONNS} idle connections… `);
        results.rss = await rssPerConnection(h, CONNS);
        console.log('done');
        await disposeHost(h);
    }
    const r = results.rss;
    table('(c) Host memory per connection (VmRSS)',
        ['connections', 'RSS before KiB', 'RSS idle KiB', 'KiB/connection', 'RSS subscribed KiB', 'KiB/subscription', 'after close KiB'],
        [[`${r.connections}${r.failed ? ` (${r.failed} failed)` : ''}`, r.rssBeforeKiB, r.rssIdleKiB, fmt(r.perConnectionKiB, 1),
            r.rssSubscribedKiB, fmt(r.perSubscriptionKiB, 1), r.rssAfterCloseKiB]]);

    if (JSON_OUT) fs.writeFileSync(JSON_OUT, JSON.stringify(results, null, 2));
}

try {
    await main();
    clearTimeout(deadline);
    process.exit(0);
} catch (err) {
    console.error(`\nbenchmark failed: ${err.stack ?? err}`);
    for (const h of hosts) {
        console.error(`host log tail:\n${h.tail(15)}`);
        await h.dispose();
    }
    process.exit(1);
}
