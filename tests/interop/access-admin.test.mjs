// Access control's admin API (issue 11) on the real host: members (GET/POST/DELETE /admin/members), a
// document's owner/default/grants (GET/PUT /admin/documents/<id>/access, ids with "/" percent-encoded),
// access keys (GET/POST/DELETE /admin/keys: 201 with the value shown once, 409 for a name in use) and the
// simulator GET /admin/access/check, whose answer and `why` are checked for every rule: owner, default,
// grant, a document not yet created, a key in and out of its scope, an expired and an unknown key, a
// member and a non-member in members mode, a ban. A document's first write records its writer as owner
// (seen through a real Sync1 client). Bad bodies get 400 naming the field; unknown things 404; every
// route 401 without the admin token. Every change is an event (category canopy.access: actor, target, before, after), and key values
// never reach the host's stderr, the event log or any file of the data directory. --access and
// --document-access refuse bad values with exit 2 and one line.
//
// Enforcement on live sessions (tokens, joins, updates) is the subject of access-members, -documents,
// -keys and -live; here the host's decisions are read through the simulator only.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { adminJson, adminRequest, assertError, assertIsoBetween, logEntries, logMark, startAdminHost } from './lib/admin.mjs';
import { freePort, makeTempDir, makeToken, runOnce } from './lib/host.mjs';
import { LeafClient, appendText, closeAll, newDoc, randomEntityId } from './lib/leaf.mjs';
import { waitUntil } from './lib/util.mjs';

const ALICE = 'did:plc:aliceaaaaaaaaaaaaaaaaaaa';
const BOB = 'did:plc:bobbbbbbbbbbbbbbbbbbbbbb';
const CAROL = 'did:plc:carolcccccccccccccccccc';
const KEY_RE = /^[A-Za-z0-9_-]{43}$/;

let counter = 0;
/** A document id of its own for one test. */
function freshDoc(tag = 'doc') {
    counter += 1;
    return `${tag}-${process.pid}-${counter}`;
}

const enc = encodeURIComponent;

async function check(host, identity, document) {
    const r = await adminRequest(host, 'GET', `/admin/access/check?identity=${enc(identity)}&document=${enc(document)}`);
    assert.equal(r.status, 200, `check ${identity} on ${document}: ${r.text}`);
    assert.deepEqual(Object.keys(r.json).sort(), ['connect', 'read', 'why', 'write']);
    for (const k of ['connect', 'read', 'write']) assert.equal(typeof r.json[k], 'boolean', `${k} is a boolean`);
    assert.equal(typeof r.json.why, 'string');
    return r.json;
}

/** The simulator's answer as "crw" / "cr-" / "---" and the rule its why names. */
async function verdict(host, identity, document) {
    const a = await check(host, identity, document);
    const crw = (a.connect ? 'c' : '-') + (a.read ? 'r' : '-') + (a.write ? 'w' : '-');
    const rule = /^([a-z-]+): /.exec(a.why)?.[1];
    assert.ok(rule, `the why names a rule: ${a.why}`);
    return { crw, rule, why: a.why };
}

async function putAccess(host, document, body) {
    return adminRequest(host, 'PUT', `/admin/documents/${enc(document)}/access`, { body });
}

async function issueKey(host, body) {
    const r = await adminRequest(host, 'POST', '/admin/keys', { body });
    assert.equal(r.status, 201, `POST /admin/keys ${JSON.stringify(body)}: ${r.text}`);
    return r.json;
}

/** Every byte of every file under `dir`. */
function filesUnder(dir) {
    const out = [];
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
        const p = path.join(dir, entry.name);
        if (entry.isDirectory()) out.push(...filesUnder(p));
        else if (entry.isFile()) out.push({ path: p, bytes: fs.readFileSync(p) });
    }
    return out;
}

describe('access admin API (open mode, --document-access write)', () => {
    let host;
    before(async () => { host = await startAdminHost(); });
    after(async () => { await host?.dispose(); });

    test('members: list, add (canonical spelling, note), replace the note, remove; 400 naming the field, 404', async () => {
        assert.deepEqual((await adminJson(host, '/admin/members')).members, []);
        const t0 = Date.now();
        const added = await adminRequest(host, 'POST', '/admin/members', { body: { did: ALICE, note: 'design' } });
        assert.equal(added.status, 200, added.text);
        assert.equal(added.json.did, ALICE);
        assert.equal(added.json.note, 'design');
        assert.equal(added.json.handle, null, 'no handle is cached for this DID');
        assertIsoBetween(added.json.addedAt, t0, Date.now(), 'addedAt');

        // did:web hosts are case-insensitive: the member is listed in the canonical spelling.
        const web = await adminRequest(host, 'POST', '/admin/members', { body: { did: 'did:web:Team.Example' } });
        assert.equal(web.status, 200, web.text);
        assert.equal(web.json.did, 'did:web:team.example');
        assert.equal(web.json.note, '');

        const again = await adminRequest(host, 'POST', '/admin/members', { body: { did: ALICE, note: 'lead' } });
        assert.equal(again.status, 200, again.text);
        assert.equal(again.json.addedAt, added.json.addedAt, 'adding again keeps when it was added');
        const list = (await adminJson(host, '/admin/members')).members;
        assert.deepEqual(list.map((m) => [m.did, m.note]), [[ALICE, 'lead'], ['did:web:team.example', '']]);

        for (const [body, field] of [
            [{ note: 'x' }, 'did'], [{ did: 42 }, 'did'], [{ did: 'not-a-did' }, 'did'],
            [{ did: 'did:plc:UPPER' }, 'did'], [{ did: ALICE, note: 7 }, 'note'],
            [{ did: ALICE, note: 'n'.repeat(1001) }, 'note'],
        ]) {
            const r = await adminRequest(host, 'POST', '/admin/members', { body });
            assertError(r, 400, 'InvalidRequest', JSON.stringify(body).slice(0, 80));
            assert.match(r.json.message, new RegExp(`'${field}'`), r.json.message);
        }
        assertError(await adminRequest(host, 'POST', '/admin/members', { body: 'did=x' }), 400, 'InvalidRequest');
        assertError(await adminRequest(host, 'PUT', '/admin/members', { body: {} }), 405, 'MethodNotAllowed');

        // Removal by path: encoded whole, or as written (did:web keeps its own escapes).
        assert.equal((await adminRequest(host, 'DELETE', `/admin/members/${enc('did:web:team.example')}`)).status, 200);
        assert.equal((await adminRequest(host, 'DELETE', `/admin/members/${ALICE}`)).status, 200);
        const gone = await adminRequest(host, 'DELETE', `/admin/members/${ALICE}`);
        assertError(gone, 404, 'NotFound');
        assert.match(gone.json.message, /not a member/);
        const bad = await adminRequest(host, 'DELETE', '/admin/members/nope');
        assertError(bad, 400, 'InvalidRequest');
        assert.match(bad.json.message, /'did'/);
        assert.deepEqual((await adminJson(host, '/admin/members')).members, []);
    });

    test('document access: 404 before it exists, PUT provisions and replaces all three, ids with "/" percent-encoded', async () => {
        const doc = `team/${freshDoc('notes')}`;
        const url = `/admin/documents/${enc(doc)}/access`;
        const missing = await adminRequest(host, 'GET', url);
        assertError(missing, 404, 'NotFound');

        const body = { owner: ALICE, default: 'read', grants: [{ identity: BOB, permission: 'write' }, { identity: 'key:ci', permission: 'read' }] };
        const put = await putAccess(host, doc, body);
        assert.equal(put.status, 200, put.text);
        assert.deepEqual(put.json, body);
        assert.deepEqual(await adminJson(host, url), body);

        // A PUT replaces: grants left out of the new list are gone; no owner is null.
        const replaced = await putAccess(host, doc, { owner: null, default: 'none', grants: [{ identity: CAROL, permission: 'read' }] });
        assert.equal(replaced.status, 200, replaced.text);
        assert.deepEqual(await adminJson(host, url), { owner: null, default: 'none', grants: [{ identity: CAROL, permission: 'read' }] });
        // One grant per identity: the last one named; DIDs in their canonical spelling.
        const twice = await putAccess(host, doc, { default: 'read', grants: [
            { identity: 'did:web:A.Example', permission: 'read' }, { identity: 'did:web:a.example', permission: 'write' }] });
        assert.equal(twice.status, 200, twice.text);
        assert.deepEqual(twice.json.grants, [{ identity: 'did:web:a.example', permission: 'write' }]);
        assert.equal(twice.json.owner, null, 'an absent owner is none');

        assertError(await adminRequest(host, 'POST', url, { body }), 405, 'MethodNotAllowed');
        const unknown = await adminRequest(host, 'GET', `/admin/documents/${enc(freshDoc())}/access`);
        assertError(unknown, 404, 'NotFound');
    });

    test('document access: bad bodies get 400 naming the field, nothing is changed', async () => {
        const doc = freshDoc();
        const good = { owner: ALICE, default: 'write', grants: [] };
        assert.equal((await putAccess(host, doc, good)).status, 200);
        const cases = [
            [{ owner: ALICE, grants: [] }, 'default'],
            [{ owner: ALICE, default: 'admin', grants: [] }, 'default'],
            [{ owner: ALICE, default: 'Write', grants: [] }, 'default'],
            [{ owner: ALICE, default: 'read' }, 'grants'],
            [{ owner: ALICE, default: 'read', grants: {} }, 'grants'],
            [{ owner: 17, default: 'read', grants: [] }, 'owner'],
            [{ owner: 'alice', default: 'read', grants: [] }, 'owner'],
            [{ owner: 'key:no spaces', default: 'read', grants: [] }, 'owner'],
            [{ default: 'read', grants: ['x'] }, 'grants\\[0\\]'],
            [{ default: 'read', grants: [{ permission: 'read' }] }, 'grants\\[0\\]\\.identity'],
            [{ default: 'read', grants: [{ identity: BOB, permission: 'read' }, { identity: 'bob', permission: 'read' }] }, 'grants\\[1\\]\\.identity'],
            [{ default: 'read', grants: [{ identity: BOB, permission: 'none' }] }, 'grants\\[0\\]\\.permission'],
            [{ default: 'read', grants: [{ identity: BOB }] }, 'grants\\[0\\]\\.permission'],
        ];
        for (const [body, field] of cases) {
            const r = await putAccess(host, doc, body);
            assertError(r, 400, 'InvalidRequest', JSON.stringify(body));
            assert.match(r.json.message, new RegExp(`'${field}`), `${JSON.stringify(body)}: ${r.json.message}`);
        }
        assertError(await putAccess(host, doc, '{"default":'), 400, 'InvalidRequest');
        const long = await putAccess(host, 'x'.repeat(129), good);
        assertError(long, 400, 'InvalidRequest');
        assert.match(long.json.message, /'document'/);
        assert.deepEqual(await adminJson(host, `/admin/documents/${enc(doc)}/access`), good, 'unchanged');
    });

    test('keys: 201 with the value once, listed without it, 409 for a name in use, 400 naming the field, revoke and 404', async () => {
        assert.deepEqual((await adminJson(host, '/admin/keys')).keys, []);
        const t0 = Date.now();
        const expiresAt = new Date(Date.now() + 3600e3).toISOString();
        const issued = await issueKey(host, { name: 'ci-bot', scope: 'leaf:*', permission: 'write', expiresAt });
        assert.match(issued.key, KEY_RE, 'the value: 32 random bytes, base64url');
        assert.equal(issued.name, 'ci-bot');
        assert.equal(issued.identity, 'key:ci-bot');
        assert.equal(issued.scope, 'leaf:*');
        assert.equal(issued.permission, 'write');
        assert.equal(Date.parse(issued.expiresAt), Date.parse(expiresAt));
        assertIsoBetween(issued.createdAt, t0, Date.now(), 'createdAt');
        const forever = await issueKey(host, { name: 'reader.1', scope: 'room-42', permission: 'read' });
        assert.equal(forever.expiresAt, null);
        assert.notEqual(forever.key, issued.key);

        const list = (await adminJson(host, '/admin/keys')).keys;
        assert.deepEqual(list.map((k) => k.name), ['ci-bot', 'reader.1']);
        for (const k of list) {
            assert.equal(k.key, undefined, 'a listed key has no value');
            assert.equal(k.sessions, 0);
        }
        assert.ok(!JSON.stringify(list).includes(issued.key));

        const taken = await adminRequest(host, 'POST', '/admin/keys', { body: { name: 'ci-bot', scope: '*', permission: 'read' } });
        assertError(taken, 409, 'Conflict');
        assert.match(taken.json.message, /ci-bot/);

        const cases = [
            [{ scope: '*', permission: 'read' }, 'name'],
            [{ name: '', scope: '*', permission: 'read' }, 'name'],
            [{ name: 'has space', scope: '*', permission: 'read' }, 'name'],
            [{ name: 'a/b', scope: '*', permission: 'read' }, 'name'],
            [{ name: 'k'.repeat(65), scope: '*', permission: 'read' }, 'name'],
            [{ name: 'k', permission: 'read' }, 'scope'],
            [{ name: 'k', scope: '', permission: 'read' }, 'scope'],
            [{ name: 'k', scope: 'x'.repeat(129), permission: 'read' }, 'scope'],
            [{ name: 'k', scope: '*' }, 'permission'],
            [{ name: 'k', scope: '*', permission: 'none' }, 'permission'],
            [{ name: 'k', scope: '*', permission: 'admin' }, 'permission'],
            [{ name: 'k', scope: '*', permission: 'read', expiresAt: new Date(Date.now() - 1000).toISOString() }, 'expiresAt'],
            [{ name: 'k', scope: '*', permission: 'read', expiresAt: '2030-01-01T00:00:00' }, 'expiresAt'],
            [{ name: 'k', scope: '*', permission: 'read', expiresAt: 'tomorrow' }, 'expiresAt'],
            [{ name: 'k', scope: '*', permission: 'read', expiresAt: 1900000000 }, 'expiresAt'],
        ];
        for (const [body, field] of cases) {
            const r = await adminRequest(host, 'POST', '/admin/keys', { body });
            assertError(r, 400, 'InvalidRequest', JSON.stringify(body).slice(0, 100));
            assert.match(r.json.message, new RegExp(`'${field}'`), `${JSON.stringify(body).slice(0, 100)}: ${r.json.message}`);
        }
        assert.equal((await adminJson(host, '/admin/keys')).keys.length, 2, 'no refused key was stored');

        assert.equal((await adminRequest(host, 'DELETE', '/admin/keys/reader.1')).status, 200);
        assertError(await adminRequest(host, 'DELETE', '/admin/keys/reader.1'), 404, 'NotFound');
        assertError(await adminRequest(host, 'DELETE', '/admin/keys/no%20such'), 400, 'InvalidRequest');
        assertError(await adminRequest(host, 'PUT', '/admin/keys', { body: {} }), 405, 'MethodNotAllowed');
        assert.deepEqual((await adminJson(host, '/admin/keys')).keys.map((k) => k.name), ['ci-bot']);
        assert.equal((await adminRequest(host, 'DELETE', '/admin/keys/ci-bot')).status, 200);
    });

    test('simulator: owner, default, grant and a document not yet created, each named in why', async () => {
        const doc = freshDoc();
        assert.deepEqual(await verdict(host, BOB, doc).then((v) => [v.crw, v.rule]), ['crw', 'new-document']);
        assert.match((await check(host, BOB, doc)).why, new RegExp(`${BOB} may create it and would own it.*default write`));

        assert.equal((await putAccess(host, doc, { owner: ALICE, default: 'none', grants: [] })).status, 200);
        let v = await verdict(host, ALICE, doc);
        assert.deepEqual([v.crw, v.rule], ['crw', 'owner']);
        assert.match(v.why, new RegExp(`${ALICE} owns '${doc}'`));
        v = await verdict(host, BOB, doc);
        assert.deepEqual([v.crw, v.rule], ['c--', 'default']);
        assert.match(v.why, /is none/);

        assert.equal((await putAccess(host, doc, { owner: ALICE, default: 'read', grants: [] })).status, 200);
        v = await verdict(host, BOB, doc);
        assert.deepEqual([v.crw, v.rule], ['cr-', 'default'], 'a change is decided at once');

        assert.equal((await putAccess(host, doc, { owner: ALICE, default: 'read', grants: [{ identity: BOB, permission: 'write' }] })).status, 200);
        v = await verdict(host, BOB, doc);
        assert.deepEqual([v.crw, v.rule], ['crw', 'grant']);
        assert.match(v.why, new RegExp(`${BOB} is granted write`));
        v = await verdict(host, CAROL, doc);
        assert.deepEqual([v.crw, v.rule], ['cr-', 'default'], 'a grant is for its identity only');

        assert.equal((await putAccess(host, doc, { owner: ALICE, default: 'write', grants: [{ identity: BOB, permission: 'read' }] })).status, 200);
        v = await verdict(host, BOB, doc);
        assert.deepEqual([v.crw, v.rule], ['crw', 'default']);
        assert.match(v.why, /adds nothing/);
        // Rights are per id: another id is another document.
        assert.equal((await verdict(host, BOB, doc + 'x')).rule, 'new-document');
    });

    test('simulator: a key in and out of its scope, whatever the document says; unknown and expired keys', async () => {
        const inScope = freshDoc('proj');
        assert.equal((await putAccess(host, inScope, { owner: 'key:proj-reader', default: 'write', grants: [{ identity: 'key:proj-reader', permission: 'write' }] })).status, 200);
        await issueKey(host, { name: 'proj-reader', scope: 'proj-*', permission: 'read' });
        let v = await verdict(host, 'key:proj-reader', inScope);
        assert.deepEqual([v.crw, v.rule], ['cr-', 'key-scope'], 'the key\'s permission, whatever owner, default and grants say');
        assert.match(v.why, /'proj-\*' of access key 'proj-reader', which gives read/);
        v = await verdict(host, 'key:proj-reader', freshDoc('other'));
        assert.deepEqual([v.crw, v.rule], ['c--', 'key-out-of-scope']);

        const exact = freshDoc('exact');
        await issueKey(host, { name: 'exact-writer', scope: exact, permission: 'write' });
        assert.deepEqual(await verdict(host, 'key:exact-writer', exact).then((x) => [x.crw, x.rule]), ['crw', 'key-scope']);
        assert.deepEqual(await verdict(host, 'key:exact-writer', exact + '0').then((x) => [x.crw, x.rule]), ['c--', 'key-out-of-scope']);

        v = await verdict(host, 'key:nobody', inScope);
        assert.deepEqual([v.crw, v.rule], ['---', 'unknown-key']);

        // Expiry: live until its time, then refused, decided without a restart.
        await issueKey(host, { name: 'brief', scope: '*', permission: 'write', expiresAt: new Date(Date.now() + 1500).toISOString() });
        assert.equal((await verdict(host, 'key:brief', inScope)).crw, 'crw');
        v = await waitUntil(async () => { const x = await verdict(host, 'key:brief', inScope); return x.rule === 'key-expired' && x; },
            { timeoutMs: 10000, intervalMs: 100, what: 'the key to expire' });
        assert.equal(v.crw, '---');
        assert.match(v.why, /access key 'brief' expired at \d{4}-/);
        assert.ok((await adminJson(host, '/admin/keys')).keys.some((k) => k.name === 'brief'), 'an expired key stays listed until revoked');
        const expired = await waitUntil(async () => (await logEntries(host, { category: 'canopy.access' }))
            .find((e) => e.message === 'access key expired' && e.target === 'key:brief'),
        { timeoutMs: 5000, intervalMs: 50, what: 'the expiry event' });
        assert.equal(expired.actor, 'host');

        // A revoked key is unknown.
        assert.equal((await adminRequest(host, 'DELETE', '/admin/keys/exact-writer')).status, 200);
        assert.equal((await verdict(host, 'key:exact-writer', exact)).rule, 'unknown-key');
    });

    test('simulator: a ban wins over ownership; refusals name identity and document', async () => {
        const doc = freshDoc();
        const banned = 'did:plc:bannedddddddddddddddddd';
        assert.equal((await putAccess(host, doc, { owner: banned, default: 'write', grants: [] })).status, 200);
        assert.equal((await verdict(host, banned, doc)).rule, 'owner');
        assert.equal((await adminRequest(host, 'POST', '/admin/bans', { body: { did: banned, reason: 'spam' } })).status, 200);
        const v = await verdict(host, banned, doc);
        assert.deepEqual([v.crw, v.rule], ['---', 'banned']);
        assert.match(v.why, /spam/);
        assert.equal((await adminRequest(host, 'DELETE', `/admin/bans/${banned}`)).status, 200);
        assert.equal((await verdict(host, banned, doc)).rule, 'owner');

        for (const [query, field] of [
            [`document=${doc}`, 'identity'], [`identity=${BOB}`, 'document'], [`identity=bob&document=${doc}`, 'identity'],
            [`identity=key:a%20b&document=${doc}`, 'identity'], [`identity=${BOB}&document=${'x'.repeat(129)}`, 'document'],
        ]) {
            const r = await adminRequest(host, 'GET', `/admin/access/check?${query}`);
            assertError(r, 400, 'InvalidRequest', query.slice(0, 80));
            assert.match(r.json.message, new RegExp(`'${field}'`), r.json.message);
        }
        assertError(await adminRequest(host, 'POST', `/admin/access/check?identity=${BOB}&document=${doc}`), 405, 'MethodNotAllowed');
        assertError(await adminRequest(host, 'GET', '/admin/access'), 404, 'NotFound');
        // A DID in another spelling is the same identity.
        assert.equal((await verdict(host, 'did:web:A.Example', doc)).crw, 'crw');
    });

    test('every access route answers 401 without the admin token and changes nothing', async () => {
        const doc = freshDoc();
        const routes = [
            ['GET', '/admin/members'], ['POST', '/admin/members', { did: ALICE }], ['DELETE', `/admin/members/${ALICE}`],
            ['GET', `/admin/documents/${doc}/access`], ['PUT', `/admin/documents/${doc}/access`, { default: 'none', grants: [] }],
            ['GET', '/admin/keys'], ['POST', '/admin/keys', { name: 'unauth', scope: '*', permission: 'write' }],
            ['DELETE', '/admin/keys/unauth'], ['GET', `/admin/access/check?identity=${ALICE}&document=${doc}`],
        ];
        for (const [method, route, body] of routes) {
            for (const o of [{ token: null }, { token: 'admin-wrong' }]) {
                const r = await adminRequest(host, method, route, { ...o, body });
                assertError(r, 401, 'AuthenticationRequired', `${method} ${route}`);
            }
        }
        assert.ok(!(await adminJson(host, '/admin/members')).members.some((m) => m.did === ALICE));
        assert.ok(!(await adminJson(host, '/admin/keys')).keys.some((k) => k.name === 'unauth'));
        assertError(await adminRequest(host, 'GET', `/admin/documents/${doc}/access`), 404, 'NotFound');
    });

    test('a document\'s first write records its writer as owner with --document-access as default (Sync1)', async () => {
        const writer = `did:web:writer-${process.pid}.access.test`;
        const entity = randomEntityId();
        const since = await logMark(host);
        assert.equal((await verdict(host, writer, entity)).rule, 'new-document');
        const client = await LeafClient.connect(host.wsUrl(writer), host.token);
        try {
            const doc = newDoc();
            await client.subscribe(entity, doc);
            appendText(doc, 'first words');
            const access = await waitUntil(async () => {
                const r = await adminRequest(host, 'GET', `/admin/documents/${entity}/access`);
                return r.status === 200 && r.json;
            }, { timeoutMs: 5000, intervalMs: 25, what: 'the access record of the new document' });
            assert.deepEqual(access, { owner: writer, default: 'write', grants: [] });
            assert.deepEqual(await verdict(host, writer, entity).then((v) => [v.crw, v.rule]), ['crw', 'owner']);
            assert.deepEqual(await verdict(host, BOB, entity).then((v) => [v.crw, v.rule]), ['crw', 'default']);
            const events = await logEntries(host, { since, category: 'canopy.access' });
            const recorded = events.find((e) => e.message === 'document owner recorded' && e.target === entity);
            assert.ok(recorded, JSON.stringify(events));
            assert.equal(recorded.actor, writer);
            assert.deepEqual(JSON.parse(recorded.after), { owner: writer, default: 'write' });
        } finally {
            await closeAll([client]);
        }
    });

    test('every change is an event: canopy.access, actor, target, before and after; a key value never', async () => {
        const since = await logMark(host);
        const doc = freshDoc();
        assert.equal((await adminRequest(host, 'POST', '/admin/members', { body: { did: CAROL, note: 'n1' } })).status, 200);
        assert.equal((await adminRequest(host, 'POST', '/admin/members', { body: { did: CAROL, note: 'n2' } })).status, 200);
        assert.equal((await adminRequest(host, 'DELETE', `/admin/members/${CAROL}`)).status, 200);
        assert.equal((await putAccess(host, doc, { owner: ALICE, default: 'read', grants: [] })).status, 200);
        assert.equal((await putAccess(host, doc, { owner: ALICE, default: 'none', grants: [{ identity: BOB, permission: 'read' }] })).status, 200);
        const key = await issueKey(host, { name: 'logged', scope: doc, permission: 'read' });
        assert.equal((await adminRequest(host, 'DELETE', '/admin/keys/logged')).status, 200);
        // A refused change is no event.
        assert.equal((await putAccess(host, doc, { default: 'bogus', grants: [] })).status, 400);

        const entries = await waitUntil(async () => {
            const all = await logEntries(host, { since, category: 'canopy.access' });
            return all.length >= 7 && all;
        }, { timeoutMs: 5000, intervalMs: 50, what: 'seven canopy.access events' });
        assert.equal(entries.length, 7, JSON.stringify(entries, null, 1));
        for (const e of entries) {
            assert.equal(e.category, 'canopy.access');
            assert.equal(e.actor, 'admin-api');
            for (const f of ['target', 'before', 'after']) assert.equal(typeof e[f], 'string', `${e.message}: ${f}`);
        }
        const [added, noted, removed, set1, set2, issued, revoked] = entries;
        assert.equal(added.target, CAROL);
        assert.equal(added.did, CAROL, 'filterable by did');
        assert.equal(added.before, '');
        assert.deepEqual(JSON.parse(added.after), { did: CAROL, note: 'n1' });
        assert.deepEqual(JSON.parse(noted.before), { did: CAROL, note: 'n1' });
        assert.deepEqual(JSON.parse(noted.after), { did: CAROL, note: 'n2' });
        assert.deepEqual(JSON.parse(removed.before), { did: CAROL, note: 'n2' });
        assert.equal(removed.after, '');
        assert.equal(set1.target, doc);
        assert.equal(set1.before, '', 'the record did not exist');
        assert.deepEqual(JSON.parse(set2.before), { owner: ALICE, default: 'read', grants: [] });
        assert.deepEqual(JSON.parse(set2.after), { owner: ALICE, default: 'none', grants: [{ identity: BOB, permission: 'read' }] });
        assert.equal(issued.target, 'key:logged');
        assert.deepEqual(JSON.parse(issued.after), { name: 'logged', scope: doc, permission: 'read', expiresAt: null });
        assert.equal(revoked.target, 'key:logged');
        assert.equal(revoked.after, '');
        assert.ok(!JSON.stringify(await logEntries(host)).includes(key.key), 'the event log never holds a key value');
        const didLog = await logEntries(host, { since, did: CAROL });
        assert.ok(didLog.length >= 3, 'member events are found by did');
    });
});

describe('access admin API (members mode, --document-access read)', () => {
    let host;
    before(async () => { host = await startAdminHost({ args: ['--access', 'members', '--document-access', 'read'] }); });
    after(async () => { await host?.dispose(); });

    test('simulator: members connect, non-members do not (their document rights are shown for the dev token), keys are no members', async () => {
        const doc = freshDoc();
        assert.equal((await putAccess(host, doc, { owner: ALICE, default: 'read', grants: [] })).status, 200);
        let v = await verdict(host, BOB, doc);
        assert.deepEqual([v.crw, v.rule], ['-r-', 'not-a-member']);
        assert.match(v.why, new RegExp(`${BOB} is not on the member list, so it cannot connect`));
        assert.match(v.why, /default: the default access/, 'the document rule it would meet follows');

        assert.equal((await adminRequest(host, 'POST', '/admin/members', { body: { did: BOB } })).status, 200);
        v = await verdict(host, BOB, doc);
        assert.deepEqual([v.crw, v.rule], ['cr-', 'default'], 'membership applies at once');
        v = await verdict(host, ALICE, doc);
        assert.deepEqual([v.crw, v.rule], ['-rw', 'not-a-member'], 'owning a document makes no one a member');

        assert.equal((await adminRequest(host, 'DELETE', `/admin/members/${BOB}`)).status, 200);
        assert.equal((await verdict(host, BOB, doc)).crw, '-r-');

        await issueKey(host, { name: 'ops', scope: '*', permission: 'write' });
        v = await verdict(host, 'key:ops', doc);
        assert.deepEqual([v.crw, v.rule], ['crw', 'key-scope'], 'keys are outside membership: the operator issued them');
    });

    test('a new document: whoever may connect creates and owns it; the default others would get is --document-access', async () => {
        assert.equal((await adminRequest(host, 'POST', '/admin/members', { body: { did: CAROL } })).status, 200);
        const v = await verdict(host, CAROL, freshDoc());
        assert.deepEqual([v.crw, v.rule], ['crw', 'new-document']);
        assert.match(v.why, /others would get the default read/);
        const readKey = await issueKey(host, { name: 'reader', scope: 'new-*', permission: 'read' });
        assert.match(readKey.key, KEY_RE);
        assert.deepEqual(await verdict(host, 'key:reader', freshDoc('new')).then((x) => [x.crw, x.rule]), ['cr-', 'key-scope'],
            'a read key creates nothing');
    });
});

describe('access records persist; key values stay out of stderr and the data directory', () => {
    test('members, document access and keys survive a restart; no file holds a key value', async () => {
        const host = await startAdminHost({ args: ['--access', 'members'] });
        try {
            const doc = `a/b/${freshDoc()}`;
            assert.equal((await adminRequest(host, 'POST', '/admin/members', { body: { did: ALICE, note: 'kept' } })).status, 200);
            assert.equal((await putAccess(host, doc, { owner: ALICE, default: 'none', grants: [{ identity: BOB, permission: 'write' }] })).status, 200);
            const expiresAt = new Date(Date.now() + 7 * 86400e3).toISOString();
            const keys = [];
            for (const name of ['alpha', 'beta']) keys.push((await issueKey(host, { name, scope: 'a/*', permission: 'write', expiresAt })).key);
            assert.equal((await adminRequest(host, 'DELETE', '/admin/keys/beta')).status, 200);

            await host.restart();
            assert.deepEqual((await adminJson(host, '/admin/members')).members.map((m) => [m.did, m.note]), [[ALICE, 'kept']]);
            assert.deepEqual(await adminJson(host, `/admin/documents/${enc(doc)}/access`),
                { owner: ALICE, default: 'none', grants: [{ identity: BOB, permission: 'write' }] });
            const listed = (await adminJson(host, '/admin/keys')).keys;
            assert.deepEqual(listed.map((k) => [k.name, k.scope, k.permission]), [['alpha', 'a/*', 'write']]);
            assert.equal(Date.parse(listed[0].expiresAt), Date.parse(expiresAt));
            assert.deepEqual(await verdict(host, 'key:alpha', doc).then((x) => [x.crw, x.rule]), ['crw', 'key-scope']);
            assert.deepEqual(await verdict(host, ALICE, doc).then((x) => [x.crw, x.rule]), ['crw', 'owner']);
            assert.deepEqual(await verdict(host, BOB, doc).then((x) => [x.crw, x.rule]), ['-rw', 'not-a-member']);

            // The host has flushed its WAL on the clean stop; files read while it runs again too.
            await host.stop();
            const files = filesUnder(host.dataDir);
            assert.ok(files.some((f) => f.path.endsWith('canopy.sqlite')), 'the database is in the data dir');
            for (const value of keys) {
                for (const f of files) assert.ok(!f.bytes.includes(Buffer.from(value)), `${f.path} holds a key value`);
                assert.ok(!host.lines.some((l) => l.includes(value)), 'stderr holds a key value');
            }
        } finally {
            await host.dispose();
        }
    });
});

describe('--access and --document-access', () => {
    let dir;
    before(() => { dir = makeTempDir('canopy-access-config-'); });
    after(() => { fs.rmSync(dir, { recursive: true, force: true }); });

    async function expectExit2(extra, env, names) {
        const port = await freePort();
        const args = ['--headless', '--data-dir', dir, '--port', String(port), '--dev-token', makeToken(),
            '--did', 'did:web:canopy.test', ...extra];
        const r = await runOnce(args, { env, timeoutMs: 10000 });
        const detail = `${JSON.stringify(args)} ${JSON.stringify(env)} -> ${r.code}: ${JSON.stringify(r.stderr)}`;
        assert.equal(r.timedOut, false, detail);
        assert.equal(r.code, 2, detail);
        const lines = r.stderr.split('\n').filter((l) => l.trim());
        assert.equal(lines.length, 1, detail);
        assert.match(lines[0], names, detail);
    }

    test('bad values exit 2 with one line naming the setting', async () => {
        await expectExit2(['--access', 'everyone'], {}, /access.*'everyone' is not open or members/);
        await expectExit2(['--access', 'Members'], {}, /access/);
        await expectExit2([], { ACCESS: 'closed' }, /access.*'closed'/);
        await expectExit2(['--document-access', 'admin'], {}, /document-access.*'admin' is not none, read or write/);
        await expectExit2([], { DOCUMENT_ACCESS: 'READ' }, /document-access/);
    });

    test('the environment sets them; the flag wins over it; --help lists them', async () => {
        const host = await startAdminHost({ env: { ACCESS: 'members', DOCUMENT_ACCESS: 'none' } });
        try {
            const v = await verdict(host, BOB, freshDoc());
            assert.equal(v.rule, 'not-a-member', 'ACCESS=members');
            assert.match(v.why, /default none/, 'DOCUMENT_ACCESS=none');
        } finally {
            await host.dispose();
        }
        const flagged = await startAdminHost({ env: { ACCESS: 'members' }, args: ['--access', 'open'] });
        try {
            assert.equal((await verdict(flagged, BOB, freshDoc())).rule, 'new-document', '--access open wins');
            assert.match((await check(flagged, BOB, freshDoc())).why, /default write/, 'the default --document-access is write');
        } finally {
            await flagged.dispose();
        }
        const help = await runOnce(['--help'], { timeoutMs: 10000 });
        assert.match(help.stdout, /--access <open\|members>[\s\S]*ACCESS/);
        assert.match(help.stdout, /--document-access <none\|read\|write>[\s\S]*DOCUMENT_ACCESS/);
    });
});
