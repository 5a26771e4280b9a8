// Helpers for the access-*.test.mjs suites (issue 11): a host with access control flags, the admin calls
// that set members, document rights and keys, and the clients of both protocols as a DID (dev token or a
// connection token) or as an access key.
//
//   const host = await startAccessHost({ access: 'members', documentAccess: 'none', plcUrl: dids.url });
//   await addMember(host, did);  await setAccess(host, id, { owner, default: 'read', grants: [...] });
//   const key = await issueKey(host, { name: 'k1', scope: 'proj-*', permission: 'write' });   // { name, key, ... }
//   const c = await sync1As(host, 'key:k1', key.key);        // Sync1 on /sync/as/key:k1
//   const raw = await loroAs(host, 'key:k1', key.key);       // RawLoroClient on /loro/as/key:k1

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { adminRequest, describe as describeResult, startAdminHost } from './admin.mjs';
import { refusals } from './hardening.mjs';
import { LeafClient, tryConnect } from './leaf.mjs';
import { RawLoroClient, connectLoro } from './loro.mjs';
import { waitUntil } from './util.mjs';

export const SERVICE_DID = 'did:web:svc.access.test';

/**
 * A host with a known admin token and dev token. Options:
 *   access ('open'|'members'), documentAccess ('none'|'read'|'write'), plcUrl (a DidServer's url),
 *   args (more flags); anything else goes to startAdminHost.
 */
export function startAccessHost(o = {}) {
    const { access, documentAccess, plcUrl, args = [], ...rest } = o;
    const all = ['--allow-loopback-did-web'];
    if (access) all.push('--access', access);
    if (documentAccess) all.push('--document-access', documentAccess);
    if (plcUrl) all.push('--plc-url', plcUrl);
    all.push(...args);
    return startAdminHost({ did: SERVICE_DID, ...rest, args: all });
}

/** An admin call that must answer `status`; returns its JSON. */
export async function admin(host, method, p, body, status = 200) {
    const r = await adminRequest(host, method, p, body === undefined ? {} : { body });
    assert.equal(r.status, status, describeResult(r));
    return r.json;
}

export const addMember = (host, did, note) => admin(host, 'POST', '/admin/members', note ? { did, note } : { did });
export const removeMember = (host, did) => admin(host, 'DELETE', `/admin/members/${encodeURIComponent(did)}`);
export const accessPath = (id) => `/admin/documents/${encodeURIComponent(id)}/access`;
export const getAccess = (host, id) => admin(host, 'GET', accessPath(id));

/** PUT a document's rights: { owner, default, grants: [{ identity, permission }] }, replacing all three. */
export async function setAccess(host, id, { owner = '', default: def = 'none', grants = [] } = {}) {
    return admin(host, 'PUT', accessPath(id), { owner, default: def, grants });
}

/** POST /admin/keys; returns the 201 body ({ name, key, ... }). */
export function issueKey(host, { name, scope, permission, expiresAt }) {
    const body = { name, scope, permission };
    if (expiresAt !== undefined) body.expiresAt = expiresAt;
    return admin(host, 'POST', '/admin/keys', body, 201);
}

export const revokeKey = (host, name) => admin(host, 'DELETE', `/admin/keys/${encodeURIComponent(name)}`);

/** The simulator: { connect, read, write, why }. */
export function check(host, identity, document) {
    const qs = new URLSearchParams({ identity, document });
    return admin(host, 'GET', `/admin/access/check?${qs}`);
}

/** A Sync1 session on /sync/as/<identity> with `token` (a connection token, the dev token or a key). */
export function sync1As(host, identity, token = host.token, o = {}) {
    return LeafClient.connect(`ws://127.0.0.1:${host.port}/sync/as/${identity}`, token, { timeoutMs: 5000, ...o });
}

/** Try the Sync1 upgrade; resolves { opened, statusCode, json, ws, ... } (never rejects). */
export async function trySync1(host, identity, token) {
    const r = await tryConnect(`ws://127.0.0.1:${host.port}/sync/as/${identity}`, ['authorization', token], { timeoutMs: 5000 });
    let json;
    if (r.body) { try { json = JSON.parse(r.body); } catch { json = undefined; } }
    if (r.opened) r.ws.terminate();
    return { ...r, json };
}

/** A raw loro-protocol client on /loro/as/<identity> whose joins carry `token`. */
export function loroAs(host, identity, token = host.token, o = {}) {
    return RawLoroClient.connect(host, identity, { token, ...o });
}

/** The real loro-websocket client on /loro/as/<identity> whose joins carry `token`. */
export function realLoroAs(host, identity, token = host.token, o = {}) {
    return connectLoro(host, { did: identity, token, reconnect: { enabled: false }, ...o });
}

/** canopy_refusals_total{reason} now (0 when absent). */
export async function refusalCount(host, reason) {
    return (await refusals(host))[reason] ?? 0;
}

/** Wait until canopy_refusals_total{reason} exceeds `before`. */
export async function waitRefusalAbove(host, reason, before, timeoutMs = 5000) {
    let now = before;
    await waitUntil(async () => (now = await refusalCount(host, reason)) > before,
        { timeoutMs, intervalMs: 25, what: `canopy_refusals_total{reason="${reason}"} > ${before}` });
    return now;
}

/** The first JSON log line at index >= since matching pred, waiting for it (bounded). */
export function waitLogLine(host, pred, { since = 0, timeoutMs = 5000, what = 'a log line' } = {}) {
    return waitUntil(() => host.logs.slice(since).find(pred), { timeoutMs, intervalMs: 10, what })
        .catch((err) => { throw new Error(`${err.message}; last log lines:\n${host.tail(15)}`); });
}

/** Every file under `dir` (recursively) whose bytes contain `needle` (a string). */
export function filesContaining(dir, needle) {
    const hits = [];
    const bytes = Buffer.from(needle, 'utf8');
    const walk = (d) => {
        for (const entry of fs.readdirSync(d, { withFileTypes: true })) {
            const p = path.join(d, entry.name);
            if (entry.isDirectory()) walk(p);
            else if (entry.isFile() && fs.readFileSync(p).includes(bytes)) hits.push(p);
        }
    };
    walk(dir);
    return hits;
}

/** Sync1 export of an entity through the admin API, imported into `doc` (a fresh LoroDoc). */
export async function exportInto(host, id, doc, kind) {
    const r = await adminRequest(host, 'GET', `/admin/documents/${encodeURIComponent(id)}/export${kind ? `?kind=${kind}` : ''}`);
    assert.equal(r.status, 200, describeResult(r));
    doc.import(r.bytes);
    return doc;
}
