#!/usr/bin/env node
// Canopy token-exchange benchmark: GET /xrpc/chat.roomy.v0.sync.token with a real ATProto service JWT
// (createServiceJwt from @atproto/xrpc-server), against the release host (build/bin/canopy, or $CANOPY_BIN) and a
// loopback DID server used as --plc-url. The DID cache is warm (one purchase before timing), so this measures the
// host's JWT parsing + ECDSA verification + token issue over HTTP/1.1 keep-alive, for ES256K and ES256.
//
//   node bench/token-bench.mjs [--requests 3000] [--seconds 20] [--concurrency 8] [--curves k256,p256]
//                              [--quick] [--json FILE]
//
// Each curve stops at --requests exchanges or after --seconds, whichever comes first. JWTs are minted before the
// clock starts (one per request, distinct jti), so client-side signing is not part of the measurement.
// Host CPU comes from /proc/<pid>/stat. Dependencies come from tests/interop/node_modules through the shared test
// library (run `npm ci` in tests/interop first).

import fs from 'node:fs';
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { CANOPY_BIN } from '../tests/interop/lib/host.mjs';
import {
    DidServer, TOKEN_PATH, TOKEN_RE, makeKeypair, mintJwt, startIdentityHost,
} from '../tests/interop/lib/atproto.mjs';
import { percentile } from '../tests/interop/lib/util.mjs';
import { fmt, table } from './report.mjs';

// ---- options ------------------------------------------------------------------------------------------

const argv = process.argv.slice(2);
function opt(name, dflt) {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : dflt;
}
const QUICK = argv.includes('--quick');
const REQUESTS = Number(opt('requests', QUICK ? 500 : 3000));
const SECONDS = Number(opt('seconds', QUICK ? 5 : 20));
const CONCURRENCY = Number(opt('concurrency', 8));
const CURVES = opt('curves', 'k256,p256').split(',');
const JSON_OUT = opt('json', null);
const SERVICE_DID = 'did:web:bench.example.test';
const DEADLINE_MS = Number(process.env.BENCH_DEADLINE_MS ?? (CURVES.length * (SECONDS + 60) + 60) * 1000);

let host = null;
let dids = null;
async function cleanup() {
    await host?.dispose();
    await dids?.stop();
}
const deadline = setTimeout(async () => {
    console.error(`\nbenchmark deadline of ${DEADLINE_MS / 1000} s reached; stopping.`);
    await cleanup();
    process.exit(3);
}, DEADLINE_MS);
deadline.unref();

// ---- helpers ------------------------------------------------------------------------------------------


/** One GET of the token endpoint over a keep-alive agent. Resolves { status, body }. */
function exchange(agent, port, jwt, timeoutMs = 10000) {
    return new Promise((resolve) => {
        const req = http.request({
            host: '127.0.0.1', port, path: TOKEN_PATH, method: 'GET', agent,
            headers: { authorization: `Bearer ${jwt}` },
        }, (res) => {
            let body = '';
            res.setEncoding('utf8');
            res.on('data', (d) => { body += d; });
            res.on('end', () => resolve({ status: res.statusCode, body }));
            res.on('error', (err) => resolve({ status: 0, body: err.message }));
        });
        req.setTimeout(timeoutMs, () => req.destroy(new Error('timeout')));
        req.on('error', (err) => resolve({ status: 0, body: err.message }));
        req.end();
    });
}

async function runCurve(curve) {
    const keypair = await makeKeypair(curve);
    const did = dids.addPlc(keypair);

    // Pre-mint one JWT per request (distinct jti), outside the clock.
    const t0 = performance.now();
    const jwts = [];
    for (let i = 0; i < REQUESTS; i++) jwts.push(await mintJwt({ iss: did, aud: SERVICE_DID, keypair }));
    const mintMs = performance.now() - t0;

    const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
    try {
        // Warm the DID cache (and the connections).
        const warm = await exchange(agent, host.port, await mintJwt({ iss: did, aud: SERVICE_DID, keypair }));
        if (warm.status !== 200) throw new Error(`warm-up purchase for ${curve} failed: ${warm.status} ${warm.body}`);
        const dirBefore = dids.requests(did);

        const latencies = [];
        const statuses = new Map();
        let bad = null;
        let next = 0;
        const cpu0 = host.cpuSeconds();
        const start = performance.now();
        const stopAt = start + SECONDS * 1000;
        const worker = async () => {
            while (next < jwts.length && performance.now() < stopAt) {
                const jwt = jwts[next++];
                const a = performance.now();
                const r = await exchange(agent, host.port, jwt);
                latencies.push(performance.now() - a);
                statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
                if (r.status === 200) {
                    let token = null;
                    try { token = JSON.parse(r.body).token; } catch { /* counted below */ }
                    if (!TOKEN_RE.test(token ?? '')) {
                        statuses.set('badBody', (statuses.get('badBody') ?? 0) + 1);
                        bad ??= r.body.slice(0, 200);
                    }
                } else {
                    bad ??= `${r.status} ${r.body.slice(0, 200)}`;
                }
            }
        };
        await Promise.all(Array.from({ length: CONCURRENCY }, worker));
        const seconds = (performance.now() - start) / 1000;
        const cpu = host.cpuSeconds() - cpu0;
        const ok = statuses.get(200) ?? 0;
        return {
            curve,
            alg: keypair.jwtAlg,
            requests: latencies.length,
            ok,
            failed: latencies.length - ok + (statuses.get('badBody') ?? 0),
            seconds,
            perSecond: ok / seconds,
            p50: percentile(latencies, 50),
            p99: percentile(latencies, 99),
            max: percentile(latencies, 100),
            hostCpuMsPerReq: latencies.length ? (cpu * 1000) / latencies.length : NaN,
            hostCpuShare: cpu / seconds,
            directoryRequests: dids.requests(did) - dirBefore,
            clientMintMsPerJwt: mintMs / REQUESTS,
            statuses: Object.fromEntries(statuses),
            firstFailure: bad,
        };
    } finally {
        agent.destroy();
    }
}

// ---- main ---------------------------------------------------------------------------------------------

async function main() {
    console.error(`token-bench: host ${CANOPY_BIN}`);
    const cache = new URL('../build/CMakeCache.txt', import.meta.url);
    if (!process.env.CANOPY_BIN && fs.existsSync(cache)) {
        const m = /^CMAKE_BUILD_TYPE:[A-Z]*=(.*)$/m.exec(fs.readFileSync(cache, 'utf8'));
        if (m && m[1] !== 'Release') console.error(`token-bench: note: CMAKE_BUILD_TYPE=${m[1]}, not Release`);
    }
    dids = await DidServer.start();
    // The token rate limits (per IP, per DID) at their maximum: this measures the exchange, not the limiter.
    host = await startIdentityHost({
        did: SERVICE_DID, plcUrl: dids.url, token: null,
        extraArgs: ['--token-rate-ip', '1000000', '--token-rate-did', '1000000'],
    });
    console.error(`token-bench: ${REQUESTS} requests or ${SECONDS} s per curve, concurrency ${CONCURRENCY}, warm DID cache`);

    const results = [];
    for (const curve of CURVES) {
        console.error(`token-bench: ${curve} ...`);
        results.push(await runCurve(curve));
    }

    table('Token exchange over HTTP (GET /xrpc/chat.roomy.v0.sync.token, warm DID cache)',
        ['curve', 'requests', 'ok', 'failed', 's', 'exchanges/s', 'p50 ms', 'p99 ms', 'max ms',
            'host CPU ms/req', 'host CPU %', 'dir req'],
        results.map((r) => [
            `${r.curve} (${r.alg})`, r.requests, r.ok, r.failed, fmt(r.seconds, 2), fmt(r.perSecond, 0),
            fmt(r.p50, 2), fmt(r.p99, 2), fmt(r.max, 1), fmt(r.hostCpuMsPerReq, 3), fmt(r.hostCpuShare * 100, 0),
            r.directoryRequests,
        ]));
    console.log(`\nconcurrency ${CONCURRENCY}; client JWT minting (not timed): `
        + results.map((r) => `${r.curve} ${fmt(r.clientMintMsPerJwt, 2)} ms/JWT`).join(', '));
    for (const r of results) {
        if (r.failed) console.log(`${r.curve}: ${r.failed} failed; statuses ${JSON.stringify(r.statuses)}; first: ${r.firstFailure}`);
        if (r.directoryRequests) console.log(`${r.curve}: ${r.directoryRequests} directory requests during the run (cache not warm?)`);
    }
    if (JSON_OUT) {
        fs.writeFileSync(JSON_OUT, JSON.stringify({
            host: CANOPY_BIN, requests: REQUESTS, seconds: SECONDS, concurrency: CONCURRENCY, results,
        }, null, 2));
    }
    return results.every((r) => r.failed === 0) ? 0 : 1;
}

let code = 1;
try {
    code = await main();
} catch (err) {
    console.error(err);
    if (host) console.error(host.tail(20));
} finally {
    await cleanup();
    clearTimeout(deadline);
}
process.exit(code);
