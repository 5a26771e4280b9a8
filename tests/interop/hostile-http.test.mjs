// Hostile clients, item 13: HTTP strictness, on raw sockets (fetch would normalise what is tested here).
// Content-Length is 1*DIGIT written once: two different values, "+26", "-1", " 26 ", "0x1a", lists and other
// shapes are 400 before any route runs (nothing of such a request is acted on); the same value repeated is one
// length and accepted (RFC 9110 8.6 allows either; this host accepts). HEAD is answered on every route with the
// headers GET would send, Content-Length of GET's body included, and no body; GET is unchanged.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { adminRequest, listBans, startAdminHost } from './lib/admin.mjs';
import { parseResponse, rawExchange, upgradeRequest } from './lib/rawhttp.mjs';

const SERVICE_DID = 'did:web:svc.http-strict.test';

/** One raw request; resolves the parsed response plus the raw text and the body's byte length. */
async function raw(host, head, body = '') {
    const r = await rawExchange(host.port, [head + body], { timeoutMs: 5000 });
    const parsed = parseResponse(r.text);
    const split = r.text.indexOf('\r\n\r\n');
    const bodyBytes = split < 0 ? 0 : Buffer.byteLength(r.text.slice(split + 4), 'latin1');
    return { ...parsed, text: r.text, bodyBytes, closed: r.closed };
}

function request(host, method, path, headers = {}) {
    const lines = [`${method} ${path} HTTP/1.1`, `Host: 127.0.0.1:${host.port}`];
    for (const [k, v] of Object.entries(headers)) {
        for (const value of [].concat(v)) lines.push(`${k}: ${value}`);
    }
    return lines.join('\r\n') + '\r\n\r\n';
}

describe('HTTP strictness: Content-Length and HEAD', { timeout: 120000 }, () => {
    let host;
    let auth;

    before(async () => {
        host = await startAdminHost({ did: SERVICE_DID });
        auth = `Bearer ${host.adminToken}`;
    });
    after(async () => { await host?.dispose(); });

    test('two different Content-Length values are 400, and the request is not acted on', async () => {
        const did = 'did:web:smuggled.http-strict.test';
        const body = JSON.stringify({ did, reason: 'smuggled' });
        for (const [what, lengths] of [['different', [body.length, body.length + 1]], ['smaller first', [5, body.length]],
            ['zero and the length', [0, body.length]]]) {
            const r = await raw(host, request(host, 'POST', '/admin/bans',
                { authorization: auth, 'content-type': 'application/json', 'content-length': lengths.map(String) }), body);
            assert.equal(r.status, 400, `${what}: ${r.text.slice(0, 300)}`);
            assert.match(r.body, /Content-Length/, `${what}: the answer says why`);
        }
        // Separated by other fields, in another case: still two lengths.
        const r = await raw(host, `POST /admin/bans HTTP/1.1\r\nHost: x\r\nContent-Length: ${body.length}\r\n`
            + `Authorization: ${auth}\r\ncontent-LENGTH: ${body.length + 7}\r\n\r\n`, body);
        assert.equal(r.status, 400, r.text.slice(0, 300));
        assert.ok(!(await listBans(host)).some((b) => b.did === did), 'a request with conflicting lengths stored a ban');
    });

    test('"+26", "-1", " 26 ", "0x1a" and every other non-digit Content-Length are 400', async () => {
        const did = 'did:web:signed-length.http-strict.test';
        const body = JSON.stringify({ did, reason: 'signed' });
        for (const value of [`+${body.length}`, '-1', ` ${body.length} `, `0x${body.length.toString(16)}`, `${body.length}, ${body.length}`,
            `${body.length},${body.length}`, `\t${body.length}`, `${body.length} `, `${body.length}.0`, '1e3', '', 'twenty-six',
            `0${body.length}x`]) {
            const head = `POST /admin/bans HTTP/1.1\r\nHost: x\r\nAuthorization: ${auth}\r\nContent-Type: application/json\r\n`
                + `Content-Length: ${value}\r\n\r\n`;
            const r = await raw(host, head, body);
            assert.equal(r.status, 400, `Content-Length: ${JSON.stringify(value)}: ${r.text.slice(0, 300)}`);
        }
        // On a GET without a body, too: the route is never reached.
        for (const value of ['+0', '-0', '0x0']) {
            const r = await raw(host, request(host, 'GET', '/xrpc/_health', { 'content-length': value }));
            assert.equal(r.status, 400, `GET with Content-Length ${value}: ${r.text.slice(0, 200)}`);
        }
        assert.ok(!(await listBans(host)).some((b) => b.did === did), 'a refused request stored a ban');
    });

    test('the same Content-Length repeated is one length: accepted (the documented choice)', async () => {
        const did = 'did:web:repeated.http-strict.test';
        const body = JSON.stringify({ did, reason: 'repeated' });
        const r = await raw(host, request(host, 'POST', '/admin/bans',
            { authorization: auth, 'content-type': 'application/json', 'content-length': [String(body.length), String(body.length)] }), body);
        assert.equal(r.status, 200, r.text.slice(0, 300));
        assert.ok((await listBans(host)).some((b) => b.did === did));
        // Leading zeros are still digits, and one space after the colon is how everyone writes it.
        const z = await raw(host, `GET /xrpc/_health HTTP/1.1\r\nHost: x\r\nContent-Length:000\r\n\r\n`);
        assert.equal(z.status, 200, z.text.slice(0, 200));
    });

    test('HEAD on every route: GET\'s status and headers, Content-Length of GET\'s body, no body', async () => {
        // Something in each admin view, so its body is not empty.
        assert.equal((await adminRequest(host, 'POST', '/admin/bans', { body: { did: 'did:web:head.http-strict.test', reason: 'head' } })).status, 200);
        assert.equal((await adminRequest(host, 'POST', '/admin/tokens', { body: { did: 'did:web:head.http-strict.test' } })).status, 200);
        const stable = [
            ['/xrpc/_health', {}], ['/.well-known/did.json', {}], ['/admin/sessions', { authorization: auth }],
            ['/admin/bans', { authorization: auth }], ['/admin/tokens', { authorization: auth }],
            ['/admin/documents', { authorization: auth }], ['/admin/sessions/none', { authorization: auth }],
            ['/admin/documents/leaf%3Anothing/export', { authorization: auth }], ['/admin/sessions', {}],
            ['/admin/nowhere', { authorization: auth }], ['/no/such/route', {}], ['/xrpc/chat.roomy.v0.sync.token', {}],
            ['/sync/as/did:web:head.http-strict.test', {}], ['/loro/as/did:web:head.http-strict.test', {}],
        ];
        for (const [path, headers] of stable) {
            const get = await raw(host, request(host, 'GET', path, headers));
            const head = await raw(host, request(host, 'HEAD', path, headers));
            assert.ok(get.status >= 200, `GET ${path}: ${get.text.slice(0, 200)}`);
            assert.equal(Number(get.headers['content-length']), get.bodyBytes, `GET ${path} is unchanged: its body is its length`);
            assert.ok(get.bodyBytes > 0, `GET ${path} has a body`);
            assert.equal(head.status, get.status, `HEAD ${path}: ${head.text.slice(0, 200)}`);
            assert.equal(head.bodyBytes, 0, `HEAD ${path} sent a body: ${JSON.stringify(head.body.slice(0, 100))}`);
            assert.equal(head.headers['content-length'], get.headers['content-length'], `HEAD ${path}: GET's Content-Length`);
            assert.equal(head.headers['content-type'], get.headers['content-type'], `HEAD ${path}: GET's Content-Type`);
        }
        // Views that change from one request to the next (the log, the metrics): same status, a length, no body.
        for (const path of ['/metrics', '/admin/log']) {
            const head = await raw(host, request(host, 'HEAD', path, { authorization: auth }));
            assert.equal(head.status, 200, `HEAD ${path}: ${head.text.slice(0, 200)}`);
            assert.ok(Number(head.headers['content-length']) > 0, `HEAD ${path}: Content-Length ${head.headers['content-length']}`);
            assert.equal(head.bodyBytes, 0, `HEAD ${path} sent a body`);
            const get = await raw(host, request(host, 'GET', path, { authorization: auth }));
            assert.equal(Number(get.headers['content-length']), get.bodyBytes, `GET ${path} is unchanged`);
        }
        // Errors the front answers itself (a bad Content-Length, a body too large) are headers only for HEAD too.
        for (const [what, headers, status] of [['a bad length', { 'content-length': '+1' }, 400],
            ['a body over 1 MiB', { 'content-length': String(2 * 1024 * 1024) }, 413]]) {
            const head = await raw(host, request(host, 'HEAD', '/xrpc/_health', headers));
            assert.equal(head.status, status, `HEAD with ${what}: ${head.text.slice(0, 200)}`);
            assert.equal(head.bodyBytes, 0, `HEAD with ${what} sent a body`);
            assert.ok(Number(head.headers['content-length']) > 0);
        }
    });

    test('HEAD with Upgrade: websocket upgrades nothing and spends nothing', async () => {
        const issued = await adminRequest(host, 'POST', '/admin/tokens', { body: { did: 'did:web:upgrade.http-strict.test' } });
        assert.equal(issued.status, 200);
        const head = upgradeRequest(host.port, 'did:web:upgrade.http-strict.test', `authorization, ${issued.json.token}`)
            .replace(/^GET /, 'HEAD ');
        const r = await raw(host, head);
        assert.notEqual(r.status, 101, r.text.slice(0, 300));
        assert.ok(r.status >= 400, r.text.slice(0, 300));
        assert.equal(r.bodyBytes, 0, 'HEAD answered with a body');
        // The token is still good for the real GET upgrade.
        const get = await rawExchange(host.port, [upgradeRequest(host.port, 'did:web:upgrade.http-strict.test',
            `authorization, ${issued.json.token}`)], { timeoutMs: 5000, untilHead: true });
        assert.equal(get.status, 101, get.text.slice(0, 300));
    });
});
