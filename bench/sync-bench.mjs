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
import { LeafClient, appendText, newDoc, randomEntityId, tryConnect } from '../tests/interop/lib/leaf.mjs';
import { blockRanges } from '../tests/interop/lib/blobs.mjs';
import { delay, percentile } from '../tests/interop/lib/util.mjs';

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

async function connectMany(h, n, o = {}) {
    const out = [];
    const BATCH = 50;
    for (let i = 0; i < n; i += BATCH) {
        const batch = await Promise.all(Array.from({ length: Math.min(BATCH, n - i) },
            () => LeafClient.connect(h.wsUrl(), h.token, { timeoutMs: 10000, ...o })));
        out.push(...batch);
    }
    return out;
}

async function closeMany(cs) {
    await Promise.all(cs.map((c) => c.close().catch(() => {})));
}

// ---- (a) fan-out --------------------------------------------------------------------------------------

/**
 * Track, per subscriber, when each of the writer's counters arrived. Installs onFrame hooks.
 * Returns { progress(i), latencies(sendTimes, from, to) }.
 */
function trackDeliveries(subscribers, entityId, writerPeer) {
    const arrivals = subscribers.map(() => []);   // per subscriber: arrivals[counter] = t
    const maxEnd = subscribers.map(() => 0);
    subscribers.forEach((c, i) => {
        c.onFrame = (frame, m) => {
            if (m?.type !== 'handleUpdate' || m.entityId !== entityId || !(m.update instanceof Uint8Array)) return;
            for (const b of blockRanges(m.update)) {
                if (b.peer !== writerPeer) continue;
                for (let k = b.start; k < b.end; k++) if (arrivals[i][k] === undefined) arrivals[i][k] = frame.t;
                if (b.end > maxEnd[i]) maxEnd[i] = b.end;
            }
        };
    });
    return {
        minProgress: () => Math.min(...maxEnd),
        latencies(sendTimes, from, to) {
            const lat = [];
            let missing = 0;
            for (let i = 0; i < subscribers.length; i++) {
                for (let k = from; k < to; k++) {
                    const t = arrivals[i][k];
                    if (t === undefined) missing += 1;
                    else lat.push(t - sendTimes[k]);
                }
            }
            return { lat, missing };
        },
        lastArrival(from, to) {
            let last = 0;
            for (let i = 0; i < subscribers.length; i++) {
                for (let k = from; k < to; k++) if (arrivals[i][k] > last) last = arrivals[i][k];
            }
            return last;
        },
    };
}

async function fanOut(h, nSubs) {
    const entityId = randomEntityId();
    const subscribers = await connectMany(h, nSubs, { recordRaw: false, importUpdates: false });
    for (const c of subscribers) c.subscribeNoWait(entityId, null, { forwardLocal: false });
    await Promise.all(subscribers.map((c) => c.entity(entityId).first.promise));

    const writer = (await connectMany(h, 1, { recordRaw: false }))[0];
    const doc = newDoc();
    await writer.subscribe(entityId, doc);
    const writerPeer = doc.peerIdStr;
    const track = trackDeliveries(subscribers, entityId, writerPeer);

    // Each 1-character insert is one op: edit k carries the writer's counter k. Send times by counter:
    const sendTimes = [];
    doc.subscribeLocalUpdates(() => { sendTimes.push(performance.now()); });
    // (The library forwards the update in a microtask right after; the timestamp is taken at commit.)

    const waitAll = async (to, limitMs) => {
        const end = Date.now() + limitMs;
        while (track.minProgress() < to && Date.now() < end) await delay(2);
        return track.minProgress() >= to;
    };

    // Paced: one edit every PACED_EVERY_MS.
    const pacedStart = 0;
    for (let k = 0; k < PACED_EDITS; k++) {
        appendText(doc, 'p');
        await delay(PACED_EVERY_MS);
    }
    const pacedDone = await waitAll(PACED_EDITS, 30000);
    const paced = track.latencies(sendTimes, pacedStart, PACED_EDITS);

    // Flood: as fast as a window of WINDOW undelivered edits (to the slowest subscriber) allows.
    const floodFrom = PACED_EDITS;
    const floodTo = PACED_EDITS + FLOOD_EDITS;
    const t0 = performance.now();
    const floodEnd = Date.now() + PHASE_MS;
    let k = floodFrom;
    while (k < floodTo && Date.now() < floodEnd) {
        while (k < floodTo && k - track.minProgress() < WINDOW) {
            appendText(doc, 'f');
            k += 1;
            if (k % 20 === 0) await new Promise((r) => setImmediate(r));
        }
        await delay(1);
    }
    const floodDone = await waitAll(floodTo, Math.max(1000, floodEnd - Date.now()));
    const tLast = track.lastArrival(floodFrom, floodTo);
    const flood = track.latencies(sendTimes, floodFrom, floodTo);
    const seconds = (tLast - t0) / 1000;
    const delivered = flood.lat.length;

    await closeMany([...subscribers, writer]);
    return {
        subscribers: nSubs,
        pacedEdits: PACED_EDITS,
        pacedP50: percentile(paced.lat, 50),
        pacedP99: percentile(paced.lat, 99),
        pacedMissing: paced.missing,
        pacedComplete: pacedDone,
        floodEdits: FLOOD_EDITS,
        floodSeconds: seconds,
        editsPerSec: (delivered / nSubs) / seconds,
        deliveriesPerSec: delivered / seconds,
        floodP50: percentile(flood.lat, 50),
        floodP99: percentile(flood.lat, 99),
        floodMissing: flood.missing,
        floodComplete: floodDone,
    };
}

// ---- (b) CPU per sendUpdate vs history size ------------------------------------------------------

function historyDoc(targetBytes) {
    const doc = newDoc();
    const chunk = Math.max(64, Math.min(16384, Math.floor(targetBytes / 200)));
    let written = 0;
    while (written < targetBytes) {
        const s = randomBytes(Math.ceil(chunk * 0.75)).toString('base64').slice(0, chunk);
        appendText(doc, s);
        written += s.length;
    }
    return doc;
}

async function cpuPerUpdate(h, targetBytes) {
    const entityId = randomEntityId();
    const t0 = performance.now();
    const doc = historyDoc(targetBytes);
    const snapshot = doc.export({ mode: 'snapshot' });
    const buildMs = performance.now() - t0;

    const writer = (await connectMany(h, 1, { recordRaw: false }))[0];
    const pushT0 = performance.now();
    const cpuPush0 = h.cpuSeconds();
    await writer.subscribe(entityId, doc, { timeoutMs: 60000 });
    const pushMs = performance.now() - pushT0;
    const pushCpu = h.cpuSeconds() - cpuPush0;

    const reader = (await connectMany(h, 1, { recordRaw: false, importUpdates: false }))[0];
    const ent = reader.subscribeNoWait(entityId, null, { forwardLocal: false });
    const loadT0 = performance.now();
    const first = await ent.first.promise;
    const loadMs = performance.now() - loadT0;
    const track = trackDeliveries([reader], entityId, doc.peerIdStr);
    const base = Number(doc.version().toJSON().get(doc.peerIdStr) ?? 0);

    await delay(200);
    const cpu0 = h.cpuSeconds();
    const w0 = performance.now();
    const end = Date.now() + PHASE_MS;
    let sent = 0;
    while (sent < CPU_EDITS && Date.now() < end) {
        while (sent < CPU_EDITS && base + sent - track.minProgress() < 50) {
            appendText(doc, 'e');
            sent += 1;
        }
        await delay(1);
    }
    while (track.minProgress() < base + sent && Date.now() < end) await delay(2);
    const wallMs = performance.now() - w0;
    const cpu = h.cpuSeconds() - cpu0;
    await closeMany([writer, reader]);
    return {
        target: targetBytes,
        snapshotBytes: snapshot.length,
        firstLoadBytes: first.size,
        buildMs,
        pushMs,
        pushCpuMs: pushCpu * 1000,
        loadMs,
        edits: sent,
        complete: track.minProgress() >= base + sent,
        cpuUsPerUpdate: (cpu * 1e6) / sent,
        wallUsPerUpdate: (wallMs * 1000) / sent,
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
            () => tryConnect(h.wsUrl(), ['authorization', h.token], { timeoutMs: 10000 })));
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
            console.log(r.floodComplete && r.pacedComplete ? 'done' : 'INCOMPLETE');
        }
        await disposeHost(h);
    }
    table(`(a) Fan-out: one entity, one writer, 1-char text edits (paced: ${PACED_EDITS} edits, 1 per ${PACED_EVERY_MS} ms; `
        + `flood: ${FLOOD_EDITS} edits, window ${WINDOW})`,
    ['subscribers', 'paced p50 ms', 'paced p99 ms', 'flood edits/s', 'deliveries/s', 'flood p50 ms', 'flood p99 ms', 'missing'],
    results.fanOut.map((r) => [r.subscribers, fmt(r.pacedP50, 2), fmt(r.pacedP99, 2), fmt(r.editsPerSec, 0),
        fmt(r.deliveriesPerSec, 0), fmt(r.floodP50, 1), fmt(r.floodP99, 1), r.pacedMissing + r.floodMissing]));

    // (b)
    {
        const h = await newHost();
        for (const size of SIZES) {
            process.stdout.write(`cpu per update: ~${fmt(size / 1e6, 3)} MB history… `);
            const r = await cpuPerUpdate(h, size);
            results.cpu.push(r);
            console.log(r.complete ? 'done' : 'INCOMPLETE');
        }
        await disposeHost(h);
    }
    table(`(b) Host CPU per sendUpdate (1-char edits, ${CPU_EDITS} per size, one subscriber receiving; `
        + `/proc utime+stime, 10 ms ticks)`,
    ['history', 'snapshot bytes', 'push ms', 'push CPU ms', 'first load ms', 'CPU µs/update', 'wall µs/update'],
    results.cpu.map((r) => [`~${fmt(r.target / 1e6, 3)} MB`, r.snapshotBytes.toLocaleString('en-US'), fmt(r.pushMs, 0),
        fmt(r.pushCpuMs, 0), fmt(r.loadMs, 0), fmt(r.cpuUsPerUpdate, 1), fmt(r.wallUsPerUpdate, 1)]));

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
