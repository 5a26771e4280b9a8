// Backups (issue 12): verified copies of the live database made while real clients keep writing
// (VACUUM INTO on a worker thread, PRAGMA integrity_check, an atomic rename to
// canopy-<UTC time>.sqlite), retention, failing backup dirs (replaced by a file, read-only, full)
// that keep the older copies and report the error, the admin API (POST/GET /admin/backups), and
// `canopy --restore <file> [--dry-run]`: a restored database holds every update acknowledged
// before the backup started; a dry run changes nothing; missing, corrupt and too-new files and a
// running host are refused with exit 2 and one line.
//
// The read-only and full dirs are made with a mount namespace of the host's own (`unshare -m` as
// root, `unshare -Urm` otherwise): a read-only bind mount, a 1 MiB tmpfs. chmod would not stop
// root, and a mount in the namespace works for both.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { after, afterEach, describe, test } from 'node:test';
import { adminJson, adminRequest, assertError, assertIsoBetween, logEntries, parseMetrics, metricValue, startAdminHost } from './lib/admin.mjs';
import { makeTempDir, runOnce } from './lib/host.mjs';
import { LeafClient, appendText, closeAll, newDoc, randomEntityId, textOf, vvIncludes, vvObject } from './lib/leaf.mjs';
import { LoroDoc, closeAllLoro, connectLoro, noiseText, roomName, vvOf } from './lib/loro.mjs';
import { delay, waitUntil } from './lib/util.mjs';

const NAME_RE = /^canopy-\d{8}T\d{6}\.\d{3}Z\.sqlite$/;

let hosts = [];
let clients = [];
let peers = [];
const dirs = [];

function tempDir(prefix) {
    const dir = makeTempDir(prefix);
    dirs.push(dir);
    return dir;
}

async function backupHost(o = {}) {
    const { backupDir = tempDir('canopy-backups-'), args = [], ...rest } = o;
    const host = await startAdminHost({ ...rest, args: ['--backup-dir', backupDir, ...args] });
    host.backupDir = backupDir;
    hosts.push(host);
    return host;
}

function postBackup(host, timeoutMs = 60000) {
    return adminRequest(host, 'POST', '/admin/backups', { timeoutMs });
}

async function backupOk(host) {
    const r = await postBackup(host);
    assert.equal(r.status, 201, `POST /admin/backups: ${r.status} ${r.text}\n${host.tail(10)}`);
    return r.json;
}

async function listBackups(host) {
    return adminJson(host, '/admin/backups');
}

async function backupMetrics(host) {
    const m = parseMetrics((await adminRequest(host, 'GET', '/metrics')).text);
    return {
        ok: metricValue(m, 'canopy_backups_total', { result: 'ok' }),
        failed: metricValue(m, 'canopy_backups_total', { result: 'failed' }),
        failures: metricValue(m, 'canopy_backup_failures_total'),
    };
}

function sha256(file) {
    return createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

/** name -> { size, sha } of the regular files in `dir`. */
function snapshotDir(dir) {
    const out = {};
    for (const name of fs.readdirSync(dir).sort()) {
        const p = path.join(dir, name);
        const st = fs.statSync(p);
        if (st.isFile()) out[name] = { size: st.size, mtimeMs: st.mtimeMs, sha: sha256(p) };
    }
    return out;
}

function restore(dataDir, file, { dryRun = false, timeoutMs = 60000 } = {}) {
    const args = ['--restore', file, '--data-dir', dataDir];
    if (dryRun) args.push('--dry-run');
    return runOnce(args, { timeoutMs });
}

/** One line on stderr, exit 2, nothing on stdout that claims success. */
function assertRefused(r, re, what) {
    assert.equal(r.timedOut, false, `${what}: timed out`);
    assert.equal(r.code, 2, `${what}: exit ${r.code}; stdout ${r.stdout} stderr ${r.stderr}`);
    const lines = r.stderr.trim().split('\n').filter(Boolean);
    assert.equal(lines.length, 1, `${what}: one line on stderr, got ${JSON.stringify(r.stderr)}`);
    assert.match(lines[0], re, what);
    assert.doesNotMatch(r.stdout, /restored/, `${what}: claims a restore`);
}

/** Documents of incompressible text, so that a backup has something to copy for a while. */
async function prefill(host, megabytes) {
    const c = await LeafClient.connect(host.wsUrl('did:web:prefill.backups.test'), host.token);
    clients.push(c);
    for (let i = 0; i < megabytes; i++) {
        const id = randomEntityId();
        const doc = newDoc();
        await c.subscribe(id, doc);
        appendText(doc, noiseText(1 << 20));
    }
    // The last one stored: a second client reads it back in full.
    const ids = [...c.entities.keys()];
    const check = await LeafClient.connect(host.wsUrl('did:web:prefill-check.backups.test'), host.token);
    clients.push(check);
    const doc = newDoc();
    await check.subscribe(ids.at(-1), doc, { timeoutMs: 20000 });
    await waitUntil(() => textOf(doc).length === 1 << 20, { timeoutMs: 20000, what: 'the prefill to be stored' });
}

/**
 * unshare makes every mount of the new namespace private, which needs "/" to be a mount point; in a
 * chroot (CI's fresh Debian root) it is not, and unshare fails with EINVAL. There the namespace
 * keeps the mounts' propagation as it is, which isolates our mount only when the mount holding `dir`
 * is not shared (a shared one would carry it back to the host's namespace): checked, not assumed.
 */
function propagation(dir) {
    if (spawnSync('unshare', ['-m', 'true']).status === 0) return [];
    const mounts = fs.readFileSync('/proc/self/mountinfo', 'utf8').trim().split('\n').map((l) => l.split(' '));
    const holding = mounts.filter((f) => dir === f[4] || dir.startsWith(f[4].endsWith('/') ? f[4] : `${f[4]}/`))
        .sort((a, b) => b[4].length - a[4].length)[0];
    const optional = holding ? holding.slice(6, holding.indexOf('-')) : [];
    if (optional.some((o) => o.startsWith('shared:'))) {
        throw new Error(`cannot isolate a mount at ${dir}: "/" is no mount point and ${holding[4]} is shared`);
    }
    return ['--propagation', 'unchanged'];
}

/** A mount namespace for the host: `script` runs as its root (mounting) and execs the host. */
function namespaceLauncher(script, ...args) {
    const unshare = process.getuid?.() === 0 ? ['unshare', '-m', ...propagation(args[0])] : ['unshare', '-Urm'];
    // sh -c 'script' $0 "$@": the script's argument is $0, the host's command line "$@".
    return [...unshare, 'sh', '-c', `${script} && exec "$@"`, ...args];
}

describe('backups', { timeout: 300000 }, () => {
    afterEach(async () => {
        await closeAll(clients);
        clients = [];
        await closeAllLoro(peers);
        peers = [];
        for (const h of hosts) await h.dispose();
        hosts = [];
    });

    after(() => {
        for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
    });

    test('under sustained Sync1 and loro-protocol writes: the restored database holds every update acknowledged before the backup started', { timeout: 180000 }, async () => {
        const host = await backupHost();
        await prefill(host, 24); // ~24 MB: the copy takes a while, the writes go on meanwhile

        // Sync1: two writers (one entity each) and an observer, whose copy holds only what the host
        // committed (it forwards nothing it has not stored): that is what Sync1 acknowledges.
        const sync = [];
        const observer = await LeafClient.connect(host.wsUrl('did:web:observer.backups.test'), host.token);
        clients.push(observer);
        for (let w = 0; w < 2; w++) {
            const client = await LeafClient.connect(host.wsUrl(`did:web:sync${w}.backups.test`), host.token);
            clients.push(client);
            const id = randomEntityId();
            const doc = newDoc();
            await client.subscribe(id, doc);
            const seen = newDoc();
            await observer.subscribe(id, seen);
            sync.push({ id, doc, seen });
        }
        // loro-protocol: two writers in rooms of their own; each DocUpdate gets an Ack once committed.
        const loro = [];
        for (let w = 0; w < 2; w++) {
            const peer = await connectLoro(host, { name: `loro${w}` });
            peers.push(peer);
            const room = roomName('backup');
            const { doc } = await peer.joinLoro(room);
            loro.push({ peer, room, doc });
        }

        let running = true;
        let edits = 0;
        const loops = [...sync.map((s) => s.doc), ...loro.map((l) => l.doc)].map(async (doc, w) => {
            for (let i = 0; running && i < 20000; i++) {
                appendText(doc, `w${w}:${i};`);
                edits += 1;
                await delay(5);
            }
        });
        await delay(1000);

        // What counts as acknowledged is fixed the moment the request leaves.
        const t0 = performance.now();
        const sentAt = Date.now();
        const syncAcked = sync.map((s) => ({ vv: vvObject(s.seen.version()), text: textOf(s.seen) }));
        const loroAcked = loro.map(({ peer, room }) => {
            const doc = new LoroDoc();
            for (const b of peer.batches({ roomId: room })) {
                if (b.acks.some((a) => a.t < t0 && a.msg.status === 0) && b.updates) {
                    for (const u of b.updates) doc.import(u);
                }
            }
            return { vv: vvOf(doc), text: doc.getText('text').toString() };
        });
        const [first, second] = await Promise.all([postBackup(host), delay(1).then(() => postBackup(host))]);
        const t1 = performance.now();
        assert.equal(first.status, 201, `POST /admin/backups: ${first.status} ${first.text}\n${host.tail(10)}`);
        assertError(second, 409, 'Conflict', 'a second backup while one runs');
        assert.match(second.json.message, /running/);
        const entry = first.json;
        assert.deepEqual(Object.keys(entry).sort(), ['bytes', 'file', 'time', 'verified']);
        assert.match(entry.file, NAME_RE);
        assert.equal(entry.verified, true);
        assert.ok(entry.bytes > 20e6, `a copy of ${entry.bytes} bytes`);
        assertIsoBetween(entry.time, sentAt, Date.now(), 'the entry time');
        assert.equal(fs.statSync(path.join(host.backupDir, entry.file)).size, entry.bytes);

        // Writes went on while the copy was made.
        const during = loro.reduce((n, { peer, room }) => n + peer.batches({ roomId: room })
            .filter((b) => b.acks.some((a) => a.t > t0 && a.t < t1 && a.msg.status === 0)).length, 0);
        const backupMs = t1 - t0;
        if (backupMs >= 100) assert.ok(during > 0, `no update was acknowledged during the ${backupMs.toFixed(0)} ms backup`);
        console.log(`# backup of ${(entry.bytes / 1e6).toFixed(1)} MB took ${backupMs.toFixed(0)} ms; ${during} loro-protocol batches were acknowledged meanwhile`);

        await delay(400); // writes after the backup: the restore must take them away again
        running = false;
        await Promise.all(loops);
        await waitUntil(() => loro.every(({ peer, room }) => peer.batches({ roomId: room }).every((b) => b.acks.length > 0)),
            { timeoutMs: 10000, what: 'every batch to be acknowledged' });
        const finalVersions = [...sync.map((s) => vvObject(s.doc.version())), ...loro.map((l) => vvOf(l.doc))];
        assert.ok(syncAcked.every((a) => Object.keys(a.vv).length > 0) && loroAcked.every((a) => Object.keys(a.vv).length > 0),
            `every writer had acknowledged updates before the backup (${edits} edits)`);
        await closeAll(clients);
        clients = [];
        await closeAllLoro(peers);
        peers = [];

        const stopped = await host.stop();
        assert.equal(stopped.code, 0);
        const r = await restore(host.dataDir, path.join(host.backupDir, entry.file));
        assert.equal(r.code, 0, `--restore: exit ${r.code}\nstdout ${r.stdout}\nstderr ${r.stderr}`);
        assert.match(r.stdout, /integrity ok/);
        assert.match(r.stdout, /documents\s+\d+\s+\d+/);
        const kept = fs.readdirSync(host.dataDir).filter((n) => /^canopy\.sqlite\.replaced-\d{8}T\d{6}\.\d{3}Z$/.test(n));
        assert.equal(kept.length, 1, `the replaced database is kept beside it: ${fs.readdirSync(host.dataDir)}`);
        assert.ok(r.stdout.includes(kept[0]), 'the output names the kept file');
        for (const side of ['canopy.sqlite-wal', 'canopy.sqlite-shm']) {
            assert.ok(!fs.existsSync(path.join(host.dataDir, side)), `${side} is gone after the restore`);
        }

        await host.start();
        let lostLater = 0;
        const reader = await LeafClient.connect(host.wsUrl('did:web:reader.backups.test'), host.token);
        clients.push(reader);
        for (const [k, s] of sync.entries()) {
            const doc = newDoc();
            await reader.subscribe(s.id, doc, { variant: 'vv', timeoutMs: 20000 });
            const have = vvObject(doc.version());
            assert.ok(vvIncludes(have, syncAcked[k].vv),
                `Sync1 entity ${k} lost acknowledged updates: have ${JSON.stringify(have)}, acknowledged ${JSON.stringify(syncAcked[k].vv)}`);
            assert.ok(textOf(doc).startsWith(syncAcked[k].text), `Sync1 entity ${k}: the acknowledged text is its start`);
            if (!vvIncludes(have, finalVersions[k])) lostLater += 1;
        }
        for (const [k, l] of loro.entries()) {
            const peer = await connectLoro(host, { name: `loro-reader${k}` });
            peers.push(peer);
            const { doc } = await peer.joinLoro(l.room);
            await waitUntil(() => vvIncludes(vvOf(doc), loroAcked[k].vv), { timeoutMs: 20000,
                what: `loro room ${k} to hold its acknowledged updates ${JSON.stringify(loroAcked[k].vv)} (has ${JSON.stringify(vvOf(doc))})` });
            // A fresh loro-crdt document importing what the host serves holds them too.
            const exported = await adminRequest(host, 'GET', `/admin/documents/${encodeURIComponent(l.room)}/export?kind=loro`);
            assert.equal(exported.status, 200, `export ${exported.status} ${exported.text.slice(0, 200)}`);
            const fresh = new LoroDoc();
            fresh.import(exported.bytes);
            assert.ok(vvIncludes(vvOf(fresh), loroAcked[k].vv), `loro room ${k}: a fresh import lacks acknowledged updates`);
            assert.ok(fresh.getText('text').toString().startsWith(loroAcked[k].text), `loro room ${k}: the acknowledged text is its start`);
            if (!vvIncludes(vvOf(doc), finalVersions[sync.length + k])) lostLater += 1;
        }
        // It is the backup that is served now: what was written after it is not there.
        assert.ok(lostLater > 0, 'no document lacks the writes made after the backup: the restore changed nothing');
    });

    test('POST /admin/backups is 409 without a backup dir; GET lists nothing then', async () => {
        const host = await startAdminHost();
        hosts.push(host);
        const r = await postBackup(host);
        assertError(r, 409, 'Conflict', 'POST without --backup-dir');
        assert.match(r.json.message, /backup dir/);
        assert.deepEqual(await listBackups(host), { backups: [], lastError: null });
        const m = await backupMetrics(host);
        assert.deepEqual(m, { ok: 0, failed: 0, failures: 0 });
        assertError(await adminRequest(host, 'DELETE', '/admin/backups'), 405, 'MethodNotAllowed');
        assertError(await adminRequest(host, 'GET', '/admin/backups', { token: null }), 401, 'AuthenticationRequired');
    });

    test('GET /admin/backups: newest first, the names inside the dir, sizes as on disk; foreign files ignored', async () => {
        const host = await backupHost();
        fs.writeFileSync(path.join(host.backupDir, 'notes.txt'), 'mine');
        const made = [];
        for (let i = 0; i < 3; i++) made.push(await backupOk(host));
        const list = await listBackups(host);
        assert.deepEqual(Object.keys(list).sort(), ['backups', 'lastError']);
        assert.equal(list.lastError, null);
        assert.deepEqual(list.backups.map((b) => b.file), made.map((b) => b.file).reverse());
        for (const b of list.backups) {
            assert.deepEqual(Object.keys(b).sort(), ['bytes', 'file', 'time', 'verified']);
            assert.match(b.file, NAME_RE);
            assert.equal(b.verified, true);
            assert.equal(b.bytes, fs.statSync(path.join(host.backupDir, b.file)).size);
            // The name carries the time.
            const m = /^canopy-(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})\.(\d{3})Z/.exec(b.file);
            assert.equal(b.time, `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}.${m[7]}Z`);
            // Each copy is a database on its own: --check-database on a data dir holding it says ok.
            const dir = tempDir('canopy-check-');
            fs.copyFileSync(path.join(host.backupDir, b.file), path.join(dir, 'canopy.sqlite'));
            const check = await runOnce(['--check-database', '--data-dir', dir], { timeoutMs: 30000 });
            assert.equal(check.stdout.trim(), 'ok', `${b.file}: ${check.stdout} ${check.stderr}`);
        }
        assert.ok(fs.existsSync(path.join(host.backupDir, 'notes.txt')));
        const mode = fs.statSync(path.join(host.backupDir, made[0].file)).mode & 0o777;
        assert.equal(mode, 0o600, `a copy is private: ${mode.toString(8)}`);
        const m = await backupMetrics(host);
        assert.equal(m.ok, 3);
        const logs = await logEntries(host, { category: 'canopy.backup' });
        assert.equal(logs.filter((e) => e.message === 'backup made').length, 3, JSON.stringify(logs));
    });

    test('retention on a short interval (BACKUP_* environment): the newest --backup-keep verified copies stay', { timeout: 90000 }, async () => {
        const backupDir = tempDir('canopy-retention-');
        // Files that are not Canopy's copies are never touched.
        fs.writeFileSync(path.join(backupDir, 'canopy-manual.sqlite'), 'not ours');
        fs.writeFileSync(path.join(backupDir, 'README'), 'operator notes');
        const host = await startAdminHost({ env: { BACKUP_DIR: backupDir, BACKUP_INTERVAL: '1s', BACKUP_KEEP: '3' } });
        hosts.push(host);
        await waitUntil(async () => (await backupMetrics(host)).ok >= 6, { timeoutMs: 30000, intervalMs: 200, what: 'six scheduled backups' });
        // The schedule shows in the metrics: the next run is about a second away.
        const text = (await adminRequest(host, 'GET', '/metrics')).text;
        const next = Number(/^canopy_backup_next_run_timestamp_seconds (\S+)$/m.exec(text)?.[1]);
        assert.ok(next * 1000 > Date.now() - 5000 && next * 1000 < Date.now() + 5000, `next run ${next}`);
        const listed = await listBackups(host);
        assert.ok(listed.backups.length >= 3 && listed.backups.length <= 4, `kept ${listed.backups.length}: ${JSON.stringify(listed)}`);
        await host.stop(); // no backup runs after this: what the log says is all there is

        const events = host.logs.filter((e) => e.category === 'canopy.backup');
        const made = events.filter((e) => e.message === 'backup made').map((e) => e.file);
        const removed = events.filter((e) => /retention/.test(e.message)).map((e) => e.file);
        assert.ok(made.length >= 6, `made ${made.length}`);
        const names = fs.readdirSync(backupDir).filter((n) => NAME_RE.test(n)).sort();
        // Retention runs after each success: the newest three stay, every older one went.
        assert.deepEqual(names, [...made].sort().slice(-3), `kept ${names}; made ${made}`);
        assert.deepEqual([...removed].sort(), [...made].sort().slice(0, -3), 'exactly the older copies were removed');
        assert.ok(fs.existsSync(path.join(backupDir, 'canopy-manual.sqlite')));
        assert.ok(fs.existsSync(path.join(backupDir, 'README')));
        assert.deepEqual(fs.readdirSync(backupDir).filter((n) => n.includes('partial')), []);
    });

    test('invalid backup settings stop start-up with exit 2 and one line', async () => {
        const dataDir = tempDir('canopy-data-');
        const file = path.join(tempDir('canopy-file-'), 'a-file');
        fs.writeFileSync(file, 'x');
        const cases = [
            [['--backup-interval', '10x', '--backup-dir', tempDir('b-')], /invalid setting backup-interval: '10x'/],
            [['--backup-interval=-5', '--backup-dir', tempDir('b-')], /invalid setting backup-interval: '-5'/],
            [['--backup-interval', '1h'], /backup-interval: needs --backup-dir/],
            [['--backup-keep', '0', '--backup-dir', tempDir('b-')], /invalid setting backup-keep/],
            [['--backup-dir', file], /invalid setting backup-dir: '.*' is not a directory/],
        ];
        for (const [args, re] of cases) {
            const r = await runOnce(['--headless', '--data-dir', dataDir, '--port', '1', '--admin-token', 'x', ...args]);
            assert.equal(r.code, 2, `${args.join(' ')}: exit ${r.code} ${r.stderr}`);
            const lines = r.stderr.trim().split('\n');
            assert.equal(lines.length, 1, `${args.join(' ')}: ${r.stderr}`);
            assert.match(lines[0], re);
        }
        const env = await runOnce(['--headless', '--data-dir', dataDir, '--port', '1', '--admin-token', 'x'],
            { env: { BACKUP_INTERVAL: '3w', BACKUP_DIR: tempDir('b-') } });
        assert.equal(env.code, 2);
        assert.match(env.stderr, /backup-interval: '3w'/);
    });

    test('a backup dir replaced by a file: the backup fails (500, logged as an error, counted), lastError says why, the older copies stay', async () => {
        const host = await backupHost({ args: ['--backup-keep', '2'] });
        const older = [await backupOk(host), await backupOk(host)];
        const aside = `${host.backupDir}.aside`;
        fs.renameSync(host.backupDir, aside);
        fs.writeFileSync(host.backupDir, 'in the way');
        const r = await postBackup(host);
        assertError(r, 500, 'BackupFailed', 'a backup into a file');
        assert.match(r.json.message, /not a directory/);
        const list = await listBackups(host);
        assert.match(list.lastError, /not a directory/);
        assert.deepEqual(await backupMetrics(host), { ok: 2, failed: 1, failures: 1 });
        const errors = await logEntries(host, { level: 'error', category: 'canopy.backup' });
        assert.equal(errors.length, 1, JSON.stringify(errors));
        assert.equal(errors[0].message, 'backup failed');
        assert.match(errors[0].reason, /not a directory/);

        fs.rmSync(host.backupDir);
        fs.renameSync(aside, host.backupDir);
        const back = await listBackups(host);
        assert.deepEqual(back.backups.map((b) => b.file), older.map((b) => b.file).reverse(), 'the older copies are all there');
        // A success clears lastError; retention then makes room for it among the newest two.
        const made = await backupOk(host);
        const after = await listBackups(host);
        assert.equal(after.lastError, null);
        assert.deepEqual(after.backups.map((b) => b.file), [made.file, older[1].file]);
    });

    test('a read-only backup dir: the backup fails, the older copies stay as they were', async () => {
        const first = await backupHost();
        const older = [await backupOk(first), await backupOk(first)];
        await first.stop();
        const before = snapshotDir(first.backupDir);
        const dir = first.backupDir;
        const host = await backupHost({
            backupDir: dir, dataDir: first.dataDir,
            launcher: namespaceLauncher('mount --bind "$0" "$0" && mount -o remount,bind,ro "$0"', dir),
        });
        const r = await postBackup(host);
        assertError(r, 500, 'BackupFailed', 'a backup into a read-only dir');
        assert.match(r.json.message, /Read-only file system/i);
        const list = await listBackups(host);
        assert.match(list.lastError, /Read-only file system/i);
        assert.deepEqual(list.backups.map((b) => b.file), older.map((b) => b.file).reverse());
        assert.deepEqual((await backupMetrics(host)).failed, 1);
        await host.stop();
        assert.deepEqual(snapshotDir(dir), before, 'the backup dir is as it was');
    });

    test('a full backup dir (1 MiB tmpfs): the backup fails, the partial copy goes, the older copies stay', { timeout: 90000 }, async () => {
        const dir = tempDir('canopy-full-');
        const host = await backupHost({
            backupDir: dir, args: ['--backup-keep', '5'],
            launcher: namespaceLauncher('mount -t tmpfs -o size=1m,mode=0700 tmpfs "$0"', dir),
        });
        const older = [await backupOk(host), await backupOk(host)];
        // The tmpfs is the host's alone: it is seen through its root.
        const inside = `/proc/${host.pid}/root${dir}`;
        const before = snapshotDir(inside);
        assert.deepEqual(Object.keys(before), older.map((b) => b.file).sort());
        await prefill(host, 2); // a database larger than what is left
        const r = await postBackup(host);
        assertError(r, 500, 'BackupFailed', 'a backup into a full dir');
        assert.match(r.json.message, /full/i);
        const list = await listBackups(host);
        assert.match(list.lastError, /full/i);
        assert.deepEqual(list.backups.map((b) => b.file), older.map((b) => b.file).reverse());
        assert.ok(list.backups.every((b) => b.verified));
        assert.deepEqual(snapshotDir(inside), before, 'no partial copy is left, the older ones are untouched');
        assert.deepEqual(await backupMetrics(host), { ok: 2, failed: 1, failures: 1 });
        const errors = await logEntries(host, { level: 'error', category: 'canopy.backup' });
        assert.equal(errors.length, 1);
    });

    test('--restore --dry-run prints what it would replace and changes nothing', async () => {
        const host = await backupHost();
        const c = await LeafClient.connect(host.wsUrl('did:web:dry.backups.test'), host.token);
        clients.push(c);
        for (let i = 0; i < 2; i++) {
            const doc = newDoc();
            await c.subscribe(randomEntityId(), doc);
            appendText(doc, `before ${i}`);
        }
        await waitUntil(async () => (await adminJson(host, '/admin/documents')).documents.length === 2, { what: 'two documents' });
        const entry = await backupOk(host);
        for (let i = 0; i < 3; i++) {
            const doc = newDoc();
            await c.subscribe(randomEntityId(), doc);
            appendText(doc, `after ${i}`);
        }
        await waitUntil(async () => (await adminJson(host, '/admin/documents')).documents.length === 5, { what: 'five documents' });
        await adminRequest(host, 'POST', '/admin/bans', { body: { did: 'did:web:banned.backups.test', reason: 'test' } });
        await closeAll(clients);
        clients = [];
        await host.stop();

        const before = snapshotDir(host.dataDir);
        const backupBefore = snapshotDir(host.backupDir);
        const r = await restore(host.dataDir, path.join(host.backupDir, entry.file), { dryRun: true });
        assert.equal(r.code, 0, `exit ${r.code}: ${r.stdout} ${r.stderr}`);
        assert.match(r.stdout, /^\s+documents\s+5\s+2$/m, r.stdout);
        assert.match(r.stdout, /^\s+blocks\s+5\s+2$/m, r.stdout);
        assert.match(r.stdout, /^\s+tokens\s+\d+\s+\d+$/m, r.stdout);
        assert.match(r.stdout, /^\s+bans\s+1\s+0$/m, r.stdout);
        assert.match(r.stdout, /dry run: .* would be replaced; nothing was changed/);
        assert.deepEqual(snapshotDir(host.dataDir), before, 'the data dir is byte for byte as it was');
        assert.deepEqual(snapshotDir(host.backupDir), backupBefore, 'the backup is as it was');

        // The same restore for real: five documents become two; the five are kept beside.
        const real = await restore(host.dataDir, path.join(host.backupDir, entry.file));
        assert.equal(real.code, 0, real.stderr);
        const kept = fs.readdirSync(host.dataDir).find((n) => n.startsWith('canopy.sqlite.replaced-'));
        assert.equal(sha256(path.join(host.dataDir, kept)), before['canopy.sqlite'].sha, 'the replaced database is kept unchanged');
        assert.equal((fs.statSync(path.join(host.dataDir, 'canopy.sqlite')).mode & 0o777), 0o600);
        await host.start();
        assert.equal((await adminJson(host, '/admin/documents')).documents.length, 2);
        assert.equal((await adminJson(host, '/admin/bans')).bans.length, 0);
    });

    test('--restore refuses a missing, non-SQLite, corrupt or too-new file and a running host with exit 2 and one line; nothing changes', { timeout: 90000 }, async () => {
        const host = await backupHost();
        const entry = await backupOk(host);
        const good = path.join(host.backupDir, entry.file);
        const scratch = tempDir('canopy-bad-');

        const running = await restore(host.dataDir, good);
        assertRefused(running, /cannot restore: a Canopy process \(pid \d+ .*\) is using .*: stop it first/, 'while the host runs');
        await host.stop();
        const before = snapshotDir(host.dataDir);

        const missing = await restore(host.dataDir, path.join(scratch, 'nope.sqlite'));
        assertRefused(missing, /cannot restore: .*nope\.sqlite: no such file/, 'a missing file');

        const junk = path.join(scratch, 'junk.sqlite');
        fs.writeFileSync(junk, Buffer.alloc(8192, 0x41));
        assertRefused(await restore(host.dataDir, junk), /is not a SQLite database/, 'not SQLite');

        // Every b-tree page's header overwritten: SQLite's own check finds it.
        const corrupt = path.join(scratch, 'corrupt.sqlite');
        const bytes = fs.readFileSync(good);
        const pageSize = bytes.readUInt16BE(16) === 1 ? 65536 : bytes.readUInt16BE(16);
        for (let p = 1; p * pageSize < bytes.length; p++) bytes.fill(0xee, p * pageSize, p * pageSize + 12);
        fs.writeFileSync(corrupt, bytes);
        assertRefused(await restore(host.dataDir, corrupt), /corrupt|malformed/, 'a corrupt file');

        // user_version (header offset 60) of a schema this build does not know.
        const newer = path.join(scratch, 'newer.sqlite');
        const nb = fs.readFileSync(good);
        nb.writeUInt32BE(99, 60);
        fs.writeFileSync(newer, nb);
        assertRefused(await restore(host.dataDir, newer), /has schema 99; this Canopy knows up to \d+/, 'a too-new file');

        assertRefused(await restore(host.dataDir, host.backupDir), /is not a file/, 'a directory');
        assert.deepEqual(snapshotDir(host.dataDir), before, 'the data dir is as it was');
        assert.deepEqual(fs.readdirSync(host.dataDir).filter((n) => n.startsWith('.canopy-restore')), [], 'no copy is left');
        const dry = await restore(host.dataDir, good, { dryRun: true });
        assert.equal(dry.code, 0, `the good backup still restores: ${dry.stderr}`);
        const stray = await runOnce(['--dry-run', '--data-dir', host.dataDir]);
        assertRefused(stray, /--dry-run goes with --restore/, '--dry-run alone');
    });

    test('a second host on the same data dir is refused while the first runs', async () => {
        const first = await backupHost();
        const r = await runOnce(['--headless', '--data-dir', first.dataDir, '--port', '1', '--admin-token', 'x']);
        assert.equal(r.code, 1, `exit ${r.code}: ${r.stderr}`);
        assert.match(r.stderr, /cannot start: a Canopy process \(pid \d+/);
        assert.ok(first.running);
        // Killed, it leaves a lock behind that is stale: the next start takes it over.
        await first.kill9();
        await first.start();
    });
});
