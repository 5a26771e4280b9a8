#!/usr/bin/env node
// Write stalls during a backup: how long a write waits for its acknowledgement while the host copies its
// database (POST /admin/backups: VACUUM INTO on a worker thread, then PRAGMA integrity_check on the copy),
// against the same writes with no backup running.
//
//   1. A host with --backup-dir and a database of about --megabytes MB (documents of incompressible text,
//      uploaded by a Sync1 client and read back whole).
//   2. --writers loro-protocol clients (LoroWebsocketClient + LoroAdaptor, loro-crdt) each append a few
//      characters to a room of their own every --every-ms ms; a write's latency is its DocUpdate leaving the
//      client -> the host's Ack (sent only after the commit) arriving.
//   3. Baseline: --seconds of writes, no backup. Then --rounds backups one after another while the writes go
//      on; a write counts for a round when it was sent between the POST leaving and its 201 arriving.
//   The stall is the longest latency; p50/p99 and the longest gap between two acks are printed too, and the
//   backup's own duration (what a copy on the event loop would have stalled every write for).
//
// Options: --megabytes N (50), --writers N (2), --every-ms MS (2), --seconds S (5), --rounds N (5),
//          --json FILE. Run it through bench/backup-stall (builds the host if needed).

import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { adminRequest, startAdminHost } from '../tests/interop/lib/admin.mjs';
import { makeTempDir } from '../tests/interop/lib/host.mjs';
import { LeafClient, appendText, closeAll, newDoc, randomEntityId, textOf } from '../tests/interop/lib/leaf.mjs';
import { closeAllLoro, connectLoro, noiseText, roomName } from '../tests/interop/lib/loro.mjs';
import { delay, percentile, waitUntil } from '../tests/interop/lib/util.mjs';

function option(name, fallback) {
    const i = process.argv.indexOf(`--${name}`);
    return i > 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}

const MEGABYTES = Number(option('megabytes', 50));
const WRITERS = Number(option('writers', 2));
const EVERY_MS = Number(option('every-ms', 2));
const SECONDS = Number(option('seconds', 5));
const ROUNDS = Number(option('rounds', 5));
const JSON_OUT = option('json', null);

function stats(latencies, ackTimes) {
    const sorted = [...latencies].sort((a, b) => a - b);
    const acks = [...ackTimes].sort((a, b) => a - b);
    let gap = 0;
    for (let i = 1; i < acks.length; i++) gap = Math.max(gap, acks[i] - acks[i - 1]);
    return {
        writes: sorted.length,
        p50: percentile(sorted, 50),
        p99: percentile(sorted, 99),
        max: sorted.at(-1) ?? NaN,
        maxAckGap: gap,
    };
}

/** Every batch the writers sent between `from` and `to` (performance.now()), with its ack. */
function batchesSent(writers, from, to) {
    const out = [];
    for (const { peer, room } of writers) {
        for (const b of peer.batches({ roomId: room })) {
            if (b.sent.t < from || b.sent.t > to) continue;
            const ack = b.acks[0];
            out.push({ sentAt: b.sent.t, latency: ack ? ack.t - b.sent.t : Infinity, ackAt: ack?.t ?? Infinity, ok: ack?.msg.status === 0 });
        }
    }
    return out;
}

const ms = (v) => (Number.isFinite(v) ? `${v.toFixed(1)} ms` : 'n/a');

async function main() {
    const backupDir = makeTempDir('canopy-bench-backups-');
    const host = await startAdminHost({ args: ['--backup-dir', backupDir, '--backup-keep', '2'] });
    const clients = [];
    const peers = [];
    try {
        // 1. The database.
        const t0 = performance.now();
        const loader = await LeafClient.connect(host.wsUrl('did:web:loader.bench.test'), host.token);
        clients.push(loader);
        const ids = [];
        for (let i = 0; i < MEGABYTES; i++) {
            const id = randomEntityId();
            const doc = newDoc();
            await loader.subscribe(id, doc, { timeoutMs: 20000 });
            appendText(doc, noiseText(1 << 20));
            ids.push(id);
        }
        const check = await LeafClient.connect(host.wsUrl('did:web:check.bench.test'), host.token);
        clients.push(check);
        const last = newDoc();
        await check.subscribe(ids.at(-1), last, { timeoutMs: 60000 });
        await waitUntil(() => textOf(last).length === 1 << 20, { timeoutMs: 60000, what: 'the database to be stored' });
        await closeAll(clients);
        clients.length = 0;
        const dbBytes = fs.statSync(path.join(host.dataDir, 'canopy.sqlite')).size
            + (fs.existsSync(path.join(host.dataDir, 'canopy.sqlite-wal')) ? fs.statSync(path.join(host.dataDir, 'canopy.sqlite-wal')).size : 0);
        console.log(`database: ${(dbBytes / 1e6).toFixed(1)} MB (canopy.sqlite + -wal), filled in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

        // 2. The writers.
        const writers = [];
        for (let w = 0; w < WRITERS; w++) {
            const peer = await connectLoro(host, { name: `writer${w}`, logOptions: { keepBytes: 0 } });
            peers.push(peer);
            const room = roomName('stall');
            const { doc } = await peer.joinLoro(room);
            writers.push({ peer, room, doc });
        }
        let running = true;
        const loops = writers.map(async ({ doc }, w) => {
            for (let i = 0; running; i++) {
                appendText(doc, `w${w}:${i};`);
                await delay(EVERY_MS);
            }
        });
        await delay(1000); // warm-up

        // 3a. Baseline.
        const b0 = performance.now();
        await delay(SECONDS * 1000);
        const b1 = performance.now();
        await delay(500); // the last acks
        const base = batchesSent(writers, b0, b1);
        const baseline = stats(base.map((b) => b.latency), base.map((b) => b.ackAt).filter(Number.isFinite));
        console.log(`no backup: ${baseline.writes} writes in ${SECONDS} s: p50 ${ms(baseline.p50)}, p99 ${ms(baseline.p99)}, `
            + `longest ${ms(baseline.max)}, longest gap between acks ${ms(baseline.maxAckGap)}`);

        // 3b. Backups.
        const rounds = [];
        for (let r = 0; r < ROUNDS; r++) {
            const s0 = performance.now();
            const res = await adminRequest(host, 'POST', '/admin/backups', { timeoutMs: 300000 });
            const s1 = performance.now();
            if (res.status !== 201) throw new Error(`POST /admin/backups: ${res.status} ${res.text}`);
            await delay(500);
            const during = batchesSent(writers, s0, s1);
            const acksDuring = writers.flatMap(({ peer, room }) => peer.batches({ roomId: room })
                .flatMap((b) => b.acks.map((a) => a.t))).filter((t) => t >= s0 && t <= s1);
            const st = stats(during.map((b) => b.latency), [s0, ...acksDuring, s1]);
            // Where the longest wait fell within the backup, and the host's phases (its log line).
            const worstWrite = during.reduce((w, b) => (!w || b.latency > w.latency ? b : w), null);
            const made = host.logs.find((e) => e.message === 'backup made' && e.file === res.json.file) ?? {};
            const phases = { copyMs: Number(made.copyMs), checkMs: Number(made.checkMs), flushMs: Number(made.flushMs), pruneMs: Number(made.pruneMs) };
            const round = { backupMs: s1 - s0, bytes: res.json.bytes, ...st, refused: during.filter((b) => !b.ok).length,
                worstSentAtMs: worstWrite ? worstWrite.sentAt - s0 : NaN, ...phases };
            rounds.push(round);
            console.log(`backup ${r + 1}: ${(res.json.bytes / 1e6).toFixed(1)} MB in ${ms(round.backupMs)} (copy ${phases.copyMs}, `
                + `check ${phases.checkMs}, flush ${phases.flushMs}, prune ${phases.pruneMs} ms); ${st.writes} writes meanwhile: `
                + `p50 ${ms(st.p50)}, p99 ${ms(st.p99)}, longest ${ms(st.max)} (sent at +${round.worstSentAtMs.toFixed(0)} ms), `
                + `longest gap between acks ${ms(st.maxAckGap)}`);
            await delay(300);
        }
        running = false;
        await Promise.all(loops);

        const worst = Math.max(...rounds.map((r) => r.max));
        const summary = {
            databaseBytes: dbBytes, writers: WRITERS, everyMs: EVERY_MS, baseline, rounds,
            worstStallDuringBackupMs: worst,
            medianBackupMs: percentile(rounds.map((r) => r.backupMs).sort((a, b) => a - b), 50),
        };
        console.log(`\nlongest write -> ack during a backup: ${ms(worst)} (without a backup: ${ms(baseline.max)}); `
            + `a backup takes ${ms(summary.medianBackupMs)} (median), which a copy on the event loop would stall every write for`);
        if (JSON_OUT) fs.writeFileSync(JSON_OUT, JSON.stringify(summary, null, 2));
    } finally {
        await closeAll(clients);
        await closeAllLoro(peers);
        await host.dispose();
        fs.rmSync(backupDir, { recursive: true, force: true });
    }
}

main().then(() => process.exit(0), (err) => {
    console.error(err);
    process.exit(1);
});
