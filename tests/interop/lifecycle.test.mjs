// Session lifecycle: the host pings every --ping-interval seconds; a client that answers stays connected, a
// client that never pongs is closed after missing two pongs; sessions that vanish abruptly leave the host
// serving.

import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import { fetchWithTimeout, startHost } from './lib/host.mjs';
import { LeafClient, appendText, closeAll, newDoc, randomEntityId, textOf } from './lib/leaf.mjs';
import { delay, waitUntil } from './lib/util.mjs';

let host;
let clients = [];

async function connect(o) {
    const c = await LeafClient.connect(host.wsUrl(), host.token, o);
    clients.push(c);
    return c;
}

describe('lifecycle (--ping-interval 1)', { timeout: 120000 }, () => {
    before(async () => { host = await startHost({ pingInterval: 1 }); });
    afterEach(async () => {
        await closeAll(clients);
        clients = [];
    });
    after(async () => { await host?.dispose(); });

    test('a client that answers pings stays connected for more than 3 s', { timeout: 20000 }, async () => {
        const c = await connect();
        const id = randomEntityId();
        await c.subscribe(id, newDoc());
        await delay(4000);
        assert.ok(c.isOpen, `closed: ${JSON.stringify(c.closeInfo)}`);
        assert.ok(c.pings >= 2, `expected at least 2 pings in 4 s with --ping-interval 1, got ${c.pings}`);
        // Still a working session.
        const f = await c.subscribe(randomEntityId(), newDoc());
        assert.equal(f.msg.update.length, 22);
    });

    test('a client that never pongs is closed after missing two pongs (~3 intervals)', { timeout: 20000 }, async () => {
        const silent = await connect({ wsOptions: { autoPong: false } });
        const normal = await connect();
        const t0 = Date.now();
        const info = await silent.waitClose(6000).catch((err) => {
            throw new Error(`a client that never pongs is still connected after 6 s (${silent.pings} pings): ${err.message}`);
        });
        const ms = Date.now() - t0;
        assert.ok(silent.pings >= 2, `it should have been pinged at least twice, got ${silent.pings}`);
        assert.ok(ms <= 5000, `closed after ${ms} ms; expected about 3 intervals`);
        assert.ok(ms >= 1000, `closed after only ${ms} ms; two pongs cannot have been missed yet`);
        assert.ok(normal.isOpen, 'the answering client stays connected');
        void info;
    });

    test('sessions that vanish abruptly (no close handshake) leave the host serving', { timeout: 20000 }, async () => {
        const id = randomEntityId();
        const writer = await connect();
        const dw = newDoc();
        await writer.subscribe(id, dw);
        for (let i = 0; i < 20; i++) {
            const c = await connect();
            await c.subscribe(id, newDoc());
            if (i % 2) c.terminate(); else await c.close();
        }
        const reader = await connect();
        const dr = newDoc();
        await reader.subscribe(id, dr);
        appendText(dw, 'after the churn');
        await waitUntil(() => textOf(dr) === 'after the churn', { what: 'delivery after many sessions vanished' });
        const res = await fetchWithTimeout(host.url('/xrpc/_health'));
        assert.equal(res.status, 200);
    });
});
