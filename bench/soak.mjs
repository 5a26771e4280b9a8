#!/usr/bin/env node
// Canopy soak benchmark (not a test): many Leaf-like clients doing a realistic mix for a long time against one
// real host, to find leaks, stalls and divergence that short tests miss.
//
//   200 clients (each its own DID, the dev token) across 50 entities; every client holds 1-6 subscriptions
//   (3 at first) and, at random times (exponential, mean 1/--rate s), does one of:
//     edit (a text append on one of its documents, sent as sendUpdate)       ~90 %
//     switch (unsubscribe one entity, subscribe another with a fresh doc)   ~4 %
//     subscribe one more entity / unsubscribe one (kept between 1 and 6)    ~2 % each
//     reconnect (close, connect again, re-subscribe with its version vectors) ~2 %
//   The clients run in --workers Node processes (default 3). Each client edits a LoroDoc of its own per entity and
//   sends real Loro updates, but does not import what it receives: it tracks what it holds per entity as block
//   ranges (peer -> counter end, parsed from the handleUpdate blobs) and re-subscribes with that version vector.
//   The host sees the same traffic as from Leaf clients; the client machine is spared the Loro imports, whose cost
//   (several ms per change once many authors' changes are concurrent) made the clients, not the host, the
//   bottleneck on a 2-core machine and turned delivery latency into a measure of the clients' backlog.
//
// Phases: connect + subscribe, warm-up (min(60 s, 10 % of the run): allocator, caches and buffers settle), the
// measured window, then quiesce and check convergence (what every live subscription holds equals what a fresh
// subscriber gets from the host, as version vectors) and the host's /metrics (no refusals, no store failures).
//
// Reported: updates sent/s and deliveries/s over the measured window, delivery latency p50/p90/p99/max (edit
// commit -> a subscriber in any worker has received and decoded it; wall clock, same machine; the send time
// travels in the Loro change's timestamp field, in ms), host RSS at the start of the window and at its end
// (PASS when growth < --max-growth %, default 10), host CPU, errors. Exit code 0 when RSS growth, convergence
// and errors are all fine, 1 otherwise, 3 on the global deadline.
//
// Options: --minutes N (default 10), --clients N (200), --entities N (50), --workers N (3), --rate R (actions per
// client per second, default 0.5: with ~12 subscribers per entity that is ~90 updates/s and ~1,000 deliveries/s),
// --latency-sample F (share of
// deliveries whose latency is read, default 0.25), --max-growth P (10), --settle S (seconds to wait after the
// clients left before a last RSS reading, default 95; 0 skips), --json FILE.
// Run through bench/soak (builds the host if needed, raises the descriptor limit). Loopback only.

import { fork } from 'node:child_process';
import fs from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { startHost } from '../tests/interop/lib/host.mjs';
import { makeAdminToken, parseMetrics, metricSamples, metricSum, metricValue } from '../tests/interop/lib/admin.mjs';
import { blockRanges } from '../tests/interop/lib/blobs.mjs';
import { LeafClient, VersionVector, decodeImportBlobMeta, newDoc, randomEntityId, vvObject } from '../tests/interop/lib/leaf.mjs';
import { deferred, delay, withTimeout } from '../tests/interop/lib/util.mjs';

const argv = process.argv.slice(2);
function opt(name, dflt) {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 && i + 1 < argv.length ? argv[i + 1] : dflt;
}

if (argv[0] === '--worker') {
    runWorker();
} else {
    main().catch(async (err) => {
        console.error(`soak: ${err.stack ?? err}`);
        await cleanup();
        process.exit(1);
    });
}

// ---- shared helpers ---------------------------------------------------------------------------------

function soakDoc() {
    const d = newDoc();
    // Every commit its own change, so each carries its own timestamp (the send time, in ms).
    d.setChangeMergeInterval(0);
    return d;
}

/** Histogram of integer milliseconds: Map(ms -> count). */
function histAdd(h, ms) {
    const k = Math.max(0, Math.round(ms));
    h.set(k, (h.get(k) ?? 0) + 1);
}

function histMerge(into, entries) {
    for (const [k, n] of entries) into.set(k, (into.get(k) ?? 0) + n);
}

function histPercentile(h, p) {
    const keys = [...h.keys()].sort((a, b) => a - b);
    const total = keys.reduce((s, k) => s + h.get(k), 0);
    if (total === 0) return NaN;
    const rank = Math.max(1, Math.ceil((p / 100) * total));
    let seen = 0;
    for (const k of keys) {
        seen += h.get(k);
        if (seen >= rank) return k;
    }
    return keys.at(-1);
}

function histCount(h) {
    let n = 0;
    for (const v of h.values()) n += v;
    return n;
}

/** Small deterministic PRNG (mulberry32) so runs are comparable. */
function rng(seed) {
    let a = seed >>> 0;
    return () => {
        a = (a + 0x6d2b79f5) >>> 0;
        let t = a;
        t = Math.imul(t ^ (t >>> 15), t | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
}

// ---- worker -----------------------------------------------------------------------------------------

function runWorker() {
    let cfg = null;
    let stopping = false;
    let phase = 'warmup';
    const clients = [];
    let stats = newStats();

    function newStats() {
        return {
            sent: 0, received: 0, answers: 0, stray: 0, edits: 0, actionFailures: 0, switches: 0, subscribes: 0, unsubscribes: 0,
            reconnects: 0, connectFailures: 0, subscribeTimeouts: 0, unexpectedCloses: 0, importErrors: 0,
            closeCodes: {}, lat: new Map(), lastFrameAt: 0, cpuMs: 0, loopDelayP99: 0, errorSamples: [],
        };
    }

    let cpuMark = process.cpuUsage();
    const loopDelay = monitorEventLoopDelay({ resolution: 20 });
    loopDelay.enable();
    function flushStats(kind = 'stats') {
        const s = stats;
        const cpu = process.cpuUsage(cpuMark);
        cpuMark = process.cpuUsage();
        s.cpuMs = (cpu.user + cpu.system) / 1000;
        s.loopDelayP99 = loopDelay.percentile(99) / 1e6;
        loopDelay.reset();
        stats = newStats();
        stats.lastFrameAt = s.lastFrameAt;
        process.send({ type: kind, phase, stats: { ...s, lat: [...s.lat] } });
    }

    class SoakClient {
        constructor(index, rand) {
            this.index = index;
            this.did = `did:web:soak-client-${index}.test`;
            this.rand = rand;
            this.conn = null;
            // entityId -> { doc (this client's own changes), vv (peer -> counter end of every block received) }
            this.subs = new Map();
            this.seq = 0;
            this.closingOnPurpose = false;
        }

        url() { return `ws://127.0.0.1:${cfg.port}/sync/as/${this.did}`; }

        async connect() {
            for (let attempt = 0; ; attempt++) {
                try {
                    this.conn = await LeafClient.connect(this.url(), cfg.token,
                        { timeoutMs: 10000, recordRaw: false, importUpdates: false });
                    break;
                } catch (err) {
                    stats.connectFailures += 1;
                    if (stopping || attempt >= 20) throw err;
                    await delay(500);
                }
            }
            const conn = this.conn;
            conn.onFrame = (frame, m) => this.onFrame(conn, m);
            conn.closed.then((info) => {
                if (this.conn === conn && !this.closingOnPurpose && !stopping) {
                    stats.unexpectedCloses += 1;
                    stats.closeCodes[info.code] = (stats.closeCodes[info.code] ?? 0) + 1;
                }
            });
        }

        onFrame(conn, m) {
            conn.frames.length = 0; // keep no history: this runs for a long time
            conn.sent.length = 0;
            if (m?.type !== 'handleUpdate') return;
            stats.received += 1;
            stats.lastFrameAt = Date.now();
            const ent = conn.entities.get(m.entityId);
            const sub = this.subs.get(m.entityId);
            if (!ent || !sub) {
                stats.stray += 1; // in flight while we unsubscribed: normal
                return;
            }
            // What this client now holds of the entity (block ranges; no Loro import: see the header).
            for (const b of blockRanges(m.update)) {
                if ((sub.vv[b.peer] ?? 0) < b.end) sub.vv[b.peer] = b.end;
            }
            if (ent.received.length <= 1) {
                stats.answers += 1; // the answer to a subscribe: history, not a live delivery
                return;
            }
            ent.received.length = 1;
            // Reading the change's timestamp is a WASM call: sample a share of the deliveries (all are counted).
            if (Math.random() >= cfg.latencySample) return;
            try {
                const meta = decodeImportBlobMeta(m.update, false);
                const sentAt = Number(meta.endTimestamp);
                if (sentAt > 1e12) histAdd(stats.lat, Date.now() - sentAt);
            } catch {
                stats.importErrors += 1;
            }
        }

        /** Everything this client holds of the entity: what it received plus its own changes. */
        held(sub) {
            const vv = { ...sub.vv };
            for (const [peer, end] of Object.entries(vvObject(sub.doc.version()))) vv[peer] = Math.max(vv[peer] ?? 0, end);
            return vv;
        }

        /** Subscribe with a version vector (what the client holds), like a Leaf client coming back. */
        async subscribe(entityId, sub) {
            this.subs.set(entityId, sub);
            const conn = this.conn;
            const first = deferred();
            first.promise.catch(() => {});
            conn.entities.set(entityId, { entityId, doc: null, received: [], importErrors: [], first, unsubLocal: null });
            const held = this.held(sub);
            const vv = new VersionVector(new Map(Object.entries(held)));
            conn.send({ type: 'subscribe', versionVector: vv.encode(), entityId });
            try {
                await withTimeout(first.promise, 20000, `the answer to a subscribe for ${entityId}`);
                stats.subscribes += 1;
            } catch {
                if (!conn.isOpen) return; // reconnect handles it
                stats.subscribeTimeouts += 1;
            }
        }

        unsubscribe(entityId) {
            if (this.conn.isOpen && this.conn.entities.has(entityId)) this.conn.unsubscribe(entityId);
            this.subs.delete(entityId);
            stats.unsubscribes += 1;
        }

        pickOther() {
            for (let i = 0; i < 20; i++) {
                const id = cfg.entityIds[Math.floor(this.rand() * cfg.entityIds.length)];
                if (!this.subs.has(id)) return id;
            }
            return null;
        }

        async start(initial) {
            await this.connect();
            for (const id of initial) await this.subscribe(id, { doc: soakDoc(), vv: {} });
        }

        edit() {
            const ids = [...this.subs.keys()];
            const id = ids[Math.floor(this.rand() * ids.length)];
            const sub = this.subs.get(id);
            if (!sub || !this.conn.isOpen || !this.conn.entities.has(id)) return;
            const from = sub.doc.oplogVersion();
            const t = sub.doc.getText('text');
            t.insert(t.length, `c${this.index}.${this.seq++};`);
            sub.doc.commit({ timestamp: Date.now() });
            this.conn.sendUpdate(id, sub.doc.export({ mode: 'update', from }));
            this.conn.sent.length = 0;
            stats.edits += 1;
            stats.sent += 1;
        }

        async resubscribeAll() {
            for (const [id, sub] of [...this.subs]) await this.subscribe(id, sub);
        }

        async reconnect() {
            const old = this.conn;
            this.closingOnPurpose = true;
            await old.close(1000).catch(() => {});
            this.closingOnPurpose = false;
            await this.connect();
            await this.resubscribeAll();
            stats.reconnects += 1;
        }

        async act() {
            if (!this.conn.isOpen) {
                // Closed under us (counted in unexpectedCloses): come back like a real client would.
                await this.connect();
                await this.resubscribeAll();
                return;
            }
            const r = this.rand();
            const n = this.subs.size;
            if (r < 0.90 && n > 0) {
                this.edit();
            } else if (r < 0.94) {
                const id = this.pickOther();
                if (!id) return;
                if (n > 0) this.unsubscribe([...this.subs.keys()][Math.floor(this.rand() * n)]);
                stats.switches += 1;
                await this.subscribe(id, { doc: soakDoc(), vv: {} });
            } else if (r < 0.96) {
                const id = n < 6 ? this.pickOther() : null;
                if (id) await this.subscribe(id, { doc: soakDoc(), vv: {} });
                else if (n > 0) this.edit();
            } else if (r < 0.98) {
                if (n > 1) this.unsubscribe([...this.subs.keys()][Math.floor(this.rand() * n)]);
                else if (n > 0) this.edit();
            } else {
                await this.reconnect();
            }
        }

        async loop() {
            const mean = 1000 / cfg.rate;
            while (!stopping) {
                await delay(Math.min(10 * mean, -Math.log(1 - this.rand()) * mean));
                if (stopping) break;
                try {
                    await this.act();
                } catch (err) {
                    stats.actionFailures += 1;
                    if (stats.errorSamples.length < 3) stats.errorSamples.push(String(err?.message ?? err).slice(0, 200));
                    await delay(500);
                }
            }
        }
    }

    let loops = [];
    const statsTimer = setInterval(() => { if (cfg) flushStats(); }, 5000);

    process.on('message', async (m) => {
        try {
            if (m.type === 'start') {
                cfg = m;
                const rand = rng(m.seed);
                for (const index of m.clientIndexes) clients.push(new SoakClient(index, rng(m.seed * 7919 + index)));
                // Connect in small batches; the initial subscriptions spread the clients evenly over the entities.
                const E = cfg.entityIds.length;
                for (let i = 0; i < clients.length; i += 20) {
                    await Promise.all(clients.slice(i, i + 20).map((c) => {
                        const first = (c.index * 3) % E;
                        const initial = [0, 1, 2].map((k) => cfg.entityIds[(first + k * 17 + Math.floor(rand() * 2)) % E]);
                        return c.start([...new Set(initial)]);
                    }));
                }
                process.send({ type: 'ready', clients: clients.length });
            } else if (m.type === 'go') {
                loops = clients.map((c) => c.loop());
            } else if (m.type === 'phase') {
                flushStats();
                phase = m.phase;
            } else if (m.type === 'stop') {
                flushStats();
                phase = 'drain';
                stopping = true;
                await withTimeout(Promise.all(loops), 30000, 'client loops to stop').catch(() => {});
                // Quiet: no frame for 2 s (bounded).
                const deadline = Date.now() + 30000;
                while (Date.now() < deadline && Date.now() - Math.max(stats.lastFrameAt, 0) < 2000) await delay(200);
                flushStats();
                const docs = [];
                for (const c of clients) {
                    for (const [id, sub] of c.subs) {
                        const live = c.conn?.isOpen && c.conn.entities.has(id);
                        docs.push({ client: c.index, entityId: id, live, vv: c.held(sub) });
                    }
                }
                process.send({ type: 'docs', docs });
            } else if (m.type === 'exit') {
                clearInterval(statsTimer);
                await Promise.all(clients.map((c) => c.conn?.close().catch(() => {})));
                process.exit(0);
            }
        } catch (err) {
            process.send({ type: 'error', message: String(err.stack ?? err) });
        }
    });
    process.on('disconnect', () => process.exit(0));
}

// ---- main -------------------------------------------------------------------------------------------

let host = null;
const workers = [];
// host.mjs exits the process on SIGINT/SIGTERM before any async cleanup: kill the workers synchronously.
process.on('exit', () => {
    for (const w of workers) { try { w.kill('SIGKILL'); } catch { /* gone */ } }
    if (host?.ownsDataDir && host.dataDir) {
        try { host.child?.kill('SIGKILL'); } catch { /* gone */ }
        try { fs.rmSync(host.dataDir, { recursive: true, force: true }); } catch { /* ignore */ }
    }
});

async function cleanup() {
    for (const w of workers) { try { w.kill('SIGKILL'); } catch { /* gone */ } }
    if (host) await host.dispose();
    host = null;
}

function fmt(n, digits = 1) {
    if (n === null || n === undefined || Number.isNaN(n)) return '-';
    return n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

async function scrapeMetrics(h) {
    const res = await fetch(h.url('/metrics'), { headers: { authorization: `Bearer ${h.adminToken}` }, signal: AbortSignal.timeout(5000) });
    const text = await res.text();
    if (res.status !== 200) throw new Error(`/metrics answered ${res.status}: ${text.slice(0, 200)}`);
    return parseMetrics(text);
}

/** The host's live heap (malloc), KiB, from /metrics; null when the host does not report it. */
async function heapKiB(h) {
    const samples = metricSamples(await scrapeMetrics(h), 'canopy_heap_in_use_bytes');
    return samples.length ? samples[0].value / 1024 : null;
}

async function documentTotals(h) {
    const res = await fetch(h.url('/admin/documents'), { headers: { authorization: `Bearer ${h.adminToken}` }, signal: AbortSignal.timeout(10000) });
    const json = await res.json();
    const docs = json.documents ?? [];
    return { documents: docs.length, blocks: docs.reduce((a, d) => a + (d.blocks ?? 0), 0), bytes: docs.reduce((a, d) => a + (d.bytes ?? 0), 0) };
}

function waitMessage(worker, type, timeoutMs) {
    return withTimeout(new Promise((resolve, reject) => {
        const on = (m) => {
            if (m.type === type) { worker.off('message', on); resolve(m); }
            if (m.type === 'error') { worker.off('message', on); reject(new Error(`worker: ${m.message}`)); }
        };
        worker.on('message', on);
        worker.once('exit', (code) => reject(new Error(`worker exited (${code}) while waiting for ${type}`)));
    }), timeoutMs, `worker message ${type}`);
}

async function main() {
    const MINUTES = Number(opt('minutes', 10));
    const CLIENTS = Number(opt('clients', 200));
    const ENTITIES = Number(opt('entities', 50));
    const WORKERS = Math.max(1, Math.min(8, Number(opt('workers', 3))));
    const RATE = Number(opt('rate', 0.5));
    const LAT_SAMPLE = Math.min(1, Math.max(0.01, Number(opt('latency-sample', 0.25))));
    const MAX_GROWTH = Number(opt('max-growth', 10));
    const JSON_OUT = opt('json', null);
    const SEED = Number(opt('seed', 12345));
    const SETTLE_S = Number(opt('settle', 95));
    if (!(MINUTES > 0) || !(CLIENTS > 0) || !(ENTITIES > 0) || !(RATE > 0)) throw new Error('bad options');

    const durationMs = Math.round(MINUTES * 60000);
    const warmupMs = Math.round(Math.min(60000, durationMs * 0.1));
    const measureMs = durationMs - warmupMs;
    const DEADLINE_MS = durationMs + 6 * 60000;
    const deadline = setTimeout(async () => {
        console.error(`\nsoak: global deadline of ${DEADLINE_MS / 1000} s reached; stopping.`);
        await cleanup();
        process.exit(3);
    }, DEADLINE_MS);
    deadline.unref();
    for (const sig of ['SIGINT', 'SIGTERM']) process.once(sig, async () => { await cleanup(); process.exit(130); });

    const adminToken = makeAdminToken();
    host = await startHost({ extraArgs: ['--admin-token', adminToken], env: { ADMIN_TOKEN: '' } });
    host.adminToken = adminToken;
    const entityIds = Array.from({ length: ENTITIES }, () => randomEntityId());
    console.log(`soak: host pid ${host.pid} on 127.0.0.1:${host.port}, data ${host.dataDir}`);
    console.log(`soak: ${CLIENTS} clients / ${ENTITIES} entities / ${WORKERS} worker processes / ${RATE} actions per client per s; `
        + `${MINUTES} min (warm-up ${warmupMs / 1000} s, measured ${measureMs / 1000} s)`);
    const rssIdle = host.rssKiB();

    // Workers.
    const totals = { warmup: null, measure: null, drain: null };
    const acc = (phase) => (totals[phase] ??= { sent: 0, received: 0, answers: 0, stray: 0, edits: 0, switches: 0,
        subscribes: 0, unsubscribes: 0, reconnects: 0, connectFailures: 0, subscribeTimeouts: 0, unexpectedCloses: 0,
        importErrors: 0, actionFailures: 0, cpuMs: 0, closeCodes: {}, lat: new Map(), errorSamples: [] });
    const newInterval = () => ({ sent: 0, received: 0, lat: new Map(), cpuMs: 0, loopDelayP99: 0 });
    let interval = newInterval();
    const workerErrors = [];
    for (let w = 0; w < WORKERS; w++) {
        const child = fork(fileURLToPath(import.meta.url), ['--worker'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv: process.env.SOAK_WORKER_PROF ? ['--cpu-prof', '--cpu-prof-dir=' + process.env.SOAK_WORKER_PROF] : [] });
        workers.push(child);
        child.on('message', (m) => {
            if (m.type === 'error') workerErrors.push(m.message);
            if (m.type !== 'stats') return;
            const t = acc(m.phase);
            for (const [k, v] of Object.entries(m.stats)) {
                if (typeof v === 'number' && k !== 'lastFrameAt' && k !== 'loopDelayP99') t[k] += v;
            }
            for (const e of m.stats.errorSamples) if (t.errorSamples.length < 5) t.errorSamples.push(e);
            interval.cpuMs += m.stats.cpuMs;
            interval.loopDelayP99 = Math.max(interval.loopDelayP99, m.stats.loopDelayP99);
            for (const [code, n] of Object.entries(m.stats.closeCodes)) t.closeCodes[code] = (t.closeCodes[code] ?? 0) + n;
            histMerge(t.lat, m.stats.lat);
            interval.sent += m.stats.sent;
            interval.received += m.stats.received;
            histMerge(interval.lat, m.stats.lat);
        });
    }
    const t0 = Date.now();
    await Promise.all(workers.map((child, w) => {
        const clientIndexes = [];
        for (let i = w; i < CLIENTS; i += WORKERS) clientIndexes.push(i);
        child.send({ type: 'start', port: host.port, token: host.token, entityIds, clientIndexes, rate: RATE, seed: SEED + w, latencySample: LAT_SAMPLE });
        return waitMessage(child, 'ready', 180000);
    }));
    const rssConnected = host.rssKiB();
    console.log(`soak: ${CLIENTS} clients connected and subscribed in ${((Date.now() - t0) / 1000).toFixed(1)} s; `
        + `host RSS idle ${fmt(rssIdle / 1024)} MiB -> connected ${fmt(rssConnected / 1024)} MiB`);

    for (const child of workers) child.send({ type: 'go' });
    const goAt = Date.now();
    const cpuAtGo = host.cpuSeconds();
    const rssSamples = [];
    let rssStart = null;
    let heapStart = null;
    let docsAtStart = null;
    let cpuAtStart = null;
    let startAt = null;
    let lastPrint = Date.now();
    let lastCpu = cpuAtGo;
    console.log('\n  elapsed | phase   | updates/s | deliveries/s | p99 ms | host RSS MiB | live heap MiB | host CPU % | clients CPU % | client loop lag p99 ms');
    while (Date.now() - goAt < durationMs) {
        await delay(1000);
        if (!host.running) throw new Error(`the host exited: ${JSON.stringify(host.exitInfo)}\n${host.tail()}`);
        const elapsed = Date.now() - goAt;
        const rss = host.rssKiB();
        rssSamples.push({ t: elapsed, rss });
        if (rssStart === null && elapsed >= warmupMs) {
            for (const child of workers) child.send({ type: 'phase', phase: 'measure' });
            rssStart = rss;
            heapStart = await heapKiB(host);
            docsAtStart = await documentTotals(host);
            cpuAtStart = host.cpuSeconds();
            startAt = Date.now();
            console.log(`  --- warm-up over: host RSS at the start of the measured window ${fmt(rssStart / 1024)} MiB ---`);
        }
        if (Date.now() - lastPrint >= 30000) {
            const secs = (Date.now() - lastPrint) / 1000;
            const cpu = host.cpuSeconds();
            const heap = await heapKiB(host);
            console.log(`  ${String(Math.round(elapsed / 1000)).padStart(5)} s | ${rssStart === null ? 'warm-up' : 'measure'} | `
                + `${fmt(interval.sent / secs).padStart(9)} | ${fmt(interval.received / secs).padStart(12)} | `
                + `${String(histPercentile(interval.lat, 99)).padStart(6)} | ${fmt(rss / 1024).padStart(12)} | ${fmt(heap / 1024).padStart(13)} | `
                + `${fmt((100 * (cpu - lastCpu)) / secs).padStart(10)} | ${fmt(interval.cpuMs / 10 / secs).padStart(13)} | `
                + `${fmt(interval.loopDelayP99).padStart(6)}`);
            interval = newInterval();
            lastPrint = Date.now();
            lastCpu = cpu;
        }
    }
    const rssEnd = host.rssKiB();
    const heapEnd = await heapKiB(host);
    const cpuAtEnd = host.cpuSeconds();
    const docsAtEnd = await documentTotals(host);
    const endAt = Date.now();
    const peakRss = Math.max(...rssSamples.filter((s) => s.t >= warmupMs).map((s) => s.rss), rssEnd);

    // Stop the clients, let everything arrive, collect every document's version.
    const docsPerWorker = await Promise.all(workers.map((child) => {
        const p = waitMessage(child, 'docs', 90000);
        child.send({ type: 'stop' });
        return p;
    }));
    await delay(300); // the last stats messages
    const docs = docsPerWorker.flatMap((m) => m.docs);

    // Convergence: every live subscription's document equals what the host serves to a fresh subscriber.
    const checker = await LeafClient.connect(host.wsUrl('did:web:soak-checker.test'), host.token,
        { timeoutMs: 10000, recordRaw: false, importUpdates: false });
    const served = new Map();
    checker.onFrame = (frame, msg) => {
        checker.frames.length = 0;
        if (msg?.type !== 'handleUpdate') return;
        const vv = served.get(msg.entityId) ?? {};
        for (const b of blockRanges(msg.update)) vv[b.peer] = Math.max(vv[b.peer] ?? 0, b.end);
        served.set(msg.entityId, vv);
    };
    for (const id of entityIds) {
        served.set(id, {});
        await checker.subscribe(id, null, { variant: 'vv', timeoutMs: 30000 });
    }
    await checker.close();
    let live = 0;
    const diverged = [];
    for (const d of docs) {
        if (!d.live) continue;
        live += 1;
        if (JSON.stringify(sortKeys(d.vv)) !== JSON.stringify(sortKeys(served.get(d.entityId)))) diverged.push(d);
    }

    const metrics = await scrapeMetrics(host);
    const refusals = metrics.samples.filter((s) => s.name === 'canopy_refusals_total' && s.value > 0)
        .map((s) => `${s.labels.reason}=${s.value}`);
    const storeFailures = metricValue(metrics, 'canopy_store_failures_total');
    const bytesIn = metricSum(metrics, 'canopy_bytes_total', { direction: 'in' });
    const bytesOut = metricSum(metrics, 'canopy_bytes_total', { direction: 'out' });
    const dbBytes = dirBytes(host.dataDir);
    for (const child of workers) child.send({ type: 'exit' });
    await Promise.all(workers.map((w) => withTimeout(new Promise((r) => (w.exitCode !== null ? r() : w.once('exit', r))), 15000, 'worker exit').catch(() => w.kill('SIGKILL'))));
    // Settle: with every client gone the host releases idle entities (after 60 s, swept every 30 s); the RSS then
    // shows how much of the growth was the documents held for their subscribers.
    let rssSettled = null;
    if (SETTLE_S > 0) {
        console.log(`soak: all clients closed; waiting ${SETTLE_S} s for the host to release the idle documents`);
        await delay(SETTLE_S * 1000);
        rssSettled = host.running ? host.rssKiB() : null;
    }
    const stopInfo = await host.stop({ timeoutMs: 15000 }).catch((err) => ({ error: err.message }));

    // ---- report ----
    const m = acc('measure');
    const dr = acc('drain');
    const wu = acc('warmup');
    const secs = (endAt - startAt) / 1000;
    const growth = (100 * (rssEnd - rssStart)) / rssStart;
    const rssPass = growth < MAX_GROWTH;
    const errors = m.connectFailures + m.subscribeTimeouts + m.unexpectedCloses + m.importErrors + m.actionFailures
        + wu.connectFailures + wu.subscribeTimeouts + wu.unexpectedCloses + wu.importErrors + wu.actionFailures;
    const result = {
        minutes: MINUTES, clients: CLIENTS, entities: ENTITIES, workers: WORKERS, ratePerClient: RATE,
        measuredSeconds: secs,
        updatesSent: m.sent, updatesPerSecond: m.sent / secs,
        deliveries: m.received, deliveriesPerSecond: m.received / secs,
        latencyMs: { samples: histCount(m.lat), p50: histPercentile(m.lat, 50), p90: histPercentile(m.lat, 90),
            p99: histPercentile(m.lat, 99), p999: histPercentile(m.lat, 99.9), max: Math.max(...m.lat.keys()) },
        actions: { edits: m.edits, switches: m.switches, subscribes: m.subscribes, unsubscribes: m.unsubscribes, reconnects: m.reconnects },
        errors: { connectFailures: m.connectFailures + wu.connectFailures, subscribeTimeouts: m.subscribeTimeouts + wu.subscribeTimeouts,
            unexpectedCloses: m.unexpectedCloses + wu.unexpectedCloses, closeCodes: { ...wu.closeCodes, ...m.closeCodes },
            importErrors: m.importErrors + wu.importErrors, actionFailures: m.actionFailures + wu.actionFailures,
            samples: [...wu.errorSamples, ...m.errorSamples].slice(0, 5), worker: workerErrors },
        clientCpuPercent: m.cpuMs / 10 / secs,
        hostRssKiB: { idle: rssIdle, connected: rssConnected, start: rssStart, end: rssEnd, peak: peakRss, growthPercent: growth, settled: rssSettled },
        hostLiveHeapKiB: { start: heapStart, end: heapEnd },
        documentsInWindow: { blocksAdded: docsAtEnd.blocks - docsAtStart.blocks, bytesAdded: docsAtEnd.bytes - docsAtStart.bytes, atEnd: docsAtEnd },
        rssPass,
        hostCpuPercent: (100 * (cpuAtEnd - cpuAtStart)) / secs,
        convergence: { liveDocuments: live, diverged: diverged.length, examples: diverged.slice(0, 3) },
        host: { refusals, storeFailures, wsBytesIn: bytesIn, wsBytesOut: bytesOut, dataDirBytes: dbBytes, stop: stopInfo },
        drain: { deliveries: dr.received },
    };
    console.log('\n=== soak summary ===');
    console.log(`measured window        ${fmt(secs, 0)} s (after ${warmupMs / 1000} s warm-up), ${CLIENTS} clients, ${ENTITIES} entities, ${WORKERS} worker processes`);
    console.log(`throughput             ${fmt(result.updatesPerSecond)} updates/s sent, ${fmt(result.deliveriesPerSecond)} deliveries/s `
        + `(${m.sent} updates, ${m.received} deliveries)`);
    console.log(`delivery latency       p50 ${result.latencyMs.p50} ms, p90 ${result.latencyMs.p90} ms, p99 ${result.latencyMs.p99} ms, `
        + `p99.9 ${result.latencyMs.p999} ms, max ${result.latencyMs.max} ms (${result.latencyMs.samples} samples)`);
    console.log(`actions                ${m.edits} edits, ${m.switches} switches, ${m.subscribes} subscribes, ${m.unsubscribes} unsubscribes, ${m.reconnects} reconnects`);
    console.log(`errors                 connect ${result.errors.connectFailures}, subscribe timeouts ${result.errors.subscribeTimeouts}, `
        + `unexpected closes ${result.errors.unexpectedCloses} ${JSON.stringify(result.errors.closeCodes)}, undecodable updates ${result.errors.importErrors}, `
        + `failed actions ${result.errors.actionFailures}${result.errors.samples.length ? ' (' + result.errors.samples.join(' | ') + ')' : ''}`
        + (workerErrors.length ? `, worker errors: ${workerErrors.join(' | ').slice(0, 500)}` : ''));
    console.log(`CPU                    host ${fmt(result.hostCpuPercent)} % of one core, clients ${fmt(result.clientCpuPercent)} % (all workers) over the window`);
    console.log(`host data              ${fmt(bytesIn / 1048576)} MiB in, ${fmt(bytesOut / 1048576)} MiB out over WebSockets; data dir ${fmt(dbBytes / 1048576)} MiB`);
    console.log(`host metrics           refusals: ${refusals.length ? refusals.join(', ') : 'none'}; store failures: ${storeFailures}`);
    console.log(`convergence            ${live - diverged.length}/${live} live subscriptions hold exactly what the host serves`
        + (diverged.length ? ` (first: ${JSON.stringify(diverged[0])})` : ''));
    console.log(`host RSS               idle ${fmt(rssIdle / 1024)} MiB, connected ${fmt(rssConnected / 1024)} MiB, `
        + `start of window ${fmt(rssStart / 1024)} MiB, end ${fmt(rssEnd / 1024)} MiB, peak ${fmt(peakRss / 1024)} MiB`);
    console.log(`host live heap         start of window ${fmt(heapStart / 1024)} MiB, end ${fmt(heapEnd / 1024)} MiB (malloc in use; the rest of RSS is libraries, stacks and resident allocator pages)`);
    const addedBlocks = docsAtEnd.blocks - docsAtStart.blocks;
    console.log(`documents in window    +${addedBlocks} blocks, +${fmt((docsAtEnd.bytes - docsAtStart.bytes) / 1048576, 2)} MiB of block bytes `
        + `(all ${docsAtEnd.documents} documents stay subscribed, the host keeps their coverage in memory, the blocks in SQLite); `
        + `RSS growth per added block ${addedBlocks > 0 ? fmt(((rssEnd - rssStart) * 1024) / addedBlocks, 0) : '-'} bytes`);
    if (rssSettled !== null) {
        console.log(`host RSS after settle  ${fmt(rssSettled / 1024)} MiB, ${SETTLE_S} s after every client left (documents released when idle)`);
    }
    console.log(`RSS growth             ${fmt(growth, 2)} % (limit ${MAX_GROWTH} %): ${rssPass ? 'PASS' : 'FAIL'}`);
    const ok = rssPass && diverged.length === 0 && errors === 0 && workerErrors.length === 0 && storeFailures === 0;
    console.log(`overall                ${ok ? 'PASS' : 'FAIL'}`);
    if (JSON_OUT) fs.writeFileSync(JSON_OUT, JSON.stringify(result, null, 2));
    await cleanup();
    clearTimeout(deadline);
    process.exit(ok ? 0 : 1);
}

function sortKeys(o) {
    return Object.fromEntries(Object.entries(o ?? {}).sort(([a], [b]) => (a < b ? -1 : 1)));
}

function dirBytes(dir) {
    let n = 0;
    for (const f of fs.readdirSync(dir)) {
        try { n += fs.statSync(`${dir}/${f}`).size; } catch { /* gone */ }
    }
    return n;
}
