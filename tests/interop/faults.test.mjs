// Faults: kill -9 during sustained writes (nothing another client received is lost; --check-database is ok after
// the kill and after the restart); a full disk (tmpfs: writes fail with a logged, counted error, the host keeps
// serving what it has, nothing is half-stored, writes work again once space returns, without a restart); the DID
// directory hanging (sync sessions, new upgrades, health and cached DIDs stay responsive; logins fail with a 401
// that says why). SIGTERM during writes is durability.test.mjs's.
//
// The full-disk test mounts a tmpfs and therefore needs root; without it the test FAILS (CI runs as root).

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, afterEach, before, describe, test } from 'node:test';
import { DidServer, TOKEN_RE, makeKeypair, mintAndBuy, show } from './lib/atproto.mjs';
import {
    Tmpfs, assertDatabaseOk, checkDatabase, connectAs, httpGet, metricNow, noise, startLimitsHost, tryUpgrade,
    closeWs, waitLog, subscribedPair
} from './lib/hardening.mjs';
import { appendText, closeAll, newDoc, randomEntityId, textOf, vvIncludes, vvObject } from './lib/leaf.mjs';
import { delay, waitUntil } from './lib/util.mjs';

const SERVICE_DID = 'did:web:svc.example.test';

// ---- kill -9 -----------------------------------------------------------------------------------------------

describe('faults: kill -9 during sustained writes from several clients', { timeout: 90000 }, () => {
    let host;
    let clients = [];
    afterEach(async () => {
        await closeAll(clients);
        clients = [];
        await host?.dispose();
        host = null;
    });

    test('every update another client received survives; --check-database is ok after the kill and after the restart', { timeout: 60000 }, async () => {
        host = await startLimitsHost();
        const ids = [randomEntityId(), randomEntityId(), randomEntityId()];
        const members = [];
        for (let w = 0; w < 5; w++) {
            const client = await connectAs(host, `did:web:writer${w}.example.test`, { recordRaw: false });
            clients.push(client);
            const docs = ids.map(() => newDoc());
            for (let k = 0; k < ids.length; k++) await client.subscribe(ids[k], docs[k]);
            members.push({ client, docs, own: new Set(docs.map((d) => d.peerIdStr)), writer: w < 4 });
        }
        let running = true;
        let edits = 0;
        const loops = members.filter((m) => m.writer).map(async (m, w) => {
            for (let i = 0; running && i < 5000 && m.client.isOpen; i++) {
                const k = (i + w) % ids.length;
                appendText(m.docs[k], `w${w}.${i};`);
                if (i % 5 === 0) {
                    m.docs[k].getMap('meta').set(`w${w}`, i);
                    m.docs[k].commit();
                }
                edits += 1;
                await delay(3);
            }
        });
        await delay(1500);
        const info = await host.kill9();
        running = false;
        await Promise.all(loops);
        assert.equal(info.signal, 'SIGKILL', `exit: ${JSON.stringify(info)}`);
        await Promise.all(clients.map((c) => c.waitClose(5000).catch(() => {})));

        // What some client received from the host (its doc minus its own author's changes).
        const need = ids.map(() => ({}));
        for (const m of members) {
            m.docs.forEach((doc, k) => {
                for (const [peer, counter] of Object.entries(vvObject(doc.version()))) {
                    if (!m.own.has(peer)) need[k][peer] = Math.max(need[k][peer] ?? 0, counter);
                }
            });
        }
        const received = need.reduce((s, n) => s + Object.values(n).reduce((a, c) => a + c, 0), 0);
        assert.ok(received > 100, `too little was exchanged before the kill (${edits} edits, ${received} received)`);

        assertDatabaseOk(await checkDatabase(host.dataDir), 'right after kill -9');

        await host.start();
        const fresh = await connectAs(host, 'did:web:after.example.test');
        clients.push(fresh);
        const docs = ids.map(() => newDoc());
        for (let k = 0; k < ids.length; k++) await fresh.subscribe(ids[k], docs[k], { timeoutMs: 10000 });
        ids.forEach((id, k) => {
            const have = vvObject(docs[k].version());
            assert.ok(vvIncludes(have, need[k]), `entity ${k} lost changes a client had received: have ${JSON.stringify(have)}, `
                + `received ${JSON.stringify(need[k])}`);
            assert.deepEqual(fresh.entity(id).importErrors, [], `entity ${k}: what the host served does not import cleanly`);
        });
        await closeAll(clients);
        clients = [];
        const stop = await host.stop();
        assert.equal(stop.code, 0, `exit after SIGTERM: ${JSON.stringify(stop)}`);
        assertDatabaseOk(await checkDatabase(host.dataDir), 'after the restart');
    });
});

// ---- full disk ----------------------------------------------------------------------------------------------

describe('faults: a full disk (tmpfs data dir)', { timeout: 120000 }, () => {
    let host;
    let disk;
    let clients = [];
    afterEach(async () => {
        await closeAll(clients);
        clients = [];
        await host?.dispose();
        host = null;
        disk?.unmount();
        disk = null;
    });

    test('writes fail logged and counted; old data is served; nothing half-stored; writes resume when space returns', { timeout: 90000 }, async () => {
        disk = Tmpfs.mount('600k');
        host = await startLimitsHost({ dataDir: disk.dir });
        const id = randomEntityId();
        const { a: w, b: v, da: dw, db: dv } = await subscribedPair(host, id, clients,
            ['did:web:writer.example.test', 'did:web:watcher.example.test']);
        let before = '';
        for (let i = 0; i < 20; i++) {
            appendText(dw, `before-${i};`);
            before += `before-${i};`;
            await delay(5);
        }
        await waitUntil(() => textOf(dv) === before, { what: 'the watcher to get the edits made before the disk filled' });
        const failuresBefore = await metricNow(host, 'canopy_store_failures_total');
        assert.equal(failuresBefore, 0, 'store failures before the disk filled');

        // Fill the disk, then send an update larger than the whole file system (from its own author, so the
        // writer's later edits do not depend on it).
        const filled = disk.fill();
        const big = newDoc();
        const bigText = noise(700 * 1024, 3);
        appendText(big, bigText);
        const logMark = host.logs.length;
        w.sendUpdate(id, big.export({ mode: 'update' }));
        const line = await waitLog(host, (l) => l.category === 'canopy.store' && /update not stored/.test(l.message ?? ''),
            { since: logMark, timeoutMs: 10000, what: 'a canopy.store "update not stored" log line' });
        assert.equal(line.entity, id, `log line: ${JSON.stringify(line)}`);
        assert.ok(['critical', 'error', 'fatal', 'warning'].includes(String(line.level).toLowerCase()), `log level: ${JSON.stringify(line)}`);
        const failures = await metricNow(host, 'canopy_store_failures_total');
        assert.ok(failures > 0, `canopy_store_failures_total is ${failures} after a failed write`);
        await delay(500);
        assert.equal(textOf(dv), before, 'an update that was not stored was forwarded');

        // The host keeps serving what it has: a new subscriber gets everything stored before the disk filled.
        const health = await httpGet(host.url('/xrpc/_health'));
        assert.equal(health.status, 200, `health while the disk is full: ${health.status} ${health.text}`);
        const c = await connectAs(host, 'did:web:late.example.test');
        clients.push(c);
        const dc = newDoc();
        await c.subscribe(id, dc, { timeoutMs: 5000 });
        assert.equal(textOf(dc), before, 'a new subscriber while the disk is full');
        assert.ok(w.isOpen && v.isOpen, 'sessions stay open while the disk is full');

        // Space returns (no restart): a new edit is stored and reaches the other subscribers.
        disk.resize('16m');
        assert.ok(disk.freeBytes() > 8 * 1024 * 1024, `free space after the remount: ${disk.freeBytes()}`);
        const stored0 = await metricNow(host, 'canopy_blocks_stored_total');
        appendText(dw, 'after;');
        await waitUntil(() => textOf(dv) === before + 'after;' && textOf(dc) === before + 'after;',
            { timeoutMs: 5000, what: `the edit made after space returned to reach the subscribers (watcher has ${JSON.stringify(textOf(dv).slice(-20))})` });
        assert.ok(await metricNow(host, 'canopy_blocks_stored_total') > stored0, 'canopy_blocks_stored_total did not move');

        // Nothing half-stored: a clean restart, a sound database, and a document that imports cleanly, holding
        // exactly what was stored (not the refused update).
        await closeAll(clients);
        clients = [];
        const stop = await host.stop();
        assert.equal(stop.code, 0, `exit after SIGTERM: ${JSON.stringify(stop)}\n${host.tail()}`);
        assertDatabaseOk(await checkDatabase(disk.dir), 'after the full disk');
        await host.start();
        const r = await connectAs(host, 'did:web:restart.example.test');
        clients.push(r);
        const dr = newDoc();
        await r.subscribe(id, dr, { timeoutMs: 10000 });
        assert.deepEqual(r.entity(id).importErrors, [], 'the stored document does not import cleanly');
        assert.equal(textOf(dr), before + 'after;', 'the document after the restart');
        assert.deepEqual(vvObject(dr.version()), vvObject(dw.version()), 'the version after the restart is the writer\'s');
        console.log(`# full disk: filler ${filled} bytes; ${failures} store failure(s); data dir files: `
            + fs.readdirSync(disk.dir).map((f) => `${f}=${fs.statSync(path.join(disk.dir, f)).size}`).join(', '));
    });
});

// ---- the DID directory hangs ------------------------------------------------------------------------------

describe('faults: the DID directory hangs, answers garbage or is down', { timeout: 90000 }, () => {
    let dids;
    let host;
    let cached;
    let clients = [];

    before(async () => {
        dids = await DidServer.start();
        host = await startLimitsHost({ did: SERVICE_DID, args: ['--plc-url', dids.url] });
        const keypair = await makeKeypair('p256');
        cached = { did: dids.addPlc(keypair), keypair };
        const r = await mintAndBuy(host, { iss: cached.did, keypair });
        assert.equal(r.status, 200, `warming the cache: ${show(r)}`);
    });
    afterEach(async () => {
        dids.setAll(null);
        await closeAll(clients);
        clients = [];
    });
    after(async () => {
        await host?.dispose();
        await dids?.stop();
    });

    async function newIdentities(n) {
        const out = [];
        for (let i = 0; i < n; i++) {
            const keypair = await makeKeypair('k256');
            out.push({ did: dids.addPlc(keypair), keypair });
        }
        return out;
    }

    test('while 10 resolutions hang: sessions, upgrades, health, /metrics and cached DIDs answer at once', { timeout: 30000 }, async () => {
        const id = randomEntityId();
        const { a, b, da, db } = await subscribedPair(host, id, clients);

        const fresh = await newIdentities(10);
        dids.setAll({ delayMs: 'hang' });
        const t0 = performance.now();
        const hanging = fresh.map((f) => mintAndBuy(host, { iss: f.did, keypair: f.keypair }));
        await waitUntil(() => fresh.some((f) => dids.requests(f.did) >= 1), { timeoutMs: 3000, what: 'the host to ask the directory' });
        await delay(200);
        const askedAtOnce = fresh.filter((f) => dids.requests(f.did) >= 1).length;

        // Meanwhile, everything else answers promptly.
        let t = performance.now();
        appendText(da, 'during the hang');
        await waitUntil(() => textOf(db) === 'during the hang', { timeoutMs: 1000, intervalMs: 5, what: 'an update between two sessions' });
        const updateMs = performance.now() - t;
        t = performance.now();
        const up = await tryUpgrade(host, 'did:web:c.example.test', host.token, { timeoutMs: 2000 });
        const upgradeMs = performance.now() - t;
        assert.equal(up.opened, true, `a new /sync/as/ upgrade during the hang: ${up.statusCode} ${up.body ?? up.error?.message}`);
        await closeWs(up.ws);
        const health = await httpGet(host.url('/xrpc/_health'), {}, 2000);
        assert.equal(health.status, 200);
        const metricsRes = await httpGet(host.url('/metrics'), { authorization: `Bearer ${host.adminToken}` }, 2000);
        assert.equal(metricsRes.status, 200);
        const c = await mintAndBuy(host, { iss: cached.did, keypair: cached.keypair });
        assert.equal(c.status, 200, `cached DID during the hang: ${show(c)}`);
        assert.match(c.json.token, TOKEN_RE);
        for (const [what, ms, limit] of [['update a->b', updateMs, 500], ['upgrade', upgradeMs, 1000],
            ['health', health.ms, 500], ['/metrics', metricsRes.ms, 500], ['cached DID purchase', c.ms, 1000]]) {
            assert.ok(ms < limit, `${what} took ${ms.toFixed(0)} ms while resolutions hang (limit ${limit} ms)`);
        }
        const stillPending = hanging.length;

        // The hanging logins end with 401 after the 3 s timeout, saying why.
        const results = await Promise.all(hanging);
        const elapsed = performance.now() - t0;
        console.log(`# directory hang: ${askedAtOnce} of 10 lookups reached the directory at once; logins answered after `
            + `${results.map((r) => (r.ms / 1000).toFixed(1)).join(', ')} s; message "${results[0].json?.message}"`);
        results.forEach((r, i) => {
            assert.equal(r.status, 401, `hanging login ${i}: ${show(r)}`);
            assert.equal(r.json?.error, 'AuthenticationRequired', `hanging login ${i}: ${r.text}`);
            assert.match(r.json?.message ?? '', /^the DID could not be resolved$/, `hanging login ${i}: message ${r.json?.message}`);
            assert.ok(r.ms >= 2500 && r.ms < 6000, `hanging login ${i} answered after ${r.ms.toFixed(0)} ms (timeout 3 s)`);
        });
        assert.ok(elapsed < 8000, `${stillPending} hanging logins took ${elapsed.toFixed(0)} ms in all`);
    });

    test('garbage and down: 401 AuthenticationRequired that says the DID could not be resolved; cached DIDs work', async () => {
        const [g, d] = await newIdentities(2);
        dids.setAll({ garbage: true });
        const rg = await mintAndBuy(host, { iss: g.did, keypair: g.keypair });
        assert.equal(rg.status, 401, `garbage: ${show(rg)}`);
        assert.equal(rg.json?.error, 'AuthenticationRequired');
        assert.match(rg.json?.message ?? '', /^the DID could not be resolved$/, `garbage: ${rg.json?.message}`);
        assert.ok(rg.ms < 3000, `garbage answered after ${rg.ms.toFixed(0)} ms`);
        dids.setAll(null);

        await dids.stop();
        try {
            const rd = await mintAndBuy(host, { iss: d.did, keypair: d.keypair });
            assert.equal(rd.status, 401, `down: ${show(rd)}`);
            assert.match(rd.json?.message ?? '', /^the DID could not be resolved$/, `down: ${rd.json?.message}`);
            assert.ok(rd.ms < 3000, `down answered after ${rd.ms.toFixed(0)} ms`);
            const c = await mintAndBuy(host, { iss: cached.did, keypair: cached.keypair });
            assert.equal(c.status, 200, `cached DID while the directory is down: ${show(c)}`);
            const s = await tryUpgrade(host, cached.did, c.json.token);
            assert.equal(s.opened, true, `the cached DID's token opens a session: ${s.statusCode} ${s.body}`);
            await closeWs(s.ws);
        } finally {
            await dids.restart();
        }
        console.log(`# directory garbage: "${rg.json.message}"`);
    });
});

