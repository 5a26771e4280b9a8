// Helpers for the admin API tests (admin-*.test.mjs): a host with a known admin token, JSON requests with
// a deadline, error-shape assertions, a Prometheus text parser, and small waits on the admin views.
//
//   const host = await startAdminHost();                   // --admin-token <random>, dev token, temp data dir
//   const r = await adminRequest(host, 'GET', '/admin/sessions');   // { status, json, text, bytes, headers }
//   assertError(r, 404, 'NotFound', 'unknown session');
//   const m = parseMetrics((await adminRequest(host, 'GET', '/metrics')).text);
//   metricValue(m, 'canopy_frames_total', { direction: 'in', type: 'subscribe' });

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { fetchWithTimeout, startHost } from './host.mjs';
import { waitUntil } from './util.mjs';

/** A random admin token (what an operator would pass to --admin-token). */
export function makeAdminToken() {
    return 'admin-' + randomBytes(24).toString('hex');
}

/**
 * Start a host whose admin token is known. Options are startHost's, plus:
 *   adminToken: the token (random by default; null: no --admin-token, the host generates/keeps its own)
 *   args:       extra command-line arguments (appended after --admin-token)
 * ADMIN_TOKEN/ADMIN_REMOTE/TOKEN_TTL from the parent's environment are blanked so only the test sets them.
 */
export async function startAdminHost(o = {}) {
    const { adminToken = makeAdminToken(), args = [], extraArgs = [], env = {}, ...rest } = o;
    const all = [...extraArgs];
    if (adminToken !== null) all.push('--admin-token', adminToken);
    all.push(...args);
    const host = await startHost({
        ...rest,
        extraArgs: all,
        env: { ADMIN_TOKEN: '', ADMIN_REMOTE: '', TOKEN_TTL: '', ...env },
    });
    host.adminToken = adminToken;
    return host;
}

/**
 * One request to the admin API. `o.token`: the bearer token (host.adminToken by default; null: no
 * Authorization header); `o.authorization`: a raw Authorization header value (overrides token);
 * `o.body`: an object (sent as JSON) or a string / Buffer sent verbatim.
 * Resolves { status, json, text, bytes, headers }; json is undefined when the body is not JSON.
 */
export async function adminRequest(host, method, path, o = {}) {
    const headers = { ...(o.headers ?? {}) };
    const token = o.token === undefined ? host.adminToken : o.token;
    if (o.authorization !== undefined) headers.authorization = o.authorization;
    else if (token !== null) headers.authorization = `Bearer ${token}`;
    let body;
    if (o.body !== undefined) {
        body = typeof o.body === 'string' || o.body instanceof Uint8Array ? o.body : JSON.stringify(o.body);
        headers['content-type'] ??= 'application/json';
    }
    const res = await fetchWithTimeout(host.url(path), { method, headers, body, ca: host.ca }, o.timeoutMs ?? 5000);
    const bytes = new Uint8Array(await res.arrayBuffer());
    const text = Buffer.from(bytes).toString('utf8');
    let json;
    try { json = JSON.parse(text); } catch { json = undefined; }
    return { status: res.status, json, text, bytes, headers: res.headers, method, path };
}

/** GET that must answer 200 with JSON; returns the parsed body. */
export async function adminJson(host, path, what = path) {
    const r = await adminRequest(host, 'GET', path);
    assert.equal(r.status, 200, `${what}: ${describe(r)}`);
    assert.ok(r.json && typeof r.json === 'object', `${what}: body is not a JSON object: ${r.text.slice(0, 300)}`);
    return r.json;
}

/** Short description of a result for assertion messages. */
export function describe(r) {
    return `${r.method ?? ''} ${r.path ?? ''} -> HTTP ${r.status} ${r.text?.slice(0, 400) ?? ''}`.trim();
}

/** The contract's error shape: status, JSON {"error": name, "message": string}. */
export function assertError(r, status, name, what = '') {
    const label = `${what ? what + ': ' : ''}${describe(r)}`;
    assert.equal(r.status, status, `expected HTTP ${status}; ${label}`);
    assert.match(r.headers.get('content-type') ?? '', /application\/json/i, `content type; ${label}`);
    assert.ok(r.json && typeof r.json === 'object', `error body is not JSON; ${label}`);
    if (name) assert.equal(r.json.error, name, `error name; ${label}`);
    else assert.equal(typeof r.json.error, 'string', `error name; ${label}`);
    assert.equal(typeof r.json.message, 'string', `error message; ${label}`);
    assert.ok(r.json.message.length > 0, `empty error message; ${label}`);
}

export const ISO_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/** An ISO 8601 UTC-or-offset time; returns its epoch ms. */
export function assertIso(value, what) {
    assert.equal(typeof value, 'string', `${what}: not a string: ${JSON.stringify(value)}`);
    assert.match(value, ISO_RE, `${what}: not ISO 8601: ${value}`);
    const ms = Date.parse(value);
    assert.ok(Number.isFinite(ms), `${what}: unparseable time ${value}`);
    return ms;
}

/** An ISO time between `from` and `to` (epoch ms, with `slackMs` either side). */
export function assertIsoBetween(value, from, to, what, slackMs = 2000) {
    const ms = assertIso(value, what);
    assert.ok(ms >= from - slackMs && ms <= to + slackMs,
        `${what}: ${value} is not between ${new Date(from).toISOString()} and ${new Date(to).toISOString()}`);
    return ms;
}

// ---- views ----------------------------------------------------------------------------------------

export async function listSessions(host) {
    return (await adminJson(host, '/admin/sessions')).sessions;
}

export async function listDocuments(host) {
    return (await adminJson(host, '/admin/documents')).documents;
}

export async function listTokens(host) {
    return (await adminJson(host, '/admin/tokens')).tokens;
}

export async function listBans(host) {
    return (await adminJson(host, '/admin/bans')).bans;
}

/** Log entries, with optional query { since, level, category, did }. */
export async function logEntries(host, query = {}) {
    const qs = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null) qs.set(k, String(v));
    const s = qs.toString();
    return (await adminJson(host, '/admin/log' + (s ? '?' + s : ''))).entries;
}

/** The highest seq in the log now (0 when empty): a `since` for "entries from here on". */
export async function logMark(host) {
    const entries = await logEntries(host);
    return entries.reduce((m, e) => Math.max(m, e.seq), 0);
}

/** Wait for a session matching pred in /admin/sessions; returns it. */
export function waitForSession(host, pred, { timeoutMs = 5000, what = 'a session in /admin/sessions' } = {}) {
    return waitUntil(async () => (await listSessions(host)).find(pred), { timeoutMs, intervalMs: 25, what });
}

/** Wait until no session matches pred. */
export function waitNoSession(host, pred, { timeoutMs = 5000, what = 'the session to leave /admin/sessions' } = {}) {
    return waitUntil(async () => !(await listSessions(host)).some(pred), { timeoutMs, intervalMs: 25, what });
}

// ---- metrics --------------------------------------------------------------------------------------

/**
 * Parse the Prometheus text format into { samples: [{ name, labels, value }], types: Map(name -> type),
 * help: Map(name -> text) }. Throws on a line that is neither a comment nor a sample.
 */
export function parseMetrics(text) {
    const samples = [];
    const types = new Map();
    const help = new Map();
    for (const line of text.split('\n')) {
        if (line.trim() === '') continue;
        let m;
        if ((m = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$/.exec(line))) {
            types.set(m[1], m[2]);
            continue;
        }
        if ((m = /^# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)$/.exec(line))) {
            help.set(m[1], m[2]);
            continue;
        }
        if (line.startsWith('#')) continue;
        m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? ([^ ]+)(?: \d+)?$/.exec(line);
        if (!m) throw new Error(`not a Prometheus sample line: ${JSON.stringify(line)}`);
        const labels = {};
        if (m[2]) {
            const re = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\s*,?\s*/gy;
            let lm;
            let consumed = 0;
            while ((lm = re.exec(m[2]))) {
                labels[lm[1]] = lm[2].replace(/\\n/g, '\n').replace(/\\"/g, '"').replace(/\\\\/g, '\\');
                consumed = re.lastIndex;
            }
            if (consumed !== m[2].length) throw new Error(`bad label set in ${JSON.stringify(line)}`);
        }
        const raw = m[3];
        const value = raw === '+Inf' ? Infinity : raw === '-Inf' ? -Infinity : Number(raw);
        if (Number.isNaN(value) && raw !== 'NaN') throw new Error(`bad sample value in ${JSON.stringify(line)}`);
        samples.push({ name: m[1], labels, value });
    }
    return { samples, types, help };
}

/** Samples of `name` whose labels include every pair in `labels`. */
export function metricSamples(metrics, name, labels = {}) {
    return metrics.samples.filter((s) => s.name === name
        && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
}

/** The value of the one sample of `name` with exactly these labels (0 when absent: a counter not yet seen). */
export function metricValue(metrics, name, labels = {}) {
    const keys = Object.keys(labels);
    const s = metrics.samples.find((x) => x.name === name
        && Object.keys(x.labels).length === keys.length
        && keys.every((k) => x.labels[k] === labels[k]));
    return s ? s.value : 0;
}

/** Sum of the samples of `name` whose labels include `labels`. */
export function metricSum(metrics, name, labels = {}) {
    return metricSamples(metrics, name, labels).reduce((a, s) => a + s.value, 0);
}

export async function scrape(host) {
    const r = await adminRequest(host, 'GET', '/metrics');
    assert.equal(r.status, 200, `/metrics: ${describe(r)}`);
    return { ...parseMetrics(r.text), text: r.text, contentType: r.headers.get('content-type') };
}
