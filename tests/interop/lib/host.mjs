// Starts and controls a real Canopy host (`canopy --headless`) for the interop tests and the benchmark.
//
//   const host = await startHost({ did: 'did:web:example.com' });
//   ... host.baseUrl, host.wsUrl(did), host.token, host.logs ...
//   await host.stop();     // SIGTERM, waits for the exit
//   await host.kill9();    // SIGKILL, waits for the exit
//   await host.restart();  // same data dir and port
//   await host.dispose();  // always: kills the child if alive, removes the temp data dir
//
//   const tlsHost = await startHost({ tls: 'self-signed' });   // or tls: { cert, key } (PEM file paths)
//   ... tlsHost.baseUrl is https://, tlsHost.wsUrl() wss://, tlsHost.ca the certificate to trust;
//   LeafClient.connect(tlsHost.wsUrl(), token, { wsOptions: tlsHost.wsOptions() })
//
// Every child started here is also killed when the test process exits, whatever the reason.

import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import https from 'node:https';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { delay, withTimeout } from './util.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
export const INTEROP_DIR = path.resolve(here, '..');

/** The host binary: $CANOPY_BIN, else ../../build/bin/canopy relative to tests/interop. */
export const CANOPY_BIN = process.env.CANOPY_BIN
    ? path.resolve(process.env.CANOPY_BIN)
    : path.resolve(INTEROP_DIR, '../../build/bin/canopy');

/** Configuration variables of the host; stripped from the inherited environment so only the test sets them. */
export const CONFIG_ENV = ['DATA_DIR', 'DID', 'PUBLIC_URL', 'UNSAFE_DEV_TOKEN', 'PORT', 'LISTEN',
    'MAX_MESSAGE_BYTES', 'PING_INTERVAL', 'ALLOW_LOOPBACK_DID_WEB', 'ACCESS', 'DOCUMENT_ACCESS',
    'TLS', 'TLS_CERT', 'TLS_KEY', 'BACKUP_DIR', 'BACKUP_INTERVAL', 'BACKUP_KEEP'];

const liveChildren = new Set();
function killAllSync() {
    for (const child of liveChildren) {
        try { child.kill('SIGKILL'); } catch { /* already gone */ }
    }
    liveChildren.clear();
}
process.on('exit', killAllSync);
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.once(sig, () => { killAllSync(); process.exit(128 + (os.constants.signals[sig] ?? 0)); });
}

export function assertBinaryExists() {
    if (!fs.existsSync(CANOPY_BIN)) {
        throw new Error(`Canopy binary not found at ${CANOPY_BIN} (set CANOPY_BIN or build it first)`);
    }
}

/** A free TCP port on 127.0.0.1: listen on port 0, read the port, close. */
export function freePort() {
    return new Promise((resolve, reject) => {
        const srv = net.createServer();
        srv.unref();
        srv.on('error', reject);
        srv.listen(0, '127.0.0.1', () => {
            const { port } = srv.address();
            srv.close(() => resolve(port));
        });
    });
}

export function makeToken() {
    return 'devtok-' + randomBytes(18).toString('hex');
}

export function makeTempDir(prefix = 'canopy-interop-') {
    return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Environment for a child: the parent's, minus the host's config variables, plus `extra`. */
export function childEnv(extra = {}) {
    const env = { ...process.env };
    for (const name of CONFIG_ENV) delete env[name];
    env.QT_QPA_PLATFORM ??= 'offscreen';
    return { ...env, ...extra };
}

/**
 * Run the binary once to completion (for --help and invalid-config checks).
 * Resolves { code, signal, stdout, stderr, timedOut }; kills the child after timeoutMs.
 */
export function runOnce(args, { env = {}, timeoutMs = 10000 } = {}) {
    assertBinaryExists();
    return new Promise((resolve) => {
        const child = spawn(CANOPY_BIN, args, { env: childEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
        liveChildren.add(child);
        let stdout = '';
        let stderr = '';
        let timedOut = false;
        child.stdout.setEncoding('utf8').on('data', (d) => { stdout += d; });
        child.stderr.setEncoding('utf8').on('data', (d) => { stderr += d; });
        const timer = setTimeout(() => { timedOut = true; child.kill('SIGKILL'); }, timeoutMs);
        child.on('error', (err) => { stderr += `\n[spawn error] ${err.message}`; });
        child.on('close', (code, signal) => {
            clearTimeout(timer);
            liveChildren.delete(child);
            resolve({ code, signal, stdout, stderr, timedOut });
        });
    });
}

/**
 * Fetch with a deadline. `init.ca` (a PEM certificate or a list of them): an https request trusting
 * exactly that CA, through node:https (the global fetch takes no CA); resolves a Response all the same.
 */
export async function fetchWithTimeout(url, init = {}, timeoutMs = 5000) {
    if (init.ca !== undefined) return httpsFetch(url, init, timeoutMs);
    const ctl = new AbortController();
    const timer = setTimeout(() => ctl.abort(), timeoutMs);
    try {
        return await fetch(url, { ...init, signal: ctl.signal });
    } finally {
        clearTimeout(timer);
    }
}

// Statuses whose Response may carry no body.
const NULL_BODY = new Set([101, 103, 204, 205, 304]);

function httpsFetch(url, { ca, method = 'GET', headers = {}, body } = {}, timeoutMs = 5000) {
    return new Promise((resolve, reject) => {
        const req = https.request(url, { method, headers, ca, timeout: timeoutMs, agent: false }, (res) => {
            const chunks = [];
            res.on('data', (c) => chunks.push(c));
            res.on('error', reject);
            res.on('end', () => {
                const h = new Headers();
                for (const [k, v] of Object.entries(res.headers)) {
                    for (const one of Array.isArray(v) ? v : [v]) h.append(k, one);
                }
                const bytes = Buffer.concat(chunks);
                const nullBody = NULL_BODY.has(res.statusCode) || method === 'HEAD';
                resolve(new Response(nullBody ? null : bytes, { status: res.statusCode, headers: h }));
            });
        });
        req.on('timeout', () => req.destroy(new Error(`https request timed out after ${timeoutMs} ms`)));
        req.on('error', reject);
        req.end(body);
    });
}

export class Host {
    /**
     * @param {object} o
     * @param {string}  [o.did]          --did (omitted when null)
     * @param {string}  [o.token]        --dev-token (random by default; null to omit)
     * @param {number}  [o.port]         --port (a free port by default)
     * @param {string}  [o.dataDir]      --data-dir (a fresh temp dir by default)
     * @param {string}  [o.publicUrl]    --public-url
     * @param {number}  [o.maxMessage]   --max-message
     * @param {number}  [o.pingInterval] --ping-interval
     * @param {string[]}[o.extraArgs]    appended verbatim
     * @param {object}  [o.env]          extra environment for the child
     * @param {string[]}[o.launcher]     a command that execs the host in its own process (pid unchanged),
     *                                   e.g. ['prlimit', '--nofile=64:64']
     * @param {boolean} [o.useFlags=true] when false, pass the settings above through env variables instead
     * @param {string|object} [o.tls]    'self-signed' (--tls self-signed) or { cert, key, ca? } (--tls-cert/--tls-key
     *                                   PEM paths; ca: what clients trust, the cert file by default): the host
     *                                   speaks only TLS, the URLs become https/wss and host.ca the PEM clients trust
     */
    constructor(o = {}) {
        this.opts = o;
        this.did = o.did === undefined ? 'did:web:canopy.test' : o.did;
        this.token = o.token === undefined ? makeToken() : o.token;
        this.port = o.port ?? null;
        this.ownsDataDir = !o.dataDir;
        this.dataDir = o.dataDir ?? null;
        this.child = null;
        this.exited = null;
        this.exitInfo = null;
        this.lines = [];   // every stderr line, raw, across restarts
        this.logs = [];    // the stderr lines that parsed as JSON objects
        this.stdout = '';
        this.starts = 0;
        this.tls = o.tls ?? null;
        this.ca = undefined; // the PEM clients trust, known once a TLS host started
    }

    get scheme() { return this.tls ? 'https' : 'http'; }
    get wsScheme() { return this.tls ? 'wss' : 'ws'; }
    get baseUrl() { return `${this.scheme}://127.0.0.1:${this.port}`; }
    url(p = '/') { return this.baseUrl + p; }
    wsUrl(did = this.did ?? 'did:web:canopy.test') { return `${this.wsScheme}://127.0.0.1:${this.port}/sync/as/${did}`; }
    /** Options for a `ws` client of this host: the CA to trust with TLS, nothing without. */
    wsOptions() { return this.tls ? { ca: this.ca } : {}; }
    /** The certificate a TLS host serves (the self-signed one lives in the data dir). */
    tlsCertPath() {
        if (!this.tls) return null;
        return this.tls === 'self-signed' ? path.join(this.dataDir, 'tls-cert.pem') : this.tls.cert;
    }
    get pid() { return this.child?.pid; }
    get running() { return !!this.child && this.exitInfo === null; }

    settings() {
        const o = this.opts;
        const s = [];
        s.push(['data-dir', 'DATA_DIR', this.dataDir]);
        s.push(['port', 'PORT', String(this.port)]);
        s.push(['listen', 'LISTEN', o.listen ?? '127.0.0.1']);
        if (this.did !== null) s.push(['did', 'DID', this.did]);
        if (this.token !== null) s.push(['dev-token', 'UNSAFE_DEV_TOKEN', this.token]);
        if (o.publicUrl != null) s.push(['public-url', 'PUBLIC_URL', o.publicUrl]);
        if (o.maxMessage != null) s.push(['max-message', 'MAX_MESSAGE_BYTES', String(o.maxMessage)]);
        if (o.pingInterval != null) s.push(['ping-interval', 'PING_INTERVAL', String(o.pingInterval)]);
        if (this.tls === 'self-signed') s.push(['tls', 'TLS', 'self-signed']);
        else if (this.tls) s.push(['tls-cert', 'TLS_CERT', this.tls.cert], ['tls-key', 'TLS_KEY', this.tls.key]);
        return s;
    }

    buildCommand() {
        const args = ['--headless'];
        const env = { ...(this.opts.env ?? {}) };
        for (const [flag, envName, value] of this.settings()) {
            if (this.opts.useFlags === false) env[envName] = value;
            else args.push(`--${flag}`, value);
        }
        args.push(...(this.opts.extraArgs ?? []));
        return { args, env };
    }

    async start({ healthTimeoutMs = 20000 } = {}) {
        assertBinaryExists();
        if (this.running) throw new Error('host already running');
        if (this.port === null) this.port = await freePort();
        if (this.dataDir === null) this.dataDir = makeTempDir();
        const { args, env } = this.buildCommand();
        this.lastArgs = args;
        this.exitInfo = null;
        const launcher = this.opts.launcher ?? [];
        const child = launcher.length
            ? spawn(launcher[0], [...launcher.slice(1), CANOPY_BIN, ...args], { env: childEnv(env), stdio: ['ignore', 'pipe', 'pipe'] })
            : spawn(CANOPY_BIN, args, { env: childEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
        this.child = child;
        this.starts += 1;
        liveChildren.add(child);
        child.stdout.setEncoding('utf8').on('data', (d) => { this.stdout += d; });
        const rl = readline.createInterface({ input: child.stderr });
        rl.on('line', (line) => this.#onLine(line));
        this.exited = new Promise((resolve) => {
            child.on('error', (err) => {
                this.lines.push(`[spawn error] ${err.message}`);
            });
            child.on('exit', (code, signal) => {
                liveChildren.delete(child);
                this.exitInfo = { code, signal, at: Date.now() };
                resolve(this.exitInfo);
            });
        });
        await this.waitHealthy(healthTimeoutMs);
        return this;
    }

    #onLine(line) {
        this.lines.push(line);
        try {
            const obj = JSON.parse(line);
            if (obj && typeof obj === 'object' && !Array.isArray(obj)) this.logs.push(obj);
        } catch { /* not JSON: kept in lines only */ }
    }

    async waitHealthy(timeoutMs = 20000) {
        const deadline = Date.now() + timeoutMs;
        let lastErr = null;
        while (Date.now() < deadline) {
            if (this.exitInfo) {
                throw new Error(`host exited during start-up (${JSON.stringify(this.exitInfo)}); stderr:\n`
                    + this.lines.slice(-20).join('\n'));
            }
            try {
                // A self-signed certificate exists once the host made it.
                if (this.tls) this.ca = fs.readFileSync(this.tls.ca ?? this.tlsCertPath());
                const res = await fetchWithTimeout(this.url('/xrpc/_health'), this.tls ? { ca: this.ca } : {}, 1000);
                await res.arrayBuffer();
                if (res.status === 200) return;
                lastErr = new Error(`health answered ${res.status}`);
            } catch (err) {
                lastErr = err;
            }
            await delay(50);
        }
        throw new Error(`host not healthy after ${timeoutMs} ms: ${lastErr?.message}; stderr:\n`
            + this.lines.slice(-20).join('\n'));
    }

    /** Send `signal` and wait for the exit. Resolves { code, signal, ms }. Kills with SIGKILL after timeoutMs. */
    async stop({ signal = 'SIGTERM', timeoutMs = 10000 } = {}) {
        if (!this.running) return this.exitInfo;
        const t0 = Date.now();
        this.child.kill(signal);
        try {
            const info = await withTimeout(this.exited, timeoutMs, `host exit after ${signal}`);
            return { ...info, ms: Date.now() - t0 };
        } catch (err) {
            this.child.kill('SIGKILL');
            await withTimeout(this.exited, 5000, 'host exit after SIGKILL').catch(() => {});
            throw err;
        }
    }

    async kill9() {
        if (!this.running) return this.exitInfo;
        this.child.kill('SIGKILL');
        return withTimeout(this.exited, 5000, 'host exit after SIGKILL');
    }

    /** Stop (SIGTERM) if running, then start again on the same port and data dir. */
    async restart(opts) {
        if (this.running) await this.stop();
        return this.start(opts);
    }

    /** Kill the child if it is still alive and remove the temp data dir (if we made it). Never throws. */
    async dispose() {
        try {
            if (this.running) await this.kill9();
        } catch { /* ignore */ }
        if (this.ownsDataDir && this.dataDir) {
            try { fs.rmSync(this.dataDir, { recursive: true, force: true }); } catch { /* ignore */ }
        }
    }

    /** /proc/<pid>/stat utime+stime in seconds. */
    cpuSeconds() {
        const stat = fs.readFileSync(`/proc/${this.pid}/stat`, 'utf8');
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        // fields[0] is field 3 (state); utime = field 14, stime = field 15.
        const ticks = Number(fields[11]) + Number(fields[12]);
        return ticks / clockTicks();
    }

    /** VmRSS in KiB from /proc/<pid>/status. */
    rssKiB() {
        const status = fs.readFileSync(`/proc/${this.pid}/status`, 'utf8');
        const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
        return m ? Number(m[1]) : NaN;
    }

    /** Dump the tail of the host log (for failure messages). */
    tail(n = 30) {
        return this.lines.slice(-n).join('\n');
    }
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

/** Create and start a host; on start-up failure the child is killed and the temp dir removed. */
export async function startHost(o = {}) {
    // A port found free can be taken by someone else before the host binds it (ctest -j): when the port was
    // ours to choose and the host died during start-up, try again on another one.
    const attempts = o.port === undefined ? 3 : 1;
    for (let i = 1; ; i++) {
        const host = new Host(o);
        try {
            await host.start();
            return host;
        } catch (err) {
            const died = host.exitInfo !== null;
            await host.dispose();
            if (!died || i >= attempts) throw err;
        }
    }
}
