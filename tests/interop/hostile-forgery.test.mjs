// Issue 10, item 1: a peer that lies about change blocks must not censor another peer or make a
// document unreadable — on Sync1 and on loro-protocol.
//
//   (a) a crafted block claiming the victim's Loro peer id over a huge counter range (a few bytes
//       of ops): the host checks the block's claims against its header and op columns, refuses it
//       (logged with session, DID and reason, counted), and stores nothing;
//   (b) a well-formed forgery: a real loro-crdt document that took the victim's peer id and makes
//       its next counters with valid dependencies: the peer is bound to the identity that first
//       wrote it, so another identity's new counters for it are refused before any fan-out.
// Defended means: the victim's next genuine change is stored and forwarded, and a fresh
// subscriber's answer imports cleanly into an empty loro-crdt document holding the victim's text.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { LoroDoc } from 'loro-crdt';
import { withFixedChecksum } from './lib/blobs.mjs';
import { LeafClient, newDoc, randomEntityId } from './lib/leaf.mjs';
import { logEntries, metricSum, scrape, startAdminHost } from './lib/admin.mjs';
import { CrdtType, RawLoroClient, freshDid, protocol } from './lib/loro.mjs';
import { waitUntil } from './lib/util.mjs';

const VICTIM_PEER = 0x5eed0001n;

function leb(n) {
    const out = [];
    let v = BigInt(n);
    do {
        let b = Number(v & 0x7fn);
        v >>= 7n;
        if (v) b |= 0x80;
        out.push(b);
    } while (v);
    return out;
}

function readLeb(bytes, at) {
    let v = 0n;
    let shift = 0n;
    for (;;) {
        const b = bytes[at++];
        v |= BigInt(b & 0x7f) << shift;
        shift += 7n;
        if (!(b & 0x80)) return [v, at];
    }
}

/** The victim's genuine update with its one block's counter_len rewritten to `claimed`. */
function forgedRange(update, claimed) {
    const body = update.subarray(22);
    let [blockLen, at] = readLeb(body, 0);
    const block = body.subarray(at, at + Number(blockLen));
    let p = 0;
    const fields = [];
    for (let i = 0; i < 5; i++) {
        const [v, next] = readLeb(block, p);
        fields.push(v);
        p = next;
    }
    fields[1] = BigInt(claimed); // counter_len
    fields[3] = BigInt(claimed); // lamport_len, so the envelope looks consistent
    const rebuilt = Uint8Array.from([...fields.flatMap(leb), ...block.subarray(p)]);
    const blob = Uint8Array.from([...update.subarray(0, 22), ...leb(rebuilt.length), ...rebuilt]);
    return withFixedChecksum(blob);
}

/** A real document that took the victim's peer id and makes the victim's next counters. */
function impostorUpdate(victimDoc, text) {
    const evil = new LoroDoc();
    evil.import(victimDoc.export({ mode: 'snapshot' }));
    evil.setPeerId(VICTIM_PEER);
    const before = evil.version();
    evil.getText('text').insert(0, text);
    evil.commit();
    return evil.export({ mode: 'update', from: before });
}

function victimDoc() {
    const doc = newDoc(VICTIM_PEER);
    doc.getText('text').insert(0, 'the victim writes');
    doc.commit();
    return doc;
}

async function refusedCount(host, reason) {
    return metricSum(await scrape(host), 'canopy_updates_refused_total', { reason })
        + metricSum(await scrape(host), 'canopy_bad_frames_total', { reason });
}

/** A fresh Sync1 subscriber's whole answer, imported into an empty document. */
async function freshImport(host, entity) {
    const c = await LeafClient.connect(host.wsUrl(freshDid('fresh')), host.token);
    try {
        const since = c.mark();
        c.subscribeNoWait(entity, null, { forwardLocal: false });
        await c.waitForUpdate(entity, { since });
        await c.quietFor(200);
        const doc = new LoroDoc();
        for (const f of c.updatesFor(entity, since)) {
            const status = doc.import(f.msg.update);
            assert.equal(status.pending ?? null, null, 'the answer imports without pending changes');
        }
        return doc;
    } finally {
        await c.close();
    }
}

describe('hostile peers forging change blocks', () => {
    let host;
    const clients = [];
    before(async () => { host = await startAdminHost(); });
    after(async () => {
        for (const c of clients) await c.close().catch(() => {});
        await host?.dispose();
    });

    test('Sync1: a crafted huge-range block and a well-formed impostor are refused; the victim keeps writing', async () => {
        const entity = randomEntityId();
        const victimDid = freshDid('victim');
        const attackerDid = freshDid('attacker');
        const doc = victimDoc();
        const victim = await LeafClient.connect(host.wsUrl(victimDid), host.token);
        clients.push(victim);
        await victim.subscribe(entity, doc, { forwardLocal: false });
        const watcher = await LeafClient.connect(host.wsUrl(freshDid('watcher')), host.token);
        clients.push(watcher);
        await watcher.subscribe(entity, newDoc(), { forwardLocal: false });

        const attacker = await LeafClient.connect(host.wsUrl(attackerDid), host.token);
        clients.push(attacker);
        const forged0 = await refusedCount(host, 'bad-block');
        const bound0 = await refusedCount(host, 'peer-bound');
        // The impostor takes the victim's next counters, the very ones its next change will use.
        const impostor = impostorUpdate(doc, 'ATTACKER ');
        const next = doc.version();
        doc.getText('text').insert(0, '+');
        doc.commit();
        const genuineNext = doc.export({ mode: 'update', from: next });
        attacker.sendUpdate(entity, forgedRange(genuineNext, 1_000_000));
        attacker.sendUpdate(entity, impostor);
        await waitUntil(async () => (await refusedCount(host, 'bad-block')) > forged0
            && (await refusedCount(host, 'peer-bound')) > bound0, { what: 'both forgeries refused and counted' });
        const log = await logEntries(host, {});
        assert.ok(log.some((e) => e.did === attackerDid && e.reason === 'bad-block' && e.session), 'forged block logged');
        assert.ok(log.some((e) => e.did === attackerDid && e.reason === 'peer-bound' && e.entity === entity), 'impostor logged');
        assert.equal((await watcher.quietFor(300)).filter((f) => f.msg?.type === 'handleUpdate').length, 0,
            'nothing of either forgery was forwarded');

        // The victim's genuine next change is stored and forwarded.
        const mark = watcher.mark();
        victim.sendUpdate(entity, genuineNext);
        await watcher.waitForUpdate(entity, { since: mark });
        const fresh = await freshImport(host, entity);
        assert.equal(fresh.getText('text').toString(), doc.getText('text').toString());
        assert.ok(!fresh.getText('text').toString().includes('ATTACKER'));
    });

    test('loro-protocol: the same forgeries are refused with acks; the victim\'s next change is acked ok and forwarded', async () => {
        const roomId = randomEntityId();
        const doc = victimDoc();
        const victim = await RawLoroClient.connect(host, freshDid('lvictim'));
        const attacker = await RawLoroClient.connect(host, freshDid('lattacker'));
        const watcher = await RawLoroClient.connect(host, freshDid('lwatcher'));
        clients.push(victim, attacker, watcher);
        await victim.join({ roomId, version: new Uint8Array([0]) });
        assert.equal((await victim.update(roomId, [doc.export({ mode: 'update' })])).status, 0);
        await attacker.join({ roomId, version: doc.version().encode() });
        await watcher.join({ roomId, version: doc.version().encode() });

        const impostorBlob = impostorUpdate(doc, 'ATTACKER ');
        const before = doc.version();
        doc.getText('text').insert(0, '+');
        doc.commit();
        const genuineNext = doc.export({ mode: 'update', from: before });
        const forged = await attacker.update(roomId, [forgedRange(genuineNext, 1_000_000)]);
        assert.equal(forged.status, 4, 'invalid_update for a block whose claims its contents do not hold');
        const impostor = await attacker.update(roomId, [impostorBlob]);
        assert.equal(impostor.status, 3, 'permission_denied for another identity\'s peer');
        assert.equal((await watcher.quietFor(300)).filter((f) => f.msg?.type === 3).length, 0,
            'nothing forwarded');

        const mark = watcher.mark();
        assert.equal((await victim.update(roomId, [genuineNext])).status, 0, 'the victim is acked ok');
        await watcher.waitFor((f) => f.dir === 'in' && f.msg?.type === 3 && f.msg.roomId === roomId, { since: mark });
        const fresh = await freshImport(host, roomId);
        assert.equal(fresh.getText('text').toString(), doc.getText('text').toString());
    });

    test('blocks the host already holds may still arrive from anyone; a new peer binds to its first writer', async () => {
        const entity = randomEntityId();
        const doc = victimDoc();
        const victim = await LeafClient.connect(host.wsUrl(freshDid('holder')), host.token);
        const other = await LeafClient.connect(host.wsUrl(freshDid('relay')), host.token);
        clients.push(victim, other);
        await victim.subscribe(entity, doc, { forwardLocal: false });
        // Another identity subscribing with a snapshot that holds the victim's stored changes and
        // changes of its own peer: the duplicates are fine, its own peer is its own.
        const mine = newDoc(0x5eed0002n);
        mine.import(doc.export({ mode: 'snapshot' }));
        mine.getText('text').insert(0, 'relay ');
        mine.commit();
        const bound0 = await refusedCount(host, 'peer-bound');
        await other.subscribe(entity, mine, { forwardLocal: false });
        await victim.waitForUpdate(entity, { since: 0, what: 'the relay\'s own change' });
        assert.equal(await refusedCount(host, 'peer-bound'), bound0, 'nothing refused');
        const fresh = await freshImport(host, entity);
        assert.equal(fresh.getText('text').toString(), mine.getText('text').toString());
    });

    test('ELO: another identity\'s record for a bound peer is refused (permission_denied); the owner\'s is kept', async () => {
        const roomId = `forgery-elo-${Date.now()}`;
        const raw = new Uint8Array(32).map((_, i) => i);
        const key = await crypto.subtle.importKey('raw', raw, { name: 'AES-GCM' }, false, ['encrypt', 'decrypt']);
        const record = async (start, end, text) => (await protocol.encryptDeltaSpan(new TextEncoder().encode(text),
            { peerId: new TextEncoder().encode('77'), start, end, keyId: 'k1' }, key)).record;
        const owner = await RawLoroClient.connect(host, freshDid('eowner'));
        const attacker = await RawLoroClient.connect(host, freshDid('eattacker'));
        clients.push(owner, attacker);
        for (const c of [owner, attacker]) await c.join({ crdt: CrdtType.Elo, roomId, version: new Uint8Array([0]) });
        const first = await owner.update(roomId, [protocol.encodeEloContainer([await record(0, 2, 'owner')])], { crdt: CrdtType.Elo });
        assert.equal(first.status, 0);
        // A record covering the owner's span (it would replace it) and one of its next counters.
        for (const [start, end] of [[0, 2], [2, 4]]) {
            const ack = await attacker.update(roomId, [protocol.encodeEloContainer([await record(start, end, 'forged')])],
                { crdt: CrdtType.Elo });
            assert.equal(ack.status, 3, `attacker's [${start}, ${end}) refused`);
        }
        const next = await owner.update(roomId, [protocol.encodeEloContainer([await record(2, 4, 'owner 2')])], { crdt: CrdtType.Elo });
        assert.equal(next.status, 0, 'the owner\'s next record is kept');
    });
});
