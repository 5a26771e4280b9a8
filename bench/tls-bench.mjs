#!/usr/bin/env node
// What TLS costs the host: the same work against a plain host and a --tls self-signed one (P-256), and one
// serving an RSA-2048 pair (made with the openssl CLI), all release builds of build/bin/canopy (or $CANOPY_BIN).
//
//   node bench/tls-bench.mjs [--connections 500] [--updates 500] [--idle 200] [--no-rsa] [--json FILE]
//
//   handshakes  --connections sequential new connections, each one GET /xrpc/_health without keep-alive:
//               host CPU per connection (the difference to plain is the handshake) and client-side latency;
//   round trip  --updates small Sync1 updates from one client to another, one at a time: latency per update;
//   idle        --idle open Sync1 sessions doing nothing: host RSS per connection.
// Host CPU comes from /proc/<pid>/stat. Dependencies come from tests/interop/node_modules through the shared test
// library (run `npm ci` in tests/interop first).

import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { makeTempDir, startHost } from '../tests/interop/lib/host.mjs';
import { LeafClient, appendText, closeAll, newDoc, randomEntityId } from '../tests/interop/lib/leaf.mjs';
import { delay, percentile } from '../tests/interop/lib/util.mjs';
import { fmt as fmtNumber, table } from './report.mjs';

const argv = process.argv.slice(2);
function opt(name, dflt) {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : dflt;
}
const CONNECTIONS = Number(opt('connections', 500));
const UPDATES = Number(opt('updates', 500));
const IDLE = Number(opt('idle', 200));
const RSA = !argv.includes('--no-rsa');
const JSON_OUT = opt('json', null);
const DEADLINE_MS = Number(process.env.BENCH_DEADLINE_MS ?? 600000);

const hosts = [];
let pkiDir = null;
async function cleanup() {
    for (const h of hosts) await h.dispose();
    if (pkiDir) fs.rmSync(pkiDir, { recursive: true, force: true });
}
const deadline = setTimeout(async () => {
    console.error(`\nbenchmark deadline of ${DEADLINE_MS / 1000} s reached; stopping.`);
    await cleanup();
    process.exit(3);
}, DEADLINE_MS);
deadline.unref();

const fmt = (n, digits = 2) => fmtNumber(n, digits);

/** One GET on a new connection (no keep-alive). */
function getOnce(host) {
    return new Promise((resolve, reject) => {
        const lib = host.tls ? https : http;
        const req = lib.request(host.url('/xrpc/_health'), { agent: false, ca: host.ca, timeout: 10000 }, (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode));
        });
        req.on('timeout', () => req.destroy(new Error('timeout')));
        req.on('error', reject);
        req.end();
    });
}

async function handshakes(host) {
    for (let i = 0; i < 20; i++) await getOnce(host); // warm-up
    const latencies = [];
    const cpu0 = host.cpuSeconds();
    for (let i = 0; i < CONNECTIONS; i++) {
        const t = performance.now();
        const status = await getOnce(host);
        if (status !== 200) throw new Error(`health answered ${status}`);
        latencies.push(performance.now() - t);
    }
    const cpu = host.cpuSeconds() - cpu0;
    return { cpuMsPerConnection: (cpu * 1000) / CONNECTIONS, p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
}

async function roundTrips(host) {
    const o = { wsOptions: host.wsOptions(), recordRaw: false };
    const a = await LeafClient.connect(host.wsUrl('did:web:bench-a.test'), host.token, o);
    const b = await LeafClient.connect(host.wsUrl('did:web:bench-b.test'), host.token, o);
    try {
        const id = randomEntityId();
        const da = newDoc();
        await a.subscribe(id, da);
        await b.subscribe(id, newDoc());
        const latencies = [];
        for (let i = 0; i < UPDATES; i++) {
            const since = b.mark();
            const t = performance.now();
            appendText(da, `u${i};`);
            await b.waitForUpdate(id, { since });
            latencies.push(performance.now() - t);
        }
        return { p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
    } finally {
        await closeAll([a, b]);
    }
}

async function idleMemory(host) {
    const clients = [];
    await delay(500);
    const rss0 = host.rssKiB();
    try {
        for (let i = 0; i < IDLE; i++) {
            clients.push(await LeafClient.connect(host.wsUrl(`did:web:idle-${i}.test`), host.token,
                { wsOptions: host.wsOptions() }));
        }
        await delay(1000);
        return { kibPerConnection: (host.rssKiB() - rss0) / IDLE };
    } finally {
        await closeAll(clients);
    }
}

function makeRsa(dir) {
    const cnf = path.join(dir, 'rsa.cnf');
    fs.writeFileSync(cnf, ['[req]', 'distinguished_name=dn', 'x509_extensions=v3', 'prompt=no', '[dn]', 'CN=127.0.0.1',
        '[v3]', 'subjectAltName=IP:127.0.0.1'].join('\n'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'rsa.key', '-out', 'rsa.pem',
        '-days', '30', '-config', cnf], { cwd: dir, stdio: 'ignore' });
    return { cert: path.join(dir, 'rsa.pem'), key: path.join(dir, 'rsa.key') };
}

try {
    const variants = [['plain (ws, http)', {}], ['TLS, P-256 self-signed', { tls: 'self-signed' }]];
    if (RSA) {
        pkiDir = makeTempDir('canopy-tls-bench-');
        variants.push(['TLS, RSA-2048', { tls: makeRsa(pkiDir) }]);
    }
    const results = [];
    for (const [name, o] of variants) {
        const host = await startHost({ ...o, extraArgs: ['--max-connections-per-did', '10000'] });
        hosts.push(host);
        const h = await handshakes(host);
        const r = await roundTrips(host);
        const m = await idleMemory(host);
        results.push({ name, ...h, rt: r, ...m });
        await host.dispose();
    }
    table(`New connections (${CONNECTIONS}, one GET each, sequential) and Sync1 round trips (${UPDATES}); idle sessions (${IDLE})`,
        ['', 'host CPU ms / connection', 'connection + GET p50 ms', 'p99 ms', 'update round trip p50 ms', 'p99 ms',
            'RSS KiB / idle session'],
        results.map((r) => [r.name, fmt(r.cpuMsPerConnection, 3), fmt(r.p50), fmt(r.p99), fmt(r.rt.p50), fmt(r.rt.p99),
            fmt(r.kibPerConnection, 1)]));
    if (JSON_OUT) fs.writeFileSync(JSON_OUT, JSON.stringify(results, null, 2));
} finally {
    await cleanup();
}
