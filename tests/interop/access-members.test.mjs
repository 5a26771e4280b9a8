// Access control, who may connect (issue 11): --access members, against a real @did-plc/server directory (behind
// a counting proxy), real service JWTs from @atproto, and the real clients of both protocols.
//   - the token endpoint answers a non-member 403 NotAMember as soon as the JWT parses: nothing is resolved (the
//     directory sees no request), even a forged JWT gets it; counted (not-a-member) and logged;
//   - a member buys tokens that open Sync1 (/sync/as/<did>) and loro-protocol (the join's auth);
//   - a non-member is refused before the upgrade on Sync1 (403 NotAMember) and with JoinError auth_failed on
//     loro-protocol; a token bought while a member opens nothing once the member is removed;
//   - removing a member closes its live sessions with 4403 within a second (loro-protocol rooms hear RoomError
//     evicted first), except those the dev token opened;
//   - the dev token is outside membership: it opens a non-member's DID on both protocols and acts as that DID
//     for documents; bans still win over it and over membership;
//   - access keys are outside membership.

import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { after, before, describe, test } from 'node:test';
import {
    addMember, admin, issueKey, loroAs, realLoroAs, refusalCount, removeMember, startAccessHost, sync1As, trySync1,
    waitLogLine,
} from './lib/access.mjs';
import { adminRequest } from './lib/admin.mjs';
import { PlcDirectory, SecretTracker, TOKEN_RE, buyToken, makeKeypair, mintJwt, show } from './lib/atproto.mjs';
import { appendText, closeAll, newDoc, randomEntityId, textOf } from './lib/leaf.mjs';
import { JoinErrorCode, MessageType, RoomErrorCode, closeAllLoro, roomName } from './lib/loro.mjs';
import { waitUntil, withTimeout } from './lib/util.mjs';

const SERVICE_DID = 'did:web:svc.access.test';

describe('access: members mode (--access members)', { timeout: 180000 }, () => {
    const secrets = new SecretTracker();
    let plc;
    let host;
    const people = {}; // name -> { did, keypair }
    const clients = [];

    const jwtOf = async (name, keypair = people[name].keypair) =>
        secrets.jwt(await mintJwt({ iss: people[name].did, aud: SERVICE_DID, keypair }));
    const buy = async (name) => {
        const r = await buyToken(host, await jwtOf(name));
        assert.equal(r.status, 200, `${name} buys a token: ${show(r)}`);
        assert.match(r.json.token, TOKEN_RE);
        return secrets.add(r.json.token);
    };

    before(async () => {
        plc = await PlcDirectory.start();
        for (const name of ['alice', 'bob', 'carol', 'dave', 'erin']) {
            const keypair = await makeKeypair(name === 'bob' ? 'p256' : 'k256');
            const { did } = await plc.createDid({ signingKey: keypair, handle: `${name}.example.test` });
            people[name] = { did, keypair };
        }
        host = await startAccessHost({ access: 'members', plcUrl: plc.url });
        secrets.add(host.token);
        secrets.add(host.adminToken);
        for (const name of ['alice', 'carol', 'dave', 'erin']) await addMember(host, people[name].did, `${name} of the team`);
    });
    after(async () => {
        await closeAll(clients);
        await host?.dispose();
        await plc?.stop();
    });

    test('token endpoint: a non-member gets 403 NotAMember before anything is resolved, even for a forged JWT', async () => {
        const before = await refusalCount(host, 'not-a-member');
        const requestsBefore = plc.requests(people.bob.did);
        const genuine = await buyToken(host, await jwtOf('bob'));
        assert.equal(genuine.status, 403, show(genuine));
        assert.equal(genuine.json?.error, 'NotAMember', show(genuine));
        assert.equal(typeof genuine.json.message, 'string');
        assert.ok(genuine.json.message.length > 0);
        // Signed by someone else's key: still NotAMember, as the signature is never looked at.
        const forged = await buyToken(host, await jwtOf('bob', people.alice.keypair));
        assert.equal(forged.status, 403, show(forged));
        assert.equal(forged.json?.error, 'NotAMember');
        assert.equal(plc.requests(people.bob.did), requestsBefore, 'the host asked the directory about a non-member');
        assert.equal(await refusalCount(host, 'not-a-member'), before + 2, 'each refusal is counted');
        await waitLogLine(host, (l) => l.reason === 'NotAMember' && l.did === people.bob.did,
            { what: 'the refusal in the log with the DID' });
        // A member's forged JWT is no member's business: the signature decides (401), not membership.
        const forgedMember = await buyToken(host, await jwtOf('alice', people.bob.keypair));
        assert.equal(forgedMember.status, 401, show(forgedMember));
    });

    test('a member buys tokens that open Sync1 and loro-protocol', async () => {
        const c = await sync1As(host, people.alice.did, await buy('alice'));
        clients.push(c);
        const id = randomEntityId();
        const doc = newDoc();
        await c.subscribe(id, doc);
        const raw = await loroAs(host, people.alice.did, await buy('alice'));
        try {
            const ok = await raw.join({ roomId: roomName('members') });
            assert.equal(ok.type, MessageType.JoinResponseOk, JSON.stringify(ok));
            assert.equal(ok.permission, 'write');
        } finally {
            await raw.close();
        }
    });

    test('a token bought while a member opens nothing once the member is removed (Sync1 403, loro auth_failed)', async () => {
        await addMember(host, people.bob.did);
        const sync1Token = await buy('bob');
        const loroToken = await buy('bob');
        await removeMember(host, people.bob.did);
        const before = await refusalCount(host, 'not-a-member');

        const s = await trySync1(host, people.bob.did, sync1Token);
        assert.equal(s.opened, false, 'the upgrade went through');
        assert.equal(s.statusCode, 403, s.body);
        assert.equal(s.json?.error, 'NotAMember', s.body);

        const raw = await loroAs(host, people.bob.did, loroToken);
        try {
            const answer = await raw.join({ roomId: roomName('nm') });
            assert.equal(answer.type, MessageType.JoinError, JSON.stringify(answer));
            assert.equal(answer.code, JoinErrorCode.AuthFailed, JSON.stringify(answer));
            assert.match(answer.message, /not a member/);
        } finally {
            await raw.close();
        }
        assert.equal(await refusalCount(host, 'not-a-member'), before + 2);

        // Taken back in, the very same tokens were never spent: they open again.
        await addMember(host, people.bob.did);
        const again = await trySync1(host, people.bob.did, sync1Token);
        assert.equal(again.opened, true, `the unspent token should open once bob is a member again: ${show(again)}`);
        await removeMember(host, people.bob.did);
    });

    test('a non-member\'s garbage token is refused as a token first (403 InvalidToken), not as a non-member', async () => {
        const s = await trySync1(host, people.bob.did, 'X'.repeat(52));
        assert.equal(s.statusCode, 403, s.body);
        assert.equal(s.json?.error, 'InvalidToken', s.body);
    });

    test('removing a member closes its live sessions with 4403 within a second, on both protocols', async () => {
        const c = await sync1As(host, people.carol.did, await buy('carol'));
        clients.push(c);
        await c.subscribe(randomEntityId(), newDoc());
        const peer = await realLoroAs(host, people.carol.did, await buy('carol'));
        clients.push(peer);
        const room = roomName('carol');
        await peer.joinLoro(room);
        // A dev-token session of the same DID is outside membership and stays.
        const dev = await sync1As(host, people.carol.did, host.token);
        clients.push(dev);

        const t0 = performance.now();
        await removeMember(host, people.carol.did);
        const closed = await c.waitClose(3000);
        const loroClose = await peer.log.waitClose({ timeoutMs: 3000 });
        const ms = Math.max(closed.at, loroClose.t) - t0;
        console.log(`# member removal -> both sessions closed 4403 in ${ms.toFixed(1)} ms`);
        assert.equal(closed.code, 4403, `Sync1 close: ${JSON.stringify(closed)}`);
        assert.equal(loroClose.code, 4403, `loro close: ${JSON.stringify(loroClose)}`);
        assert.ok(ms < 1000, `the sessions closed ${ms.toFixed(0)} ms after the removal (the contract: within 1 s)`);
        const evicted = peer.log.messages(MessageType.RoomError, { dir: 'in', roomId: room });
        assert.equal(evicted.length, 1, peer.log.summary());
        assert.equal(evicted[0].msg.code, RoomErrorCode.Evicted);
        assert.ok(evicted[0].t <= loroClose.t, 'RoomError evicted comes before the close');
        // The dev token's session stays open and serves.
        await new Promise((r) => setTimeout(r, 200));
        assert.equal(dev.isOpen, true, `the dev-token session was closed: ${JSON.stringify(dev.closeInfo)}`);
        await dev.subscribe(randomEntityId(), newDoc());
        // And carol buys nothing more.
        const r = await buyToken(host, await jwtOf('carol'));
        assert.equal(r.json?.error, 'NotAMember', show(r));
    });

    test('the dev token opens a non-member\'s DID on both protocols and acts as that DID for documents', async () => {
        const erin = await sync1As(host, people.erin.did, await buy('erin'));
        const bob = await sync1As(host, people.bob.did, host.token);
        clients.push(erin, bob);
        const id = randomEntityId();
        const de = newDoc();
        const db = newDoc();
        await erin.subscribe(id, de);
        await bob.subscribe(id, db);
        appendText(db, 'bob was here');
        await waitUntil(() => textOf(de) === 'bob was here', { timeoutMs: 5000, what: 'bob\'s write to reach erin' });

        const raw = await loroAs(host, people.bob.did, host.token);
        try {
            const ok = await raw.join({ roomId: roomName('dev') });
            assert.equal(ok.type, MessageType.JoinResponseOk, JSON.stringify(ok));
        } finally {
            await raw.close();
        }
        // Document rights apply to the dev token's DID like any other: a document only erin may read.
        const other = await sync1As(host, people.bob.did, host.token);
        clients.push(other);
        const id2 = randomEntityId();
        await admin(host, 'PUT', `/admin/documents/${encodeURIComponent(id2)}/access`,
            { owner: people.erin.did, default: 'none', grants: [] });
        const ent = other.subscribeNoWait(id2, newDoc());
        await assert.rejects(withTimeout(ent.first.promise, 500, 'an answer'), /timed out/, 'the subscribe was answered');
        const logged = host.logs.find((l) => l.reason === 'access-denied' && l.entity === id2 && l.did === people.bob.did);
        assert.ok(logged, 'the refused subscribe is logged with the DID and entity');
    });

    test('bans win over membership and over the dev token', async () => {
        const ban = await adminRequest(host, 'POST', '/admin/bans', { body: { did: people.dave.did, reason: 'test' } });
        assert.equal(ban.status, 200, show(ban));
        const r = await buyToken(host, await jwtOf('dave'));
        assert.equal(r.status, 403, show(r));
        assert.equal(r.json?.error, 'AccountBanned', show(r));
        const s = await trySync1(host, people.dave.did, host.token);
        assert.equal(s.statusCode, 403, s.body);
        assert.equal(s.json?.error, 'AccountBanned', s.body);
        const raw = await loroAs(host, people.dave.did, host.token);
        try {
            const answer = await raw.join({ roomId: roomName('ban') });
            assert.equal(answer.type, MessageType.JoinError);
            assert.equal(answer.code, JoinErrorCode.AuthFailed);
        } finally {
            await raw.close();
        }
    });

    test('an access key is outside membership: it opens both protocols in members mode', async () => {
        const key = await issueKey(host, { name: 'members-app', scope: '*', permission: 'write' });
        secrets.add(key.key);
        const c = await sync1As(host, 'key:members-app', key.key);
        clients.push(c);
        await c.subscribe(randomEntityId(), newDoc());
        const raw = await loroAs(host, 'key:members-app', key.key);
        try {
            const ok = await raw.join({ roomId: roomName('key') });
            assert.equal(ok.type, MessageType.JoinResponseOk, JSON.stringify(ok));
        } finally {
            await raw.close();
        }
    });

    test('no JWT, token, key or admin token reached the log', () => {
        const leaks = secrets.leaks(host.lines.join('\n'));
        assert.deepEqual(leaks.map((s) => s.slice(0, 12) + '…'), []);
    });
});
