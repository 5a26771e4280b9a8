// Hostile clients, item 11: messages that rewrite input. What a client sends (a DID carrying %2F, %21,
// %40 or did:web's %3A, a loro-protocol room id or magic carrying %1 and %2, a JWT iss) is quoted in the host's
// error messages and log lines exactly as sent — canonically, where the DID rules apply (server/util/Did.h:
// an escape of a non-idchar stays an escape, in uppercase hex). Chained QString::arg replaced every %N of
// the first argument with the next one: did:web:relay.example%2Fa at its connection cap was answered
// "did:web:relay.example1Fa already holds 1 connections", a room "x-%1" in use "x-1 has %2 subscriber(s)",
// and `--port 8%1x` "'81x' is not a whole number from 65535 to %3". Real clients: `ws` (Sync1 upgrades),
// loro-websocket + LoroAdaptor (a loro-protocol document), raw loro-protocol frames, @atproto/crypto (JWTs).

import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { adminRequest, assertError } from './lib/admin.mjs';
import { buyToken, makeKeypair, mintJwt, openSync, show } from './lib/atproto.mjs';
import { startLimitsHost, waitLog } from './lib/hardening.mjs';
import { makeTempDir, makeToken, runOnce } from './lib/host.mjs';
import { appendText, closeAll, LeafClient, newDoc, randomEntityId } from './lib/leaf.mjs';
import {
    authBytes, BytesReader, closeAllLoro, connectLoro, freshDid, LoroDoc, MessageType, RawLoroClient, rawJoinRequest,
    roomName,
} from './lib/loro.mjs';
import { waitUntil } from './lib/util.mjs';

const SERVICE_DID = 'did:web:svc.messages.test';

/** DIDs whose canonical spelling keeps %N escapes (each %2X is an escape number 2 or 2X to QString::arg). */
const percentDids = {
    'an escaped slash (%2F)': 'did:web:relay.example%2Fa',
    '%21, %2F and %40 after a did:web port': 'did:web:a.example%3A1:x%21%2F%40y',
    'a did:web port (%3A)': 'did:web:host.example%3A8080',
};

/** A JoinError read by hand (loro-protocol's decoder refuses a magic it does not know). */
function readJoinError(bytes) {
    const magic = Buffer.from(bytes.subarray(0, 4)).toString('latin1');
    const r = new BytesReader(bytes.subarray(4));
    const roomId = r.readVarString();
    const type = r.readByte();
    const code = type === MessageType.JoinError ? r.readByte() : undefined;
    const message = type === MessageType.JoinError ? r.readVarString() : undefined;
    return { magic, roomId, type, code, message };
}

describe('hostile messages: input is quoted as it was sent', { timeout: 120000 }, () => {
    let host;
    const clients = [];
    const loroClients = [];
    let bystander;
    let bystanderDoc;

    before(async () => {
        host = await startLimitsHost({ did: SERVICE_DID, args: ['--max-connections-per-did', '1'] });
        bystander = await LeafClient.connect(host.wsUrl('did:web:bystander.messages.test'), host.token, { timeoutMs: 5000 });
        clients.push(bystander);
        bystanderDoc = newDoc();
        await bystander.subscribe(randomEntityId(), bystanderDoc);
    });
    after(async () => {
        await closeAll(clients);
        await closeAllLoro(loroClients);
        await host?.dispose();
    });

    test('a DID at its connection cap: the 429 (Sync1 and loro-protocol) and the log line quote it exactly', async () => {
        for (const [what, did] of Object.entries(percentDids)) {
            const holder = await LeafClient.connect(host.wsUrl(did), host.token, { timeoutMs: 5000 });
            try {
                const expected = `${did} already holds 1 connections`;
                const since = host.logs.length;
                // As written, encoded whole and with lowercase hex: every spelling is quoted canonically.
                for (const spelling of [did, encodeURIComponent(did), did.replace(/%[0-9A-F]{2}/g, (e) => e.toLowerCase())]) {
                    const sync = await openSync(host, spelling, host.token);
                    assert.equal(sync.statusCode, 429, `${what}, /sync/as/${spelling}: ${show(sync)}`);
                    assert.equal(sync.json?.error, 'TooManyConnections', sync.body);
                    assert.equal(sync.json?.message, expected, `${what}, /sync/as/${spelling}`);
                    const loro = await RawLoroClient.connect(host, spelling).then((c) => { loroClients.push(c); return null; },
                        (err) => err);
                    assert.ok(loro, `${what}: /loro/as/${spelling} opened past the cap`);
                    assert.equal(loro.statusCode, 429, `${what}, /loro/as/${spelling}: ${loro.message}`);
                    assert.equal(loro.json?.message, expected, `${what}, /loro/as/${spelling}`);
                }
                const line = await waitLog(host, (l) => l.message === 'upgrade refused: per-DID connection limit reached',
                    { since, what: `the refusal's log line for ${did}` });
                assert.equal(line.did, did, `${what}: the log line's did`);
                assert.ok(host.logs.slice(since).filter((l) => l.message === line.message).every((l) => l.did === did),
                    `${what}: every refusal logs the canonical DID`);
            } finally {
                await holder.close();
            }
        }
    });

    test('a loro-protocol room id and magic carrying %1 and %2: JoinError, 409 and log lines quote them exactly', async () => {
        // An unserved magic: the JoinError and its log line quote the magic and name the room as sent.
        const c = await RawLoroClient.connect(host, freshDid('messages'));
        loroClients.push(c);
        const room = `%1-%2F-${roomName('magic')}`;
        const since = host.logs.length;
        const mark = c.mark();
        c.sendRaw(rawJoinRequest('%1%2', room, authBytes(host.token)), { binary: true });
        const f = await c.waitFor((x) => x.dir === 'in' && x.binary, { since: mark, what: 'the answer to a %1%2 join' });
        const err = readJoinError(f.bytes);
        assert.equal(err.type, MessageType.JoinError, `answer ${Buffer.from(f.bytes).toString('hex')}`);
        assert.equal(err.magic, '%1%2');
        assert.equal(err.roomId, room);
        assert.equal(err.message, 'this host does not serve the CRDT magic %1%2 yet');
        const refused = await waitLog(host, (l) => l.message?.startsWith('join refused:'), { since, what: 'the join refusal' });
        assert.equal(refused.message, 'join refused: this host does not serve the CRDT magic %1%2 yet');
        assert.equal(refused.entity, room, 'the log line names the room as sent');

        // A %LOR document named with %1, %2F and %3A, written by a real loro-websocket client.
        const roomId = `notes-%1-%2F-%3A-${roomName('doc')}`;
        const writer = await connectLoro(host, { did: freshDid('writer') });
        loroClients.push(writer);
        const { doc } = await writer.joinLoro(roomId, { doc: new LoroDoc() });
        doc.getText('text').insert(0, 'a document with a hostile name');
        doc.commit();
        await writer.waitAcked();
        const path = `/admin/documents/${encodeURIComponent(roomId)}?kind=loro`;
        const busy = await adminRequest(host, 'DELETE', path);
        assertError(busy, 409, 'Conflict', 'delete while joined');
        assert.equal(busy.json?.message, `${roomId} has 1 subscriber(s); revoke them first`);
        await writer.close();
        await waitUntil(async () => (await adminRequest(host, 'DELETE', path)).status === 200,
            { timeoutMs: 5000, intervalMs: 50, what: 'the delete once the writer left' });
        const deleted = await waitLog(host, (l) => l.message === 'document deleted by operator' && l.kind === 'loro',
            { since, what: 'the delete log line' });
        assert.equal(deleted.entity, roomId, 'the delete log line names the document as sent');
    });

    test('a JWT iss carrying %3A, %2F and %21: the log line quotes the canonical DID, the 401 stays one message', async () => {
        const keypair = await makeKeypair('p256');
        const cases = [
            // A loopback did:web is refused without a request; the detail goes to the log only.
            ['a loopback did:web port', 'did:web:127.0.0.1%3A1', 'did:web:127.0.0.1%3A1',
                /^token refused: did:web host 127\.0\.0\.1 is not public \(loopback address\): refused without a request/],
            ['lowercase hex in a did:web port', 'did:web:127.0.0.1%3a1', 'did:web:127.0.0.1%3A1',
                /^token refused: did:web host 127\.0\.0\.1 is not public \(loopback address\)/],
            ['a did:web path with %2F and %21', 'did:web:relay.example:a%2Fb%21', 'did:web:relay.example:a%2Fb%21',
                /^token refused: did:web with a path is not supported: did:web:relay\.example:a%2Fb%21$/],
        ];
        const messages = new Set();
        for (const [what, iss, canonical, detail] of cases) {
            const since = host.logs.length;
            const r = await buyToken(host, await mintJwt({ iss, aud: SERVICE_DID, keypair }));
            assert.equal(r.status, 401, `${what}: ${show(r)}`);
            assert.ok(!r.text.includes('%'), `${what}: the 401 tells the caller about the DID: ${r.text}`);
            messages.add(r.json?.message);
            const line = await waitLog(host, (l) => l.message?.startsWith('token refused:'), { since, what: `${what}: the refusal` });
            assert.match(line.message, detail, `${what}: ${line.message}`);
            assert.equal(line.did, canonical, `${what}: the log line's did`);
        }
        assert.equal(messages.size, 1, `one message for every resolution failure: ${JSON.stringify([...messages])}`);
    });

    test('a setting carrying %1 and %2F: the one start-up line quotes it as given', async () => {
        for (const [flag, value, expected] of [
            ['--port', '8%1x', "canopy: invalid setting port: '8%1x' is not a whole number from 1 to 65535"],
            ['--max-connections', '%2F%1', "canopy: invalid setting max-connections: '%2F%1' is not a whole number from 1 to 1000000"],
        ]) {
            const dataDir = makeTempDir();
            const r = await runOnce(['--headless', '--data-dir', dataDir, '--dev-token', makeToken(), '--did',
                'did:web:canopy.test', flag, value], { timeoutMs: 10000 });
            fs.rmSync(dataDir, { recursive: true, force: true });
            assert.equal(r.timedOut, false, `${flag} ${value}: the host did not exit`);
            assert.equal(r.code, 2, `${flag} ${value}: ${r.stderr}`);
            assert.deepEqual(r.stderr.split('\n').filter((l) => l.trim() !== ''), [expected]);
        }
    });

    test('the bystander session is untouched', async () => {
        assert.ok(bystander.isOpen, 'the bystander was disconnected');
        appendText(bystanderDoc, ' and the bystander writes on');
        const again = await openSync(host, 'did:web:bystander.messages.test', host.token);
        assert.equal(again.statusCode, 429, `the bystander still holds its one connection: ${show(again)}`);
    });
});
