// Hostile clients, item 10: one DID, one spelling. A ban on a DID cannot be slipped past by spelling the DID
// another way — a trailing newline, space or tab (raw or percent-encoded), %61-style escapes of its own
// characters, the whole DID percent-encoded (once or twice), an uppercase method — on /sync/as/ and /loro/as/
// (real `ws` clients), at the token endpoint (the JWT iss of a real, validly signed service JWT) and in the
// admin API (ban list, tokens, log, sessions). Spellings that name the DID are that DID (canonical everywhere:
// sessions, bans, per-DID caps, tokens, the resolver's requests, a document's last writer); spellings that are
// no DID at all are refused as InvalidDid / BadJwtIss / InvalidRequest. Other sessions are untouched.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { adminRequest, assertError, listBans, listSessions, listTokens, logEntries, waitForSession } from './lib/admin.mjs';
import { DidServer, TOKEN_PATH, buyToken, editJwt, makeKeypair, mintJwt, openSync, show } from './lib/atproto.mjs';
import { metrics, refusals, startLimitsHost } from './lib/hardening.mjs';
import { appendText, closeAll, LeafClient, newDoc, randomEntityId } from './lib/leaf.mjs';
import { MessageType, RawLoroClient, closeAllLoro, loroUrl, roomName } from './lib/loro.mjs';
import { parseResponse, rawExchange, upgradeRequest } from './lib/rawhttp.mjs';
import { waitUntil } from './lib/util.mjs';

const SERVICE_DID = 'did:web:svc.spelling.test';

const hex = (c, lower = false) => {
    const h = c.charCodeAt(0).toString(16).padStart(2, '0');
    return '%' + (lower ? h.toLowerCase() : h.toUpperCase());
};

/** Spellings that name `did` itself (did:<method>:<id>): the host must treat each exactly as `did`. */
function sameDid(did) {
    const [, method, id] = /^did:([a-z0-9]+):(.*)$/.exec(did);
    const escapedFirst = `did:${method}:${hex(id[0])}${id.slice(1)}`;
    const allEscaped = `did:${method}:${[...id].map((c) => hex(c, true)).join('')}`;
    return {
        'an escaped first character (%XX)': escapedFirst,
        'every character escaped, lowercase hex': allEscaped,
        'encoded whole (encodeURIComponent)': encodeURIComponent(did),
        'encoded whole, lowercase hex': encodeURIComponent(did).replace(/%3A/g, '%3a'),
        'an escape inside, encoded whole': encodeURIComponent(escapedFirst),
    };
}

/** Spellings that are no DID (control characters, whitespace, uppercase method) — in a URL path. */
function notADid(did) {
    const [, method, id] = /^did:([a-z0-9]+):(.*)$/.exec(did);
    return {
        'encoded whole with a trailing newline (the reported attack)': encodeURIComponent(did + '\n'),
        'encoded whole with a trailing CR LF': encodeURIComponent(did + '\r\n'),
        'encoded whole with a trailing space': encodeURIComponent(did + ' '),
        'encoded whole with a trailing tab': encodeURIComponent(did + '\t'),
        'encoded whole with a leading space': encodeURIComponent(' ' + did),
        'encoded whole with a NUL': encodeURIComponent(did + '\0'),
        'as written with an escaped newline': `${did}%0A`,
        'as written with an escaped space': `${did}%20`,
        'as written with an escaped tab': `${did}%09`,
        'a newline encoded twice': encodeURIComponent(`${did}%0A`),
        'an uppercase method': `did:${method.toUpperCase()}:${id}`,
        'an uppercase method, encoded whole': encodeURIComponent(`did:${method.toUpperCase()}:${id}`),
        'an uppercase scheme': `DID:${method}:${id}`,
        'an uppercase did:plc id': `did:${method}:${id.toUpperCase()}`,
    };
}

function assertInvalidDid(r, what) {
    assert.equal(r.opened, false, `${what}: the upgrade succeeded`);
    assert.equal(r.statusCode, 400, `${what}: expected 400 InvalidDid, got ${show(r)}`);
    assert.equal(r.json?.error, 'InvalidDid', `${what}: ${r.body}`);
}

function assertBanned(r, what) {
    assert.equal(r.opened, false, `${what}: the banned DID opened a session`);
    assert.equal(r.statusCode, 403, `${what}: expected 403 AccountBanned, got ${show(r)}`);
    assert.equal(r.json?.error, 'AccountBanned', `${what}: ${r.body}`);
}

/** Connect to /loro/as/<spelling> and join with `token`: { http } when the upgrade is refused, else { join }. */
async function loroAttempt(host, spelling, token, clients) {
    try {
        const c = await RawLoroClient.connect(host, spelling, { url: loroUrl(host, spelling), token });
        clients.push(c);
        try {
            return { join: await c.join({ roomId: roomName('spelling') }) };
        } catch (err) {
            return { closed: c.closeInfo, error: err };
        }
    } catch (err) {
        return { http: err.statusCode, json: err.json, body: err.body };
    }
}

describe('hostile spellings of a DID', { timeout: 180000 }, () => {
    let dids;
    let host;
    let victim;  // { did, keypair }: banned
    let other;   // { did, keypair }: never banned
    const clients = [];
    const loroClients = [];
    let bystander;
    let bystanderDoc;
    const entity = randomEntityId();

    before(async () => {
        dids = await DidServer.start();
        victim = { keypair: await makeKeypair('k256') };
        victim.did = dids.addPlc(victim.keypair);
        other = { keypair: await makeKeypair('p256') };
        other.did = dids.addPlc(other.keypair);
        host = await startLimitsHost({ did: SERVICE_DID, args: ['--plc-url', dids.url] });
        // A session that has nothing to do with any of this: it must notice nothing.
        bystander = await LeafClient.connect(host.wsUrl('did:web:bystander.spelling.test'), host.token, { timeoutMs: 5000 });
        clients.push(bystander);
        bystanderDoc = newDoc();
        await bystander.subscribe(entity, bystanderDoc);
        const r = await adminRequest(host, 'POST', '/admin/bans', { body: { did: victim.did, reason: 'spelling test' } });
        assert.equal(r.status, 200, show(r));
    });
    after(async () => {
        await closeAll(clients);
        await closeAllLoro(loroClients);
        await host?.dispose();
        await dids?.stop();
    });

    test('/sync/as/: every spelling of a banned DID is the banned DID (403), every non-DID spelling is 400', async () => {
        const before = (await refusals(host))['invalid-did'] ?? 0;
        assertBanned(await openSync(host, victim.did, host.token), 'the canonical spelling');
        for (const [what, spelling] of Object.entries(sameDid(victim.did)))
            assertBanned(await openSync(host, spelling, host.token), `${what} (${spelling})`);
        const invalid = Object.entries(notADid(victim.did));
        for (const [what, spelling] of invalid)
            assertInvalidDid(await openSync(host, spelling, host.token), `${what} (${spelling})`);
        // Refusals are counted (and logged with the reason).
        const after = (await refusals(host))['invalid-did'] ?? 0;
        assert.ok(after - before >= invalid.length, `canopy_refusals_total{reason="invalid-did"} rose by ${after - before}`);
        assert.ok(host.logs.some((l) => /does not end in a DID/.test(l.message) && /whitespace or a control/.test(l.reason ?? '')),
            'the refusal is logged with its reason');
        assert.ok(!(await listSessions(host)).some((s) => s.did !== 'did:web:bystander.spelling.test'),
            'a session was opened by a hostile spelling');
    });

    test('/sync/as/: raw control characters and spaces in the request line are refused before any route', async () => {
        for (const [what, path] of [['a raw tab', `${victim.did}\t`], ['a raw trailing space', `${victim.did} `],
            ['a raw newline', `${victim.did}\n`]]) {
            const head = upgradeRequest(host.port, path, `authorization, ${host.token}`);
            const r = await rawExchange(host.port, [head], { timeoutMs: 5000 });
            assert.equal(r.status, 400, `${what}: ${r.text.slice(0, 300)}`);
        }
    });

    test('/loro/as/: the same spellings never join as the banned DID; non-DID spellings are 400', async () => {
        for (const [what, spelling] of Object.entries({ canonical: victim.did, ...sameDid(victim.did) })) {
            const r = await loroAttempt(host, spelling, host.token, loroClients);
            if (r.http !== undefined) {
                assert.equal(r.http, 403, `${what}: ${r.body}`);
                assert.equal(r.json?.error, 'AccountBanned', `${what}: ${r.body}`);
            } else if (r.join) {
                assert.equal(r.join.type, MessageType.JoinError, `${what} (${spelling}): the banned DID joined a room`);
            }
        }
        for (const [what, spelling] of Object.entries(notADid(victim.did))) {
            const r = await loroAttempt(host, spelling, host.token, loroClients);
            assert.equal(r.http, 400, `${what} (${spelling}): ${JSON.stringify(r.join ?? r.body ?? r.closed)}`);
            assert.equal(r.json?.error, 'InvalidDid', `${what}: ${r.body}`);
        }
    });

    test('sessions, hub members and a document\'s last writer carry the canonical DID, whatever the spelling', async () => {
        const spellings = sameDid(other.did);
        const sync = await LeafClient.connect(host.wsUrl(spellings['an escaped first character (%XX)']), host.token, { timeoutMs: 5000 });
        clients.push(sync);
        const loro = await RawLoroClient.connect(host, other.did, { url: loroUrl(host, spellings['encoded whole (encodeURIComponent)']) });
        loroClients.push(loro);
        assert.equal((await loro.join({ roomId: roomName('canonical') })).type, MessageType.JoinResponseOk);
        await waitUntil(async () => (await listSessions(host)).filter((s) => s.did === other.did).length === 2,
            { timeoutMs: 5000, what: 'both sessions listed under the canonical DID' });
        const all = await listSessions(host);
        const known = new Set([victim.did, other.did, 'did:web:bystander.spelling.test']);
        assert.deepEqual(all.filter((s) => !known.has(s.did)), [],
            `a session under another spelling: ${JSON.stringify(all.map((s) => s.did))}`);
        // A write through the escaped spelling is the canonical DID's.
        const doc = newDoc();
        await sync.subscribe(entity, doc);
        appendText(doc, 'written by a spelling');
        await waitUntil(() => bystanderDoc.getText('text').toString().includes('written by a spelling'),
            { timeoutMs: 5000, what: 'the bystander to receive the write' });
        const shown = await adminRequest(host, 'GET', `/admin/documents/${entity}`);
        assert.equal(shown.status, 200, show(shown));
        assert.equal(shown.json.lastWriter, other.did, `lastWriter: ${shown.text}`);
        // The log is queried by any spelling and shows the canonical one.
        const entries = await logEntries(host, { did: spellings['every character escaped, lowercase hex'] });
        assert.ok(entries.length > 0 && entries.every((e) => e.did === other.did), JSON.stringify(entries.slice(0, 3)));
        await sync.close();
        await loro.close();
    });

    test('per-DID connection caps count every spelling as the one DID', async () => {
        const capped = await startLimitsHost({ did: SERVICE_DID, args: ['--max-connections-per-did', '2'] });
        const mine = [];
        try {
            const did = 'did:web:capped.spelling.test';
            const spellings = Object.values(sameDid(did));
            mine.push(await LeafClient.connect(capped.wsUrl(spellings[0]), capped.token, { timeoutMs: 5000 }));
            mine.push(await LeafClient.connect(capped.wsUrl(spellings[1]), capped.token, { timeoutMs: 5000 }));
            const third = await openSync(capped, spellings[2], capped.token);
            assert.equal(third.opened, false, 'a third spelling opened a third connection past the cap of 2');
            assert.equal(third.statusCode, 429, show(third));
            const upper = await openSync(capped, 'did:web:CAPPED.spelling.test', capped.token);
            assert.equal(upper.statusCode, 429, `a did:web host in uppercase is the same host: ${show(upper)}`);
        } finally {
            await closeAll(mine);
            await capped.dispose();
        }
    });

    test('token endpoint: a JWT iss spelled otherwise is the canonical DID (ban holds, token opens only it)', async () => {
        const respell = (jwt, keypair, iss) => editJwt(jwt, keypair, ({ payload }) => { payload.iss = iss; });
        const base = await mintJwt({ iss: victim.did, aud: SERVICE_DID, keypair: victim.keypair });
        for (const [what, iss] of Object.entries({ canonical: victim.did,
            'an escaped first character': sameDid(victim.did)['an escaped first character (%XX)'],
            'every character escaped': sameDid(victim.did)['every character escaped, lowercase hex'] })) {
            const r = await buyToken(host, await respell(base, victim.keypair, iss));
            assert.equal(r.status, 403, `${what} (${iss}): ${show(r)}`);
            assert.equal(r.json?.error, 'AccountBanned', `${what}: ${r.text}`);
        }
        const [, , id] = /^did:([a-z]+):(.*)$/.exec(victim.did);
        for (const [what, iss] of Object.entries({
            'a trailing newline': `${victim.did}\n`, 'a trailing space': `${victim.did} `, 'a trailing tab': `${victim.did}\t`,
            'an escaped newline': `${victim.did}%0A`, 'an uppercase method': `did:PLC:${id}`, 'an uppercase id': `did:plc:${id.toUpperCase()}`,
            'a leading space': ` ${victim.did}` })) {
            const r = await buyToken(host, await respell(base, victim.keypair, iss));
            assert.equal(r.status, 401, `${what} (${JSON.stringify(iss)}): ${show(r)}`);
            assert.equal(r.json?.error, 'BadJwtIss', `${what}: ${r.text}`);
        }

        // An identity that is not banned buys a token with an escaped iss: it is issued to the canonical DID,
        // the resolver asked for the canonical DID only, and the token opens that DID and nothing else.
        const escaped = sameDid(other.did)['an escaped first character (%XX)'];
        const requestsBefore = dids.totalRequests;
        const jwt = await respell(await mintJwt({ iss: other.did, aud: SERVICE_DID, keypair: other.keypair }), other.keypair, escaped);
        const bought = await buyToken(host, jwt);
        assert.equal(bought.status, 200, show(bought));
        const asked = dids.log.slice(requestsBefore).map((e) => e.did);
        assert.ok(asked.length >= 1 && asked.every((d) => d === other.did), `resolver requests: ${JSON.stringify(asked)}`);
        const tokens = await listTokens(host);
        assert.ok(tokens.some((t) => t.did === other.did), `no token record for ${other.did}`);
        assert.ok(!tokens.some((t) => t.did !== other.did && t.did.slice(8).toLowerCase().includes(other.did.slice(9))),
            `a token record under another spelling: ${JSON.stringify(tokens.map((t) => t.did))}`);
        const elsewhere = await openSync(host, victim.did, bought.json.token);
        assert.equal(elsewhere.opened, false, 'the token opened another DID');
        const opened = await openSync(host, other.did, bought.json.token, { keepOpen: true });
        assert.equal(opened.opened, true, show(opened));
        await waitForSession(host, (s) => s.did === other.did && s.protocol === 'sync1');
        opened.ws.close();
        // Spent: no other spelling gets a second use out of it.
        const again = await openSync(host, escaped, bought.json.token);
        assert.equal(again.opened, false, 'the spent token opened the DID again under another spelling');
        assert.equal(again.json?.error, 'TokenUsed', show(again));
    });

    test('admin API: bans, unbans, tokens and the log compare DIDs in one canonical spelling', async () => {
        const did = 'did:plc:spellingadmintestdid2345';
        const [, , id] = /^did:([a-z]+):(.*)$/.exec(did);
        const escaped = `did:plc:${hex(id[0], true)}${id.slice(1)}`;
        const r = await adminRequest(host, 'POST', '/admin/bans', { body: { did: escaped, reason: 'escaped' } });
        assert.equal(r.status, 200, show(r));
        assert.equal(r.json.did, did, 'the ban answers with the canonical DID');
        const again = await adminRequest(host, 'POST', '/admin/bans', { body: { did: `did:plc:${[...id].map((c) => hex(c)).join('')}`, reason: 'again' } });
        assert.equal(again.status, 200, show(again));
        const listed = (await listBans(host)).filter((b) => b.did.startsWith('did:plc:') && b.did !== victim.did);
        assert.deepEqual(listed.map((b) => b.did), [did], 'one ban, in the canonical spelling');
        assert.equal(listed[0].reason, 'again', 'the second spelling updated the one ban');
        assertBanned(await openSync(host, did, host.token), 'banned by another spelling');

        for (const [what, bad] of [['a trailing newline', `${did}\n`], ['a trailing space', `${did} `], ['a tab', `${did}\t`],
            ['an uppercase method', `did:PLC:${id}`], ['an escaped newline', `${did}%0A`], ['an uppercase id', did.toUpperCase().replace('DID:PLC', 'did:plc')]]) {
            assertError(await adminRequest(host, 'POST', '/admin/bans', { body: { did: bad, reason: 'x' } }), 400, 'InvalidRequest', `ban: ${what}`);
            assertError(await adminRequest(host, 'POST', '/admin/tokens', { body: { did: bad } }), 400, 'InvalidRequest', `token: ${what}`);
        }
        assertError(await adminRequest(host, 'DELETE', `/admin/bans/${encodeURIComponent(did + '\n')}`), 400, 'InvalidRequest', 'unban with a newline');
        assertError(await adminRequest(host, 'DELETE', `/admin/bans/did:PLC:${id}`), 400, 'InvalidRequest', 'unban, uppercase method');
        assert.ok((await listBans(host)).some((b) => b.did === did), 'a refused unban lifted the ban');

        // Unbanned by yet another spelling: the whole DID encoded, with an escape inside.
        const un = await adminRequest(host, 'DELETE', `/admin/bans/${encodeURIComponent(escaped)}`);
        assert.equal(un.status, 200, show(un));
        assert.ok(!(await listBans(host)).some((b) => b.did === did), 'the ban is gone');
        assert.equal((await openSync(host, did, host.token)).opened, true, 'unbanned, the DID opens again');

        // An operator-issued token for a spelling is the canonical DID's.
        const issued = await adminRequest(host, 'POST', '/admin/tokens', { body: { did: escaped } });
        assert.equal(issued.status, 200, show(issued));
        assert.equal(issued.json.did, did);
        assert.equal((await openSync(host, `did:plc:${id.slice(0, -1)}x`, issued.json.token)).opened, false);
        assert.equal((await openSync(host, encodeURIComponent(did), issued.json.token)).opened, true);
    });

    test('the bystander session is untouched', async () => {
        assert.ok(bystander.isOpen, 'the bystander was disconnected');
        appendText(bystanderDoc, ' and the bystander writes on');
        const m = await metrics(host);
        assert.ok(m.samples.length > 0);
        const r = await buyToken(host, null);
        assert.equal(r.status, 401, `${TOKEN_PATH} still answers: ${show(r)}`);
    });
});
