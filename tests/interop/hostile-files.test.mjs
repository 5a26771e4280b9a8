// Hostile clients, item 12: files. Under umask 022 the host keeps what it writes to itself: the data dir is 0700
// (created so, or tightened with a warning), canopy.sqlite and its -wal/-shm are 0600 — stat'ed after real
// writes through a Sync1 client. A data dir that belongs to another user, or a shared sticky one, stops start-up
// (exit 2, one line). An admin-token fallback file the host cannot trust — a symbolic link (dangling or not),
// world-writable, group- or world-readable, another user's, not a regular file — stops start-up with exit 2 and
// one stderr line naming it; the link's target is neither read nor written. A trusted one (0600, ours) is used.
// Root is needed to give files to another user (CI runs as root); those cases fail, not skip, without it.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { httpGet } from './lib/hardening.mjs';
import { freePort, makeTempDir, makeToken, runOnce, startHost } from './lib/host.mjs';
import { appendText, closeAll, LeafClient, newDoc, randomEntityId } from './lib/leaf.mjs';
import { waitUntil } from './lib/util.mjs';

const NOBODY = 65534;
// No session bus: the keychain is unavailable, so a headless host falls back to <data-dir>/admin-token.
const NO_KEYCHAIN = { ADMIN_TOKEN: '', ADMIN_REMOTE: '', DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/canopy-test-bus' };

const modeOf = (p) => fs.statSync(p).mode & 0o7777;
const octal = (m) => '0' + m.toString(8);

function nonEmptyLines(s) {
    return s.split('\n').map((l) => l.trim()).filter((l) => l.length > 0);
}

async function runArgs(dataDir) {
    return ['--headless', '--data-dir', dataDir, '--port', String(await freePort()), '--listen', '127.0.0.1',
        '--dev-token', makeToken(), '--did', 'did:web:files.canopy.test'];
}

/** Start the binary against `dataDir` (no --admin-token, no keychain); expect exit 2 and one line matching `re`. */
async function expectRefused(dataDir, re, what) {
    const r = await runOnce(await runArgs(dataDir), { env: NO_KEYCHAIN, timeoutMs: 10000 });
    const detail = `${what}: code ${r.code} signal ${r.signal} timedOut ${r.timedOut}\nstderr: ${JSON.stringify(r.stderr.slice(0, 2000))}`;
    assert.equal(r.timedOut, false, `the host kept running: ${detail}`);
    assert.equal(r.code, 2, detail);
    const lines = nonEmptyLines(r.stderr);
    assert.equal(lines.length, 1, `expected exactly one stderr line: ${detail}`);
    assert.match(lines[0], re, detail);
    return lines[0];
}

describe('hostile files', { timeout: 180000 }, () => {
    const dirs = [];
    const fresh = (prefix = 'canopy-files-') => {
        const d = makeTempDir(prefix);
        dirs.push(d);
        return d;
    };
    let umask;
    before(() => {
        assert.equal(process.getuid?.(), 0, 'these tests give files to another user: run them as root (CI does)');
        umask = process.umask(0o022);
    });
    after(() => {
        process.umask(umask);
        for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
    });

    test('under umask 022: a new data dir is 0700, canopy.sqlite and its -wal/-shm are 0600 after writes', async () => {
        const parent = fresh();
        fs.chmodSync(parent, 0o755);
        const dataDir = path.join(parent, 'nested', 'data');
        const host = await startHost({ dataDir, env: NO_KEYCHAIN });
        const clients = [];
        try {
            const c = await LeafClient.connect(host.wsUrl('did:web:writer.files.test'), host.token, { timeoutMs: 5000 });
            clients.push(c);
            const doc = newDoc();
            const id = randomEntityId();
            await c.subscribe(id, doc);
            for (let i = 0; i < 5; i++) appendText(doc, `write ${i} `);
            const db = path.join(dataDir, 'canopy.sqlite');
            await waitUntil(() => fs.existsSync(`${db}-wal`) && fs.statSync(`${db}-wal`).size > 0,
                { timeoutMs: 5000, what: 'the WAL to hold the writes' });
            assert.equal(octal(modeOf(dataDir)), '0700', 'the data dir');
            for (const f of [db, `${db}-wal`, `${db}-shm`]) {
                assert.ok(fs.existsSync(f), `${f} exists while the host runs`);
                assert.equal(octal(modeOf(f)), '0600', f);
            }
            // The admin-token fallback it generated is 0600 as well.
            const token = path.join(dataDir, 'admin-token');
            await waitUntil(() => fs.existsSync(token), { timeoutMs: 10000, what: token });
            assert.equal(octal(modeOf(token)), '0600', token);
            // Nothing in the data dir is readable by others.
            for (const name of fs.readdirSync(dataDir)) {
                const m = modeOf(path.join(dataDir, name));
                assert.equal(m & 0o077, 0, `${name} has mode ${octal(m)}`);
            }
        } finally {
            await closeAll(clients);
            await host.dispose();
        }
    });

    test('an existing data dir open to others is tightened to 0700 (and the host says so); loose files too', async () => {
        const dataDir = fresh();
        const first = await startHost({ dataDir, env: NO_KEYCHAIN });
        await first.stop();
        const db = path.join(dataDir, 'canopy.sqlite');
        fs.chmodSync(dataDir, 0o755);
        fs.chmodSync(db, 0o644);
        const host = await startHost({ dataDir, env: NO_KEYCHAIN });
        try {
            assert.equal(octal(modeOf(dataDir)), '0700');
            assert.equal(octal(modeOf(db)), '0600');
            assert.ok(host.logs.some((l) => l.level === 'warning' && /0755/.test(l.message) && /0700/.test(l.message)),
                `no warning about the loose data dir:\n${host.tail(10)}`);
        } finally {
            await host.dispose();
        }
    });

    test('a data dir owned by another user, or a shared sticky one, stops start-up (exit 2, one line)', async () => {
        const foreign = fresh();
        fs.chownSync(foreign, NOBODY, NOBODY);
        await expectRefused(foreign, /data-dir.*uid 65534/, 'a data dir of uid 65534');
        assert.equal(fs.readdirSync(foreign).length, 0, 'the host wrote into another user\'s directory');
        const sticky = fresh();
        fs.chmodSync(sticky, 0o1777);
        await expectRefused(sticky, /data-dir.*sticky/, 'a sticky data dir');
        assert.equal(octal(modeOf(sticky)), '01777', 'the shared directory was changed');
    });

    test('an untrusted admin-token file stops start-up with exit 2 and one line; a link\'s target is untouched', async () => {
        const cases = [
            ['a symbolic link', (file, dir) => {
                const target = path.join(dir, 'precious.txt');
                fs.writeFileSync(target, 'not a token, and not yours to overwrite\n', { mode: 0o600 });
                fs.symlinkSync(target, file);
                return target;
            }, /symbolic link/],
            ['a dangling symbolic link', (file, dir) => {
                const target = path.join(dir, 'would-be-created');
                fs.symlinkSync(target, file);
                return target;
            }, /symbolic link/],
            ['world-writable (0666)', (file) => { fs.writeFileSync(file, 'planted\n'); fs.chmodSync(file, 0o666); }, /0666/],
            ['world-writable only (0602)', (file) => { fs.writeFileSync(file, 'planted\n'); fs.chmodSync(file, 0o602); }, /0602/],
            ['group-readable (0640)', (file) => { fs.writeFileSync(file, 'planted\n'); fs.chmodSync(file, 0o640); }, /0640/],
            ['world-readable (0644)', (file) => { fs.writeFileSync(file, 'planted\n'); fs.chmodSync(file, 0o644); }, /0644/],
            ['owned by another user', (file) => {
                fs.writeFileSync(file, 'planted\n', { mode: 0o600 });
                fs.chmodSync(file, 0o600);
                fs.chownSync(file, NOBODY, NOBODY);
            }, /uid 65534/],
            ['a directory', (file) => { fs.mkdirSync(file); }, /not a regular file/],
        ];
        for (const [what, make, re] of cases) {
            const dataDir = fresh();
            fs.chmodSync(dataDir, 0o700);
            const file = path.join(dataDir, 'admin-token');
            const target = make(file, fresh('canopy-files-elsewhere-'));
            const before = target && fs.existsSync(target)
                ? { bytes: fs.readFileSync(target), mode: modeOf(target), mtimeMs: fs.statSync(target).mtimeMs } : null;
            const line = await expectRefused(dataDir, re, what);
            assert.ok(line.includes(file), `${what}: the line does not name ${file}: ${line}`);
            assert.ok(!/planted/.test(line), `${what}: the line shows the file's content`);
            if (target) {
                if (before) {
                    assert.deepEqual(fs.readFileSync(target), before.bytes, `${what}: the link's target was written`);
                    assert.equal(modeOf(target), before.mode, `${what}: the target's mode changed`);
                    assert.equal(fs.statSync(target).mtimeMs, before.mtimeMs, `${what}: the target was touched`);
                } else {
                    assert.ok(!fs.existsSync(target), `${what}: the host created the link's target`);
                }
                assert.ok(fs.lstatSync(file).isSymbolicLink(), `${what}: the link was replaced`);
            }
            // The database was not even opened: start-up stopped first.
            assert.ok(!fs.existsSync(path.join(dataDir, 'canopy.sqlite')), `${what}: the host opened its database`);
        }
    });

    test('a trusted admin-token file (a regular 0600 file of ours) is the admin token', async () => {
        const dataDir = fresh();
        const file = path.join(dataDir, 'admin-token');
        const token = 'operator-chosen-' + makeToken();
        fs.writeFileSync(file, token + '\n', { mode: 0o600 });
        fs.chmodSync(file, 0o600);
        const host = await startHost({ dataDir, env: NO_KEYCHAIN });
        try {
            await waitUntil(async () => (await httpGet(host.url('/metrics'), { authorization: `Bearer ${token}` })).status === 200,
                { timeoutMs: 10000, what: 'the file\'s token to open /metrics' });
            assert.equal(fs.readFileSync(file, 'utf8').trim(), token, 'the host rewrote the operator\'s token');
            assert.equal(octal(modeOf(file)), '0600');
        } finally {
            await host.dispose();
        }
    });

    test('--admin-token given: the fallback file is never consulted, whatever lies there', async () => {
        const dataDir = fresh();
        const target = path.join(fresh('canopy-files-elsewhere-'), 'precious.txt');
        fs.writeFileSync(target, 'precious\n', { mode: 0o600 });
        fs.symlinkSync(target, path.join(dataDir, 'admin-token'));
        const host = await startHost({ dataDir, env: NO_KEYCHAIN, extraArgs: ['--admin-token', 'flag-admin-token-' + makeToken()] });
        try {
            assert.equal(fs.readFileSync(target, 'utf8'), 'precious\n');
        } finally {
            await host.dispose();
        }
    });
});
