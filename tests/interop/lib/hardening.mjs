// Helpers for the hardening tests (limits*, faults*, secrets*): hosts with limit flags and a known admin token,
// refusal counters from /metrics, log lookups, raw slow clients, tmpfs data dirs, --check-database.
//
//   const host = await startLimitsHost({ args: ['--max-subscriptions', '3'] });   // admin token + dev token
//   const before = await refusals(host);   ... await refusals(host) -> { 'max-subscriptions': 1, ... }
//   const c = await connectAs(host, 'did:web:a.test');            // dev token, any DID
//   await waitLog(host, (l) => /subscribe refused/.test(l.message));
//   const fs = await Tmpfs.mount('600k');  ... await fs.resize('16m'); await fs.unmount();
//   const r = await checkDatabase(dir);    // { ok, code, stdout, stderr }

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { adminRequest, makeAdminToken, metricValue, parseMetrics } from './admin.mjs';
import { fetchWithTimeout, runOnce, startHost } from './host.mjs';
import { LeafClient, newDoc, tryConnect } from './leaf.mjs';
import { delay, waitUntil } from './util.mjs';

/**
 * Start a host with a known admin token (for /metrics) and extra command-line arguments.
 * Options are startHost's plus `args` (appended) and `adminToken` (random by default).
 */
export async function startLimitsHost(o = {}) {
    const { args = [], adminToken = makeAdminToken(), extraArgs = [], env = {}, ...rest } = o;
    const host = await startHost({
        ...rest,
        extraArgs: [...extraArgs, '--admin-token', adminToken, ...args],
        env: { ADMIN_TOKEN: '', ADMIN_REMOTE: '', TOKEN_TTL: '', ...env },
    });
    host.adminToken = adminToken;
    return host;
}

/** GET /metrics (Bearer admin token) and parse it; also returns the raw text. */
export async function metrics(host) {
    const r = await adminRequest(host, 'GET', '/metrics');
    assert.equal(r.status, 200, `/metrics answered ${r.status}: ${r.text.slice(0, 300)}`);
    return { ...parseMetrics(r.text), text: r.text };
}

/** canopy_refusals_total by reason: { reason: value }. */
export async function refusals(host) {
    const m = await metrics(host);
    const out = {};
    for (const s of m.samples) if (s.name === 'canopy_refusals_total') out[s.labels.reason] = s.value;
    return out;
}

export async function metricNow(host, name, labels = {}) {
    return metricValue(await metrics(host), name, labels);
}

/** Wait until canopy_refusals_total{reason} reaches `atLeast`; returns the value. */
export async function waitRefusal(host, reason, atLeast = 1, timeoutMs = 5000) {
    let last = 0;
    try {
        await waitUntil(async () => (last = (await refusals(host))[reason] ?? 0) >= atLeast,
            { timeoutMs, intervalMs: 50, what: `canopy_refusals_total{reason="${reason}"} >= ${atLeast}` });
    } catch (err) {
        const all = await refusals(host).catch(() => ({}));
        throw new Error(`${err.message}; refusals now: ${JSON.stringify(all)}`);
    }
    return last;
}

/** JSON log lines (captured stderr) matching pred. */
export function logsMatching(host, pred) {
    return host.logs.filter(pred);
}

/** Wait for a JSON log line matching pred (searching from index `since` of host.logs); returns it. */
export function waitLog(host, pred, { since = 0, timeoutMs = 5000, what = 'a log line' } = {}) {
    return waitUntil(() => host.logs.slice(since).find(pred), { timeoutMs, intervalMs: 20, what })
        .catch((err) => { throw new Error(`${err.message}; last log lines:\n${host.tail(15)}`); });
}

/** Open a Sync1 session as `did` with the host's dev token. */
export function connectAs(host, did, o = {}) {
    return LeafClient.connect(`ws://127.0.0.1:${host.port}/sync/as/${did}`, host.token, { timeoutMs: 5000, ...o });
}

/** Two sessions (dev token) subscribed to entity `id`, each with a Loro doc of its own; both join `clients`. */
export async function subscribedPair(host, id, clients, dids = ['did:web:a.example.test', 'did:web:b.example.test']) {
    const a = await connectAs(host, dids[0]);
    const b = await connectAs(host, dids[1]);
    clients.push(a, b);
    const da = newDoc();
    const db = newDoc();
    await a.subscribe(id, da);
    await b.subscribe(id, db);
    return { a, b, da, db };
}

/** Try an upgrade to /sync/as/<did> with `token`; resolves tryConnect's result plus parsed json. */
export async function tryUpgrade(host, did, token, o = {}) {
    const r = await tryConnect(`ws://127.0.0.1:${host.port}/sync/as/${did}`, ['authorization', token], { timeoutMs: 5000, ...o });
    let json;
    if (r.body) { try { json = JSON.parse(r.body); } catch { json = undefined; } }
    return { ...r, json };
}

/** Close a raw `ws` socket (tryConnect result) without waiting long. */
export async function closeWs(ws) {
    if (!ws) return;
    await new Promise((resolve) => {
        if (ws.readyState === 3) { resolve(); return; }
        const t = setTimeout(() => { ws.terminate(); resolve(); }, 2000);
        ws.once('close', () => { clearTimeout(t); resolve(); });
        try { ws.close(); } catch { ws.terminate(); }
    });
}

/** GET with a deadline: { status, text, json, headers, ms }. */
export async function httpGet(url, headers = {}, timeoutMs = 5000) {
    const t0 = performance.now();
    const res = await fetchWithTimeout(url, { headers }, timeoutMs);
    const text = await res.text();
    let json;
    try { json = JSON.parse(text); } catch { json = undefined; }
    return { status: res.status, text, json, headers: res.headers, ms: performance.now() - t0 };
}

/**
 * A raw TCP client that sends `head` bytes slowly (one chunk every `everyMs`), never finishing unless told.
 * Resolves (via .result) { status, text, closed, ms } when the server closes or answers, or after timeoutMs.
 */
export function slowClient(port, chunks, { everyMs = 1000, timeoutMs = 15000 } = {}) {
    const t0 = Date.now();
    const sock = net.connect({ host: '127.0.0.1', port });
    const received = [];
    let timer = null;
    let i = 0;
    const result = new Promise((resolve) => {
        let done = false;
        const finish = (closed) => {
            if (done) return;
            done = true;
            clearInterval(timer);
            clearTimeout(deadline);
            const text = Buffer.concat(received).toString('latin1');
            const m = /^HTTP\/1\.[01] (\d{3})/.exec(text);
            sock.destroy();
            resolve({ text, status: m ? Number(m[1]) : null, closed, ms: Date.now() - t0 });
        };
        const deadline = setTimeout(() => finish(false), timeoutMs);
        sock.on('connect', () => {
            const step = () => {
                if (i < chunks.length && !sock.destroyed) sock.write(chunks[i++]);
            };
            step();
            timer = setInterval(step, everyMs);
        });
        sock.on('data', (d) => received.push(d));
        sock.on('error', () => {});
        sock.on('close', () => finish(true));
    });
    return { sock, result };
}

// ---- databases and disks ------------------------------------------------------------------------------

/** `canopy --check-database --data-dir <dir>`: { ok (exit 0 and stdout "ok"), code, stdout, stderr }. */
export async function checkDatabase(dataDir) {
    const r = await runOnce(['--check-database', '--data-dir', dataDir], { timeoutMs: 30000 });
    return { ok: r.code === 0 && r.stdout.trim() === 'ok', ...r };
}

export function assertDatabaseOk(r, when) {
    assert.ok(r.ok, `--check-database ${when}: exit ${r.code}${r.timedOut ? ' (timed out)' : ''}, stdout ${JSON.stringify(r.stdout.trim())}, `
        + `stderr ${JSON.stringify(r.stderr.trim().slice(0, 500))}`);
}

/** A tmpfs mounted on a fresh directory. Mounting needs root: a failure throws (the test must fail, not skip). */
export class Tmpfs {
    static mount(size, prefix = 'canopy-tmpfs-') {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
        try {
            execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size},mode=0700`, 'tmpfs', dir], { stdio: 'pipe', timeout: 10000 });
        } catch (err) {
            fs.rmSync(dir, { recursive: true, force: true });
            const uid = process.getuid?.();
            throw new Error(`cannot mount a ${size} tmpfs on ${dir} (uid ${uid}${uid === 0 ? '' : ', not root'}): `
                + `${String(err.stderr ?? err.message).trim()} -- this test needs root (CI runs as root)`);
        }
        const t = new Tmpfs();
        t.dir = dir;
        t.mounted = true;
        return t;
    }

    /** mount -o remount,size=<size> */
    resize(size) {
        execFileSync('mount', ['-o', `remount,size=${size}`, this.dir], { stdio: 'pipe', timeout: 10000 });
    }

    /** Free bytes (statfs). */
    freeBytes() {
        const s = fs.statfsSync(this.dir);
        return s.bavail * s.bsize;
    }

    /** Write a filler file until the disk is full (ENOSPC); returns its size. */
    fill(name = 'filler.bin') {
        const file = path.join(this.dir, name);
        const fd = fs.openSync(file, 'a');
        let written = 0;
        const chunk = Buffer.alloc(4096, 0x5a);
        try {
            for (;;) {
                try {
                    written += fs.writeSync(fd, chunk);
                } catch (err) {
                    if (err.code === 'ENOSPC') break;
                    throw err;
                }
            }
        } finally {
            fs.closeSync(fd);
        }
        return written;
    }

    /** Never throws: unmount (lazily if busy) and remove the directory. */
    unmount() {
        if (!this.dir) return;
        if (this.mounted) {
            try {
                execFileSync('umount', [this.dir], { stdio: 'pipe', timeout: 10000 });
            } catch {
                try { execFileSync('umount', ['-l', this.dir], { stdio: 'pipe', timeout: 10000 }); } catch { /* ignore */ }
            }
            this.mounted = false;
        }
        try { fs.rmSync(this.dir, { recursive: true, force: true }); } catch { /* ignore */ }
    }
}

/** Deterministic printable text that compresses poorly (so stored sizes are predictable). */
export function noise(n, seed = 1) {
    let x = seed >>> 0 || 1;
    let s = '';
    for (let i = 0; i < n; i++) {
        x ^= x << 13; x >>>= 0;
        x ^= x >>> 17;
        x ^= x << 5; x >>>= 0;
        s += String.fromCharCode(33 + (x % 94));
    }
    return s;
}

export { delay, waitUntil };
