// HTTP surface of the host: health, did.json, CORS, 404, limits on heads, malformed requests, and the
// /sync/as/<did> upgrade route with its token check.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { fetchWithTimeout, startHost } from './lib/host.mjs';
import { tryConnect } from './lib/leaf.mjs';
import { parseResponse, rawExchange, upgradeRequest } from './lib/rawhttp.mjs';

const DID = 'did:web:sync.example.com';
const PUBLIC_URL = 'https://sync.example.com/';

async function getJson(url, init) {
    const res = await fetchWithTimeout(url, init);
    const text = await res.text();
    let json;
    try { json = JSON.parse(text); } catch { json = undefined; }
    return { res, text, json };
}

describe('http (host with --did and --public-url)', { timeout: 60000 }, () => {
    let host;
    before(async () => { host = await startHost({ did: DID, publicUrl: PUBLIC_URL }); });
    after(async () => { await host?.dispose(); });

    test('GET /xrpc/_health answers 200 JSON with a version string', async () => {
        const { res, json, text } = await getJson(host.url('/xrpc/_health'));
        assert.equal(res.status, 200);
        assert.match(res.headers.get('content-type') ?? '', /json/i);
        assert.ok(json && typeof json === 'object', `body is not JSON: ${text}`);
        assert.equal(typeof json.version, 'string');
        assert.ok(json.version.length > 0);
        assert.equal(res.headers.get('access-control-allow-origin'), '*');
    });

    test('GET /.well-known/did.json names the DID and the RoomySyncserver service', async () => {
        const { res, json, text } = await getJson(host.url('/.well-known/did.json'));
        assert.equal(res.status, 200);
        assert.ok(json, `body is not JSON: ${text}`);
        assert.equal(json.id, DID);
        assert.ok(Array.isArray(json.service), 'service must be an array');
        const svc = json.service.find((s) => s.id === '#roomy_syncserver');
        assert.ok(svc, `no #roomy_syncserver service in ${text}`);
        assert.equal(svc.type, 'RoomySyncserver');
        assert.equal(svc.serviceEndpoint, PUBLIC_URL);
        assert.equal(res.headers.get('access-control-allow-origin'), '*');
    });

    test('OPTIONS on any path is a CORS preflight: 204 with the allow headers', async () => {
        for (const path of ['/xrpc/_health', '/xrpc/chat.roomy.v0.sync.token', '/any/path/at/all']) {
            const res = await fetchWithTimeout(host.url(path), {
                method: 'OPTIONS',
                headers: {
                    Origin: 'https://app.example.org',
                    'Access-Control-Request-Method': 'GET',
                    'Access-Control-Request-Headers': 'authorization',
                },
            });
            await res.arrayBuffer();
            assert.equal(res.status, 204, `OPTIONS ${path}`);
            assert.equal(res.headers.get('access-control-allow-origin'), '*', `ACAO on OPTIONS ${path}`);
            const methods = res.headers.get('access-control-allow-methods') ?? '';
            assert.match(methods, /GET/i, `Allow-Methods on ${path}: ${methods}`);
            const allowHeaders = res.headers.get('access-control-allow-headers') ?? '';
            assert.match(allowHeaders, /(^|[\s,])authorization([\s,]|$)/i, `Allow-Headers on ${path}: ${allowHeaders}`);
        }
    });

    test('unknown route answers 404 {"error":"NotFound","message":...} with CORS', async () => {
        const { res, json, text } = await getJson(host.url('/no/such/route'));
        assert.equal(res.status, 404);
        assert.ok(json, `body is not JSON: ${text}`);
        assert.equal(json.error, 'NotFound');
        assert.equal(typeof json.message, 'string');
        assert.equal(res.headers.get('access-control-allow-origin'), '*');
    });

    test('a request head over 16 KiB is answered 431 and the connection closed', async () => {
        const head = 'GET /xrpc/_health HTTP/1.1\r\nHost: 127.0.0.1\r\n'
            + `X-Padding: ${'a'.repeat(20 * 1024)}\r\n\r\n`;
        const r = await rawExchange(host.port, [head], { timeoutMs: 5000 });
        assert.equal(r.status, 431, `response: ${JSON.stringify(r.text.slice(0, 200))} error: ${r.error?.message}`);
        assert.equal(r.closed, true, 'the server must close the connection after 431');
    });

    test('a malformed request line is answered 400 and the connection closed', async () => {
        const r = await rawExchange(host.port, ['hello\r\n\r\n'], { timeoutMs: 5000 });
        assert.equal(r.status, 400, `response: ${JSON.stringify(r.text.slice(0, 200))}`);
        assert.equal(r.closed, true, 'the server must close the connection after 400');
    });

    test('binary garbage is answered 400 and the connection closed', async () => {
        const junk = Buffer.from([0x16, 0x03, 0x01, 0x00, 0xa5, 0x01, 0x00, 0x00, 0xa1, 0x03, 0x03, 0x0d, 0x0a, 0x0d, 0x0a]);
        const r = await rawExchange(host.port, [junk], { timeoutMs: 5000 });
        assert.equal(r.status, 400, `response: ${JSON.stringify(r.text.slice(0, 200))}`);
        assert.equal(r.closed, true);
    });

    test('the server still serves good requests after the bad ones', async () => {
        const { res } = await getJson(host.url('/xrpc/_health'));
        assert.equal(res.status, 200);
        const { res: res2 } = await getJson(host.url('/.well-known/did.json'));
        assert.equal(res2.status, 200);
    });

    test('GET /sync/as/<did> without Upgrade: websocket answers 400', async () => {
        const res = await fetchWithTimeout(host.url(`/sync/as/${DID}`), {
            headers: { 'Sec-WebSocket-Protocol': `authorization, ${host.token}` },
        });
        await res.arrayBuffer();
        assert.equal(res.status, 400);
    });

    test('upgrade without a token is refused with HTTP 403 (no upgrade)', async () => {
        const r = await tryConnect(host.wsUrl(DID), undefined);
        assert.equal(r.opened, false);
        assert.equal(r.upgraded, false);
        assert.equal(r.statusCode, 403, `got ${r.statusCode ?? r.error?.message}`);

        const r2 = await tryConnect(host.wsUrl(DID), ['authorization']);
        assert.equal(r2.opened, false);
        assert.equal(r2.statusCode, 403, `"authorization" alone: got ${r2.statusCode ?? r2.error?.message}`);
    });

    test('upgrade with a wrong token is refused with HTTP 403 (no upgrade)', async () => {
        const r = await tryConnect(host.wsUrl(DID), ['authorization', 'not-the-token']);
        assert.equal(r.opened, false);
        assert.equal(r.upgraded, false);
        assert.equal(r.statusCode, 403, `got ${r.statusCode ?? r.error?.message}`);

        // Same at the byte level: the answer is a plain HTTP 403, never 101.
        const raw = await rawExchange(host.port, [upgradeRequest(host.port, DID, 'authorization, wrong-token')],
            { timeoutMs: 5000, untilHead: true });
        const parsed = parseResponse(raw.text);
        assert.equal(parsed.status, 403, `raw answer: ${JSON.stringify(raw.text.slice(0, 200))}`);
        assert.equal(parsed.headers.upgrade, undefined, 'a 403 must not carry Upgrade');

        const rawNone = await rawExchange(host.port, [upgradeRequest(host.port, DID, undefined)],
            { timeoutMs: 5000, untilHead: true });
        assert.equal(parseResponse(rawNone.text).status, 403, `raw answer: ${JSON.stringify(rawNone.text.slice(0, 200))}`);
    });

    test('upgrade with the dev token succeeds and selects subprotocol "authorization" (any DID)', async () => {
        for (const did of [DID, 'did:plc:abcdefghijklmnopqrstuvwx']) {
            const r = await tryConnect(host.wsUrl(did), ['authorization', host.token]);
            assert.equal(r.opened, true, `did ${did}: ${r.statusCode ?? r.error?.message}`);
            assert.equal(r.protocol, 'authorization');
            r.ws.close();
        }
        // The browser form "authorization, <token>" (with a space) at the byte level.
        const raw = await rawExchange(host.port, [upgradeRequest(host.port, DID, `authorization, ${host.token}`)],
            { timeoutMs: 5000, untilHead: true });
        const parsed = parseResponse(raw.text);
        assert.equal(parsed.status, 101, `raw answer: ${JSON.stringify(raw.text.slice(0, 200))}`);
        assert.equal(parsed.headers['sec-websocket-protocol'], 'authorization');
    });
});

describe('http (host with defaults: no --did, no --public-url)', { timeout: 60000 }, () => {
    let host;
    before(async () => { host = await startHost({ did: null }); });
    after(async () => { await host?.dispose(); });

    test('did.json defaults: a DID id and serviceEndpoint http://localhost:<port>/', async () => {
        const { res, json, text } = await getJson(host.url('/.well-known/did.json'));
        assert.equal(res.status, 200);
        assert.ok(json, `body is not JSON: ${text}`);
        assert.equal(typeof json.id, 'string');
        assert.match(json.id, /^did:[a-z0-9]+:.+/, `id is not a DID: ${json.id}`);
        const svc = (json.service ?? []).find((s) => s.id === '#roomy_syncserver');
        assert.ok(svc, `no #roomy_syncserver service in ${text}`);
        assert.equal(svc.type, 'RoomySyncserver');
        assert.equal(svc.serviceEndpoint, `http://localhost:${host.port}/`);
    });
});
