// Bad input on a Sync1 session: every bad frame is dropped silently and the session stays open (proved by a
// valid subscribe that still gets its answer); more than 100 bad frames in a minute -> 1008; text frames are
// ignored; a frame over --max-message -> 1009; one session's garbage does not affect another.
// Bad Loro blobs are real loro-crdt exports, damaged.

import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import { startHost } from './lib/host.mjs';
import { LeafClient, appendText, closeAll, encode, newDoc, randomEntityId, textOf } from './lib/leaf.mjs';
import * as blobs from './lib/blobs.mjs';
import { delay, waitUntil } from './lib/util.mjs';

const QUIET_MS = 300;

/** Deterministic printable ASCII that compresses poorly. */
function printable(n, step) {
    let s = '';
    for (let i = 0; i < n; i++) s += String.fromCharCode(33 + ((i * step + (i >> 3)) % 94));
    return s;
}

let host;
let clients = [];

async function connect(h = host) {
    const c = await LeafClient.connect(h.wsUrl(), h.token);
    clients.push(c);
    return c;
}

/** A valid subscribe to a new entity must still get its (22-byte) answer: the session is alive. */
async function proveOpen(c, what) {
    assert.ok(c.isOpen, `session closed after ${what} (close ${JSON.stringify(c.closeInfo)})`);
    const id = randomEntityId();
    const f = await c.subscribe(id, newDoc(), { timeoutMs: 3000 }).catch((err) => {
        throw new Error(`no answer to a valid subscribe after ${what}: ${err.message}`);
    });
    assert.equal(f.msg.update.length, 22, `answer after ${what}`);
    return id;
}

// ---- Material made by loro-crdt --------------------------------------------------------------------

function sampleDoc() {
    const d = newDoc();
    for (let i = 0; i < 20; i++) appendText(d, `sample text ${i}; `);
    d.getMap('meta').set('k', 'v');
    d.commit();
    return d;
}

const sample = sampleDoc();
const SNAPSHOT = sample.export({ mode: 'snapshot' });
const UPDATE = sample.export({ mode: 'update' });

const CORRUPTIONS = {
    'flipped checksum byte': blobs.flipChecksum,
    'flipped body byte (checksum mismatch)': blobs.flipBodyByte,
    'wrong magic': blobs.wrongMagic,
    'unknown mode 7 (valid checksum)': (b) => blobs.withMode(b, 7),
    'mode 255 (valid checksum)': (b) => blobs.withMode(b, 255),
    'truncated body (valid checksum)': blobs.truncatedBody,
    'shorter than the header': blobs.truncatedHeader,
};

const BAD_ENTITY_IDS = (() => {
    const good = randomEntityId();
    const body = good.slice(5);
    return {
        'upper case': 'leaf:' + body.toUpperCase(),
        '51 characters': 'leaf:' + body.slice(0, 51),
        '53 characters': 'leaf:' + body + '0',
        'wrong prefix': 'loaf:' + body,
        'no prefix': body,
        'letter u (not Crockford)': 'leaf:u' + body.slice(1),
        'letter i (not Crockford)': 'leaf:i' + body.slice(1),
        'letter l (not Crockford)': 'leaf:l' + body.slice(1),
        'letter o (not Crockford)': 'leaf:o' + body.slice(1),
        'trailing space': good + ' ',
        empty: '',
    };
})();

/** name -> () => { frame: Uint8Array, entityId?: string } */
function badFrames() {
    const id = randomEntityId();
    const validSubscribe = encode({ type: 'subscribe', snapshot: SNAPSHOT, entityId: id });
    const cases = {
        'not msgpack (0xc1)': () => ({ frame: Uint8Array.from([0xc1, 0xc1, 0xc1]) }),
        'empty binary frame': () => ({ frame: new Uint8Array(0) }),
        'truncated msgpack map': () => ({ frame: validSubscribe.subarray(0, 40), entityId: id }),
        'msgpack array': () => ({ frame: encode(['subscribe', SNAPSHOT, id]) }),
        'msgpack string': () => ({ frame: encode('subscribe') }),
        'msgpack integer': () => ({ frame: encode(42) }),
        'msgpack nil': () => ({ frame: encode(null) }),
        'msgpack map plus trailing bytes': () => ({ frame: Uint8Array.from([...validSubscribe, 0xc1]), entityId: id }),
        'unknown type': () => ({ frame: encode({ type: 'frobnicate', entityId: id, snapshot: SNAPSHOT }), entityId: id }),
        'type is a number': () => ({ frame: encode({ type: 7, snapshot: SNAPSHOT, entityId: id }), entityId: id }),
        'type missing': () => ({ frame: encode({ snapshot: SNAPSHOT, entityId: id }), entityId: id }),
        'subscribe: snapshot is a string': () => ({
            frame: encode({ type: 'subscribe', snapshot: Buffer.from(SNAPSHOT).toString('latin1'), entityId: id }),
            entityId: id,
        }),
        'subscribe: versionVector is a string': () => ({
            frame: encode({ type: 'subscribe', versionVector: '\x00', entityId: id }), entityId: id,
        }),
        'subscribe: entityId is bin': () => ({
            frame: encode({ type: 'subscribe', snapshot: SNAPSHOT, entityId: Buffer.from(id) }),
        }),
        'subscribe: entityId missing': () => ({ frame: encode({ type: 'subscribe', snapshot: SNAPSHOT }) }),
        'sendUpdate: update is a string': () => ({
            frame: encode({ type: 'sendUpdate', entityId: id, update: Buffer.from(UPDATE).toString('latin1') }),
        }),
        'sendUpdate: update missing': () => ({ frame: encode({ type: 'sendUpdate', entityId: id }) }),
        'sendUpdate: update is a number': () => ({ frame: encode({ type: 'sendUpdate', entityId: id, update: 5 }) }),
        'unsubscribe: entityId is a number': () => ({ frame: encode({ type: 'unsubscribe', entityId: 12 }) }),
        'handleUpdate sent by a client': () => ({
            frame: encode({ type: 'handleUpdate', update: UPDATE, entityId: id }), entityId: id,
        }),
    };
    for (const [name, bad] of Object.entries(BAD_ENTITY_IDS)) {
        cases[`subscribe: invalid EntityId (${name})`] = () => ({
            frame: encode({ type: 'subscribe', snapshot: SNAPSHOT, entityId: bad }), entityId: bad,
        });
        cases[`sendUpdate: invalid EntityId (${name})`] = () => ({
            frame: encode({ type: 'sendUpdate', entityId: bad, update: UPDATE }), entityId: bad,
        });
    }
    return cases;
}

describe('bad input', { timeout: 240000 }, () => {
    before(async () => { host = await startHost(); });
    afterEach(async () => {
        await closeAll(clients);
        clients = [];
    });
    after(async () => { await host?.dispose(); });

    describe('each bad frame is dropped silently and the session stays open', () => {
        for (const [name, make] of Object.entries(badFrames())) {
            test(name, { timeout: 15000 }, async () => {
                const c = await connect();
                const { frame, entityId } = make();
                c.sendRaw(frame, { binary: true });
                const proof = await proveOpen(c, name);
                await delay(QUIET_MS);
                const others = c.frames.filter((f) => f.msg?.entityId !== proof);
                assert.equal(others.length, 0, `the host answered a bad frame: ${JSON.stringify(others.map((f) => f.msg ?? f.raw))}`);
                if (entityId !== undefined) {
                    assert.equal(c.updatesFor(entityId).length, 0, 'no handleUpdate for the bad frame\'s entity');
                }
                assert.ok(c.isOpen);
            });
        }
    });

    describe('damaged Loro blobs are dropped: not answered, not stored, not forwarded', () => {
        for (const [name, corrupt] of Object.entries(CORRUPTIONS)) {
            test(`subscribe snapshot: ${name}`, { timeout: 15000 }, async () => {
                const id = randomEntityId();
                const watcher = await connect();
                await watcher.subscribe(id, newDoc());
                const bad = corrupt(SNAPSHOT);
                assert.throws(() => newDoc().import(bad), 'loro-crdt itself must reject the damaged blob');
                const c = await connect();
                c.send({ type: 'subscribe', snapshot: bad, entityId: id });
                await proveOpen(c, `a subscribe with ${name}`);
                await delay(QUIET_MS);
                assert.equal(c.updatesFor(id).length, 0, 'no answer to a subscribe carrying a damaged snapshot');
                assert.equal(watcher.updatesFor(id).length, 1, 'nothing forwarded to the other subscriber');
                // Nothing stored: a fresh subscriber gets the empty update.
                const late = await connect();
                const f = await late.subscribe(id, newDoc());
                assert.equal(f.msg.update.length, 22, 'nothing was stored for the entity');
            });

            test(`sendUpdate update: ${name}`, { timeout: 15000 }, async () => {
                const id = randomEntityId();
                const watcher = await connect();
                await watcher.subscribe(id, newDoc());
                const bad = corrupt(UPDATE);
                assert.throws(() => newDoc().import(bad), 'loro-crdt itself must reject the damaged blob');
                const c = await connect();
                await c.subscribe(id, newDoc());
                c.sendUpdate(id, bad);
                await proveOpen(c, `a sendUpdate with ${name}`);
                await delay(QUIET_MS);
                assert.equal(watcher.updatesFor(id).length, 1, 'nothing forwarded to the other subscriber');
                assert.equal(c.updatesFor(id).length, 1, 'nothing sent back');
                const late = await connect();
                const f = await late.subscribe(id, newDoc());
                assert.equal(f.msg.update.length, 22, 'nothing was stored for the entity');
            });
        }
    });

    test('text frames are ignored: no answer, session open', { timeout: 15000 }, async () => {
        const c = await connect();
        c.sendRaw('hello, this is text', { binary: false });
        c.sendRaw(JSON.stringify({ type: 'subscribe', entityId: randomEntityId() }), { binary: false });
        const proof = await proveOpen(c, 'text frames');
        await delay(QUIET_MS);
        const others = c.frames.filter((f) => f.msg?.entityId !== proof);
        assert.equal(others.length, 0, `the host answered a text frame: ${JSON.stringify(others.map((f) => f.raw))}`);
    });

    test('100 bad frames are tolerated; the 101st within a minute closes the session with 1008', { timeout: 30000 }, async () => {
        const c = await connect();
        const kinds = [
            Uint8Array.from([0xc1]),
            encode([1, 2, 3]),
            encode({ type: 'frobnicate', entityId: randomEntityId() }),
            encode({ type: 'sendUpdate', entityId: randomEntityId(), update: blobs.flipChecksum(UPDATE) }),
            encode({ type: 'subscribe', snapshot: SNAPSHOT, entityId: 'leaf:nope' }),
        ];
        for (let i = 0; i < 100; i++) c.sendRaw(kinds[i % kinds.length], { binary: true });
        await proveOpen(c, '100 bad frames');
        c.sendRaw(kinds[0], { binary: true });
        const info = await c.waitClose(5000).catch((err) => {
            throw new Error(`the session was not closed after 101 bad frames: ${err.message}`);
        });
        assert.equal(info.code, 1008);
    });

    test('a bad session does not affect another session', { timeout: 30000 }, async () => {
        const id = randomEntityId();
        const good = await connect();
        const dGood = newDoc();
        await good.subscribe(id, dGood);
        const bad = await connect();
        await bad.subscribe(id, newDoc());
        const writer = await connect();
        const dWriter = newDoc();
        await writer.subscribe(id, dWriter);

        const mark = good.mark();
        for (let i = 0; i < 150; i++) {
            bad.sendRaw(i % 2 ? Uint8Array.from([0xc1, i & 0xff]) : encode({ type: 'sendUpdate', entityId: id, update: blobs.wrongMagic(UPDATE) }),
                { binary: true });
        }
        const info = await bad.waitClose(5000);
        assert.equal(info.code, 1008, `close code seen by a client that flooded 150 bad frames (1006 = no close frame `
            + `received: the connection was dropped or reset; client errors: ${bad.errors.map((e) => e.code ?? e.message).join('|')})`);
        assert.equal(good.framesSince(mark).length, 0, 'the good session received nothing from the garbage');
        assert.ok(good.isOpen);
        assert.ok(writer.isOpen);

        appendText(dWriter, 'still flowing');
        await waitUntil(() => textOf(dGood) === 'still flowing', { what: 'the good session to keep receiving' });
        await proveOpen(good, 'another session\'s garbage');
    });
});

describe('message size limit (--max-message 4096)', { timeout: 60000 }, () => {
    let small;
    const local = [];
    before(async () => { small = await startHost({ maxMessage: 4096 }); });
    after(async () => {
        await closeAll(local);
        await small?.dispose();
    });

    test('a frame under the limit is accepted; a frame over it closes the session with 1009', { timeout: 20000 }, async () => {
        const id = randomEntityId();
        const watcher = await LeafClient.connect(small.wsUrl(), small.token);
        local.push(watcher);
        const dWatch = newDoc();
        await watcher.subscribe(id, dWatch);
        const writer = await LeafClient.connect(small.wsUrl(), small.token);
        local.push(writer);
        const dWrite = newDoc();
        await writer.subscribe(id, dWrite);

        // ~2.5 KB update: under the limit, forwarded.
        appendText(dWrite, printable(2500, 7));
        await waitUntil(() => textOf(dWatch) === textOf(dWrite), { what: 'the small update to arrive' });
        const smallFrame = writer.sent.at(-1);
        assert.ok(smallFrame.bytes.length < 4096);

        // A real update of ~10 KB: over the limit.
        const big = newDoc();
        const s = printable(10000, 7919);
        appendText(big, s);
        const bigUpdate = big.export({ mode: 'update' });
        const bytes = writer.sendUpdate(id, bigUpdate);
        assert.ok(bytes.length > 4096, `the big frame is ${bytes.length} bytes`);
        const info = await writer.waitClose(5000);
        assert.equal(info.code, 1009);

        // The watcher is unaffected and received nothing of it.
        await delay(QUIET_MS);
        assert.ok(!textOf(dWatch).includes(s.slice(0, 50)), 'the oversized update must not be forwarded');
        await proveOpen(watcher, 'another session\'s oversized frame');
    });
});
